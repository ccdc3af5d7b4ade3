//! The interactive session: an engine with no terminal code ([`engine`]), its commands
//! ([`commands`]) and a rustyline front end ([`line_editor`]).

pub mod commands;
pub mod engine;
pub mod line_editor;
pub mod redefine;
pub mod session;

pub use engine::{Engine, Reply};
