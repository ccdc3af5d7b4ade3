//! The interactive session: an engine with no terminal code, and a rustyline front end.

pub mod line_editor;
