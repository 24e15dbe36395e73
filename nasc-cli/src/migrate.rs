//! `nasc check` and `nasc migrate`: the changes between a live database and the schema.

use crate::Failure;
use nasc_runtime::{Error, MappedStore, MigrationPlan, Migrations, Registry, StoreOptions};
use std::path::Path;
use std::process::ExitCode;

/// Lists the pending changes: exit code 0 when there are none, 1 when there are.
pub fn check(registry: &Registry, url: &str, options: &StoreOptions) -> Result<ExitCode, Failure> {
    match MappedStore::pending_changes(url, registry, options)? {
        None => {
            println!("in sync: the database holds the schema");
            Ok(ExitCode::SUCCESS)
        }
        Some(plan) => {
            print_plan(&plan);
            Ok(ExitCode::from(1))
        }
    }
}

/// Writes the pending changes as a diesel migration, applies them, or lists them.
pub fn migrate(
    registry: &Registry,
    url: &str,
    options: &StoreOptions,
    write: Option<&Path>,
    apply: bool,
    allow: Vec<String>,
) -> Result<ExitCode, Failure> {
    let options = StoreOptions {
        migrations: Migrations::All,
        drops: allow,
        max_size: 1,
        ..options.clone()
    };
    if apply {
        return apply_changes(registry, url, options);
    }
    let Some(plan) = MappedStore::pending_changes(url, registry, &options)? else {
        println!("in sync: nothing to migrate");
        return Ok(ExitCode::SUCCESS);
    };
    match write {
        Some(dir) => {
            let written = plan
                .write_diesel_migration(dir, "nasc_schema_change")
                .map_err(|e| Failure(format!("cannot write to {}: {e}", dir.display())))?;
            println!("{}", written.display());
            eprintln!(
                "wrote {} change(s); run them with `diesel migration run --migration-dir {}`",
                plan.changes.len(),
                dir.display()
            );
        }
        None => {
            print_plan(&plan);
            eprintln!("nothing changed: `--apply` applies these, `--write DIR` writes them as a migration");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn apply_changes(
    registry: &Registry,
    url: &str,
    options: StoreOptions,
) -> Result<ExitCode, Failure> {
    let pending = MappedStore::pending_changes(url, registry, &options)?;
    match MappedStore::connect_with(url, registry.clone(), options) {
        Ok(_) => {
            match pending {
                None => println!("in sync: nothing to apply"),
                Some(plan) => {
                    for change in &plan.changes {
                        println!("applied: {}", change.description);
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(Error::Migration { plan, .. }) => {
            print_plan(&plan);
            let drops: Vec<&str> = plan
                .changes
                .iter()
                .flat_map(|c| c.drops.iter().map(String::as_str))
                .collect();
            Err(Failure(format!(
                "nothing applied: these changes drop data; name each to allow it: {}",
                drops
                    .iter()
                    .map(|d| format!("--allow {d}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            )))
        }
        Err(other) => Err(other.into()),
    }
}

/// Each change with its SQL, on standard output.
fn print_plan(plan: &MigrationPlan) {
    for change in &plan.changes {
        let kind = match (change.additive, change.drops.is_empty()) {
            (true, _) => "additive",
            (false, true) => "alters",
            (false, false) => "drops data",
        };
        println!("- {} ({kind})", change.description);
        for statement in &change.up {
            println!("    {statement};");
        }
    }
}
