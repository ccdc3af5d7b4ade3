//! Input spike generators for `simulate` steps (`poisson(rate = 40 Hz, seed = 7)`,
//! `regular(period = 10 ms)`) and the shape check of a user-supplied count array. All produce
//! `(steps, channels)` counts, row k = the input consumed by update k.

use ndarray::Array2;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Poisson};

use super::error::SimError;
use super::mismatch::stream_key;

/// Poisson spike counts: every channel and step independently draws a count from
/// Poisson(`rate_hz`·`dt`) (so a count can exceed 1 at high rates, as on a binned raster).
/// Channel `c` draws from its own ChaCha8 stream (seed `seed`, stream
/// `stream_key("poisson") + c`) in step order, so adding channels or steps never changes the
/// existing ones. `rate_hz` must be finite and >= 0, `dt` finite and > 0.
pub fn poisson(rate_hz: f64, dt: f64, steps: usize, channels: usize, seed: u64) -> Result<Array2<u32>, SimError> {
    check("rate", rate_hz, rate_hz >= 0.0)?;
    check("dt", dt, dt > 0.0)?;
    let mut counts = Array2::zeros((steps, channels));
    let lambda = rate_hz * dt;
    let Ok(dist) = Poisson::new(lambda) else {
        // lambda == 0 (rate 0): no spikes; other failures were excluded by the checks
        return Ok(counts);
    };
    for (c, mut column) in counts.columns_mut().into_iter().enumerate() {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(stream_key("poisson").wrapping_add(c as u64));
        for slot in column.iter_mut() {
            let draw: f64 = dist.sample(&mut rng);
            // Poisson draws are whole numbers >= 0; the cast saturates absurd rates
            *slot = draw as u32;
        }
    }
    Ok(counts)
}

/// Regular spike trains: every channel emits one spike at step 0 and then every
/// `round(period_s / dt)` steps (all channels in phase). `period_s / dt` must round to at
/// least 1 step.
pub fn regular(period_s: f64, dt: f64, steps: usize, channels: usize) -> Result<Array2<u32>, SimError> {
    check("period", period_s, period_s > 0.0)?;
    check("dt", dt, dt > 0.0)?;
    let period_steps = (period_s / dt).round();
    if !(period_steps >= 1.0 && period_steps.is_finite()) {
        let requirement = "at least one time step";
        return Err(SimError::InvalidScalar { name: "period", value: period_s, requirement });
    }
    // a period beyond usize just means a single spike at step 0
    let period_steps = period_steps.min(usize::MAX as f64) as usize;
    let mut counts = Array2::zeros((steps, channels));
    for (k, mut row) in counts.rows_mut().into_iter().enumerate() {
        if k % period_steps == 0 {
            row.fill(1);
        }
    }
    Ok(counts)
}

/// Checks a user-supplied count array `(rows, columns)` against the run's `steps` and the
/// input's `channels`.
pub fn validate_counts(shape: (usize, usize), steps: usize, channels: usize) -> Result<(), SimError> {
    if shape == (steps, channels) {
        Ok(())
    } else {
        Err(SimError::ShapeMismatch { what: "input spike counts", expected: (steps, channels), found: shape })
    }
}

fn check(name: &'static str, value: f64, ok: bool) -> Result<(), SimError> {
    if value.is_finite() && ok {
        Ok(())
    } else {
        let requirement = if name == "rate" { "finite and non-negative" } else { "finite and positive" };
        Err(SimError::InvalidScalar { name, value, requirement })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn poisson_rate_and_independence() {
        let (steps, channels) = (20_000, 8);
        let a = poisson(50.0, 1e-3, steps, channels, 7).unwrap();
        assert_eq!(a.dim(), (steps, channels));
        for c in 0..channels {
            let total: u32 = a.column(c).sum();
            // mean 1000, std ~ 31.6
            assert!((total as f64 - 1000.0).abs() < 5.0 * 31.7, "channel {c}: {total}");
        }
        assert_ne!(a.column(0), a.column(1));
        // stable under growth and seeded
        let b = poisson(50.0, 1e-3, steps / 2, channels + 3, 7).unwrap();
        assert_eq!(a.slice(ndarray::s![..steps / 2, ..]), b.slice(ndarray::s![.., ..channels]));
        assert_ne!(a, poisson(50.0, 1e-3, steps, channels, 8).unwrap());
    }

    #[test]
    fn poisson_counts_exceed_one_at_high_rates() {
        let a = poisson(2000.0, 1e-3, 1000, 1, 1).unwrap();
        assert!(a.iter().any(|&n| n >= 2));
        let mean = a.sum() as f64 / 1000.0;
        assert!((mean - 2.0).abs() < 0.3);
        assert_eq!(poisson(0.0, 1e-3, 10, 2, 1).unwrap().sum(), 0);
        assert!(poisson(-1.0, 1e-3, 10, 2, 1).is_err());
        assert!(poisson(1.0, 0.0, 10, 2, 1).is_err());
    }

    #[test]
    fn regular_phase_and_period() {
        let a = regular(10e-3, 1e-3, 25, 2).unwrap();
        let rows: Vec<usize> = (0..25).filter(|&k| a[[k, 0]] == 1).collect();
        assert_eq!(rows, vec![0, 10, 20]);
        assert_eq!(a.column(0), a.column(1));
        assert_eq!(a.sum(), 6);
        // 2.5 ms at 1 ms rounds to 3 steps (round half away from zero)
        let b = regular(2.5e-3, 1e-3, 7, 1).unwrap();
        assert_eq!(b.column(0).to_vec(), vec![1, 0, 0, 1, 0, 0, 1]);
        assert!(regular(0.4e-3, 1e-3, 7, 1).is_err());
        assert!(regular(0.0, 1e-3, 7, 1).is_err());
    }

    #[test]
    fn user_array_shape() {
        assert!(validate_counts((100, 4), 100, 4).is_ok());
        assert!(matches!(
            validate_counts((99, 4), 100, 4),
            Err(SimError::ShapeMismatch { expected: (100, 4), found: (99, 4), .. })
        ));
    }
}
