//! The `autoencoder` quantization's settings as the quantize pass runs them: the optimizer and the
//! step-size schedule built from the checked values. `dyn check` and the pass build them the same
//! way, and the rules (ranges, step counts, piecewise boundaries) live once, beside the schedules
//! and optimizers (devices/dynapse2/deploy/autoencoder); the check points each broken rule at the
//! value that broke it.

use super::settings::Settings;
use super::value::{Call, Value};
use crate::devices::dynapse2::deploy::autoencoder::{
    self as ae, Optimizer, Problem, ProblemKind, Schedule, OPTIMIZER_PARAMS, SCHEDULES,
};
use crate::diagnostics::{codes, suggest, Diag};
use crate::syntax::span::Span;

/// Rockpool's default step size, jax's `adam(1e-4)`.
const DEFAULT_STEP_SIZE: f64 = 1e-4;

/// The quantizer's settings, or every problem with them.
pub fn build(cfg: &Settings) -> Result<ae::Settings, Vec<Problem>> {
    let (optimizer, step_size) = match (optimizer(cfg), schedule(cfg.value("step_size"))) {
        (Ok(o), Ok(s)) => (o, s),
        (o, s) => return Err(o.err().into_iter().chain(s.err()).flatten().collect()),
    };
    let defaults = ae::Settings::default();
    let settings = ae::Settings {
        n_bits: cfg.count("n_bits").unwrap_or(defaults.n_bits),
        fixed_epoch: cfg.flag("fixed_epoch").unwrap_or(defaults.fixed_epoch),
        num_epoch: cfg.count("num_epoch").map_or(defaults.num_epoch, |v| v as u64),
        num_epoch_checkpoint: cfg.count("num_epoch_checkpoint").map_or(defaults.num_epoch_checkpoint, |v| v as u64),
        eps: cfg.number("eps").unwrap_or(defaults.eps),
        record_loss: cfg.flag("record_loss").unwrap_or(defaults.record_loss),
        optimizer,
        step_size,
    };
    let problems = settings.problems();
    if problems.is_empty() {
        Ok(settings)
    } else {
        Err(problems)
    }
}

/// `optimizer` with its `opt_params`.
pub fn optimizer(cfg: &Settings) -> Result<Optimizer, Vec<Problem>> {
    let name = cfg.choice("optimizer").unwrap_or("adam");
    let params = cfg.block("opt_params");
    Optimizer::build(name, |p| params.and_then(|b| b.number(p)))
}

/// `step_size`: a number (a constant rate) or a schedule call; absent, Rockpool's default.
pub fn schedule(value: Option<&Value>) -> Result<Schedule, Vec<Problem>> {
    let schedule = match value {
        None => Schedule::Constant(DEFAULT_STEP_SIZE),
        Some(v) => schedule_of(v).map_err(|p| vec![p])?,
    };
    let problems = schedule.problems();
    if problems.is_empty() {
        Ok(schedule)
    } else {
        Err(problems)
    }
}

/// The schedule a value describes, before its values are judged.
fn schedule_of(value: &Value) -> Result<Schedule, Problem> {
    let call = match value {
        Value::Number(n) => return Ok(Schedule::Constant(n.value)),
        Value::Call(c) if SCHEDULES.contains(&c.function.as_str()) => c,
        other => return Err(not_a_schedule(&other.describe())),
    };
    let number = |name: &'static str| call.number(name).map(|n| n.value).ok_or_else(|| missing(call, name));
    let list = |name: &'static str| match call.args.get(name) {
        Some(Value::Array(a)) => Ok(a.data.iter().copied().collect()),
        Some(Value::Number(n)) => Ok(vec![n.value]),
        _ => Err(missing(call, name)),
    };
    Ok(match call.function.as_str() {
        "constant" => Schedule::Constant(number("step_size")?),
        "exponential_decay" => Schedule::ExponentialDecay {
            step_size: number("step_size")?,
            decay_steps: number("decay_steps")?,
            decay_rate: number("decay_rate")?,
        },
        "inverse_time_decay" => Schedule::InverseTimeDecay {
            step_size: number("step_size")?,
            decay_steps: number("decay_steps")?,
            decay_rate: number("decay_rate")?,
            staircase: matches!(call.args.get("staircase"), Some(Value::Bool(true))),
        },
        "polynomial_decay" => Schedule::PolynomialDecay {
            step_size: number("step_size")?,
            decay_steps: number("decay_steps")?,
            final_step_size: number("final_step_size")?,
            power: call.number("power").map_or(1.0, |n| n.value),
        },
        "piecewise_constant" => {
            Schedule::PiecewiseConstant { boundaries: list("boundaries")?, values: list("values")? }
        }
        other => return Err(not_a_schedule(&format!("`{other}(...)`"))),
    })
}

fn not_a_schedule(found: &str) -> Problem {
    Problem {
        kind: ProblemKind::Arguments,
        argument: "step_size",
        message: format!("`step_size` expects a number or a schedule, found {found}"),
        label: "not a step size".into(),
        help: format!("schedules: {}", SCHEDULES.join(", ")),
    }
}

fn missing(call: &Call, name: &'static str) -> Problem {
    Problem {
        kind: ProblemKind::Arguments,
        argument: name,
        message: format!("`{}` needs `{name}`", call.function),
        label: format!("`{name}` is missing"),
        help: "e.g. `step_size = exponential_decay(1e-3, 1000, 0.9)`".into(),
    }
}

/// Every mistake in a quantization's optimizer and step size, each at the value that made it;
/// `item` is the quantization's name, for settings that were never written.
pub fn check(cfg: &Settings, item: Span) -> Vec<Diag> {
    let mut out = unknown_params(cfg, item);
    if let Err(problems) = optimizer(cfg) {
        let params = cfg.block("opt_params");
        let at = |argument: &str| {
            params.and_then(|b| b.span_of(argument)).or_else(|| cfg.span_of("optimizer")).unwrap_or(item)
        };
        out.extend(problems.iter().map(|p| diagnostic(p, at(p.argument))));
    }
    if let Err(problems) = schedule(cfg.value("step_size")) {
        let whole = cfg.span_of("step_size").unwrap_or(item);
        let at = |argument: &str| match cfg.value("step_size") {
            Some(Value::Call(c)) => c.span_of(argument),
            _ => whole,
        };
        out.extend(problems.iter().map(|p| diagnostic(p, at(p.argument))));
    }
    out
}

/// `opt_params` names must belong to the chosen optimizer.
fn unknown_params(cfg: &Settings, item: Span) -> Vec<Diag> {
    let optimizer = cfg.choice("optimizer").unwrap_or("adam");
    let allowed: Vec<&str> = OPTIMIZER_PARAMS
        .iter()
        .find(|(n, _)| *n == optimizer)
        .map(|(_, p)| p.iter().map(|p| p.name).collect())
        .unwrap_or_default();
    let Some(params) = cfg.block("opt_params") else { return Vec::new() };
    params
        .fields
        .iter()
        .filter(|(name, _)| !allowed.contains(*name))
        .map(|(name, setting)| {
            Diag::error(&codes::NAMES_UNKNOWN_FIELD, format!("optimizer `{optimizer}` has no parameter `{name}`"))
                .label(setting.span.unwrap_or(item), "unknown parameter")
                .help(if allowed.is_empty() {
                    format!("`{optimizer}` takes no extra parameters")
                } else {
                    format!("`{optimizer}` takes {}", suggest::quote_list(&allowed))
                })
        })
        .collect()
}

fn diagnostic(problem: &Problem, span: Span) -> Diag {
    let code = match problem.kind {
        ProblemKind::Range => &codes::TYPES_RANGE,
        ProblemKind::Integer => &codes::TYPES_INTEGER,
        ProblemKind::Arguments => &codes::TYPES_ARGUMENTS,
        ProblemKind::Unknown => &codes::NAMES_UNKNOWN_OPTION,
        ProblemKind::Schedule => &codes::QUANTIZE_SCHEDULE,
    };
    Diag::error(code, problem.message.clone()).label(span, problem.label.clone()).help(problem.help.clone())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::check::schema::autoencoder::QUANTIZATION;

    #[test]
    fn defaults_build_rockpools_settings() {
        let cfg = Settings::defaults(&QUANTIZATION);
        assert_eq!(build(&cfg).unwrap(), ae::Settings::default());
        assert!(check(&cfg, Span::new(crate::syntax::span::SourceId(0), 0, 1)).is_empty());
    }
}
