//! The `nasc` binary, run as users run it, on a real database of every backend.

#[path = "../../tests/store/support.rs"]
mod support;

use nasc_runtime::{Registry, Store};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::{Command, Output};
use support::{Backend, Kind};

/// Runs `nasc` with `args`.
fn nasc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nasc"))
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .expect("the nasc binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The files of a schema version, in a directory of their own.
struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn new(schema: &str, mapping: &str) -> Files {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("s.json"), schema).unwrap();
        std::fs::write(dir.path().join("m.json"), mapping).unwrap();
        Files { dir }
    }

    fn schema(&self) -> PathBuf {
        self.dir.path().join("s.json")
    }

    fn mapping(&self) -> PathBuf {
        self.dir.path().join("m.json")
    }

    fn registry(&self) -> Registry {
        Registry::from_files(self.schema(), self.mapping()).unwrap()
    }

    /// `nasc --schema .. --mapping .. <args>`.
    fn run(&self, args: &[&str]) -> Output {
        let (schema, mapping) = (self.schema(), self.mapping());
        let mut all = vec![
            "--schema",
            schema.to_str().unwrap(),
            "--mapping",
            mapping.to_str().unwrap(),
        ];
        all.extend_from_slice(args);
        nasc(&all)
    }
}

const SALES_SCHEMA: &str = include_str!("../../tests/schemas/sales.schema.json");
const SALES_MAPPING: &str = include_str!("../../tests/schemas/sales.mapping.json");
const TICKETS_SCHEMA: &str = include_str!("../../tests/schemas/tickets.schema.json");
const TICKETS_MAPPING: &str = include_str!("../../tests/schemas/tickets.mapping.json");

macro_rules! on_every_backend {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $(#[test] fn $name() { crate::support::run(crate::Kind::Sqlite, crate::$name) })*
        }
        #[cfg(feature = "postgres")]
        mod on_postgres {
            $(#[test] fn $name() { crate::support::run(crate::Kind::Postgres, crate::$name) })*
        }
        #[cfg(feature = "mysql")]
        mod on_mysql {
            $(#[test] fn $name() { crate::support::run(crate::Kind::Mysql, crate::$name) })*
        }
    };
}

on_every_backend!(
    check_and_migrate_a_live_database,
    export_then_import_keeps_every_aggregate_exactly,
    a_snapshot_and_change_files_restore_the_store,
    namespaces_are_chosen_on_the_command_line,
    sharing_large_values_is_turned_on_and_off_with_the_command,
);

/// `nasc ddl` prints the registry's statements for each dialect; `--help` helps; a bad
/// schema names its file and pointer.
#[test]
fn ddl_help_and_schema_errors() {
    let files = Files::new(SALES_SCHEMA, SALES_MAPPING);
    for (dialect, name) in [
        (nasc_runtime::Dialect::Sqlite, "sqlite"),
        (nasc_runtime::Dialect::Postgres, "postgres"),
        (nasc_runtime::Dialect::Mysql, "mysql"),
    ] {
        let output = files.run(&["ddl", "--dialect", name]);
        assert!(output.status.success(), "{}", stderr(&output));
        let expected: String = files
            .registry()
            .ddl(dialect)
            .iter()
            .map(|s| format!("{s};\n"))
            .collect();
        assert_eq!(stdout(&output), expected);
    }
    for command in ["ddl", "check", "migrate", "export", "import"] {
        let output = nasc(&[command, "--help"]);
        assert!(output.status.success());
        assert!(
            stdout(&output).contains("Usage: nasc"),
            "{}",
            stdout(&output)
        );
    }
    let broken = Files::new(
        &SALES_SCHEMA.replace(
            r#""customer": { "type": "string" }"#,
            r#""customer": { "type": "strin" }"#,
        ),
        SALES_MAPPING,
    );
    let output = broken.run(&["ddl"]);
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    assert!(
        text.contains("s.json#/$defs/Order/properties/customer"),
        "{text}"
    );
    // A database URL's password never shows, in help or errors.
    let output = files.run(&[
        "check",
        "--database-url",
        "postgres://u:hunter2@127.0.0.1:1/x",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(!stderr(&output).contains("hunter2"), "{}", stderr(&output));
}

/// `check` and `migrate` against a live database: an empty one needs its tables; once
/// applied, it is in sync; a removed property's column stays until `--allow` names it; a
/// change that converts values is written as a migration, refused without `--allow`, and
/// applied with it.
pub fn check_and_migrate_a_live_database(b: &Backend) {
    let (url, _cleanup) = b.empty_database();
    let url = url.as_str();
    let v1 = Files::new(SALES_SCHEMA, SALES_MAPPING);
    let output = v1.run(&["check", "--database-url", url]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("create the tables"),
        "{}",
        stdout(&output)
    );
    let output = v1.run(&["migrate", "--database-url", url, "--apply"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("applied: create the tables"),
        "{}",
        stdout(&output)
    );
    let output = v1.run(&["check", "--database-url", url]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).contains("in sync"));

    let store = nasc_runtime::MappedStore::connect(url, v1.registry()).unwrap();
    let order = json!({"id": "o1", "customer": "ada", "status": "paid", "total": 2.5,
        "items": 1, "paid": true, "placedAt": "2026-01-02T03:04:05Z", "note": "n",
        "priority": 3, "lines": []});
    store.persist("Order", "o1", &order, &order).unwrap();
    drop(store);

    // `note` removed: in sync (the column stays); dropped when named.
    let v2_schema = SALES_SCHEMA.replace(r#""note": { "type": ["string", "null"] },"#, "");
    assert_ne!(v2_schema, SALES_SCHEMA);
    let v2 = Files::new(&v2_schema, SALES_MAPPING);
    assert_eq!(
        v2.run(&["check", "--database-url", url]).status.code(),
        Some(0)
    );
    let output = v2.run(&[
        "migrate",
        "--database-url",
        url,
        "--apply",
        "--allow",
        "orders.note",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("column `note`"),
        "{}",
        stdout(&output)
    );

    // `priority` becomes a number: its values are converted, so it must be named.
    let v3_schema = v2_schema.replace(
        r#""priority": { "type": "integer" }"#,
        r#""priority": { "type": "number" }"#,
    );
    assert_ne!(v3_schema, v2_schema);
    let v3 = Files::new(&v3_schema, SALES_MAPPING);
    let output = v3.run(&["check", "--database-url", url]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("`priority`"),
        "{}",
        stdout(&output)
    );
    let migrations = tempfile::tempdir().unwrap();
    let dir = migrations.path().to_str().unwrap();
    let output = v3.run(&[
        "migrate",
        "--database-url",
        url,
        "--write",
        dir,
        "--allow",
        "orders.priority",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let written = PathBuf::from(stdout(&output).trim());
    for file in ["up.sql", "down.sql", "metadata.toml"] {
        assert!(written.join(file).is_file(), "{}", written.display());
    }
    assert!(std::fs::read_to_string(written.join("up.sql"))
        .unwrap()
        .contains("priority"));
    let output = v3.run(&["migrate", "--database-url", url, "--apply"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("--allow orders.priority"),
        "{}",
        stderr(&output)
    );
    let output = v3.run(&[
        "migrate",
        "--database-url",
        url,
        "--apply",
        "--allow",
        "orders.priority",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        v3.run(&["check", "--database-url", url]).status.code(),
        Some(0)
    );
    let store = nasc_runtime::MappedStore::connect(url, v3.registry()).unwrap();
    let mut expected = order;
    expected.as_object_mut().unwrap().remove("note");
    expected["priority"] = json!(3.0);
    expected["meta"] = Value::Null; // a `null`-typed property loads as null
    assert_eq!(store.load("Order", "o1").unwrap(), Some(expected));
}

/// `export` pages through every aggregate (more than a page of them), and `import` into an
/// empty SQLite database stores each exactly (versions, timestamps and generated keys kept):
/// a move between backends. A second import stops at the first stored aggregate, unless
/// `--skip-existing`; a bad line names its number.
pub fn export_then_import_keeps_every_aggregate_exactly(b: &Backend) {
    let files = Files::new(TICKETS_SCHEMA, TICKETS_MAPPING);
    let db = b.store(files.registry());
    let mut keys = Vec::new();
    for i in 0..1_100 {
        let notes: Vec<Value> = (0..i % 3)
            .map(|n| json!({"id": format!("n{n}"), "text": format!("note {n} of {i}")}))
            .collect();
        let stored = db
            .insert_document(
                "Ticket",
                &json!({"title": format!("t{i}"), "version": i % 5, "notes": notes}),
            )
            .unwrap();
        keys.push(("Ticket", stored["id"].to_string()));
        if i % 100 == 0 {
            let event = db
                .insert_document("Event", &json!({"name": format!("e{i}"), "notes": []}))
                .unwrap();
            keys.push(("Event", event["id"].as_str().unwrap().to_owned()));
        }
    }
    let snapshot = tempfile::NamedTempFile::new().unwrap();
    let output = files.run(&["export", "--database-url", db.url()]);
    assert!(output.status.success(), "{}", stderr(&output));
    std::fs::write(snapshot.path(), &output.stdout).unwrap();
    assert_eq!(stdout(&output).lines().count(), keys.len());
    assert!(
        stderr(&output).contains("exported 1100 Ticket in all"),
        "{}",
        stderr(&output)
    );

    let target = Backend::sqlite().store(files.registry());
    let import = |extra: &[&str]| {
        let mut args = vec!["import", "--database-url", target.url(), "--file"];
        args.push(snapshot.path().to_str().unwrap());
        args.extend_from_slice(extra);
        files.run(&args)
    };
    let output = import(&[]);
    assert!(output.status.success(), "{}", stderr(&output));
    for (ty, id) in &keys {
        let original = db.load(ty, id).unwrap();
        assert!(original.is_some(), "{ty} {id}");
        assert_eq!(target.load(ty, id).unwrap(), original, "{ty} {id}");
    }
    let output = import(&[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("line 1: "), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("stored already"),
        "{}",
        stderr(&output)
    );
    let output = import(&["--skip-existing"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(&format!("skipped {}", keys.len())),
        "{}",
        stderr(&output)
    );
    // A line of another shape, and an aggregate the schema refuses, each named by number.
    let bad = tempfile::NamedTempFile::new().unwrap();
    for (lines, expected) in [
        ("\n{\"type\": \"Ticket\"}\n", "line 2: a line is"),
        (
            "{\"type\": \"Ticket\", \"id\": 99999, \"value\": {\"id\": 99999, \"title\": \"\", \"version\": 0, \"notes\": []}}\n",
            "line 1: invalid Ticket `99999` at `/title`",
        ),
    ] {
        std::fs::write(bad.path(), lines).unwrap();
        let file = bad.path().to_str().unwrap();
        let output = files.run(&["import", "--database-url", target.url(), "--file", file]);
        assert_eq!(output.status.code(), Some(2));
        assert!(stderr(&output).contains(expected), "{}", stderr(&output));
    }
    assert_eq!(target.load("Ticket", "99999").unwrap(), None);
}

/// A snapshot (`export`, its first line the log's sequence) and the changes after it
/// (`export --changes-after`), imported into an empty SQLite database, hold what the
/// source holds; a change file imported again applies nothing; a later file that repeats
/// changes applies only the new ones.
pub fn a_snapshot_and_change_files_restore_the_store(b: &Backend) {
    let files = Files::new(TICKETS_SCHEMA, TICKETS_MAPPING);
    let db = b.store(files.registry());
    let options = nasc_runtime::StoreOptions {
        change_log: true,
        ..nasc_runtime::StoreOptions::default()
    };
    let source =
        nasc_runtime::MappedStore::connect_with(db.url(), files.registry(), options.clone())
            .unwrap();
    let mut ids = Vec::new();
    for i in 0..50 {
        let notes: Vec<Value> = (0..i % 3)
            .map(|n| json!({"id": format!("n{n}"), "text": format!("note {n} of {i}")}))
            .collect();
        let stored = source
            .insert_document(
                "Ticket",
                &json!({"title": format!("t{i}"), "version": 0, "notes": notes}),
            )
            .unwrap();
        ids.push(stored["id"].to_string());
    }
    let write = |round: usize, ids: &mut Vec<String>| {
        for (n, id) in ids
            .clone()
            .iter()
            .enumerate()
            .filter(|(n, _)| n % 4 == round % 4)
        {
            let Some(state) = source.load("Ticket", id).unwrap() else {
                continue;
            };
            if n % 3 == 0 {
                source.delete("Ticket", id).unwrap();
                continue;
            }
            let mut next = state.clone();
            next["title"] = json!(format!("round {round} of {n}"));
            next["notes"] = json!([{"id": "r", "text": format!("round {round}")}]);
            let diff = nasc_runtime::diff(&state, &next).unwrap().to_value();
            source.persist("Ticket", id, &diff, &next).unwrap();
        }
        let made = source
            .insert_document(
                "Ticket",
                &json!({"title": format!("new in {round}"), "version": 0, "notes": []}),
            )
            .unwrap();
        ids.push(made["id"].to_string());
    };
    let export = |args: &[&str]| {
        let mut all = vec!["export", "--database-url", db.url()];
        all.extend_from_slice(args);
        let output = files.run(&all);
        assert!(output.status.success(), "{}", stderr(&output));
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), &output.stdout).unwrap();
        (file, stdout(&output), stderr(&output))
    };
    let target = Backend::sqlite().store(files.registry());
    let import = |file: &tempfile::NamedTempFile| {
        let path = file.path().to_str().unwrap();
        let output = files.run(&["import", "--database-url", target.url(), "--file", path]);
        assert!(output.status.success(), "{}", stderr(&output));
        stderr(&output)
    };
    let same = |ids: &[String]| {
        for id in ids {
            assert_eq!(
                target.load("Ticket", id).unwrap(),
                source.load("Ticket", id).unwrap(),
                "Ticket {id}"
            );
        }
    };

    write(0, &mut ids);
    let (snapshot, lines, _) = export(&[]);
    let sequence = source.last_sequence().unwrap().unwrap();
    let origin = source.log_origin().unwrap();
    assert_eq!(
        lines.lines().next().unwrap(),
        json!({"snapshot": {"sequence": sequence, "origin": origin}}).to_string()
    );
    write(1, &mut ids);
    write(2, &mut ids);
    let after = sequence.to_string();
    let (changes, lines, _) = export(&["--changes-after", &after]);
    let logged = source.changes_since(sequence, 100_000).unwrap();
    assert_eq!(lines.lines().count(), 1 + logged.len());
    assert!(logged.len() > 20, "{}", logged.len());

    import(&snapshot);
    let said = import(&changes);
    assert!(
        said.contains(&format!("applied {} changes", logged.len())),
        "{said}"
    );
    same(&ids);
    let said = import(&changes);
    assert!(said.contains("applied 0 changes"), "{said}");
    same(&ids);
    // Later, every change after the snapshot again: the new ones alone apply.
    write(3, &mut ids);
    let (again, _, _) = export(&["--changes-after", &after]);
    let newer = source
        .changes_since(logged.last().unwrap().sequence, 100_000)
        .unwrap();
    let said = import(&again);
    assert!(
        said.contains(&format!("applied {} changes", newer.len())),
        "{said}"
    );
    same(&ids);
    // Changes of another log are refused: their sequences mean other changes.
    let other_db = Backend::sqlite().store(files.registry());
    let other =
        nasc_runtime::MappedStore::connect_with(other_db.url(), files.registry(), options).unwrap();
    other
        .insert_document(
            "Ticket",
            &json!({"title": "elsewhere", "version": 0, "notes": []}),
        )
        .unwrap();
    let output = files.run(&[
        "export",
        "--database-url",
        other_db.url(),
        "--changes-after",
        "0",
    ]);
    let foreign = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(foreign.path(), &output.stdout).unwrap();
    let path = foreign.path().to_str().unwrap();
    let output = files.run(&["import", "--database-url", target.url(), "--file", path]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("another source"),
        "{}",
        stderr(&output)
    );
    // A database without a change log has no changes to export.
    let plain = Backend::sqlite().store(files.registry());
    let output = files.run(&[
        "export",
        "--database-url",
        plain.url(),
        "--changes-after",
        "0",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no change log"),
        "{}",
        stderr(&output)
    );
}

/// `--namespace` (or `NASC_NAMESPACE`) points every command at one store of several in a
/// database: checked, migrated, exported and imported apart from the others.
pub fn namespaces_are_chosen_on_the_command_line(b: &Backend) {
    let files = Files::new(TICKETS_SCHEMA, TICKETS_MAPPING);
    let (url, _cleanup) = b.empty_whole_database();
    let url = url.as_str();
    let check = |namespace: &[&str]| {
        let mut args = vec!["check", "--database-url", url];
        args.extend_from_slice(namespace);
        files.run(&args)
    };
    let output = check(&["--namespace", "tenant_a"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("create the tables"),
        "{}",
        stdout(&output)
    );
    let output = files.run(&[
        "migrate",
        "--apply",
        "--database-url",
        url,
        "--namespace",
        "tenant_a",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(check(&["--namespace", "tenant_a"]).status.code(), Some(0));
    // Nothing was made outside the namespace.
    assert_eq!(check(&[]).status.code(), Some(1));
    let output = check(&["--namespace", "Tenant-A"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("lowercase ASCII letters"),
        "{}",
        stderr(&output)
    );

    let in_namespace = |name: &str| {
        let options = nasc_runtime::StoreOptions {
            namespace: Some(name.to_owned()),
            ..Default::default()
        };
        nasc_runtime::MappedStore::connect_with(url, files.registry(), options).unwrap()
    };
    let source = in_namespace("tenant_a");
    let mut ids = Vec::new();
    for i in 0..5 {
        let stored = source
            .insert_document(
                "Ticket",
                &json!({"title": format!("t{i}"), "version": i, "notes": []}),
            )
            .unwrap();
        ids.push(stored["id"].to_string());
    }
    let output = files.run(&["export", "--database-url", url, "--namespace", "tenant_a"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output).lines().count(), ids.len());
    let exported = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(exported.path(), &output.stdout).unwrap();
    // The variable names the namespace as the flag does.
    let (schema, mapping) = (files.schema(), files.mapping());
    let output = Command::new(env!("CARGO_BIN_EXE_nasc"))
        .args([
            "--schema",
            schema.to_str().unwrap(),
            "--mapping",
            mapping.to_str().unwrap(),
        ])
        .args([
            "import",
            "--database-url",
            url,
            "--file",
            exported.path().to_str().unwrap(),
        ])
        .env("NASC_NAMESPACE", "tenant_b")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let copy = in_namespace("tenant_b");
    for id in &ids {
        let original = source.load("Ticket", id).unwrap();
        assert!(original.is_some());
        assert_eq!(copy.load("Ticket", id).unwrap(), original, "{id}");
    }
    assert_eq!(
        check(&[]).status.code(),
        Some(1),
        "the import wrote outside its namespace"
    );
}

const VAULT_SCHEMA: &str = include_str!("../../tests/schemas/vault.schema.json");

/// The vault mapping, sharing values over `over` bytes, or not.
fn vault_mapping(over: Option<u64>) -> String {
    let share = over.map_or(String::new(), |over| {
        format!(r#", "shareBinaryOver": {over}"#)
    });
    format!(
        r#"{{"Vault": {{"x-na:store": {{"entity": "vaults", "generated": "uuid"{share}}}}},
            "Item": {{"x-na:store": {{"entity": "vault_items"{share}}}}}}}"#
    )
}

/// What `nasc shared` prints.
fn shared_line(files: &Files, url: &str, extra: &[&str]) -> Value {
    let mut args = vec!["shared", "--database-url", url];
    args.extend_from_slice(extra);
    let output = files.run(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_str(stdout(&output).trim()).unwrap()
}

/// A user's workflow with large binary values: a database holding them, the mapping
/// turned to share them (`nasc check` lists the rewrite, `nasc migrate --apply` makes
/// it), `nasc shared` telling what is stored once, an export imported into a fresh
/// database sharing the same way, and the mapping turned back (`--release-unshared`
/// letting go of everything): every value loads as it was saved throughout.
pub fn sharing_large_values_is_turned_on_and_off_with_the_command(b: &Backend) {
    let (plain, shared) = (
        Files::new(VAULT_SCHEMA, &vault_mapping(None)),
        Files::new(VAULT_SCHEMA, &vault_mapping(Some(64))),
    );
    let db = b.store(plain.registry());
    let url = db.url().to_owned();
    let big: Vec<u8> = (0..5_000u32).map(|i| (i % 251) as u8).collect();
    let encoded = |bytes: &[u8]| json!(nasc_model::bytes::encode(bytes));
    let vault = |label: &str| {
        json!({"label": label, "secret": encoded(&big),
            "items": [{"id": 1, "payload": encoded(&big)}, {"id": 2, "payload": encoded(b"\x00small")}]})
    };
    let mut stored = Vec::new();
    for label in ["a", "b"] {
        stored.push(db.insert_document("Vault", &vault(label)).unwrap());
    }
    let loads = |store: &dyn Store, stored: &[Value]| {
        for vault in stored {
            let id = vault["id"].as_str().unwrap();
            assert_eq!(
                store.load("Vault", id).unwrap().as_ref(),
                Some(vault),
                "{id}"
            );
        }
    };

    // On: listed, then applied.
    let output = shared.run(&["check", "--database-url", &url]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("begins sharing"),
        "{}",
        stdout(&output)
    );
    let output = shared.run(&["migrate", "--apply", "--database-url", &url]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        shared.run(&["check", "--database-url", &url]).status.code(),
        Some(0)
    );
    let store = nasc_runtime::MappedStore::connect(&url, shared.registry()).unwrap();
    loads(&store, &stored);
    stored.push(store.insert_document("Vault", &vault("c")).unwrap());
    // `c` holds the one large value (in two places): stored once.
    let line = shared_line(&shared, &url, &[]);
    assert_eq!(line["values"], json!(1), "{line}");
    assert_eq!(line["bytes"], json!(big.len()), "{line}");
    assert_eq!(line["references"], line["holders"], "{line}");

    // Exported, and imported into a fresh database that shares.
    let output = shared.run(&["export", "--database-url", &url]);
    assert!(output.status.success(), "{}", stderr(&output));
    let exported = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(exported.path(), &output.stdout).unwrap();
    let fresh = b.store(shared.registry());
    let output = shared.run(&[
        "import",
        "--database-url",
        fresh.url(),
        "--file",
        exported.path().to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    loads(&fresh.store, &stored);
    let line = shared_line(&shared, fresh.url(), &[]);
    assert_eq!(
        (&line["values"], &line["references"]),
        (&json!(1), &json!(3)),
        "{line}"
    );

    // Off again: the values back in their rows, and what the vaults held let go of.
    drop(store);
    let output = plain.run(&["migrate", "--apply", "--database-url", &url]);
    assert!(output.status.success(), "{}", stderr(&output));
    let line = shared_line(&plain, &url, &["--release-unshared"]);
    assert_eq!(line["released_aggregates"], json!(1), "{line}");
    assert_eq!(
        (&line["values"], &line["holders"]),
        (&json!(0), &json!(0)),
        "{line}"
    );
    let store = nasc_runtime::MappedStore::connect(&url, plain.registry()).unwrap();
    loads(&store, &stored);
}
