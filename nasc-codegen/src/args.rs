//! Parsing the macro arguments: `schema = "..."`, `mapping = "..."`, `type = "..."`.

use syn::parse::{Parse, ParseStream};
use syn::{LitStr, Token};

/// Default schema file, relative to the crate's manifest directory.
pub const DEFAULT_SCHEMA: &str = "schemas/app.schema.json";
/// Default mapping file.
pub const DEFAULT_MAPPING: &str = "schemas/app.mapping.json";

/// The arguments of `schema!` or `#[nasc(...)]`, each with the span of its literal.
#[derive(Default)]
pub struct Args {
    pub schema: Option<LitStr>,
    pub mapping: Option<LitStr>,
    pub type_name: Option<LitStr>,
    /// `#[derive(SchemaObject)]`: where the object is (`"Type/property/items/..."`).
    pub object: Option<LitStr>,
    /// `schema!` only: generate `pub mod tables` (diesel `table!` definitions); off unless
    /// asked for, since diesel's `table!` costs most of the expansion's compile time.
    pub diesel_tables: bool,
}

impl Args {
    /// Parses one `key = "value"` pair; `allow_type` admits `type`.
    fn set(&mut self, key: &syn::Path, value: LitStr, allow_type: bool) -> syn::Result<()> {
        let slot = if key.is_ident("schema") {
            &mut self.schema
        } else if key.is_ident("mapping") {
            &mut self.mapping
        } else if allow_type && key.is_ident("type") {
            &mut self.type_name
        } else if allow_type && key.is_ident("object") {
            &mut self.object
        } else {
            let known = if allow_type {
                "`type`, `object`, `schema` or `mapping`"
            } else {
                "`schema`, `mapping` or `diesel_tables`"
            };
            return Err(syn::Error::new_spanned(
                key,
                format!("unknown argument; expected {known}"),
            ));
        };
        if slot.is_some() {
            return Err(syn::Error::new_spanned(key, "this argument is given twice"));
        }
        *slot = Some(value);
        Ok(())
    }

    /// Reads every `#[nasc(...)]` attribute of a derive input.
    pub fn from_attributes(attrs: &[syn::Attribute]) -> syn::Result<Self> {
        let mut args = Args::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident("nasc")) {
            attr.parse_nested_meta(|meta| {
                let value: LitStr = meta.value()?.parse()?;
                args.set(&meta.path, value, true)
            })?;
        }
        Ok(args)
    }

    /// The schema path as written, or the default.
    pub fn schema_path(&self) -> String {
        self.schema
            .as_ref()
            .map_or(DEFAULT_SCHEMA.to_owned(), LitStr::value)
    }

    /// The mapping path as written, or the default.
    pub fn mapping_path(&self) -> String {
        self.mapping
            .as_ref()
            .map_or(DEFAULT_MAPPING.to_owned(), LitStr::value)
    }
}

impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut args = Args::default();
        while !input.is_empty() {
            let key: syn::Path = input.call(syn::Path::parse_mod_style)?;
            input.parse::<Token![=]>()?;
            if key.is_ident("diesel_tables") {
                args.diesel_tables = input.parse::<syn::LitBool>()?.value;
            } else {
                let value: LitStr = input.parse()?;
                args.set(&key, value, false)?;
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(args)
    }
}
