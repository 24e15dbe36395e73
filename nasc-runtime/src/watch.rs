//! Reactive queries: a query's result, given again after each committed change that can
//! change it (a change of one of the types it reads), from this process or any other: the
//! changes come through the change log.

use crate::{Error, Follow};

/// The results of a query as the committed changes make them ([`crate::MappedStore::watch`]):
/// an endless iterator whose first item is the current result and each later item a new
/// result, read again after a committed change of one of the watched types (changes that
/// leave the result as it was give no item; changes read together are answered by one
/// read). Nothing committed between two results is missed: the first result is read after
/// the log's position it follows from.
pub struct Watch<'s, R> {
    follow: Follow<'s>,
    types: Vec<String>,
    run: Box<dyn Fn() -> Result<R, Error> + Send + 's>,
    last: Option<R>,
}

impl<'s, R: PartialEq + Clone> Watch<'s, R> {
    /// Watches `run`, which reads `types`, following the log from `follow`'s position.
    pub(crate) fn new(
        follow: Follow<'s>,
        types: Vec<String>,
        run: impl Fn() -> Result<R, Error> + Send + 's,
    ) -> Self {
        Watch {
            follow,
            types,
            run: Box::new(run),
            last: None,
        }
    }

    /// The last result given (`None` before the first).
    pub fn last(&self) -> Option<&R> {
        self.last.as_ref()
    }

    /// The log's position the results are up to.
    pub fn position(&self) -> i64 {
        self.follow.position()
    }

    /// Reads the result; `Some` when it differs from the last one given.
    fn read(&mut self) -> Result<Option<R>, Error> {
        let result = (self.run)()?;
        if self.last.as_ref() == Some(&result) {
            return Ok(None);
        }
        self.last = Some(result.clone());
        Ok(Some(result))
    }
}

impl<R: PartialEq + Clone> Iterator for Watch<'_, R> {
    type Item = Result<R, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.last.is_none() {
            return Some(self.read().map(|r| r.expect("a first result is new")));
        }
        loop {
            let change = match self.follow.next()? {
                Ok(change) => change,
                Err(e) => return Some(Err(e)),
            };
            // The changes read with it are answered by the same read.
            let mut relevant = self.types.contains(&change.ty);
            for change in self.follow.take_ready() {
                relevant |= self.types.contains(&change.ty);
            }
            if relevant {
                match self.read() {
                    Ok(Some(result)) => return Some(Ok(result)),
                    Ok(None) => {}
                    Err(e) => return Some(Err(e)),
                }
            }
        }
    }
}
