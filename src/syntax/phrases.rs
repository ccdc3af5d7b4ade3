//! pest errors worded for people: each grammar rule has a phrase, and rule names never show.

use pest::error::{ErrorVariant, InputLocation};

use super::parse::Rule;
use super::span::{SourceId, Span};
use crate::diagnostics::{codes, Diag};

/// What a rule looks like to a user.
fn phrase(rule: &Rule) -> &'static str {
    match rule {
        Rule::EOI => "the end of the file",
        Rule::use_item => "`use`",
        Rule::let_item => "`let`",
        Rule::device_item => "`device`",
        Rule::preset_item => "`preset`",
        Rule::network_item => "`network`",
        Rule::quantization_item => "`quantization`",
        Rule::calibration_item => "`calibration`",
        Rule::experiment_item => "`experiment`",
        Rule::ident | Rule::path | Rule::sim_target => "a name",
        Rule::use_file | Rule::string | Rule::string_inner => "a string in double quotes",
        Rule::preset_base => "`=` and the preset it extends",
        Rule::input_decl => "`input`",
        Rule::neurons_decl => "`neurons`",
        Rule::layer_decl => "`layer`",
        Rule::output_decl => "`output`",
        Rule::projection => "a projection `a -> b = ...`",
        Rule::map_step => "`map`",
        Rule::quantize_step => "`quantize`",
        Rule::calibrate_step => "`calibrate`",
        Rule::train_step => "`train`",
        Rule::simulate_step => "`simulate`",
        Rule::export_step => "`export`",
        Rule::sim_block | Rule::block => "a `{ ... }` block",
        Rule::stimulus => "a stimulus `input <- ...`",
        Rule::record => "`record`",
        Rule::probe => "a recorded state like `spikes(pop)`",
        Rule::field_value | Rule::field_block => "a field `name = value`",
        Rule::expr | Rule::repl_expr | Rule::arg | Rule::named_arg => "an expression",
        Rule::add | Rule::sub | Rule::mul | Rule::div => "an operator",
        Rule::neg => "`-`",
        Rule::call_args => "`(`",
        Rule::field_access => "`.`",
        Rule::paren => "`(`",
        Rule::list => "a list `[...]`",
        Rule::range => "a range `a..b`",
        Rule::boolean => "`true` or `false`",
        Rule::quantity | Rule::number | Rule::float | Rule::integer => "a number",
        Rule::unit | Rule::si_prefix | Rule::base_unit => "a unit",
        // Silent rules (keywords, separators) never reach an error report.
        _ => "an item",
    }
}

/// Converts a pest error into a diagnostic pointing at the offending text.
pub fn syntax_error(source: SourceId, text: &str, err: &pest::error::Error<Rule>) -> Diag {
    let pos = match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let (found, end) = found_at(text, pos);
    if let Some(diag) = unknown_unit(source, text, pos, end, err) {
        return diag;
    }
    let mut expected: Vec<&str> = match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.iter().map(phrase).collect(),
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    expected.dedup();
    let mut seen = Vec::new();
    expected.retain(|e| {
        let fresh = !seen.contains(e);
        seen.push(*e);
        fresh
    });
    let expected = join_or(&expected);
    let message =
        if expected.is_empty() { format!("unexpected {found}") } else { format!("expected {expected}, found {found}") };
    Diag::error(&codes::SYNTAX_UNEXPECTED, message)
        .label(Span::new(source, pos, end), format!("unexpected {found}"))
        .help(hint(text, pos, &found))
}

/// `5 mv`: a word right after a number, on the same line, where a unit could stand.
fn unknown_unit(source: SourceId, text: &str, pos: usize, end: usize, err: &pest::error::Error<Rule>) -> Option<Diag> {
    let ErrorVariant::ParsingError { positives, .. } = &err.variant else { return None };
    if !positives.iter().any(|r| matches!(r, Rule::unit | Rule::si_prefix | Rule::base_unit)) {
        return None;
    }
    let word = text.get(pos..end)?;
    let before = text.get(..pos)?.trim_end_matches([' ', '\t']);
    if !word.starts_with(|c: char| c.is_alphabetic()) || !before.ends_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let units = crate::check::units::unit_names();
    let help = match crate::diagnostics::suggest::closest(word, units.iter().map(String::as_str)) {
        Some(unit) => {
            format!("did you mean `{unit}`? units are A, V, s, Hz, F, S and %, with prefixes f p n u µ m k M G")
        }
        None => "units are A, V, s, Hz, F, S and %, with prefixes f p n u µ m k M G; anything else after a number \
                 starts on its own line"
            .to_string(),
    };
    Some(
        Diag::error(&codes::UNITS_UNKNOWN, format!("unknown unit `{word}`"))
            .label(Span::new(source, pos, end), "not a unit")
            .help(help),
    )
}

/// Describes the token at `pos` and where it ends.
fn found_at(text: &str, pos: usize) -> (String, usize) {
    let rest = text.get(pos..).unwrap_or("");
    let Some(first) = rest.chars().next() else {
        return ("the end of the file".to_string(), pos);
    };
    if first.is_alphanumeric() || first == '_' {
        let word: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').take(40).collect();
        let end = pos + word.len();
        return (format!("`{word}`"), end);
    }
    if first == '\n' {
        return ("the end of the line".to_string(), pos + 1);
    }
    (format!("`{first}`"), pos + first.len_utf8())
}

fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// A help line fitted to common slips.
fn hint(text: &str, pos: usize, found: &str) -> String {
    let before = text.get(..pos).unwrap_or("").trim_end();
    if found == "the end of the file" {
        return "the file ends early: check that every `{`, `[` and `(` is closed".to_string();
    }
    if before.ends_with('=') {
        return "a field or constant needs a value after `=`, e.g. `Iscale = 100 nA`".to_string();
    }
    if found == "`;`" {
        return "dyn separates fields with newlines or commas, not semicolons".to_string();
    }
    if found == "`:`" {
        return "fields are written `name = value`".to_string();
    }
    "see the language summary in README.md; items start with `use`, `let`, `device`, `preset`, `network`, `quantization`, `calibration` or `experiment`".to_string()
}
