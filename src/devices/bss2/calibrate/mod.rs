//! calix's neuron calibration (calix.md §3) run against the behavioural plant: the searches,
//! the `calibrate()` sequence, leak over threshold, refinement, and the per-neuron report.

pub mod context;
pub mod leak_over_threshold;
pub mod neuron;
pub mod refine;
pub mod refractory;
pub mod report;
pub mod search;
pub mod targets;

use std::collections::BTreeMap;

use context::{CalibError, Calibrator};
use neuron::SequenceReport;
use refractory::Refractory;
use report::TargetReport;
use targets::{Options, Targets};

use crate::devices::bss2::plant::config::{Row, Scale};
use crate::devices::bss2::plant::params::quadrant;
use crate::devices::bss2::plant::{Plant, PlantParams};

/// A finished calibration: the calibrated chip and what it achieved.
#[derive(Debug, Clone)]
pub struct Calibration {
    pub plant: Plant,
    pub targets: Vec<TargetReport>,
    pub success: Vec<bool>,
    /// Per target: neurons that miss it.
    pub missed: BTreeMap<&'static str, Vec<usize>>,
    /// Per CapMem parameter: neurons whose search ended at a range end (reported, not failed).
    pub at_boundary: BTreeMap<&'static str, Vec<usize>>,
    pub warnings: Vec<String>,
    /// (step, measurements), in order.
    pub steps: Vec<(String, u64)>,
    pub sequence: SequenceReport,
    pub refractory: Refractory,
    /// What a real chip would have spent (s), and how many measurements were taken.
    pub hardware_time: f64,
    pub measurements: u64,
}

impl Calibration {
    /// Per-neuron code (or switch) of every configured parameter, by calix's names.
    pub fn codes(&self) -> BTreeMap<&'static str, Vec<f64>> {
        let cfg = &self.plant.config;
        let mut out = BTreeMap::new();
        for row in Row::ALL {
            out.insert(row.name(), cfg.iter().map(|c| f64::from(c.code(row))).collect());
        }
        let flag = |f: &dyn Fn(&crate::devices::bss2::plant::config::NeuronConfig) -> bool| -> Vec<f64> {
            cfg.iter().map(|c| if f(c) { 1.0 } else { 0.0 }).collect()
        };
        out.insert("leak_division", flag(&|c| c.leak_scale == Scale::Division));
        out.insert("leak_multiplication", flag(&|c| c.leak_scale == Scale::Multiplication));
        out.insert("synin_exc_high_resistance", flag(&|c| c.high_resistance[0]));
        out.insert("synin_inh_high_resistance", flag(&|c| c.high_resistance[1]));
        out.insert("membrane_capacitance", cfg.iter().map(|c| f64::from(c.capacitance)).collect());
        out.insert(
            "synapse_dac_bias",
            (0..cfg.len()).map(|i| f64::from(self.plant.dac.get(quadrant(i)).copied().unwrap_or(0))).collect(),
        );
        out.insert("refractory_counter", self.refractory.counter.iter().map(|&c| f64::from(c)).collect());
        out.insert("holdoff_mask", self.refractory.mask.iter().map(|&c| f64::from(c)).collect());
        out.insert("refractory_clock_slow", self.refractory.slow.iter().map(|&s| if s { 1.0 } else { 0.0 }).collect());
        out
    }
}

/// Calibrates a fresh chip: `calibrate()`, then optionally `refine_potentials` and
/// `calibrate_leak_over_threshold` (calix's order), then measures every target.
pub fn run(params: PlantParams, t: &Targets, options: &Options) -> Result<Calibration, CalibError> {
    let mut plant = Plant::new(params);
    let n = plant.neurons();
    let (sequence, refractory, warnings, steps, boundary, targets) = {
        let mut cal = Calibrator::new(&mut plant, options.seed);
        let sequence = neuron::calibrate(&mut cal, t)?;
        if options.refine_potentials {
            refine::refine_potentials(&mut cal, t)?;
        }
        if let Some(rates) = &options.leak_over_threshold_rate {
            leak_over_threshold::calibrate_leak_over_threshold(&mut cal, rates)?;
        }
        let targets = report::measure_targets(&mut cal, t, &sequence, options.leak_over_threshold_rate.as_deref());
        let refractory = refractory::settings(&t.refractory_time, &t.holdoff_time)?;
        (sequence, refractory, cal.warnings, cal.steps, cal.boundary, targets)
    };
    let dac_missed: Vec<usize> = sequence
        .dac_drop
        .iter()
        .enumerate()
        .filter(|(_, d)| !report::Tolerance::Absolute(2.0).allows(sequence.dac_target, **d))
        .flat_map(|(q, _)| (0..n).filter(move |&i| quadrant(i) == q))
        .collect();
    let (missed, success) = report::success(&targets, &dac_missed, n);
    let at_boundary = boundary
        .into_iter()
        .filter_map(|(name, flags)| {
            let hits: Vec<usize> = flags.iter().enumerate().filter(|(_, b)| **b).map(|(i, _)| i).collect();
            (!hits.is_empty()).then_some((name, hits))
        })
        .collect();
    let (hardware_time, measurements) = (plant.hardware_time, plant.measurements());
    Ok(Calibration {
        plant,
        targets,
        success,
        missed,
        at_boundary,
        warnings,
        steps,
        sequence,
        refractory,
        hardware_time,
        measurements,
    })
}
