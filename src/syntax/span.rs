//! Source text and byte spans: every AST node, model value and diagnostic points back here.

use std::sync::Arc;

/// Index of a source in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct SourceId(pub u32);

/// A byte range `start..end` inside one source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Span {
    pub source: SourceId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(source: SourceId, start: usize, end: usize) -> Span {
        Span { source, start: u32::try_from(start).unwrap_or(u32::MAX), end: u32::try_from(end).unwrap_or(u32::MAX) }
    }

    /// The smallest span covering both (same source assumed; `self` wins otherwise).
    pub fn to(self, other: Span) -> Span {
        if self.source != other.source {
            return self;
        }
        Span { source: self.source, start: self.start.min(other.start), end: self.end.max(other.end) }
    }

    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A value with the span it was written at.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    pub node: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(node: T, span: Span) -> Self {
        Spanned { node, span }
    }
}

/// Where a source came from: a user's file, the embedded standard library, or the REPL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    File(std::path::PathBuf),
    Stdlib(String),
    Repl(usize),
    Text(String),
}

/// One source text with its display name.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub text: Arc<str>,
    pub origin: Origin,
}

impl Source {
    /// 1-based line and column of a byte offset (columns count characters).
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let upto = self.text.get(..offset.min(self.text.len())).unwrap_or("");
        let line = upto.matches('\n').count() + 1;
        let col = upto.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
        (line, col)
    }
}

/// All sources of one check: the user's files, imported files and stdlib modules.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    sources: Vec<Source>,
}

impl SourceMap {
    pub fn new() -> Self {
        SourceMap::default()
    }

    pub fn add(&mut self, name: impl Into<String>, text: impl Into<Arc<str>>, origin: Origin) -> SourceId {
        let id = SourceId(u32::try_from(self.sources.len()).unwrap_or(u32::MAX));
        self.sources.push(Source { name: name.into(), text: text.into(), origin });
        id
    }

    pub fn get(&self, id: SourceId) -> Option<&Source> {
        self.sources.get(id.0 as usize)
    }

    /// The text a span covers, or "" if the span is stale.
    pub fn snippet(&self, span: Span) -> &str {
        self.get(span.source).and_then(|s| s.text.get(span.range())).unwrap_or("")
    }

    pub fn find(&self, origin: &Origin) -> Option<SourceId> {
        self.sources.iter().position(|s| &s.origin == origin).and_then(|i| u32::try_from(i).ok()).map(SourceId)
    }

    pub fn len(&self) -> usize {
        self.sources.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }
}

/// The length of `text` without the whitespace and comments pest's implicit skipping leaves at
/// the end of a rule that ends in an unmatched `x?` or `x*` (`map net` is followed by `block?`,
/// so its pair runs up to the next token). Labels then underline the tokens, not the newline.
pub fn trimmed_len(text: &str) -> usize {
    let is_space = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n' | '\u{FEFF}');
    let trimmed = text.trim_end_matches(is_space);
    let last_line = trimmed.rfind('\n').and_then(|i| trimmed.get(i..)).unwrap_or(trimmed);
    if !last_line.contains("//") && !trimmed.ends_with("*/") {
        return trimmed.len();
    }
    // A comment may end the text: scan from the start, skipping strings, to find the last token.
    let bytes = trimmed.as_bytes();
    let (mut i, mut end) = (0, 0);
    while let Some(&b) = bytes.get(i) {
        match (b, bytes.get(i + 1)) {
            (b'/', Some(b'/')) => i = find_from(bytes, i, b"\n").unwrap_or(bytes.len()),
            (b'/', Some(b'*')) => i = find_from(bytes, i + 2, b"*/").map_or(bytes.len(), |j| j + 2),
            (b'"', _) => {
                i += 1;
                while let Some(&c) = bytes.get(i) {
                    i += if c == b'\\' { 2 } else { 1 };
                    if c == b'"' || c == b'\n' {
                        break;
                    }
                }
                end = i.min(bytes.len());
            }
            (b' ' | b'\t' | b'\r' | b'\n', _) => i += 1,
            _ => {
                i += 1;
                end = i;
            }
        }
    }
    // A token's last character may take several bytes: never end inside it.
    while end > 0 && !trimmed.is_char_boundary(end) {
        end += 1;
    }
    end.min(trimmed.len())
}

fn find_from(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::trimmed_len;

    #[test]
    fn trailing_whitespace_and_comments_are_trimmed() {
        assert_eq!(trimmed_len("map net\n    "), 7);
        assert_eq!(trimmed_len("x = 1 // one\n  "), 5);
        assert_eq!(trimmed_len("x = 1 /* a\n b */ \n"), 5);
        assert_eq!(trimmed_len("load(\"a//b.npy\")\n"), 16);
        assert_eq!(trimmed_len("\"a//b\" // c"), 6);
        assert_eq!(trimmed_len("5 µA // µ"), 5);
        assert_eq!(trimmed_len("}"), 1);
    }
}
