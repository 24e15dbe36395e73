//! The background task that frees expired aggregates ([`Purger`]).

use crate::MappedStore;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// A thread that calls [`MappedStore::purge_expired`] every interval, until it is
/// dropped (dropping it stops the thread and waits for it). A purge that fails is logged
/// at `warn` and tried again at the next interval.
pub struct Purger {
    stop: Arc<(Mutex<bool>, Condvar)>,
    purged: Arc<AtomicU64>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Purger {
    /// Starts purging `store` every `every`.
    pub fn spawn(store: Arc<MappedStore>, every: Duration) -> Purger {
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let purged = Arc::new(AtomicU64::new(0));
        let thread = {
            let (stop, purged) = (stop.clone(), purged.clone());
            std::thread::Builder::new()
                .name("nasc-purger".into())
                .spawn(move || {
                    let (stopped, wake) = &*stop;
                    let mut stopped = stopped.lock().unwrap_or_else(|p| p.into_inner());
                    loop {
                        let (guard, _) = wake
                            .wait_timeout_while(stopped, every, |stopped| !*stopped)
                            .unwrap_or_else(|p| p.into_inner());
                        stopped = guard;
                        if *stopped {
                            return;
                        }
                        match store.purge_expired() {
                            Ok(n) => {
                                purged.fetch_add(n, Ordering::Relaxed);
                            }
                            Err(error) => {
                                tracing::warn!(target: crate::trace::TARGET, %error, "purging expired aggregates failed: trying again later");
                            }
                        }
                    }
                })
                .expect("a thread can be started")
        };
        Purger {
            stop,
            purged,
            thread: Some(thread),
        }
    }

    /// How many aggregates it has removed so far.
    pub fn purged(&self) -> u64 {
        self.purged.load(Ordering::Relaxed)
    }
}

impl Drop for Purger {
    fn drop(&mut self) {
        let (stopped, wake) = &*self.stop;
        *stopped.lock().unwrap_or_else(|p| p.into_inner()) = true;
        wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
