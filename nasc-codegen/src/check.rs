//! `#[derive(Entity)]`: pairs each struct field with a schema property, reports every
//! mismatch on the field concerned, and generates the `Entity` implementation.

use crate::args::Args;
use crate::codegen::{self, type_tag, Binding};
use crate::files;
use crate::objects;
use nasc_model::build::closest;
use nasc_model::{EntityType, Format, JsonShape, ObjectShape, ScalarType};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use std::collections::BTreeMap;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, GenericArgument, Ident, PathArguments, Type};

/// Expands `#[derive(Entity)]`.
pub fn derive_entity(input: DeriveInput) -> TokenStream {
    let ident = &input.ident;
    match checked(&input) {
        Ok(tokens) => tokens,
        Err(errors) => {
            // Still implement the trait, so that one mistake is reported once rather than
            // again at every use of the struct.
            quote! {
                #errors
                impl nasc_runtime::Entity for #ident {
                    const TYPE_NAME: &'static str = "";
                    fn to_json(&self) -> ::std::result::Result<nasc_runtime::serde_json::Value, nasc_runtime::serde_json::Error> { unreachable!() }
                    fn from_json(_: nasc_runtime::serde_json::Value)
                        -> ::std::result::Result<Self, nasc_runtime::serde_json::Error> { unreachable!() }
                    fn from_row(_: nasc_runtime::rows::LoadedRow)
                        -> ::std::result::Result<Self, nasc_runtime::rows::RowError> { unreachable!() }
                    fn encode_row<'a>(&'a self, _: &mut nasc_runtime::encode::RowEncoder<'a>)
                        -> ::std::result::Result<(), nasc_runtime::Error> { unreachable!() }
                }
            }
        }
    }
}

/// The expansion, or the errors as tokens (with whatever checks could still be emitted).
fn checked(input: &DeriveInput) -> Result<TokenStream, TokenStream> {
    let args = Args::from_attributes(&input.attrs).map_err(|e| e.to_compile_error())?;
    let struct_span = input.ident.span();
    let fields = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => &named.named,
            _ => {
                return Err(syn::Error::new(
                    struct_span,
                    "`Entity` needs a struct with named fields",
                )
                .to_compile_error())
            }
        },
        _ => {
            return Err(
                syn::Error::new(struct_span, "`Entity` can only be derived for a struct")
                    .to_compile_error(),
            )
        }
    };
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.generics,
            "an `Entity` struct cannot be generic",
        )
        .to_compile_error());
    }
    let loaded = files::load(&args.schema_path(), &args.mapping_path())
        .map_err(|e| codegen::load_error(e, &args, struct_span).to_compile_error())?;
    let type_name = args
        .type_name
        .as_ref()
        .map_or(input.ident.to_string(), |l| l.value());
    let type_span = args.type_name.as_ref().map_or(struct_span, |l| l.span());
    let Some(ty) = loaded.model.get(&type_name) else {
        if loaded.model.unmapped.contains(&type_name) {
            return Err(syn::Error::new(
                type_span,
                format!(
                    "type `{type_name}` is in {} but not in the mapping {}; add `\"{type_name}\": {{ \"x-na:store\": {{ \"entity\": \"...\", \"pk\": \"id\" }} }}` to {}",
                    loaded.schema.name, loaded.mapping.name, loaded.mapping.name
                ),
            )
            .to_compile_error());
        }
        let names = loaded.model.types.iter().map(|t| t.name.as_str());
        let hint = match closest(&type_name, names) {
            Some(close) => {
                format!("did you mean `{close}`? Name it with `#[nasc(type = \"{close}\")]`")
            }
            None => "add it to both files, or name an existing type with `#[nasc(type = \"...\")]`"
                .to_owned(),
        };
        return Err(syn::Error::new(
            type_span,
            format!(
                "type `{type_name}` is not in {} (`$defs`) nor in {}; {hint}",
                loaded.schema.name, loaded.mapping.name
            ),
        )
        .to_compile_error());
    };

    let mut errors = Vec::new();
    let mut bindings = Vec::new();
    let mut checks = Vec::new();
    let mut constants = Vec::new();
    for field in fields {
        let ident = field.ident.as_ref().expect("named fields");
        let name = ident.to_string();
        let name = name.trim_start_matches("r#");
        let binding = ty
            .fields
            .iter()
            .find(|f| codegen::field_name(&f.field) == name)
            .map(Binding::Scalar)
            .or_else(|| {
                ty.relations
                    .iter()
                    .find(|r| codegen::field_name(&r.field) == name)
                    .map(Binding::Children)
            });
        let Some(binding) = binding else {
            errors.push(unknown_field(ty, ident, name, &loaded.schema.name));
            continue;
        };
        let checked = unchecked(field, &binding).and_then(|unchecked| {
            check_field_type(ty, &binding, &field.ty, unchecked, &loaded.model.embedded)
        });
        match checked {
            Ok(check) => checks.push(check),
            Err(e) => errors.push(e),
        }
        let field_type = &field.ty;
        let kind = match &binding {
            Binding::Scalar(_) => Some(codegen::QueryConstantKind::Field(quote!(#field_type))),
            Binding::Children(_) => generic_argument(field_type, "Vec")
                .map(|child| codegen::QueryConstantKind::Children(quote!(#child))),
        };
        constants.extend(kind.map(|kind| codegen::QueryConstant {
            field: ident.clone(),
            property: match &binding {
                Binding::Scalar(f) => f.property.clone(),
                Binding::Children(r) => r.property.clone(),
            },
            kind,
        }));
        bindings.push((ident.clone(), binding));
    }
    for missing in missing_properties(ty, &bindings) {
        errors.push(syn::Error::new(struct_span, missing));
    }
    // The type checks of the fields that did pair are emitted even beside other errors,
    // so that rustc reports every mismatch of the struct in one build.
    let field_checks = field_checks(&loaded, &checks);
    if let Some(error) = codegen::combine(errors) {
        let error = error.to_compile_error();
        return Err(quote!(#error #field_checks));
    }
    let entity_impl = codegen::entity_impl(ty, &input.ident, &bindings);
    let constants = codegen::query_constants(&input.ident, &constants);
    Ok(quote!(#entity_impl #constants #field_checks))
}

/// The compile-time checks of a struct's fields (bounds and constant assertions), in an
/// item of their own, with the schema files tracked so that editing them rebuilds.
pub fn field_checks(loaded: &files::Loaded, checks: &[TokenStream]) -> TokenStream {
    let track = codegen::track_files(loaded);
    quote! {
        const _: () = {
            #track
            #[allow(dead_code)]
            fn __nasc_field_types() { #(#checks)* }
        };
    }
}

/// The error for a field the schema does not have, with the closest property as a hint.
fn unknown_field(ty: &EntityType, ident: &Ident, name: &str, schema: &str) -> syn::Error {
    let candidates = ty
        .fields
        .iter()
        .map(|f| f.field.as_str())
        .chain(ty.relations.iter().map(|r| r.field.as_str()));
    let hint = match closest(name, candidates) {
        Some(close) => format!("; did you mean `{close}`?"),
        None => {
            let all: Vec<String> = ty
                .fields
                .iter()
                .map(|f| format!("`{}`", f.field))
                .chain(ty.relations.iter().map(|r| format!("`{}`", r.field)))
                .collect();
            format!("; its fields are {}", all.join(", "))
        }
    };
    syn::Error::new(
        ident.span(),
        format!(
            "`{}` in {schema} has no property whose field name is `{name}`{hint}",
            ty.name
        ),
    )
}

/// Properties of the schema type that no field stands for.
fn missing_properties(ty: &EntityType, bindings: &[(Ident, Binding)]) -> Vec<String> {
    let bound = |property: &str| {
        bindings.iter().any(|(_, b)| match b {
            Binding::Scalar(f) => f.property == property,
            Binding::Children(r) => r.property == property,
        })
    };
    let mut missing = Vec::new();
    for f in ty.fields.iter().filter(|f| !bound(&f.property)) {
        let rust = rust_scalar(f.scalar);
        let (what, decl) = if f.nullable() {
            ("optional property", format!("{}: Option<{rust}>", f.field))
        } else {
            ("required property", format!("{}: {rust}", f.field))
        };
        missing.push(format!(
            "the struct lacks the {what} `{}` of `{}`; add `{decl}` (every property needs a field, or saving would lose its value)",
            f.property, ty.name
        ));
    }
    for r in ty.relations.iter().filter(|r| !bound(&r.property)) {
        missing.push(format!(
            "the struct lacks the array property `{}` of `{}`; add `{}: Vec<{}>`",
            r.property, ty.name, r.field, r.child
        ));
    }
    missing
}

fn rust_scalar(scalar: ScalarType) -> &'static str {
    match scalar {
        ScalarType::String => "String",
        ScalarType::Integer => "i64",
        ScalarType::Number => "f64",
        ScalarType::Boolean => "bool",
        ScalarType::Json => "serde_json::Value",
        ScalarType::DateTime => "chrono::DateTime<chrono::Utc>",
        ScalarType::Bytes => "nasc_runtime::Bytes",
    }
}

/// Whether the field says `#[nasc(unchecked)]`: a JSON-document property held by a type
/// the derive cannot see into (from another crate, say), checked when saved instead.
fn unchecked(field: &syn::Field, binding: &Binding) -> syn::Result<bool> {
    let mut unchecked = None;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("nasc")) {
        attr.parse_nested_meta(|meta| {
            if !meta.path.is_ident("unchecked") {
                return Err(meta.error(
                    "unknown field argument; the one a field takes is `unchecked` (a JSON-document property checked when saved, not at compile time)",
                ));
            }
            if unchecked.replace(meta.path.span()).is_some() {
                return Err(meta.error("`unchecked` is given twice"));
            }
            Ok(())
        })?;
    }
    match (unchecked, binding) {
        (None, _) => Ok(false),
        (Some(_), Binding::Scalar(f)) if f.scalar == ScalarType::Json => Ok(true),
        (Some(span), Binding::Scalar(f)) => Err(syn::Error::new(
            span,
            format!(
                "`unchecked` applies to a property stored as a JSON document; `{}` is a {} column, which the field's type must hold",
                f.property,
                f.scalar.schema_name()
            ),
        )),
        (Some(span), Binding::Children(r)) => Err(syn::Error::new(
            span,
            format!(
                "`unchecked` applies to a property stored as a JSON document; `{}` is an array of `{}` rows",
                r.property, r.child
            ),
        )),
    }
}

/// Whether `ty` is spelled `String` (which holds any enum value, checked when saved).
pub fn is_string(ty: &Type) -> bool {
    matches!(ty, Type::Path(path) if path.path.segments.last().is_some_and(|s| s.ident == "String"))
}

/// The compile-time checks that the enum `inner` has a variant for each of `values` (the
/// schema's `enum` of property `f`) and no other.
pub fn enum_checks(owner: &str, property: &str, inner: &Type, values: &[String]) -> TokenStream {
    let rust = type_text(inner);
    let listed = values
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let missing = values.iter().map(|value| {
        let message = format!(
            "enum `{rust}` has no variant for the value `{value}` of the schema `enum` of `{property}` in `{owner}`: add one whose serde name is `{value}`"
        );
        quote_spanned! {inner.span()=>
            const _: () = assert!(nasc_runtime::schema_type::has_value::<#inner>(#value), #message);
        }
    });
    let before = format!("enum `{rust}` has the variant whose serde name is `");
    let after = format!(
        "`, which is not a value of the schema `enum` of `{property}` in `{owner}` ({listed}): remove it, or rename it to one of them"
    );
    quote_spanned! {inner.span()=>
        #(#missing)*
        const _: () = if let ::std::option::Option::Some(message) =
            nasc_runtime::schema_type::value_outside::<#inner>(&[#(#values),*], #before, #after)
        {
            panic!("{}", message.as_str())
        };
    }
}

/// The type a field of property `property` of `owner` holds its value in: inside the
/// field's `Option` when the property may be absent or null (`optional` says why), the
/// field's own type otherwise; an error on the type, with the type to write, when the
/// field says otherwise.
pub fn option_inner<'t>(
    field_ty: &'t Type,
    optional: Option<&str>,
    property: &str,
    owner: &str,
) -> syn::Result<&'t Type> {
    match (optional, generic_argument(field_ty, "Option")) {
        (Some(_), Some(inner)) => Ok(inner),
        (None, None) => Ok(field_ty),
        (Some(why), None) => Err(syn::Error::new(
            field_ty.span(),
            format!(
                "property `{property}` of `{owner}` {why}, so the field must be an `Option`: use `Option<{}>`",
                type_text(field_ty)
            ),
        )),
        (None, Some(inner)) => Err(syn::Error::new(
            field_ty.span(),
            format!(
                "property `{property}` of `{owner}` is required and never null, so the field must not be an `Option`: use `{}`",
                type_text(inner)
            ),
        )),
    }
}

/// `ty` as a person writes it (`BTreeMap<String, i64>`, not token by token).
pub fn type_text(ty: &Type) -> String {
    quote!(#ty)
        .to_string()
        .replace(" < ", "<")
        .replace("< ", "<")
        .replace(" >", ">")
        .replace(" ,", ",")
        .replace(" :: ", "::")
        .replace(":: ", "::")
}

/// `nasc_runtime::schema_type::<name>`.
pub fn schema_kind(name: &str) -> TokenStream {
    let name = Ident::new(name, proc_macro2::Span::call_site());
    quote!(nasc_runtime::schema_type::#name)
}

/// The single type argument of `Wrapper<T>` when `ty` is spelled so.
pub fn generic_argument<'t>(ty: &'t Type, wrapper: &str) -> Option<&'t Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != wrapper {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first() {
        Some(GenericArgument::Type(inner)) if args.args.len() == 1 => Some(inner),
        _ => None,
    }
}

/// Checks what can be read from the field's type and returns the bound that makes rustc
/// check the rest, spanned on the type.
fn check_field_type(
    ty: &EntityType,
    binding: &Binding,
    field_ty: &Type,
    unchecked: bool,
    embedded: &BTreeMap<String, ObjectShape>,
) -> syn::Result<TokenStream> {
    match binding {
        Binding::Scalar(f) => {
            let optional = match (f.nullable(), f.required) {
                (false, _) => None,
                (true, true) => Some("allows null"),
                (true, false) => Some("is not in `required`"),
            };
            let inner = option_inner(field_ty, optional, &f.property, &ty.name)?;
            let kind = match f.scalar {
                _ if f.enum_values().is_some() => schema_kind("Enum"),
                // A document's shape, all the way down (the field's own `null` is its
                // `Option`, checked above).
                // Opted out: any serde type, its value checked when saved.
                ScalarType::Json if unchecked => schema_kind("Object"),
                ScalarType::Json => {
                    let shape = match &f.shape {
                        JsonShape::Nullable(inner) => inner,
                        shape => shape,
                    };
                    let at = format!("{}/{}", ty.name, f.property);
                    objects::document_kind(shape, &at, embedded)
                }
                ScalarType::DateTime => schema_kind("DateTime"),
                ScalarType::String => match codegen::string_format(f) {
                    Some(Format::Date) => schema_kind("Date"),
                    Some(Format::Uuid) => schema_kind("Uuid"),
                    _ => schema_kind("String"),
                },
                ScalarType::Integer => schema_kind("Integer"),
                ScalarType::Number => schema_kind("Number"),
                ScalarType::Boolean => schema_kind("Boolean"),
                ScalarType::Bytes => schema_kind("Binary"),
            };
            let values = match f.enum_values() {
                Some(values) if !is_string(inner) => {
                    enum_checks(&ty.name, &f.property, inner, values)
                }
                // Enums inside a document (items, map values) are held to their values too.
                _ if f.scalar == ScalarType::Json && !unchecked => {
                    let shape = match &f.shape {
                        JsonShape::Nullable(inner) => inner,
                        shape => shape,
                    };
                    objects::enum_values_checks(shape, inner, &ty.name, &f.property)
                }
                _ => quote!(),
            };
            Ok(quote_spanned! {inner.span()=>
                nasc_runtime::schema_type::assert_stores_as::<#kind, #inner>();
                #values
            })
        }
        Binding::Children(r) => {
            let Some(inner) = generic_argument(field_ty, "Vec") else {
                return Err(syn::Error::new(
                    field_ty.span(),
                    format!(
                        "property `{}` of `{}` is an array of `{}`: use `Vec<{}>`",
                        r.property, ty.name, r.child, r.child
                    ),
                ));
            };
            let tag = type_tag(&r.child);
            Ok(quote_spanned! {inner.span()=>
                nasc_runtime::schema_type::assert_schema_type::<#tag, #inner>();
            })
        }
    }
}
