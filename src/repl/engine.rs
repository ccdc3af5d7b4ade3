//! The REPL engine: items persist between inputs, bare expressions print their value with its
//! unit, commands inspect the session. No terminal code lives here, so transcripts are tested
//! directly.

use std::path::{Path, PathBuf};

use super::commands::{self, Command};
use super::session::Session;
use crate::check::eval::eval;
use crate::check::hardware::Geometry;
use crate::check::program::{load, Input, ModuleId};
use crate::check::resolve::Resolver;
use crate::check::units::{format_number, Dim};
use crate::check::value::Value;
use crate::diagnostics::render::{render_all, Style};
use crate::diagnostics::Diagnostics;
use crate::model::{Checked, DeviceKind};
use crate::syntax::parse_expression;
use crate::syntax::span::{Origin, SourceMap};

/// What the engine answers to one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// Text to print (a value, a listing).
    Text(String),
    /// Diagnostics, rendered.
    Error(String),
    /// Nothing to print.
    Silent,
    /// The user asked to leave.
    Quit,
}

/// Words that start an item.
pub const ITEM_KEYWORDS: &[&str] =
    &["use", "let", "device", "preset", "network", "quantization", "calibration", "experiment"];

/// An interactive session's state.
pub struct Engine {
    /// Every accepted item, with where it came from.
    items: Session,
    dir: PathBuf,
    style: Style,
    inputs: usize,
    last: Option<Checked>,
}

impl Engine {
    /// A session whose relative paths start in `dir`.
    pub fn new(dir: &Path, style: Style) -> Engine {
        Engine { items: Session::default(), dir: dir.to_path_buf(), style, inputs: 0, last: None }
    }

    /// Whether `input` still has an open brace, bracket or parenthesis (read another line).
    pub fn is_incomplete(input: &str) -> bool {
        let mut depth = 0i64;
        let mut in_string = false;
        let mut chars = input.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '"' => in_string = !in_string,
                '\\' if in_string => {
                    chars.next();
                }
                '/' if !in_string && chars.peek() == Some(&'/') => {
                    while chars.peek().is_some_and(|c| *c != '\n') {
                        chars.next();
                    }
                }
                '{' | '[' | '(' if !in_string => depth += 1,
                '}' | ']' | ')' if !in_string => depth -= 1,
                _ => {}
            }
        }
        depth > 0
    }

    /// Handles one complete input.
    pub fn eval_line(&mut self, input: &str) -> Reply {
        self.inputs += 1;
        match commands::parse(input) {
            Command::Quit => Reply::Quit,
            Command::Help => Reply::Text(help()),
            Command::Reset => {
                self.items = Session::default();
                self.last = None;
                Reply::Text("session cleared\n".to_string())
            }
            Command::Check => self.check_session(),
            Command::Type(e) => self.expression(&e, describe_type),
            Command::Units(e) => self.expression(&e, si_units),
            Command::Show(name) => self.show(&name),
            Command::Load(file) => self.load_file(&file),
            Command::Limits(device) => self.limits(&device),
            Command::Run(name) => self.run(&name),
            Command::Unknown(name) => Reply::Error(format!("unknown command `:{name}`; `:help` lists the commands\n")),
            Command::Code(code) if code.trim().is_empty() => Reply::Silent,
            Command::Code(code) => {
                let first = code.split_whitespace().next().unwrap_or("");
                if ITEM_KEYWORDS.contains(&first) {
                    self.define(&code)
                } else {
                    self.expression(&code, |v| v.display())
                }
            }
        }
    }

    /// Adds items to the session if the whole session still checks. An item with the name of an
    /// earlier one of its kind replaces it (`let tau = 20 ms` after `let tau = 10 ms`), as in other
    /// REPLs; a name held by another kind of item is refused (see [`super::redefine`]).
    fn define(&mut self, code: &str) -> Reply {
        if let Some((sources, diags)) = super::redefine::kind_clashes(&self.items.text(), code, self.inputs) {
            return Reply::Error(self.render(&self.items, &diags, &sources));
        }
        let candidate = self.items.without_redefined(code).with(code);
        let (sources, result) = crate::check_text("<repl>", &candidate.text(), &self.dir);
        match result {
            Ok(checked) => {
                // only what this item adds: the session's earlier warnings were shown when they came
                let earlier = self.last.as_ref().map(|last| &last.warnings);
                let new = Diagnostics {
                    items: checked
                        .warnings
                        .items
                        .iter()
                        .filter(|w| !earlier.is_some_and(|e| e.items.iter().any(|old| same_warning(old, w))))
                        .cloned()
                        .collect(),
                };
                let warnings = self.render(&candidate, &new, &sources);
                self.items = candidate;
                self.last = Some(checked);
                if warnings.is_empty() {
                    Reply::Silent
                } else {
                    Reply::Text(warnings)
                }
            }
            Err(diags) => Reply::Error(self.render(&candidate, &diags, &sources)),
        }
    }

    /// Renders diagnostics found in `session`'s text, those on a loaded file's items shown in
    /// that file.
    fn render(&self, session: &Session, diags: &Diagnostics, sources: &SourceMap) -> String {
        let (sources, diags) = session.relocate(diags, sources);
        render_all(&diags, &sources, self.style)
    }

    /// Evaluates an expression in the session's scope and formats its value.
    fn expression(&mut self, code: &str, format: impl Fn(&Value) -> String) -> Reply {
        if code.trim().is_empty() {
            return Reply::Error("this command needs an expression\n".to_string());
        }
        let (mut program, diags) = load(Input::Text { name: "<repl>", text: &self.items.text(), dir: &self.dir });
        if diags.has_errors() {
            return Reply::Error(self.render(&self.items, &diags, &program.sources));
        }
        let name = format!("<input {}>", self.inputs);
        let source = program.sources.add(name, code, Origin::Repl(self.inputs));
        let expr = match parse_expression(source, code) {
            Ok(e) => e,
            Err(d) => return Reply::Error(self.render(&self.items, &d, &program.sources)),
        };
        let resolver = Resolver::new(&program);
        let result = eval(&expr, &resolver.scope(ModuleId(0)));
        let value = result.and_then(|v| match v {
            Value::Name(n) => Err(crate::check::eval::unknown_name(&n, expr.span, &resolver.scope(ModuleId(0)))),
            other => Ok(other),
        });
        let mut found = resolver.diags.into_inner();
        match value {
            Ok(v) if !found.has_errors() => Reply::Text(format!("{}\n", format(&v))),
            Ok(_) => Reply::Error(self.render(&self.items, &found, &program.sources)),
            Err(d) => {
                found.push(d);
                let rendered = self.render(&self.items, &found, &program.sources);
                program.sources = Default::default();
                Reply::Error(rendered)
            }
        }
    }

    fn check_session(&mut self) -> Reply {
        let (sources, result) = crate::check_text("<repl>", &self.items.text(), &self.dir);
        match result {
            Ok(c) => {
                let m = &c.model;
                let text = format!(
                    "ok: {} devices, {} networks, {} quantizations, {} calibrations, {} experiments\n",
                    m.devices.len(),
                    m.networks.len(),
                    m.quantizations.len(),
                    m.calibrations.len(),
                    m.experiments.len()
                );
                self.last = Some(c);
                Reply::Text(text)
            }
            Err(d) => Reply::Error(self.render(&self.items, &d, &sources)),
        }
    }

    fn show(&mut self, name: &str) -> Reply {
        if name.is_empty() {
            return Reply::Error(":show needs a name, e.g. `:show dynapse2.default`\n".to_string());
        }
        let (program, diags) = load(Input::Text { name: "<repl>", text: &self.items.text(), dir: &self.dir });
        match crate::check::check(&program, diags) {
            Ok(checked) => match crate::cli::show::show(&program, &checked, name) {
                Ok(json) => Reply::Text(format!("{}\n", serde_json::to_string_pretty(&json).unwrap_or_default())),
                Err(d) => Reply::Error(self.render(&self.items, &Diagnostics::from(d), &program.sources)),
            },
            Err(d) => Reply::Error(self.render(&self.items, &d, &program.sources)),
        }
    }

    fn load_file(&mut self, file: &str) -> Reply {
        let path = self.dir.join(file);
        // The same loader as `dyn check`: an unreadable file or bad UTF-8 is a coded diagnostic.
        let (sources, result) = crate::check_file(&path);
        match result {
            Ok(checked) => {
                // The main file is the loader's first source; its items keep pointing into it.
                if let Some(main) = sources.get(super::session::SESSION_SOURCE) {
                    self.items = Session::loaded(main.name.clone(), path.clone(), main.text.clone());
                }
                if let Some(parent) = path.parent() {
                    self.dir = parent.to_path_buf();
                }
                let m = &checked.model;
                let summary = format!(
                    "loaded {}: {} devices, {} networks, {} experiments\n",
                    path.display(),
                    m.devices.len(),
                    m.networks.len(),
                    m.experiments.len()
                );
                // the file's warnings, as `dyn check` shows them
                let warnings = render_all(&checked.warnings, &sources, self.style);
                self.last = Some(checked);
                Reply::Text(format!("{warnings}{summary}"))
            }
            Err(d) => Reply::Error(render_all(&d, &sources, self.style)),
        }
    }

    fn limits(&mut self, device: &str) -> Reply {
        let Some(checked) = self.checked() else { return Reply::Error("define a device first\n".to_string()) };
        match checked.model.devices.get(device) {
            Some(d) if d.kind == DeviceKind::Dynapse2 => {
                let g = Geometry::of(&d.settings);
                Reply::Text(format!(
                    "{device}: {} chips x {} cores x {} neurons = {} neurons; {} CAM entries (fan-in) and {} SRAM entries (fan-out) per neuron; {} tags\n",
                    g.chips,
                    g.cores_per_chip,
                    g.neurons_per_core,
                    g.capacity(),
                    g.cam_entries,
                    g.sram_entries,
                    g.tags
                ))
            }
            Some(d) => {
                Reply::Text(format!("{device} is a {} device; `:show {device}` lists its settings\n", d.kind.name()))
            }
            None => Reply::Error(format!("no device `{device}` in this session\n")),
        }
    }

    fn run(&mut self, name: &str) -> Reply {
        let Some(checked) = self.checked() else {
            return Reply::Error("nothing to run: define an experiment first\n".to_string());
        };
        if !checked.model.experiments.iter().any(|e| e.name == name) {
            return Reply::Error(format!("no experiment `{name}` in this session\n"));
        }
        match crate::run_in_repl(&checked, name, &self.dir) {
            Ok(text) => Reply::Text(text),
            // printed as before (a run's failure is its report), but in the loaded file's terms
            Err(diags) => Reply::Text(self.render(&self.items, &diags, &checked.sources)),
        }
    }

    fn checked(&mut self) -> Option<Checked> {
        if self.last.is_none() {
            let (_, result) = crate::check_text("<repl>", &self.items.text(), &self.dir);
            self.last = result.ok();
        }
        self.last.clone()
    }

    /// Names in scope, for completion.
    pub fn names(&self) -> Vec<String> {
        let (program, _) = load(Input::Text { name: "<repl>", text: &self.items.text(), dir: &self.dir });
        let mut names: Vec<String> =
            program.modules.first().map(|m| m.items.keys().cloned().collect()).unwrap_or_default();
        names.extend(crate::stdlib::names().map(str::to_string));
        names
    }
}

fn describe_type(v: &Value) -> String {
    match v {
        Value::Number(n) if n.dim.is_none() && n.integer => "an integer".to_string(),
        Value::Number(n) => n.dim.describe(),
        other => other.describe(),
    }
}

fn si_units(v: &Value) -> String {
    match v {
        Value::Number(n) if n.dim == Dim::NONE => format_number(n.value),
        Value::Number(n) => format!("{} {}", format_number(n.value), n.dim.symbol()),
        other => other.display(),
    }
}

fn help() -> String {
    let mut out =
        String::from("Type an item (`let`, `device`, `network`, ...) to define it, or an expression to evaluate it.\n");
    for (cmd, what) in commands::COMMANDS {
        out.push_str(&format!("  {cmd:<16} {what}\n"));
    }
    out
}

/// Whether two warnings of successive session checks are the same finding (their spans move as
/// the session's text grows, so code and message decide).
fn same_warning(a: &crate::diagnostics::Diag, b: &crate::diagnostics::Diag) -> bool {
    a.code.id == b.code.id && a.message == b.message
}
