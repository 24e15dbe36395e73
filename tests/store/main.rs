//! End-to-end tests of the mapped store on SQLite.

mod derived;
mod diesel_tables;
mod dynamic;
mod shapes;
mod shop;
mod support;
mod typed;
