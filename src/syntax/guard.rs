//! Checks that run on raw text before pest sees it, so no input can exhaust the parser's stack.

use super::parse::MAX_DEPTH;
use super::span::{SourceId, Span};
use crate::diagnostics::{codes, Diag};

/// Rejects bracket nesting deeper than [`MAX_DEPTH`] (strings and comments are skipped).
pub fn check_nesting(source: SourceId, text: &str) -> Option<Diag> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut opened_at = Vec::new();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => i = skip_string(bytes, i),
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while bytes.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if opened_at.len() < MAX_DEPTH + 1 {
                    opened_at.push(i);
                }
                if depth > MAX_DEPTH {
                    let first = opened_at.first().copied().unwrap_or(i);
                    return Some(
                        Diag::error(&codes::SYNTAX_TOO_DEEP, format!("brackets are nested more than {MAX_DEPTH} deep"))
                            .label(Span::new(source, i, i + 1), format!("level {} opens here", MAX_DEPTH + 1))
                            .label(Span::new(source, first, first + 1), "the outermost bracket")
                            .help("no dyn construct needs this much nesting; use `let` to name inner values"),
                    );
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

fn skip_string(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' | b'\n' => return i,
            _ => i += 1,
        }
    }
    i
}

/// Decodes a file's bytes, pointing at the first invalid byte when they are not UTF-8.
/// Returns the text (lossy where invalid, so the diagnostic can show context) and the error.
pub fn decode(source_bytes: &[u8]) -> Result<String, (String, usize, usize)> {
    match std::str::from_utf8(source_bytes) {
        Ok(text) => Ok(text.to_string()),
        Err(e) => {
            let valid = e.valid_up_to();
            let bad_len = e.error_len().unwrap_or(1);
            // Replace the bad bytes with U+FFFD; the span covers that replacement character.
            let lossy = String::from_utf8_lossy(source_bytes).into_owned();
            Err((lossy, valid, valid + '\u{FFFD}'.len_utf8().min(bad_len.max(3))))
        }
    }
}

/// The diagnostic for invalid UTF-8 at byte `start` (in the lossy text).
pub fn invalid_utf8(source: SourceId, start: usize, end: usize) -> Diag {
    Diag::error(&codes::SYNTAX_INVALID_UTF8, "the file is not valid UTF-8")
        .label(Span::new(source, start, end), "this byte sequence is not UTF-8")
        .help("save the file as UTF-8; dyn source is text")
}
