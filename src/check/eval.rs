//! Expression evaluation at check time: constants fold, units combine, calls are checked
//! against their signatures and `load` reads its array.

use std::collections::BTreeMap;
use std::path::PathBuf;

use ndarray::{ArrayD, IxDyn};

use super::builtins::{self, BuiltinKind, ParamType};
use super::load::load_npy;
use super::units::{is_unit_name, parse_unit, Dim};
use super::value::{Array, Call, Number, Value};
use crate::diagnostics::{codes, suggest, Diag};
use crate::syntax::ast::{Arg, BinaryOp, Expr, ExprKind};
use crate::syntax::span::Span;

/// What a name means where an expression is evaluated.
#[derive(Debug, Clone)]
pub enum Lookup {
    Value(Value),
    /// A `use`d module: `module.item` follows.
    Module,
    /// An item of this kind ("device", "network", ...).
    Item(&'static str),
    Unknown,
}

/// The names an expression can see.
pub trait Scope {
    fn lookup(&self, name: &str) -> Lookup;
    fn lookup_in(&self, module: &str, name: &str) -> Lookup;
    /// Every name in scope, for suggestions.
    fn names(&self) -> Vec<String>;
    /// The folder `load` paths are relative to, for an expression at `span`.
    fn base_dir(&self, span: Span) -> PathBuf;
}

pub type Eval<T> = Result<T, Diag>;

/// Evaluates an expression to a value in SI units.
pub fn eval(expr: &Expr, scope: &dyn Scope) -> Eval<Value> {
    match &expr.node {
        ExprKind::Number { value, integer } => {
            Ok(Value::Number(Number { value: *value, dim: Dim::NONE, integer: integer.is_some() }))
        }
        ExprKind::Quantity { value, unit } => {
            let u = parse_unit(&unit.node).ok_or_else(|| {
                Diag::error(&codes::NAMES_UNKNOWN, format!("unknown unit `{}`", unit.node))
                    .label(unit.span, "not a unit")
                    .help("units are A, V, s, Hz, F, S and % with prefixes f p n u µ m k M G")
            })?;
            finite(Number { value: u.to_si(*value), dim: u.dim, integer: false }, expr.span).map(Value::Number)
        }
        ExprKind::Str(s) => Ok(Value::Text(s.clone())),
        ExprKind::Bool(b) => Ok(Value::Bool(*b)),
        ExprKind::Name(name) => Ok(match scope.lookup(name) {
            Lookup::Value(v) => v,
            Lookup::Module | Lookup::Item(_) => Value::Path(vec![name.clone()]),
            Lookup::Unknown => Value::Name(name.clone()),
        }),
        ExprKind::List(items) => list(items, expr.span, scope),
        ExprKind::Range { start, end } => range(*start, *end, expr.span),
        ExprKind::Neg(inner) => {
            let v = numeric(inner, scope)?;
            Ok(negate(v))
        }
        ExprKind::Binary { op, lhs, rhs } => binary(*op, lhs, rhs, expr.span, scope),
        ExprKind::Call { callee, args } => call(callee, args, expr.span, scope),
        ExprKind::Field { base, name } => field(base, &name.node, name.span, scope),
    }
}

/// Evaluates and insists on a number or array (a bare unknown name is reported here).
pub fn numeric(expr: &Expr, scope: &dyn Scope) -> Eval<Value> {
    let v = eval(expr, scope)?;
    match v {
        Value::Number(_) | Value::Array(_) => Ok(v),
        Value::Name(name) => Err(unknown_name(&name, expr.span, scope)),
        other => Err(Diag::error(&codes::TYPES_EXPECTED, format!("expected a number, found {}", other.describe()))
            .label(expr.span, format!("this is {}", other.describe()))
            .help("arithmetic works on numbers, quantities and arrays")),
    }
}

/// The diagnostic for a name that is not defined, with the hints users need most.
pub fn unknown_name(name: &str, span: Span, scope: &dyn Scope) -> Diag {
    if name.starts_with('\u{0}') {
        // A constant whose own definition failed: its error is already reported.
        return Diag::error(&codes::NAMES_UNKNOWN, "");
    }
    let diag = Diag::error(&codes::NAMES_UNKNOWN, format!("unknown name `{name}`")).label(span, "not defined here");
    if is_unit_name(name) {
        return diag.help(format!(
            "a unit follows its number directly: write `10 {name}`, not `10 * {name}`; for a unit on its own write `1 {name}`"
        ));
    }
    let names = scope.names();
    diag.help(suggest::did_you_mean(name, names.iter().map(String::as_str), "name"))
}

fn finite(n: Number, span: Span) -> Eval<Number> {
    if n.value.is_finite() {
        Ok(n)
    } else {
        Err(Diag::error(&codes::TYPES_DIVISION, "this value is not finite")
            .label(span, "evaluates to an infinite or undefined number")
            .help("check for a division by zero or a value beyond ±1.8e308"))
    }
}

fn negate(v: Value) -> Value {
    match v {
        Value::Number(n) => Value::Number(Number { value: -n.value, ..n }),
        Value::Array(a) => Value::Array(Array { data: a.data.mapv(|x| -x), ..a }),
        other => other,
    }
}

/// Longest range accepted: as many values as the largest population.
const MAX_RANGE: i64 = 1 << 22;

/// `a..b` is the integers a, a+1, ..., b-1 (end excluded, as in Rust and Python), an array
/// like any list of integers: `Idc = 0..4 * 1 pA` gives each of four neurons its own value.
fn range(start: i64, end: i64, span: Span) -> Eval<Value> {
    let len = end.saturating_sub(start).max(0);
    if len > MAX_RANGE {
        return Err(Diag::error(&codes::TYPES_RANGE, format!("the range {start}..{end} has {len} values"))
            .label(span, "too long")
            .help(format!("a range holds at most {MAX_RANGE} values")));
    }
    #[allow(clippy::cast_precision_loss)] // |values| < 2^63, and ranges hold at most 2^22 of them
    let values: Vec<f64> = (start..end).map(|i| i as f64).collect();
    let data = ArrayD::from_shape_vec(IxDyn(&[values.len()]), values).map_err(|_| {
        Diag::error(&codes::TYPES_RANGE, "this range cannot be built").label(span, "here").help("write a list instead")
    })?;
    Ok(Value::Array(Array { data, dim: Dim::NONE, integer: true }))
}

fn list(items: &[Expr], span: Span, scope: &dyn Scope) -> Eval<Value> {
    let values = items.iter().map(|e| eval(e, scope)).collect::<Eval<Vec<_>>>()?;
    if values.is_empty() {
        return Ok(Value::Array(Array { data: ArrayD::zeros(IxDyn(&[0])), dim: Dim::NONE, integer: true }));
    }
    let numeric = values.iter().all(|v| matches!(v, Value::Number(_) | Value::Array(_)));
    if !numeric {
        if let Some((i, Value::Name(n))) = values.iter().enumerate().find(|(_, v)| matches!(v, Value::Name(_))) {
            if values.iter().any(|v| matches!(v, Value::Number(_) | Value::Array(_))) {
                let at = items.get(i).map_or(span, |e| e.span);
                return Err(unknown_name(n, at, scope));
            }
        }
        return Ok(Value::List(values));
    }
    stack(&values, items, span)
}

/// Stacks numbers (or equally shaped arrays) of one dimension into an array.
fn stack(values: &[Value], items: &[Expr], span: Span) -> Eval<Value> {
    let first_dim = match values.first() {
        Some(Value::Number(n)) => n.dim,
        Some(Value::Array(a)) => a.dim,
        _ => Dim::NONE,
    };
    let first_shape: Vec<usize> = match values.first() {
        Some(Value::Array(a)) => a.data.shape().to_vec(),
        _ => Vec::new(),
    };
    let mut flat = Vec::new();
    let mut integer = true;
    for (i, v) in values.iter().enumerate() {
        let at = items.get(i).map_or(span, |e| e.span);
        let (dim, shape, int) = match v {
            Value::Number(n) => (n.dim, Vec::new(), n.integer),
            Value::Array(a) => (a.dim, a.data.shape().to_vec(), a.integer),
            _ => (Dim::NONE, Vec::new(), false),
        };
        integer &= int;
        if dim != first_dim {
            return Err(Diag::error(&codes::UNITS_INCOMPATIBLE, "the elements of this list have different units")
                .label(at, format!("this is {}", dim.describe()))
                .label(items.first().map_or(span, |e| e.span), format!("the first element is {}", first_dim.describe()))
                .help("every element of a list or matrix must have the same unit"));
        }
        if shape != first_shape {
            return Err(Diag::error(&codes::SHAPES_RAGGED, "the rows of this matrix have different lengths")
                .label(at, format!("this row has shape {shape:?}"))
                .label(items.first().map_or(span, |e| e.span), format!("the first row has shape {first_shape:?}"))
                .help("every row of a matrix literal needs the same number of elements"));
        }
        match v {
            Value::Number(n) => flat.push(n.value),
            Value::Array(a) => flat.extend(a.data.iter().copied()),
            _ => {}
        }
    }
    let mut shape = vec![values.len()];
    shape.extend(first_shape);
    let data = ArrayD::from_shape_vec(IxDyn(&shape), flat).map_err(|_| {
        Diag::error(&codes::SHAPES_RAGGED, "this matrix is not rectangular")
            .label(span, "here")
            .help("every row needs the same length")
    })?;
    Ok(Value::Array(Array { data, dim: first_dim, integer }))
}

fn binary(op: BinaryOp, lhs: &Expr, rhs: &Expr, span: Span, scope: &dyn Scope) -> Eval<Value> {
    let a = numeric(lhs, scope)?;
    let b = numeric(rhs, scope)?;
    let (da, db) = (dim_of(&a), dim_of(&b));
    let dim = match op {
        BinaryOp::Add | BinaryOp::Sub => {
            if da != db {
                return Err(Diag::error(
                    &codes::UNITS_INCOMPATIBLE,
                    format!(
                        "cannot {} {} and {}",
                        if op == BinaryOp::Add { "add" } else { "subtract" },
                        da.describe(),
                        db.describe()
                    ),
                )
                .label(lhs.span, format!("this is {}", da.describe()))
                .label(rhs.span, format!("this is {}", db.describe()))
                .help("only quantities of the same dimension can be added or subtracted"));
            }
            da
        }
        BinaryOp::Mul => da.times(db),
        BinaryOp::Div => da.per(db),
    };
    if op == BinaryOp::Div && is_zero_anywhere(&b) {
        return Err(Diag::error(&codes::TYPES_DIVISION, "division by zero")
            .label(rhs.span, "this is zero")
            .help("the divisor must be non-zero"));
    }
    let f = |x: f64, y: f64| match op {
        BinaryOp::Add => x + y,
        BinaryOp::Sub => x - y,
        BinaryOp::Mul => x * y,
        BinaryOp::Div => x / y,
    };
    let integer = op != BinaryOp::Div && is_integer(&a) && is_integer(&b);
    let result = match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            Value::Number(finite(Number { value: f(x.value, y.value), dim, integer }, span)?)
        }
        (Value::Array(x), Value::Number(y)) => {
            Value::Array(Array { data: x.data.mapv(|v| f(v, y.value)), dim, integer })
        }
        (Value::Number(x), Value::Array(y)) => {
            Value::Array(Array { data: y.data.mapv(|v| f(x.value, v)), dim, integer })
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.data.shape() != y.data.shape() {
                return Err(Diag::error(
                    &codes::SHAPES_MISMATCH,
                    format!(
                        "arrays of shapes {:?} and {:?} cannot be combined elementwise",
                        x.data.shape(),
                        y.data.shape()
                    ),
                )
                .label(lhs.span, format!("shape {:?}", x.data.shape()))
                .label(rhs.span, format!("shape {:?}", y.data.shape()))
                .help("elementwise arithmetic needs arrays of the same shape, or an array and a scalar"));
            }
            let mut data = x.data.clone();
            data.zip_mut_with(&y.data, |p, q| *p = f(*p, *q));
            Value::Array(Array { data, dim, integer })
        }
        _ => {
            return Err(Diag::error(&codes::TYPES_EXPECTED, "expected numbers")
                .label(span, "here")
                .help("arithmetic works on numbers"))
        }
    };
    if let Value::Array(a) = &result {
        if a.data.iter().any(|v| !v.is_finite()) {
            return Err(finite(Number::plain(f64::NAN), span)
                .err()
                .unwrap_or_else(|| Diag::error(&codes::TYPES_DIVISION, "not finite")));
        }
    }
    Ok(result)
}

fn dim_of(v: &Value) -> Dim {
    match v {
        Value::Number(n) => n.dim,
        Value::Array(a) => a.dim,
        _ => Dim::NONE,
    }
}

fn is_integer(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.integer,
        Value::Array(a) => a.integer,
        _ => false,
    }
}

fn is_zero_anywhere(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.value == 0.0,
        Value::Array(a) => a.data.iter().any(|x| *x == 0.0),
        _ => false,
    }
}

fn field(base: &Expr, name: &str, name_span: Span, scope: &dyn Scope) -> Eval<Value> {
    if let ExprKind::Name(module) = &base.node {
        if let Lookup::Module = scope.lookup(module) {
            return match scope.lookup_in(module, name) {
                Lookup::Value(v) => Ok(v),
                Lookup::Unknown => {
                    Err(Diag::error(&codes::NAMES_UNKNOWN, format!("module `{module}` has no item `{name}`"))
                        .label(name_span, "not defined in that module")
                        .help(format!(
                            "`dyn show` on the module's file lists its items; check the spelling of `{name}`"
                        )))
                }
                _ => Ok(Value::Path(vec![module.clone(), name.to_string()])),
            };
        }
    }
    match eval(base, scope)? {
        Value::Path(mut parts) => {
            parts.push(name.to_string());
            Ok(Value::Path(parts))
        }
        Value::Name(n) => Err(unknown_name(&n, base.span, scope)),
        other => Err(Diag::error(&codes::TYPES_EXPECTED, format!("{} has no field `{name}`", other.describe()))
            .label(name_span, "no such field")
            .help("fields are read from modules, e.g. `dynapse2.default`")),
    }
}

fn call(callee: &Expr, args: &[Arg], span: Span, scope: &dyn Scope) -> Eval<Value> {
    let ExprKind::Name(name) = &callee.node else {
        return Err(Diag::error(&codes::TYPES_EXPECTED, "only builtin functions can be called")
            .label(callee.span, "this is not a function name")
            .help(format!("builtin functions: {}", builtins::names().collect::<Vec<_>>().join(", "))));
    };
    let Some(builtin) = builtins::find(name) else {
        return Err(Diag::error(&codes::NAMES_UNKNOWN_FUNCTION, format!("unknown function `{name}`"))
            .label(callee.span, "not a builtin function")
            .help(suggest::did_you_mean(name, builtins::names(), "function")));
    };
    let (bound, arg_spans) = bind_args(builtin, args, span, scope)?;
    if builtin.kind == BuiltinKind::Load {
        let path = match bound.get("path") {
            Some(Value::Text(p)) => p.clone(),
            _ => String::new(),
        };
        let arg_span = args.first().map_or(span, |a| a.value.span);
        let array = load_npy(&scope.base_dir(span), &path, arg_span, span)?;
        return Ok(Value::Array(array));
    }
    Ok(Value::Call(Call { function: builtin.name.to_string(), args: bound, arg_spans, span }))
}

/// Matches positional and named arguments to parameters and checks each one's type; returns the
/// values and where each was written, by parameter name.
fn bind_args(
    builtin: &builtins::Builtin,
    args: &[Arg],
    span: Span,
    scope: &dyn Scope,
) -> Eval<(BTreeMap<String, Value>, BTreeMap<String, Span>)> {
    let mut bound = BTreeMap::new();
    let mut spans = BTreeMap::new();
    let mut positional = 0usize;
    let signature = || {
        let ps: Vec<String> = builtin
            .params
            .iter()
            .map(|p| if p.required { p.name.to_string() } else { format!("{}?", p.name) })
            .collect();
        format!("`{}({})`: {}", builtin.name, ps.join(", "), builtin.doc)
    };
    for arg in args {
        let param = match &arg.name {
            Some(n) => builtin.params.iter().find(|p| p.name == n.node).ok_or_else(|| {
                Diag::error(&codes::TYPES_ARGUMENTS, format!("`{}` has no parameter `{}`", builtin.name, n.node))
                    .label(n.span, "unknown parameter")
                    .help(match suggest::closest(&n.node, builtin.params.iter().map(|p| p.name)) {
                        Some(c) => format!("did you mean `{c}`? {}", signature()),
                        None => signature(),
                    })
            })?,
            None => {
                let p = builtin.params.get(positional).ok_or_else(|| {
                    Diag::error(&codes::TYPES_ARGUMENTS, format!("too many arguments to `{}`", builtin.name))
                        .label(arg.value.span, "extra argument")
                        .help(signature())
                })?;
                positional += 1;
                p
            }
        };
        if bound.contains_key(param.name) {
            return Err(Diag::error(&codes::TYPES_ARGUMENTS, format!("`{}` is given twice", param.name))
                .label(arg.value.span, "given again here")
                .help(signature()));
        }
        let value = check_arg(param.ty, &arg.value, param.name, scope)?;
        bound.insert(param.name.to_string(), value);
        spans.insert(param.name.to_string(), arg.value.span);
    }
    if let Some(missing) = builtin.params.iter().find(|p| p.required && !bound.contains_key(p.name)) {
        return Err(Diag::error(&codes::TYPES_ARGUMENTS, format!("`{}` needs `{}`", builtin.name, missing.name))
            .label(span, format!("`{}` is missing", missing.name))
            .help(signature()));
    }
    Ok((bound, spans))
}

fn check_arg(ty: ParamType, expr: &Expr, name: &str, scope: &dyn Scope) -> Eval<Value> {
    let value = eval(expr, scope)?;
    let wrong = |what: &str, value: &Value| {
        Diag::error(&codes::TYPES_EXPECTED, format!("`{name}` expects {what}, found {}", value.describe()))
            .label(expr.span, format!("this is {}", value.describe()))
            .help(format!("give `{name}` {what}"))
    };
    match (ty, &value) {
        (_, Value::Name(n)) if ty != ParamType::Text => Err(unknown_name(n, expr.span, scope)),
        (ParamType::Quantity(dim), Value::Number(n)) => {
            if n.dim != dim {
                return Err(Diag::error(
                    &codes::UNITS_MISMATCH,
                    format!("`{name}` expects {}, found {}", dim.describe(), n.dim.describe()),
                )
                .label(expr.span, format!("this is {}", n.dim.describe()))
                .help(format!("write it in {}, e.g. `{}`", dim.symbol_or_number(), dim.example())));
            }
            Ok(value)
        }
        (ParamType::Int, Value::Number(n)) => match n.as_int() {
            Some(i) if i >= 0 => Ok(value),
            _ => Err(Diag::error(&codes::TYPES_INTEGER, format!("`{name}` expects a non-negative whole number"))
                .label(expr.span, format!("this is {}", value.display()))
                .help(format!("write `{name}` as a whole number, e.g. `{name} = 1`"))),
        },
        // Every array argument (spike counts, schedule boundaries and step sizes) is plain numbers.
        (ParamType::Array, Value::Array(a)) if !a.dim.is_none() => Err(Diag::error(
            &codes::UNITS_MISMATCH,
            format!("`{name}` expects plain numbers, found {}", a.dim.describe()),
        )
        .label(expr.span, format!("this is {}", a.dim.describe()))
        .help(format!("`{name}` has no unit; drop it"))),
        (ParamType::Bool, Value::Bool(_)) | (ParamType::Text, Value::Text(_)) | (ParamType::Array, Value::Array(_)) => {
            Ok(value)
        }
        (ParamType::Quantity(_) | ParamType::Int, _) => Err(wrong("a number", &value)),
        (ParamType::Bool, _) => Err(wrong("`true` or `false`", &value)),
        (ParamType::Text, _) => Err(wrong("a string", &value)),
        (ParamType::Array, _) => Err(wrong("an array (a list or `load(...)`)", &value)),
    }
}

trait SymbolOrNumber {
    fn symbol_or_number(&self) -> String;
}

impl SymbolOrNumber for Dim {
    fn symbol_or_number(&self) -> String {
        if self.is_none() {
            "a plain number".to_string()
        } else {
            self.symbol()
        }
    }
}
