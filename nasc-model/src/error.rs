//! Errors found while reading or validating a schema and its mapping.

use std::fmt;

/// One problem in the schema or mapping file, located by file and JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelError {
    /// The file as the user named it (e.g. `schemas/app.schema.json`).
    pub file: String,
    /// JSON pointer into that file (`""` is the whole document).
    pub pointer: String,
    /// What is wrong.
    pub message: String,
    /// What would fix it, when there is something to say.
    pub hint: Option<String>,
}

impl ModelError {
    /// A new error at `file` / `pointer`.
    pub fn new(file: &str, pointer: &str, message: impl Into<String>) -> Self {
        ModelError {
            file: file.to_owned(),
            pointer: pointer.to_owned(),
            message: message.into(),
            hint: None,
        }
    }

    /// The same error with a hint saying what would fix it.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pointer = if self.pointer.is_empty() {
            ""
        } else {
            &self.pointer
        };
        write!(f, "{}#{}: {}", self.file, pointer, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  help: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ModelError {}

/// Every problem found in one pass, in the order found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelErrors(pub Vec<ModelError>);

impl ModelErrors {
    /// Records one more error.
    pub fn push(&mut self, error: ModelError) {
        self.0.push(error);
    }

    /// `Ok(value)` when nothing was recorded, the errors otherwise.
    pub fn finish<T>(self, value: T) -> Result<T, ModelErrors> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<ModelError> for ModelErrors {
    fn from(error: ModelError) -> Self {
        ModelErrors(vec![error])
    }
}

impl fmt::Display for ModelErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ModelErrors {}

/// Escapes one JSON pointer reference token (`~` -> `~0`, `/` -> `~1`).
pub fn pointer_token(token: &str) -> String {
    if token.contains(['~', '/']) {
        token.replace('~', "~0").replace('/', "~1")
    } else {
        token.to_owned()
    }
}

/// `base` extended by one reference token.
pub fn pointer_join(base: &str, token: &str) -> String {
    format!("{base}/{}", pointer_token(token))
}

/// Longest text, in bytes, that a message quotes whole.
pub const QUOTED_BYTES: usize = 120;

/// `text` as a message quotes it: whole when short, otherwise its first
/// [`QUOTED_BYTES`] bytes (at a character boundary) and its length, so that a huge id or
/// value cannot make a huge message.
pub fn bounded(text: &str) -> std::borrow::Cow<'_, str> {
    if text.len() <= QUOTED_BYTES {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut end = QUOTED_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    std::borrow::Cow::Owned(format!("{}… ({} bytes)", &text[..end], text.len()))
}

#[cfg(test)]
mod bounded_tests {
    #[test]
    fn long_text_is_cut_at_a_character_boundary_with_its_length() {
        assert_eq!(super::bounded("short"), "short");
        let long = "é".repeat(1000);
        let shown = super::bounded(&long);
        assert!(shown.len() < 140, "{shown}");
        assert!(shown.ends_with("… (2000 bytes)"), "{shown}");
    }
}
