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
    let reported = match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let (found, end) = found_at(text, reported);
    if let Some(diag) = unknown_unit(source, text, reported, end, err) {
        return diag;
    }
    // pest's own report names rules at the furthest point a *rule* failed; its parse attempts
    // also know the literal tokens (`:`, `=`, `for`) tried further on, which say more.
    let furthest = err.parse_attempts().map(|a| {
        let rules: Vec<Rule> = a.call_stacks().iter().filter_map(|s| s.deepest.get_rule().copied()).collect();
        let tokens: Vec<String> =
            a.expected_tokens().iter().map(ToString::to_string).filter(|t| is_literal(t)).collect();
        (a.max_position, rules, tokens)
    });
    let (pos, expected) =
        match furthest.and_then(|(pos, rules, tokens)| attempted(text, pos, &rules, &tokens, reported)) {
            Some(better) => better,
            None => (reported, rule_phrases(err)),
        };
    let (found, end) = if pos == reported { (found, end) } else { found_at(text, pos) };
    let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
    let expected = join_or(&expected);
    let message =
        if expected.is_empty() { format!("unexpected {found}") } else { format!("expected {expected}, found {found}") };
    Diag::error(&codes::SYNTAX_UNEXPECTED, message)
        .label(Span::new(source, pos, end), label_text(&found))
        .help(hint(text, pos, &found, &expected))
}

fn label_text(found: &str) -> String {
    match found {
        "the end of the line" => "the line ends here".to_string(),
        "the end of the file" => "the file ends here".to_string(),
        other => format!("unexpected {other}"),
    }
}

/// Phrases for the rules pest reports, each once.
fn rule_phrases(err: &pest::error::Error<Rule>) -> Vec<String> {
    let mut out = Vec::new();
    if let ErrorVariant::ParsingError { positives, .. } = &err.variant {
        for p in positives.iter().map(phrase) {
            push_once(&mut out, p);
        }
    }
    out
}

fn push_once(out: &mut Vec<String>, item: &str) {
    if !out.iter().any(|o| o == item) {
        out.push(item.to_string());
    }
}

/// Rules that only say which construct the parser was inside, not what it wanted next.
fn is_enclosing(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::file
            | Rule::repl_expr
            | Rule::use_item
            | Rule::let_item
            | Rule::device_item
            | Rule::preset_item
            | Rule::network_item
            | Rule::quantization_item
            | Rule::calibration_item
            | Rule::experiment_item
    )
}

const STEP_KEYWORDS: &[&str] = &["map", "quantize", "calibrate", "train", "simulate", "export"];
const NETWORK_KEYWORDS: &[&str] = &["input", "neurons", "layer", "output"];
/// Tokens that start an expression: covered by "an expression".
const EXPRESSION_STARTS: &[&str] = &["\"", "(", "-", "[", "true", "false"];
const OPERATORS: &[&str] = &["+", "-", "*", "/"];

/// A literal token from pest's display of what it tried (not a character range like `a..z`, not
/// a built-in rule).
fn is_literal(token: &str) -> bool {
    let chars: Vec<char> = token.chars().collect();
    let is_range = chars.len() == 4 && chars.get(1) == Some(&'.') && chars.get(2) == Some(&'.');
    !is_range && token != "BUILTIN_RULE" && !token.is_empty()
}

/// What was expected at the furthest position pest reached, in the user's terms.
fn attempted(
    text: &str,
    pos: usize,
    rules: &[Rule],
    tokens: &[String],
    reported: usize,
) -> Option<(usize, Vec<String>)> {
    if pos < reported || pos > text.len() {
        return None;
    }
    // Right after a word, letters and digits would only continue it: never what was meant.
    let after_word =
        text.get(..pos).and_then(|t| t.chars().next_back()).is_some_and(|c| c.is_alphanumeric() || c == '_');
    let has = |t: &str| tokens.iter().any(|x| x.as_str() == t);
    // After a complete operand an operator may follow; "an expression" would mislead.
    let after_operand = has("+") || has("*") || has("/");
    let mut out: Vec<String> = Vec::new();
    for &rule in rules {
        let skip = is_enclosing(rule)
            || (after_word && rule == Rule::ident)
            || (after_operand && rule == Rule::expr)
            // an unclosed string: the token `"` says it
            || rule == Rule::string_inner;
        if skip {
            continue;
        }
        let p = phrase(&rule);
        if p != "an item" && !p.starts_with("`") {
            push_once(&mut out, p);
        }
    }
    let wants_expression = out.iter().any(|o| o == "an expression");
    let wants_block = out.iter().any(|o| o == phrase(&Rule::block));
    let tokens: Vec<&String> = tokens
        .iter()
        .filter(|t| !(wants_block && t.as_str() == "{"))
        .filter(|t| !matches!(t.as_str(), " " | "\t" | "\r" | "\n" | "\u{FEFF}" | "//" | "/*" | "_"))
        .filter(|t| !(wants_expression && EXPRESSION_STARTS.contains(&t.as_str())))
        .collect();
    if after_operand {
        push_once(&mut out, "an operator");
    }
    if STEP_KEYWORDS.iter().any(|k| has(k)) {
        push_once(&mut out, "a step (`map`, `quantize`, `calibrate`, `train`, `simulate` or `export`)");
    }
    if NETWORK_KEYWORDS.iter().any(|k| has(k)) {
        push_once(&mut out, "`input`, `neurons`, `layer`, `output` or a projection `a -> b = ...`");
    }
    for token in tokens {
        let t = token.as_str();
        if OPERATORS.contains(&t) && out.iter().any(|o| o == "an operator")
            || STEP_KEYWORDS.contains(&t)
            || NETWORK_KEYWORDS.contains(&t)
        {
            continue;
        }
        push_once(&mut out, &format!("`{t}`"));
    }
    if out.is_empty() {
        return None;
    }
    Some((pos, out))
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
fn hint(text: &str, pos: usize, found: &str, expected: &str) -> String {
    let before = text.get(..pos).unwrap_or("").trim_end();
    if expected == "`:`" {
        return "a preset names its kind: `preset fast: dynapse2 = dynapse2.default { ... }`".to_string();
    }
    if expected == "`for`" {
        return "give the duration: `simulate NET for 500 ms { ... }`".to_string();
    }
    if expected.contains("`)`") {
        return "a `(` is still open here: close it with `)`".to_string();
    }
    if expected.contains("`]`") {
        return "a `[` is still open here: close it with `]`".to_string();
    }
    if expected == "a name" && found.starts_with("`") && found.chars().nth(1).is_some_and(|c| c.is_ascii_digit()) {
        return "names start with a letter or `_`".to_string();
    }
    if expected == "an expression" && ["`*`", "`/`", "`+`"].contains(&found) {
        return "an operator needs a value on each side".to_string();
    }
    if expected.starts_with("a step") {
        return "experiment steps: `map NET`, `quantize with Q`, `calibrate with C`, `train NET with { ... }`, \
                `simulate [NET] for DURATION { ... }`, `export WHAT to \"path\"`"
            .to_string();
    }
    if found == "the end of the file" {
        return "the file ends early: check that every `{`, `[` and `(` is closed".to_string();
    }
    if before.ends_with('=') {
        return "a field or constant needs a value after `=`, e.g. `Iscale = 100 nA`".to_string();
    }
    let line = before.rsplit('\n').next().unwrap_or("");
    if found == "the end of the line" && line.matches('"').count() % 2 == 1 {
        return "a string must end on the line it starts: close it with `\"`".to_string();
    }
    if found == "`;`" {
        return "dyn separates fields with newlines or commas, not semicolons".to_string();
    }
    if found == "`:`" {
        return "fields are written `name = value`".to_string();
    }
    "see the language summary in README.md; items start with `use`, `let`, `device`, `preset`, `network`, `quantization`, `calibration` or `experiment`".to_string()
}
