//! Grammar cases: every fixed construct of DESIGN.md §2 parses into the structure it means, and
//! expressions evaluate to the SI values they denote. Syntax errors are worded for people: their
//! snapshots quote no grammar rule names.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::path::Path as FsPath;

use dynlang::check::program::{load, Input, ModuleId};
use dynlang::check::resolve::Resolver;
use dynlang::check::units::Dim;
use dynlang::check::value::Value;
use dynlang::diagnostics::render::{render_all, Style};
use dynlang::syntax::ast::*;
use dynlang::syntax::span::SourceId;
use dynlang::syntax::{parse_expression, parse_module};

// ---- helpers --------------------------------------------------------------------------------

fn parse(text: &str) -> Module {
    match parse_module(SourceId(0), text) {
        Ok(m) => m,
        Err(d) => panic!("did not parse: {:?}\n{text}", d.items.iter().map(|d| &d.message).collect::<Vec<_>>()),
    }
}

fn expr(text: &str) -> Expr {
    match parse_expression(SourceId(0), text) {
        Ok(e) => e,
        Err(d) => panic!("did not parse: {:?}\n{text}", d.items.iter().map(|d| &d.message).collect::<Vec<_>>()),
    }
}

/// An expression as an S-expression: `(+ 1 (* 2 3))`, so precedence shows at a glance.
fn sx(e: &Expr) -> String {
    match &e.node {
        ExprKind::Number { value, integer } => integer.map_or_else(|| format!("{value:?}"), |i| i.to_string()),
        ExprKind::Quantity { value, unit } => format!("{value:?}{}", unit.node),
        ExprKind::Str(s) => format!("{s:?}"),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Name(n) => n.clone(),
        ExprKind::List(items) => format!("[{}]", items.iter().map(sx).collect::<Vec<_>>().join(" ")),
        ExprKind::Range { start, end } => format!("{start}..{end}"),
        ExprKind::Neg(inner) => format!("(neg {})", sx(inner)),
        ExprKind::Binary { op, lhs, rhs } => format!("({} {} {})", op.symbol(), sx(lhs), sx(rhs)),
        ExprKind::Call { callee, args } => {
            let args: Vec<String> = args
                .iter()
                .map(|a| match &a.name {
                    Some(n) => format!("{}={}", n.node, sx(&a.value)),
                    None => sx(&a.value),
                })
                .collect();
            format!("(call {}{})", sx(callee), args.iter().map(|a| format!(" {a}")).collect::<String>())
        }
        ExprKind::Field { base, name } => format!("(. {} {})", sx(base), name.node),
    }
}

fn block(b: &Block) -> String {
    let fields: Vec<String> = b
        .fields
        .iter()
        .map(|f| match &f.value {
            FieldValue::Expr(e) => format!("{}={}", f.name.node, sx(e)),
            FieldValue::Block(inner) => format!("{}{}", f.name.node, block(inner)),
        })
        .collect();
    format!("{{{}}}", fields.join(", "))
}

fn opt_block(b: &Option<Block>) -> String {
    b.as_ref().map(block).unwrap_or_default()
}

fn step(s: &Step) -> String {
    match &s.kind {
        StepKind::Map { network, options } => format!("map {}{}", network.node, opt_block(options)),
        StepKind::Quantize { with, options } => format!("quantize with {}{}", with.node, opt_block(options)),
        StepKind::Calibrate { with, options } => format!("calibrate with {}{}", with.node, opt_block(options)),
        StepKind::Train { network, with } => match with {
            TrainWith::Block(b) => format!("train {} with {}", network.node, block(b)),
            TrainWith::Name(n) => format!("train {} with {}", network.node, n.node),
        },
        StepKind::Simulate { target, duration, stimuli, records } => {
            let target = target.as_ref().map_or("-".to_string(), |t| t.node.clone());
            let stimuli: Vec<String> =
                stimuli.iter().map(|s| format!("{} <- {}", s.input.node, sx(&s.value))).collect();
            let records: Vec<String> =
                records.iter().map(|r| format!("{}({})", r.state.node, r.population.node)).collect();
            format!(
                "simulate {target} for {} stimuli [{}] record [{}]",
                sx(duration),
                stimuli.join("; "),
                records.join(", ")
            )
        }
        StepKind::Export { what, path } => format!("export {} to {:?}", what.node, path.node),
    }
}

/// One line per item (and per network statement / experiment step): the parsed structure.
fn outline(module: &Module) -> String {
    let mut out = String::new();
    for item in &module.items {
        let line = match item {
            Item::Use(u) => match &u.target {
                UseTarget::Stdlib(name) => format!("use stdlib {}", name.node),
                UseTarget::File { path, alias } => format!("use file {:?} as {}", path.node, alias.node),
            },
            Item::Let(l) => format!("let {} = {}", l.name.node, sx(&l.value)),
            Item::Device(d) => format!("device {} = {} {}", d.name.node, d.base.text(), opt_block(&d.block)),
            Item::Preset(p) => format!(
                "preset {}: {} = {} {}",
                p.name.node,
                p.kind.node,
                p.base.as_ref().map_or("-".to_string(), |b| b.text()),
                block(&p.block)
            ),
            Item::Network(n) => {
                let mut s = format!("network {}", n.name.node);
                for st in &n.statements {
                    s.push_str("\n    ");
                    s.push_str(&match st {
                        NetStatement::Population(p) => {
                            format!("{} {}[{}] {}", p.kind.keyword(), p.name.node, sx(&p.size), opt_block(&p.block))
                                .trim_end()
                                .to_string()
                        }
                        NetStatement::Projection(p) => format!("{} -> {} = {}", p.from.node, p.to.node, sx(&p.value)),
                        NetStatement::Output(o) => {
                            format!("output {}", o.names.iter().map(|n| n.node.as_str()).collect::<Vec<_>>().join(", "))
                        }
                    });
                }
                s
            }
            Item::Quantization(q) => format!("quantization {} = {} {}", q.name.node, q.base.text(), block(&q.block)),
            Item::Calibration(c) => format!("calibration {} = {} {}", c.name.node, c.base.text(), block(&c.block)),
            Item::Experiment(e) => {
                let mut s = format!("experiment {} on {}", e.name.node, e.device.node);
                for st in &e.steps {
                    s.push_str("\n    ");
                    s.push_str(&step(st));
                }
                s
            }
        };
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The value of `let NAME` in `text`, with the checker's name resolution.
fn let_value(text: &str, name: &str) -> Value {
    let (program, diags) = load(Input::Text { name: "test.dyn", text, dir: FsPath::new(".") });
    assert!(!diags.has_errors(), "{text}: {:?}", diags.items);
    let resolver = Resolver::new(&program);
    let value = resolver.let_value(ModuleId(0), name);
    let found = resolver.diags.into_inner();
    assert!(!found.has_errors(), "{text}: {:?}", found.items.iter().map(|d| &d.message).collect::<Vec<_>>());
    value.unwrap()
}

fn number(text: &str) -> (f64, Dim) {
    match let_value(&format!("let x = {text}"), "x") {
        Value::Number(n) => (n.value, n.dim),
        other => panic!("{text}: not a number: {other:?}"),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
}

// ---- every fixed construct ------------------------------------------------------------------

/// DESIGN.md §2, written out in full (the matrix literal written without its `...`).
const LANGUAGE: &str = r#"
// Comments start with //. Newlines or commas separate fields.
use dynapse2                        // a standard-library module (stdlib/dynapse2.dyn)
use "lab/presets.dyn" as lab        // a file, relative to this one

let n_hidden = 32                   // constants; expressions carry units: let tau = 2 * 10 ms
let tau = 2 * 10 ms

preset fast: dynapse2 = dynapse2.default {
    Itau_mem = 10 pA
}
preset slow: dynapse2 { tau_syn = 50 ms }

device chip = dynapse2.default {    // an instance of a preset (or bare kind), with overrides
    Iscale = 100 nA
    percent_mismatch = 5 %
    seed = 1
}
device bare = dynapse2

network net {
    input   x[12]                   // input channels
    neurons h1[n_hidden] { Itau_mem = load("itau.npy") * 1 A, Idc = [0 A, 50 pA] }
    neurons h2[n_hidden]
    neurons out[2]
    x  -> h1  = load("weights/w0.npy")             // weight matrix (n_pre x n_post), .npy
    h1 -> h2  = uniform(-1, 1, seed = 2)
    h2 -> h2  = normal(0, 0.2, seed = 3, density = 0.1)   // recurrent
    h2 -> out = [[0.5, -0.5], [0.25, 0.0]]    // inline matrix literal
    output out
}

quantization q4 = autoencoder {
    n_bits = 4
    fixed_epoch = true
    num_epoch = 10_000
    num_epoch_checkpoint = 1_000
    eps = 1e-6
    optimizer = adam
    step_size = 1e-4
}

calibration hx_targets = bss2.neuron_target {
    leak = 80
    reset = 70
    threshold = 125
    tau_mem = 10 us
    tau_syn = 10 us
    refractory_time = 2 us
}

experiment deploy on chip {
    map net
    quantize with q4
    export config to "deploy.config.json"
    simulate for 500 ms {
        x <- poisson(rate = 40 Hz, seed = 7)     // or spikes(load("in.npy")), regular(period = 10 ms)
        record spikes(out), Imem(h1)
    }
    simulate deployed for 100 ms { x <- spikes(load("in.npy")) }
    simulate net for 10 ms { x <- regular(period = 10 ms), record Vmem(h2) }
}

experiment cal on hx {
    calibrate with targets { leak_over_threshold_rate = 100 kHz, refine_potentials = true }
    export calibration to "calib.json"
}

device tile = crossbar.ReRamSB {
    algorithm = "c-ttv2"
    io { out_noise = 0.06, inp_res = 0.5 }       // nested field blocks
}

network mlp {
    input x[4]
    layer hidden[8] { activation = sigmoid }
    layer out[3] { activation = none, bias = digital }
    x -> hidden = analog
    hidden -> out = analog
    output out
}

experiment fit on tile {
    train mlp with {
        data = load("x_train.npy"), labels = load("y_train.npy")     // float (n, in), int (n,)
        test_data = load("x_test.npy"), test_labels = load("y_test.npy")
        epochs = 30, batch_size = 10, lr = 0.1, loss = cross_entropy, seed = 1
    }
    export weights to "w.npy"
    export spec to "spec.json"
}
"#;

#[test]
fn every_fixed_construct_parses() {
    let module = parse(LANGUAGE);
    insta::assert_snapshot!(outline(&module));
    let kinds: Vec<&str> = module.items.iter().map(Item::describe).collect();
    assert_eq!(
        kinds,
        [
            "module",
            "module",
            "constant",
            "constant",
            "preset",
            "preset",
            "device",
            "device",
            "network",
            "quantization",
            "calibration",
            "experiment",
            "experiment",
            "device",
            "network",
            "experiment"
        ]
    );
}

#[test]
fn use_items() {
    let m = parse("use dynapse2\nuse \"lab/presets.dyn\" as lab");
    assert!(matches!(&m.items[0], Item::Use(UseItem { target: UseTarget::Stdlib(n), .. }) if n.node == "dynapse2"));
    match &m.items[1] {
        Item::Use(UseItem { target: UseTarget::File { path, alias }, .. }) => {
            assert_eq!((path.node.as_str(), alias.node.as_str()), ("lab/presets.dyn", "lab"));
        }
        other => panic!("{other:?}"),
    }
    // keywords end at a word boundary: `user` is not `use r`
    assert!(parse_module(SourceId(0), "user dynapse2").is_err());
    assert_eq!(outline(&parse("let user = 1")), "let user = 1\n");
}

#[test]
fn presets_inherit_with_equals_base() {
    let m = parse("preset fast: dynapse2 = dynapse2.default { Itau_mem = 10 pA }\npreset own: crossbar { }");
    match &m.items[..] {
        [Item::Preset(fast), Item::Preset(own)] => {
            assert_eq!(fast.kind.node, "dynapse2");
            assert_eq!(fast.base.as_ref().unwrap().text(), "dynapse2.default");
            assert_eq!(block(&fast.block), "{Itau_mem=10.0pA}");
            assert!(own.base.is_none());
            assert!(own.block.fields.is_empty());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn network_statements() {
    let m = parse(
        "network n { input x[4], neurons h[2 * 4] { Idc = 5 pA, Itau_mem = [1 pA, 2 pA] }\n x -> h = fill(1)\n h -> h = [[1, 0], [0, 1]]\n output h, x }",
    );
    let Item::Network(n) = &m.items[0] else { panic!() };
    assert_eq!(n.statements.len(), 5);
    match &n.statements[1] {
        NetStatement::Population(p) => {
            assert_eq!((p.kind, p.name.node.as_str(), sx(&p.size).as_str()), (PopulationKind::Neurons, "h", "(* 2 4)"));
            assert_eq!(opt_block(&p.block), "{Idc=5.0pA, Itau_mem=[1.0pA 2.0pA]}");
        }
        other => panic!("{other:?}"),
    }
    match &n.statements[4] {
        NetStatement::Output(o) => assert_eq!(o.names.iter().map(|n| n.node.as_str()).collect::<Vec<_>>(), ["h", "x"]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_experiment_step() {
    let m = parse(
        r#"experiment e on chip {
            map net { separate_scales = false }
            quantize with q { }
            calibrate with c { refine_potentials = true }
            train mlp with settings
            simulate for 1 s
            simulate deployed for 2 ms { record spikes(h) }
            simulate net for 3 ms { x <- poisson(rate = 1 kHz, seed = 1), y <- regular(period = 1 ms) }
            export config to "a.json"
            export spec to "b.json"
            export weights to "c.npy"
            export calibration to "d.json"
        }"#,
    );
    let Item::Experiment(e) = &m.items[0] else { panic!() };
    let steps: Vec<String> = e.steps.iter().map(step).collect();
    assert_eq!(
        steps,
        [
            "map net{separate_scales=false}",
            "quantize with q{}",
            "calibrate with c{refine_potentials=true}",
            "train mlp with settings",
            "simulate - for 1.0s stimuli [] record []",
            "simulate deployed for 2.0ms stimuli [] record [spikes(h)]",
            "simulate net for 3.0ms stimuli [x <- (call poisson rate=1.0kHz seed=1); y <- (call regular period=1.0ms)] record []",
            "export config to \"a.json\"",
            "export spec to \"b.json\"",
            "export weights to \"c.npy\"",
            "export calibration to \"d.json\"",
        ]
    );
    // each step keeps the span of its keyword, for "this step comes too early"
    let text = "experiment e on chip {\n    quantize with q\n}";
    let m = parse(text);
    let Item::Experiment(e) = &m.items[0] else { panic!() };
    assert_eq!(&text[e.steps[0].keyword.range()], "quantize");
}

#[test]
fn nested_field_blocks_and_separators() {
    let m = parse("device t = crossbar.default { io { out_noise = 0.06, w_noise { x = 1 } }, seed = 1 }");
    let Item::Device(d) = &m.items[0] else { panic!() };
    assert_eq!(opt_block(&d.block), "{io{out_noise=0.06, w_noise{x=1}}, seed=1}");
    // newlines and commas both separate fields; a trailing comma is fine
    let a = parse("device d = dynapse2 {\n a = 1\n b = 2\n}");
    let b = parse("device d = dynapse2 { a = 1, b = 2, }");
    assert_eq!(outline(&a), outline(&b));
}

#[test]
fn comments() {
    let m = parse("// line\nlet a = 1 // after\n/* block\n comment */ let b = /* inline */ 2\n");
    assert_eq!(outline(&m), "let a = 1\nlet b = 2\n");
    // a `//` inside a string is not a comment
    let m = parse("use \"a//b.dyn\" as b");
    assert_eq!(outline(&m), "use file \"a//b.dyn\" as b\n");
}

// ---- literals and quantities ----------------------------------------------------------------

#[test]
fn numbers() {
    assert_eq!(sx(&expr("10_000")), "10000");
    assert_eq!(sx(&expr("1e-6")), "1e-6");
    assert_eq!(sx(&expr("2.5E3")), "2500.0");
    assert_eq!(sx(&expr("0.25")), "0.25");
    assert_eq!(number("1_000.5"), (1000.5, Dim::NONE));
    match let_value("let x = 42", "x") {
        Value::Number(n) => assert!(n.integer && n.value == 42.0),
        other => panic!("{other:?}"),
    }
    match let_value("let x = 42.0", "x") {
        Value::Number(n) => assert!(!n.integer),
        other => panic!("{other:?}"),
    }
}

#[test]
fn si_prefixes_on_every_unit() {
    let prefixes: &[(&str, f64)] = &[
        ("", 1.0),
        ("f", 1e-15),
        ("p", 1e-12),
        ("n", 1e-9),
        ("u", 1e-6),
        ("\u{b5}", 1e-6),
        ("\u{3bc}", 1e-6),
        ("m", 1e-3),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
    ];
    let units: &[(&str, Dim)] = &[
        ("A", Dim::CURRENT),
        ("V", Dim::VOLTAGE),
        ("s", Dim::TIME),
        ("Hz", Dim::FREQUENCY),
        ("F", Dim::CAPACITANCE),
        ("S", Dim::CONDUCTANCE),
    ];
    for (prefix, scale) in prefixes {
        for (unit, dim) in units {
            for written in [format!("3 {prefix}{unit}"), format!("3{prefix}{unit}"), format!("3.0\t{prefix}{unit}")] {
                let (value, found) = number(&written);
                assert!(close(value, 3.0 * scale), "{written}: {value}");
                assert_eq!(found, *dim, "{written}");
            }
        }
    }
    assert_eq!(number("5 %"), (0.05, Dim::NONE));
    assert_eq!(number("5%"), (0.05, Dim::NONE));
    // the quantity keeps the unit as written (output uses the user's unit)
    match &expr("63 fF").node {
        ExprKind::Quantity { value, unit } => assert_eq!((*value, unit.node.as_str()), (63.0, "fF")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_unit_must_follow_its_number_on_the_same_line() {
    // `ms` on the next line is a name, not a unit
    assert!(parse_expression(SourceId(0), "10\nms").is_err());
    assert_eq!(sx(&expr("10 ms")), "10.0ms");
    // a unit-like word glued to more letters is not a unit
    assert!(parse_expression(SourceId(0), "10 msx").is_err());
}

#[test]
fn strings_and_booleans() {
    assert_eq!(sx(&expr(r#""a \"quoted\" \\ path\n""#)), r#""a \"quoted\" \\ path\n""#);
    assert_eq!(sx(&expr("true")), "true");
    assert_eq!(sx(&expr("false")), "false");
    // `trueish` is a name, not a boolean
    assert_eq!(sx(&expr("trueish")), "trueish");
}

#[test]
fn lists_matrices_and_ranges() {
    assert_eq!(sx(&expr("[]")), "[]");
    assert_eq!(sx(&expr("[1, 2, 3,]")), "[1 2 3]");
    assert_eq!(sx(&expr("[[0.5, -0.5], [0.25, 0.0]]")), "[[0.5 (neg 0.5)] [0.25 0.0]]");
    assert_eq!(sx(&expr("0..8")), "0..8");
    assert_eq!(sx(&expr("[0 A, 50 pA]")), "[0.0A 50.0pA]");
    match let_value("let m = [[1, 2, 3], [4, 5, 6]]", "m") {
        Value::Array(a) => {
            assert_eq!(a.data.shape(), [2, 3]);
            assert_eq!(a.data.iter().copied().collect::<Vec<_>>(), [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        }
        other => panic!("{other:?}"),
    }
    match let_value("let v = [0 A, 50 pA, 1 nA]", "v") {
        Value::Array(a) => {
            assert_eq!(a.dim, Dim::CURRENT);
            assert!(close(a.data[[1]], 50e-12) && close(a.data[[2]], 1e-9));
        }
        other => panic!("{other:?}"),
    }
    match let_value("let r = 2..5", "r") {
        // a range is the integers from its start up to (not including) its end
        Value::Array(a) => {
            assert_eq!((a.data.iter().copied().collect::<Vec<_>>(), a.integer), (vec![2.0, 3.0, 4.0], true))
        }
        other => panic!("{other:?}"),
    }
}

// ---- expressions ----------------------------------------------------------------------------

#[test]
fn precedence_and_associativity() {
    let cases = [
        ("1 + 2 * 3", "(+ 1 (* 2 3))"),
        ("1 * 2 + 3", "(+ (* 1 2) 3)"),
        ("(1 + 2) * 3", "(* (+ 1 2) 3)"),
        ("1 - 2 - 3", "(- (- 1 2) 3)"),
        ("8 / 4 / 2", "(/ (/ 8 4) 2)"),
        ("1 / (10 ms)", "(/ 1 10.0ms)"),
        ("-2 * 3", "(* (neg 2) 3)"),
        ("- -2", "(neg (neg 2))"),
        ("2 * -3", "(* 2 (neg 3))"),
        ("-a.b", "(neg (. a b))"),
        ("1 - -1", "(- 1 (neg 1))"),
        ("a + b * c - d / e", "(- (+ a (* b c)) (/ d e))"),
        ("2 * 10 ms", "(* 2 10.0ms)"),
        ("load(\"x.npy\") * 1 A", "(* (call load \"x.npy\") 1.0A)"),
    ];
    for (text, want) in cases {
        assert_eq!(sx(&expr(text)), want, "{text}");
    }
}

#[test]
fn arithmetic_evaluates_with_units() {
    let cases: &[(&str, f64, Dim)] = &[
        ("1 + 2 * 3", 7.0, Dim::NONE),
        ("(1 + 2) * 3", 9.0, Dim::NONE),
        ("1 - 2 - 3", -4.0, Dim::NONE),
        ("8 / 4 / 2", 1.0, Dim::NONE),
        ("-2 * -3", 6.0, Dim::NONE),
        ("1 / (10 ms)", 100.0, Dim::FREQUENCY),
        ("2 * 10 ms", 0.02, Dim::TIME),
        ("10 ms + 5 ms", 0.015, Dim::TIME),
        ("1 nA - 500 pA", 0.5e-9, Dim::CURRENT),
        ("25 mV * 2 nS", 50e-12, Dim::CURRENT),
        ("3 pF * 1 V / (1 pA)", 3.0, Dim::TIME),
        ("-(5 ms)", -0.005, Dim::TIME),
        ("1 kHz * 2 ms", 2.0, Dim::NONE),
    ];
    for (text, value, dim) in cases {
        let (v, d) = number(text);
        assert!(close(v, *value), "{text}: {v} != {value}");
        assert_eq!(d, *dim, "{text}");
    }
    // constants carry their units into later expressions
    match let_value("let tau = 2 * 10 ms\nlet rate = 1 / tau", "rate") {
        Value::Number(n) => assert!(close(n.value, 50.0) && n.dim == Dim::FREQUENCY),
        other => panic!("{other:?}"),
    }
    // arrays times quantities
    match let_value("let a = [1, 2, 3] * 1 nA", "a") {
        Value::Array(a) => {
            assert_eq!(a.dim, Dim::CURRENT);
            assert!(a.data.iter().zip([1e-9, 2e-9, 3e-9]).all(|(x, y)| close(*x, y)));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(let_value("let f = 1 / (10 ms)", "f").display(), "100 Hz");
}

#[test]
fn calls_with_positional_and_named_arguments() {
    assert_eq!(sx(&expr("f()")), "(call f)");
    assert_eq!(sx(&expr("normal(0, 0.2, seed = 3, density = 0.1)")), "(call normal 0 0.2 seed=3 density=0.1)");
    assert_eq!(sx(&expr("poisson(rate = 40 Hz, seed = 7,)")), "(call poisson rate=40.0Hz seed=7)");
    assert_eq!(sx(&expr("spikes(load(\"in.npy\"))")), "(call spikes (call load \"in.npy\"))");
    match let_value("let g = uniform(-1, 1, seed = 2)", "g") {
        Value::Call(c) => {
            assert_eq!(c.function, "uniform");
            assert_eq!(c.number("low").unwrap().value, -1.0);
            assert_eq!(c.number("high").unwrap().value, 1.0);
            assert_eq!(c.number("seed").unwrap().value, 2.0);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn field_access() {
    assert_eq!(sx(&expr("dynapse2.default")), "(. dynapse2 default)");
    assert_eq!(sx(&expr("a.b.c")), "(. (. a b) c)");
    assert_eq!(sx(&expr("m.f(1).g")), "(. (call (. m f) 1) g)");
    // a constant of another module
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lib.dyn"), "let tau = 20 ms\n").unwrap();
    let (program, diags) =
        load(Input::Text { name: "main.dyn", text: "use \"lib.dyn\" as lib\nlet t = lib.tau * 2", dir: dir.path() });
    assert!(!diags.has_errors(), "{:?}", diags.items);
    let resolver = Resolver::new(&program);
    match resolver.let_value(ModuleId(0), "t").unwrap() {
        Value::Number(n) => assert!(close(n.value, 0.04) && n.dim == Dim::TIME),
        other => panic!("{other:?}"),
    }
}

#[test]
fn spans_point_at_what_was_written() {
    let text = "let tau = 2 * 10 ms";
    let m = parse(text);
    let Item::Let(l) = &m.items[0] else { panic!() };
    assert_eq!(&text[l.name.span.range()], "tau");
    assert_eq!(&text[l.value.span.range()], "2 * 10 ms");
    let ExprKind::Binary { rhs, .. } = &l.value.node else { panic!() };
    assert_eq!(&text[rhs.span.range()], "10 ms");
    let ExprKind::Quantity { unit, .. } = &rhs.node else { panic!() };
    assert_eq!(&text[unit.span.range()], "ms");
}

// ---- syntax errors for people ----------------------------------------------------------------

/// Every rule name of the grammar, read from grammar/dyn.pest.
fn rule_names() -> Vec<String> {
    let grammar = std::fs::read_to_string(FsPath::new(env!("CARGO_MANIFEST_DIR")).join("grammar/dyn.pest")).unwrap();
    grammar
        .lines()
        .filter_map(|l| {
            let (name, rest) = l.split_once('=')?;
            let name = name.trim();
            let is_rule = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            (is_rule && rest.trim_start().starts_with(['{', '_', '@', '$', '!'])).then(|| name.to_string())
        })
        .collect()
}

/// Words of a user-facing text that are grammar rule names (`use_item`, `kw_let`, `EOI`,
/// `expr`, ...). Rules named by plain English words (`record`, `stimulus`) may appear as words.
fn leaked_rules(text: &str, rules: &[String]) -> Vec<String> {
    let jargon = [
        "expr",
        "ident",
        "paren",
        "neg",
        "add",
        "sub",
        "mul",
        "div",
        "postfixed",
        "postfix",
        "prefix",
        "infix",
        "digits",
        "exponent",
        "arg",
    ];
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| rules.iter().any(|r| r == w))
        .filter(|w| w.contains('_') || w.chars().all(|c| c.is_ascii_uppercase()) || jargon.contains(w))
        .map(str::to_string)
        .collect()
}

fn syntax_report(text: &str) -> String {
    let (sources, result) = dynlang::check_text("bad.dyn", text, FsPath::new("."));
    match result {
        Ok(_) => panic!("expected a syntax error:\n{text}"),
        Err(d) => render_all(&d, &sources, Style::Plain),
    }
}

#[test]
fn syntax_errors_are_worded_for_people() {
    let cases: &[(&str, &str)] = &[
        ("missing_value", "let x =\n"),
        ("colon_for_equals", "use dynapse2\ndevice chip = dynapse2.default {\n    Iscale: 10 nA\n}\n"),
        ("semicolons", "network n {\n    input x[4];\n    neurons h[2]\n}\n"),
        ("unclosed_paren", "let x = (1 + 2\nlet y = 3\n"),
        ("preset_without_kind", "preset fast dynapse2 { }\n"),
        ("name_starts_with_digit", "let 3x = 1\n"),
        ("simulate_without_duration", "experiment e on chip {\n    simulate net { record spikes(h) }\n}\n"),
        ("unknown_step", "experiment e on chip {\n    run net\n}\n"),
        ("unclosed_string", "use \"lab/presets.dyn as lab\n"),
        ("stray_operator", "let x = 1 + * 2\n"),
    ];
    let rules = rule_names();
    assert!(rules.len() > 40, "read the grammar's rules: {rules:?}");
    for (name, text) in cases {
        let report = syntax_report(text);
        assert!(report.contains("dyn::syntax::"), "{name}: {report}");
        assert!(report.contains("help:"), "{name}: no help line\n{report}");
        let leaked = leaked_rules(&report, &rules);
        assert!(leaked.is_empty(), "{name}: rule names {leaked:?} in\n{report}");
        insta::with_settings!({ description => *text, omit_expression => true }, {
            insta::assert_snapshot!(format!("syntax_{name}"), report);
        });
    }
}

#[test]
fn every_parse_error_is_located_and_worded() {
    // Cut LANGUAGE at many points: each prefix either parses or yields one located syntax error
    // that quotes no rule names.
    let rules = rule_names();
    let mut cut = 0;
    let mut errors = 0;
    while cut < LANGUAGE.len() {
        if LANGUAGE.is_char_boundary(cut) {
            let text = &LANGUAGE[..cut];
            if let Err(diags) = parse_module(SourceId(0), text) {
                errors += 1;
                for d in &diags.items {
                    let span = d.primary_span().expect("a syntax error has a label");
                    assert!(span.end as usize <= text.len(), "cut {cut}: span beyond the text");
                    let leaked = leaked_rules(&d.message, &rules);
                    assert!(leaked.is_empty(), "cut {cut}: {leaked:?} in {}", d.message);
                    assert!(d.help.is_some(), "cut {cut}: no help");
                }
            }
        }
        cut += 7;
    }
    assert!(errors > 100, "only {errors} prefixes failed to parse");
}
