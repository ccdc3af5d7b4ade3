//! Work and memory budgets: a simulation or training run whose size no real experiment needs
//! is refused at check time, before it can run for hours or exhaust memory.

use super::settings::Settings;
use crate::diagnostics::{codes, Diag};
use crate::model::{Network, Projection, Record};
use crate::syntax::span::Span;

/// Largest number of neuron updates of one simulation (steps x simulated neurons): about an
/// hour at the simulator's ~4 x 10^7 neuron-steps per second. A guard against typos (a duration
/// in the wrong unit), not against long but real experiments.
pub const MAX_NEURON_STEPS: u64 = 100_000_000_000;

/// Largest number of values one simulation holds in memory: recorded states (steps x recorded
/// neurons, per record) plus input spike counts (steps x input channels); 2^27 values are 1 GiB
/// as float64.
pub const MAX_HELD_VALUES: u64 = 1 << 27;

/// Checks one `simulate` step of `steps` steps on `network` against both budgets.
pub fn check_simulation(network: &Network, steps: usize, records: &[Record], duration: Span) -> Result<(), Diag> {
    let steps = wide(steps);
    let size = |index: usize| network.populations.get(index).map_or(0, |p| p.size);
    let neurons = count(network.neurons().map(|(i, _)| size(i)));
    let inputs = count(network.inputs().map(|(i, _)| size(i)));
    let recorded = count(records.iter().map(|r| size(r.population)));
    let neuron_steps = steps.saturating_mul(neurons);
    if neuron_steps > MAX_NEURON_STEPS {
        return Err(too_large(
            format!(
                "simulating {neurons} neurons for {steps} steps is {neuron_steps} neuron updates, more than dyn \
                 accepts ({MAX_NEURON_STEPS})"
            ),
            duration,
            network,
            format!("keep steps x neurons at most {MAX_NEURON_STEPS}: shorten the simulation, raise `dt` or simulate fewer neurons"),
        ));
    }
    let held = steps.saturating_mul(recorded.saturating_add(inputs));
    if held > MAX_HELD_VALUES {
        return Err(too_large(
            format!(
                "{steps} steps of {recorded} recorded and {inputs} input channels would hold {held} values, more \
                 than dyn accepts ({MAX_HELD_VALUES})"
            ),
            duration,
            network,
            format!(
                "keep steps x (recorded neurons + input channels) at most {MAX_HELD_VALUES}: shorten the simulation, \
                 raise `dt` or record fewer states"
            ),
        ));
    }
    Ok(())
}

/// Largest analog tile trained, in cross-point devices (weights x `n_devices`): a device model
/// keeps a few hundred bytes of state per cross-point, so 2^22 of them stay under about 1 GiB.
pub const MAX_TILE_DEVICES: u64 = 1 << 22;

/// Largest training run, in weight-sized units of work: epochs x (training + test samples) x
/// (weights + [`SAMPLE_OVERHEAD`]); about an hour at the pulsed update's ~2 x 10^8 weight-samples
/// per second (an MNIST-sized run, 30 epochs of 70,000 samples through 200,000 weights, is 4 x
/// 10^11).
pub const MAX_TRAIN_WORK: u64 = 1_000_000_000_000;

/// What one sample costs beyond its weights (forward, loss, pulse trains), in weights: a small
/// network's epoch is dominated by it.
pub const SAMPLE_OVERHEAD: u64 = 1024;

/// Checks the analog tiles a `train` step builds: each projection's weights x `n_devices`.
pub fn check_tiles(network: &Network, n_devices: i64, step: Span) -> Result<(), Diag> {
    let n_devices = u64::try_from(n_devices).unwrap_or(1).max(1);
    for projection in &network.projections {
        let entries = weights(network, std::slice::from_ref(projection));
        let devices = entries.saturating_mul(n_devices);
        if devices > MAX_TILE_DEVICES {
            return Err(Diag::error(
                &codes::EXPERIMENT_SIZE,
                format!(
                    "this tile would hold {devices} cross-point devices, more than dyn trains ({MAX_TILE_DEVICES})"
                ),
            )
            .label(projection.span, format!("{entries} weights x {n_devices} devices each"))
            .label(step, "trained here")
            .help(format!("keep weights x n_devices at most {MAX_TILE_DEVICES} per projection: use smaller layers")));
        }
    }
    Ok(())
}

/// Checks the work of one `train` step: epochs over `samples` (training and test) samples.
pub fn check_training(network: &Network, epochs: i64, samples: usize, epochs_span: Span) -> Result<(), Diag> {
    let weights = weights(network, &network.projections);
    let epochs = u64::try_from(epochs).unwrap_or(0);
    let work = epochs.saturating_mul(wide(samples)).saturating_mul(weights.saturating_add(SAMPLE_OVERHEAD));
    if work > MAX_TRAIN_WORK {
        return Err(Diag::error(
            &codes::EXPERIMENT_SIZE,
            format!(
                "{epochs} epochs of {samples} samples through {weights} weights are too much work: epochs x samples \
                 x (weights + {SAMPLE_OVERHEAD}) = {work}, more than dyn accepts ({MAX_TRAIN_WORK})"
            ),
        )
        .label(epochs_span, "every epoch passes over all samples")
        .label(network.span, format!("`{}` is declared here", network.name))
        .help(format!(
            "keep epochs x samples x (weights + {SAMPLE_OVERHEAD}) at most {MAX_TRAIN_WORK}: fewer epochs, less \
             data or smaller layers"
        )));
    }
    Ok(())
}

/// Largest quantization, in weight-sized units of work: the epochs that must run x (weights +
/// [`EPOCH_OVERHEAD`]); about an hour at the autoencoder's ~3 x 10^8 weight-epochs per second.
pub const MAX_QUANTIZE_WORK: u64 = 1_000_000_000_000;

/// What one autoencoder epoch costs beyond its weights, in weights.
pub const EPOCH_OVERHEAD: u64 = 1024;

/// Checks the epochs a `quantize` step must run: all `num_epoch` with `fixed_epoch = true`;
/// otherwise the stopping rule's first checkpoints (it stops after the sixth chunk of
/// `num_epoch_checkpoint` epochs without improvement, at the earliest).
pub fn check_quantization(network: &Network, settings: &Settings, item: Span, step: Span) -> Result<(), Diag> {
    let count = |name: &str| settings.int(name).and_then(|n| u64::try_from(n).ok()).unwrap_or(0);
    let field_span = |name: &str| settings.fields.get(name).and_then(|f| f.span).unwrap_or(item);
    let num_epoch = count("num_epoch");
    let (epochs, span, label) = if settings.flag("fixed_epoch") == Some(true) {
        (num_epoch, field_span("num_epoch"), "`fixed_epoch = true` runs every epoch".to_string())
    } else {
        let chunk = count("num_epoch_checkpoint").max(1);
        let chunks = num_epoch.div_ceil(chunk).min(STOPPING_CHUNKS);
        let label = format!("the stopping rule runs at least {chunks} x this many epochs");
        (chunks.saturating_mul(chunk), field_span("num_epoch_checkpoint"), label)
    };
    let weights = weights(network, &network.projections);
    let work = epochs.saturating_mul(weights.saturating_add(EPOCH_OVERHEAD));
    if work > MAX_QUANTIZE_WORK {
        return Err(Diag::error(
            &codes::EXPERIMENT_SIZE,
            format!(
                "{epochs} epochs over {weights} weights are too much work: epochs x (weights + {EPOCH_OVERHEAD}) = \
                 {work}, more than dyn accepts ({MAX_QUANTIZE_WORK})"
            ),
        )
        .label(span, label)
        .label(step, "quantized here")
        .help(format!(
            "keep the epochs that must run x (weights + {EPOCH_OVERHEAD}) at most {MAX_QUANTIZE_WORK}: fewer epochs, \
             or a smaller `num_epoch_checkpoint`"
        )));
    }
    Ok(())
}

/// Chunks the autoencoder's stopping rule runs before it can stop (Rockpool's `count > 5`).
const STOPPING_CHUNKS: u64 = 6;

/// Weights of the given projections of `network`, pre x post each.
fn weights(network: &Network, projections: &[Projection]) -> u64 {
    let size = |index: usize| wide(network.populations.get(index).map_or(0, |p| p.size));
    projections.iter().map(|p| size(p.from).saturating_mul(size(p.to))).fold(0, u64::saturating_add)
}

fn count(sizes: impl Iterator<Item = usize>) -> u64 {
    sizes.map(wide).fold(0, u64::saturating_add)
}

fn wide(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

fn too_large(message: String, duration: Span, network: &Network, help: String) -> Diag {
    Diag::error(&codes::EXPERIMENT_SIZE, message)
        .label(duration, "this duration")
        .label(network.span, format!("`{}` is declared here", network.name))
        .help(help)
}
