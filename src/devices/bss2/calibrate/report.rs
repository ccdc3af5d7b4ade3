//! What a calibration achieved, per neuron and target: the target, the value "before" (every
//! neuron at the chip-wide median of the calibrated code, i.e. what one chip-wide setting gives,
//! calix's reference for its spread tests), the value after, the residual, and success.
//! Unlike calix, success covers every calibrated target, and a range end is reported separately
//! from a missed target (calix.md §6.1–6.2).

use std::collections::BTreeMap;

use super::context::Calibrator;
use super::neuron::SequenceReport;
use super::targets::Targets;
use crate::devices::bss2::plant::config::{Row, Scale};
use crate::devices::bss2::plant::measure::median;
use crate::devices::bss2::plant::Plant;

/// How far a neuron may miss a target and still count as calibrated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tolerance {
    Absolute(f64),
    Relative(f64),
    /// calix's leak-over-threshold test: 8 kHz + 8 %.
    Rate,
}

impl Tolerance {
    pub fn allows(self, target: f64, achieved: f64) -> bool {
        let d = (achieved - target).abs();
        match self {
            Tolerance::Absolute(a) => d <= a,
            Tolerance::Relative(r) => d <= r * target.abs(),
            Tolerance::Rate => d <= 8e3 + 0.08 * target.abs(),
        }
    }
}

/// One target's numbers over neurons (NaN where a neuron has no such target).
#[derive(Debug, Clone, PartialEq)]
pub struct TargetReport {
    pub name: &'static str,
    /// `CADC` (LSB) or an SI unit.
    pub unit: &'static str,
    pub target: Vec<f64>,
    pub before: Vec<f64>,
    pub achieved: Vec<f64>,
    pub tolerance: Tolerance,
}

impl TargetReport {
    pub fn residual(&self) -> Vec<f64> {
        self.achieved.iter().zip(&self.target).map(|(a, t)| a - t).collect()
    }

    /// Neurons that have this target and miss it.
    pub fn missed(&self) -> Vec<usize> {
        (0..self.target.len())
            .filter(|&i| {
                let (Some(&t), Some(&a)) = (self.target.get(i), self.achieved.get(i)) else { return false };
                t.is_finite() && !self.tolerance.allows(t, a)
            })
            .collect()
    }
}

/// Measures each target on the plant as configured; `row` at the median code when `flatten`.
fn with_config<T>(plant: &mut Plant, setup: impl FnOnce(&mut Plant), measure: impl FnOnce(&mut Plant) -> T) -> T {
    let saved = (plant.config.clone(), plant.dac);
    setup(plant);
    let out = measure(plant);
    plant.config = saved.0;
    plant.dac = saved.1;
    out
}

fn flatten(plant: &mut Plant, row: Row) {
    let codes: Vec<f64> = plant.row(row).iter().map(|&c| f64::from(c)).collect();
    let m = median(&codes).round() as i32;
    let n = plant.neurons();
    plant.set_row(row, &vec![m; n]);
    // The majority switch setting goes with the median code.
    match row {
        Row::IBiasLeak => {
            let divided = plant.config.iter().filter(|c| c.leak_scale == Scale::Division).count();
            let normal = plant.config.iter().filter(|c| c.leak_scale == Scale::Normal).count();
            let scale = if divided * 2 > n {
                Scale::Division
            } else if normal * 2 > n {
                Scale::Normal
            } else {
                Scale::Multiplication
            };
            plant.config.iter_mut().for_each(|c| c.leak_scale = scale);
        }
        Row::IBiasTauExc | Row::IBiasTauInh => {
            let s = usize::from(row == Row::IBiasTauInh);
            let high = plant.config.iter().filter(|c| c.high_resistance.get(s).copied().unwrap_or(false)).count();
            plant.config.iter_mut().for_each(|c| {
                if let Some(h) = c.high_resistance.get_mut(s) {
                    *h = high * 2 > n;
                }
            });
        }
        _ => {}
    }
}

fn passive(plant: &mut Plant) {
    for c in &mut plant.config {
        c.threshold_enable = false;
        c.synin_enable = [false; 2];
    }
}

fn threshold_setup(plant: &mut Plant) {
    let n = plant.neurons();
    plant.set_row(Row::IBiasLeak, &vec![0; n]);
    plant.set_row(Row::VReset, &vec![0; n]);
    plant.set_row(Row::IOffset, &vec![70; n]);
    for c in &mut plant.config {
        c.offset_enable = true;
        c.threshold_enable = true;
        c.synin_enable = [false; 2];
        c.refractory = 2.24e-6;
    }
}

/// Window of the final rate measurement (calix's test counts over 1.5 ms).
pub const RATE_WINDOW: f64 = 1.5e-3;

/// Measures every calibrated target before (median codes) and after.
pub fn measure_targets(
    cal: &mut Calibrator<'_>,
    t: &Targets,
    seq: &SequenceReport,
    rates: Option<&[f64]>,
) -> Vec<TargetReport> {
    let plant = &mut *cal.plant;
    let n = plant.neurons();
    let mut out = Vec::new();
    let lot = |i: usize| rates.and_then(|r| r.get(i)).is_some_and(|r| *r > 0.0);
    type Setup = fn(&mut Plant);
    type Read = fn(&mut Plant) -> Vec<f64>;
    let potentials: [(&'static str, Row, &Vec<f64>, Setup, Read); 3] = [
        ("leak", Row::VLeak, &t.leak, passive, Plant::rest_read),
        ("reset", Row::VReset, &t.reset, passive, Plant::reset_read),
        ("threshold", Row::VThreshold, &t.threshold, threshold_setup, Plant::threshold_maxread),
    ];
    for (name, row, target, setup, read) in potentials {
        let achieved = with_config(plant, setup, read);
        let before = with_config(
            plant,
            |p| {
                setup(p);
                flatten(p, row);
            },
            read,
        );
        let mut target = target.clone();
        if name == "threshold" {
            // A neuron set to fire above threshold no longer has a threshold target.
            for (i, v) in target.iter_mut().enumerate() {
                if lot(i) {
                    *v = f64::NAN;
                }
            }
        }
        out.push(TargetReport { name, unit: "CADC", target, before, achieved, tolerance: Tolerance::Absolute(2.0) });
    }
    let achieved = plant.tau_mem_fit();
    let before = with_config(plant, |p| flatten(p, Row::IBiasLeak), Plant::tau_mem_fit);
    out.push(TargetReport {
        name: "tau_mem",
        unit: "s",
        target: t.tau_mem.clone(),
        before,
        achieved,
        tolerance: Tolerance::Relative(0.05),
    });
    for (s, name) in [(0, "tau_syn_exc"), (1, "tau_syn_inh")] {
        let achieved = plant.tau_syn_fit(s);
        let before = with_config(plant, |p| flatten(p, Row::tau(s)), |p| p.tau_syn_fit(s));
        out.push(TargetReport {
            name,
            unit: "s",
            target: t.tau_syn.get(s).cloned().unwrap_or_default(),
            before,
            achieved,
            tolerance: Tolerance::Relative(0.05),
        });
    }
    if let Some(tau_icc) = &t.tau_icc {
        let achieved = plant.tau_icc_fit();
        let before = with_config(plant, |p| flatten(p, Row::IBiasNmda), Plant::tau_icc_fit);
        out.push(TargetReport {
            name: "tau_icc",
            unit: "s",
            target: tau_icc.clone(),
            before,
            achieved,
            tolerance: Tolerance::Relative(0.05),
        });
    }
    for s in &seq.synin {
        out.push(TargetReport {
            name: if s.input == 0 { "synin_amplitude_exc" } else { "synin_amplitude_inh" },
            unit: "CADC",
            target: vec![s.target; n],
            before: s.before.clone(),
            achieved: s.achieved.clone(),
            tolerance: Tolerance::Relative(0.1),
        });
    }
    for c in &seq.coba {
        out.push(TargetReport {
            name: if c.input == 0 { "e_coba_reversal_exc" } else { "e_coba_reversal_inh" },
            unit: "CADC",
            target: c.target.clone(),
            before: c.before.clone(),
            achieved: c.achieved.clone(),
            tolerance: Tolerance::Absolute(30.0),
        });
    }
    if let Some(rates) = rates {
        let rate = |p: &mut Plant| p.spike_counts(RATE_WINDOW).iter().map(|c| c / RATE_WINDOW).collect::<Vec<_>>();
        let achieved = rate(plant);
        let before = with_config(plant, |p| flatten(p, Row::VThreshold), rate);
        let target = rates.iter().map(|&r| if r > 0.0 { r } else { f64::NAN }).collect();
        out.push(TargetReport {
            name: "leak_over_threshold_rate",
            unit: "Hz",
            target,
            before,
            achieved,
            tolerance: Tolerance::Rate,
        });
    }
    out
}

/// Neurons missing each target, and the overall success flag per neuron.
pub fn success(
    reports: &[TargetReport],
    dac_missed: &[usize],
    n: usize,
) -> (BTreeMap<&'static str, Vec<usize>>, Vec<bool>) {
    let mut missed = BTreeMap::new();
    let mut ok = vec![true; n];
    for r in reports {
        let m = r.missed();
        for &i in &m {
            if let Some(o) = ok.get_mut(i) {
                *o = false;
            }
        }
        if !m.is_empty() {
            missed.insert(r.name, m);
        }
    }
    if !dac_missed.is_empty() {
        for &i in dac_missed {
            if let Some(o) = ok.get_mut(i) {
                *o = false;
            }
        }
        missed.insert("synapse_dac_bias", dac_missed.to_vec());
    }
    (missed, ok)
}
