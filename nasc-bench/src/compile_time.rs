//! `--compile-time`: how long `cargo check` takes on a schema of 100 types, expanded by
//! `schema!` (without and with diesel tables), beside the same structs carrying only serde
//! derives. The crates are generated under `target/nasc-compile-time`, share this
//! workspace's lock file, and are checked after touching their source (dependencies built).

use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Types in the generated schema.
const TYPES: usize = 100;
/// Timed checks per crate (the median is kept).
const RUNS: usize = 3;

/// The crates compared: name, what their `lib.rs` holds.
const CRATES: [(&str, &str); 3] = [
    (
        "serde_only",
        "the same structs and enums with serde derives only",
    ),
    ("schema_macro", "`schema!` (diesel tables off, the default)"),
    (
        "schema_macro_tables",
        "`schema!` with `diesel_tables = true`",
    ),
];

/// The schema: `TYPES` types of 8 properties each (string, integer, number, boolean,
/// nullable string, enum of strings, array of strings, and the id).
fn schema() -> Value {
    let defs: Map<String, Value> = (0..TYPES)
        .map(|i| {
            (
                format!("T{i}"),
                json!({
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"},
                        "name": {"type": "string"},
                        "count": {"type": "integer"},
                        "ratio": {"type": "number"},
                        "active": {"type": "boolean"},
                        "note": {"type": ["string", "null"]},
                        "status": {"type": "string", "enum": ["draft", "open", "closed"]},
                        "tags": {"type": "array", "items": {"type": "string"}}
                    },
                    "required": ["id", "name", "count", "active", "status"]
                }),
            )
        })
        .collect();
    json!({ "$defs": defs })
}

/// The serde-only twin of what `schema!` generates for the schema.
fn serde_only_source() -> String {
    let mut source = String::from("use serde::{Deserialize, Serialize};\n");
    for i in 0..TYPES {
        source.push_str(&format!(
            r#"
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct T{i} {{
    pub id: String,
    pub name: String,
    pub count: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<f64>,
    pub active: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Option<String>>,
    pub status: T{i}Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
}}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum T{i}Status {{
    #[serde(rename = "draft")]
    Draft,
    #[serde(rename = "open")]
    Open,
    #[serde(rename = "closed")]
    Closed,
}}
"#
        ));
    }
    source
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Writes the scratch workspace and returns its directory.
fn generate(workspace: &Path) -> PathBuf {
    let dir = workspace.join("target/nasc-compile-time");
    let runtime = workspace.join("nasc-runtime");
    let diesel =
        "diesel = { version = \"2.2\", default-features = false, features = [\"sqlite\"] }";
    write(
        &dir.join("Cargo.toml"),
        "[workspace]\nresolver = \"2\"\nmembers = [\"serde_only\", \"schema_macro\", \"schema_macro_tables\"]\n",
    );
    let mapping: Map<String, Value> = (0..TYPES).map(|i| (format!("T{i}"), json!({}))).collect();
    for (name, _) in CRATES {
        let crate_dir = dir.join(name);
        let dependencies = match name {
            "serde_only" => "serde = { version = \"1\", features = [\"derive\"] }".to_owned(),
            "schema_macro" => format!(
                "nasc-runtime = {{ path = {:?} }}",
                runtime.display().to_string()
            ),
            _ => format!(
                "nasc-runtime = {{ path = {:?} }}\n{diesel}",
                runtime.display().to_string()
            ),
        };
        write(
            &crate_dir.join("Cargo.toml"),
            &format!("[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\n{dependencies}\n"),
        );
        let source = match name {
            "serde_only" => serde_only_source(),
            "schema_macro" => "nasc_runtime::schema!(schema = \"s.schema.json\", mapping = \"s.mapping.json\");\n".into(),
            _ => "nasc_runtime::schema!(schema = \"s.schema.json\", mapping = \"s.mapping.json\", diesel_tables = true);\n".into(),
        };
        write(&crate_dir.join("src/lib.rs"), &source);
        write(
            &crate_dir.join("s.schema.json"),
            &serde_json::to_string_pretty(&schema()).unwrap(),
        );
        write(
            &crate_dir.join("s.mapping.json"),
            &serde_json::to_string_pretty(&mapping).unwrap(),
        );
    }
    // The workspace's versions, so that nothing is resolved anew.
    std::fs::copy(workspace.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    dir
}

/// Seconds of one `cargo check -p name`, after touching its source.
fn check(dir: &Path, name: &str) -> f64 {
    let lib = dir.join(name).join("src/lib.rs");
    let text = std::fs::read_to_string(&lib).unwrap();
    std::fs::write(&lib, text).unwrap();
    let start = Instant::now();
    let status = Command::new(env!("CARGO"))
        .args(["check", "--quiet", "-p", name])
        .current_dir(dir)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "cargo check -p {name} failed");
    start.elapsed().as_secs_f64()
}

/// Runs the comparison, prints it and writes `target/nasc-compile-time.json`.
pub fn run() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = generate(&workspace);
    println!("building the dependencies of {} once...", dir.display());
    for (name, _) in CRATES {
        check(&dir, name);
    }
    let mut medians = Map::new();
    for (name, what) in CRATES {
        let mut runs: Vec<f64> = (0..RUNS).map(|_| check(&dir, name)).collect();
        let median = super::median(std::mem::take(&mut runs));
        println!("{name:<20} {median:>6.2} s  {what}");
        medians.insert(name.to_owned(), json!(median));
    }
    let ratio =
        |name: &str| medians[name].as_f64().unwrap() / medians["serde_only"].as_f64().unwrap();
    let report = json!({
        "types": TYPES,
        "check_seconds": medians,
        "schema_macro_vs_serde_only": ratio("schema_macro"),
        "schema_macro_tables_vs_serde_only": ratio("schema_macro_tables"),
    });
    println!("{}", serde_json::to_string_pretty(&report).unwrap());
    let target = workspace.join("target/nasc-compile-time.json");
    std::fs::write(&target, serde_json::to_string_pretty(&report).unwrap()).unwrap();
    println!("written to {}", target.display());
}
