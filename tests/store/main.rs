//! End-to-end tests of the mapped store on SQLite.

mod dynamic;
mod support;
mod typed;
