//! Waiting before trying again: exponential backoff with full jitter, so that writers that
//! collided do not collide again in step.

use std::time::Duration;

/// First delay's ceiling.
const BASE: Duration = Duration::from_millis(1);
/// Ceiling of every delay.
const MOST: Duration = Duration::from_millis(100);

/// The delay before try `attempt` + 1 (`attempt` counts from 1): a random time up to
/// `BASE * 2^(attempt-1)`, capped at `MOST`.
pub(crate) fn backoff(attempt: u32) -> Duration {
    let ceiling = BASE
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
        .min(MOST);
    ceiling.mul_f64(fastrand::f64())
}

/// Sleeps for [`backoff`]`(attempt)`.
pub(crate) fn wait(attempt: u32) {
    std::thread::sleep(backoff(attempt));
}

/// Whether the database gave up on a transaction that may succeed when run again: a
/// deadlock (MySQL, PostgreSQL), a serialization failure, or MySQL's lock wait timeout.
pub(crate) fn is_transient(error: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match error {
        Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => true,
        Error::DatabaseError(_, info) => {
            let message = info.message();
            message.contains("Deadlock found")
                || message.contains("deadlock detected")
                || message.contains("Lock wait timeout exceeded")
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn delays_grow_with_the_attempt_and_stay_under_the_ceiling() {
        for attempt in 1..40 {
            let ceiling = super::BASE
                .saturating_mul(1u32 << (attempt - 1).min(16))
                .min(super::MOST);
            for _ in 0..50 {
                assert!(super::backoff(attempt) <= ceiling);
            }
        }
        assert!((0..200).any(|_| super::backoff(8) > super::MOST / 4));
    }

    /// The errors worth running a transaction again for, in each server's words (MySQL's
    /// deadlock is proven end to end only on PostgreSQL, where the victim is predictable).
    #[test]
    fn deadlocks_and_serialization_failures_are_transient() {
        use diesel::result::{DatabaseErrorKind, Error};
        let error = |kind, message: &str| Error::DatabaseError(kind, Box::new(message.to_owned()));
        for message in [
            "Deadlock found when trying to get lock; try restarting transaction",
            "deadlock detected",
            "Lock wait timeout exceeded; try restarting transaction",
        ] {
            assert!(super::is_transient(&error(
                DatabaseErrorKind::Unknown,
                message
            )));
        }
        assert!(super::is_transient(&error(
            DatabaseErrorKind::SerializationFailure,
            "could not serialize access"
        )));
        assert!(!super::is_transient(&error(
            DatabaseErrorKind::UniqueViolation,
            "duplicate key"
        )));
        assert!(!super::is_transient(&Error::NotFound));
    }
}
