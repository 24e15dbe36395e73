//! Objects inside JSON documents: the schema kind a document value must hold (checked
//! all the way down), and `#[derive(SchemaObject)]`, which checks a struct against one
//! object of the schema with the rules and errors of `#[derive(Entity)]`.

use crate::args::Args;
use crate::check::{
    enum_checks, field_checks, generic_argument, is_string, option_inner, schema_kind,
};
use crate::codegen::{self, type_tag};
use crate::files;
use nasc_model::build::closest;
use nasc_model::{Format, JsonShape, ObjectShape, ScalarType};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use std::collections::BTreeMap;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields};
use syn::{GenericArgument, PathArguments, Type};

/// The schema kind of a value of `shape` at `at` (`Type/property/items/...`) inside a
/// document, as `schema_type` names it: arrays, maps, `null`, scalars, formats and objects
/// checked all the way down; `const`s by serde (checked when saved).
pub fn document_kind(
    shape: &JsonShape,
    at: &str,
    embedded: &BTreeMap<String, ObjectShape>,
) -> TokenStream {
    match shape {
        JsonShape::Any => schema_kind("Any"),
        JsonShape::Constrained(inner, constraints) => match (inner.as_ref(), constraints.format) {
            (JsonShape::Scalar(ScalarType::String), Some(Format::DateTime)) => {
                schema_kind("DateTime")
            }
            (JsonShape::Scalar(ScalarType::String), Some(Format::Date)) => schema_kind("Date"),
            (JsonShape::Scalar(ScalarType::String), Some(Format::Uuid)) => schema_kind("Uuid"),
            (inner, _) => document_kind(inner, at, embedded),
        },
        JsonShape::Nullable(inner) => {
            let inner = document_kind(inner, at, embedded);
            quote!(nasc_runtime::schema_type::Nullable<#inner>)
        }
        JsonShape::Array(items) => {
            let items = document_kind(items, &format!("{at}/items"), embedded);
            quote!(nasc_runtime::schema_type::Array<#items>)
        }
        JsonShape::Map(values) => {
            let values = document_kind(values, &format!("{at}/additionalProperties"), embedded);
            quote!(nasc_runtime::schema_type::Map<#values>)
        }
        JsonShape::Scalar(ScalarType::String) => schema_kind("String"),
        JsonShape::Scalar(ScalarType::Integer) => schema_kind("Integer"),
        JsonShape::Scalar(ScalarType::Number) => schema_kind("Number"),
        JsonShape::Scalar(ScalarType::Boolean) => schema_kind("Boolean"),
        JsonShape::Scalar(ScalarType::DateTime) => schema_kind("DateTime"),
        JsonShape::Scalar(ScalarType::Bytes) => schema_kind("Base64"),
        JsonShape::Enum(_) => schema_kind("Enum"),
        JsonShape::Object(_) => object_kind(at),
        JsonShape::Ref(name) if embedded.contains_key(name) => object_kind(name),
        JsonShape::Scalar(ScalarType::Json) | JsonShape::Values(_) | JsonShape::Ref(_) => {
            schema_kind("Object")
        }
    }
}

/// The checks that the Rust enums held where `shape` has an `enum` of strings (itself,
/// or as items, map values or `null`able values, followed through `Vec`, `BTreeMap`,
/// `HashMap` and `Option` as written) have exactly the schema's values.
pub fn enum_values_checks(
    shape: &JsonShape,
    ty: &Type,
    owner: &str,
    property: &str,
) -> TokenStream {
    let inside = |shape: &JsonShape, ty: Option<&Type>| match ty {
        Some(ty) => enum_values_checks(shape, ty, owner, property),
        // (Held otherwise: the field's `StoresAs` bound reports it.)
        None => quote!(),
    };
    match shape {
        JsonShape::Constrained(inner, _) => enum_values_checks(inner, ty, owner, property),
        JsonShape::Nullable(inner) => inside(inner, generic_argument(ty, "Option")),
        JsonShape::Enum(values) if !is_string(ty) => enum_checks(owner, property, ty, values),
        JsonShape::Array(items) => inside(items, generic_argument(ty, "Vec")),
        JsonShape::Map(values) => inside(values, map_value(ty)),
        _ => quote!(),
    }
}

/// `T` of `BTreeMap<String, T>` or `HashMap<String, T>` as written.
fn map_value(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "BTreeMap" && last.ident != "HashMap" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.iter().nth(1) {
        Some(GenericArgument::Type(value)) => Some(value),
        _ => None,
    }
}

/// The kind of the object at `at`: `ObjectOf<tag>`, held by the struct that derives
/// `SchemaObject` for it.
fn object_kind(at: &str) -> TokenStream {
    let tag = object_tag(at);
    quote!(nasc_runtime::schema_type::ObjectOf<#tag>)
}

/// The tag of the object at `at` (as `schema!`'s structs and `SchemaObject` name it).
pub fn object_tag(at: &str) -> proc_macro2::Literal {
    type_tag(&format!("object:{at}"))
}

/// Expands `#[derive(SchemaObject)]`.
pub fn derive_schema_object(input: DeriveInput) -> TokenStream {
    let ident = &input.ident;
    match checked(&input) {
        Ok(tokens) => tokens,
        Err(errors) => quote! {
            #errors
            // (Implemented still, so that one mistake is reported once.)
            impl<const TAG: u64> nasc_runtime::schema_type::SchemaObject<TAG> for #ident {}
        },
    }
}

fn checked(input: &DeriveInput) -> Result<TokenStream, TokenStream> {
    let args = Args::from_attributes(&input.attrs).map_err(|e| e.to_compile_error())?;
    let span = input.ident.span();
    let fail = |message: String| syn::Error::new(span, message).to_compile_error();
    let Data::Struct(data) = &input.data else {
        return Err(fail(
            "`SchemaObject` can only be derived for a struct".into(),
        ));
    };
    let Fields::Named(fields) = &data.fields else {
        return Err(fail(
            "`SchemaObject` needs a struct with named fields".into(),
        ));
    };
    let Some(at) = &args.object else {
        return Err(fail(
            "name the object: `#[nasc(object = \"Type/property\")]` (`/items` for an array's items, or an embedded `$defs` type by its name)".into(),
        ));
    };
    let loaded = files::load(&args.schema_path(), &args.mapping_path())
        .map_err(|e| codegen::load_error(e, &args, span).to_compile_error())?;
    let path = at.value();
    let object = locate(&loaded.model, &path)
        .map_err(|message| syn::Error::new(at.span(), message).to_compile_error())?;
    let embedded = &loaded.model.embedded;
    let mut errors = Vec::new();
    let mut checks = Vec::new();
    let mut bound = Vec::new();
    for field in &fields.named {
        let ident = field.ident.as_ref().expect("named fields");
        let name = ident.to_string().trim_start_matches("r#").to_owned();
        let renamed = serde_rename(field);
        let property = object.properties.iter().find(|p| match &renamed {
            Some(rename) => *rename == p.name,
            None => field_name(&p.name) == name,
        });
        let Some(property) = property else {
            let names = object.properties.iter().map(|p| p.name.as_str());
            let hint = match closest(renamed.as_deref().unwrap_or(&name), names) {
                Some(close) => format!("; did you mean `{close}`?"),
                None => {
                    let all: Vec<String> = object
                        .properties
                        .iter()
                        .map(|p| format!("`{}`", p.name))
                        .collect();
                    format!("; its properties are {}", all.join(", "))
                }
            };
            errors.push(syn::Error::new(
                ident.span(),
                format!(
                    "the object `{path}` in {} has no property `{}`{hint}",
                    loaded.schema.name,
                    renamed.as_deref().unwrap_or(&name)
                ),
            ));
            continue;
        };
        bound.push(property.name.clone());
        let nullable = matches!(property.shape, JsonShape::Nullable(_));
        let optional = match (nullable, property.required) {
            (true, _) => Some("allows null"),
            (false, false) => Some("is not in `required`"),
            (false, true) => None,
        };
        let inner = match option_inner(&field.ty, optional, &property.name, &path) {
            Ok(inner) => inner,
            Err(error) => {
                errors.push(error);
                continue;
            }
        };
        // An optional property that allows `null` too is `Option<Option<T>>`: absent, or
        // `null`, or a value.
        let shape = match (&property.shape, property.required) {
            (JsonShape::Nullable(inner), true) => inner.as_ref(),
            (shape, _) => shape,
        };
        let kind = document_kind(shape, &format!("{path}/{}", property.name), embedded);
        let values = enum_values_checks(shape, inner, &path, &property.name);
        checks.push(quote_spanned! {inner.span()=>
            nasc_runtime::schema_type::assert_stores_as::<#kind, #inner>();
            #values
        });
    }
    for property in object
        .properties
        .iter()
        .filter(|p| !bound.contains(&p.name))
    {
        errors.push(syn::Error::new(
            span,
            format!(
                "the struct lacks the property `{}` of the object `{path}`; add a field `{}` (every property needs a field, or saving would lose its value)",
                property.name,
                field_name(&property.name)
            ),
        ));
    }
    let ident = &input.ident;
    let tag = object_tag(&path);
    let checks = field_checks(&loaded, &checks);
    if let Some(error) = codegen::combine(errors) {
        let error = error.to_compile_error();
        return Err(quote!(#error #checks));
    }
    Ok(quote! {
        impl nasc_runtime::schema_type::SchemaObject<#tag> for #ident {}
        #checks
    })
}

/// The field name of a property, as `schema!` makes it (snake case).
fn field_name(property: &str) -> String {
    codegen::field_name(&nasc_model::naming::column_name(property))
}

/// `#[serde(rename = "...")]` on the field, if it says one.
fn serde_rename(field: &syn::Field) -> Option<String> {
    let mut found = None;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                found = Some(meta.value()?.parse::<syn::LitStr>()?.value());
            } else if meta.input.peek(syn::Token![=]) {
                meta.value()?.parse::<syn::Expr>()?;
            }
            Ok(())
        });
    }
    found
}

/// The object at `path`: a type (mapped, or embedded through a `$ref`), then property
/// names, `items` into an array, `additionalProperties` into a map.
fn locate<'m>(model: &'m nasc_model::Model, path: &str) -> Result<&'m ObjectShape, String> {
    let mut parts = path.split('/');
    let first = parts.next().unwrap_or_default();
    let mut shape: Option<&JsonShape> = None;
    let mut object: Option<&ObjectShape> = model.embedded.get(first);
    let mut mapped = None;
    if object.is_none() {
        mapped = model.get(first);
        if mapped.is_none() {
            let names = model
                .types
                .iter()
                .map(|t| t.name.as_str())
                .chain(model.embedded.keys().map(String::as_str));
            let hint =
                closest(first, names).map_or(String::new(), |c| format!("; did you mean `{c}`?"));
            return Err(format!(
                "the schema has no type `{first}` holding objects{hint}"
            ));
        }
    }
    for part in parts {
        let next = match (shape.map(unwrap), object, mapped) {
            (Some(JsonShape::Array(items)), _, _) if part == "items" => items.as_ref(),
            (Some(JsonShape::Map(values)), _, _) if part == "additionalProperties" => values.as_ref(),
            (Some(JsonShape::Object(o)), _, _) => property(o, part, path)?,
            (None, Some(o), _) => property(o, part, path)?,
            (None, None, Some(ty)) => match ty.fields.iter().find(|f| f.property == part) {
                Some(field) => &field.shape,
                None => return Err(format!("`{}` has no property `{part}` stored as a JSON document (in `{path}`)", ty.name)),
            },
            _ => return Err(format!("`{path}` does not lead to an object at `{part}`: name properties, `items` of arrays, `additionalProperties` of maps")),
        };
        mapped = None;
        object = None;
        shape = Some(next);
        if let JsonShape::Ref(name) = unwrap(next) {
            object = model.embedded.get(name);
            shape = None;
        }
    }
    match (shape.map(unwrap), object) {
        (Some(JsonShape::Object(o)), _) => Ok(o),
        (None, Some(o)) => Ok(o),
        _ => Err(format!("`{path}` is not an object of the schema")),
    }
}

fn property<'s>(object: &'s ObjectShape, name: &str, path: &str) -> Result<&'s JsonShape, String> {
    match object.properties.iter().find(|p| p.name == name) {
        Some(p) => Ok(&p.shape),
        None => {
            let hint = closest(name, object.properties.iter().map(|p| p.name.as_str()))
                .map_or(String::new(), |c| format!("; did you mean `{c}`?"));
            Err(format!("no property `{name}` in `{path}`{hint}"))
        }
    }
}

/// `shape` without its `null` and keywords.
fn unwrap(shape: &JsonShape) -> &JsonShape {
    match shape {
        JsonShape::Nullable(inner) | JsonShape::Constrained(inner, _) => unwrap(inner),
        shape => shape,
    }
}
