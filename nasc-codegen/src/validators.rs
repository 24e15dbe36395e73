//! Validators: each property's shape and validation keywords compiled to Rust. The code
//! calls the check functions of `nasc_model::check`, as the shape interpreter does, so a
//! compiled validator refuses the same values with the same messages; what it saves is the
//! walk over the shape at run time.

use nasc_model::check::Bound;
use nasc_model::{Constraints, Format, JsonShape, Model, ObjectShape, ScalarType};
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use syn::Ident;

/// `mod __nasc_validators` (one function per checked property, array and embedded type),
/// and the expression listing them for `Registry::with_compiled_checks`.
pub fn validators(model: &Model) -> (TokenStream, TokenStream) {
    let mut gen = Generator {
        model,
        patterns: Vec::new(),
    };
    let mut functions = Vec::new();
    let mut entries = Vec::new();
    for (t, ty) in model.types.iter().enumerate() {
        let type_name = &ty.name;
        for (f, field) in ty.fields.iter().enumerate() {
            // Plain scalars are checked by their conversion to a column value.
            if matches!(field.shape, JsonShape::Scalar(_)) && field.scalar != ScalarType::Json {
                continue;
            }
            let name = format_ident!("field_{}_{}", t, f);
            let body = gen.shape(&field.shape, &quote!(value), &quote!(pointer), 0);
            functions.push(function(&name, body, true));
            let property = &field.property;
            entries.push(quote!((#type_name, #property, __nasc_validators::#name)));
        }
        for (r, relation) in ty.relations.iter().enumerate() {
            let Some(constraints) = &relation.constraints else {
                continue;
            };
            let name = format_ident!("relation_{}_{}", t, r);
            let body = gen.keywords(constraints, &quote!(value), &quote!(pointer));
            functions.push(function(&name, body, true));
            let property = &relation.property;
            entries.push(quote!((#type_name, #property, __nasc_validators::#name)));
        }
    }
    for (e, (_, object)) in model.embedded.iter().enumerate() {
        let body = gen.object(object, &quote!(value), &quote!(pointer), 0);
        functions.push(function(&format_ident!("embedded_{}", e), body, false));
    }
    let patterns = gen.patterns.iter().enumerate().map(|(i, source)| {
        let name = format_ident!("pattern_{}", i);
        quote! {
            fn #name() -> &'static c::Regex {
                static PATTERN: ::std::sync::OnceLock<c::Regex> = ::std::sync::OnceLock::new();
                PATTERN.get_or_init(|| {
                    c::Regex::new(#source).expect("the pattern compiled when the schema was read")
                })
            }
        }
    });
    let module = quote! {
        /// Validators compiled from the schema, installed in `registry()`.
        #[doc(hidden)]
        #[allow(unused_variables, clippy::all)]
        mod __nasc_validators {
            use nasc_runtime::__private::check as c;
            use nasc_runtime::serde_json::Value;
            #(#functions)*
            #(#patterns)*
        }
    };
    let list = quote!(&[#(#entries),*]);
    (module, list)
}

fn function(name: &Ident, body: TokenStream, public: bool) -> TokenStream {
    let visibility = if public { quote!(pub(super)) } else { quote!() };
    quote! {
        #visibility fn #name(value: &Value, pointer: &str) -> ::std::result::Result<(), c::Violation> {
            #body
            Ok(())
        }
    }
}

/// Compiles shapes to statements that return the first violation.
struct Generator<'m> {
    model: &'m Model,
    /// Sources of the `pattern`s met so far; `pattern_<i>()` compiles the i-th once.
    patterns: Vec<String>,
}

impl Generator<'_> {
    /// Statements checking the value `v` (an expression of type `&Value`) at the pointer
    /// `p` (of type `&str`) against `shape`; `depth` keeps nested bindings apart.
    fn shape(
        &mut self,
        shape: &JsonShape,
        v: &TokenStream,
        p: &TokenStream,
        depth: usize,
    ) -> TokenStream {
        match shape {
            JsonShape::Any => quote!(),
            JsonShape::Constrained(inner, constraints) => {
                let inner = self.shape(inner, v, p, depth);
                let keywords = self.keywords(constraints, v, p);
                quote!(#inner #keywords)
            }
            JsonShape::Values(values) => {
                let json = serde_json::Value::Array(values.clone()).to_string();
                quote! {{
                    static VALUES: ::std::sync::OnceLock<::std::vec::Vec<Value>> = ::std::sync::OnceLock::new();
                    let values = VALUES.get_or_init(|| {
                        nasc_runtime::serde_json::from_str(#json).expect("the values were read from the schema")
                    });
                    c::one_of_values(#p, #v, values)?;
                }}
            }
            JsonShape::Nullable(inner) => {
                let inner = self.shape(inner, v, p, depth);
                quote!(if !#v.is_null() { #inner })
            }
            JsonShape::Scalar(scalar) => {
                let name = match scalar {
                    ScalarType::Bytes => nasc_model::bytes::EXPECTED,
                    other => other.schema_name(),
                };
                let fits = match scalar {
                    ScalarType::String | ScalarType::DateTime => quote!(#v.is_string()),
                    ScalarType::Boolean => quote!(#v.is_boolean()),
                    ScalarType::Number => quote!(#v.is_number()),
                    ScalarType::Integer => {
                        quote!(matches!(#v, Value::Number(n) if c::is_integer(n)))
                    }
                    ScalarType::Json => quote!(false),
                    ScalarType::Bytes => {
                        quote!(#v.as_str().is_some_and(|s| nasc_runtime::__private::is_base64(s)))
                    }
                };
                quote!(if !(#fits) { return Err(c::expected(#p, #name, #v)); })
            }
            JsonShape::Enum(values) => quote!(c::one_of_strings(#p, #v, &[#(#values),*])?;),
            JsonShape::Array(items) => {
                let (item, at) = (
                    format_ident!("item_{}", depth),
                    format_ident!("at_{}", depth),
                );
                let check = self.shape(items, &quote!(#item), &quote!(#at.as_str()), depth + 1);
                quote! {
                    let Value::Array(items) = #v else {
                        return Err(c::expected(#p, "an array", #v));
                    };
                    for (i, #item) in items.iter().enumerate() {
                        let #at = c::pointer_join(#p, &i.to_string());
                        #check
                    }
                }
            }
            JsonShape::Map(values) => {
                let (item, at) = (
                    format_ident!("item_{}", depth),
                    format_ident!("at_{}", depth),
                );
                let check = self.shape(values, &quote!(#item), &quote!(#at.as_str()), depth + 1);
                quote! {
                    let Value::Object(object) = #v else {
                        return Err(c::expected(#p, "an object", #v));
                    };
                    for (key, #item) in object {
                        let #at = c::pointer_join(#p, key);
                        #check
                    }
                }
            }
            JsonShape::Object(object) => {
                let body = self.object(object, v, p, depth);
                quote!({ #body })
            }
            JsonShape::Ref(name) => match self.model.embedded.keys().position(|n| n == name) {
                Some(e) => {
                    let function = format_ident!("embedded_{}", e);
                    quote!(#function(#v, #p)?;)
                }
                None => {
                    let message = format!("the shape of `{name}` is unknown");
                    quote!(return Err((#p.to_owned(), #message.to_owned()));)
                }
            },
        }
    }

    /// Statements checking an object: its declared properties in order, then the others.
    fn object(
        &mut self,
        object: &ObjectShape,
        v: &TokenStream,
        p: &TokenStream,
        depth: usize,
    ) -> TokenStream {
        let (item, at) = (
            format_ident!("item_{}", depth),
            format_ident!("at_{}", depth),
        );
        let properties = object
            .properties
            .iter()
            .map(|property| {
                let name = &property.name;
                let check = self.shape(
                    &property.shape,
                    &quote!(#item),
                    &quote!(#at.as_str()),
                    depth + 1,
                );
                let missing = if property.required {
                    quote!(return Err(c::required(&#at, #name));)
                } else {
                    quote!()
                };
                quote! {
                    let #at = c::pointer_join(#p, #name);
                    match object.get(#name) {
                        None => { #missing }
                        Some(#item) => { #check }
                    }
                }
            })
            .collect::<Vec<_>>();
        let names: Vec<&String> = object.properties.iter().map(|p| &p.name).collect();
        let declared = if names.is_empty() {
            quote!()
        } else {
            quote!(if matches!(key.as_str(), #(#names)|*) {
                continue;
            })
        };
        let other = match &object.additional {
            None => quote!(return Err(c::undeclared(&#at, key));),
            Some(shape) => self.shape(shape, &quote!(#item), &quote!(#at.as_str()), depth + 1),
        };
        quote! {
            let Value::Object(object) = #v else {
                return Err(c::expected(#p, "an object", #v));
            };
            #(#properties)*
            for (key, #item) in object {
                #declared
                let #at = c::pointer_join(#p, key);
                #other
            }
        }
    }

    /// Statements checking the validation keywords of `constraints`, in the order the
    /// interpreter checks them.
    fn keywords(
        &mut self,
        constraints: &Constraints,
        v: &TokenStream,
        p: &TokenStream,
    ) -> TokenStream {
        let mut strings = Vec::new();
        if let Some(min) = constraints.min_length {
            strings.push(quote!(c::min_length(#p, #v, length, #min)?;));
        }
        if let Some(max) = constraints.max_length {
            strings.push(quote!(c::max_length(#p, #v, length, #max)?;));
        }
        if let Some(pattern) = &constraints.pattern {
            let function = format_ident!("pattern_{}", self.patterns.len());
            self.patterns.push(pattern.0.as_str().to_owned());
            strings.push(quote!(c::pattern(#p, #v, text, #function())?;));
        }
        if let Some(format) = constraints.format {
            let format = match format {
                Format::DateTime => quote!(DateTime),
                Format::Date => quote!(Date),
                Format::Uuid => quote!(Uuid),
                Format::Email => quote!(Email),
                Format::Uri => quote!(Uri),
            };
            strings.push(quote!(c::format(#p, #v, text, c::Format::#format)?;));
        }
        let mut numbers: Vec<TokenStream> = constraints
            .bounds()
            .map(|(which, bound)| {
                let which = match which {
                    Bound::Minimum => quote!(Minimum),
                    Bound::Maximum => quote!(Maximum),
                    Bound::ExclusiveMinimum => quote!(ExclusiveMinimum),
                    Bound::ExclusiveMaximum => quote!(ExclusiveMaximum),
                };
                let bound = Literal::f64_suffixed(bound);
                quote!(c::bound(#p, #v, x, c::Bound::#which, #bound)?;)
            })
            .collect();
        if let Some(m) = constraints.multiple_of {
            let m = Literal::f64_suffixed(m);
            numbers.push(quote!(c::multiple_of(#p, #v, n, #m)?;));
        }
        let mut arrays = Vec::new();
        if let Some(min) = constraints.min_items {
            arrays.push(quote!(c::min_items(#p, count, #min)?;));
        }
        if let Some(max) = constraints.max_items {
            arrays.push(quote!(c::max_items(#p, count, #max)?;));
        }
        if constraints.unique_items {
            arrays.push(quote!(c::unique_items(#p, items)?;));
        }
        let mut arms = Vec::new();
        if !strings.is_empty() {
            arms.push(quote!(Value::String(text) => {
                let length = text.chars().count() as u64;
                #(#strings)*
            }));
        }
        if !numbers.is_empty() {
            arms.push(quote!(Value::Number(n) => {
                let x = n.as_f64().unwrap_or(f64::NAN);
                #(#numbers)*
            }));
        }
        if !arrays.is_empty() {
            arms.push(quote!(Value::Array(items) => {
                let count = items.len() as u64;
                #(#arrays)*
            }));
        }
        if arms.is_empty() {
            return quote!();
        }
        quote!(match #v { #(#arms)* _ => {} })
    }
}
