//! What the stores tell `tracing` (target `nasc`): a span per store call with its type
//! and id, and, when it ends, the statements it ran, the rows it wrote and read, and how
//! long it took; connects and schema changes at `info`, refused changes at `warn`.
//!
//! A service sees them with `RUST_LOG=nasc=debug` (calls) or `RUST_LOG=nasc=info`
//! (connects and migrations). Nothing is recorded, and no clock read, when the level is
//! off.

use crate::Error;
use std::cell::Cell;
use std::time::Instant;

/// The target of every span and event of nasc.
pub const TARGET: &str = "nasc";

thread_local! {
    /// Statements run, rows written and rows read on this thread (stores run their
    /// statements on the caller's thread).
    static COUNTS: Cell<(u64, u64, u64)> = const { Cell::new((0, 0, 0)) };
}

/// Counts a statement that wrote `rows` rows.
pub(crate) fn wrote(rows: usize) {
    COUNTS.with(|c| {
        let (statements, written, read) = c.get();
        c.set((statements + 1, written + rows as u64, read));
    });
}

/// Counts a query that read `rows` rows.
pub(crate) fn read(rows: usize) {
    COUNTS.with(|c| {
        let (statements, written, read) = c.get();
        c.set((statements + 1, written, read + rows as u64));
    });
}

/// Runs the store call `operation` on aggregate `ty` / `id` in its span, and tells how it
/// went when it ends.
pub(crate) fn call<T>(
    operation: &'static str,
    ty: &str,
    id: &str,
    f: impl FnOnce() -> Result<T, Error>,
) -> Result<T, Error> {
    if !tracing::enabled!(target: TARGET, tracing::Level::DEBUG) {
        return f();
    }
    let span = tracing::debug_span!(target: TARGET, "nasc", operation, ty, id);
    let _entered = span.enter();
    let before = COUNTS.with(Cell::get);
    let started = Instant::now();
    let result = f();
    let micros = started.elapsed().as_micros() as u64;
    let after = COUNTS.with(Cell::get);
    let (statements, rows_written, rows_read) =
        (after.0 - before.0, after.1 - before.1, after.2 - before.2);
    match &result {
        Ok(_) => tracing::debug!(
            target: TARGET,
            statements,
            rows_written,
            rows_read,
            micros,
            "{operation} done"
        ),
        Err(error) => tracing::debug!(
            target: TARGET,
            statements,
            rows_written,
            rows_read,
            micros,
            %error,
            "{operation} failed"
        ),
    }
    result
}

/// [`call`] of a typed entity (its id made only when the span is recorded).
pub(crate) fn entity_call<T>(
    operation: &'static str,
    entity: &dyn crate::encode::Encode,
    f: impl FnOnce() -> Result<T, Error>,
) -> Result<T, Error> {
    if !tracing::enabled!(target: TARGET, tracing::Level::DEBUG) {
        return f();
    }
    call(operation, entity.type_name(), &entity.id(), f)
}
