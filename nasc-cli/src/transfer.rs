//! `nasc export` and `nasc import`: every aggregate as one JSON line, streamed.

use crate::Failure;
use nasc_runtime::{LoggedChange, MappedStore, Registry, Store, StoreOptions};
use serde_json::{json, Value};
use std::io::{BufRead, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

/// Aggregates read per query.
const PAGE: u64 = 500;
/// Aggregates between two progress lines on stderr.
const PROGRESS_EVERY: u64 = 10_000;

/// Writes the aggregates of `types` (every aggregate type when empty) on stdout.
pub fn export(
    registry: Registry,
    url: &str,
    options: StoreOptions,
    types: &[String],
) -> Result<ExitCode, Failure> {
    if MappedStore::pending_changes(url, &registry, &options)?.is_some() {
        return Err(Failure(
            "the database does not hold the schema: `nasc check` lists the changes".into(),
        ));
    }
    let model = registry.model().clone();
    let store = MappedStore::connect_with(url, registry, options)?;
    let wanted: Vec<&nasc_model::EntityType> = match types {
        [] => model.types.iter().filter(|t| t.is_aggregate()).collect(),
        names => names
            .iter()
            .map(|name| {
                model.get(name).filter(|t| t.is_aggregate()).ok_or_else(|| {
                    Failure(format!("`{name}` is not an aggregate type of the schema"))
                })
            })
            .collect::<Result<_, _>>()?,
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    // Read before the first page: every change up to it is in every state read after.
    if let Some(sequence) = store.last_sequence()? {
        let origin = store.log_origin()?;
        writeln!(
            out,
            "{}",
            json!({"snapshot": {"sequence": sequence, "origin": origin}})
        )?;
        eprintln!("snapshot at sequence {sequence}");
    }
    for ty in wanted {
        let pk = &ty.pk().expect("an aggregate type has a pk").property;
        let mut cursor: Option<String> = None;
        let mut written = 0u64;
        loop {
            let mut query = json!({"orderBy": [{ pk.as_str(): "asc" }], "take": PAGE});
            if let Some(cursor) = &cursor {
                query["cursor"] = json!(cursor);
            }
            let page = store.query(&ty.name, &query)?;
            for value in page.items {
                let id = value.get(pk).cloned().unwrap_or(Value::Null);
                let line = json!({"type": ty.name, "id": id, "value": value});
                writeln!(out, "{line}")?;
                written += 1;
                if written % PROGRESS_EVERY == 0 {
                    eprintln!("exported {written} {}", ty.name);
                }
            }
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        eprintln!("exported {written} {} in all", ty.name);
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Stores each line `export` wrote, exactly.
/// Writes the logged changes after `after` on stdout, one `{"change": ...}` line each.
pub fn export_changes(
    registry: Registry,
    url: &str,
    options: StoreOptions,
    after: i64,
) -> Result<ExitCode, Failure> {
    let store = MappedStore::connect_with(url, registry, options)?;
    if store.last_sequence()?.is_none() {
        return Err(Failure(
            "the database keeps no change log (`StoreOptions::change_log`)".into(),
        ));
    }
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let origin = store.log_origin()?;
    writeln!(
        out,
        "{}",
        json!({"changes": {"after": after, "origin": origin}})
    )?;
    let (mut position, mut written) = (after, 0u64);
    loop {
        let changes = store.changes_since(position, PAGE as i64)?;
        let Some(last) = changes.last() else { break };
        position = last.sequence;
        for change in &changes {
            writeln!(out, "{}", json!({ "change": change }))?;
        }
        written += changes.len() as u64;
    }
    out.flush()?;
    eprintln!("exported {written} changes after {after}, up to {position}");
    Ok(ExitCode::SUCCESS)
}

/// Stores what `nasc export` wrote: aggregates exactly, a snapshot's sequence as the
/// position of `feed`, and changes after that position (in batches, each with the
/// position in its transaction).
pub fn import(
    registry: Registry,
    url: &str,
    options: StoreOptions,
    file: Option<&Path>,
    skip_existing: bool,
    feed: &str,
) -> Result<ExitCode, Failure> {
    let store = MappedStore::connect_with(url, registry, options)?;
    let input: Box<dyn BufRead> = match file {
        Some(path) => Box::new(std::io::BufReader::new(
            std::fs::File::open(path)
                .map_err(|e| Failure(format!("cannot read {}: {e}", path.display())))?,
        )),
        None => Box::new(std::io::stdin().lock()),
    };
    let mut import = Import {
        store: &store,
        feed,
        snapshot: None,
        changes: Vec::new(),
        applied: 0,
        position: None,
    };
    let (mut imported, mut skipped) = (0u64, 0u64);
    for (index, line) in input.lines().enumerate() {
        let at = index + 1;
        let line = line.map_err(|e| Failure(format!("line {at}: {e}")))?;
        if line.trim().is_empty() {
            continue;
        }
        let record: Value = serde_json::from_str(&line)
            .map_err(|e| Failure(format!("line {at}: not JSON: {e}")))?;
        if let Some(header) = record.get("snapshot").or_else(|| record.get("changes")) {
            // The log the lines come from: the feed is bound to it (a file of another
            // log is refused).
            let Some(origin) = header.get("origin").and_then(Value::as_str) else {
                return Err(Failure(format!(
                    "line {at}: a header line names its log's `origin`, as `nasc export` writes it"
                )));
            };
            import.apply()?;
            store.bind_feed(feed, origin)?;
            if let Some(snapshot) = record.get("snapshot") {
                let Some(sequence) = snapshot.get("sequence").and_then(Value::as_i64) else {
                    return Err(Failure(format!(
                        "line {at}: a snapshot line is {{\"snapshot\": {{\"sequence\": ..., \"origin\": ...}}}}"
                    )));
                };
                import.snapshot = Some(sequence);
            }
            continue;
        }
        if let Some(change) = record.get("change") {
            let change: LoggedChange = serde_json::from_value(change.clone())
                .map_err(|e| Failure(format!("line {at}: not a logged change: {e}")))?;
            import.changes.push((at, change));
            if import.changes.len() >= PAGE as usize {
                import.apply()?;
            }
            continue;
        }
        let (Some(ty), Some(id), Some(value)) = (
            record.get("type").and_then(Value::as_str),
            record.get("id").and_then(|id| match id {
                Value::String(id) => Some(id.clone()),
                Value::Number(id) => Some(id.to_string()),
                _ => None,
            }),
            record.get("value"),
        ) else {
            return Err(Failure(format!(
                "line {at}: a line is {{\"type\": ..., \"id\": ..., \"value\": ...}}, as `nasc export` writes it"
            )));
        };
        match store.restore(ty, &id, value) {
            Ok(true) => imported += 1,
            Ok(false) if skip_existing => skipped += 1,
            Ok(false) => {
                return Err(Failure(format!(
                    "line {at}: {ty} `{id}` is stored already; {imported} imported before it (`--skip-existing` leaves stored aggregates as they are)"
                )))
            }
            Err(e) => {
                return Err(Failure(format!(
                    "line {at}: {e}; {imported} imported before it"
                )))
            }
        }
        if (imported + skipped) % PROGRESS_EVERY == 0 {
            eprintln!("imported {imported}, skipped {skipped}");
        }
    }
    import.apply()?;
    eprintln!("imported {imported}, skipped {skipped} (stored already)");
    if let Some(snapshot) = import.snapshot.take() {
        let position = store.start_feed(feed, snapshot)?;
        eprintln!("feed `{feed}` at sequence {position}");
    }
    if let Some(position) = import.position {
        eprintln!(
            "applied {} changes; feed `{feed}` at sequence {position}",
            import.applied
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The changes an import has read and not yet applied.
struct Import<'s> {
    store: &'s MappedStore,
    feed: &'s str,
    /// A snapshot's sequence, recorded as the feed's position before any change applies.
    snapshot: Option<i64>,
    /// Each with its line.
    changes: Vec<(usize, LoggedChange)>,
    applied: u64,
    position: Option<i64>,
}

impl Import<'_> {
    fn apply(&mut self) -> Result<(), Failure> {
        if self.changes.is_empty() {
            return Ok(());
        }
        if let Some(snapshot) = self.snapshot.take() {
            self.store.start_feed(self.feed, snapshot)?;
        }
        let before = self.store.feed_position(self.feed)?;
        let (lines, changes): (Vec<usize>, Vec<LoggedChange>) =
            std::mem::take(&mut self.changes).into_iter().unzip();
        let position = self.store.apply_changes(self.feed, &changes).map_err(|e| {
            Failure(format!(
                "lines {} to {}: {e}; nothing of them applied",
                lines[0],
                lines[lines.len() - 1]
            ))
        })?;
        self.applied += changes
            .iter()
            .filter(|c| c.sequence > before && c.sequence <= position)
            .count() as u64;
        self.position = Some(position);
        Ok(())
    }
}
