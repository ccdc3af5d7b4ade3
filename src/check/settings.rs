//! Settings: a kind's fields after presets and overrides are applied, every value validated
//! against its schema (dimension, range, shape) and remembered with the span that set it.

use std::collections::BTreeMap;

use super::eval::{eval, unknown_name, Scope};
use super::schema::{Bound, Default, FieldSpec, FieldType, Schema, Shape};
use super::units::{format_quantity, Dim};
use super::value::{Number, Value};
use crate::diagnostics::{codes, suggest, Diag, Diagnostics};
use crate::syntax::ast::{Block, Expr, FieldValue};
use crate::syntax::span::Span;

/// A kind's resolved fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub schema: &'static Schema,
    pub fields: BTreeMap<&'static str, Setting>,
}

/// One field's value and where it was set (`None`: the schema's default).
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub value: SettingValue,
    pub span: Option<Span>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SettingValue {
    Value(Value),
    Block(Settings),
}

impl Settings {
    /// Every field at its schema default (absent optional fields are left out).
    pub fn defaults(schema: &'static Schema) -> Settings {
        let mut fields = BTreeMap::new();
        for spec in schema.fields {
            if let Some(value) = default_value(spec) {
                fields.insert(spec.name, Setting { value, span: None });
            }
        }
        Settings { schema, fields }
    }

    pub fn get(&self, name: &str) -> Option<&Setting> {
        self.fields.get(name)
    }

    pub fn value(&self, name: &str) -> Option<&Value> {
        match self.fields.get(name).map(|s| &s.value) {
            Some(SettingValue::Value(v)) => Some(v),
            _ => None,
        }
    }

    pub fn number(&self, name: &str) -> Option<f64> {
        match self.value(name) {
            Some(Value::Number(n)) => Some(n.value),
            _ => None,
        }
    }

    pub fn int(&self, name: &str) -> Option<i64> {
        match self.value(name) {
            Some(Value::Number(n)) => n.as_int(),
            _ => None,
        }
    }

    pub fn count(&self, name: &str) -> Option<usize> {
        self.int(name).and_then(|i| usize::try_from(i).ok())
    }

    pub fn flag(&self, name: &str) -> Option<bool> {
        match self.value(name) {
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        }
    }

    pub fn choice(&self, name: &str) -> Option<&str> {
        match self.value(name) {
            Some(Value::Name(n) | Value::Text(n)) => Some(n),
            _ => None,
        }
    }

    pub fn block(&self, name: &str) -> Option<&Settings> {
        match self.fields.get(name).map(|s| &s.value) {
            Some(SettingValue::Block(b)) => Some(b),
            _ => None,
        }
    }

    pub fn span_of(&self, name: &str) -> Option<Span> {
        self.fields.get(name).and_then(|s| s.span)
    }

    /// As JSON in SI units, every field (defaults included).
    pub fn to_json(&self) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        for spec in self.schema.fields {
            if let Some(setting) = self.fields.get(spec.name) {
                let json = match &setting.value {
                    SettingValue::Value(v) => v.to_json(),
                    SettingValue::Block(b) => b.to_json(),
                };
                map.insert(spec.name.to_string(), json);
            }
        }
        serde_json::Value::Object(map)
    }
}

fn default_value(spec: &FieldSpec) -> Option<SettingValue> {
    let value = match (spec.default, spec.ty) {
        (Default::Absent, _) => return None,
        (Default::Num(v), _) => Value::Number(Number::plain(v)).with_dim(spec),
        (Default::Int(i), _) => Value::Number(Number::int(i)),
        (Default::Bool(b), _) => Value::Bool(b),
        (Default::Choice(c), _) => Value::Name(c.to_string()),
        (Default::Block, FieldType::Block(schema)) => return Some(SettingValue::Block(Settings::defaults(schema))),
        (Default::Block, FieldType::Model(models)) => {
            return models.first().map(|m| SettingValue::Block(Settings::defaults(m)));
        }
        (Default::Block, FieldType::Params) => return Some(SettingValue::Block(Settings::defaults(&PARAMS))),
        (Default::Block, _) => return None,
    };
    Some(SettingValue::Value(value))
}

/// A free block of named numbers (`opt_params`).
pub static PARAMS: Schema = Schema { kind: "parameters", doc: "named numbers", fields: &[] };

trait WithDim {
    fn with_dim(self, spec: &FieldSpec) -> Value;
}

impl WithDim for Value {
    fn with_dim(self, spec: &FieldSpec) -> Value {
        match (self, spec.ty) {
            (Value::Number(n), FieldType::Quantity { dim, .. }) => Value::Number(Number { dim, ..n }),
            (v, _) => v,
        }
    }
}

/// Where a block is applied, which decides the shapes per-neuron fields may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// On a device or preset: per-neuron fields take one value for every neuron.
    Device,
    /// On a population of this many neurons.
    Population(usize),
    /// Anything else (quantization, calibration targets, step options).
    Other,
}

/// Resolves `module.preset` references met inside a block (crossbar `device = crossbar.ReRamSB`).
pub type PresetResolver<'a> = &'a dyn Fn(&[String], Span) -> Result<Settings, Diag>;

/// Applies a block's fields onto settings, collecting every mistake.
pub struct Applier<'a> {
    pub scope: &'a dyn Scope,
    pub resolve: PresetResolver<'a>,
    pub context: Context,
    pub diags: &'a mut Diagnostics,
}

impl Applier<'_> {
    pub fn apply(&mut self, settings: &mut Settings, block: &Block) {
        let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
        // `model` first, so a model change resets the fields before the others apply.
        let ordered = block
            .fields
            .iter()
            .filter(|f| f.name.node == "model")
            .chain(block.fields.iter().filter(|f| f.name.node != "model"));
        for field in ordered {
            if let Some(first) = seen.get(field.name.node.as_str()) {
                self.diags.push(
                    Diag::error(&codes::NAMES_DUPLICATE, format!("`{}` is set twice in this block", field.name.node))
                        .label(field.name.span, "set again here")
                        .label(*first, "first set here")
                        .help("remove one of the two; a block sets each field once"),
                );
                continue;
            }
            seen.insert(field.name.node.as_str(), field.name.span);
            let Some(spec) = settings.schema.field(&field.name.node) else {
                self.diags.push(unknown_field(settings.schema, &field.name.node, field.name.span));
                continue;
            };
            match self.field(settings, spec, &field.value, field.span) {
                Ok(setting) => {
                    settings.fields.insert(spec.name, setting);
                }
                Err(d) => self.diags.push(d),
            }
        }
    }

    fn field(
        &mut self,
        settings: &Settings,
        spec: &'static FieldSpec,
        value: &FieldValue,
        span: Span,
    ) -> Result<Setting, Diag> {
        match (spec.ty, value) {
            (FieldType::Block(schema), FieldValue::Block(b)) => {
                let mut inner = settings.block(spec.name).cloned().unwrap_or_else(|| Settings::defaults(schema));
                self.apply(&mut inner, b);
                Ok(Setting { value: SettingValue::Block(inner), span: Some(span) })
            }
            (FieldType::Params, FieldValue::Block(b)) => {
                let inner = self.params(b)?;
                Ok(Setting { value: SettingValue::Block(inner), span: Some(span) })
            }
            (FieldType::Model(models), FieldValue::Block(b)) => {
                let current = settings.block(spec.name).cloned();
                let mut inner = self.model_start(models, current, b)?;
                self.apply(&mut inner, b);
                Ok(Setting { value: SettingValue::Block(inner), span: Some(span) })
            }
            (FieldType::Model(models), FieldValue::Expr(e)) => {
                let inner = self.model_reference(models, e)?;
                Ok(Setting { value: SettingValue::Block(inner), span: Some(e.span) })
            }
            (FieldType::Block(_) | FieldType::Params, FieldValue::Expr(e)) => {
                Err(Diag::error(&codes::TYPES_EXPECTED, format!("`{}` is a block of fields", spec.name))
                    .label(e.span, "a value where a block is expected")
                    .help(format!("write `{} {{ name = value, ... }}`", spec.name)))
            }
            (_, FieldValue::Block(b)) => {
                Err(Diag::error(&codes::TYPES_EXPECTED, format!("`{}` takes a value, not a block", spec.name))
                    .label(b.span, "a block where a value is expected")
                    .help(format!("write `{} = value`", spec.name)))
            }
            (_, FieldValue::Expr(e)) => {
                let v = eval(e, self.scope)?;
                let v = validate(spec, v, e, self.scope, self.context)?;
                Ok(Setting { value: SettingValue::Value(v), span: Some(e.span) })
            }
        }
    }

    fn params(&mut self, block: &Block) -> Result<Settings, Diag> {
        let mut out = Settings::defaults(&PARAMS);
        for f in &block.fields {
            let FieldValue::Expr(e) = &f.value else {
                return Err(Diag::error(&codes::TYPES_EXPECTED, "optimizer parameters are numbers")
                    .label(f.span, "a block here")
                    .help("write `opt_params { b1 = 0.9 }`"));
            };
            let v = eval(e, self.scope)?;
            match v {
                Value::Number(n) if n.dim.is_none() => {
                    // Field names of a free block are leaked once per distinct name: the set is tiny.
                    let name: &'static str = leak_name(&f.name.node);
                    out.fields.insert(name, Setting { value: SettingValue::Value(v), span: Some(e.span) });
                    let _ = n;
                }
                Value::Name(n) => return Err(unknown_name(&n, e.span, self.scope)),
                other => {
                    return Err(Diag::error(
                        &codes::TYPES_EXPECTED,
                        format!("`{}` expects a plain number, found {}", f.name.node, other.describe()),
                    )
                    .label(e.span, format!("this is {}", other.describe()))
                    .help("optimizer parameters are plain numbers, e.g. `b1 = 0.9`"))
                }
            }
        }
        Ok(out)
    }

    /// The settings a model block starts from: the current model's, or a fresh model's defaults
    /// when the block's `model` names another one.
    fn model_start(
        &mut self,
        models: &'static [&'static Schema],
        current: Option<Settings>,
        block: &Block,
    ) -> Result<Settings, Diag> {
        let named = block.fields.iter().find(|f| f.name.node == "model");
        let Some(field) = named else {
            return Ok(current.unwrap_or_else(|| {
                models.first().map_or_else(|| Settings::defaults(&PARAMS), |m| Settings::defaults(m))
            }));
        };
        let FieldValue::Expr(e) = &field.value else {
            return Err(Diag::error(&codes::TYPES_EXPECTED, "`model` takes a model name")
                .label(field.span, "a block here")
                .help("write `model = SoftBounds`"));
        };
        let schema = model_by_value(models, &eval(e, self.scope)?, e.span)?;
        match current {
            Some(c) if std::ptr::eq(c.schema, schema) => Ok(c),
            _ => Ok(Settings::defaults(schema)),
        }
    }

    fn model_reference(&mut self, models: &'static [&'static Schema], e: &Expr) -> Result<Settings, Diag> {
        match eval(e, self.scope)? {
            Value::Path(parts) => {
                let preset = (self.resolve)(&parts, e.span)?;
                // A tile preset carries its device in its `device` field.
                if models.iter().any(|m| std::ptr::eq(*m, preset.schema)) {
                    return Ok(preset);
                }
                preset.block("device").cloned().ok_or_else(|| {
                    Diag::error(&codes::NAMES_WRONG_KIND, format!("`{}` is not a device preset", parts.join(".")))
                        .label(e.span, "not a crossbar device")
                        .help("use a crossbar preset such as `crossbar.ReRamSB`, or a model block `device { model = SoftBounds }`")
                })
            }
            v @ (Value::Name(_) | Value::Text(_)) => Ok(Settings::defaults(model_by_value(models, &v, e.span)?)),
            other => Err(Diag::error(
                &codes::TYPES_EXPECTED,
                format!("expected a device preset or model, found {}", other.describe()),
            )
            .label(e.span, format!("this is {}", other.describe()))
            .help("write `device = crossbar.ReRamSB` or `device { model = SoftBounds, dw_min = 0.001 }`")),
        }
    }
}

fn leak_name(name: &str) -> &'static str {
    use std::collections::BTreeSet;
    use std::sync::{Mutex, OnceLock};
    static NAMES: OnceLock<Mutex<BTreeSet<&'static str>>> = OnceLock::new();
    let set = NAMES.get_or_init(|| Mutex::new(BTreeSet::new()));
    let Ok(mut guard) = set.lock() else { return "parameter" };
    if let Some(existing) = guard.get(name) {
        return existing;
    }
    let leaked: &'static str = Box::leak(name.to_string().into_boxed_str());
    guard.insert(leaked);
    leaked
}

fn model_by_value(models: &'static [&'static Schema], value: &Value, span: Span) -> Result<&'static Schema, Diag> {
    let name = match value {
        Value::Name(n) | Value::Text(n) => n.as_str(),
        _ => "",
    };
    let trimmed = name.strip_suffix("Device").unwrap_or(name);
    models.iter().copied().find(|m| m.kind.eq_ignore_ascii_case(trimmed)).ok_or_else(|| {
        let names: Vec<&str> = models.iter().map(|m| m.kind).collect();
        Diag::error(&codes::NAMES_UNKNOWN_OPTION, format!("unknown device model `{name}`"))
            .label(span, "not a device model")
            .help(match suggest::closest(trimmed, names.iter().copied()) {
                Some(c) => format!("did you mean `{c}`? models: {}", suggest::quote_list(&names)),
                None => format!("models: {}", suggest::quote_list(&names)),
            })
    })
}

/// The diagnostic for a field that is not in the schema.
pub fn unknown_field(schema: &Schema, name: &str, span: Span) -> Diag {
    Diag::error(&codes::NAMES_UNKNOWN_FIELD, format!("`{}` has no field `{name}`", schema.kind))
        .label(span, "unknown field")
        .help(suggest::did_you_mean(name, schema.field_names(), "field"))
}

/// Checks a value against a field's type, range and shape; returns it in canonical form.
pub fn validate(
    spec: &FieldSpec,
    value: Value,
    expr: &Expr,
    scope: &dyn Scope,
    context: Context,
) -> Result<Value, Diag> {
    if let Value::Name(n) = &value {
        if !matches!(spec.ty, FieldType::Choice(_)) {
            return Err(unknown_name(n, expr.span, scope));
        }
    }
    match spec.ty {
        FieldType::Quantity { dim, min, max } => quantity(spec, value, dim, min, max, expr.span, context),
        FieldType::Int { min, max } => integer(spec, value, min, max, expr.span, context),
        FieldType::Bool => match value {
            Value::Bool(_) => Ok(value),
            other => Err(expected(
                spec.name,
                "`true` or `false`",
                &other,
                expr.span,
                &format!("write `{} = true`", spec.name),
            )),
        },
        FieldType::Choice(options) => choice(spec.name, options, value, expr.span),
        FieldType::List { dim } => match value {
            Value::Array(a) if a.dim == dim || a.data.is_empty() => Ok(Value::Array(a)),
            Value::Array(a) => Err(dimension(spec.name, dim, a.dim, expr.span)),
            Value::Number(n) if n.dim == dim => Ok(Value::Array(super::value::Array {
                data: ndarray::ArrayD::from_elem(ndarray::IxDyn(&[1]), n.value),
                dim,
                integer: n.integer,
            })),
            other => Err(expected(
                spec.name,
                "a list of numbers or `load(...)`",
                &other,
                expr.span,
                &format!("write `{} = [1.0, 0.5]`", spec.name),
            )),
        },
        // Only the form here: what values a schedule may take is checked with the optimizer
        // (check::quantization), by the rules the quantize pass itself uses.
        FieldType::StepSize => match value {
            Value::Number(n) if n.dim.is_none() => Ok(value),
            Value::Call(ref c) if super::schema::autoencoder::SCHEDULES.contains(&c.function.as_str()) => Ok(value),
            other => Err(expected(
                spec.name,
                "a number or a schedule such as `exponential_decay(1e-3, 1000, 0.9)`",
                &other,
                expr.span,
                &format!("schedules: {}", super::schema::autoencoder::SCHEDULES.join(", ")),
            )),
        },
        FieldType::Block(_) | FieldType::Model(_) | FieldType::Params => Ok(value),
    }
}

fn expected(name: &str, what: &str, found: &Value, span: Span, help: &str) -> Diag {
    Diag::error(&codes::TYPES_EXPECTED, format!("`{name}` expects {what}, found {}", found.describe()))
        .label(span, format!("this is {}", found.describe()))
        .help(help.to_string())
}

fn dimension(name: &str, want: Dim, found: Dim, span: Span) -> Diag {
    let help = if want.is_none() {
        format!("`{name}` is a plain number; drop the unit")
    } else if found.is_none() {
        format!("write it with its unit, e.g. `{name} = {}`", want.example())
    } else {
        format!("write it in {}, e.g. `{name} = {}`", want.symbol(), want.example())
    };
    Diag::error(&codes::UNITS_MISMATCH, format!("`{name}` expects {}, found {}", want.describe(), found.describe()))
        .label(span, format!("this is {}", found.describe()))
        .help(help)
}

fn quantity(
    spec: &FieldSpec,
    value: Value,
    dim: Dim,
    min: Bound,
    max: Bound,
    span: Span,
    context: Context,
) -> Result<Value, Diag> {
    let potential = super::schema::bss2::POTENTIALS.contains(&spec.name);
    let dim_ok = |d: Dim| d == dim || (potential && d == Dim::VOLTAGE);
    let (values, found_dim): (Vec<f64>, Dim) = match &value {
        Value::Number(n) => (vec![n.value], n.dim),
        Value::Array(a) => {
            shape_allowed(spec, a.data.shape(), span, context)?;
            (a.data.iter().copied().collect(), a.dim)
        }
        other => {
            return Err(expected(
                spec.name,
                &dim.describe(),
                other,
                span,
                &format!("write e.g. `{} = {}`", spec.name, dim.example()),
            ))
        }
    };
    if !dim_ok(found_dim) {
        return Err(dimension(spec.name, dim, found_dim, span));
    }
    if found_dim == dim {
        if let Some(bad) = values.iter().copied().find(|v| !within(*v, min, max)) {
            return Err(range_error(spec, bad, min, max, dim, span));
        }
    }
    Ok(value)
}

fn integer(
    spec: &FieldSpec,
    value: Value,
    min: Option<i64>,
    max: Option<i64>,
    span: Span,
    context: Context,
) -> Result<Value, Diag> {
    let values: Vec<f64> = match &value {
        Value::Number(n) => vec![n.value],
        Value::Array(a) if !matches!(spec.shape, Shape::Scalar) => {
            shape_allowed(spec, a.data.shape(), span, context)?;
            a.data.iter().copied().collect()
        }
        Value::Array(a) => {
            // A chip-wide value (e.g. the synapse DAC bias) given per neuron.
            return Err(Diag::error(&codes::SHAPES_MISMATCH, format!("`{}` takes one value, not an array", spec.name))
                .label(span, format!("an array of shape {:?}", a.data.shape()))
                .help(format!("`{}` is a single value: {}", spec.name, spec.doc)));
        }
        other => {
            return Err(expected(spec.name, "a whole number", other, span, &format!("write e.g. `{} = 1`", spec.name)))
        }
    };
    if let Value::Number(n) = &value {
        if !n.dim.is_none() {
            return Err(dimension(spec.name, Dim::NONE, n.dim, span));
        }
    }
    let lo = min.map_or(Bound::Unbounded, |m| Bound::Inclusive(int_to_f64(m)));
    let hi = max.map_or(Bound::Unbounded, |m| Bound::Inclusive(int_to_f64(m)));
    for v in values {
        if v.fract() != 0.0 {
            return Err(Diag::error(&codes::TYPES_INTEGER, format!("`{}` must be a whole number", spec.name))
                .label(span, format!("{v} is not whole"))
                .help(format!("write `{}` without a fractional part", spec.name)));
        }
        if !within(v, lo, hi) {
            return Err(range_error(spec, v, lo, hi, Dim::NONE, span));
        }
    }
    Ok(value)
}

#[allow(clippy::cast_precision_loss)] // schema bounds are small
fn int_to_f64(i: i64) -> f64 {
    i as f64
}

fn choice(name: &str, options: &[&str], value: Value, span: Span) -> Result<Value, Diag> {
    let given = match &value {
        Value::Name(n) | Value::Text(n) => n.clone(),
        Value::Bool(b) => b.to_string(),
        other => {
            return Err(expected(
                name,
                &format!("one of {}", suggest::quote_list(options)),
                other,
                span,
                &format!("valid names: {}", suggest::quote_list(options)),
            ))
        }
    };
    match options.iter().find(|o| o.eq_ignore_ascii_case(&given)) {
        Some(o) => Ok(Value::Name((*o).to_string())),
        None => Err(Diag::error(&codes::NAMES_UNKNOWN_OPTION, format!("`{given}` is not a valid `{name}`"))
            .label(span, "unknown name")
            .help(match suggest::closest(&given, options.iter().copied()) {
                Some(c) => format!("did you mean `{c}`? valid names: {}", suggest::quote_list(options)),
                None => format!("valid names: {}", suggest::quote_list(options)),
            })),
    }
}

/// Per-neuron arrays only where the field and the context allow them.
fn shape_allowed(spec: &FieldSpec, shape: &[usize], span: Span, context: Context) -> Result<(), Diag> {
    let found = format!("{shape:?}");
    match (spec.shape, context) {
        (Shape::PerNeuron | Shape::PerNeuronInt, Context::Population(n)) => {
            if shape == [n] {
                Ok(())
            } else {
                Err(Diag::error(
                    &codes::SHAPES_MISMATCH,
                    format!("`{}` has shape {found}, but the population has {n} neurons", spec.name),
                )
                .label(span, format!("shape {found}"))
                .help(format!("give one value, or one per neuron: an array of shape [{n}]")))
            }
        }
        (Shape::PerNeuron | Shape::PerNeuronInt, _) => {
            Err(Diag::error(&codes::SHAPES_MISMATCH, format!("`{}` takes one value here", spec.name))
                .label(span, format!("an array of shape {found}"))
                .help("per-neuron values are set on a population: `neurons h[8] { Idc = [...] }`"))
        }
        (Shape::Calibration { .. }, _) => Ok(()), // checked against the chip's neuron count later
        (Shape::Scalar, _) => {
            Err(Diag::error(&codes::SHAPES_MISMATCH, format!("`{}` takes one value, not an array", spec.name))
                .label(span, format!("an array of shape {found}"))
                .help(format!("write a single value, e.g. `{} = 1`", spec.name)))
        }
    }
}

fn within(v: f64, min: Bound, max: Bound) -> bool {
    let lo = match min {
        Bound::Unbounded => true,
        Bound::Inclusive(m) => v >= m,
        Bound::Exclusive(m) => v > m,
    };
    let hi = match max {
        Bound::Unbounded => true,
        Bound::Inclusive(m) => v <= m,
        Bound::Exclusive(m) => v < m,
    };
    lo && hi && v.is_finite()
}

/// "must be positive", "must lie in [0, 1)", in the user's units.
pub fn describe_range(min: Bound, max: Bound, dim: Dim) -> String {
    let f = |v: f64| format_quantity(v, dim);
    match (min, max) {
        (Bound::Exclusive(0.0), Bound::Unbounded) => "must be positive".to_string(),
        (Bound::Inclusive(0.0), Bound::Unbounded) => "must not be negative".to_string(),
        (Bound::Inclusive(a), Bound::Unbounded) => format!("must be at least {}", f(a)),
        (Bound::Exclusive(a), Bound::Unbounded) => format!("must be above {}", f(a)),
        (Bound::Unbounded, Bound::Inclusive(b)) => format!("must be at most {}", f(b)),
        (Bound::Unbounded, Bound::Exclusive(b)) => format!("must be below {}", f(b)),
        (lo, hi) => {
            let l = match lo {
                Bound::Inclusive(a) => format!("[{}", f(a)),
                Bound::Exclusive(a) => format!("({}", f(a)),
                Bound::Unbounded => "(-inf".to_string(),
            };
            let h = match hi {
                Bound::Inclusive(b) => format!("{}]", f(b)),
                Bound::Exclusive(b) => format!("{})", f(b)),
                Bound::Unbounded => "inf)".to_string(),
            };
            format!("must lie in {l}, {h}")
        }
    }
}

/// The help says what the field is (its schema doc), which explains the range: a user who wrote
/// `150 %` learns that the field holds a fraction.
fn range_error(spec: &FieldSpec, value: f64, min: Bound, max: Bound, dim: Dim, span: Span) -> Diag {
    let (name, rule) = (spec.name, describe_range(min, max, dim));
    let current_limit = super::schema::dynapse2::MAX_CURRENT;
    let why = match max {
        Bound::Inclusive(m) if dim == Dim::CURRENT && m == current_limit && value > m => {
            format!("; {}", super::schema::dynapse2::MAX_CURRENT_WHY)
        }
        _ => String::new(),
    };
    Diag::error(&codes::TYPES_RANGE, format!("`{name}` {rule}, found {}", format_quantity(value, dim)))
        .label(span, format!("{} is out of range", format_quantity(value, dim)))
        .help(format!("`{name}`: {}; it {rule}{why}", spec.doc))
}
