//! Syntax: `.dyn` text -> AST with spans (pest grammar in grammar/dyn.pest).

pub mod ast;
pub mod guard;
pub mod parse;
pub mod phrases;
pub mod span;

pub use parse::{parse_expression, parse_module};
