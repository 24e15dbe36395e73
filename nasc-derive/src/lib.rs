//! Procedural macros of nasc. Use them through `nasc_runtime`, which re-exports them.
//!
//! This crate only converts tokens: the schema and mapping are read and validated by
//! `nasc_model`, and the code is generated from that model by the `codegen` module (the
//! validators by `validators`).

#![warn(missing_docs)]

mod args;
mod check;
mod codegen;
mod files;
mod types;
mod validators;

use proc_macro::TokenStream;

/// Generates, in the invoking module, one struct per mapped type, their `Entity`
/// implementations, `pub fn registry()` (with validators compiled from the schema) and, with
/// `diesel_tables = true`, `pub mod tables` (diesel table definitions).
///
/// ```ignore
/// nasc_runtime::schema!(schema = "schemas/app.schema.json", mapping = "schemas/app.mapping.json");
/// ```
///
/// Paths are relative to the crate's `Cargo.toml` directory; both default to the values above.
#[proc_macro]
pub fn schema(input: TokenStream) -> TokenStream {
    codegen::schema_macro(input.into()).into()
}

/// Implements `Entity` for a hand-written struct after checking it against the schema.
///
/// `#[nasc(type = "TodoList", schema = "...", mapping = "...")]` is optional: the type
/// defaults to the struct's name and the files to `schemas/app.schema.json` and
/// `schemas/app.mapping.json`. Every mismatch is a compile error on the field concerned.
#[proc_macro_derive(Entity, attributes(nasc))]
pub fn derive_entity(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    check::derive_entity(input).into()
}
