//! Lowering: the checked model -> a plan of passes per experiment, every reference resolved.
//! Infallible by construction: `check` proved that each name a step uses exists.

use crate::model::{Checked, Device, Experiment, Step};

/// One experiment ready to run: its device and its steps, in order.
#[derive(Debug, Clone, Copy)]
pub struct ExperimentPlan<'c> {
    pub experiment: &'c Experiment,
    pub device: &'c Device,
    pub steps: &'c [Step],
}

/// The experiments to run.
#[derive(Debug, Clone)]
pub struct Lowered<'c> {
    pub checked: &'c Checked,
    pub experiments: Vec<ExperimentPlan<'c>>,
}

/// Plans every experiment, or only `only` (check that it exists first: see [`experiment_names`]).
pub fn lower<'c>(checked: &'c Checked, only: Option<&str>) -> Lowered<'c> {
    let experiments = checked
        .model
        .experiments
        .iter()
        .filter(|e| only.is_none_or(|name| e.name == name))
        .filter_map(|e| {
            let device = checked.model.devices.get(&e.device)?;
            Some(ExperimentPlan { experiment: e, device, steps: &e.steps })
        })
        .collect();
    Lowered { checked, experiments }
}

/// The experiments of a checked file, in order.
pub fn experiment_names(checked: &Checked) -> Vec<&str> {
    checked.model.experiments.iter().map(|e| e.name.as_str()).collect()
}
