//! Refractory and holdoff counter settings (calix.md §3.8): a computation, no measurement.
//! Unlike calix, a neuron on the fast clock gets the holdoff mask its request needs instead of
//! a silent one-cycle holdoff, and the realised times are reported.

/// Backend base clock (Hz).
const CLOCK: f64 = 250e6;

/// Period of clock scaler `s` (s).
pub fn period(s: u8) -> f64 {
    f64::from(1u32 << (u32::from(s) + 1)) / CLOCK
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RefractoryError {
    #[error("a refractory time or holdoff of {0:.3e} s needs a clock scaler above 15 (at most about 66.8 ms)")]
    TooLong(f64),
}

/// Per-neuron counter settings and what they realise.
#[derive(Debug, Clone, PartialEq)]
pub struct Refractory {
    pub fast_scaler: u8,
    pub slow_scaler: Option<u8>,
    /// Per neuron: on the slow clock?
    pub slow: Vec<bool>,
    pub counter: Vec<u8>,
    pub mask: Vec<u8>,
    /// Realised refractory time and holdoff (s).
    pub refractory: Vec<f64>,
    pub holdoff: Vec<f64>,
    /// Requests the clock could not honour (the fast scaler clamped at 0).
    pub warnings: Vec<String>,
}

/// calix's scaler walk: from 4, down while the period exceeds `upper`, then up until it
/// reaches `lower`.
fn scaler(lower: f64, upper: f64, warnings: &mut Vec<String>) -> Result<u8, RefractoryError> {
    let mut s: i32 = 4;
    while period(u8::try_from(s).unwrap_or(0)) > upper {
        if s == 0 {
            warnings.push(format!(
                "refractory times need a clock period of {upper:.3e} s; the fastest clock (8 ns) is used"
            ));
            break;
        }
        s -= 1;
    }
    while period(u8::try_from(s).unwrap_or(15)) < lower {
        s += 1;
        if s > 15 {
            return Err(RefractoryError::TooLong(lower * 255.0));
        }
    }
    Ok(u8::try_from(s).unwrap_or(15))
}

fn mask_for(holdoff: f64, period: f64) -> u8 {
    let cycles = holdoff / period + 1e-9;
    let mask = (15.0 - (cycles - 1.0) / 2.0).ceil().clamp(0.0, 15.0);
    mask as u8
}

fn max(v: impl Iterator<Item = f64>) -> f64 {
    v.fold(f64::NEG_INFINITY, f64::max)
}

fn min(v: impl Iterator<Item = f64>) -> f64 {
    v.fold(f64::INFINITY, f64::min)
}

/// Settings for refractory times `t` and holdoffs `h` (one per neuron).
pub fn settings(t: &[f64], h: &[f64]) -> Result<Refractory, RefractoryError> {
    let n = t.len();
    let mut warnings = Vec::new();
    let mean = t.iter().sum::<f64>() / n.max(1) as f64;
    let h_of = |i: usize| h.get(i).copied().unwrap_or(0.0);
    let mut slow: Vec<bool> = t.iter().map(|&x| x > mean).collect();
    let fast_t = || t.iter().zip(&slow).filter(|(_, s)| !**s).map(|(x, _)| *x);
    let lower = max(fast_t()) / 255.0;
    let upper = (2.0 * lower).max(min(fast_t()) / 30.0);
    let fast_scaler = scaler(lower, upper, &mut warnings)?;
    let fast_period = period(fast_scaler);
    for (i, s) in slow.iter_mut().enumerate() {
        if h_of(i) > 31.0 * fast_period {
            *s = true;
        }
    }
    let slow_scaler = if slow.iter().any(|s| *s) {
        let members = || (0..n).filter(|&i| slow.get(i).copied().unwrap_or(false));
        let t_of = |i: usize| t.get(i).copied().unwrap_or(0.0);
        let lower = (max(members().map(h_of)) / 31.0).max(max(members().map(t_of)) / 255.0);
        let h_min = min(members().map(h_of).filter(|&x| x > 0.0));
        let upper = h_min.min(min(members().map(t_of)) / 30.0);
        Some(scaler(lower, upper, &mut warnings)?)
    } else {
        None
    };
    let mut out = Refractory {
        fast_scaler,
        slow_scaler,
        slow: slow.clone(),
        counter: Vec::with_capacity(n),
        mask: Vec::with_capacity(n),
        refractory: Vec::with_capacity(n),
        holdoff: Vec::with_capacity(n),
        warnings,
    };
    for (i, (&ti, &is_slow)) in t.iter().zip(&slow).enumerate() {
        let p = period(if is_slow { slow_scaler.unwrap_or(fast_scaler) } else { fast_scaler });
        let counter = ((ti / p + 1e-9).floor() + 1.0).clamp(0.0, 255.0) as u8; // 1e-9: exact multiples
        let mask = mask_for(h_of(i), p);
        out.counter.push(counter);
        out.mask.push(mask);
        out.refractory.push(f64::from(counter) * p);
        out.holdoff.push(f64::from(2 * (15 - u32::from(mask)) + 1) * p);
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn one(t: f64, h: f64) -> Refractory {
        settings(&[t; 4], &[h; 4]).unwrap()
    }

    /// calix.md §7.7, the rows calix's algorithm and ours share.
    #[test]
    fn settings_match_the_reference_table() {
        let r = one(2e-6, 0.0);
        assert_eq!((r.fast_scaler, r.counter[0], r.mask[0]), (3, 32, 15));
        assert!((r.refractory[0] - 2.048e-6).abs() < 1e-12 && (r.holdoff[0] - 64e-9).abs() < 1e-12);
        let r = one(1.5e-6, 0.0);
        assert_eq!((r.fast_scaler, r.counter[0]), (2, 47));
        let r = one(10e-6, 0.0);
        assert_eq!((r.fast_scaler, r.counter[0]), (4, 79));
        let r = one(40e-9, 0.0);
        assert_eq!((r.fast_scaler, r.counter[0]), (0, 6));
        assert_eq!(r.warnings.len(), 1);
        assert_eq!(one(32e-6, 0.0).counter[0], 251);
        let r = one(100e-6, 0.0);
        assert_eq!((r.fast_scaler, r.counter[0]), (6, 196));
        let r = one(1e-3, 0.0);
        assert_eq!((r.fast_scaler, r.counter[0]), (9, 245));
        let mut t = vec![2e-6; 4];
        t.extend([20e-6; 4]);
        let r = settings(&t, &[0.0; 8]).unwrap();
        assert_eq!((r.fast_scaler, r.slow_scaler), (3, Some(4)));
        assert_eq!((r.counter[0], r.counter[7]), (32, 157));
        assert!(matches!(settings(&[70e-3], &[0.0]), Err(RefractoryError::TooLong(_))));
        // calix's tolerance: realised refractory within 1.1 clock periods of the target.
        for t in [0.3e-6, 1.5e-6, 2e-6, 7.7e-6, 32e-6, 1e-3] {
            let r = one(t, 0.0);
            assert!((r.refractory[0] - t).abs() <= 1.1 * period(r.fast_scaler), "{t}");
        }
    }

    /// Avoided quirk (calix.md §6.5): calix realises a 1 us holdoff on the fast clock as 64 ns;
    /// here the fast-clock neuron gets the mask for its holdoff, within 2.1 periods.
    #[test]
    fn holdoff_is_honoured_on_the_fast_clock() {
        let r = one(2e-6, 1e-6);
        assert_eq!(r.fast_scaler, 3);
        assert!(!r.slow[0]);
        assert!((r.holdoff[0] - 1e-6).abs() <= 2.1 * period(3), "holdoff {}", r.holdoff[0]);
        assert!(r.mask[0] < 15);
        // Both holdoffs within calix's 2.1-period tolerance across a sweep.
        for h in [0.1e-6, 0.5e-6, 1.9e-6] {
            let r = one(2e-6, h);
            let p = period(if r.slow[0] { r.slow_scaler.unwrap() } else { r.fast_scaler });
            assert!((r.holdoff[0] - h).abs() <= 2.1 * p, "{h}: {}", r.holdoff[0]);
        }
    }
}
