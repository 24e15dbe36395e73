//! Code generation from the model: entity structs, `Entity` implementations, the registry
//! function and diesel table definitions.

use crate::args::Args;
use crate::files::{self, LoadError, Loaded};
use crate::types::{holds_null, keep_null, rename, type_ident, TypeGen};
use heck::ToUpperCamelCase;
use nasc_model::naming::{POSITION_COLUMN, ROW_COLUMN};
use nasc_model::{Dialect, EntityType, Format, JsonShape, Model, ModelErrors, RowKey, ScalarType};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::{Ident, LitStr};

/// How one Rust field of an entity maps to the schema.
pub enum Binding<'m> {
    /// A scalar property.
    Scalar(&'m nasc_model::Field),
    /// An array of children.
    Children(&'m nasc_model::Relation),
}

/// Expands `schema!(...)`.
pub fn schema_macro(input: TokenStream) -> TokenStream {
    let args: Args = match syn::parse2(input) {
        Ok(args) => args,
        Err(e) => return e.to_compile_error(),
    };
    let loaded = match files::load(&args.schema_path(), &args.mapping_path()) {
        Ok(loaded) => loaded,
        Err(e) => return load_error(e, &args, Span::call_site()).to_compile_error(),
    };
    let mut items = Vec::new();
    let mut types = TypeGen::new(&loaded.model);
    for ty in &loaded.model.types {
        let ident = type_ident(&ty.name);
        let (item, constants) = entity_struct(&mut types, ty, &ident);
        items.push(item);
        items.push(query_constants(&ident, &constants));
        let bindings: Vec<(Ident, Binding)> = ty
            .fields
            .iter()
            .map(|f| (field_ident(&f.field), Binding::Scalar(f)))
            .chain(
                ty.relations
                    .iter()
                    .map(|r| (field_ident(&r.field), Binding::Children(r))),
            )
            .collect();
        items.push(entity_impl(ty, &ident, &bindings));
    }
    items.extend(types.into_items());
    let (validators, checks) = crate::validators::validators(&loaded.model);
    let registry = registry_fn(&loaded, checks);
    let tables = args.diesel_tables.then(|| tables_module(&loaded.model));
    quote! {
        #(#items)*
        #registry
        #validators
        #tables
    }
}

/// A load failure as a compile error, on the literal of the file concerned.
pub fn load_error(error: LoadError, args: &Args, fallback: Span) -> syn::Error {
    let span_of = |lit: &Option<LitStr>| lit.as_ref().map_or(fallback, LitStr::span);
    match error {
        LoadError::Path {
            message,
            is_mapping,
        } => {
            let lit = if is_mapping {
                &args.mapping
            } else {
                &args.schema
            };
            syn::Error::new(span_of(lit), message)
        }
        LoadError::Model(errors) => model_errors(&errors, args, fallback),
    }
}

/// Every model error, each on the literal naming its file.
pub fn model_errors(errors: &ModelErrors, args: &Args, fallback: Span) -> syn::Error {
    let mapping = args.mapping_path();
    let all = errors.0.iter().map(|e| {
        let lit = if e.file == mapping {
            &args.mapping
        } else {
            &args.schema
        };
        syn::Error::new(lit.as_ref().map_or(fallback, LitStr::span), e.to_string())
    });
    combine(all.collect()).expect("a model error list is never empty")
}

/// All errors as one.
pub fn combine(errors: Vec<syn::Error>) -> Option<syn::Error> {
    errors.into_iter().reduce(|mut all, e| {
        all.combine(e);
        all
    })
}

/// The Rust identifier of a snake_case field name; keywords become raw identifiers.
pub fn field_ident(name: &str) -> Ident {
    if let Ok(ident) = syn::parse_str::<Ident>(name) {
        return ident;
    }
    // `self`, `super`, `crate` and `Self` cannot even be raw identifiers.
    syn::parse_str::<Ident>(&format!("r#{name}")).unwrap_or_else(|_| format_ident!("{}_", name))
}

/// The field name `#[derive(Entity)]` expects for a column (as `schema!` generates it).
pub fn field_name(column: &str) -> String {
    field_ident(column)
        .to_string()
        .trim_start_matches("r#")
        .to_owned()
}

/// The generated struct of one type.
fn entity_struct(
    types: &mut TypeGen<'_>,
    ty: &EntityType,
    ident: &Ident,
) -> (TokenStream, Vec<QueryConstant>) {
    let model = types.model();
    let key = match ty.key() {
        Some(pk) => format!("primary key `{}`", pk.property),
        None => "rows identified by their position in the array".to_owned(),
    };
    let doc = format!(
        " Schema type `{}`, stored in table `{}` ({key}).",
        ty.name, ty.table
    );
    let mut constants = Vec::new();
    let fields = ty.fields.iter().map(|f| {
        let name = field_ident(&f.field);
        // A pk is an id: a `date-time` one stays text.
        let is_pk = ty.pk().is_some_and(|pk| pk.property == f.property);
        let base = if is_pk && f.scalar == ScalarType::String && f.enum_values().is_none() {
            crate::types::scalar_type(f.scalar)
        } else {
            types.shape_type(
                &format!("{ident}{}", f.property.to_upper_camel_case()),
                &format!("{}/{}", ty.name, f.property),
                &f.shape,
            )
        };
        let rename = rename(&name, &f.property);
        let doc = format!(" Property `{}`.", f.property);
        let field_type = match f.nullable() {
            true => quote!(::std::option::Option<#base>),
            false => base,
        };
        constants.push(QueryConstant {
            field: name.clone(),
            property: f.property.clone(),
            kind: QueryConstantKind::Field(field_type.clone()),
        });
        if !f.nullable() {
            quote!(#[doc = #doc] #rename pub #name: #field_type)
        } else if f.null_allowed {
            quote!(#[doc = #doc] #rename #[serde(default)] pub #name: #field_type)
        } else {
            let keep_null = keep_null(&f.shape);
            quote!(#[doc = #doc] #rename #[serde(default, skip_serializing_if = "::std::option::Option::is_none" #keep_null)]
                pub #name: #field_type)
        }
    });
    let fields: Vec<TokenStream> = fields.collect();
    let relations = ty.relations.iter().map(|r| {
        let name = field_ident(&r.field);
        let child = type_ident(&model.get(&r.child).expect("linked").name);
        let rename = rename(&name, &r.property);
        let doc = format!(
            " Children `{}` (rows of `{}` in order).",
            r.property, r.child
        );
        constants.push(QueryConstant {
            field: name.clone(),
            property: r.property.clone(),
            kind: QueryConstantKind::Children(quote!(#child)),
        });
        quote!(#[doc = #doc] #rename #[serde(default)] pub #name: ::std::vec::Vec<#child>)
    });
    let relations: Vec<TokenStream> = relations.collect();
    let item = quote! {
        #[doc = #doc]
        #[allow(non_camel_case_types)]
        #[derive(Debug, Clone, PartialEq, nasc_runtime::serde::Serialize, nasc_runtime::serde::Deserialize)]
        #[serde(crate = "nasc_runtime::serde", deny_unknown_fields)]
        pub struct #ident {
            #(#fields,)*
            #(#relations,)*
        }
    };
    (item, constants)
}

/// One constant of the typed query builder: a property or an array of an entity.
pub struct QueryConstant {
    /// The Rust field (the constant is its name in capitals).
    pub field: Ident,
    /// The property in the schema.
    pub property: String,
    /// What the property holds.
    pub kind: QueryConstantKind,
}

/// What a [`QueryConstant`]'s property holds.
pub enum QueryConstantKind {
    /// A value of this Rust type.
    Field(TokenStream),
    /// Children of this entity type.
    Children(TokenStream),
}

/// The typed query builder's constants of entity `self_ty` (`Order::CUSTOMER`,
/// `Order::LINES`): a misspelt property in a query is an unknown constant.
pub fn query_constants(self_ty: &Ident, constants: &[QueryConstant]) -> TokenStream {
    let constants = constants.iter().map(|c| {
        let field = c.field.to_string();
        let name = format_ident!("{}", field.trim_start_matches("r#").to_uppercase());
        let property = &c.property;
        match &c.kind {
            QueryConstantKind::Field(ty) => {
                let doc = format!(" Property `{property}`, for the typed query builder.");
                quote! {
                    #[doc = #doc]
                    pub const #name: nasc_runtime::query::Field<#self_ty, #ty> =
                        nasc_runtime::query::Field::new(#property);
                }
            }
            QueryConstantKind::Children(child) => {
                let doc = format!(" Array `{property}`, for the typed query builder.");
                quote! {
                    #[doc = #doc]
                    pub const #name: nasc_runtime::query::Children<#self_ty, #child> =
                        nasc_runtime::query::Children::new(#property);
                }
            }
        }
    });
    quote! {
        #[allow(dead_code)]
        impl #self_ty {
            #(#constants)*
        }
    }
}

/// `impl Entity` for `self_ty`, whose fields are bound as given.
pub fn entity_impl(ty: &EntityType, self_ty: &Ident, bindings: &[(Ident, Binding)]) -> TokenStream {
    let type_name = &ty.name;
    let tag = type_tag(&ty.name);
    // A type stored as a top-level aggregate is an `Aggregate`, with its pk as its id.
    let aggregate = ty.pk().filter(|_| ty.is_aggregate()).map(|pk| {
        let field = bindings
            .iter()
            .find(|(_, b)| matches!(b, Binding::Scalar(f) if f.property == pk.property))
            .map(|(ident, _)| ident)
            .expect("the pk is bound");
        quote! {
            impl nasc_runtime::Aggregate for #self_ty {
                fn id(&self) -> ::std::string::String {
                    nasc_runtime::__private::IdString::id_string(&self.#field)
                }
            }
        }
    });
    // Plain scalars go through `JsonScalar`, which refuses non-finite floats; the rest
    // through serde.
    let convert = |f: &nasc_model::Field, value: TokenStream| {
        let property = &f.property;
        let call = if is_plain(f) {
            quote!(nasc_runtime::__private::JsonScalar::to_json_scalar(#value))
        } else {
            quote!(nasc_runtime::__private::scalar_to_json(#value))
        };
        quote!(#call.map_err(|e| nasc_runtime::__private::in_property(#property, e))?)
    };
    let to_json = bindings.iter().map(|(ident, binding)| match binding {
        Binding::Scalar(f) if !f.required && !f.null_allowed => {
            let property = &f.property;
            let value = convert(f, quote!(value));
            quote! {
                if let ::std::option::Option::Some(value) = &self.#ident {
                    object.insert(#property.into(), #value);
                }
            }
        }
        Binding::Scalar(f) => {
            let property = &f.property;
            let value = convert(f, quote!(&self.#ident));
            quote!(object.insert(#property.into(), #value);)
        }
        Binding::Children(r) => {
            let property = &r.property;
            quote! {
                object.insert(#property.into(), nasc_runtime::serde_json::Value::Array(
                    self.#ident.iter().map(nasc_runtime::Entity::to_json)
                        .collect::<::std::result::Result<::std::vec::Vec<_>, _>>()?));
            }
        }
    });
    let from_json = bindings.iter().map(|(ident, binding)| match binding {
        Binding::Scalar(f) if !f.required && holds_null(&f.shape) => {
            let property = &f.property;
            quote!(#ident: nasc_runtime::__private::take_present(&mut object, #property)?)
        }
        Binding::Scalar(f) if f.scalar == ScalarType::Bytes => {
            let property = &f.property;
            quote!(#ident: nasc_runtime::__private::take_bytes(&mut object, #property)?)
        }
        Binding::Scalar(f) => {
            let property = &f.property;
            quote!(#ident: nasc_runtime::__private::take_scalar(&mut object, #property)?)
        }
        Binding::Children(r) => {
            let property = &r.property;
            quote!(#ident: nasc_runtime::__private::take_children(&mut object, #property)?)
        }
    });
    let from_row = from_row(ty, self_ty, bindings);
    let encode_row = encode_row(ty, bindings);
    quote! {
        impl nasc_runtime::Entity for #self_ty {
            const TYPE_NAME: &'static str = #type_name;

            #from_row

            #encode_row

            fn to_json(&self) -> ::std::result::Result<nasc_runtime::serde_json::Value, nasc_runtime::serde_json::Error> {
                let mut object = nasc_runtime::serde_json::Map::new();
                #(#to_json)*
                ::std::result::Result::Ok(nasc_runtime::serde_json::Value::Object(object))
            }

            fn from_json(value: nasc_runtime::serde_json::Value)
                -> ::std::result::Result<Self, nasc_runtime::serde_json::Error> {
                let mut object = nasc_runtime::__private::into_object(value, #type_name)?;
                let entity = #self_ty { #(#from_json,)* };
                nasc_runtime::__private::no_leftovers(object, #type_name)?;
                ::std::result::Result::Ok(entity)
            }
        }

        #aggregate

        impl nasc_runtime::schema_type::IsSchemaType<#tag> for #self_ty {}
    }
}

/// The field bound to `property`.
fn bound<'b>(bindings: &'b [(Ident, Binding)], property: &str) -> &'b Ident {
    bindings
        .iter()
        .find(|(_, b)| match b {
            Binding::Scalar(f) => f.property == property,
            Binding::Children(r) => r.property == property,
        })
        .map(|(ident, _)| ident)
        .expect("every property is bound")
}

/// Whether a field is a plain scalar, converted without serde (enums, instants, `date` and
/// `uuid` strings, which a struct may hold as `chrono::NaiveDate` / `uuid::Uuid`, and
/// documents go through serde).
fn is_plain(f: &nasc_model::Field) -> bool {
    !matches!(f.scalar, ScalarType::Json | ScalarType::DateTime)
        && f.enum_values().is_none()
        && !matches!(string_format(f), Some(Format::Date | Format::Uuid))
}

/// The `format` of a string property, if it has one.
pub fn string_format(f: &nasc_model::Field) -> Option<Format> {
    let shape = match &f.shape {
        JsonShape::Nullable(inner) => inner,
        shape => shape,
    };
    match shape {
        JsonShape::Constrained(inner, constraints)
            if **inner == JsonShape::Scalar(ScalarType::String) =>
        {
            constraints.format
        }
        _ => None,
    }
}

/// `Entity::encode_row`: each field in the schema's field order (plain scalars borrowed,
/// the rest through serde; an optional property's `None` left out), then each array.
fn encode_row(ty: &EntityType, bindings: &[(Ident, Binding)]) -> TokenStream {
    let fields = ty.fields.iter().map(|f| {
        let ident = bound(bindings, &f.property);
        let method = if is_plain(f) {
            quote!(scalar)
        } else if f.scalar == ScalarType::DateTime && f.enum_values().is_none() {
            quote!(instant)
        } else {
            quote!(serde)
        };
        if !f.required && !f.null_allowed {
            quote! {
                match &self.#ident {
                    ::std::option::Option::Some(value) => row.#method(value)?,
                    ::std::option::Option::None => row.absent()?,
                }
            }
        } else {
            quote!(row.#method(&self.#ident)?;)
        }
    });
    let relations = ty.relations.iter().map(|r| {
        let ident = bound(bindings, &r.property);
        quote!(row.children(&self.#ident)?;)
    });
    quote! {
        fn encode_row<'a>(&'a self, row: &mut nasc_runtime::encode::RowEncoder<'a>)
            -> ::std::result::Result<(), nasc_runtime::Error> {
            #(#fields)*
            #(#relations)*
            ::std::result::Result::Ok(())
        }
    }
}

/// `Entity::from_row`: the row's cells in the schema's field order, each decoded into its
/// field (plain scalars by `FromCell`, the rest through serde), then each array's rows.
fn from_row(ty: &EntityType, self_ty: &Ident, bindings: &[(Ident, Binding)]) -> TokenStream {
    let fields = ty.fields.iter().map(|f| {
        let ident = bound(bindings, &f.property);
        let property = &f.property;
        let plain = is_plain(f);
        let stored = match f.scalar {
            ScalarType::Json => quote!(Json),
            ScalarType::DateTime => quote!(DateTime),
            _ => quote!(Text),
        };
        let decode = if plain {
            quote!(nasc_runtime::__private::decode_cell(__nasc_cells.next(), #property)?)
        } else if !f.required && holds_null(&f.shape) {
            // `Option<T>` whose `T` holds `null`: present is `Some`, as `from_json` reads it.
            let null_allowed = f.null_allowed;
            quote!(nasc_runtime::__private::decode_present_cell(
                __nasc_cells.next(), #property, nasc_runtime::rows::Stored::#stored, #null_allowed)?)
        } else {
            quote!(nasc_runtime::__private::decode_serde_cell(
                __nasc_cells.next(), #property, nasc_runtime::rows::Stored::#stored)?)
        };
        quote!(let #ident = #decode;)
    });
    let relations = ty.relations.iter().map(|r| {
        let ident = bound(bindings, &r.property);
        let property = &r.property;
        quote! {
            let #ident = nasc_runtime::__private::decode_children(__nasc_children.next(), #property)?;
        }
    });
    let idents = bindings.iter().map(|(ident, _)| ident);
    quote! {
        fn from_row(row: nasc_runtime::rows::LoadedRow)
            -> ::std::result::Result<Self, nasc_runtime::rows::RowError> {
            let (__nasc_cells, __nasc_children) = row.into_parts();
            let mut __nasc_cells = __nasc_cells.into_iter();
            #[allow(unused_mut, unused_variables)]
            let mut __nasc_children = __nasc_children.into_iter();
            #(#fields)*
            #(#relations)*
            ::std::result::Result::Ok(#self_ty { #(#idents),* })
        }
    }
}

/// The tag of a type name as a literal (see `nasc_runtime::schema_type::type_tag`).
pub fn type_tag(name: &str) -> proc_macro2::Literal {
    let mut hash: u64 = 0xcbf29ce484222325;
    for byte in name.bytes() {
        hash ^= byte as u64;
        hash = hash.wrapping_mul(0x100000001b3);
    }
    proc_macro2::Literal::u64_suffixed(hash)
}

/// `const _` items that make cargo rebuild when either file changes.
pub fn track_files(loaded: &Loaded) -> TokenStream {
    let paths = [&loaded.schema, &loaded.mapping].map(|f| f.path.display().to_string());
    quote!(#(const _: &[u8] = include_bytes!(#paths);)*)
}

/// `pub fn registry()`, built once from the embedded files, with the validators `checks`
/// lists installed.
fn registry_fn(loaded: &Loaded, checks: TokenStream) -> TokenStream {
    let (schema_name, mapping_name) = (&loaded.schema.name, &loaded.mapping.name);
    let schema_path = loaded.schema.path.display().to_string();
    let mapping_path = loaded.mapping.path.display().to_string();
    quote! {
        /// Every mapped type of the schema, for stores and for the dynamic `Store` API.
        pub fn registry() -> nasc_runtime::Registry {
            static REGISTRY: nasc_runtime::__private::OnceLock<nasc_runtime::Registry> =
                nasc_runtime::__private::OnceLock::new();
            REGISTRY
                .get_or_init(|| {
                    nasc_runtime::Registry::from_json_str(
                        #schema_name, include_str!(#schema_path),
                        #mapping_name, include_str!(#mapping_path),
                    )
                    .expect("the schema and mapping were validated when this crate was compiled")
                    .with_compiled_checks(#checks)
                })
                .clone()
        }
    }
}

/// Names diesel's `table!` generates inside each table module, which columns must avoid.
const DIESEL_RESERVED: [&str; 5] = ["table", "star", "columns", "dsl", "all_columns"];

/// A Rust identifier for a SQL name in `table!`, and whether it differs from the name.
fn diesel_ident(name: &str) -> (Ident, bool) {
    match syn::parse_str::<Ident>(name) {
        Ok(ident) if !DIESEL_RESERVED.contains(&name) => (ident, false),
        _ => (format_ident!("{}_", name), true),
    }
}

fn diesel_type(scalar: ScalarType, nullable: bool, dialect: Option<Dialect>) -> TokenStream {
    let base = match (scalar, dialect) {
        (ScalarType::String, _) => quote!(Text),
        (ScalarType::Integer, _) => quote!(BigInt),
        (ScalarType::Number, _) => quote!(Double),
        (ScalarType::Boolean, _) => quote!(Bool),
        (ScalarType::Bytes, _) => quote!(Binary),
        // SQLite holds both as text: instants in nasc's stored form, which sorts as they do.
        (ScalarType::Json | ScalarType::DateTime, Some(Dialect::Sqlite)) => quote!(Text),
        (ScalarType::DateTime, Some(Dialect::Postgres)) => quote!(Timestamptz),
        (ScalarType::Json, Some(Dialect::Postgres)) => quote!(Jsonb),
        (ScalarType::DateTime, Some(Dialect::Mysql)) => quote!(Datetime),
        (ScalarType::Json, Some(Dialect::Mysql)) => quote!(Json),
        (ScalarType::Json | ScalarType::DateTime, None) => {
            unreachable!("the backend-neutral tables leave out JSON document and timestamp columns")
        }
    };
    if nullable {
        quote!(Nullable<#base>)
    } else {
        base
    }
}

/// `pub mod tables`: a diesel `table!` per type, with `joinable!` for each relation, the
/// columns every backend types alike; and in `tables::sqlite`, `tables::postgres` and
/// `tables::mysql` (each where nasc_runtime has the backend), every column.
fn tables_module(model: &Model) -> TokenStream {
    let neutral = table_items(model, None);
    let backends = [
        (Dialect::Sqlite, "sqlite", quote!(nasc_runtime::__if_sqlite!)),
        (Dialect::Postgres, "postgres", quote!(nasc_runtime::__if_postgres!)),
        (Dialect::Mysql, "mysql", quote!(nasc_runtime::__if_mysql!)),
    ]
    .into_iter()
    .map(|(dialect, name, only_with)| {
        let items = table_items(model, Some(dialect));
        let module = format_ident!("{name}");
        let doc = format!(
            " Every column of the mapped types' tables as {name} types them (`date-time` and JSON document columns included)."
        );
        quote! {
            #only_with {
                #[doc = #doc]
                pub mod #module {
                    #items
                }
            }
        }
    });
    quote! {
        /// Diesel table definitions of the mapped types, for queries beside the aggregate
        /// API. Child tables carry the foreign key and the `nasc_position` column. Here,
        /// the columns every backend types alike (JSON document and `date-time` columns
        /// are in the modules of each backend: `tables::postgres::orders`). Needs
        /// `diesel` among the crate's dependencies (diesel's `table!` names it).
        #[allow(missing_docs)]
        pub mod tables {
            #neutral
            #(#backends)*
        }
    }
}

/// The `table!`, `joinable!` and `allow_tables_to_appear_in_same_query!` items of the
/// model: every column as `dialect` types it, or (`None`) the columns every backend
/// types alike.
fn table_items(model: &Model, dialect: Option<Dialect>) -> TokenStream {
    let mut tables = Vec::new();
    let mut joins = Vec::new();
    let mut names = Vec::new();
    for ty in &model.types {
        let (table, renamed) = diesel_ident(&ty.table);
        let sql_name = &ty.table;
        let table_attr = renamed.then(|| quote!(#[sql_name = #sql_name]));
        let mut columns = Vec::new();
        let mut column = |name: &str, sql_type: TokenStream| {
            let (ident, renamed) = diesel_ident(name);
            let attr = renamed.then(|| quote!(#[sql_name = #name]));
            columns.push(quote!(#attr #ident -> #sql_type,));
            ident
        };
        if ty.row_key() == RowKey::Surrogate {
            column(ROW_COLUMN, quote!(BigInt));
        }
        let mut pk = None;
        let is_pk = |f: &nasc_model::Field| ty.pk().is_some_and(|pk| pk.property == f.property);
        let neutral = |f: &nasc_model::Field| {
            !matches!(f.scalar, ScalarType::Json | ScalarType::DateTime) || is_pk(f)
        };
        for f in ty.fields.iter().filter(|f| dialect.is_some() || neutral(f)) {
            // A pk is an id: a `date-time` one is held as text.
            let scalar = if is_pk(f) && f.scalar == ScalarType::DateTime {
                ScalarType::String
            } else {
                f.scalar
            };
            let ident = column(&f.column, diesel_type(scalar, f.nullable(), dialect));
            if is_pk(f) {
                pk = Some(ident);
            }
        }
        let mut fks = Vec::new();
        for link in &ty.parents {
            let fk_scalar = match link.fk_scalar {
                ScalarType::DateTime => ScalarType::String,
                scalar => scalar,
            };
            let fk = column(&link.fk_column, diesel_type(fk_scalar, true, dialect));
            // A parent that is a child itself is joined by its row.
            let joined_by = match &link.parent_row_column {
                Some(row) => column(row, quote!(Nullable<BigInt>)),
                None => fk,
            };
            fks.push((joined_by, link));
        }
        if !ty.parents.is_empty() {
            column(POSITION_COLUMN, quote!(Nullable<BigInt>));
        }
        let key = match ty.row_key() {
            RowKey::Surrogate => format_ident!("{}", ROW_COLUMN),
            RowKey::Pk => pk.expect("the pk is a field"),
        };
        let doc = format!(" Table `{}` of schema type `{}`.", ty.table, ty.name);
        tables.push(quote! {
            diesel::table! {
                #[doc = #doc]
                #table_attr
                #table (#key) { #(#columns)* }
            }
        });
        let mut joined = Vec::new();
        for (fk, link) in fks {
            if joined.contains(&link.parent_table) {
                continue;
            }
            joined.push(link.parent_table.clone());
            let (parent, _) = diesel_ident(&link.parent_table);
            if parent != table {
                joins.push(quote!(diesel::joinable!(#table -> #parent (#fk));));
            }
        }
        names.push(table);
    }
    let allow = (names.len() > 1)
        .then(|| quote!(diesel::allow_tables_to_appear_in_same_query!(#(#names),*);));
    quote! {
        #(#tables)*
        #(#joins)*
        #allow
    }
}
