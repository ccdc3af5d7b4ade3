//! Work and memory budgets: a simulation whose steps x neurons or held arrays no real
//! experiment needs is refused at check time, before it can run for hours or exhaust memory.

use crate::diagnostics::{codes, Diag};
use crate::model::{Network, Record};
use crate::syntax::span::Span;

/// Largest number of neuron updates of one simulation (steps x simulated neurons): about a
/// minute and a half at the simulator's ~10^7 neuron-steps per second.
pub const MAX_NEURON_STEPS: u64 = 1_000_000_000;

/// Largest number of values one simulation holds in memory: recorded states (steps x recorded
/// neurons, per record) plus input spike counts (steps x input channels); 2^27 values are 1 GiB
/// as float64.
pub const MAX_HELD_VALUES: u64 = 1 << 27;

/// Checks one `simulate` step of `steps` steps on `network` against both budgets.
pub fn check_simulation(network: &Network, steps: usize, records: &[Record], duration: Span) -> Result<(), Diag> {
    let steps = u64::try_from(steps).unwrap_or(u64::MAX);
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

fn count(sizes: impl Iterator<Item = usize>) -> u64 {
    sizes.map(|s| u64::try_from(s).unwrap_or(u64::MAX)).fold(0, u64::saturating_add)
}

fn too_large(message: String, duration: Span, network: &Network, help: String) -> Diag {
    Diag::error(&codes::EXPERIMENT_SIZE, message)
        .label(duration, "this duration")
        .label(network.span, format!("`{}` is declared here", network.name))
        .help(help)
}
