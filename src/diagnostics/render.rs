//! Turning [`Diag`]s into what people and editors read: miette's graphical report (colour on a
//! terminal, plain unicode at a fixed width in tests) or miette's JSON.

use std::fmt;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, JSONReportHandler, LabeledSpan, NamedSource, SourceCode,
};

use super::{Diag, Diagnostics, Severity};
use crate::syntax::span::{SourceId, SourceMap};

/// How diagnostics are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// miette's graphical handler with colours (a terminal).
    Colour,
    /// Unicode, no colour, fixed width: for snapshots and pipes.
    Plain,
    /// One miette JSON object per line, for editors.
    Json,
}

/// A diagnostic bound to the source text its labels point into.
#[derive(Debug)]
struct Bound {
    message: String,
    code: Option<&'static str>,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<NamedSource<String>>,
    labels: Vec<LabeledSpan>,
    related: Vec<Bound>,
}

impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Bound {}

impl Diagnostic for Bound {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code.map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(self.related.iter().map(|r| r as &dyn Diagnostic)))
        }
    }
}

fn named_source(map: &SourceMap, id: SourceId) -> Option<NamedSource<String>> {
    map.get(id).map(|s| NamedSource::new(s.name.clone(), s.text.to_string()))
}

/// Labels in the primary label's source stay on the report; labels elsewhere (a stdlib preset
/// that sets a limit, an imported file) become related notes with their own source.
fn bind(diag: &Diag, map: &SourceMap) -> Bound {
    if let Some(bound) = bind_long_line(diag, map) {
        return bound;
    }
    let primary_source = diag.labels.first().map(|l| l.span.source);
    let mut labels = Vec::new();
    let mut related = Vec::new();
    for (i, label) in diag.labels.iter().enumerate() {
        let spanned = if i == 0 {
            LabeledSpan::new_primary_with_span(Some(label.text.clone()), label.span.range())
        } else {
            LabeledSpan::new_with_span(Some(label.text.clone()), label.span.range())
        };
        if Some(label.span.source) == primary_source {
            labels.push(spanned);
        } else {
            related.push(Bound {
                message: format!("note: {}", label.text),
                code: None,
                severity: miette::Severity::Advice,
                help: None,
                source: named_source(map, label.span.source),
                labels: vec![spanned],
                related: Vec::new(),
            });
        }
    }
    Bound {
        message: diag.message.clone(),
        code: Some(diag.code.id),
        severity: match diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        },
        help: diag.help.clone(),
        source: primary_source.and_then(|id| named_source(map, id)),
        labels,
        related,
    }
}

/// Lines longer than this are not quoted: the report names the position instead.
const MAX_QUOTED_LINE: usize = 400;

/// A label on a very long line (a generated file, a 1 MB line): quoting it would flood the
/// terminal, so the report gives `file:line:column` and the label's text instead.
fn bind_long_line(diag: &Diag, map: &SourceMap) -> Option<Bound> {
    let label = diag.labels.first()?;
    let source = map.get(label.span.source)?;
    let start = label.span.start as usize;
    let text: &str = &source.text;
    let line_start = text.get(..start.min(text.len()))?.rfind('\n').map_or(0, |i| i + 1);
    let line_end = text.get(start.min(text.len())..)?.find('\n').map_or(text.len(), |i| start + i);
    if line_end.saturating_sub(line_start) <= MAX_QUOTED_LINE {
        return None;
    }
    let (line, col) = source.line_col(start);
    Some(Bound {
        message: format!("{} (at {}:{line}:{col}: {})", diag.message, source.name, label.text),
        code: Some(diag.code.id),
        severity: match diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        },
        help: diag.help.clone(),
        source: None,
        labels: Vec::new(),
        related: Vec::new(),
    })
}

/// Quoted text (`...`) longer than this is cut: a report never repeats a megabyte of input.
const MAX_QUOTE: usize = 80;

/// Shortens every backquoted part of a message that is longer than [`MAX_QUOTE`] characters.
fn shorten_quotes(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(4096));
    for (i, part) in text.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        if i % 2 == 1 && part.chars().count() > MAX_QUOTE {
            out.extend(part.chars().take(MAX_QUOTE / 2));
            out.push('…');
        } else {
            out.push_str(part);
        }
    }
    out
}

/// The diagnostic with long quotations cut (messages, labels and help).
fn shortened(diag: &Diag) -> Diag {
    let mut d = diag.clone();
    d.message = shorten_quotes(&d.message);
    d.help = d.help.as_deref().map(shorten_quotes);
    for label in &mut d.labels {
        label.text = shorten_quotes(&label.text);
    }
    d
}

/// Renders one diagnostic.
pub fn render(diag: &Diag, map: &SourceMap, style: Style) -> String {
    let diag = &shortened(diag);
    let bound = bind(diag, map);
    let mut out = String::new();
    let result = match style {
        Style::Json => JSONReportHandler::new().render_report(&mut out, &bound),
        Style::Plain => GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
            .with_width(100)
            .with_links(false)
            .render_report(&mut out, &bound),
        Style::Colour => GraphicalReportHandler::new_themed(GraphicalTheme::unicode())
            .with_width(120)
            .render_report(&mut out, &bound),
    };
    if result.is_err() {
        // Rendering only fails on a formatter error; fall back to the bare message.
        out = format!("{}: {}\n", diag.code.id, diag.message);
    }
    out
}

/// Renders all diagnostics, errors and warnings in source order, with a closing count line.
pub fn render_all(diags: &Diagnostics, map: &SourceMap, style: Style) -> String {
    let mut out = String::new();
    for diag in &diags.items {
        out.push_str(&render(diag, map, style));
        if style == Style::Json {
            out.push('\n');
        }
    }
    if style != Style::Json {
        let errors = diags.errors().count();
        let warnings = diags.warnings().count();
        if errors > 0 {
            out.push_str(&format!("{}\n", count_line(errors, warnings)));
        }
    }
    out
}

fn count_line(errors: usize, warnings: usize) -> String {
    let plural = |n: usize, w: &str| if n == 1 { format!("{n} {w}") } else { format!("{n} {w}s") };
    if warnings == 0 {
        format!("error: could not proceed: {}", plural(errors, "error"))
    } else {
        format!("error: could not proceed: {} and {}", plural(errors, "error"), plural(warnings, "warning"))
    }
}
