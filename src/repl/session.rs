//! The session's items: one text for the checker (named `<repl>`), made of pieces that remember
//! whether they came from a `:load`ed file. A diagnostic about an item from the file then names the
//! file and points into its text instead of into `<repl>`.

use std::path::PathBuf;
use std::sync::Arc;

use crate::diagnostics::Diagnostics;
use crate::syntax::parse_module;
use crate::syntax::span::{Origin, SourceId, SourceMap, Span};

/// The source a session's text is checked as: the loader's main input always comes first.
pub const SESSION_SOURCE: SourceId = SourceId(0);

/// Accepted items, in order; pieces are joined by a newline.
#[derive(Debug, Clone, Default)]
pub struct Session {
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone)]
struct Piece {
    text: String,
    file: Option<FilePart>,
}

/// Where a piece sits in a loaded file.
#[derive(Debug, Clone)]
struct FilePart {
    /// The file's name as `dyn check` shows it.
    name: String,
    path: PathBuf,
    text: Arc<str>,
    /// Byte offset of the piece in the file's text.
    offset: usize,
}

impl Session {
    /// A session holding a loaded file's whole text.
    pub fn loaded(name: String, path: PathBuf, text: Arc<str>) -> Session {
        let file = FilePart { name, path, text: text.clone(), offset: 0 };
        Session { pieces: vec![Piece { text: text.to_string(), file: Some(file) }] }
    }

    /// The text the checker sees.
    pub fn text(&self) -> String {
        self.pieces.iter().map(|p| p.text.as_str()).collect::<Vec<_>>().join("\n")
    }

    pub fn is_empty(&self) -> bool {
        self.pieces.iter().all(|p| p.text.is_empty())
    }

    /// This session followed by code typed at the prompt.
    pub fn with(&self, code: &str) -> Session {
        let mut pieces: Vec<Piece> = self.pieces.iter().filter(|p| !p.text.is_empty()).cloned().collect();
        pieces.push(Piece { text: code.to_string(), file: None });
        Session { pieces }
    }

    /// The session without the items `code` defines again (unchanged if none is, or if either
    /// fails to parse). Each kept item becomes its own piece, keeping its place in its file.
    pub fn without_redefined(&self, code: &str) -> Session {
        let text = self.text();
        let names = |module: &crate::syntax::ast::Module| -> Vec<String> {
            module.items.iter().filter_map(|i| i.name().map(|n| n.node.clone())).collect()
        };
        let (Ok(new), Ok(old)) = (parse_module(SESSION_SOURCE, code), parse_module(SESSION_SOURCE, &text)) else {
            return self.clone();
        };
        let redefined = names(&new);
        if !names(&old).iter().any(|n| redefined.contains(n)) {
            return self.clone();
        }
        let pieces = old
            .items
            .iter()
            .filter(|i| i.name().is_none_or(|n| !redefined.contains(&n.node)))
            .filter_map(|i| {
                let range = i.span().range();
                let text = text.get(range.clone())?.to_string();
                let file = self.piece_at(range.start, range.end).and_then(|(start, piece)| {
                    let part = piece.file.as_ref()?;
                    Some(FilePart { offset: part.offset + (range.start - start), ..part.clone() })
                });
                Some(Piece { text, file })
            })
            .collect();
        Session { pieces }
    }

    /// The piece holding the byte range `start..end` of [`Session::text`], with its start.
    fn piece_at(&self, start: usize, end: usize) -> Option<(usize, &Piece)> {
        let mut at = 0;
        for piece in &self.pieces {
            let piece_end = at + piece.text.len();
            if start >= at && end <= piece_end {
                return Some((at, piece));
            }
            at = piece_end + 1;
        }
        None
    }

    /// `diags` (found in a check of this session's text as [`SESSION_SOURCE`] of `sources`) with
    /// every label on a loaded file's item moved into that file's own text, and the sources to
    /// render them with.
    pub fn relocate(&self, diags: &Diagnostics, sources: &SourceMap) -> (SourceMap, Diagnostics) {
        let mut sources = sources.clone();
        let mut diags = diags.clone();
        let mut added: Vec<(PathBuf, SourceId)> = Vec::new();
        for label in diags.items.iter_mut().flat_map(|d| d.labels.iter_mut()) {
            if label.span.source != SESSION_SOURCE {
                continue;
            }
            let range = label.span.range();
            let Some((start, piece)) = self.piece_at(range.start, range.end) else { continue };
            let Some(part) = &piece.file else { continue };
            let id = match added.iter().find(|(path, _)| path == &part.path) {
                Some((_, id)) => *id,
                None => {
                    let id = sources.add(part.name.clone(), part.text.clone(), Origin::File(part.path.clone()));
                    added.push((part.path.clone(), id));
                    id
                }
            };
            let moved = part.offset + (range.start - start);
            label.span = Span::new(id, moved, moved + label.span.len());
        }
        (sources, diags)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::diagnostics::{codes, Diag};

    #[test]
    fn labels_on_a_loaded_item_point_into_the_file() {
        let file: Arc<str> = Arc::from("// header\nlet a = 1\nlet b = 2\n");
        let session = Session::loaded("f.dyn".into(), PathBuf::from("f.dyn"), file.clone());
        // `let a` is redefined: the kept `let b` is its own piece, still at its place in the file
        let candidate = session.without_redefined("let a = 3").with("let a = 3");
        assert_eq!(candidate.text(), "let b = 2\nlet a = 3");
        let mut sources = SourceMap::new();
        sources.add("<repl>", candidate.text(), Origin::Text("<repl>".into()));
        let mut diags = Diagnostics::new();
        diags.push(Diag::error(&codes::NAMES_DUPLICATE, "x").label(Span::new(SESSION_SOURCE, 4, 5), "b"));
        diags.push(Diag::error(&codes::NAMES_DUPLICATE, "y").label(Span::new(SESSION_SOURCE, 14, 15), "a"));
        let (sources, diags) = candidate.relocate(&diags, &sources);
        let b = diags.items[0].labels[0].span;
        assert_eq!(sources.get(b.source).unwrap().name, "f.dyn");
        assert_eq!(sources.snippet(b), "b");
        assert_eq!(b.start, 24);
        let a = diags.items[1].labels[0].span;
        assert_eq!((a.source, sources.snippet(a)), (SESSION_SOURCE, "a"));
    }
}
