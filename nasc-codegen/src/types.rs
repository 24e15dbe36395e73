//! Rust types for property shapes: scalars, enums of strings, nested objects, maps, arrays
//! and embedded `$ref`s. Nested objects and enums become named items, collected here.

use heck::ToUpperCamelCase;
use nasc_model::{Format, JsonShape, Model, ObjectShape, ScalarType};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use std::collections::BTreeSet;
use syn::Ident;

/// Generates the Rust types of shapes, and the items (structs, enums) they need.
pub struct TypeGen<'m> {
    model: &'m Model,
    items: Vec<TokenStream>,
    names: BTreeSet<String>,
}

/// Derives every generated type uses.
fn derives(extra: TokenStream) -> TokenStream {
    quote! {
        #[derive(Debug, Clone, PartialEq, nasc_runtime::serde::Serialize, nasc_runtime::serde::Deserialize)]
        #[serde(crate = "nasc_runtime::serde" #extra)]
    }
}

impl<'m> TypeGen<'m> {
    /// A generator for the types of `model`, starting with the embedded types that are not
    /// also entities (those have their entity struct).
    pub fn new(model: &'m Model) -> Self {
        let mut generator = TypeGen {
            model,
            items: Vec::new(),
            names: model
                .types
                .iter()
                .map(|t| type_ident(&t.name).to_string())
                .collect(),
        };
        for (name, object) in &model.embedded {
            if model.get(name).is_none() {
                generator.names.insert(name.clone());
                let doc =
                    format!(" Schema type `{name}`, stored inside the documents that embed it.");
                generator.object_item(name, name, object, &doc);
            }
        }
        generator
    }

    /// The items generated so far.
    pub fn into_items(self) -> Vec<TokenStream> {
        self.items
    }

    /// The Rust type of a value of `shape`; `name` names the item it may need.
    /// `at` is where the value is (`Type/property/items/...`), which names its objects.
    pub fn shape_type(&mut self, name: &str, at: &str, shape: &JsonShape) -> TokenStream {
        match shape {
            JsonShape::Scalar(scalar) => scalar_type(*scalar),
            JsonShape::Any | JsonShape::Values(_) => quote!(nasc_runtime::serde_json::Value),
            // A `date-time` string is an instant.
            JsonShape::Constrained(inner, constraints)
                if constraints.format == Some(Format::DateTime)
                    && **inner == JsonShape::Scalar(ScalarType::String) =>
            {
                scalar_type(ScalarType::DateTime)
            }
            JsonShape::Constrained(inner, _) => self.shape_type(name, at, inner),
            JsonShape::Nullable(inner) => {
                let inner = self.shape_type(name, at, inner);
                quote!(::std::option::Option<#inner>)
            }
            JsonShape::Array(items) => {
                let item = self.element_type(&format!("{name}Item"), &format!("{at}/items"), items);
                quote!(::std::vec::Vec<#item>)
            }
            JsonShape::Map(values) => {
                let value = self.element_type(
                    &format!("{name}Value"),
                    &format!("{at}/additionalProperties"),
                    values,
                );
                quote!(::std::collections::BTreeMap<::std::string::String, #value>)
            }
            JsonShape::Ref(target) => {
                // Boxed: a type may embed itself.
                let target = type_ident(target);
                quote!(::std::boxed::Box<#target>)
            }
            JsonShape::Enum(values) => {
                let ident = self.fresh(name);
                self.enum_item(&ident, values);
                quote!(#ident)
            }
            JsonShape::Object(object) => {
                let ident = self.fresh(name);
                let doc = format!(" The nested object `{name}`.");
                self.object_item(&ident.to_string(), at, object, &doc);
                quote!(#ident)
            }
        }
    }

    /// The type of array items and map values: like [`Self::shape_type`], but a `$ref` needs
    /// no box inside a collection.
    fn element_type(&mut self, name: &str, at: &str, shape: &JsonShape) -> TokenStream {
        match shape.unconstrained() {
            JsonShape::Ref(target) => {
                let target = type_ident(target);
                quote!(#target)
            }
            shape => self.shape_type(name, at, shape),
        }
    }

    /// An unused item name based on `name`.
    fn fresh(&mut self, name: &str) -> Ident {
        let mut candidate = name.to_owned();
        let mut n = 2;
        while !self.names.insert(candidate.clone()) {
            candidate = format!("{name}{n}");
            n += 1;
        }
        safe_ident(&candidate, "Generated")
    }

    fn enum_item(&mut self, ident: &Ident, values: &[String]) {
        let mut used = BTreeSet::new();
        let variants = values.iter().enumerate().map(|(i, value)| {
            let mut variant = safe_ident(&value.to_upper_camel_case(), &format!("V{i}"));
            if !used.insert(variant.to_string()) {
                variant = format_ident!("V{}", i);
            }
            quote!(#[serde(rename = #value)] #variant)
        });
        let derives = derives(quote!());
        let doc = format!(
            " One of {}.",
            values
                .iter()
                .map(|v| format!("`{v:?}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        self.items.push(quote! {
            #[doc = #doc]
            #derives
            #[derive(Copy, Eq, Hash)]
            pub enum #ident { #(#variants,)* }

            impl nasc_runtime::query::Operand for #ident {
                type Value = Self;
            }

            impl nasc_runtime::schema_type::StringEnum for #ident {
                const VALUES: &'static [&'static str] = &[#(#values),*];
            }
        });
    }

    /// The struct of an object (at `at`), checked against it as `#[derive(SchemaObject)]`
    /// checks one, so that a checked entity may hold it.
    fn object_item(&mut self, name: &str, at: &str, object: &ObjectShape, doc: &str) {
        let ident = safe_ident(name, "Generated");
        let mut fields = Vec::new();
        let mut used = BTreeSet::new();
        for (i, property) in object.properties.iter().enumerate() {
            let mut field = field_ident_or(&nasc_model::naming::column_name(&property.name), i);
            if !used.insert(field.to_string()) {
                field = format_ident!("property_{}", i);
            }
            let value = self.shape_type(
                &format!("{name}{}", property.name.to_upper_camel_case()),
                &format!("{at}/{}", property.name),
                &property.shape,
            );
            let rename = rename(&field, &property.name);
            let property_doc = format!(" Property `{}`.", property.name);
            fields.push(match (&property.shape, property.required) {
                (_, true) => quote!(#[doc = #property_doc] #rename pub #field: #value),
                // Optional and nullable: `None` is absent, `Some(None)` is `null`.
                (JsonShape::Nullable(_), false) => quote!(#[doc = #property_doc] #rename
                    #[serde(default, skip_serializing_if = "::std::option::Option::is_none",
                            with = "nasc_runtime::__private::double_option")]
                    pub #field: ::std::option::Option<#value>),
                (_, false) => {
                    let keep_null = keep_null(&property.shape);
                    quote!(#[doc = #property_doc] #rename
                        #[serde(default, skip_serializing_if = "::std::option::Option::is_none" #keep_null)]
                        pub #field: ::std::option::Option<#value>)
                }
            });
        }
        let extra = match &object.additional {
            None => quote!(, deny_unknown_fields),
            Some(shape) => {
                let value = self.shape_type(
                    &format!("{name}Additional"),
                    &format!("{at}/additionalProperties"),
                    shape,
                );
                fields.push(quote! {
                    /// Properties beyond the declared ones.
                    #[serde(flatten)]
                    pub additional_properties: ::std::collections::BTreeMap<::std::string::String, #value>
                });
                quote!()
            }
        };
        let derives = derives(extra);
        let tag = crate::objects::object_tag(at);
        self.items.push(quote! {
            #[doc = #doc]
            #[allow(non_camel_case_types)]
            #derives
            pub struct #ident { #(#fields,)* }

            impl nasc_runtime::schema_type::SchemaObject<#tag> for #ident {}
        });
    }

    /// The model the types are generated for.
    pub fn model(&self) -> &'m Model {
        self.model
    }
}

/// The Rust type of a scalar.
pub fn scalar_type(scalar: ScalarType) -> TokenStream {
    match scalar {
        ScalarType::String => quote!(::std::string::String),
        ScalarType::Integer => quote!(i64),
        ScalarType::Number => quote!(f64),
        ScalarType::Boolean => quote!(bool),
        ScalarType::Json => quote!(nasc_runtime::serde_json::Value),
        ScalarType::Bytes => quote!(nasc_runtime::Bytes),
        ScalarType::DateTime => {
            quote!(nasc_runtime::chrono::DateTime<nasc_runtime::chrono::Utc>)
        }
    }
}

/// For an optional property whose value may itself be `null` (untyped, or an enum listing
/// `null`): the serde adapter that reads a present `null` as `Some(Value::Null)`, so that
/// absent and `null` stay apart.
pub fn keep_null(shape: &JsonShape) -> TokenStream {
    if holds_null(shape) {
        quote!(, with = "nasc_runtime::__private::present")
    } else {
        quote!()
    }
}

/// Whether a value of `shape` may itself be `null` (untyped, or an enum listing `null`).
pub fn holds_null(shape: &JsonShape) -> bool {
    matches!(shape.unconstrained(), JsonShape::Any | JsonShape::Values(_))
}

/// `#[serde(rename = ...)]` when the field's name differs from the property's.
pub fn rename(field: &Ident, property: &str) -> TokenStream {
    if field.to_string().trim_start_matches("r#") == property {
        quote!()
    } else {
        quote!(#[serde(rename = #property)])
    }
}

/// The Rust name of a schema type: the name itself when it is an identifier, else its
/// UpperCamelCase (`todo-item` -> `TodoItem`), prefixed or suffixed until it is one.
pub fn type_ident(name: &str) -> Ident {
    if let Ok(ident) = syn::parse_str::<Ident>(name) {
        return ident;
    }
    let mut camel = name.to_upper_camel_case();
    if !camel.starts_with(|c: char| c.is_alphabetic() || c == '_') {
        camel = format!("T{camel}");
    }
    syn::parse_str::<Ident>(&camel).unwrap_or_else(|_| format_ident!("{}_", camel))
}

/// `name` as an identifier, or `fallback` when it cannot be one.
fn safe_ident(name: &str, fallback: &str) -> Ident {
    syn::parse_str::<Ident>(name).unwrap_or_else(|_| Ident::new(fallback, Span::call_site()))
}

/// A field identifier for `name` (raw for keywords), or `property_<i>` when it cannot be one.
fn field_ident_or(name: &str, index: usize) -> Ident {
    if let Ok(ident) = syn::parse_str::<Ident>(name) {
        return ident;
    }
    let raw = format!("r#{name}");
    match syn::parse_str::<Ident>(&raw) {
        Ok(ident) => ident,
        Err(_) => format_ident!("property_{}", index),
    }
}
