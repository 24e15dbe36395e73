//! `date-time` columns: a value is an instant, stored in UTC to the microsecond (the
//! precision of PostgreSQL's and MySQL's timestamp types) and loaded back in the form
//! chrono's `DateTime<Utc>` serializes to.

use chrono::{DateTime, SecondsFormat, Timelike, Utc};

/// The stored form of an instant: RFC 3339 in UTC with six fractional digits (finer ones
/// are cut), so that SQLite's text sorts in time order and the server backends parse it
/// exactly.
pub fn format_stored(instant: DateTime<Utc>) -> String {
    instant.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The stored form of the RFC 3339 `text`, or why the instant cannot be stored without loss.
pub fn to_stored(text: &str) -> Result<String, String> {
    let instant = DateTime::parse_from_rfc3339(text)
        .map_err(|e| format!("`{text}` is not an RFC 3339 date-time: {e}"))?
        .with_timezone(&Utc);
    let nanos = instant.nanosecond();
    if nanos >= 1_000_000_000 {
        return Err(format!(
            "`{text}` is a leap second, which a timestamp column cannot hold"
        ));
    }
    if nanos % 1_000 != 0 {
        return Err(format!(
            "`{text}` has more than microsecond precision, which a timestamp column cannot hold"
        ));
    }
    Ok(format_stored(instant))
}

/// The value of stored `text` as loaded: RFC 3339 in UTC (`Z`), with as many fractional
/// digits as it needs (none, 3, 6). `None` when `text` is not a date-time.
pub fn from_stored(text: &str) -> Option<String> {
    let instant = DateTime::parse_from_rfc3339(text).ok()?.with_timezone(&Utc);
    Some(instant.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

/// The stored form as MySQL's `DATETIME` literals spell it (no `T`, no zone).
pub fn mysql_literal(stored: &str) -> String {
    stored
        .replacen('T', " ", 1)
        .trim_end_matches('Z')
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_stored_in_utc_with_microseconds_and_load_in_their_shortest_form() {
        assert_eq!(
            to_stored("2026-02-03T00:00:00+02:00").unwrap(),
            "2026-02-02T22:00:00.000000Z"
        );
        assert_eq!(
            from_stored("2026-02-02T22:00:00.000000Z").unwrap(),
            "2026-02-02T22:00:00Z"
        );
        assert_eq!(
            from_stored(&to_stored("2026-02-02T22:00:00.120Z").unwrap()).unwrap(),
            "2026-02-02T22:00:00.120Z"
        );
        assert_eq!(
            from_stored(&to_stored("2026-02-02t22:00:00.000123z").unwrap()).unwrap(),
            "2026-02-02T22:00:00.000123Z"
        );
        assert_eq!(
            mysql_literal("2026-02-02T22:00:00.000000Z"),
            "2026-02-02 22:00:00.000000"
        );
    }

    #[test]
    fn what_a_timestamp_column_would_lose_is_refused() {
        let error = to_stored("2026-02-02T22:00:00.1234567Z").unwrap_err();
        assert!(error.contains("more than microsecond precision"), "{error}");
        let error = to_stored("2016-12-31T23:59:60Z").unwrap_err();
        assert!(error.contains("leap second"), "{error}");
        assert!(to_stored("yesterday").is_err());
    }

    #[test]
    fn the_stored_text_sorts_in_time_order() {
        let early = to_stored("2026-01-01T00:00:00Z").unwrap();
        let later = to_stored("2026-01-01T00:00:00.5Z").unwrap();
        let latest = to_stored("2026-01-01T02:00:01+02:00").unwrap();
        assert!(early < later && later < latest, "{early} {later} {latest}");
    }
}
