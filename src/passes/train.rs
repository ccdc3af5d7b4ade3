//! The `train` pass: a network's layers as analog crossbar tiles, trained with the device's
//! algorithm (build_config's compound). Per epoch: train_loss (mean mini-batch loss), then
//! train/test loss and accuracy from one pass over each set; `loss.svg`; the trained weights stay
//! in the IR for `export weights`.

use rand::Rng;
use serde_json::json;

use super::crossbar_tile::tile_config;
use super::{output_error, Ctx, Ir};
use crate::check::settings::Settings;
use crate::check::value::Value;
use crate::devices::crossbar::rng::{stream, Purpose};
use crate::devices::crossbar::train::{self as xtrain, Activation, Bias, Data, LayerSpec, Loss, Network};
use crate::diagnostics::{codes, Diag, Diagnostics};
use crate::model::{Network as Net, Step, StepPlan, Weights};
use crate::output::svg::{loss_svg, EpochMetrics};
use crate::syntax::ast::PopulationKind;

/// What `train` leaves for later steps: each projection's weights, `n_pre × n_post` row-major.
#[derive(Debug, Clone)]
pub struct Trained {
    /// (name `pre-post`, rows = n_pre, cols = n_post, values)
    pub weights: Vec<(String, usize, usize, Vec<f64>)>,
    /// (layer name, one value per neuron) for every layer with a digital or analog bias.
    pub biases: Vec<(String, Vec<f64>)>,
}

/// Runs the step; returns its figures for summary.json.
pub fn apply(step: &Step, ir: &mut Ir, ctx: &Ctx) -> Result<serde_json::Value, Diagnostics> {
    let StepPlan::Train { network: net_name, settings } = &step.plan else {
        return Ok(json!({}));
    };
    let Some(net) = ctx.checked.model.networks.get(net_name.as_str()) else { return Ok(json!({})) };
    let Some(mut config) = tile_config(&ctx.device.settings) else {
        return Err(failed(step, "the crossbar device's settings are incomplete"));
    };
    let seed = settings.count("seed").unwrap_or(0) as u64;
    // Runtime noise follows the device's seed and the training seed together.
    config.seed = config.seed.wrapping_mul(0x1000_0000_01B3) ^ seed;
    let (mut network, names) = build(net, &config, seed);
    let loss = if settings.choice("loss") == Some("mse") { Loss::Mse } else { Loss::CrossEntropy };
    let (x, labels) = (array(settings, "data"), array(settings, "labels"));
    let n = labels.len().checked_div(if loss == Loss::Mse { out_size(net) } else { 1 }).unwrap_or(0);
    let train_set = Data { x: &x, labels: &labels, n };
    let (tx, tl) = (array(settings, "test_data"), array(settings, "test_labels"));
    let tn = tl.len().checked_div(if loss == Loss::Mse { out_size(net) } else { 1 }).unwrap_or(0);
    let test_set = Data { x: &tx, labels: &tl, n: tn };
    let params = xtrain::Settings {
        epochs: settings.count("epochs").unwrap_or(10),
        batch_size: settings.count("batch_size").unwrap_or(10),
        lr: settings.number("lr").unwrap_or(0.1),
        loss,
        seed,
    };
    let progress = ctx.progress.start(&format!("train {}", net.name), params.epochs as u64);
    let epochs =
        xtrain::train(&mut network, &train_set, (tn > 0).then_some(&test_set), &params, &mut |_| progress.inc(1));
    progress.finish();
    if ctx.plots {
        let metrics: Vec<EpochMetrics> = epochs
            .iter()
            .map(|e| EpochMetrics {
                train_loss: e.train_loss,
                train_accuracy: e.train_accuracy,
                test_loss: e.test_loss,
                test_accuracy: e.test_accuracy,
            })
            .collect();
        let svg = loss_svg(&metrics).map_err(|e| output_error(e, step.span))?;
        ir.stage.write(crate::output::names::LOSS_SVG, svg.as_bytes()).map_err(|e| output_error(e, step.span))?;
    }
    let weights = network
        .weights()
        .into_iter()
        .map(|(from, to, w)| {
            let name = format!(
                "{}-{}",
                names.get(from).map_or("?", String::as_str),
                names.get(to).map_or("?", String::as_str)
            );
            let rows = network.sizes.get(from).copied().unwrap_or(0);
            let cols = network.sizes.get(to).copied().unwrap_or(0);
            (name, rows, cols, w)
        })
        .collect();
    let biases = network
        .trained_biases()
        .into_iter()
        .map(|(pop, b)| (names.get(pop).cloned().unwrap_or_else(|| "?".to_string()), b))
        .collect();
    ir.crossbar = Some(Trained { weights, biases });
    let pulses: u64 = network.projections.iter().map(|p| p.tile.pulses).sum();
    Ok(json!({
        "train": { "epochs": epochs },
        "algorithm": config.algorithm,
        "tiles": network.projections.iter().map(|p| json!({
            "from": names.get(p.from), "to": names.get(p.to), "rows": p.tile.rows, "cols": p.tile.cols,
        })).collect::<Vec<_>>(),
        "pulses": pulses,
    }))
}

fn failed(step: &Step, message: &str) -> Diagnostics {
    Diag::error(&codes::RUN_FAILED, message.to_string())
        .label(step.span, "this step")
        .help("give the device an `algorithm` and a `device` (a preset or a model block)")
        .into()
}

fn array(settings: &Settings, name: &str) -> Vec<f64> {
    match settings.value(name) {
        Some(Value::Array(a)) => a.data.iter().copied().collect(),
        _ => Vec::new(),
    }
}

fn out_size(net: &Net) -> usize {
    output_index(net).and_then(|i| net.populations.get(i)).map_or(1, |p| p.size.max(1))
}

fn output_index(net: &Net) -> Option<usize> {
    net.outputs.first().copied().or_else(|| net.neurons().last().map(|(i, _)| i))
}

/// The network as tiles: analog projections start from the training seed (torch's default
/// U(±1/√fan_in) for weights and digital biases); `load`ed ones from their values.
fn build(net: &Net, config: &crate::devices::crossbar::config::TileConfig, seed: u64) -> (Network, Vec<String>) {
    let mut rng = stream(seed, 0, Purpose::Train);
    let sizes: Vec<usize> = net.populations.iter().map(|p| p.size).collect();
    let names: Vec<String> = net.populations.iter().map(|p| p.name.clone()).collect();
    let layers: Vec<Option<LayerSpec>> = net
        .populations
        .iter()
        .map(|p| {
            (p.kind != PopulationKind::Input).then(|| {
                let s = p.settings.as_ref();
                let activation = match s.and_then(|s| s.choice("activation")) {
                    Some("relu") => Activation::Relu,
                    Some("tanh") => Activation::Tanh,
                    Some("none") => Activation::None,
                    _ => Activation::Sigmoid,
                };
                let bias = match s.and_then(|s| s.choice("bias")) {
                    Some("analog") => Bias::Analog,
                    Some("none") => Bias::None,
                    _ => Bias::Digital,
                };
                LayerSpec { size: p.size, activation, bias }
            })
        })
        .collect();
    let fan_in = |to: usize| -> usize {
        net.projections.iter().filter(|p| p.to == to).map(|p| sizes.get(p.from).copied().unwrap_or(0)).sum()
    };
    let mut edges = Vec::new();
    for p in &net.projections {
        let (rows, cols) = (sizes.get(p.to).copied().unwrap_or(0), sizes.get(p.from).copied().unwrap_or(0));
        #[allow(clippy::cast_precision_loss)]
        let bound = 1.0 / (cols.max(1) as f64).sqrt();
        let w: Vec<f64> = match &p.weights {
            Weights::Analog => (0..rows * cols).map(|_| rng.gen_range(-bound..=bound)).collect(),
            Weights::Dense(m) => (0..rows)
                .flat_map(|i| (0..cols).map(move |j| (i, j)))
                .map(|(i, j)| m.get((j, i)).copied().unwrap_or(0.0))
                .collect(),
        };
        edges.push((p.from, p.to, w));
    }
    let biases: Vec<Vec<f64>> = sizes
        .iter()
        .enumerate()
        .map(|(i, s)| {
            #[allow(clippy::cast_precision_loss)]
            let bound = 1.0 / (fan_in(i).max(1) as f64).sqrt();
            match layers.get(i).and_then(Option::as_ref) {
                Some(l) if l.bias != Bias::None => (0..*s).map(|_| rng.gen_range(-bound..=bound)).collect(),
                _ => vec![0.0; *s],
            }
        })
        .collect();
    let output = output_index(net).unwrap_or(0);
    (Network::new(sizes, layers, &edges, biases, output, config), names)
}
