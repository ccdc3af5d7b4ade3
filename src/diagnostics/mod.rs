//! Diagnostics: every user-facing mistake, with a stable code, labelled spans and a help line.
//!
//! Phases build [`Diag`]s with a small builder and return all they find at once
//! ([`Diagnostics`]); `render` turns them into miette reports (terminal, fixed-width text for
//! tests, or JSON for editors).

pub mod codes;
pub mod render;
pub mod suggest;

pub use codes::Code;

use crate::syntax::span::Span;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A span with a short text; the first label of a diagnostic is its primary label.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub span: Span,
    pub text: String,
}

/// One diagnostic.
#[derive(Debug, Clone, PartialEq)]
pub struct Diag {
    pub code: &'static Code,
    pub severity: Severity,
    pub message: String,
    pub labels: Vec<Label>,
    pub help: Option<String>,
}

impl Diag {
    pub fn error(code: &'static Code, message: impl Into<String>) -> Diag {
        Diag { code, severity: Severity::Error, message: message.into(), labels: Vec::new(), help: None }
    }

    pub fn warning(code: &'static Code, message: impl Into<String>) -> Diag {
        Diag { severity: Severity::Warning, ..Diag::error(code, message) }
    }

    /// Adds a label; the first one added is the primary label.
    pub fn label(mut self, span: Span, text: impl Into<String>) -> Diag {
        self.labels.push(Label { span, text: text.into() });
        self
    }

    /// Adds a label only when a span is known.
    pub fn maybe_label(self, span: Option<Span>, text: impl Into<String>) -> Diag {
        match span {
            Some(span) => self.label(span, text),
            None => self,
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Diag {
        self.help = Some(help.into());
        self
    }

    pub fn primary_span(&self) -> Option<Span> {
        self.labels.first().map(|l| l.span)
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// All diagnostics of a phase, in the order found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diagnostics {
    pub items: Vec<Diag>,
}

impl Diagnostics {
    pub fn new() -> Self {
        Diagnostics::default()
    }

    pub fn push(&mut self, diag: Diag) {
        // An empty message marks an error already reported where it arose.
        if diag.message.is_empty() {
            return;
        }
        // The same mistake reached twice (e.g. through two experiments) is reported once.
        if !self.items.contains(&diag) {
            self.items.push(diag);
        }
    }

    pub fn extend(&mut self, other: Diagnostics) {
        for d in other.items {
            self.push(d);
        }
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diag::is_error)
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diag> {
        self.items.iter().filter(|d| d.is_error())
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Diag> {
        self.items.iter().filter(|d| !d.is_error())
    }

    /// Sorts by source position, so reports read top to bottom.
    pub fn sort(&mut self) {
        self.items.sort_by_key(|d| d.primary_span().map(|s| (s.source, s.start, s.end)));
    }
}

impl From<Diag> for Diagnostics {
    fn from(d: Diag) -> Self {
        Diagnostics { items: vec![d] }
    }
}
