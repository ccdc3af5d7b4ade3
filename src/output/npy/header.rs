//! The `.npy` header, read before any data is touched: magic string, version, and the Python
//! dict literal `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }`. Knowing the shape
//! and element size first lets the reader compare them with the file length, so a garbage header
//! can never make it allocate more than the file holds.

/// `\x93NUMPY`, the first six bytes of every `.npy` file.
pub const MAGIC: &[u8] = b"\x93NUMPY";

/// What the header says about the array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The dtype string, e.g. `<f8`, `|u1`.
    pub descr: String,
    /// Whether the data is stored column-major.
    pub fortran_order: bool,
    /// The array's shape (empty for a 0-d array).
    pub shape: Vec<usize>,
    /// Bytes from the start of the file to the first data byte.
    pub data_offset: usize,
}

/// Parses the header at the start of `bytes`. Errors are sentences for the user.
pub fn parse_header(bytes: &[u8]) -> Result<Header, String> {
    if !bytes.starts_with(MAGIC) {
        return Err("it does not start with the .npy magic string (\\x93NUMPY)".into());
    }
    let (major, minor) = match (bytes.get(6), bytes.get(7)) {
        (Some(&major), Some(&minor)) => (major, minor),
        _ => return Err("it ends inside the header".into()),
    };
    let (len_bytes, text_start) = match major {
        1 => (2, 10),
        2 | 3 => (4, 12),
        _ => return Err(format!("unknown .npy format version {major}.{minor}")),
    };
    let len_field = bytes.get(8..8 + len_bytes).ok_or("it ends inside the header")?;
    let header_len = len_field.iter().rev().fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
    let data_offset = text_start + header_len;
    let text = bytes.get(text_start..data_offset).ok_or("it ends inside the header")?;
    let text = std::str::from_utf8(text).map_err(|_| "its header is not text")?;
    let (descr, fortran_order, shape) = parse_dict(text.trim_end())?;
    Ok(Header { descr, fortran_order, shape, data_offset })
}

/// A value of the small part of Python's literal syntax that headers use.
#[derive(Debug, Clone, PartialEq)]
enum Literal {
    Str(String),
    Bool(bool),
    Int(u64),
    Tuple(Vec<Literal>),
    Other,
}

fn parse_dict(text: &str) -> Result<(String, bool, Vec<usize>), String> {
    let mut parser = Parser { text, pos: 0 };
    let entries = parser.dict()?;
    parser.skip_space();
    if parser.pos != text.len() {
        return Err("its header has text after the dict".into());
    }
    let (mut descr, mut fortran, mut shape) = (None, None, None);
    for (key, value) in entries {
        match (key.as_str(), value) {
            ("descr", Literal::Str(s)) => descr = Some(s),
            ("descr", _) => return Err("it holds a structured dtype, not plain numbers".into()),
            ("fortran_order", Literal::Bool(b)) => fortran = Some(b),
            ("shape", Literal::Tuple(items)) => shape = Some(to_shape(&items)?),
            (other, _) => return Err(format!("its header has an unexpected entry `{other}`")),
        }
    }
    match (descr, fortran, shape) {
        (Some(d), Some(f), Some(s)) => Ok((d, f, s)),
        _ => Err("its header lacks `descr`, `fortran_order` or `shape`".into()),
    }
}

fn to_shape(items: &[Literal]) -> Result<Vec<usize>, String> {
    items
        .iter()
        .map(|item| match item {
            Literal::Int(n) => usize::try_from(*n).map_err(|_| "its shape is too large".into()),
            _ => Err("its shape is not a tuple of whole numbers".into()),
        })
        .collect()
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        self.text.get(self.pos..).unwrap_or_default()
    }

    fn skip_space(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start().len();
    }

    /// Consumes `token` (after spaces) if it comes next.
    fn eat(&mut self, token: &str) -> bool {
        self.skip_space();
        let found = self.rest().starts_with(token);
        if found {
            self.pos += token.len();
        }
        found
    }

    fn dict(&mut self) -> Result<Vec<(String, Literal)>, String> {
        if !self.eat("{") {
            return Err("its header is not a dict".into());
        }
        let mut entries = Vec::new();
        while !self.eat("}") {
            let Literal::Str(key) = self.value()? else {
                return Err("its header has a key that is not a string".into());
            };
            if !self.eat(":") {
                return Err("its header dict is malformed (missing `:`)".into());
            }
            entries.push((key, self.value()?));
            if !self.eat(",") && !self.rest().trim_start().starts_with('}') {
                return Err("its header dict is malformed (missing `,`)".into());
            }
        }
        Ok(entries)
    }

    /// A sequence closed by `close`; nested values are parsed and kept only for tuples.
    fn sequence(&mut self, close: &str) -> Result<Vec<Literal>, String> {
        let mut items = Vec::new();
        while !self.eat(close) {
            items.push(self.value()?);
            if !self.eat(",") && !self.rest().trim_start().starts_with(close) {
                return Err("its header is malformed (missing `,`)".into());
            }
        }
        Ok(items)
    }

    fn value(&mut self) -> Result<Literal, String> {
        self.skip_space();
        if self.eat("(") {
            return Ok(Literal::Tuple(self.sequence(")")?));
        }
        if self.eat("[") {
            self.sequence("]")?;
            return Ok(Literal::Other);
        }
        if self.rest().starts_with('{') {
            self.dict()?;
            return Ok(Literal::Other);
        }
        for (word, literal) in
            [("True", Literal::Bool(true)), ("False", Literal::Bool(false)), ("None", Literal::Other)]
        {
            if self.eat(word) {
                return Ok(literal);
            }
        }
        match self.rest().chars().next() {
            Some(quote @ ('\'' | '"')) => self.string(quote),
            Some(c) if c.is_ascii_digit() => self.integer(),
            _ => Err("its header is not a valid dict literal".into()),
        }
    }

    fn string(&mut self, quote: char) -> Result<Literal, String> {
        let body = self.rest().get(1..).unwrap_or_default();
        let end = body.find(quote).ok_or("its header has an unterminated string")?;
        let s = body.get(..end).unwrap_or_default().to_string();
        self.pos += end + 2;
        Ok(Literal::Str(s))
    }

    fn integer(&mut self) -> Result<Literal, String> {
        let rest = self.rest();
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let n = rest.get(..digits).and_then(|d| d.parse::<u64>().ok()).ok_or("its shape is too large")?;
        self.pos += digits;
        self.eat("L"); // Python 2 wrote long integers as `3L`.
        Ok(Literal::Int(n))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<(String, bool, Vec<usize>), String> {
        parse_dict(text)
    }

    #[test]
    fn reads_numpy_headers() {
        let h = parse("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }").unwrap();
        assert_eq!(h, ("<f8".into(), false, vec![3, 4]));
        let h = parse("{'descr': '|u1', 'fortran_order': True, 'shape': (5,), }").unwrap();
        assert_eq!(h, ("|u1".into(), true, vec![5]));
        let h = parse("{\"descr\":\"<i8\",\"fortran_order\":False,\"shape\":()}").unwrap();
        assert_eq!(h, ("<i8".into(), false, vec![]));
        let h = parse("{'descr': '<i4', 'fortran_order': False, 'shape': (2L, 3L)}").unwrap();
        assert_eq!(h.2, vec![2, 3]);
    }

    #[test]
    fn rejects_malformed_headers() {
        for bad in [
            "",
            "{",
            "{'descr': '<f8'",
            "{'descr': '<f8', 'fortran_order': False}",
            "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,)}",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (-1,)}",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999,)}",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1}",
            "{'descr': '<f8' 'fortran_order': False, 'shape': (1,)}",
            "[1, 2]",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
