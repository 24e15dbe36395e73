//! Scratch databases for an application's tests (feature `testing`): each test gets a
//! database of its own on the server (or a SQLite file of its own), dropped when the test
//! ends, so that `cargo test` runs them in parallel.

use crate::Error;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A database of its own for one test, dropped with this value.
///
/// ```no_run
/// # use nasc_runtime::{testing::ScratchDatabase, MappedStore, testing};
/// let scratch = ScratchDatabase::new("postgres://postgres@127.0.0.1:5432/test")?;
/// let store = MappedStore::connect(scratch.url(), testing::registry())?;
/// # Ok::<(), nasc_runtime::Error>(())
/// ```
#[derive(Debug)]
pub struct ScratchDatabase {
    url: String,
    name: String,
    /// What drops it: the server's URL and the statement, or the SQLite file.
    drop: Dropping,
}

#[derive(Debug)]
enum Dropping {
    Statement { server: String, statement: String },
    File(std::path::PathBuf),
}

static MADE: AtomicUsize = AtomicUsize::new(0);

impl ScratchDatabase {
    /// A new, empty database beside `server_url`: on PostgreSQL a schema of its own, which
    /// the URL selects (`options=-csearch_path=...`); on MySQL a database of its own
    /// (`utf8mb4`, binary collation); for a SQLite URL or path, a new file in the temporary
    /// directory.
    pub fn new(server_url: &str) -> Result<ScratchDatabase, Error> {
        Self::make(server_url, false)
    }

    /// [`Self::new`], but on PostgreSQL a whole database of its own (`CREATE DATABASE`,
    /// slower than a schema) rather than a schema: what a test of stores with
    /// [`namespace`](crate::StoreOptions::namespace)s needs, as each namespace is a schema
    /// of the database, which a scratch schema could not hold.
    pub fn new_database(server_url: &str) -> Result<ScratchDatabase, Error> {
        Self::make(server_url, true)
    }

    fn make(server_url: &str, whole: bool) -> Result<ScratchDatabase, Error> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "nasc_scratch_{}_{}_{nanos}",
            std::process::id(),
            MADE.fetch_add(1, Ordering::Relaxed)
        );
        let scheme = server_url
            .split_once("://")
            .map(|(scheme, _)| scheme.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("postgres" | "postgresql") if whole => {
                let url = with_database(server_url, &name);
                execute(server_url, &format!("CREATE DATABASE \"{name}\""))?;
                Ok(ScratchDatabase {
                    url,
                    drop: Dropping::Statement {
                        server: server_url.to_owned(),
                        statement: format!("DROP DATABASE \"{name}\" WITH (FORCE)"),
                    },
                    name,
                })
            }
            Some("postgres" | "postgresql") => {
                execute(server_url, &format!("CREATE SCHEMA \"{name}\""))?;
                let separator = if server_url.contains('?') { '&' } else { '?' };
                Ok(ScratchDatabase {
                    url: format!("{server_url}{separator}options=-csearch_path%3D{name}"),
                    drop: Dropping::Statement {
                        server: server_url.to_owned(),
                        statement: format!("DROP SCHEMA \"{name}\" CASCADE"),
                    },
                    name,
                })
            }
            Some("mysql" | "mariadb") => {
                let (base, _) = server_url.rsplit_once('/').ok_or_else(|| Error::Open {
                    target: crate::secrets::redact(server_url),
                    message: "a MySQL URL names a database: mysql://user@host:3306/db".into(),
                })?;
                execute(
                    server_url,
                    &format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"),
                )?;
                Ok(ScratchDatabase {
                    url: format!("{base}/{name}"),
                    drop: Dropping::Statement {
                        server: server_url.to_owned(),
                        statement: format!("DROP DATABASE `{name}`"),
                    },
                    name,
                })
            }
            _ => {
                let path = std::env::temp_dir().join(format!("{name}.db"));
                Ok(ScratchDatabase {
                    url: path.display().to_string(),
                    drop: Dropping::File(path),
                    name,
                })
            }
        }
    }

    /// The URL a store connects to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The schema's, database's or file's name (`nasc_scratch_...`).
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        match &self.drop {
            Dropping::Statement { server, statement } => {
                if let Err(e) = execute(server, statement) {
                    eprintln!(
                        "nasc: cannot drop the scratch database `{}`: {e}",
                        self.name
                    );
                }
            }
            Dropping::File(path) => {
                for suffix in ["", "-wal", "-shm", "-journal"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
        }
    }
}

/// `url` naming the database `name` instead of its own (the path after the host).
fn with_database(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    match path.split_once('?') {
        Some((_, query)) => format!("{scheme}://{authority}/{name}?{query}"),
        None => format!("{scheme}://{authority}/{name}"),
    }
}

/// Runs `statement` on a connection of its own to `url`.
fn execute(url: &str, statement: &str) -> Result<(), Error> {
    let failed = |message: String| Error::Open {
        target: crate::secrets::redact(url),
        message: crate::secrets::scrub(&message, url),
    };
    #[cfg(feature = "postgres")]
    if url.starts_with("postgres") {
        return run::<diesel::PgConnection>(url, statement).map_err(failed);
    }
    #[cfg(feature = "mysql")]
    if url.starts_with("mysql") || url.starts_with("mariadb") {
        return run::<diesel::MysqlConnection>(url, statement).map_err(failed);
    }
    let _ = statement;
    Err(failed(
        "this build has no backend for the URL (cargo features `postgres`, `mysql`)".into(),
    ))
}

#[allow(dead_code)] // (Unused in a build without server backends.)
fn run<C: diesel::Connection>(url: &str, statement: &str) -> Result<(), String> {
    let mut conn = C::establish(url).map_err(|e| e.to_string())?;
    diesel::connection::SimpleConnection::batch_execute(&mut conn, statement)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_whole_scratch_database_is_named_in_the_url_path() {
        let url = |u: &str| super::with_database(u, "s");
        assert_eq!(url("postgres://u:p@h:5432/test"), "postgres://u:p@h:5432/s");
        assert_eq!(
            url("postgres://h/test?sslmode=disable"),
            "postgres://h/s?sslmode=disable"
        );
        assert_eq!(url("postgresql://h"), "postgresql://h/s");
        assert_eq!(url("postgres://h/?x=1"), "postgres://h/s?x=1");
        assert_eq!(url("postgres:///db"), "postgres:///s");
    }
}
