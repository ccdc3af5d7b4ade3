//! The terminal front end of the REPL: rustyline with completion of keywords, names in scope,
//! field names and units; multi-line input while a brace is open; persistent history. When
//! stdin is not a terminal it reads lines and prints replies plainly.

use std::borrow::Cow;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Editor, Helper};

use super::commands::COMMANDS;
use super::engine::{Engine, Reply, ITEM_KEYWORDS};
use crate::check::schema::KINDS;
use crate::diagnostics::render::Style;

const STEP_KEYWORDS: &[&str] = &[
    "map",
    "quantize",
    "calibrate",
    "train",
    "simulate",
    "export",
    "record",
    "with",
    "for",
    "to",
    "on",
    "input",
    "neurons",
    "layer",
    "output",
];
const UNITS: &[&str] =
    &["A", "pA", "nA", "uA", "mA", "V", "mV", "s", "ms", "us", "ns", "Hz", "kHz", "MHz", "F", "fF", "pF", "%"];

/// Runs the session; returns the exit code.
pub fn run(file: Option<&Path>, style: Style) -> i32 {
    let dir = std::env::current_dir().unwrap_or_default();
    let mut engine = Engine::new(&dir, style);
    if let Some(f) = file {
        match engine.eval_line(&format!(":load {}", f.display())) {
            Reply::Error(e) => eprint!("{e}"),
            Reply::Text(t) => crate::cli::out(&t),
            _ => {}
        }
    }
    if std::io::stdin().is_terminal() {
        interactive(&mut engine)
    } else {
        plain(&mut engine)
    }
}

/// Reads stdin line by line (a pipe or a file), printing replies without decoration.
fn plain(engine: &mut Engine) -> i32 {
    let stdin = std::io::stdin();
    let mut buffer = String::new();
    let mut failed = false;
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        buffer.push_str(&line);
        buffer.push('\n');
        if Engine::is_incomplete(&buffer) {
            continue;
        }
        let input = std::mem::take(&mut buffer);
        match plain_reply(engine, &input, &mut failed) {
            Some(code) => return code,
            None => continue,
        }
    }
    // input that ends inside a block still gets its say: the parser reports what is left open
    if !buffer.trim().is_empty() {
        if let Some(code) = plain_reply(engine, &buffer, &mut failed) {
            return code;
        }
    }
    if failed {
        1
    } else {
        0
    }
}

/// Evaluates one complete input and prints its reply; `Some(exit code)` when the session ends.
fn plain_reply(engine: &mut Engine, input: &str, failed: &mut bool) -> Option<i32> {
    match engine.eval_line(input.trim_end()) {
        Reply::Quit => return Some(if *failed { 1 } else { 0 }),
        Reply::Text(t) => crate::cli::out(&t),
        Reply::Error(e) => {
            *failed = true;
            eprint!("{e}");
        }
        Reply::Silent => {}
    }
    let _ = std::io::stdout().flush();
    None
}

fn interactive(engine: &mut Engine) -> i32 {
    let helper = DynHelper { names: engine.names() };
    let Ok(mut editor) = Editor::<DynHelper, rustyline::history::DefaultHistory>::new() else {
        return plain(engine);
    };
    editor.set_helper(Some(helper));
    let history = history_path();
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    crate::cli::out(&format!("dyn {} — `:help` for commands, `:quit` to leave\n", env!("CARGO_PKG_VERSION")));
    loop {
        match editor.readline("dyn> ") {
            Ok(line) => {
                let _ = editor.add_history_entry(line.as_str());
                match engine.eval_line(&line) {
                    Reply::Quit => break,
                    Reply::Text(t) => crate::cli::out(&t),
                    Reply::Error(e) => eprint!("{e}"),
                    Reply::Silent => {}
                }
                if let Some(h) = editor.helper_mut() {
                    h.names = engine.names();
                }
            }
            Err(ReadlineError::Interrupted) => continue,
            Err(_) => break,
        }
    }
    if let Some(h) = &history {
        if let Some(parent) = h.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = editor.save_history(h);
    }
    0
}

fn history_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
    Some(base.join("dyn").join("history"))
}

/// Completion and multi-line validation for rustyline.
struct DynHelper {
    names: Vec<String>,
}

impl DynHelper {
    fn candidates(&self) -> Vec<String> {
        let mut all: Vec<String> = Vec::new();
        all.extend(ITEM_KEYWORDS.iter().map(|s| s.to_string()));
        all.extend(STEP_KEYWORDS.iter().map(|s| s.to_string()));
        all.extend(self.names.iter().cloned());
        for (schema, _) in KINDS {
            all.push(schema.kind.to_string());
            all.extend(schema.fields.iter().map(|f| f.name.to_string()));
        }
        all.extend(crate::check::builtins::names().map(str::to_string));
        all.extend(COMMANDS.iter().filter_map(|(c, _)| c.split_whitespace().next()).map(str::to_string));
        all.sort();
        all.dedup();
        all
    }
}

impl Completer for DynHelper {
    type Candidate = Pair;

    fn complete(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = line.get(..pos).unwrap_or("");
        let start = before.rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).map_or(0, |i| i + 1);
        let word = before.get(start..).unwrap_or("");
        if word.is_empty() {
            return Ok((pos, Vec::new()));
        }
        // After a number, offer units.
        let after_number = before.get(..start).unwrap_or("").trim_end().ends_with(|c: char| c.is_ascii_digit());
        let pool: Vec<String> =
            if after_number { UNITS.iter().map(|s| s.to_string()).collect() } else { self.candidates() };
        let matches = pool
            .into_iter()
            .filter(|c| c.starts_with(word))
            .map(|c| Pair { display: c.clone(), replacement: c })
            .collect();
        Ok((start, matches))
    }
}

impl Validator for DynHelper {
    fn validate(&self, ctx: &mut ValidationContext<'_>) -> rustyline::Result<ValidationResult> {
        if Engine::is_incomplete(ctx.input()) {
            Ok(ValidationResult::Incomplete)
        } else {
            Ok(ValidationResult::Valid(None))
        }
    }
}

impl Hinter for DynHelper {
    type Hint = String;
}

impl Highlighter for DynHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        Cow::Borrowed(line)
    }
}

impl Helper for DynHelper {}
