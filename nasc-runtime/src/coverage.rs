//! Which statements of the mapped store were rendered and which ran, recorded per thread
//! while a test asks for it (feature `testing`; without it, recording compiles to nothing).

use crate::sql::Statement;

#[cfg(feature = "testing")]
mod recording {
    use super::Statement;
    use std::cell::RefCell;
    use std::collections::BTreeSet;

    /// The statements rendered and run on this thread since recording began.
    #[derive(Debug, Default, Clone, PartialEq, Eq)]
    pub struct StatementCoverage {
        /// Kinds of the statements the stores rendered (when connecting, or on first use).
        pub rendered: BTreeSet<Statement>,
        /// Kinds of the statements that ran on a database.
        pub executed: BTreeSet<Statement>,
    }

    impl StatementCoverage {
        /// Rendered kinds that never ran.
        pub fn missing(&self) -> BTreeSet<Statement> {
            self.rendered.difference(&self.executed).copied().collect()
        }
    }

    thread_local! {
        static RECORDING: RefCell<Option<StatementCoverage>> = const { RefCell::new(None) };
    }

    pub(crate) fn rendered(kind: Statement) {
        RECORDING.with(|r| {
            if let Some(coverage) = r.borrow_mut().as_mut() {
                coverage.rendered.insert(kind);
            }
        });
    }

    pub(crate) fn executed(kind: Statement) {
        RECORDING.with(|r| {
            if let Some(coverage) = r.borrow_mut().as_mut() {
                coverage.executed.insert(kind);
            }
        });
    }

    /// Runs `f`, recording the kinds of the mapped stores' statements rendered and run on
    /// this thread meanwhile (stores are synchronous: their statements run on the caller's
    /// thread).
    pub fn record_statements<R>(f: impl FnOnce() -> R) -> (R, StatementCoverage) {
        let outer = RECORDING.with(|r| r.replace(Some(StatementCoverage::default())));
        let result = f();
        let coverage = RECORDING.with(|r| r.replace(outer)).unwrap_or_default();
        (result, coverage)
    }
}

#[cfg(feature = "testing")]
pub(crate) use recording::{executed, rendered};
#[cfg(feature = "testing")]
pub use recording::{record_statements, StatementCoverage};

#[cfg(not(feature = "testing"))]
#[inline(always)]
pub(crate) fn rendered(_: Statement) {}

#[cfg(not(feature = "testing"))]
#[inline(always)]
pub(crate) fn executed(_: Statement) {}
