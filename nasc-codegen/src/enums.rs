//! `#[derive(SchemaEnum)]`: a Rust enum's values as serde writes them, so that
//! `#[derive(Entity)]` can hold them to the schema's `enum` at compile time.

use heck::{
    ToKebabCase, ToLowerCamelCase, ToShoutyKebabCase, ToShoutySnakeCase, ToSnakeCase,
    ToUpperCamelCase,
};
use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields, LitStr};

/// Expands `#[derive(SchemaEnum)]`: `impl StringEnum` listing each unit variant's serde
/// name (`#[serde(rename = "...")]`, or the variant's name under `rename_all`).
pub fn derive_schema_enum(input: DeriveInput) -> TokenStream {
    match values(&input) {
        Ok(values) => {
            let ident = &input.ident;
            quote! {
                impl nasc_runtime::schema_type::StringEnum for #ident {
                    const VALUES: &'static [&'static str] = &[#(#values),*];
                }
            }
        }
        Err(error) => error.to_compile_error(),
    }
}

/// The serde names of the enum's variants, in order.
fn values(input: &DeriveInput) -> syn::Result<Vec<String>> {
    let Data::Enum(data) = &input.data else {
        return Err(syn::Error::new(
            input.ident.span(),
            "`SchemaEnum` is for an enum whose unit variants are the values of a schema `enum` of strings",
        ));
    };
    let rename_all = serde_attribute(&input.attrs, "rename_all")?;
    let mut values = Vec::new();
    for variant in &data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            return Err(syn::Error::new_spanned(
                &variant.fields,
                "a schema `enum` of strings has unit variants only",
            ));
        }
        let value = match serde_attribute(&variant.attrs, "rename")? {
            Some(rename) => rename.value(),
            None => {
                let name = variant.ident.to_string();
                match &rename_all {
                    Some(rule) => renamed(&name, rule)?,
                    None => name,
                }
            }
        };
        values.push(value);
    }
    Ok(values)
}

/// The value of `#[serde(<key> = "...")]` among `attrs`, if one says it.
fn serde_attribute(attrs: &[syn::Attribute], key: &str) -> syn::Result<Option<LitStr>> {
    let mut found = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident(key) {
                found = Some(meta.value()?.parse::<LitStr>()?);
            } else if meta.input.peek(syn::Token![=]) {
                // Another `key = value` (`alias`, `deny_unknown_fields` has none): skipped.
                meta.value()?.parse::<syn::Expr>()?;
            } else if meta.input.peek(syn::token::Paren) {
                meta.parse_nested_meta(|nested| {
                    if nested.input.peek(syn::Token![=]) {
                        nested.value()?.parse::<syn::Expr>()?;
                    }
                    Ok(())
                })?;
            }
            Ok(())
        })?;
    }
    Ok(found)
}

/// `name` as serde's `rename_all = rule` writes it.
fn renamed(name: &str, rule: &LitStr) -> syn::Result<String> {
    Ok(match rule.value().as_str() {
        "lowercase" => name.to_lowercase(),
        "UPPERCASE" => name.to_uppercase(),
        "PascalCase" => name.to_upper_camel_case(),
        "camelCase" => name.to_lower_camel_case(),
        "snake_case" => name.to_snake_case(),
        "SCREAMING_SNAKE_CASE" => name.to_shouty_snake_case(),
        "kebab-case" => name.to_kebab_case(),
        "SCREAMING-KEBAB-CASE" => name.to_shouty_kebab_case(),
        other => {
            return Err(syn::Error::new(
                rule.span(),
                format!("`rename_all = \"{other}\"` is not one of serde's rules"),
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(tokens: &str) -> syn::Result<Vec<String>> {
        values(&syn::parse_str(tokens).unwrap())
    }

    #[test]
    fn values_are_the_names_serde_writes() {
        assert_eq!(
            of("enum S { Draft, InReview }").unwrap(),
            ["Draft", "InReview"]
        );
        assert_eq!(
            of(r#"#[serde(rename_all = "kebab-case")] enum S { Draft, #[serde(rename = "live!")] Live, InReview }"#).unwrap(),
            ["draft", "live!", "in-review"]
        );
        assert_eq!(
            of(r#"#[derive(Debug)] #[serde(deny_unknown_fields, rename_all = "SCREAMING_SNAKE_CASE")] enum S { InReview }"#).unwrap(),
            ["IN_REVIEW"]
        );
        assert!(of("enum S { A(u8) }").is_err());
        assert!(of("struct S;").is_err());
        assert!(of(r#"#[serde(rename_all = "Title Case")] enum S { A }"#).is_err());
    }
}
