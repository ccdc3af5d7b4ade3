//! The validation rules of aihwkit's core for a crossbar device (aihwkit.md Appendix A): what the
//! core would abort on is an error (`dyn::crossbar::invalid`), what it silently ignores or
//! overrides is a warning (`dyn::crossbar::warning`). Each points at the field that set it.

use super::settings::Settings;
use super::value::Value;
use crate::devices::crossbar::compounds::Algorithm;
use crate::diagnostics::{codes, Diag};
use crate::syntax::span::Span;

/// Every finding for one crossbar device (errors and warnings).
pub fn validate(settings: &Settings, device_span: Span) -> Vec<Diag> {
    let mut out = Vec::new();
    let at = |block: Option<&Settings>, name: &str| block.and_then(|b| b.span_of(name)).unwrap_or(device_span);
    let algorithm = settings.choice("algorithm").and_then(Algorithm::from_name).unwrap_or(Algorithm::Sgd);
    if let Some(device) = settings.block("device") {
        device_rules(device, &mut out, &|name| at(Some(device), name));
    }
    if let Some(io) = settings.block("io") {
        let nm = io.choice("noise_management").unwrap_or("abs_max");
        let bound = io.number("inp_bound").unwrap_or(1.0);
        if nm != "none" && bound != 1.0 {
            out.push(
                Diag::error(
                    &codes::CROSSBAR_INVALID,
                    format!("noise management `{nm}` needs `inp_bound = 1`, not {bound}"),
                )
                .label(at(Some(io), "inp_bound"), "this bound")
                .help("noise management scales inputs to ±1; set `inp_bound = 1` or `noise_management = none`"),
            );
        }
    }
    for block in ["update", "transfer_update"] {
        let Some(u) = settings.block(block) else { continue };
        for name in ["res", "x_res_implicit", "d_res_implicit"] {
            if let Some(v) = u.number(name).filter(|v| *v > 1.0) {
                out.push(
                    Diag::error(
                        &codes::CROSSBAR_INVALID,
                        format!("`{block}.{name} = {v}` is a quantisation width, and it must be at most 1"),
                    )
                    .label(at(Some(u), name), "a width above 1")
                    .help(format!(
                        "aihwkit's core uses a value above 1 as the width itself (not 1/steps), which suppresses \
                         every update; for {v} steps write `{name} = {}`",
                        1.0 / v
                    )),
                );
            }
        }
    }
    if let Some(t) = settings.block("transfer_io") {
        for name in ["noise_management", "bound_management"] {
            if t.span_of(name).is_some() && t.choice(name) != Some("none") {
                out.push(
                    Diag::warning(&codes::CROSSBAR_WARNING, format!("`transfer_io.{name}` has no effect"))
                        .label(at(Some(t), name), "ignored")
                        .help("aihwkit's core switches noise and bound management off for every transfer read"),
                );
            }
        }
    }
    if settings.count("n_devices").unwrap_or(1) > 1 && algorithm != Algorithm::Sgd {
        out.push(
            Diag::warning(&codes::CROSSBAR_WARNING, "`n_devices` is used only by `algorithm = sgd`")
                .label(at(Some(settings), "n_devices"), "ignored for this algorithm")
                .help("transfer compounds always have two devices; mixed precision has one"),
        );
    }
    if let Some(c) = settings.block("compound") {
        compound_rules(c, algorithm, &mut out, &|name| at(Some(c), name));
    }
    out
}

fn device_rules(d: &Settings, out: &mut Vec<Diag>, at: &dyn Fn(&str) -> Span) {
    let (w_min, w_max) = (d.number("w_min").unwrap_or(-0.6), d.number("w_max").unwrap_or(0.6));
    if w_min > 0.0 || w_max < 0.0 {
        let field = if w_min > 0.0 { "w_min" } else { "w_max" };
        out.push(
            Diag::error(&codes::CROSSBAR_INVALID, format!("the bounds [{w_min}, {w_max}] do not contain 0"))
                .label(at(field), "this bound")
                .help("aihwkit requires w_min ≤ 0 ≤ w_max; shift the range to include 0"),
        );
    }
    let mult_noise = d.flag("mult_noise").unwrap_or(true);
    for name in ["reverse_up", "reverse_down"] {
        if d.flag(name) == Some(true) && !mult_noise {
            out.push(
                Diag::error(&codes::CROSSBAR_INVALID, format!("`{name}` needs `mult_noise = true`"))
                    .label(at(name), "reversed slope")
                    .label(at("mult_noise"), "additive noise set here")
                    .help("reverse modes exist only with multiplicative cycle-to-cycle noise"),
            );
        }
    }
    if d.choice("model") == Some("PiecewiseStep") {
        let len = |name: &str| d.value(name).and_then(Value::numbers).map_or(0, |v| v.len());
        let (up, down) = (len("piecewise_up"), len("piecewise_down"));
        if up == 0 || down == 0 || up != down || up >= 64 {
            out.push(
                Diag::error(
                    &codes::CROSSBAR_INVALID,
                    format!(
                        "piecewise_up has {up} nodes and piecewise_down {down}: both need the same number, 1 to 63"
                    ),
                )
                .label(at(if up == 0 { "piecewise_up" } else { "piecewise_down" }), "these nodes")
                .help("give both lists, with equally many step factors (fewer than 64)"),
            );
        }
    }
}

fn compound_rules(c: &Settings, algorithm: Algorithm, out: &mut Vec<Diag>, at: &dyn Fn(&str) -> Span) {
    let set: Vec<&str> = c.fields.iter().filter(|(_, s)| s.span.is_some()).map(|(n, _)| *n).collect();
    if algorithm == Algorithm::Sgd {
        if let Some(first) = set.first() {
            out.push(
                Diag::warning(&codes::CROSSBAR_WARNING, "`compound` settings have no effect with `algorithm = sgd`")
                    .label(at(first), "ignored")
                    .help("choose a compound algorithm (tt, ttv2, c-ttv2, agad, mp) or remove the block"),
            );
        }
        return;
    }
    let own = algorithm.compound_fields();
    for name in set.iter().filter(|n| !own.contains(n)) {
        out.push(
            Diag::warning(
                &codes::CROSSBAR_WARNING,
                format!("`{name}` has no effect: {} has no such setting", algorithm.compound_class(1)),
            )
            .label(at(name), "ignored")
            .help(format!("the settings of {} are: {}", algorithm.compound_class(1), own.join(", "))),
        );
    }
    let invalid = |out: &mut Vec<Diag>, name: &str, message: String, help: &str| {
        out.push(Diag::error(&codes::CROSSBAR_INVALID, message).label(at(name), "here").help(help.to_string()));
    };
    let n_devices = 2usize;
    for name in ["gamma_vec", "transfer_every_vec", "transfer_lr_vec"] {
        if let Some(items) = c.value(name).and_then(Value::numbers) {
            if items.len() != n_devices {
                invalid(
                    out,
                    name,
                    format!("`{name}` has {} entries for {n_devices} devices", items.len()),
                    "give one entry per device",
                );
            } else if name == "gamma_vec" && items.last() == Some(&0.0) {
                invalid(
                    out,
                    name,
                    "the last entry of `gamma_vec` is 0".into(),
                    "the slow device must contribute to the visible weight",
                );
            }
        }
    }
    let reset = c.number("with_reset_prob").unwrap_or(0.0);
    if reset > 0.0 && c.flag("transfer_columns") == Some(false) {
        invalid(
            out,
            "with_reset_prob",
            "`with_reset_prob` needs column transfer".into(),
            "set `transfer_columns = true` or drop the reset",
        );
    }
    if matches!(algorithm, Algorithm::Ttv2 | Algorithm::CTtv2 | Algorithm::Agad) {
        if c.number("n_reads_per_transfer").is_some_and(|n| n != 1.0) {
            invalid(
                out,
                "n_reads_per_transfer",
                "chopped and dynamic transfer read exactly one column per transfer".into(),
                "set `n_reads_per_transfer = 1`",
            );
        }
        if c.flag("random_selection") == Some(true) {
            invalid(
                out,
                "random_selection",
                "chopped and dynamic transfer cannot select columns at random".into(),
                "remove `random_selection`",
            );
        }
        if reset > 0.0 {
            invalid(
                out,
                "with_reset_prob",
                "chopped and dynamic transfer cannot reset columns".into(),
                "set `with_reset_prob = 0`",
            );
        }
    }
    if algorithm == Algorithm::Agad {
        if c.number("in_chop_prob").is_some_and(|p| p <= 0.0) {
            invalid(
                out,
                "in_chop_prob",
                "AGAD needs `in_chop_prob > 0`".into(),
                "AGAD's reference is built from the chopper periods",
            );
        }
        if c.number("auto_momentum").is_some_and(|m| m <= 0.0 || m >= 1.0) {
            invalid(out, "auto_momentum", "AGAD needs 0 < auto_momentum < 1".into(), "use a value such as 0.99");
        }
    }
    if matches!(algorithm, Algorithm::Tt) {
        let every = c.number("transfer_every").unwrap_or(1.0);
        if set.contains(&"transfer_every") && every > 0.0 && every < 0.5 && c.flag("units_in_mbatch") == Some(false) {
            out.push(
                Diag::warning(
                    &codes::CROSSBAR_WARNING,
                    format!("`transfer_every = {every}` rounds to 0: nothing is ever transferred"),
                )
                .label(at("transfer_every"), "rounds to 0")
                .help("use a period of at least 1 vector update, or count it in mini-batches"),
            );
        }
    }
}
