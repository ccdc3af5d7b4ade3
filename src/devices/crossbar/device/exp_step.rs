//! ExpStep (§2.4.5): exponential dependence of the step on the weight.

use rand_chacha::ChaCha8Rng;

use super::super::rng::normal;
use super::{Common, Exp, Hidden};

/// Step factors (y⁺, y⁻) at weight `w` for bounds `[lo, hi]`.
pub fn factors(e: &Exp, lo: f64, hi: f64, w: f64) -> (f64, f64) {
    let z = 2.0 * e.a * w / (hi - lo) + e.b;
    let up = (1.0 - e.a_up * (e.gamma_up * z).exp()).max(0.0);
    let down = (1.0 - e.a_down * (-e.gamma_down * z).exp()).max(0.0);
    (up, down)
}

/// The core's granularity: the down step at w = 0 with the nominal bounds and the up_down bias
/// (it averages the down step with itself, §10.5 — kept on purpose).
pub fn granularity(c: &Common, e: &Exp) -> f64 {
    let (_, y_down) = factors(e, c.w_min, c.w_max, 0.0);
    let beta_down = if c.up_down > 0.0 { -c.up_down } else { 0.0 };
    y_down * c.dw_min * (1.0 + beta_down)
}

/// One pulse.
pub fn step(c: &Common, e: &Exp, h: &Hidden, w: f64, up: bool, rng: &mut ChaCha8Rng) -> f64 {
    if h.max_bound - h.min_bound <= 0.0 {
        return w;
    }
    let (y_up, y_down) = factors(e, h.min_bound, h.max_bound, w);
    let delta = if up { y_up * h.dw_up } else { -y_down * h.dw_down };
    let sigma = c.dw_min_std;
    if sigma <= 0.0 {
        return w + delta;
    }
    if e.dw_min_std_add != 0.0 || e.dw_min_std_slope != 0.0 {
        let spread = delta.abs() + e.dw_min_std_add + e.dw_min_std_slope * w.abs();
        w + delta + sigma * spread * normal(rng)
    } else {
        w + delta * (1.0 + sigma * normal(rng))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_exp() -> Exp {
        Exp {
            a_up: 0.00081,
            a_down: 0.36833,
            gamma_up: 12.44625,
            gamma_down: 12.78785,
            a: 0.244,
            b: 0.2425,
            dw_min_std_add: 0.0,
            dw_min_std_slope: 0.0,
        }
    }

    /// §8.5: factor table for the default parameters on ±0.6, and the default granularity.
    #[test]
    fn default_factors() {
        let e = default_exp();
        let table = [
            (-0.6, 0.999205, 0.624537),
            (-0.3, 0.996371, 0.921111),
            (0.0, 0.983432, 0.983425),
            (0.3, 0.924364, 0.996517),
            (0.6, 0.654712, 0.999268),
        ];
        for (w, up, down) in table {
            let (u, d) = factors(&e, -0.6, 0.6, w);
            assert!((u - up).abs() < 2e-6 && (d - down).abs() < 2e-6, "w={w}: {u} {d}");
        }
        let c = Common::default();
        assert!((granularity(&c, &e) - 0.000983425).abs() < 1e-9);
    }

    /// §8.5: the ReRamES preset's factors (A negative, so y > 1) and granularity 0.00199144.
    #[test]
    fn reram_es_factors() {
        let e = Exp {
            a_up: -1.18445,
            a_down: -0.081404,
            gamma_up: 5.0,
            gamma_down: 5.0,
            a: -0.5,
            b: -0.5,
            dw_min_std_add: 0.0,
            dw_min_std_slope: 0.0,
        };
        for (w, up, down) in [(0.0, 1.097226, 1.991704), (1.0, 1.007981, 13.081425), (-1.0, 2.184450, 1.081404)] {
            let (u, d) = factors(&e, -1.0, 1.0, w);
            assert!((u - up).abs() < 1e-5 && (d - down).abs() < 1e-5, "w={w}: {u} {d}");
        }
        let c = Common { dw_min: 0.00135, up_down: 0.259359, w_max: 1.0, w_min: -1.0, ..Common::default() };
        assert!((granularity(&c, &e) - 0.00199144).abs() < 1e-8, "{}", granularity(&c, &e));
    }
}
