//! Building the [`Model`] from a schema and its mapping, checking every rule on the way.
//!
//! All problems found are returned together, each located by file and JSON pointer.

use crate::error::{pointer_join, pointer_token, ModelError, ModelErrors};
use crate::model::{
    EntityType, Field, Generated, IndexSpec, Model, ParentLink, Relation, ScalarType,
};
use crate::naming;
use crate::shape::{JsonShape, ObjectShape, ShapeReader};
use crate::source::Source;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Reads both files (`path`, name errors report it under) and builds the model; a file
/// that cannot be read is reported beside any problem of the other.
pub fn build_files(schema: (&Path, &str), mapping: (&Path, &str)) -> Result<Model, ModelErrors> {
    let mut errors = ModelErrors::default();
    let schema = Source::read(schema.0, schema.1)
        .map_err(|e| errors.push(e))
        .ok();
    let mapping = Source::read(mapping.0, mapping.1)
        .map_err(|e| errors.push(e))
        .ok();
    match (schema, mapping) {
        (Some(schema), Some(mapping)) => build(&schema, &mapping),
        _ => Err(errors),
    }
}

/// Mapping block keys, current spelling first.
pub const STORE_KEYS: [&str; 2] = ["x-na:store", "x-nc:store"];
/// Top-level mapping keys that are not types.
const MAPPING_META_KEYS: [&str; 3] = ["$id", "$schema", "$comment"];
/// Keys allowed inside a store block.
const STORE_BLOCK_KEYS: [&str; 15] = [
    "entity",
    "renamedFrom",
    "renamed",
    "pk",
    "generated",
    "positional",
    "relations",
    "indexes",
    "unique",
    "columns",
    "version",
    "timestamps",
    "ttl",
    "maxSize",
    "shareBinaryOver",
];

/// The largest `shareBinaryOver`: a binary value stored in its row is at most this big
/// (1 GiB, what PostgreSQL's `bytea` holds).
pub const MAX_INLINE_BINARY: u64 = 1 << 30;

/// A `ttl`: milliseconds, or a number with a unit (`"500ms"`, `"45s"`, `"30m"`, `"12h"`,
/// `"7d"`); positive, at most about 290 million years.
fn parse_duration(value: &Value) -> Option<i64> {
    let millis = match value {
        Value::Number(n) => n.as_i64()?,
        Value::String(text) => {
            let text = text.trim();
            let split = text.find(|c: char| !c.is_ascii_digit())?;
            let (number, unit) = text.split_at(split);
            let factor = match unit.trim() {
                "ms" => 1,
                "s" => 1_000,
                "m" => 60_000,
                "h" => 3_600_000,
                "d" => 86_400_000,
                _ => return None,
            };
            number.parse::<i64>().ok()?.checked_mul(factor)?
        }
        _ => return None,
    };
    (millis > 0).then_some(millis)
}

/// Reads the schema and mapping and builds the validated model.
pub fn build(schema: &Source, mapping: &Source) -> Result<Model, ModelErrors> {
    let mut errors = ModelErrors::default();
    let schema_json = schema.parse().map_err(|e| errors.push(e)).ok();
    let mapping_json = mapping.parse().map_err(|e| errors.push(e)).ok();
    let (Some(schema_json), Some(mapping_json)) = (schema_json, mapping_json) else {
        return Err(errors);
    };
    let mut builder = Builder {
        schema: &schema.name,
        mapping: &mapping.name,
        errors,
        definitions_key: Vec::new(),
    };
    let model = builder.model(&schema_json, &mapping_json);
    builder.errors.finish(model)
}

/// The store block of one mapped type.
#[derive(Clone)]
struct StoreBlock {
    entity: String,
    pk: String,
    /// `pk` was given in the mapping (not the default `id`).
    pk_given: bool,
    /// Rows are identified by their position in the array (`positional`).
    positional: bool,
    /// How a new aggregate's pk is made (`generated`).
    generated: Option<Generated>,
    fk_overrides: HashMap<String, String>,
    /// Declared keys: properties, unique, pointer of the declaration.
    keys: Vec<(Vec<String>, bool, String)>,
    /// Column names set for properties (`columns`).
    columns: HashMap<String, String>,
    /// The property holding the optimistic-locking version (`version`).
    version: Option<String>,
    /// Properties nasc fills with the creation and last-save times (`timestamps`).
    timestamps: (Option<String>, Option<String>),
    /// `ttl` and `maxSize`.
    expiry: crate::model::Expiry,
    /// Binary values over this many bytes are stored once, by hash (`shareBinaryOver`).
    share_binary_over: Option<u64>,
    /// The table's former name (`renamedFrom`).
    renamed_from: Option<String>,
    /// Renamed properties (`renamed`): former property name, current one, pointer.
    renamed: Vec<(String, String, String)>,
    pointer: String,
}

/// A mapped type whose properties have been read, before relations are linked.
struct Parsed {
    ty: EntityType,
    store: StoreBlock,
}

struct Builder<'a> {
    schema: &'a str,
    mapping: &'a str,
    errors: ModelErrors,
    /// Types declared under `definitions` rather than `$defs` (for pointers).
    definitions_key: Vec<String>,
}

impl Builder<'_> {
    fn schema_error(&mut self, pointer: &str, message: impl Into<String>) -> &mut ModelError {
        self.errors
            .push(ModelError::new(self.schema, pointer, message));
        self.errors.0.last_mut().expect("just pushed")
    }

    fn mapping_error(&mut self, pointer: &str, message: impl Into<String>) -> &mut ModelError {
        self.errors
            .push(ModelError::new(self.mapping, pointer, message));
        self.errors.0.last_mut().expect("just pushed")
    }

    fn model(&mut self, schema: &Value, mapping: &Value) -> Model {
        let empty = Model {
            types: Vec::new(),
            unmapped: Vec::new(),
            embedded: BTreeMap::new(),
            table_prefix: String::new(),
        };
        let Some(defs) = self.type_definitions(schema) else {
            return empty;
        };
        let Some(mapping) = mapping.as_object() else {
            self.mapping_error("", "the mapping must be a JSON object of type names");
            return empty;
        };
        let stores = self.store_blocks(mapping, &defs);

        let mut parsed: Vec<Parsed> = Vec::new();
        let mut unmapped = Vec::new();
        for (name, def) in &defs {
            match stores.iter().find(|(n, _)| n == name).map(|(_, s)| s) {
                Some(store) => parsed.extend(self.entity(name, def, store, &defs, &stores)),
                None if !mapping.contains_key(name) => unmapped.push(name.clone()),
                None => {}
            }
        }
        self.link_relations(&mut parsed);
        self.check_positional(&parsed);
        self.check_generated(&parsed);
        self.check_expiry(&parsed);
        self.check_shared_binary(&parsed);
        let mut types: Vec<EntityType> = parsed.into_iter().map(|p| p.ty).collect();
        // Types refer to each other by index.
        let names: Vec<String> = types.iter().map(|t| t.name.clone()).collect();
        for (index, ty) in types.iter_mut().enumerate() {
            ty.index = index;
            for relation in &mut ty.relations {
                // (A child type that did not build has its error reported: no model.)
                if let Some(child) = names.iter().position(|n| *n == relation.child) {
                    relation.child_index = child;
                }
            }
        }
        self.check_identifiers(&types, &stores);
        let embedded = self.embedded_shapes(&types, &defs);
        Model {
            types,
            unmapped,
            embedded,
            table_prefix: String::new(),
        }
    }

    /// The schema's types: `$defs` and the older `definitions`, merged.
    fn type_definitions(&mut self, schema: &Value) -> Option<Map<String, Value>> {
        let mut defs = Map::new();
        let mut found = false;
        for key in ["$defs", "definitions"] {
            match schema.get(key) {
                None => {}
                Some(Value::Object(entries)) => {
                    found = true;
                    for (name, def) in entries {
                        if defs.insert(name.clone(), def.clone()).is_some() {
                            self.schema_error(
                                &pointer_join(&format!("/{key}"), name),
                                format!(
                                    "type `{name}` is defined in both `$defs` and `definitions`"
                                ),
                            );
                        }
                    }
                }
                Some(_) => {
                    self.schema_error(
                        &format!("/{}", pointer_token(key)),
                        format!("`{key}` must be an object of types"),
                    );
                }
            }
        }
        if !found && self.errors.is_empty() {
            self.schema_error("", "the schema has no `$defs` object")
                .hint =
                Some("declare each type under `\"$defs\": { \"TypeName\": { ... } }`".into());
        }
        self.definitions_key = schema
            .get("definitions")
            .and_then(Value::as_object)
            .map(|d| d.keys().cloned().collect())
            .unwrap_or_default();
        found.then_some(defs)
    }

    /// JSON pointer of a type definition.
    fn def_pointer(&self, name: &str) -> String {
        let key = if self.definitions_key.iter().any(|n| n == name) {
            "/definitions"
        } else {
            "/$defs"
        };
        pointer_join(key, name)
    }

    /// The object shapes of every type embedded by reference, following references inside
    /// them too.
    fn embedded_shapes(
        &mut self,
        types: &[EntityType],
        defs: &Map<String, Value>,
    ) -> BTreeMap<String, ObjectShape> {
        let mut pending = Vec::new();
        for field in types.iter().flat_map(|t| &t.fields) {
            field.shape.refs(&mut pending);
        }
        let mut embedded = BTreeMap::new();
        while let Some(name) = pending.pop() {
            if embedded.contains_key(&name) {
                continue;
            }
            let pointer = self.def_pointer(&name);
            match ShapeReader::new(defs).read(&defs[&name], &pointer) {
                Ok(JsonShape::Object(object)) => {
                    JsonShape::Object(object.clone()).refs(&mut pending);
                    embedded.insert(name, object);
                }
                Ok(JsonShape::Map(_)) | Ok(JsonShape::Any) => {
                    self.schema_error(
                        &pointer,
                        format!("`{name}` is embedded by `$ref` but declares no `properties`"),
                    );
                }
                Ok(_) => {
                    // An object type with `enum`, `const` or validation keywords: its values
                    // are not objects of declared properties alone.
                    self.schema_error(
                        &pointer,
                        format!("`{name}` is embedded by `$ref` as an object type, but its schema is not only `properties`: remove `enum`, `const` and validation keywords from `{name}`, or describe the values where they are used"),
                    );
                }
                Err((at, what)) => {
                    self.schema_error(&at, format!("`{name}` is embedded by `$ref` but {what}"));
                }
            }
        }
        embedded
    }

    /// Reads every type's store block, reporting types missing from the schema.
    fn store_blocks(
        &mut self,
        mapping: &Map<String, Value>,
        defs: &Map<String, Value>,
    ) -> Vec<(String, StoreBlock)> {
        let mut blocks = Vec::new();
        for (name, entry) in mapping {
            if MAPPING_META_KEYS.contains(&name.as_str()) {
                continue;
            }
            let pointer = pointer_join("", name);
            if !defs.contains_key(name) {
                let mut hint = format!("add `{name}` under `$defs` in {}", self.schema);
                if let Some(close) = closest(name, defs.keys().map(String::as_str)) {
                    hint = format!("did you mean `{close}`? otherwise {hint}");
                }
                self.mapping_error(
                    &pointer,
                    format!("type `{name}` is not in the schema's `$defs`"),
                )
                .hint = Some(hint);
                continue;
            }
            let Some(entry) = entry.as_object() else {
                self.mapping_error(
                    &pointer,
                    format!("the mapping of `{name}` must be an object"),
                );
                continue;
            };
            let present: Vec<&str> = STORE_KEYS
                .iter()
                .copied()
                .filter(|k| entry.contains_key(*k))
                .collect();
            if present.len() > 1 {
                self.mapping_error(
                    &pointer,
                    format!("`{name}` has both `x-na:store` and `x-nc:store`"),
                )
                .hint = Some("keep only `x-na:store` (`x-nc:store` is the legacy spelling)".into());
                continue;
            }
            let block_pointer = match present.first() {
                Some(key) => pointer_join(&pointer, key),
                None => pointer.clone(),
            };
            let empty = Map::new();
            let block = match present.first().map(|k| &entry[*k]) {
                None => &empty,
                Some(Value::Object(block)) => block,
                Some(_) => {
                    self.mapping_error(&block_pointer, "the store block must be an object");
                    continue;
                }
            };
            if let Some(block) = self.store_block(name, block, &block_pointer) {
                blocks.push((name.clone(), block));
            }
        }
        blocks
    }

    fn store_block(
        &mut self,
        name: &str,
        block: &Map<String, Value>,
        pointer: &str,
    ) -> Option<StoreBlock> {
        for key in block.keys() {
            if !STORE_BLOCK_KEYS.contains(&key.as_str()) {
                let hint = match closest(key, STORE_BLOCK_KEYS.iter().copied()) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!("the known keys are {}", STORE_BLOCK_KEYS.join(", ")),
                };
                self.mapping_error(&pointer_join(pointer, key), format!("unknown key `{key}`"))
                    .hint = Some(hint);
            }
        }
        let mut text = |key: &str, default: String| -> Option<String> {
            match block.get(key) {
                None => Some(default),
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => {
                    self.mapping_error(
                        &pointer_join(pointer, key),
                        format!("`{key}` must be a string"),
                    );
                    None
                }
            }
        };
        let entity = text("entity", naming::default_entity(name))?;
        let pk = text("pk", "id".to_owned())?;
        let pk_given = block.get("pk").is_some();
        let positional = match block.get("positional") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                self.mapping_error(
                    &pointer_join(pointer, "positional"),
                    "`positional` must be `true` or `false`",
                );
                return None;
            }
        };
        let generated = match block.get("generated") {
            None => None,
            Some(name) => match name.as_str().and_then(Generated::from_name) {
                Some(generated) => Some(generated),
                None => {
                    self.mapping_error(
                        &pointer_join(pointer, "generated"),
                        "`generated` must be `\"uuid\"` (a string pk) or `\"increment\"` (an integer pk)",
                    );
                    return None;
                }
            },
        };
        let mut fk_overrides = HashMap::new();
        if let Some(relations) = block.get("relations") {
            let rel_pointer = pointer_join(pointer, "relations");
            let Some(relations) = relations.as_object() else {
                self.mapping_error(
                    &rel_pointer,
                    "`relations` must map array properties to `{\"fk\": \"column\"}`",
                );
                return None;
            };
            for (property, spec) in relations {
                match spec.get("fk").and_then(Value::as_str) {
                    Some(fk) if spec.as_object().is_some_and(|o| o.len() == 1) => {
                        fk_overrides.insert(property.clone(), fk.to_owned());
                    }
                    _ => {
                        self.mapping_error(
                            &pointer_join(&rel_pointer, property),
                            "a relation override must be `{\"fk\": \"column_name\"}`",
                        );
                    }
                }
            }
        }
        let mut keys = Vec::new();
        for (key, unique) in [("indexes", false), ("unique", true)] {
            let Some(list) = block.get(key) else { continue };
            let at = pointer_join(pointer, key);
            let Some(list) = list.as_array() else {
                self.mapping_error(
                    &at,
                    format!("`{key}` must be an array of property names or of arrays of them"),
                );
                continue;
            };
            for (i, entry) in list.iter().enumerate() {
                let entry_at = pointer_join(&at, &i.to_string());
                let properties: Option<Vec<String>> = match entry {
                    Value::String(one) => Some(vec![one.clone()]),
                    Value::Array(many) if !many.is_empty() => {
                        many.iter().map(|p| p.as_str().map(str::to_owned)).collect()
                    }
                    _ => None,
                };
                match properties {
                    Some(properties) => keys.push((properties, unique, entry_at)),
                    None => {
                        self.mapping_error(
                            &entry_at,
                            "an index is a property name or a non-empty array of them",
                        );
                    }
                }
            }
        }
        let mut columns = HashMap::new();
        if let Some(overrides) = block.get("columns") {
            let at = pointer_join(pointer, "columns");
            match overrides.as_object() {
                Some(overrides) => {
                    for (property, column) in overrides {
                        match column.as_str() {
                            Some(column) => {
                                columns.insert(property.clone(), column.to_owned());
                            }
                            None => {
                                self.mapping_error(
                                    &pointer_join(&at, property),
                                    "a column name must be a string",
                                );
                            }
                        }
                    }
                }
                None => {
                    self.mapping_error(&at, "`columns` must map property names to column names");
                }
            }
        }
        let version = match block.get("version") {
            None => None,
            Some(Value::String(property)) => Some(property.clone()),
            Some(_) => {
                self.mapping_error(
                    &pointer_join(pointer, "version"),
                    "`version` must name an integer property",
                );
                None
            }
        };
        let mut timestamps = (None, None);
        if let Some(spec) = block.get("timestamps") {
            let at = pointer_join(pointer, "timestamps");
            let names = spec
                .as_object()
                .filter(|o| o.keys().all(|k| k == "created" || k == "updated"));
            match names {
                Some(names) => {
                    let name =
                        |key: &str| names.get(key).and_then(Value::as_str).map(str::to_owned);
                    timestamps = (name("created"), name("updated"));
                }
                None => {
                    self.mapping_error(&at, "`timestamps` must be `{\"created\": \"property\", \"updated\": \"property\"}`");
                }
            }
        }
        let expiry = crate::model::Expiry {
            ttl_ms: block.get("ttl").and_then(|ttl| {
                let parsed = parse_duration(ttl);
                if parsed.is_none() {
                    self.mapping_error(&pointer_join(pointer, "ttl"), format!("`ttl` must be a positive duration: milliseconds, or a number with `ms`, `s`, `m`, `h` or `d` (`\"30m\"`, `\"7d\"`), not {ttl}"));
                }
                parsed
            }),
            max_size: block.get("maxSize").and_then(|max| {
                let parsed = max.as_u64().filter(|&n| n >= 1);
                if parsed.is_none() {
                    self.mapping_error(&pointer_join(pointer, "maxSize"), format!("`maxSize` must be a whole number of aggregates, at least 1, not {max}"));
                }
                parsed
            }),
        };
        let share_binary_over = block.get("shareBinaryOver").and_then(|over| {
            let parsed = over.as_u64().filter(|&n| n <= MAX_INLINE_BINARY);
            if parsed.is_none() {
                self.mapping_error(
                    &pointer_join(pointer, "shareBinaryOver"),
                    format!("`shareBinaryOver` must be a whole number of bytes, at most {MAX_INLINE_BINARY}, not {over}"),
                );
            }
            parsed
        });
        let renamed_from = match block.get("renamedFrom") {
            None => None,
            Some(Value::String(table)) => match naming::identifier_problem(table) {
                None => Some(table.clone()),
                Some(problem) => {
                    self.mapping_error(
                        &pointer_join(pointer, "renamedFrom"),
                        format!("the former table name `{table}` {problem}"),
                    );
                    None
                }
            },
            Some(_) => {
                self.mapping_error(
                    &pointer_join(pointer, "renamedFrom"),
                    "`renamedFrom` must be the table's former name",
                );
                None
            }
        };
        let mut renamed = Vec::new();
        if let Some(spec) = block.get("renamed") {
            let at = pointer_join(pointer, "renamed");
            match spec.as_object() {
                Some(spec) => {
                    for (former, current) in spec {
                        match current.as_str() {
                            Some(current) => renamed.push((
                                former.clone(),
                                current.to_owned(),
                                pointer_join(&at, former),
                            )),
                            None => {
                                self.mapping_error(
                                    &pointer_join(&at, former),
                                    "a renamed property maps its former name to its current one",
                                );
                            }
                        }
                    }
                }
                None => {
                    self.mapping_error(
                        &at,
                        "`renamed` must map former property names to current ones: `{\"note\": \"comment\"}`",
                    );
                }
            }
        }
        Some(StoreBlock {
            entity,
            pk,
            pk_given,
            positional,
            generated,
            fk_overrides,
            keys,
            columns,
            version,
            timestamps,
            expiry,
            share_binary_over,
            renamed_from,
            renamed,
            pointer: pointer.to_owned(),
        })
    }

    /// Reads one mapped type's properties.
    fn entity(
        &mut self,
        name: &str,
        def: &Value,
        store: &StoreBlock,
        defs: &Map<String, Value>,
        stores: &[(String, StoreBlock)],
    ) -> Option<Parsed> {
        let pointer = self.def_pointer(name);
        let Some(def) = def.as_object() else {
            self.schema_error(&pointer, format!("`{name}` must be an object schema"));
            return None;
        };
        if def.get("type").and_then(Value::as_str) != Some("object") {
            self.schema_error(
                &pointer,
                format!("`{name}` is mapped but is not `\"type\": \"object\"`"),
            )
            .hint = Some("only object types can be stored as rows".into());
            return None;
        }
        let properties = match def.get("properties") {
            None => &Map::new(),
            Some(Value::Object(p)) => p,
            Some(_) => {
                self.schema_error(
                    &pointer_join(&pointer, "properties"),
                    "`properties` must be an object",
                );
                return None;
            }
        };
        let required: Vec<&str> = match def.get("required") {
            None => Vec::new(),
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
                items.iter().filter_map(Value::as_str).collect()
            }
            Some(_) => {
                self.schema_error(
                    &pointer_join(&pointer, "required"),
                    "`required` must be an array of property names",
                );
                return None;
            }
        };
        for (i, r) in required.iter().enumerate() {
            if !properties.contains_key(*r) {
                self.schema_error(
                    &pointer_join(&pointer_join(&pointer, "required"), &i.to_string()),
                    format!("`{r}` is required but not declared in `properties` of `{name}`"),
                );
            }
        }

        let mut fields = Vec::new();
        let mut relations = Vec::new();
        let props_pointer = pointer_join(&pointer, "properties");
        for (property, schema) in properties {
            let prop_pointer = pointer_join(&props_pointer, property);
            let is_required = required.contains(&property.as_str());
            match self.property_shape(name, property, schema, &prop_pointer, defs, stores) {
                Some(Shape::Column {
                    scalar,
                    shape,
                    null_allowed,
                }) => {
                    let default = schema.get("default").cloned();
                    if let Some(value) = &default {
                        let fits = (value.is_null() && null_allowed)
                            || shape.check(value, "", &BTreeMap::new()).is_ok();
                        if !fits && !matches!(shape.unconstrained(), JsonShape::Ref(_)) {
                            self.schema_error(
                                &pointer_join(&prop_pointer, "default"),
                                format!(
                                    "the `default` of `{property}` does not fit its own schema"
                                ),
                            );
                        }
                    }
                    fields.push(Field {
                        property: property.clone(),
                        column: store
                            .columns
                            .get(property)
                            .cloned()
                            .unwrap_or_else(|| naming::column_name(property)),
                        field: naming::column_name(property),
                        scalar,
                        shape,
                        required: is_required,
                        null_allowed,
                        default,
                        check: None,
                    })
                }
                Some(Shape::Children(child, constraints)) => {
                    relations.push(Relation {
                        property: property.clone(),
                        field: naming::column_name(property),
                        child,
                        child_index: 0,
                        fk_column: String::new(),
                        required: is_required,
                        constraints,
                        check: None,
                    });
                }
                None => {}
            }
        }

        // No `id` and no `pk`: the type's rows are identified by their position in an array
        // (it must be a child: checked once the relations are known).
        let keyless = !store.pk_given && !properties.contains_key(&store.pk);
        if keyless && !store.positional {
            // A property that looks like the id is more likely a key than data.
            if let Some(near) = properties
                .keys()
                .find(|p| p.eq_ignore_ascii_case(&store.pk))
            {
                self.mapping_error(
                    &store.pointer,
                    format!("`{name}` has no property `{}` but has `{near}`: its rows would be identified by their position", store.pk),
                )
                .hint = Some(format!(
                    "name the key with `\"pk\": \"{near}\"` in the mapping, or say `\"positional\": true` to keep rows by position"
                ));
                return None;
            }
        }
        let pk_index = fields.iter().position(|f| f.property == store.pk);
        if pk_index.is_none() && !keyless {
            let already_reported = properties.contains_key(&store.pk)
                && !relations.iter().any(|r| r.property == store.pk);
            if already_reported {
                return None;
            }
            let mut message = format!(
                "primary key property `{}` of `{name}` is not a scalar property of the type",
                store.pk
            );
            if relations.iter().any(|r| r.property == store.pk) {
                message = format!(
                    "primary key `{}` of `{name}` is an array; it must be a string or integer",
                    store.pk
                );
            }
            let candidates = fields.iter().map(|f| f.property.as_str());
            let hint = match closest(&store.pk, candidates) {
                Some(close) => format!(
                    "did you mean `{close}`? set `pk` in the mapping to an existing property"
                ),
                None => format!(
                    "set `pk` in the mapping, or add `{}` to `{name}`'s properties",
                    store.pk
                ),
            };
            self.mapping_error(&store.pointer, message).hint = Some(hint);
            return None;
        }
        // A date-time pk is an id like any other: its text is kept as it is.
        if let Some(pk_index) = pk_index {
            if fields[pk_index].scalar == ScalarType::DateTime {
                fields[pk_index].scalar = ScalarType::String;
            }
        }
        let pk = pk_index.map(|i| &fields[i]);
        if let Some(pk) = pk.filter(|pk| {
            !matches!(pk.scalar, ScalarType::String | ScalarType::Integer) || pk.nullable()
        }) {
            let at = pointer_join(&props_pointer, &pk.property);
            self.schema_error(
                &at,
                format!(
                    "primary key `{}` of `{name}` must be a required, non-null string or integer",
                    pk.property
                ),
            )
            .hint = Some(format!(
                "add `{}` to `required` and give it `\"type\": \"string\"` or `\"integer\"`",
                pk.property
            ));
        }

        let generated = store.generated.filter(|generated| {
            let at = pointer_join(&store.pointer, "generated");
            let problem = match pk {
                None => Some(format!("`{name}` has no pk to generate")),
                Some(pk) if pk.scalar != generated.scalar() => Some(format!(
                    "a `{}` pk is {}, but `{}` of `{name}` is {}",
                    generated.name(),
                    match generated {
                        Generated::Uuid => "a string",
                        Generated::Increment => "an integer",
                    },
                    pk.property,
                    pk.scalar.schema_name()
                )),
                // The database chooses an increment: no keyword of the schema could be held
                // to it before it is chosen.
                Some(pk)
                    if *generated == Generated::Increment
                        && pk.shape != JsonShape::Scalar(ScalarType::Integer) =>
                {
                    Some(format!(
                        "the `increment` pk `{}` of `{name}` has validation keywords, which the database's sequence cannot be held to",
                        pk.property
                    ))
                }
                Some(_) => None,
            };
            match problem {
                None => true,
                Some(problem) => {
                    self.mapping_error(&at, problem).hint = Some(
                        "use `\"uuid\"` for a `\"type\": \"string\"` pk and `\"increment\"` for a plain `\"type\": \"integer\"` one"
                            .into(),
                    );
                    false
                }
            }
        });
        for property in store.columns.keys() {
            if !fields.iter().any(|f| &f.property == property) {
                let at = pointer_join(&pointer_join(&store.pointer, "columns"), property);
                self.mapping_error(
                    &at,
                    format!("`{name}` has no scalar property `{property}` to name a column for"),
                );
            }
        }
        let version = store.version.as_ref().and_then(|property| {
            let at = pointer_join(&store.pointer, "version");
            let index = fields.iter().position(|f| &f.property == property);
            match index.map(|i| &fields[i]) {
                Some(f) if f.scalar == ScalarType::Integer && !f.nullable() && f.property != store.pk => index,
                Some(_) => {
                    self.mapping_error(&at, format!("version property `{property}` of `{name}` must be a required, non-null integer other than the pk"));
                    None
                }
                None => {
                    self.mapping_error(&at, format!("`{name}` has no property `{property}` to hold its version"));
                    None
                }
            }
        });
        let mut timestamp = |property: &Option<String>, which: &str| -> Option<usize> {
            let property = property.as_ref()?;
            let at = pointer_join(&pointer_join(&store.pointer, "timestamps"), which);
            let index = fields.iter().position(|f| &f.property == property);
            match index.map(|i| &fields[i]) {
                Some(f)
                    if matches!(
                        f.scalar,
                        ScalarType::String | ScalarType::DateTime | ScalarType::Integer
                    ) && f.property != store.pk =>
                {
                    index
                }
                Some(_) => {
                    self.mapping_error(&at, format!("timestamp property `{property}` of `{name}` must be a string (RFC 3339) or an integer (milliseconds) other than the pk"));
                    None
                }
                None => {
                    self.mapping_error(
                        &at,
                        format!("`{name}` has no property `{property}` to hold a timestamp"),
                    );
                    None
                }
            }
        };
        let timestamps = (
            timestamp(&store.timestamps.0, "created"),
            timestamp(&store.timestamps.1, "updated"),
        );
        let mut renamed_columns = Vec::new();
        for (former, current, at) in &store.renamed {
            match fields.iter().find(|f| &f.property == current) {
                Some(field) => {
                    let column = naming::column_name(former);
                    if column != field.column {
                        renamed_columns.push((column, field.column.clone()));
                    }
                }
                None => {
                    let hint =
                        property_hint(current, &fields, "name a scalar property of the type");
                    self.mapping_error(
                        at,
                        format!("`{name}` has no scalar property `{current}` that `{former}` was renamed to"),
                    )
                    .hint = Some(hint);
                }
            }
        }
        let mut indexes = Vec::new();
        for (properties, unique, at) in &store.keys {
            let mut columns = Vec::new();
            for property in properties {
                match fields.iter().find(|f| &f.property == property) {
                    Some(field) if field.scalar == ScalarType::Bytes => {
                        self.mapping_error(at, format!("`{property}` of `{name}` is binary (`contentEncoding: base64`), which cannot be indexed"));
                    }
                    Some(field) if field.scalar != ScalarType::Json => {
                        columns.push(field.column.clone())
                    }
                    Some(_) => {
                        self.mapping_error(at, format!("`{property}` of `{name}` is a JSON document, which cannot be indexed"));
                    }
                    None => {
                        let hint = property_hint(
                            property,
                            &fields,
                            "only scalar properties can be indexed",
                        );
                        self.mapping_error(
                            at,
                            format!("`{name}` has no scalar property `{property}` to index"),
                        )
                        .hint = Some(hint);
                    }
                }
            }
            if columns.len() == properties.len() {
                indexes.push(IndexSpec {
                    properties: properties.clone(),
                    columns,
                    unique: *unique,
                });
            }
        }
        Some(Parsed {
            ty: EntityType {
                name: name.to_owned(),
                index: 0,
                table: store.entity.clone(),
                pk_index,
                positional: store.positional || pk_index.is_none(),
                fields,
                relations,
                parents: Vec::new(),
                indexes,
                generated,
                version,
                timestamps,
                expiry: store.expiry,
                share_binary_over: store.share_binary_over,
                renamed_from: store.renamed_from.clone(),
                renamed_columns,
            },
            store: store.clone(),
        })
    }

    /// Classifies one property schema, reporting shapes nasc does not store.
    fn property_shape(
        &mut self,
        owner: &str,
        property: &str,
        schema: &Value,
        pointer: &str,
        defs: &Map<String, Value>,
        stores: &[(String, StoreBlock)],
    ) -> Option<Shape> {
        let shape = match ShapeReader::new(defs).read(schema, pointer) {
            Ok(shape) => shape,
            Err((at, what)) => {
                let error =
                    self.schema_error(&at, format!("property `{property}` of `{owner}` {what}"));
                if what.contains("does not store") {
                    error.hint = Some("use scalars, `enum`s of strings, objects, arrays, maps or `$ref`s to types".into());
                }
                return None;
            }
        };
        let (shape, null_allowed) = match shape {
            JsonShape::Nullable(inner) => (*inner, true),
            shape => (shape, false),
        };
        let date_time = shape
            .constraints()
            .is_some_and(|c| c.format == Some(crate::Format::DateTime));
        let scalar = match shape.unconstrained() {
            JsonShape::Scalar(ScalarType::String) if date_time => ScalarType::DateTime,
            JsonShape::Scalar(scalar) => *scalar,
            JsonShape::Enum(_) => ScalarType::String,
            JsonShape::Array(items) => match items.unconstrained() {
                JsonShape::Ref(child) if stores.iter().any(|(n, _)| n == child) => {
                    if null_allowed {
                        self.schema_error(pointer, format!("property `{property}` of `{owner}` is a nullable array of the mapped type `{child}`, which nasc does not store yet"))
                            .hint = Some("drop `null` from its `type`: an empty array stores no children".into());
                        return None;
                    }
                    return Some(Shape::Children(child.clone(), shape.constraints().cloned()));
                }
                _ => ScalarType::Json,
            },
            _ => ScalarType::Json,
        };
        Some(Shape::Column {
            scalar,
            shape,
            null_allowed,
        })
    }

    /// Checks that a type identified by its position is a child only, and that a type
    /// without a pk has no arrays (its children's foreign key would hold its pk).
    fn check_positional(&mut self, parsed: &[Parsed]) {
        for p in parsed.iter().filter(|p| p.ty.positional) {
            let pointer = pointer_join("/$defs", &p.ty.name);
            if p.ty.parents.is_empty() {
                let message = match p.ty.pk() {
                    None => format!("`{}` has no `id` property and the mapping names no `pk`, so its rows could only be identified by their position in an array, but no mapped type holds an array of `{}`", p.ty.name, p.ty.name),
                    Some(_) => format!("`{}` is `positional`, so its rows are identified by their position in an array, but no mapped type holds an array of `{}`", p.ty.name, p.ty.name),
                };
                self.schema_error(&pointer, message).hint = Some(format!(
                    "add an `id` property (or name one with `pk` in the mapping) to store `{}` on its own",
                    p.ty.name
                ));
            }
            if p.ty.pk().is_none() {
                if let Some(relation) = p.ty.relations.first() {
                    self.schema_error(
                        &pointer_join(&pointer_join(&pointer, "properties"), &relation.property),
                        format!("`{}` has no pk, so the rows of its array `{}` have no parent key to hold", p.ty.name, relation.property),
                    )
                    .hint = Some(format!(
                        "add an `id` property to `{}`, or name one with `pk` in the mapping",
                        p.ty.name
                    ));
                }
            }
        }
    }

    /// Checks that only types that are never children expire or are capped: a child lives
    /// and goes with its aggregate.
    fn check_expiry(&mut self, parsed: &[Parsed]) {
        for p in parsed.iter().filter(|p| p.ty.expiry.is_set()) {
            if let Some(link) = p.ty.parents.first() {
                let key = if p.ty.expiry.ttl_ms.is_some() {
                    "ttl"
                } else {
                    "maxSize"
                };
                self.mapping_error(
                    &pointer_join(&p.store.pointer, key),
                    format!(
                        "`{}` is an item of `{}.{}`, and a child lives and goes with its aggregate",
                        p.ty.name, link.parent, link.property
                    ),
                )
                .hint = Some(format!(
                    "put `{key}` on `{}`, or store `{}` only on its own",
                    link.parent, p.ty.name
                ));
            }
        }
    }

    /// Checks that a type whose mapping shares binary values over a size has a binary
    /// property to share.
    fn check_shared_binary(&mut self, parsed: &[Parsed]) {
        for p in parsed.iter().filter(|p| p.ty.share_binary_over.is_some()) {
            if !p.ty.fields.iter().any(|f| f.scalar == ScalarType::Bytes) {
                self.mapping_error(
                    &pointer_join(&p.store.pointer, "shareBinaryOver"),
                    format!("`{}` has no binary property to share", p.ty.name),
                )
                .hint = Some("a binary property is `{\"type\": \"string\", \"contentEncoding\": \"base64\"}`; or remove `shareBinaryOver`".into());
            }
        }
    }

    /// Checks that only types that are never children have a generated pk: a child's pk
    /// is its own id within its parent's array.
    fn check_generated(&mut self, parsed: &[Parsed]) {
        for p in parsed.iter().filter(|p| p.ty.generated.is_some()) {
            if let Some(link) = p.ty.parents.first() {
                let at = pointer_join(&p.store.pointer, "generated");
                self.mapping_error(
                    &at,
                    format!(
                        "`{}` is an item of `{}.{}`, and a child's pk is given, not generated",
                        p.ty.name, link.parent, link.property
                    ),
                )
                .hint = Some(format!(
                    "remove `generated` from `{}`, or store it only on its own",
                    p.ty.name
                ));
            }
        }
    }

    /// Names every foreign key and records each relation on its child.
    fn link_relations(&mut self, parsed: &mut [Parsed]) {
        let mut links: Vec<(String, ParentLink)> = Vec::new();
        // Foreign keys named after a renamed parent table are renamed with it.
        let mut renamed_keys: Vec<(String, (String, String))> = Vec::new();
        for p in parsed.iter_mut() {
            // (A type without a pk has no arrays: `check_positional` says so.)
            let Some(pk) = p.ty.pk() else {
                continue;
            };
            let pk_column = pk.column.clone();
            let pk_scalar = pk.scalar;
            for relation in &mut p.ty.relations {
                relation.fk_column = match p.store.fk_overrides.get(&relation.property) {
                    Some(fk) => fk.clone(),
                    None => {
                        let fk = naming::foreign_key(&p.store.entity, &pk_column);
                        if let Some(former) = &p.store.renamed_from {
                            let former_fk = naming::foreign_key(former, &pk_column);
                            if former_fk != fk {
                                renamed_keys
                                    .push((relation.child.clone(), (former_fk, fk.clone())));
                            }
                        }
                        fk
                    }
                };
                links.push((
                    relation.child.clone(),
                    ParentLink {
                        parent: p.ty.name.clone(),
                        property: relation.property.clone(),
                        fk_column: relation.fk_column.clone(),
                        fk_scalar: pk_scalar,
                        parent_table: p.ty.table.clone(),
                        parent_pk_column: pk_column.clone(),
                        parent_row_column: None,
                    },
                ));
            }
            for overridden in p.store.fk_overrides.keys() {
                if !p.ty.relations.iter().any(|r| &r.property == overridden) {
                    let at = pointer_join(&pointer_join(&p.store.pointer, "relations"), overridden);
                    self.mapping_error(
                        &at,
                        format!("`{}` has no array property `{overridden}`", p.ty.name),
                    );
                }
            }
        }
        // A parent that is itself a child is identified by its row (its ids are local to
        // one array).
        let children: Vec<String> = links.iter().map(|(child, _)| child.clone()).collect();
        for (child, mut link) in links {
            if children.contains(&link.parent) {
                link.parent_row_column = Some(naming::parent_row_column(&link.fk_column));
            }
            if let Some(c) = parsed.iter_mut().find(|p| p.ty.name == child) {
                c.ty.parents.push(link);
            }
        }
        for (child, (former, current)) in renamed_keys {
            if let Some(c) = parsed.iter_mut().find(|p| p.ty.name == child) {
                // The parent's row column is named after the foreign key: renamed with it.
                let via_row =
                    c.ty.parents
                        .iter()
                        .any(|l| l.fk_column == current && l.parent_row_column.is_some());
                if via_row {
                    c.ty.renamed_columns.push((
                        naming::parent_row_column(&former),
                        naming::parent_row_column(&current),
                    ));
                }
                c.ty.renamed_columns.push((former, current));
            }
        }
    }

    /// Checks every table and column name, and that none collide.
    fn check_identifiers(&mut self, types: &[EntityType], stores: &[(String, StoreBlock)]) {
        let mut tables: HashMap<String, &str> = HashMap::new();
        for ty in types {
            let store_pointer = stores
                .iter()
                .find(|(n, _)| *n == ty.name)
                .map(|(_, s)| s.pointer.clone())
                .unwrap_or_default();
            let entity_pointer = pointer_join(&store_pointer, "entity");
            if ty
                .table
                .to_ascii_lowercase()
                .starts_with(naming::RESERVED_PREFIX)
            {
                self.mapping_error(&entity_pointer, format!("table name `{}` of `{}` uses the prefix `{}` that nasc reserves for its own tables", ty.table, ty.name, naming::RESERVED_PREFIX))
                    .hint = Some("choose another `entity`".into());
            } else if let Some(problem) = naming::identifier_problem(&ty.table) {
                self.mapping_error(
                    &entity_pointer,
                    format!("table name `{}` of `{}` {problem}", ty.table, ty.name),
                )
                .hint = Some("choose a name of ASCII letters, digits and `_`".into());
            } else if let Some(problem) = naming::backend_table_problem(&ty.table) {
                self.mapping_error(
                    &entity_pointer,
                    format!("table name `{}` of `{}` {problem}", ty.table, ty.name),
                )
                .hint = Some("choose another `entity`".into());
            } else if let Some(other) = tables.insert(naming::collision_key(&ty.table), &ty.name) {
                self.mapping_error(
                    &entity_pointer,
                    format!(
                        "`{}` and `{other}` are both stored in table `{}`",
                        ty.name, ty.table
                    ),
                )
                .hint = Some("give each type its own `entity`".into());
            }

            // Every column of the table, with where it comes from.
            let props = pointer_join(&pointer_join("/$defs", &ty.name), "properties");
            let mut columns: Vec<(&str, String, String)> = ty
                .fields
                .iter()
                .map(|f| {
                    (
                        f.column.as_str(),
                        format!("property `{}`", f.property),
                        pointer_join(&props, &f.property),
                    )
                })
                .collect();
            for link in &ty.parents {
                columns.push((
                    link.fk_column.as_str(),
                    format!("the foreign key of `{}.{}`", link.parent, link.property),
                    pointer_join(
                        &pointer_join(&pointer_join("/$defs", &link.parent), "properties"),
                        &link.property,
                    ),
                ));
            }
            let mut seen: HashMap<String, String> = HashMap::new();
            for (column, origin, pointer) in columns {
                if let Some(problem) = naming::identifier_problem(column) {
                    self.schema_error(
                        &pointer,
                        format!(
                            "column `{column}` of table `{}` ({origin}) {problem}",
                            ty.table
                        ),
                    )
                    .hint = Some(
                        "rename the property so that its snake_case is a plain identifier".into(),
                    );
                    continue;
                }
                if column.starts_with(naming::RESERVED_PREFIX) {
                    self.schema_error(&pointer, format!("column `{column}` of table `{}` ({origin}) uses the prefix `{}` that nasc reserves for its own columns", ty.table, naming::RESERVED_PREFIX))
                        .hint = Some("rename the property".into());
                    continue;
                }
                if let Some(problem) = naming::backend_column_problem(column) {
                    self.schema_error(
                        &pointer,
                        format!("column `{column}` of table `{}` ({origin}) {problem}", ty.table),
                    )
                    .hint = Some("map the property to another column with `\"columns\": { \"<property>\": \"<column>\" }` in the mapping, or rename it".into());
                    continue;
                }
                if let Some(first) = seen.insert(naming::collision_key(column), origin.clone()) {
                    let hint = if origin.starts_with("the foreign key") {
                        "name the foreign key with `\"relations\": { \"<property>\": { \"fk\": \"<column>\" } }` in the parent's mapping"
                    } else {
                        "rename one of the properties"
                    };
                    self.schema_error(&pointer, format!("{origin} and {first} of `{}` both map to column `{column}` of table `{}`", ty.name, ty.table))
                        .hint = Some(hint.into());
                }
            }
            // Rust field names, which keep the property's snake_case whatever the column
            // (when their columns collide too, that is reported above).
            let mut fields: HashMap<&str, (&str, Option<&str>)> = HashMap::new();
            let names = ty
                .fields
                .iter()
                .map(|f| {
                    (
                        f.field.as_str(),
                        f.property.as_str(),
                        Some(f.column.as_str()),
                    )
                })
                .chain(
                    ty.relations
                        .iter()
                        .map(|r| (r.field.as_str(), r.property.as_str(), None)),
                );
            for (field, property, column) in names {
                let Some((first, first_column)) = fields.insert(field, (property, column)) else {
                    continue;
                };
                let columns_collide = matches!(
                    (column, first_column),
                    (Some(a), Some(b)) if naming::collision_key(a) == naming::collision_key(b)
                );
                if !columns_collide {
                    self.schema_error(
                        &pointer_join(&props, property),
                        format!("properties `{first}` and `{property}` of `{}` both make the Rust field `{field}`", ty.name),
                    )
                    .hint = Some("rename one of the properties".into());
                }
            }
        }
    }
}

/// A hint for `name`, which names no field: the closest field's name, or `otherwise`.
fn property_hint(name: &str, fields: &[Field], otherwise: &str) -> String {
    closest(name, fields.iter().map(|f| f.property.as_str()))
        .map(|c| format!("did you mean `{c}`?"))
        .unwrap_or_else(|| otherwise.to_owned())
}

/// How a property is stored.
enum Shape {
    /// In a column of the type's table.
    Column {
        scalar: ScalarType,
        shape: JsonShape,
        null_allowed: bool,
    },
    /// As rows of the mapped child type, with the array's validation keywords.
    Children(String, Option<crate::constraints::Constraints>),
}

/// The candidate closest to `name`, if any is close enough to suggest.
pub fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| {
            (
                strsim::jaro_winkler(&name.to_lowercase(), &c.to_lowercase()),
                c,
            )
        })
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RowKey;
    use serde_json::json;

    fn model(schema: &str, mapping: &str) -> Result<Model, ModelErrors> {
        build(
            &Source::new("s.json", schema),
            &Source::new("m.json", mapping),
        )
    }

    fn demo() -> Model {
        crate::test_support::demo_model()
    }

    fn errors(schema: &str, mapping: &str) -> String {
        model(schema, mapping).unwrap_err().to_string()
    }

    #[test]
    fn demo_schema_builds_the_expected_model() {
        let m = demo();
        let names: Vec<&str> = m.types.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["User", "Todo", "TodoList"]);
        let list = m.get("TodoList").unwrap();
        assert_eq!(list.table, "todo_lists");
        assert_eq!(list.relations[0].fk_column, "todo_list_id");
        assert_eq!(list.row_key(), RowKey::Pk);
        let todo = m.get("Todo").unwrap();
        assert_eq!(todo.parents.len(), 1);
        assert_eq!(todo.parents[0].parent_table, "todo_lists");
        assert_eq!(todo.row_key(), RowKey::Surrogate);
        assert_eq!(
            todo.columns(),
            [
                "nasc_row",
                "id",
                "title",
                "completed",
                "todo_list_id",
                "nasc_position"
            ]
        );
        let order: Vec<&str> = m.parents_first().iter().map(|t| t.name.as_str()).collect();
        assert_eq!(order, ["User", "TodoList", "Todo"]);
    }

    #[test]
    fn both_store_spellings_and_defaults() {
        let m = model(
            r##"{"$id": "x", "$defs": {"TodoList": {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]},
                "Person": {"type": "object", "properties": {"key": {"type": "string"}}, "required": ["key"]}}}"##,
            r##"{"$id": "y", "TodoList": {}, "Person": {"x-nc:store": {"entity": "people", "pk": "key"}}}"##,
        )
        .unwrap();
        assert_eq!(m.get("TodoList").unwrap().table, "todolists");
        assert_eq!(m.get("TodoList").unwrap().pk().unwrap().property, "id");
        assert_eq!(m.get("Person").unwrap().table, "people");
        assert_eq!(m.get("Person").unwrap().pk().unwrap().property, "key");
    }

    #[test]
    fn nullability_follows_required_and_null_unions() {
        let m = model(
            r##"{"$defs": {"T": {"type": "object", "properties": {
                "id": {"type": "string"}, "a": {"type": ["boolean", "null"]}, "b": {"type": "integer"},
                "c": {"type": ["null", "number"]}}, "required": ["id", "a", "c"]}}}"##,
            r##"{"T": {}}"##,
        )
        .unwrap();
        let t = m.get("T").unwrap();
        let nullable: Vec<bool> = t.fields.iter().map(|f| f.nullable()).collect();
        assert_eq!(nullable, [false, true, true, true]);
        assert_eq!(t.field("c").unwrap().scalar, ScalarType::Number);
    }

    #[test]
    fn foreign_keys_follow_the_singular_rule_and_overrides() {
        let schema = r##"{"$defs": {
            "Person": {"type": "object", "properties": {"id": {"type": "string"},
                "pets": {"type": "array", "items": {"$ref": "#/$defs/Pet"}},
                "toys": {"type": "array", "items": {"$ref": "#/$defs/Pet"}}}, "required": ["id"]},
            "Pet": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}}}"##;
        let text = errors(
            schema,
            r##"{"Person": {"x-na:store": {"entity": "people"}}, "Pet": {}}"##,
        );
        assert!(text.contains("both map to column `people_id`"), "{text}");
        let m = model(
            schema,
            r##"{"Person": {"x-na:store": {"entity": "people", "relations": {"toys": {"fk": "toy_owner_id"}}}}, "Pet": {}}"##,
        )
        .unwrap();
        let pet = m.get("Pet").unwrap();
        let fks: Vec<&str> = pet.parents.iter().map(|p| p.fk_column.as_str()).collect();
        assert_eq!(fks, ["people_id", "toy_owner_id"]);
    }

    #[test]
    fn colliding_and_invalid_names_are_reported_together() {
        let text = errors(
            r##"{"$defs": {"A": {"type": "object", "properties": {"id": {"type": "string"},
                "firstName": {"type": "string"}, "first_name": {"type": "string"}, "nasc_x": {"type": "string"}}, "required": ["id"]},
                "B": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}}}"##,
            r##"{"A": {"x-na:store": {"entity": "things"}}, "B": {"x-na:store": {"entity": "bad name"}}}"##,
        );
        assert!(text.contains("s.json#/$defs/A/properties/first_name: property `first_name` and property `firstName`"), "{text}");
        assert!(text.contains("prefix `nasc_`"), "{text}");
        assert!(
            text.contains("m.json#/B/x-na:store/entity: table name `bad name`"),
            "{text}"
        );
    }

    #[test]
    fn reserved_words_are_plain_columns() {
        let m = model(
            r##"{"$defs": {"T": {"type": "object", "properties": {"id": {"type": "string"}, "order": {"type": "integer"}, "group": {"type": "string"}}, "required": ["id"]}}}"##,
            r##"{"T": {}}"##,
        )
        .unwrap();
        assert_eq!(m.get("T").unwrap().columns(), ["id", "order", "group"]);
    }

    #[test]
    fn mapping_and_schema_mistakes_name_file_and_pointer() {
        let schema = r##"{"$defs": {"Todo": {"type": "object", "properties": {"id": {"type": "string"},
            "meta": {"type": "object", "properties": {"x": {"anyOf": [{"type": "string"}]}}},
            "tags": {"type": "array", "items": {"type": ["string", "integer"]}}}, "required": ["id"]}}}"##;
        let text = errors(
            schema,
            r##"{"Todoo": {}, "Todo": {"x-na:store": {"pk": "ident", "entiy": "x"}}}"##,
        );
        assert!(
            text.contains("m.json#/Todoo: type `Todoo` is not in the schema's `$defs`"),
            "{text}"
        );
        assert!(text.contains("did you mean `Todo`?"), "{text}");
        assert!(
            text.contains("m.json#/Todo/x-na:store/entiy: unknown key `entiy`"),
            "{text}"
        );
        assert!(text.contains("primary key property `ident`"), "{text}");
        assert!(
            text.contains(
                "s.json#/$defs/Todo/properties/meta/properties/x: property `meta` of `Todo` is an `anyOf`/`oneOf`/`allOf`, which nasc does not store yet"
            ),
            "{text}"
        );
        assert!(
            text.contains("properties/tags/items: property `tags` of `Todo` is a union of types"),
            "{text}"
        );
    }

    #[test]
    fn malformed_json_names_file_and_position() {
        let text = errors("{\n  \"$defs\": {,}\n}", "{}");
        assert!(text.starts_with("s.json#: malformed JSON: "), "{text}");
        assert!(text.contains("line 2"), "{text}");
    }

    #[test]
    fn arrays_and_refs_of_unmapped_types_are_embedded_json() {
        let m = model(
            r##"{"$defs": {"L": {"type": "object", "properties": {"id": {"type": "string"},
                    "xs": {"type": "array", "items": {"$ref": "#/$defs/X"}}, "owner": {"$ref": "#/definitions/Y"},
                    "status": {"$ref": "#/$defs/Status"}}, "required": ["id"]},
                "X": {"type": "object", "properties": {"id": {"type": "string"}, "y": {"$ref": "#/definitions/Y"}}, "required": ["id"]},
                "Status": {"type": "string", "enum": ["open", "done"]}},
              "definitions": {"Y": {"type": "object", "properties": {"name": {"type": "string"}}, "additionalProperties": false}}}"##,
            r##"{"L": {}}"##,
        )
        .unwrap();
        let l = m.get("L").unwrap();
        assert!(l.relations.is_empty());
        assert_eq!(l.field("xs").unwrap().scalar, ScalarType::Json);
        assert_eq!(
            l.field("xs").unwrap().shape,
            JsonShape::Array(Box::new(JsonShape::Ref("X".into())))
        );
        assert_eq!(l.field("owner").unwrap().shape, JsonShape::Ref("Y".into()));
        assert_eq!(l.field("status").unwrap().scalar, ScalarType::String);
        assert_eq!(
            l.field("status").unwrap().enum_values().unwrap(),
            ["open", "done"]
        );
        assert_eq!(m.embedded.keys().collect::<Vec<_>>(), ["X", "Y"]);
        assert!(m.embedded["Y"].additional.is_none());
    }

    #[test]
    fn every_child_type_has_a_surrogate_key_and_its_children_name_its_row() {
        let m = model(
            r##"{"$defs": {"Board": {"type": "object", "properties": {"id": {"type": "string"}, "lists": {"type": "array", "items": {"$ref": "#/$defs/List"}}}, "required": ["id"]},
                "List": {"type": "object", "properties": {"id": {"type": "string"}, "cards": {"type": "array", "items": {"$ref": "#/$defs/Card"}}}, "required": ["id"]},
                "Card": {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}}}"##,
            r##"{"Board": {}, "List": {}, "Card": {}}"##,
        )
        .unwrap();
        assert_eq!(m.get("Board").unwrap().row_key(), RowKey::Pk);
        assert_eq!(m.get("List").unwrap().row_key(), RowKey::Surrogate);
        assert_eq!(m.get("Card").unwrap().row_key(), RowKey::Surrogate);
        let (card, list) = (
            &m.get("Card").unwrap().parents[0],
            &m.get("List").unwrap().parents[0],
        );
        assert_eq!(card.fk_column, "list_id");
        assert_eq!(card.parent_row_column.as_deref(), Some("nasc_list_id_row"));
        assert_eq!(card.key_column(), "nasc_list_id_row");
        assert_eq!(list.fk_column, "board_id");
        assert_eq!(
            (list.parent_row_column.as_deref(), list.key_column()),
            (None, "board_id")
        );
        assert_eq!(
            m.get("Card").unwrap().columns(),
            [
                "nasc_row",
                "id",
                "list_id",
                "nasc_list_id_row",
                "nasc_position"
            ]
        );
    }

    #[test]
    fn base64_strings_are_binary_columns_and_nothing_else_is() {
        let schema = r##"{"$defs": {"F": {"type": "object", "properties": {"id": {"type": "string"},
            "data": {"type": "string", "contentEncoding": "base64"},
            "maybe": {"type": ["string", "null"], "contentEncoding": "base64", "maxLength": 8},
            "inside": {"type": "array", "items": {"type": "string", "contentEncoding": "base64"}}},
            "required": ["id", "data"]}}}"##;
        let m = model(schema, r##"{"F": {}}"##).unwrap();
        let f = m.get("F").unwrap();
        let scalar = |p: &str| f.fields.iter().find(|x| x.property == p).unwrap().scalar;
        assert_eq!(scalar("data"), ScalarType::Bytes);
        assert_eq!(scalar("maybe"), ScalarType::Bytes);
        assert_eq!(scalar("inside"), ScalarType::Json);
        for (dialect, ty) in [
            (crate::Dialect::Sqlite, "BLOB"),
            (crate::Dialect::Postgres, "BYTEA"),
            (crate::Dialect::Mysql, "LONGBLOB"),
        ] {
            let ddl = crate::ddl::create_statements(&m, dialect).join("\n");
            assert!(
                ddl.contains(&format!("{} {ty} NOT NULL", dialect.quote("data"))),
                "{ddl}"
            );
        }
        let text = errors(
            r##"{"$defs": {"F": {"type": "object", "properties": {"id": {"type": "string", "contentEncoding": "base64"},
                "a": {"type": "string", "contentEncoding": "base32"}, "b": {"type": "integer", "contentEncoding": "base64"},
                "c": {"type": "string", "contentEncoding": 64}}, "required": ["id"]}}}"##,
            r##"{"F": {"x-na:store": {"unique": ["id"]}}}"##,
        );
        assert!(text.contains("/a/contentEncoding: property `a` of `F` has the `contentEncoding` `base32`, which nasc does not store (only `base64`)"), "{text}");
        assert!(
            text.contains(
                "/b/contentEncoding: property `b` of `F` has a `contentEncoding` other than"
            ),
            "{text}"
        );
        assert!(text.contains("/c/contentEncoding:"), "{text}");
        let text = errors(
            schema,
            r##"{"F": {"x-na:store": {"indexes": [["data"]]}}}"##,
        );
        assert!(text.contains("indexes/0: `data` of `F` is binary (`contentEncoding: base64`), which cannot be indexed"), "{text}");
        let text = errors(schema, r##"{"F": {"x-na:store": {"pk": "data"}}}"##);
        assert!(
            text.contains(
                "primary key `data` of `F` must be a required, non-null string or integer"
            ),
            "{text}"
        );
    }

    #[test]
    fn indexes_name_existing_scalar_properties() {
        let schema = r##"{"$defs": {"U": {"type": "object", "properties": {"id": {"type": "string"}, "email": {"type": "string"},
            "meta": {"type": "object"}}, "required": ["id"]}}}"##;
        let m = model(
            schema,
            r##"{"U": {"x-na:store": {"indexes": [["email", "id"]], "unique": ["email"]}}}"##,
        )
        .unwrap();
        let u = m.get("U").unwrap();
        assert_eq!(u.indexes.len(), 2);
        assert_eq!(u.indexes[1].name(&u.table), "us_email_key");
        let text = errors(
            schema,
            r##"{"U": {"x-na:store": {"unique": ["emial", "meta", 5]}}}"##,
        );
        assert!(text.contains("m.json#/U/x-na:store/unique/0: `U` has no scalar property `emial` to index\n  help: did you mean `email`?"), "{text}");
        assert!(
            text.contains("unique/1: `meta` of `U` is a JSON document, which cannot be indexed"),
            "{text}"
        );
        assert!(
            text.contains("unique/2: an index is a property name"),
            "{text}"
        );
    }

    #[test]
    fn defaults_must_fit_their_schema_and_become_column_defaults() {
        let schema = |default: &str| {
            format!(
                r##"{{"$defs": {{"T": {{"type": "object", "properties": {{"id": {{"type": "string"}},
            "n": {{"type": "integer", "minimum": 1, "default": {default}}}}}, "required": ["id"]}}}}}}"##
            )
        };
        let m = model(&schema("3"), r#"{"T": {}}"#).unwrap();
        assert_eq!(
            m.get("T").unwrap().field("n").unwrap().default,
            Some(serde_json::json!(3))
        );
        let ddl = crate::ddl::create_table(m.get("T").unwrap(), crate::Dialect::Postgres);
        assert!(
            ddl.contains(
                "\"n\" BIGINT NULL DEFAULT 3 CONSTRAINT \"ts_n_check\" CHECK (\"n\" >= 1.0)"
            ),
            "{ddl}"
        );
        let text = errors(&schema("0"), r#"{"T": {}}"#);
        assert!(text.contains("s.json#/$defs/T/properties/n/default: the `default` of `n` does not fit its own schema"), "{text}");
    }

    #[test]
    fn a_version_is_a_required_integer_property() {
        let schema = r##"{"$defs": {"T": {"type": "object", "properties": {"id": {"type": "string"}, "rev": {"type": "integer"},
            "note": {"type": "string"}}, "required": ["id", "rev"]}}}"##;
        let m = model(schema, r#"{"T": {"x-na:store": {"version": "rev"}}}"#).unwrap();
        assert_eq!(m.get("T").unwrap().version, Some(1));
        let text = errors(schema, r#"{"T": {"x-na:store": {"version": "note"}}}"#);
        assert!(text.contains("m.json#/T/x-na:store/version: version property `note` of `T` must be a required, non-null integer"), "{text}");
        let text = errors(schema, r#"{"T": {"x-na:store": {"version": "revision"}}}"#);
        assert!(text.contains("has no property `revision`"), "{text}");
    }

    /// Hostile schemas: references that never reach a value, and object types that are
    /// enums, are model errors naming the pointer (they once overflowed the stack or
    /// panicked).
    #[test]
    fn reference_cycles_and_object_enums_are_errors_not_crashes() {
        let with = |defs: &str| {
            format!(
                r##"{{"$defs": {{"Doc": {{"type": "object", "properties": {{"id": {{"type": "string"}}, "x": {{"$ref": "#/$defs/T"}}}}, "required": ["id"]}}, {defs}}}}}"##
            )
        };
        let mapping = r#"{"Doc": {}}"#;
        for (defs, says) in [
            (r##""T": {"$ref": "#/$defs/T"}"##, "(T -> T)"),
            (
                r##""T": {"$ref": "#/$defs/U"}, "U": {"type": "array", "items": {"$ref": "#/$defs/T"}}"##,
                "(T -> U -> T)",
            ),
            (
                r##""T": {"type": "array", "items": {"type": "object", "additionalProperties": {"$ref": "#/$defs/T"}}}"##,
                "(T -> T)",
            ),
            (
                r##""T": {"type": "object", "enum": [{"a": 1}]}"##,
                "`T` is embedded by `$ref` as an object type, but its schema is not only `properties`",
            ),
        ] {
            let text = errors(&with(defs), mapping);
            assert!(text.contains(says), "{defs}: {text}");
        }
        // An object type may contain itself: it is embedded by name, not expanded.
        let tree = r##""T": {"type": "object", "properties": {"kids": {"type": "array", "items": {"$ref": "#/$defs/T"}}}}"##;
        model(&with(tree), mapping).unwrap();
    }

    /// Names a backend keeps for itself are refused for every backend, naming the file
    /// and pointer (they passed the model and failed when a store opened).
    #[test]
    fn backend_object_names_are_refused() {
        let schema = r#"{"$defs": {"T": {"type": "object", "properties": {"id": {"type": "string"}, "xmin": {"type": "integer"}}, "required": ["id"]}}}"#;
        for entity in ["sqlite_master", "SQLITE_stat1", "pg_class", "Pg_Tables"] {
            let mapping = format!(r#"{{"T": {{"x-na:store": {{"entity": "{entity}"}}}}}}"#);
            let text = errors(schema, &mapping);
            assert!(text.contains("m.json#/T/x-na:store/entity"), "{text}");
            assert!(text.contains("keeps for its own tables"), "{text}");
        }
        let text = errors(schema, r#"{"T": {}}"#);
        assert!(text.contains("column `xmin` of table `ts`"), "{text}");
        assert!(
            text.contains("system column of every PostgreSQL table"),
            "{text}"
        );
        // Mapped to another column, the property is fine.
        model(
            schema,
            r#"{"T": {"x-na:store": {"columns": {"xmin": "x_min"}}}}"#,
        )
        .unwrap();
    }

    /// A column named in the mapping leaves the Rust field named after the property, and
    /// two properties whose fields would be one are refused even when their columns differ.
    #[test]
    fn column_overrides_keep_the_field_name() {
        let schema = r#"{"$defs": {"T": {"type": "object", "properties": {"id": {"type": "string"}, "firstName": {"type": "string"}, "first_name": {"type": "string"}}, "required": ["id"]}}}"#;
        let text = errors(
            schema,
            r#"{"T": {"x-na:store": {"columns": {"firstName": "given"}}}}"#,
        );
        assert!(
            text.contains("properties `firstName` and `first_name` of `T` both make the Rust field `first_name`"),
            "{text}"
        );
        let schema = r#"{"$defs": {"T": {"type": "object", "properties": {"id": {"type": "string"}, "comment": {"type": "string"}}, "required": ["id"]}}}"#;
        let m = model(
            schema,
            r#"{"T": {"x-na:store": {"columns": {"comment": "note"}}}}"#,
        )
        .unwrap();
        let comment = m.get("T").unwrap().field("comment").unwrap();
        assert_eq!(
            (comment.column.as_str(), comment.field.as_str()),
            ("note", "comment")
        );
    }

    /// A type without `id` and `pk` is identified by its position: only as an array's item,
    /// and without arrays of its own.
    #[test]
    fn types_without_a_pk_are_positional_children() {
        let m = model(
            r##"{"$defs": {"Order": {"type": "object", "properties": {"id": {"type": "string"}, "lines": {"type": "array", "items": {"$ref": "#/$defs/Line"}}}, "required": ["id"]},
                "Line": {"type": "object", "properties": {"sku": {"type": "string"}}}}}"##,
            r#"{"Order": {}, "Line": {}}"#,
        )
        .unwrap();
        let line = m.get("Line").unwrap();
        assert!(line.positional && line.pk().is_none() && !line.is_aggregate());
        let text = errors(
            r##"{"$defs": {"Line": {"type": "object", "properties": {"sku": {"type": "string"}}}}}"##,
            r#"{"Line": {}}"#,
        );
        assert!(
            text.contains("no mapped type holds an array of `Line`"),
            "{text}"
        );
        let text = errors(
            r##"{"$defs": {"Order": {"type": "object", "properties": {"id": {"type": "string"}, "lines": {"type": "array", "items": {"$ref": "#/$defs/Line"}}}, "required": ["id"]},
                "Line": {"type": "object", "properties": {"sku": {"type": "string"}, "parts": {"type": "array", "items": {"$ref": "#/$defs/Part"}}}},
                "Part": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}}}"##,
            r#"{"Order": {}, "Line": {}, "Part": {}}"#,
        );
        assert!(
            text.contains("`Line` has no pk, so the rows of its array `parts` have no parent key"),
            "{text}"
        );
        // A property that looks like the id is not taken for data silently.
        let schema = r##"{"$defs": {"Order": {"type": "object", "properties": {"id": {"type": "string"}, "lines": {"type": "array", "items": {"$ref": "#/$defs/Line"}}}, "required": ["id"]},
                "Line": {"type": "object", "properties": {"ID": {"type": "string"}}, "required": ["ID"]}}}"##;
        let text = errors(schema, r#"{"Order": {}, "Line": {}}"#);
        assert!(
            text.contains("`Line` has no property `id` but has `ID`"),
            "{text}"
        );
        assert!(text.contains(r#"`"pk": "ID"`"#), "{text}");
        assert!(model(
            schema,
            r#"{"Order": {}, "Line": {"x-na:store": {"positional": true}}}"#
        )
        .is_ok());
        let text = errors(
            r##"{"$defs": {"T": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}}}"##,
            r#"{"T": {"x-na:store": {"positional": "yes"}}}"#,
        );
        assert!(
            text.contains("`positional` must be `true` or `false`"),
            "{text}"
        );
    }

    /// Renames name a current property and a valid former table.
    #[test]
    fn renames_are_checked() {
        let schema = r#"{"$defs": {"T": {"type": "object", "properties": {"id": {"type": "string"}, "comment": {"type": "string"}}, "required": ["id"]}}}"#;
        let m = model(
            schema,
            r#"{"T": {"x-na:store": {"renamedFrom": "old_ts", "renamed": {"note": "comment"}}}}"#,
        )
        .unwrap();
        let t = m.get("T").unwrap();
        assert_eq!(t.renamed_from.as_deref(), Some("old_ts"));
        assert_eq!(
            t.renamed_columns,
            [("note".to_owned(), "comment".to_owned())]
        );
        let text = errors(
            schema,
            r#"{"T": {"x-na:store": {"renamed": {"note": "coment"}}}}"#,
        );
        assert!(text.contains("m.json#/T/x-na:store/renamed/note"), "{text}");
        assert!(text.contains("did you mean `comment`?"), "{text}");
        let text = errors(
            schema,
            r#"{"T": {"x-na:store": {"renamedFrom": "old-ts"}}}"#,
        );
        assert!(text.contains("the former table name `old-ts`"), "{text}");
    }

    /// `generated` fits the pk's type, a plain `increment`, and types that are never
    /// children; the DDL declares the database's sequence.
    #[test]
    fn shared_binary_sizes_are_checked() {
        let schema = r#"{"$defs": {"T": {"type": "object", "properties": {"id": {"type": "string"}, "data": {"type": "string", "contentEncoding": "base64"}, "name": {"type": "string"}}, "required": ["id"]},
            "N": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}}}"#;
        let mapping = |over: &str| {
            format!(r#"{{"T": {{"x-na:store": {{"shareBinaryOver": {over}}}}}, "N": {{}}}}"#)
        };
        let m = model(schema, &mapping("0")).unwrap();
        let t = m.get("T").unwrap();
        assert_eq!(t.share_binary_over, Some(0));
        let shared: Vec<&str> = t.shared_columns().map(|(_, f)| f.column.as_str()).collect();
        assert_eq!(shared, ["data"]);
        assert_eq!(m.get("N").unwrap().shared_columns().count(), 0);
        for bad in ["-1", "1.5", "\"4k\"", "1073741825"] {
            let text = errors(schema, &mapping(bad));
            assert!(
                text.contains("m.json#/T/x-na:store/shareBinaryOver"),
                "{text}"
            );
            assert!(text.contains("whole number of bytes"), "{bad}: {text}");
        }
        let text = errors(
            schema,
            r#"{"T": {}, "N": {"x-na:store": {"shareBinaryOver": 10}}}"#,
        );
        assert!(
            text.contains("`N` has no binary property to share"),
            "{text}"
        );
    }

    #[test]
    fn ttls_are_read_in_every_unit() {
        for (ttl, millis) in [
            (json!(1500), Some(1500)),
            (json!("500ms"), Some(500)),
            (json!("45s"), Some(45_000)),
            (json!("30m"), Some(1_800_000)),
            (json!("12h"), Some(43_200_000)),
            (json!("7d"), Some(604_800_000)),
            (json!("7 d"), Some(604_800_000)),
            (json!(0), None),
            (json!(-5), None),
            (json!("0s"), None),
            (json!("5 weeks"), None),
            (json!("m"), None),
            (json!(""), None),
            (json!("99999999999999999d"), None),
            (json!(1.5), None),
        ] {
            assert_eq!(parse_duration(&ttl), millis, "{ttl}");
        }
    }

    #[test]
    fn generated_keys_are_checked_and_declared() {
        let schema = r##"{"$defs": {
            "T": {"type": "object", "properties": {"id": {"type": "integer"}, "kids": {"type": "array", "items": {"$ref": "#/$defs/K"}}}, "required": ["id"]},
            "U": {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}}, "required": ["id"]},
            "B": {"type": "object", "properties": {"id": {"type": "integer", "minimum": 1}}, "required": ["id"]},
            "K": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}}}"##;
        let mapping = |t: &str, u: &str, b: &str, k: &str| {
            let block = |g: &str| match g {
                "" => "{}".to_owned(),
                g => format!(r#"{{"x-na:store": {{"generated": {g}}}}}"#),
            };
            format!(
                r#"{{"T": {}, "U": {}, "B": {}, "K": {}}}"#,
                block(t),
                block(u),
                block(b),
                block(k)
            )
        };
        let m = model(schema, &mapping(r#""increment""#, r#""uuid""#, "", "")).unwrap();
        assert_eq!(m.get("T").unwrap().generated, Some(Generated::Increment));
        assert_eq!(m.get("U").unwrap().generated, Some(Generated::Uuid));
        assert_eq!(m.get("K").unwrap().generated, None);
        let t = m.get("T").unwrap();
        for (dialect, column) in [
            (
                crate::Dialect::Sqlite,
                "\"id\" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT",
            ),
            (
                crate::Dialect::Postgres,
                "\"id\" BIGINT NOT NULL GENERATED BY DEFAULT AS IDENTITY",
            ),
            (crate::Dialect::Mysql, "`id` BIGINT NOT NULL AUTO_INCREMENT"),
        ] {
            let ddl = crate::ddl::create_table(t, dialect);
            assert!(ddl.contains(column), "{ddl}");
            // SQLite's key is on its column; the others' at table level.
            assert_eq!(
                ddl.contains("PRIMARY KEY ("),
                dialect != crate::Dialect::Sqlite,
                "{ddl}"
            );
        }
        for (mapping, pointer, words) in [
            (
                mapping(r#""uuid""#, "", "", ""),
                "m.json#/T/x-na:store/generated",
                "a `uuid` pk is a string, but `id` of `T` is integer",
            ),
            (
                mapping("", r#""increment""#, "", ""),
                "m.json#/U/x-na:store/generated",
                "an integer",
            ),
            (
                mapping("", "", r#""increment""#, ""),
                "m.json#/B/x-na:store/generated",
                "has validation keywords",
            ),
            (
                mapping("", "", "", r#""uuid""#),
                "m.json#/K/x-na:store/generated",
                "`K` is an item of `T.kids`",
            ),
            (
                mapping(r#""serial""#, "", "", ""),
                "m.json#/T/x-na:store/generated",
                "`generated` must be",
            ),
            (
                mapping("true", "", "", ""),
                "m.json#/T/x-na:store/generated",
                "`generated` must be",
            ),
        ] {
            let text = errors(schema, &mapping);
            assert!(text.contains(pointer), "{text}");
            assert!(text.contains(words), "{text}");
        }
    }
}
