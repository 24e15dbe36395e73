//! PostgreSQL's `LISTEN`: a libpq connection of its own (the URL as the store's
//! connections take it) that waits on its socket for the notification the change log's
//! appends send when their transaction commits, so that an idle follower reads the log
//! only when there is something to read.

use std::ffi::{CStr, CString};
use std::ptr::NonNull;
use std::time::Duration;

/// The channel of a schema's change log: the same expression on both sides, each in its
/// own session (the same URL, so the same `current_schema()`); at most 63 bytes.
pub(crate) const CHANNEL: &str = "'nasc_' || md5(current_schema())";

/// A connection that listens on the change log's channel.
pub(crate) struct Listener {
    conn: NonNull<pq_sys::PGconn>,
}

// A libpq connection may move between threads as long as one thread uses it at a time,
// which `&mut self` ensures.
unsafe impl Send for Listener {}

impl Listener {
    /// Connects to `url`, runs `session` (a store's namespace: its `search_path`), and
    /// listens on the channel of its schema's change log.
    pub(crate) fn connect(url: &str, session: Option<&str>) -> Result<Listener, String> {
        let url = CString::new(url).map_err(|_| "the URL holds a NUL byte".to_owned())?;
        // SAFETY: `url` is a NUL-terminated string that outlives the call.
        let raw = unsafe { pq_sys::PQconnectdb(url.as_ptr()) };
        let conn = NonNull::new(raw).ok_or("libpq could not make a connection")?;
        // From here on, `Drop` finishes the connection whatever happens.
        let listener = Listener { conn };
        // SAFETY: `conn` is a live connection.
        if unsafe { pq_sys::PQstatus(conn.as_ptr()) } != pq_sys::ConnStatusType::CONNECTION_OK {
            return Err(listener.error());
        }
        if let Some(session) = session {
            listener.value(session)?;
        }
        let channel = listener.value(&format!("SELECT {CHANNEL}"))?;
        if !channel
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(format!("unexpected channel name {channel:?}"));
        }
        listener.value(&format!("LISTEN \"{channel}\""))?;
        Ok(listener)
    }
}

impl crate::change_log::ChangeListener for Listener {
    fn wait(&mut self, timeout: Duration) -> Result<bool, String> {
        Listener::wait(self, timeout)
    }

    fn take_notifications(&mut self) -> Result<bool, String> {
        self.drain()
    }

    fn socket(&self) -> Option<std::os::fd::RawFd> {
        // SAFETY: `conn` is a live connection.
        let fd = unsafe { pq_sys::PQsocket(self.conn.as_ptr()) };
        (fd >= 0).then_some(fd)
    }
}

impl Listener {
    /// Waits up to `timeout` for a notification; whether one came (any that came before
    /// the call included).
    pub(crate) fn wait(&mut self, timeout: Duration) -> Result<bool, String> {
        if self.drain()? {
            return Ok(true);
        }
        // SAFETY: `conn` is a live connection.
        let fd = unsafe { pq_sys::PQsocket(self.conn.as_ptr()) };
        if fd < 0 {
            return Err("the listening connection is closed".into());
        }
        let mut socket = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        let millis = timeout.as_millis().min(i32::MAX as u128) as i32;
        // SAFETY: one valid `pollfd`, for the duration of the call.
        let ready = unsafe { libc::poll(&mut socket, 1, millis) };
        match ready {
            0 => Ok(false),
            n if n > 0 => self.drain(),
            _ => match std::io::Error::last_os_error() {
                e if e.kind() == std::io::ErrorKind::Interrupted => Ok(false),
                e => Err(format!("cannot wait on the listening connection: {e}")),
            },
        }
    }

    /// Reads what the socket holds; whether it held notifications (each freed).
    fn drain(&mut self) -> Result<bool, String> {
        // SAFETY: `conn` is a live connection.
        if unsafe { pq_sys::PQconsumeInput(self.conn.as_ptr()) } == 0 {
            return Err(self.error());
        }
        let mut any = false;
        loop {
            // SAFETY: `conn` is a live connection; each notification is freed once.
            let notification = unsafe { pq_sys::PQnotifies(self.conn.as_ptr()) };
            if notification.is_null() {
                return Ok(any);
            }
            unsafe { pq_sys::PQfreemem(notification.cast()) };
            any = true;
        }
    }

    /// Runs `sql`; the first value of its first row (empty for a command).
    fn value(&self, sql: &str) -> Result<String, String> {
        let sql = CString::new(sql).map_err(|_| "a statement holds a NUL byte".to_owned())?;
        // SAFETY: `conn` is live, `sql` NUL-terminated; the result is cleared below.
        let result = unsafe { pq_sys::PQexec(self.conn.as_ptr(), sql.as_ptr()) };
        if result.is_null() {
            return Err(self.error());
        }
        let outcome = match unsafe { pq_sys::PQresultStatus(result) } {
            pq_sys::ExecStatusType::PGRES_COMMAND_OK => Ok(String::new()),
            pq_sys::ExecStatusType::PGRES_TUPLES_OK if unsafe { pq_sys::PQntuples(result) } > 0 => {
                // SAFETY: row 0, column 0 exist; the value lives until `PQclear`.
                let value = unsafe { CStr::from_ptr(pq_sys::PQgetvalue(result, 0, 0)) };
                Ok(value.to_string_lossy().into_owned())
            }
            _ => Err(self.error()),
        };
        unsafe { pq_sys::PQclear(result) };
        outcome
    }

    /// libpq's last error on this connection (it names hosts and users, never passwords).
    fn error(&self) -> String {
        // SAFETY: libpq returns a NUL-terminated string owned by the connection.
        let message = unsafe { CStr::from_ptr(pq_sys::PQerrorMessage(self.conn.as_ptr())) };
        message.to_string_lossy().trim().to_owned()
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        // SAFETY: the connection is finished once, here.
        unsafe { pq_sys::PQfinish(self.conn.as_ptr()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A listener that cannot connect is an error (the follower then polls) that names no
    /// password; a NUL in the URL is refused before libpq sees it.
    #[test]
    fn a_listener_that_cannot_connect_says_why_without_the_password() {
        let error = Listener::connect(
            "postgres://nasc:s3cret-pw@127.0.0.1:1/none?connect_timeout=2",
            None,
        )
        .err()
        .expect("nothing listens on port 1");
        assert!(!error.is_empty());
        assert!(!error.contains("s3cret-pw"), "{error}");
        let error = Listener::connect("postgres://a\0b@localhost/x", None)
            .err()
            .unwrap();
        assert!(error.contains("NUL"), "{error}");
    }
}
