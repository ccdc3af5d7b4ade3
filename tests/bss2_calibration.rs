//! BrainScaleS-2 calibration against calix's own tolerances (calix.md §7.1) on several chips.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use dynlang::devices::bss2::calibrate::targets::{Options, Targets};
use dynlang::devices::bss2::calibrate::{run, Calibration};
use dynlang::devices::bss2::plant::PlantParams;

fn calibrate(seed: u64, options: &Options) -> Calibration {
    let params = PlantParams { seed, ..PlantParams::default() };
    run(params, &Targets::defaults(512), options).unwrap()
}

/// Standard deviation after trimming 5 % at both tails (calix's spread tests).
fn trimmed_std(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    let cut = v.len() / 20;
    let v = &v[cut..v.len() - cut];
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
}

#[test]
fn debug_print() {
    let t0 = std::time::Instant::now();
    let c = calibrate(1, &Options::default());
    eprintln!("took {:?}, {} measurements, hw {:.1} s", t0.elapsed(), c.measurements, c.hardware_time);
    for r in &c.targets {
        let mean = r.achieved.iter().sum::<f64>() / r.achieved.len() as f64;
        eprintln!(
            "{}: mean {:.4e} before sd {:.4e} after sd {:.4e} ratio {:.3} missed {}",
            r.name,
            mean,
            trimmed_std(&r.before),
            trimmed_std(&r.achieved),
            trimmed_std(&r.achieved) / trimmed_std(&r.before),
            r.missed().len()
        );
    }
    eprintln!("steps {:?}", c.steps);
    eprintln!("boundary {:?}", c.at_boundary.iter().map(|(k, v)| (k, v.len())).collect::<Vec<_>>());
    eprintln!("dac {:?} target {} rows {}", c.sequence.dac_drop, c.sequence.dac_target, c.sequence.dac_rows);
    eprintln!("warnings {:?}", c.warnings);
}
