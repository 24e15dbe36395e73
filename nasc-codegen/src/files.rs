//! Locating, reading and caching the schema and mapping files at compile time.

use nasc_model::{Model, ModelErrors};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

/// Environment variable that overrides `CARGO_MANIFEST_DIR` as the base of relative paths
/// (for test harnesses such as trybuild that build in another directory).
pub const MANIFEST_DIR_OVERRIDE: &str = "CARGO_MANIFEST_DIR_OVERRIDE";

/// The two files of one model, resolved.
pub struct Loaded {
    pub model: Arc<Model>,
    pub schema: ResolvedFile,
    pub mapping: ResolvedFile,
}

/// A file as the user named it and where it is on disk.
#[derive(Clone)]
pub struct ResolvedFile {
    pub name: String,
    pub path: PathBuf,
}

/// Why the model could not be loaded.
pub enum LoadError {
    /// A path is unusable (absolute, or no manifest directory); the message says why.
    Path { message: String, is_mapping: bool },
    /// The files were read but are invalid (or unreadable/malformed).
    Model(ModelErrors),
}

/// Resolves `name` against the manifest directory.
fn resolve(name: &str, is_mapping: bool) -> Result<ResolvedFile, LoadError> {
    if Path::new(name).is_absolute() {
        return Err(LoadError::Path {
            message: format!(
                "`{name}` is absolute; give a path relative to the crate's Cargo.toml directory"
            ),
            is_mapping,
        });
    }
    let base = std::env::var(MANIFEST_DIR_OVERRIDE)
        .or_else(|_| std::env::var("CARGO_MANIFEST_DIR"))
        .map_err(|_| LoadError::Path {
            message: "CARGO_MANIFEST_DIR is not set; build with cargo".into(),
            is_mapping,
        })?;
    Ok(ResolvedFile {
        name: name.to_owned(),
        path: Path::new(&base).join(name),
    })
}

type CacheKey = (PathBuf, PathBuf);
type CacheEntry = (Option<SystemTime>, Option<SystemTime>, Arc<Model>);

/// Parsed models of this compiler process, keyed by both paths and checked against both
/// modification times, so an edited file is read again.
fn cache() -> &'static Mutex<HashMap<CacheKey, CacheEntry>> {
    static CACHE: OnceLock<Mutex<HashMap<CacheKey, CacheEntry>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Reads and validates the model of `schema` + `mapping` (paths as the user wrote them).
pub fn load(schema: &str, mapping: &str) -> Result<Loaded, LoadError> {
    let schema = resolve(schema, false)?;
    let mapping = resolve(mapping, true)?;
    let key = (schema.path.clone(), mapping.path.clone());
    let times = (modified(&schema.path), modified(&mapping.path));
    let mut cache = cache().lock().unwrap_or_else(|p| p.into_inner());
    if let Some((s, m, model)) = cache.get(&key) {
        if (*s, *m) == times && times.0.is_some() && times.1.is_some() {
            return Ok(Loaded {
                model: model.clone(),
                schema,
                mapping,
            });
        }
    }
    let model = nasc_model::build::build_files(
        (&schema.path, &schema.name),
        (&mapping.path, &mapping.name),
    )
    .map_err(LoadError::Model)?;
    let model = Arc::new(model);
    cache.insert(key, (times.0, times.1, model.clone()));
    Ok(Loaded {
        model,
        schema,
        mapping,
    })
}
