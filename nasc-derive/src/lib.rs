//! Procedural macros of nasc. Use them through `nasc_runtime`, which re-exports them.
//!
//! This crate only converts tokens: the expansion is made by the plain library
//! `nasc_codegen` (tested on its own, with golden expansions).

#![warn(missing_docs)]

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
    nasc_codegen::schema(input.into()).into()
}

/// Implements `Entity` for a hand-written struct after checking it against the schema.
///
/// `#[nasc(type = "TodoList", schema = "...", mapping = "...")]` is optional: the type
/// defaults to the struct's name and the files to `schemas/app.schema.json` and
/// `schemas/app.mapping.json`. Every mismatch is a compile error on the field concerned.
#[proc_macro_derive(Entity, attributes(nasc))]
pub fn derive_entity(input: TokenStream) -> TokenStream {
    nasc_codegen::derive_entity(input.into()).into()
}

/// Checks a struct against an object inside the schema's documents, with the rules and
/// errors of `#[derive(Entity)]`: `#[nasc(object = "Profile/address")]` (`/items` into an
/// array, `/additionalProperties` into a map; an embedded `$defs` type by its name), and
/// `schema`/`mapping` as for `Entity`. A field of an `Entity` (or another object) holding
/// that object then takes the struct.
#[proc_macro_derive(SchemaObject, attributes(nasc))]
pub fn derive_schema_object(input: TokenStream) -> TokenStream {
    nasc_codegen::derive_schema_object(input.into()).into()
}

/// Lists an enum's values as serde writes them (`rename`, `rename_all`), so that a field of
/// an `Entity` holding a schema `enum` of strings is checked at compile time: each schema
/// value needs a variant, and each variant a schema value.
#[proc_macro_derive(SchemaEnum, attributes(serde))]
pub fn derive_schema_enum(input: TokenStream) -> TokenStream {
    nasc_codegen::derive_schema_enum(input.into()).into()
}
