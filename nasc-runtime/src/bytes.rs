//! [`Bytes`]: the Rust type of a binary property (`"contentEncoding": "base64"`).

use std::fmt;
use std::ops::{Deref, DerefMut};

/// The value of a binary property: bytes, stored as such (`BLOB`, `BYTEA`, `LONGBLOB`)
/// and written in JSON as standard base64 with padding. A `Vec<u8>` of its own because
/// serde writes a bare `Vec<u8>` as an array of numbers; it dereferences to the vector and
/// converts from and into it.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bytes(pub Vec<u8>);

impl Bytes {
    /// The bytes, as a vector.
    pub fn into_vec(self) -> Vec<u8> {
        self.0
    }
}

impl Deref for Bytes {
    type Target = Vec<u8>;
    fn deref(&self) -> &Vec<u8> {
        &self.0
    }
}

impl DerefMut for Bytes {
    fn deref_mut(&mut self) -> &mut Vec<u8> {
        &mut self.0
    }
}

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<Vec<u8>> for Bytes {
    fn from(bytes: Vec<u8>) -> Self {
        Bytes(bytes)
    }
}

impl From<&[u8]> for Bytes {
    fn from(bytes: &[u8]) -> Self {
        Bytes(bytes.to_vec())
    }
}

impl<const N: usize> From<[u8; N]> for Bytes {
    fn from(bytes: [u8; N]) -> Self {
        Bytes(bytes.to_vec())
    }
}

impl From<Bytes> for Vec<u8> {
    fn from(bytes: Bytes) -> Self {
        bytes.0
    }
}

impl PartialEq<[u8]> for Bytes {
    fn eq(&self, other: &[u8]) -> bool {
        self.0 == other
    }
}

impl PartialEq<Vec<u8>> for Bytes {
    fn eq(&self, other: &Vec<u8>) -> bool {
        &self.0 == other
    }
}

/// The length and the first bytes in hex: a megabyte in a log line helps nobody.
impl fmt::Debug for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 16;
        write!(f, "Bytes({} bytes: ", self.0.len())?;
        for byte in self.0.iter().take(SHOWN) {
            write!(f, "{byte:02x}")?;
        }
        if self.0.len() > SHOWN {
            write!(f, "..")?;
        }
        write!(f, ")")
    }
}

/// Base64 text in human-readable formats (JSON), bytes in the others.
impl serde::Serialize for Bytes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.serialize_str(&nasc_model::bytes::encode(&self.0))
        } else {
            serializer.serialize_bytes(&self.0)
        }
    }
}

/// Base64 text (as JSON holds it) or bytes.
impl<'de> serde::Deserialize<'de> for Bytes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Bytes;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(nasc_model::bytes::EXPECTED)
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Bytes, E> {
                nasc_model::bytes::decode(text).map(Bytes).map_err(|e| {
                    E::custom(format!("expected {}: {e}", nasc_model::bytes::EXPECTED))
                })
            }

            fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<Bytes, E> {
                Ok(Bytes(bytes.to_vec()))
            }

            fn visit_byte_buf<E: serde::de::Error>(self, bytes: Vec<u8>) -> Result<Bytes, E> {
                Ok(Bytes(bytes))
            }
        }
        if deserializer.is_human_readable() {
            deserializer.deserialize_str(Visitor)
        } else {
            deserializer.deserialize_byte_buf(Visitor)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Bytes;
    use serde_json::json;

    #[test]
    fn json_holds_bytes_as_base64() {
        let bytes = Bytes(vec![0, 255, b'n', b'a']);
        let json = serde_json::to_value(&bytes).unwrap();
        assert_eq!(json, json!("AP9uYQ=="));
        assert_eq!(serde_json::from_value::<Bytes>(json).unwrap(), bytes);
        let error = serde_json::from_value::<Bytes>(json!("AP9uYQ")).unwrap_err();
        assert!(error.to_string().contains("expected base64"), "{error}");
        assert!(serde_json::from_value::<Bytes>(json!([0, 255])).is_err());
        assert_eq!(
            format!("{:?}", Bytes(vec![7; 20])),
            "Bytes(20 bytes: 07070707070707070707070707070707..)"
        );
    }
}
