//! PowStep (§2.4.6): a power-law dependence of the step on the distance to the bound.
//! The per-device exponents γ⁺, γ⁻ sit in `Hidden::slope_up/slope_down`.

use super::Hidden;

/// One pulse; `noise` is σξ.
pub fn step(h: &Hidden, w: f64, up: bool, noise: f64) -> f64 {
    let range = h.max_bound - h.min_bound;
    if range == 0.0 {
        return w;
    }
    if up {
        let base = ((h.max_bound - w) / range).max(0.0);
        w + h.dw_up * base.powf(h.slope_up) * (1.0 + noise)
    } else {
        let base = ((w - h.min_bound) / range).max(0.0);
        w - h.dw_down * base.powf(h.slope_down) * (1.0 + noise)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// §8.6: up/down steps for γ = 1, 2, 0.5 on ±0.6.
    #[test]
    fn pow_step_table() {
        let rows = [
            (1.0, [(0.001, 0.0), (0.0005, 0.0005), (0.00025, 0.00075), (0.0, 0.001)]),
            (2.0, [(0.001, 0.0), (0.00025, 0.00025), (0.0000625, 0.0005625), (0.0, 0.001)]),
            (0.5, [(0.001, 0.0), (0.00070711, 0.00070711), (0.0005, 0.00086603), (0.0, 0.001)]),
        ];
        for (gamma, cells) in rows {
            let h = Hidden {
                max_bound: 0.6,
                min_bound: -0.6,
                dw_up: 0.001,
                dw_down: 0.001,
                slope_up: gamma,
                slope_down: gamma,
                ..Hidden::default()
            };
            for (w, (up, down)) in [-0.6, 0.0, 0.3, 0.6].into_iter().zip(cells) {
                assert!((step(&h, w, true, 0.0) - w - up).abs() < 1e-8, "γ={gamma} w={w}");
                assert!((w - step(&h, w, false, 0.0) - down).abs() < 1e-8, "γ={gamma} w={w}");
            }
        }
    }
}
