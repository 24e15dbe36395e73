//! Binary values (`"contentEncoding": "base64"`): bytes in the database, standard base64
//! with padding (RFC 4648 §4) in JSON.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// What a binary value must look like in JSON, for error messages.
pub const EXPECTED: &str = "base64 (RFC 4648: `A-Z`, `a-z`, `0-9`, `+`, `/`, padded with `=`)";

/// The bytes `text` encodes, or why it encodes none.
pub fn decode(text: &str) -> Result<Vec<u8>, String> {
    STANDARD.decode(text).map_err(|e| e.to_string())
}

/// `bytes` as JSON writes them.
pub fn encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_and_refuses_what_is_not_canonical() {
        for bytes in [&b""[..], b"\0", b"\xff\xfe\0nasc", &[0u8; 1000]] {
            assert_eq!(decode(&encode(bytes)).unwrap(), bytes);
        }
        assert_eq!(encode(b"nasc"), "bmFzYw==");
        // No padding, URL-safe letters, spaces, a non-zero trailing bit: each refused, so
        // that one value has one spelling.
        for bad in ["bmFzYw", "-_8=", "bm Fz", "bmFzYx==", "=", "\u{0}"] {
            assert!(decode(bad).is_err(), "{bad:?}");
        }
    }
}
