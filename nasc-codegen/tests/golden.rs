//! Golden expansions: `schema!` and `#[derive(Entity)]` on schemas of the repository,
//! formatted, compared with `tests/golden/<case>.rs` (paths to the repository written as
//! `$ROOT`). `NASC_GOLDEN=overwrite` rewrites them after a deliberate change; review the
//! diff like code. Every case's schema is also expanded by the macros in the repository's
//! test crates, which compile the same code.

use quote::quote;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The expansion, formatted, with the repository's path replaced by `$ROOT`.
fn formatted(tokens: proc_macro2::TokenStream) -> String {
    let file: syn::File = syn::parse2(tokens).unwrap_or_else(|e| panic!("not a file: {e}"));
    prettyplease::unparse(&file).replace(&root().display().to_string(), "$ROOT")
}

fn check(case: &str, expansion: proc_macro2::TokenStream) {
    let text = formatted(expansion);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/golden/{case}.rs"));
    if std::env::var("NASC_GOLDEN").as_deref() == Ok("overwrite") {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (NASC_GOLDEN=overwrite writes it)", path.display()));
    if text != expected {
        let first = text
            .lines()
            .zip(expected.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(text.lines().count().min(expected.lines().count()));
        panic!(
            "the expansion of `{case}` differs from {} at line {}:\n  now:      {:?}\n  expected: {:?}\n(NASC_GOLDEN=overwrite rewrites it)",
            path.display(),
            first + 1,
            text.lines().nth(first),
            expected.lines().nth(first)
        );
    }
}

#[test]
fn expansions_match_the_golden_files() {
    std::env::set_var("CARGO_MANIFEST_DIR_OVERRIDE", root());
    // The demo: a list of todos (a child that is also an aggregate), diesel tables.
    check(
        "demo",
        nasc_codegen::schema(quote!(
            schema = "schemas/app.schema.json",
            mapping = "schemas/app.mapping.json",
            diesel_tables = true
        )),
    );
    // Positional children (no id; a pk that repeats), and a keyed aggregate.
    check(
        "orders",
        nasc_codegen::schema(quote!(
            schema = "tests/schemas/orders.schema.json",
            mapping = "tests/schemas/orders.mapping.json"
        )),
    );
    // A hand-written struct checked against the demo schema.
    check(
        "derived",
        nasc_codegen::derive_entity(quote!(
            #[nasc(type = "TodoList")]
            struct Checklist {
                id: String,
                items: Vec<Todo>,
            }
        )),
    );
    // A mistake: the errors, with their spans' text.
    let error = nasc_codegen::derive_entity(quote!(
        struct Todo {
            ident: String,
            title: String,
            completed: bool,
        }
    ));
    let text = error.to_string();
    assert!(
        text.contains("has no property whose field name is `ident`; did you mean `id`?"),
        "{text}"
    );
}
