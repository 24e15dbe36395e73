//! Reading the schema and mapping files.

use crate::error::ModelError;
use serde_json::Value;
use std::path::Path;

/// A JSON file's text together with the name it is reported under.
#[derive(Debug, Clone)]
pub struct Source {
    /// The name errors use (the path as the user wrote it).
    pub name: String,
    /// The file's text.
    pub text: String,
}

impl Source {
    /// A source from text already in memory.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Source {
            name: name.into(),
            text: text.into(),
        }
    }

    /// Reads `path`, reporting it as `name` on failure.
    pub fn read(path: &Path, name: &str) -> Result<Self, ModelError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ModelError::new(name, "", format!("cannot read `{}`: {e}", path.display()))
                .with_hint("check the path; it is relative to the crate's Cargo.toml directory")
        })?;
        Ok(Source::new(name, text))
    }

    /// Parses the text as JSON; a syntax error names the line and column.
    pub fn parse(&self) -> Result<Value, ModelError> {
        serde_json::from_str(&self.text)
            .map_err(|e| ModelError::new(&self.name, "", format!("malformed JSON: {e}")))
    }
}
