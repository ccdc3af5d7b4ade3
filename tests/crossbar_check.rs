//! aihwkit's validation rules (Appendix A) as check diagnostics, each on the field that caused it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::path::Path;

/// The codes and labelled source texts of every diagnostic of `device`'s body.
fn findings(body: &str) -> Vec<(String, String)> {
    let text = format!("use crossbar\ndevice tile = crossbar.default {{\n{body}\n}}\n");
    let (_, result) = dynlang::check_text("t.dyn", &text, Path::new("."));
    let diags = match result {
        Ok(checked) => checked.warnings.items,
        Err(d) => d.items,
    };
    diags
        .iter()
        .map(|d| {
            let span = d.labels.first().map(|l| l.span).unwrap();
            (d.code.id.to_string(), text[span.start as usize..span.end as usize].to_string())
        })
        .collect()
}

#[test]
fn each_rule_points_at_its_field() {
    let cases = [
        ("device { model = LinearStep, reverse_up = true, mult_noise = false }", "dyn::crossbar::invalid", "true"),
        (
            "device { model = PiecewiseStep, piecewise_up = [1, 2], piecewise_down = [1] }",
            "dyn::crossbar::invalid",
            "[1]",
        ),
        ("io { inp_bound = 2 }", "dyn::crossbar::invalid", "2"),
        ("algorithm = agad\ncompound { in_chop_prob = 0 }", "dyn::crossbar::invalid", "0"),
        ("algorithm = agad\ncompound { auto_momentum = 1 }", "dyn::crossbar::invalid", "1"),
        ("algorithm = ttv2\ncompound { n_reads_per_transfer = 2 }", "dyn::crossbar::invalid", "2"),
        ("algorithm = tt\ncompound { gamma_vec = [1, 0] }", "dyn::crossbar::invalid", "[1, 0]"),
        ("algorithm = tt\nn_devices = 3", "dyn::crossbar::warning", "3"),
        ("compound { fast_lr = 0.5 }", "dyn::crossbar::warning", "0.5"),
        ("algorithm = tt\ncompound { in_chop_prob = 0.2 }", "dyn::crossbar::warning", "0.2"),
        ("update { res = 2 }", "dyn::crossbar::invalid", "2"),
        ("transfer_update { d_res_implicit = 8 }", "dyn::crossbar::invalid", "8"),
    ];
    for (body, code, text) in cases {
        let found = findings(body);
        assert!(found.iter().any(|(c, t)| c == code && t == text), "{body}: {found:?}");
    }
    assert!(findings("algorithm = \"C-TTv2\"\ndevice = crossbar.ReRamSB").is_empty());
}

/// An unknown algorithm is a diagnostic on the name that lists every alias build_config accepts.
#[test]
fn unknown_algorithm_lists_the_aliases() {
    let text = "use crossbar\ndevice tile = crossbar.default {\n algorithm = tiki_taka\n}\n";
    let (_, result) = dynlang::check_text("t.dyn", text, Path::new("."));
    let diags = result.err().unwrap();
    let d = &diags.items[0];
    let span = d.labels[0].span;
    assert_eq!(&text[span.start as usize..span.end as usize], "tiki_taka");
    let help = d.help.clone().unwrap_or_default();
    for alias in dynlang::devices::crossbar::compounds::Algorithm::NAMES {
        assert!(help.contains(&format!("`{alias}`")), "{alias} missing from: {help}");
    }
}
