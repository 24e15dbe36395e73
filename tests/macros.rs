//! Compile-time behaviour of `schema!` and `#[derive(Entity)]`, with trybuild.
//!
//! trybuild builds the cases in its own crate, so relative paths in them are resolved
//! against this repository through `CARGO_MANIFEST_DIR_OVERRIDE`.

#[test]
fn compile_errors_and_checked_structs() {
    std::env::set_var("CARGO_MANIFEST_DIR_OVERRIDE", env!("CARGO_MANIFEST_DIR"));
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
    drop(cases);
    // trybuild held the output equal to these files: none names an internal path.
    for entry in std::fs::read_dir("tests/ui/fail").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "stderr") {
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(
                !text.contains("__private"),
                "{} shows an internal path:\n{text}",
                path.display()
            );
        }
    }
}

/// Editing the schema makes cargo expand `schema!` again: a scratch crate is built, its
/// schema gains a property, and the rebuilt program sees it.
#[test]
fn editing_the_schema_rebuilds() {
    use std::process::Command;
    let root = env!("CARGO_MANIFEST_DIR");
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    write(
        "Cargo.toml",
        &format!(
            "[package]\nname = \"rebuild-check\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n\
             [dependencies]\nnasc-runtime = {{ path = \"{root}/nasc-runtime\" }}\n\n[workspace]\n"
        ),
    );
    std::fs::copy(format!("{root}/Cargo.lock"), dir.path().join("Cargo.lock")).unwrap();
    write(
        "src/main.rs",
        "mod app { nasc_runtime::schema!(schema = \"s.json\", mapping = \"m.json\", diesel_tables = false); }\n\
         fn main() { println!(\"{}\", app::registry().model().types[0].fields.len()); }\n",
    );
    write("m.json", r#"{"T": {}}"#);
    let schema = |props: &str| {
        format!(
            r#"{{"$defs": {{"T": {{"type": "object", "properties": {{{props}}}, "required": ["id"]}}}}}}"#
        )
    };
    write("s.json", &schema(r#""id": {"type": "string"}"#));
    let run = || {
        let out = Command::new(env!("CARGO"))
            .args(["run", "--quiet"])
            .current_dir(dir.path())
            .env("CARGO_TARGET_DIR", format!("{root}/target/rebuild-check"))
            .env_remove("CARGO_MANIFEST_DIR_OVERRIDE")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    assert_eq!(run(), "1");
    write(
        "s.json",
        &schema(r#""id": {"type": "string"}, "name": {"type": "string"}"#),
    );
    assert_eq!(run(), "2");
}
