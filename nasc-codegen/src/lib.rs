//! The code nasc's macros generate, as a plain library that `nasc-derive` calls: the
//! schema and mapping are read and validated by `nasc_model`, and the tokens are generated
//! from that model (`codegen` and `types` for `schema!`, `check` for `#[derive(Entity)]`,
//! `validators` for the compiled validation keywords). Golden tests in `tests/golden.rs`
//! hold the expansion of known schemas.

#![warn(missing_docs)]

mod args;
mod check;
mod codegen;
mod enums;
mod files;
mod objects;
mod types;
mod validators;

use proc_macro2::TokenStream;

/// The expansion of `schema!(input)`: one struct per mapped type, their `Entity` (and
/// `Aggregate`) implementations, `pub fn registry()` with the compiled validators and, with
/// `diesel_tables = true`, `pub mod tables`; or the errors, naming the file and pointer.
pub fn schema(input: TokenStream) -> TokenStream {
    codegen::schema_macro(input)
}

/// The expansion of `#[derive(SchemaEnum)]` on `input`: the enum's values as serde writes
/// them, which `#[derive(Entity)]` holds to the schema's `enum`.
pub fn derive_schema_enum(input: TokenStream) -> TokenStream {
    match syn::parse2::<syn::DeriveInput>(input) {
        Ok(input) => enums::derive_schema_enum(input),
        Err(e) => e.to_compile_error(),
    }
}

/// The expansion of `#[derive(SchemaObject)]` on `input`: the struct checked against an
/// object of the schema (every mismatch an error on the field concerned).
pub fn derive_schema_object(input: TokenStream) -> TokenStream {
    match syn::parse2::<syn::DeriveInput>(input) {
        Ok(input) => objects::derive_schema_object(input),
        Err(e) => e.to_compile_error(),
    }
}

/// The expansion of `#[derive(Entity)]` on `input`: the struct checked against the schema
/// (every mismatch an error on the field concerned) and its `Entity` implementation.
pub fn derive_entity(input: TokenStream) -> TokenStream {
    match syn::parse2::<syn::DeriveInput>(input) {
        Ok(input) => check::derive_entity(input),
        Err(e) => e.to_compile_error(),
    }
}
