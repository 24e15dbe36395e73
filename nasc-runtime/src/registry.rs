//! The registry: the validated model of every mapped type, shared by stores.

use crate::Error;
use nasc_model::{ddl, Dialect, EntityType, Model, Source};
use std::path::Path;
use std::sync::Arc;

/// Every mapped type of one schema + mapping pair. Cheap to clone.
///
/// `schema!` generates a `registry()` function returning one; [`Registry::from_files`]
/// builds one at run time.
#[derive(Debug, Clone)]
pub struct Registry {
    model: Arc<Model>,
}

impl Registry {
    /// Builds the registry from the two JSON documents; `schema_name` and `mapping_name`
    /// are the names errors report them under.
    pub fn from_json_str(
        schema_name: &str,
        schema: &str,
        mapping_name: &str,
        mapping: &str,
    ) -> Result<Self, Error> {
        let model = nasc_model::build::build(
            &Source::new(schema_name, schema),
            &Source::new(mapping_name, mapping),
        )?;
        Ok(Registry {
            model: Arc::new(model),
        })
    }

    /// Reads and builds the registry from the two files.
    pub fn from_files(schema: impl AsRef<Path>, mapping: impl AsRef<Path>) -> Result<Self, Error> {
        let (schema, mapping) = (schema.as_ref(), mapping.as_ref());
        let model = nasc_model::build::build_files(
            (schema, &schema.display().to_string()),
            (mapping, &mapping.display().to_string()),
        )?;
        Ok(Registry {
            model: Arc::new(model),
        })
    }

    /// Installs the checks `schema!` compiled, as `(type, property, check)`: each replaces
    /// the interpretation of that property's shape (or that array's keywords). Used by
    /// generated code.
    #[doc(hidden)]
    pub fn with_compiled_checks(
        mut self,
        checks: &[(&str, &str, nasc_model::check::Check)],
    ) -> Self {
        let model = Arc::make_mut(&mut self.model);
        for &(ty, property, check) in checks {
            let Some(entity) = model.types.iter_mut().find(|t| t.name == ty) else {
                continue;
            };
            if let Some(field) = entity.fields.iter_mut().find(|f| f.property == property) {
                field.check = Some(nasc_model::check::Compiled(check));
            } else if let Some(relation) =
                entity.relations.iter_mut().find(|r| r.property == property)
            {
                relation.check = Some(nasc_model::check::Compiled(check));
            }
        }
        self
    }

    /// The registry with `prefix` before every table name (a namespace; see
    /// [`Model::with_table_prefix`]).
    pub(crate) fn with_table_prefix(&self, prefix: &str) -> Result<Registry, String> {
        let model = Model::clone(&self.model).with_table_prefix(prefix)?;
        Ok(Registry {
            model: Arc::new(model),
        })
    }

    /// The model behind the registry.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The mapped type `ty`, or [`Error::UnknownType`].
    pub fn entity(&self, ty: &str) -> Result<&EntityType, Error> {
        self.model.get(ty).ok_or_else(|| Error::UnknownType {
            ty: ty.to_owned(),
            known: self.type_names(),
        })
    }

    /// The type named `ty`, which the store API saves, loads and deletes as a top-level
    /// aggregate: a positional type (only ever a child) is refused.
    pub fn aggregate(&self, ty: &str) -> Result<&EntityType, Error> {
        let entity = self.entity(ty)?;
        if !entity.is_aggregate() {
            return Err(Error::NotAnAggregate { ty: ty.to_owned() });
        }
        Ok(entity)
    }

    /// The `CREATE TABLE` / `CREATE INDEX` statements for `dialect`, parents first, each
    /// idempotent, ready to put in a migration.
    pub fn ddl(&self, dialect: Dialect) -> Vec<String> {
        ddl::create_statements(&self.model, dialect)
    }

    fn type_names(&self) -> String {
        let names: Vec<String> = self
            .model
            .types
            .iter()
            .map(|t| format!("`{}`", t.name))
            .collect();
        if names.is_empty() {
            "no types".into()
        } else {
            names.join(", ")
        }
    }
}
