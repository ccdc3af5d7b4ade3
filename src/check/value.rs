//! Values an expression evaluates to, in SI units, with their dimensions.

use std::collections::BTreeMap;

use ndarray::ArrayD;

use super::units::{format_number, format_quantities, format_quantity, Dim};
use crate::syntax::span::Span;

/// A scalar: SI value, dimension, and whether it is a whole number written as one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Number {
    pub value: f64,
    pub dim: Dim,
    pub integer: bool,
}

impl Number {
    pub fn plain(value: f64) -> Number {
        Number { value, dim: Dim::NONE, integer: false }
    }

    pub fn int(value: i64) -> Number {
        #[allow(clippy::cast_precision_loss)] // i64 beyond 2^53 rounds, like any float
        let v = value as f64;
        Number { value: v, dim: Dim::NONE, integer: true }
    }

    /// The value as an integer, if it is a whole dimensionless number within i64.
    pub fn as_int(&self) -> Option<i64> {
        if !self.dim.is_none() || self.value.fract() != 0.0 || self.value.abs() > 9.0e15 {
            return None;
        }
        #[allow(clippy::cast_possible_truncation)] // checked: whole and within ±9e15
        Some(self.value as i64)
    }
}

/// An n-dimensional array of SI values with one dimension for all elements.
#[derive(Debug, Clone, PartialEq)]
pub struct Array {
    pub data: ArrayD<f64>,
    pub dim: Dim,
    pub integer: bool,
}

/// A call to a builtin that yields a description rather than a number: a weight generator
/// (`uniform`, `normal`, `fill`), a stimulus (`poisson`, `regular`, `spikes`) or a step-size
/// schedule. Arguments are stored by parameter name, already checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub function: String,
    pub args: BTreeMap<String, Value>,
    /// Where each argument was written, by parameter name, so a later rule can point at it.
    pub arg_spans: BTreeMap<String, Span>,
    pub span: Span,
}

impl Call {
    /// The span of an argument, or of the whole call when it was not written.
    pub fn span_of(&self, name: &str) -> Span {
        self.arg_spans.get(name).copied().unwrap_or(self.span)
    }

    pub fn number(&self, name: &str) -> Option<Number> {
        match self.args.get(name) {
            Some(Value::Number(n)) => Some(*n),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Number(Number),
    Bool(bool),
    Text(String),
    /// A bare name that is not a constant: an option such as `adam`, resolved by the field.
    Name(String),
    /// `module.item`: a reference to a preset or item of another module.
    Path(Vec<String>),
    Array(Array),
    List(Vec<Value>),
    Call(Call),
}

impl Value {
    /// The numbers of a list or array (a list's non-numbers skipped; the schema reports them).
    pub fn numbers(&self) -> Option<Vec<f64>> {
        match self {
            Value::List(items) => Some(
                items
                    .iter()
                    .filter_map(|v| match v {
                        Value::Number(n) => Some(n.value),
                        _ => None,
                    })
                    .collect(),
            ),
            Value::Array(a) => Some(a.data.iter().copied().collect()),
            _ => None,
        }
    }

    /// What sort of value this is, for messages ("a string", "a current (A)", ...).
    pub fn describe(&self) -> String {
        match self {
            Value::Number(n) if n.dim.is_none() && n.integer => "an integer".to_string(),
            Value::Number(n) => n.dim.describe(),
            Value::Bool(_) => "a boolean".to_string(),
            Value::Text(_) => "a string".to_string(),
            Value::Name(n) => format!("the name `{n}`"),
            Value::Path(p) => format!("a reference to `{}`", p.join(".")),
            Value::Array(a) => {
                let shape: Vec<String> = a.data.shape().iter().map(|s| s.to_string()).collect();
                let unit = if a.dim.is_none() { String::new() } else { format!(" of {}", a.dim.symbol()) };
                format!("an array of shape ({}){unit}", shape.join(", "))
            }
            Value::List(_) => "a list".to_string(),
            Value::Call(c) => format!("`{}(...)`", c.function),
        }
    }

    /// A short rendering for the REPL and `dyn show`.
    pub fn display(&self) -> String {
        match self {
            Value::Number(n) if n.integer && n.dim.is_none() => {
                n.as_int().map_or_else(|| format_number(n.value), |i| i.to_string())
            }
            Value::Number(n) => format_quantity(n.value, n.dim),
            Value::Bool(b) => b.to_string(),
            Value::Text(s) => format!("{s:?}"),
            Value::Name(n) => n.clone(),
            Value::Path(p) => p.join("."),
            Value::Array(a) => {
                let unit = if a.dim.is_none() { String::new() } else { format!(" {}", a.dim.symbol()) };
                if a.data.len() <= 8 {
                    let values: Vec<f64> = a.data.iter().copied().collect();
                    format!("{} (shape {:?})", format_quantities(&values, a.dim), a.data.shape())
                } else {
                    format!("array of shape {:?}{unit}", a.data.shape())
                }
            }
            Value::List(items) => format!("[{}]", items.iter().map(Value::display).collect::<Vec<_>>().join(", ")),
            Value::Call(c) => {
                let args: Vec<String> = c.args.iter().map(|(k, v)| format!("{k} = {}", v.display())).collect();
                format!("{}({})", c.function, args.join(", "))
            }
        }
    }

    /// The value as JSON in SI units (for `dyn show` and outputs).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            Value::Number(n) => match n.as_int() {
                Some(i) if n.integer => json!(i),
                _ => json!(n.value),
            },
            Value::Bool(b) => json!(b),
            Value::Text(s) | Value::Name(s) => json!(s),
            Value::Path(p) => json!(p.join(".")),
            Value::Array(a) => array_json(&a.data),
            Value::List(items) => serde_json::Value::Array(items.iter().map(Value::to_json).collect()),
            Value::Call(c) => {
                let mut map = serde_json::Map::new();
                map.insert("function".into(), json!(c.function));
                for (k, v) in &c.args {
                    map.insert(k.clone(), v.to_json());
                }
                serde_json::Value::Object(map)
            }
        }
    }
}

fn array_json(data: &ArrayD<f64>) -> serde_json::Value {
    match data.ndim() {
        0 => serde_json::json!(data.iter().next().copied().unwrap_or(0.0)),
        1 => serde_json::Value::Array(data.iter().map(|v| serde_json::json!(v)).collect()),
        _ => serde_json::Value::Array(data.outer_iter().map(|row| array_json(&row.to_owned())).collect()),
    }
}
