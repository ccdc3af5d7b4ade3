//! pest pairs -> AST. The only module that touches pest's `Pair`s.

use std::sync::OnceLock;

use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use pest::Parser;

use super::ast::*;
use super::span::{SourceId, Span, Spanned};
use crate::diagnostics::{codes, Diag, Diagnostics};

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/dyn.pest"]
pub(crate) struct DynParser;

/// Deepest bracket nesting and expression depth accepted; real files stay far below.
pub const MAX_DEPTH: usize = 200;

fn pratt() -> &'static PrattParser<Rule> {
    static PRATT: OnceLock<PrattParser<Rule>> = OnceLock::new();
    PRATT.get_or_init(|| {
        PrattParser::new()
            .op(Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left))
            .op(Op::infix(Rule::mul, Assoc::Left) | Op::infix(Rule::div, Assoc::Left))
            .op(Op::prefix(Rule::neg))
            .op(Op::postfix(Rule::call_args) | Op::postfix(Rule::field_access))
    })
}

/// Runs the nesting guard, then pest on one start rule, wording its failure for people.
fn parse_rule(source: SourceId, text: &str, rule: Rule) -> Result<Pairs<'_, Rule>, Diagnostics> {
    if let Some(diag) = super::guard::check_nesting(source, text) {
        return Err(diag.into());
    }
    DynParser::parse(rule, text).map_err(|e| {
        let detailed = detailed_error(rule, text).unwrap_or(e);
        Diagnostics::from(super::phrases::syntax_error(source, text, &detailed))
    })
}

/// Parses again with pest's error detail on, so the error knows the literal tokens (`:`, `=`,
/// `for`) tried at the furthest position. Only failing input pays for the tracking. The flag is
/// global: the lock makes each detailed parse see it on, so its wording never depends on timing.
fn detailed_error(rule: Rule, text: &str) -> Option<pest::error::Error<Rule>> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    pest::set_error_detail(true);
    let result = DynParser::parse(rule, text).err();
    pest::set_error_detail(false);
    result
}

/// Parses one source text into a module, or every syntax error found.
pub fn parse_module(source: SourceId, text: &str) -> Result<Module, Diagnostics> {
    let pairs = parse_rule(source, text, Rule::file)?;
    let mut builder = Builder { source, diags: Diagnostics::new() };
    let mut items = Vec::new();
    for pair in pairs.flatten().take(1) {
        for inner in children(pair) {
            if inner.as_rule() == Rule::EOI {
                continue;
            }
            if let Some(item) = builder.item(inner) {
                items.push(item);
            }
        }
    }
    if builder.diags.has_errors() {
        return Err(builder.diags);
    }
    Ok(Module { source, items })
}

/// Parses a single expression (the REPL's bare expressions).
pub fn parse_expression(source: SourceId, text: &str) -> Result<Expr, Diagnostics> {
    let pairs = parse_rule(source, text, Rule::repl_expr)?;
    let mut builder = Builder { source, diags: Diagnostics::new() };
    let expr = pairs
        .flatten()
        .find(|p| p.as_rule() == Rule::expr)
        .ok_or_else(|| Diagnostics::from(grammar_bug("repl_expr")))?;
    builder.expr(expr).map_err(Diagnostics::from)
}

/// Children of a pair without the keyword tokens (`kw_*` rules are atomic so that `use`
/// never matches the start of `user`; their tokens carry no information).
fn children(pair: Pair<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
    pair.into_inner().filter(|p| !is_keyword(p.as_rule()))
}

fn is_keyword(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::kw_use
            | Rule::kw_as
            | Rule::kw_let
            | Rule::kw_device
            | Rule::kw_preset
            | Rule::kw_network
            | Rule::kw_quantization
            | Rule::kw_calibration
            | Rule::kw_experiment
            | Rule::kw_on
            | Rule::kw_input
            | Rule::kw_neurons
            | Rule::kw_layer
            | Rule::kw_output
            | Rule::kw_map
            | Rule::kw_quantize
            | Rule::kw_calibrate
            | Rule::kw_train
            | Rule::kw_simulate
            | Rule::kw_export
            | Rule::kw_with
            | Rule::kw_for
            | Rule::kw_to
            | Rule::kw_record
    )
}

struct Builder {
    source: SourceId,
    diags: Diagnostics,
}

type Built<T> = Result<T, Diag>;

impl Builder {
    fn span(&self, pair: &Pair<Rule>) -> Span {
        let s = pair.as_span();
        Span::new(self.source, s.start(), s.start() + super::span::trimmed_len(s.as_str()))
    }

    fn ident(&self, pair: Pair<Rule>) -> Ident {
        Spanned::new(pair.as_str().to_string(), self.span(&pair))
    }

    fn item(&mut self, pair: Pair<Rule>) -> Option<Item> {
        let result = match pair.as_rule() {
            Rule::use_item => self.use_item(pair).map(Item::Use),
            Rule::let_item => self.let_item(pair).map(Item::Let),
            Rule::device_item => self.device_item(pair).map(Item::Device),
            Rule::preset_item => self.preset_item(pair).map(Item::Preset),
            Rule::network_item => self.network_item(pair).map(Item::Network),
            Rule::quantization_item => self.settings_item(pair).map(Item::Quantization),
            Rule::calibration_item => self.settings_item(pair).map(Item::Calibration),
            Rule::experiment_item => self.experiment_item(pair).map(Item::Experiment),
            other => unreachable!("grammar: `item` only contains items, found {other:?}"),
        };
        match result {
            Ok(item) => Some(item),
            Err(d) => {
                self.diags.push(d);
                None
            }
        }
    }

    fn use_item(&mut self, pair: Pair<Rule>) -> Built<UseItem> {
        let span = self.span(&pair);
        let inner = next(&mut children(pair), "use_item")?;
        let target = match inner.as_rule() {
            Rule::use_file => {
                let mut parts = children(inner);
                let path = self.string(next(&mut parts, "use_file")?)?;
                let alias = self.ident(next(&mut parts, "use_file")?);
                UseTarget::File { path, alias }
            }
            _ => UseTarget::Stdlib(self.ident(inner)),
        };
        Ok(UseItem { target, span })
    }

    fn let_item(&mut self, pair: Pair<Rule>) -> Built<LetItem> {
        let span = self.span(&pair);
        let mut parts = children(pair);
        let name = self.ident(next(&mut parts, "let_item")?);
        let value = self.expr(next(&mut parts, "let_item")?)?;
        Ok(LetItem { name, value, span })
    }

    fn path(&self, pair: Pair<Rule>) -> Path {
        let span = self.span(&pair);
        Path { parts: pair.into_inner().map(|p| self.ident(p)).collect(), span }
    }

    fn device_item(&mut self, pair: Pair<Rule>) -> Built<DeviceItem> {
        let span = self.span(&pair);
        let mut parts = children(pair);
        let name = self.ident(next(&mut parts, "device_item")?);
        let base = self.path(next(&mut parts, "device_item")?);
        let block = parts.next().map(|b| self.block(b)).transpose()?;
        Ok(DeviceItem { name, base, block, span })
    }

    fn preset_item(&mut self, pair: Pair<Rule>) -> Built<PresetItem> {
        let span = self.span(&pair);
        let mut parts = children(pair);
        let name = self.ident(next(&mut parts, "preset_item")?);
        let kind = self.ident(next(&mut parts, "preset_item")?);
        let mut base = None;
        let mut block = None;
        for p in parts {
            match p.as_rule() {
                Rule::preset_base => base = children(p).next().map(|b| self.path(b)),
                _ => block = Some(self.block(p)?),
            }
        }
        let block = block.ok_or_else(|| grammar_bug("preset_item"))?;
        Ok(PresetItem { name, kind, base, block, span })
    }

    fn settings_item(&mut self, pair: Pair<Rule>) -> Built<SettingsItem> {
        let span = self.span(&pair);
        let mut parts = children(pair);
        let name = self.ident(next(&mut parts, "settings")?);
        let base = self.path(next(&mut parts, "settings")?);
        // `quantization q = autoencoder` takes every default, as a device without a block does.
        let block = match parts.next() {
            Some(b) => self.block(b)?,
            None => Block { fields: Vec::new(), span: Span { start: span.end, ..span } },
        };
        Ok(SettingsItem { name, base, block, span })
    }

    fn network_item(&mut self, pair: Pair<Rule>) -> Built<NetworkItem> {
        let span = self.span(&pair);
        let mut parts = children(pair);
        let name = self.ident(next(&mut parts, "network_item")?);
        let mut statements = Vec::new();
        for p in parts {
            let s = self.span(&p);
            let stmt = match p.as_rule() {
                Rule::input_decl => self.population(p, PopulationKind::Input)?,
                Rule::neurons_decl => self.population(p, PopulationKind::Neurons)?,
                Rule::layer_decl => self.population(p, PopulationKind::Layer)?,
                Rule::output_decl => {
                    NetStatement::Output(OutputDecl { names: children(p).map(|i| self.ident(i)).collect(), span: s })
                }
                Rule::projection => {
                    let mut q = children(p);
                    let from = self.ident(next(&mut q, "projection")?);
                    let to = self.ident(next(&mut q, "projection")?);
                    let value = self.expr(next(&mut q, "projection")?)?;
                    NetStatement::Projection(ProjectionDecl { from, to, value, span: s })
                }
                other => unreachable!("grammar: network statement, found {other:?}"),
            };
            statements.push(stmt);
        }
        Ok(NetworkItem { name, statements, span })
    }

    fn population(&mut self, pair: Pair<Rule>, kind: PopulationKind) -> Built<NetStatement> {
        let span = self.span(&pair);
        let mut parts = children(pair);
        let name = self.ident(next(&mut parts, "population")?);
        let size = self.expr(next(&mut parts, "population")?)?;
        let block = parts.next().map(|b| self.block(b)).transpose()?;
        Ok(NetStatement::Population(PopulationDecl { kind, name, size, block, span }))
    }

    fn experiment_item(&mut self, pair: Pair<Rule>) -> Built<ExperimentItem> {
        let span = self.span(&pair);
        let mut parts = children(pair);
        let name = self.ident(next(&mut parts, "experiment_item")?);
        let device = self.ident(next(&mut parts, "experiment_item")?);
        let mut steps = Vec::new();
        for p in parts {
            match self.step(p) {
                Ok(step) => steps.push(step),
                Err(d) => self.diags.push(d),
            }
        }
        Ok(ExperimentItem { name, device, steps, span })
    }

    fn step(&mut self, pair: Pair<Rule>) -> Built<Step> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let keyword_len = match rule {
            Rule::map_step => 3,
            Rule::quantize_step => 8,
            Rule::calibrate_step => 9,
            Rule::train_step => 5,
            Rule::simulate_step => 8,
            _ => 6,
        };
        let keyword = Span { end: span.start.saturating_add(keyword_len), ..span };
        let mut parts = children(pair);
        let kind = match rule {
            Rule::map_step => StepKind::Map {
                network: self.ident(next(&mut parts, "map_step")?),
                options: parts.next().map(|b| self.block(b)).transpose()?,
            },
            Rule::quantize_step => StepKind::Quantize {
                with: self.ident(next(&mut parts, "quantize_step")?),
                options: parts.next().map(|b| self.block(b)).transpose()?,
            },
            Rule::calibrate_step => StepKind::Calibrate {
                with: self.ident(next(&mut parts, "calibrate_step")?),
                options: parts.next().map(|b| self.block(b)).transpose()?,
            },
            Rule::train_step => {
                let network = self.ident(next(&mut parts, "train_step")?);
                let w = next(&mut parts, "train_step")?;
                let with = match w.as_rule() {
                    Rule::block => TrainWith::Block(self.block(w)?),
                    _ => TrainWith::Name(self.ident(w)),
                };
                StepKind::Train { network, with }
            }
            Rule::simulate_step => self.simulate(parts)?,
            Rule::export_step => StepKind::Export {
                what: self.ident(next(&mut parts, "export_step")?),
                path: self.string(next(&mut parts, "export_step")?)?,
            },
            other => unreachable!("grammar: experiment step, found {other:?}"),
        };
        Ok(Step { kind, keyword, span })
    }

    fn simulate<'a>(&mut self, parts: impl Iterator<Item = Pair<'a, Rule>>) -> Built<StepKind> {
        let mut target = None;
        let mut duration = None;
        let mut stimuli = Vec::new();
        let mut records = Vec::new();
        for p in parts {
            match p.as_rule() {
                Rule::sim_target => target = children(p).next().map(|i| self.ident(i)),
                Rule::expr => duration = Some(self.expr(p)?),
                Rule::sim_block => {
                    for entry in children(p) {
                        let span = self.span(&entry);
                        if entry.as_rule() == Rule::stimulus {
                            let mut q = children(entry);
                            let input = self.ident(next(&mut q, "stimulus")?);
                            let value = self.expr(next(&mut q, "stimulus")?)?;
                            stimuli.push(Stimulus { input, value, span });
                        } else {
                            for probe in children(entry) {
                                let span = self.span(&probe);
                                let mut q = children(probe);
                                let state = self.ident(next(&mut q, "probe")?);
                                let population = self.ident(next(&mut q, "probe")?);
                                records.push(Probe { state, population, span });
                            }
                        }
                    }
                }
                other => unreachable!("grammar: simulate step part, found {other:?}"),
            }
        }
        let duration = duration.ok_or_else(|| grammar_bug("simulate_step"))?;
        Ok(StepKind::Simulate { target, duration, stimuli, records })
    }

    fn block(&mut self, pair: Pair<Rule>) -> Built<Block> {
        let span = self.span(&pair);
        let mut fields = Vec::new();
        for f in children(pair) {
            let fspan = self.span(&f);
            let rule = f.as_rule();
            let mut parts = children(f);
            let name = self.ident(next(&mut parts, "field")?);
            let body = next(&mut parts, "field")?;
            let value = match rule {
                Rule::field_block => FieldValue::Block(self.block(body)?),
                _ => FieldValue::Expr(self.expr(body)?),
            };
            fields.push(Field { name, value, span: fspan });
        }
        Ok(Block { fields, span })
    }

    fn string(&self, pair: Pair<Rule>) -> Built<Spanned<String>> {
        let span = self.span(&pair);
        Ok(Spanned::new(string_text(pair, span)?, span))
    }

    /// Expressions through the Pratt parser; depth is tracked so no input can build a tree deep
    /// enough to overflow the stack of a later recursive walk.
    fn expr(&mut self, pair: Pair<Rule>) -> Built<Expr> {
        let span = self.span(&pair);
        let mut run = 0usize;
        for p in pair.clone().into_inner() {
            run = if p.as_rule() == Rule::neg { run + 1 } else { 0 };
            if run > MAX_DEPTH {
                return Err(too_deep(span));
            }
        }
        let source = self.source;
        let (expr, _) = pratt()
            .map_primary(|p| self.primary(p).map(|e| (e, 1usize)))
            .map_prefix(|op, rhs| {
                let (rhs, depth) = rhs?;
                let span = Span::new(source, op.as_span().start(), 0).to(rhs.span);
                deeper(depth, span)?;
                Ok((Spanned::new(ExprKind::Neg(Box::new(rhs)), span), depth + 1))
            })
            .map_postfix(|lhs, op| {
                let (lhs, depth) = lhs?;
                let op_span = Span::new(source, op.as_span().start(), op.as_span().end());
                let span = lhs.span.to(op_span);
                deeper(depth, span)?;
                let kind = match op.as_rule() {
                    Rule::field_access => {
                        let name = op.into_inner().next().ok_or_else(|| grammar_bug("field_access"))?;
                        let s = name.as_span();
                        let name = Spanned::new(name.as_str().to_string(), Span::new(source, s.start(), s.end()));
                        ExprKind::Field { base: Box::new(lhs), name }
                    }
                    _ => {
                        let mut args = Vec::new();
                        for a in op.into_inner() {
                            args.push(self_arg(source, a)?);
                        }
                        ExprKind::Call { callee: Box::new(lhs), args }
                    }
                };
                Ok((Spanned::new(kind, span), depth + 1))
            })
            .map_infix(|lhs, op, rhs| {
                let (lhs, dl) = lhs?;
                let (rhs, dr) = rhs?;
                let span = lhs.span.to(rhs.span);
                let depth = dl.max(dr);
                deeper(depth, span)?;
                let op = match op.as_rule() {
                    Rule::add => BinaryOp::Add,
                    Rule::sub => BinaryOp::Sub,
                    Rule::mul => BinaryOp::Mul,
                    _ => BinaryOp::Div,
                };
                Ok((Spanned::new(ExprKind::Binary { op, lhs: Box::new(lhs), rhs: Box::new(rhs) }, span), depth + 1))
            })
            .parse(pair.into_inner())?;
        Ok(expr)
    }

    fn primary(&self, pair: Pair<Rule>) -> Built<Expr> {
        primary(self.source, pair)
    }
}

fn self_arg(source: SourceId, pair: Pair<Rule>) -> Built<Arg> {
    let inner = next(&mut pair.into_inner(), "arg")?;
    let mut b = Builder { source, diags: Diagnostics::new() };
    if inner.as_rule() == Rule::named_arg {
        let mut parts = children(inner);
        let name = b.ident(next(&mut parts, "named_arg")?);
        let value = b.expr(next(&mut parts, "named_arg")?)?;
        Ok(Arg { name: Some(name), value })
    } else {
        Ok(Arg { name: None, value: b.expr(inner)? })
    }
}

/// A string literal's text with its escapes resolved; an unknown escape is `dyn::syntax::escape`.
fn string_text(pair: Pair<Rule>, span: Span) -> Built<String> {
    let raw = pair.into_inner().next().map(|p| p.as_str()).unwrap_or("");
    unescape(raw).map_err(|bad| {
        Diag::error(&codes::SYNTAX_ESCAPE, format!("unknown escape sequence `\\{bad}` in a string"))
            .label(span, "in this string")
            .help("strings know the escapes \\\" \\\\ \\n \\t; paths can use forward slashes")
    })
}

fn primary(source: SourceId, pair: Pair<Rule>) -> Built<Expr> {
    let s = pair.as_span();
    let span = Span::new(source, s.start(), s.end());
    let kind = match pair.as_rule() {
        Rule::number => number(span, pair)?,
        Rule::quantity => {
            let mut parts = children(pair);
            let num = next(&mut parts, "quantity")?;
            let value = match number(span, num)? {
                ExprKind::Number { value, .. } => value,
                _ => return Err(grammar_bug("quantity")),
            };
            let unit = next(&mut parts, "quantity")?;
            let us = unit.as_span();
            ExprKind::Quantity {
                value,
                unit: Spanned::new(unit.as_str().to_string(), Span::new(source, us.start(), us.end())),
            }
        }
        Rule::string => ExprKind::Str(string_text(pair, span)?),
        Rule::boolean => ExprKind::Bool(pair.as_str() == "true"),
        Rule::ident => ExprKind::Name(pair.as_str().to_string()),
        Rule::range => {
            let mut parts = children(pair);
            let a = integer(span, next(&mut parts, "range")?.as_str())?;
            let b = integer(span, next(&mut parts, "range")?.as_str())?;
            ExprKind::Range { start: a, end: b }
        }
        Rule::list => {
            let mut b = Builder { source, diags: Diagnostics::new() };
            let mut items = Vec::new();
            for p in pair.into_inner() {
                items.push(b.expr(p)?);
            }
            ExprKind::List(items)
        }
        Rule::paren => {
            let mut b = Builder { source, diags: Diagnostics::new() };
            let inner = b.expr(next(&mut pair.into_inner(), "paren")?)?;
            return Ok(Spanned::new(inner.node, span));
        }
        other => unreachable!("grammar: primary expression, found {other:?}"),
    };
    Ok(Spanned::new(kind, span))
}

fn number(span: Span, pair: Pair<Rule>) -> Built<ExprKind> {
    let inner = next(&mut pair.into_inner(), "number")?;
    let text: String = inner.as_str().chars().filter(|c| *c != '_').collect();
    if inner.as_rule() == Rule::integer {
        let value = integer(span, &text)?;
        #[allow(clippy::cast_precision_loss)] // integers above 2^53 round, as in any language
        let as_float = value as f64;
        return Ok(ExprKind::Number { value: as_float, integer: Some(value) });
    }
    let value: f64 = text.parse().map_err(|_| grammar_bug("float"))?;
    if !value.is_finite() {
        return Err(Diag::error(&codes::SYNTAX_NUMBER, format!("`{}` is too large to be a number", inner.as_str()))
            .label(span, "this overflows a 64-bit float")
            .help("numbers must lie within about ±1.8e308"));
    }
    Ok(ExprKind::Number { value, integer: None })
}

fn integer(span: Span, text: &str) -> Built<i64> {
    let clean: String = text.chars().filter(|c| *c != '_').collect();
    clean.parse::<i64>().map_err(|_| {
        Diag::error(&codes::SYNTAX_NUMBER, format!("the integer `{text}` does not fit in 64 bits"))
            .label(span, "larger than 9223372036854775807")
            .help("write a large value as a float with an exponent, e.g. `1e30`")
    })
}

fn unescape(raw: &str) -> Result<String, char> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some(other) => return Err(other),
            None => return Err(' '),
        }
    }
    Ok(out)
}

fn deeper(depth: usize, span: Span) -> Built<()> {
    if depth >= MAX_DEPTH {
        Err(too_deep(span))
    } else {
        Ok(())
    }
}

fn too_deep(span: Span) -> Diag {
    Diag::error(&codes::SYNTAX_TOO_DEEP, "this expression is nested too deeply")
        .label(Span { end: span.start.saturating_add(1).min(span.end.max(span.start)), ..span }, "nesting starts here")
        .help(format!("dyn accepts up to {MAX_DEPTH} levels of nesting; use `let` to name parts of the expression"))
}

fn next<'a>(pairs: &mut impl Iterator<Item = Pair<'a, Rule>>, rule: &str) -> Built<Pair<'a, Rule>> {
    pairs.next().ok_or_else(|| grammar_bug(rule))
}

/// The grammar guarantees the children we ask for; reaching this is a bug in dyn, reported as a
/// diagnostic rather than a panic.
fn grammar_bug(rule: &str) -> Diag {
    Diag::error(&codes::SYNTAX_UNEXPECTED, format!("internal error: unexpected shape of `{rule}`"))
        .help("this is a bug in dyn; please report it with the file that triggered it")
}
