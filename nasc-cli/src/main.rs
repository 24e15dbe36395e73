//! `nasc`: a schema's DDL, checks and migrations of a live database, export and import of
//! its aggregates, and what its large binary values stored once take, from the same schema
//! and mapping files the macros read.

mod migrate;
mod transfer;

use clap::{Parser, Subcommand, ValueEnum};
use nasc_runtime::{Registry, StoreOptions};
use std::path::PathBuf;
use std::process::ExitCode;

/// The `nasc` command.
#[derive(Debug, Parser)]
#[command(
    name = "nasc",
    version,
    about = "Schema-described aggregates in relational databases: DDL, checks, migrations, export and import"
)]
struct Cli {
    /// The JSON Schema file (types under `$defs`).
    #[arg(
        long,
        global = true,
        env = "NASC_SCHEMA",
        default_value = "schemas/app.schema.json"
    )]
    schema: PathBuf,
    /// The mapping file (an `x-na:store` block per stored type).
    #[arg(
        long,
        global = true,
        env = "NASC_MAPPING",
        default_value = "schemas/app.mapping.json"
    )]
    mapping: PathBuf,
    /// The store's namespace in the database (`StoreOptions::namespace`): a PostgreSQL
    /// schema, a table-name prefix on SQLite and MySQL.
    #[arg(long, global = true, env = "NASC_NAMESPACE")]
    namespace: Option<String>,
    #[command(subcommand)]
    command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
enum Command {
    /// Prints the `CREATE TABLE` and `CREATE INDEX` statements of the schema.
    Ddl {
        /// The SQL dialect.
        #[arg(long, value_enum, default_value_t = DialectArg::Sqlite)]
        dialect: DialectArg,
    },
    /// Compares a live database with the schema and lists every change with its SQL: exit
    /// code 0 when they are in sync, 1 when changes are pending. Changes nothing.
    Check {
        /// The database (`sqlite://app.db`, `postgres://...`, `mysql://...`).
        #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
        database_url: String,
    },
    /// Writes the pending changes as a diesel migration directory, or applies them.
    Migrate {
        /// The database.
        #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
        database_url: String,
        /// Writes `<DIR>/<version>_nasc_schema_change/{up,down}.sql` (run by `diesel
        /// migration run`) instead of applying.
        #[arg(long, value_name = "DIR")]
        write: Option<PathBuf>,
        /// Applies the changes now (each destructive one only when `--allow` names what
        /// it drops).
        #[arg(long, conflicts_with = "write")]
        apply: bool,
        /// A table (`table`) or column (`table.column`) a change may drop with its data.
        #[arg(long, value_name = "CHANGE")]
        allow: Vec<String>,
    },
    /// Writes every aggregate as one JSON line (`{"type": ..., "id": ..., "value": ...}`)
    /// on standard output, page by page: memory stays flat however many there are. When
    /// the database keeps a change log, the first line records the snapshot's sequence
    /// (`{"snapshot": {"sequence": ...}}`): the snapshot plus the changes after it (an
    /// export with `--changes-after`) restore the store as it is then.
    Export {
        /// The database.
        #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
        database_url: String,
        /// Only the aggregates of this type (repeat for several).
        #[arg(long = "type", value_name = "TYPE", conflicts_with = "changes_after")]
        types: Vec<String>,
        /// Write the logged changes after this sequence instead (`{"change": ...}` lines).
        #[arg(long, value_name = "SEQUENCE")]
        changes_after: Option<i64>,
    },
    /// Reads the lines `nasc export` writes from standard input (or `--file`) and stores
    /// each aggregate exactly (versions and timestamps kept), validated first.
    Import {
        /// The database.
        #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
        database_url: String,
        /// Read this file instead of standard input.
        #[arg(long)]
        file: Option<PathBuf>,
        /// Leave an aggregate that is stored already as it is (by default it stops the
        /// import).
        #[arg(long)]
        skip_existing: bool,
        /// The name under which this database records how far it applied the exported
        /// changes (a snapshot's sequence, then each change file's last): a change file
        /// imported twice applies nothing the second time.
        #[arg(long, default_value = "nasc-export")]
        feed: String,
    },
    /// Prints what the table of large binary values stored once (the mapping's
    /// `shareBinaryOver`) holds, as one JSON line: values, bytes, references, holders.
    Shared {
        /// The database.
        #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
        database_url: String,
        /// First let go of what aggregates of types that share no more hold (after a
        /// mapping stopped sharing a type and the migration ran).
        #[arg(long)]
        release_unshared: bool,
    },
}

/// A SQL dialect, as the command line names it.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum DialectArg {
    Sqlite,
    Postgres,
    Mysql,
}

impl From<DialectArg> for nasc_model::Dialect {
    fn from(dialect: DialectArg) -> Self {
        match dialect {
            DialectArg::Sqlite => nasc_model::Dialect::Sqlite,
            DialectArg::Postgres => nasc_model::Dialect::Postgres,
            DialectArg::Mysql => nasc_model::Dialect::Mysql,
        }
    }
}

/// A failure the command reports on stderr: exit code 2 (1 is kept for "changes pending").
pub(crate) struct Failure(pub String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(error: E) -> Self {
        Failure(error.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(Failure(message)) => {
            eprintln!("nasc: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, Failure> {
    let registry = Registry::from_files(&cli.schema, &cli.mapping)?;
    let options = StoreOptions {
        namespace: cli.namespace.filter(|n| !n.is_empty()),
        ..StoreOptions::default()
    };
    match cli.command {
        Command::Ddl { dialect } => {
            for statement in registry.ddl(dialect.into()) {
                println!("{statement};");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { database_url } => migrate::check(&registry, &database_url, &options),
        Command::Migrate {
            database_url,
            write,
            apply,
            allow,
        } => migrate::migrate(
            &registry,
            &database_url,
            &options,
            write.as_deref(),
            apply,
            allow,
        ),
        Command::Export {
            database_url,
            types,
            changes_after: None,
        } => transfer::export(registry, &database_url, options, &types),
        Command::Export {
            database_url,
            changes_after: Some(after),
            ..
        } => transfer::export_changes(registry, &database_url, options, after),
        Command::Import {
            database_url,
            file,
            skip_existing,
            feed,
        } => transfer::import(
            registry,
            &database_url,
            options,
            file.as_deref(),
            skip_existing,
            &feed,
        ),
        Command::Shared {
            database_url,
            release_unshared,
        } => shared(registry, &database_url, options, release_unshared),
    }
}

/// `nasc shared`: the shared values' totals, after releasing what types that share no
/// more hold when asked.
fn shared(
    registry: Registry,
    url: &str,
    options: StoreOptions,
    release_unshared: bool,
) -> Result<ExitCode, Failure> {
    let store = nasc_runtime::MappedStore::connect_with(url, registry, options)?;
    let released = match release_unshared {
        true => Some(store.release_unshared()?),
        false => None,
    };
    let totals = store.shared_values()?;
    let mut line = serde_json::json!({
        "values": totals.values,
        "bytes": totals.bytes,
        "references": totals.references,
        "holders": totals.holders,
    });
    if let Some(released) = released {
        line["released_aggregates"] = released.into();
    }
    println!("{line}");
    Ok(ExitCode::SUCCESS)
}
