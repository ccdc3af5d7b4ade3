//! Device-to-device variation (§2.2): the hidden parameters of every cross-point of a
//! `rows × cols` array, drawn from one construction stream in the core's order (columns outer,
//! rows inner; model extras in a second pass, rows outer).

use rand_chacha::ChaCha8Rng;

use super::super::rng::{normal, uniform};
use super::{linear_step, soft_bounds, DeviceSpec, Hidden, Model};

/// Hidden parameters, row-major (`rows × cols`, row = output).
pub fn populate(spec: &DeviceSpec, rows: usize, cols: usize, rng: &mut ChaCha8Rng) -> Vec<Hidden> {
    let mut col_major = Vec::with_capacity(rows * cols);
    for j in 0..cols {
        for _ in 0..rows {
            col_major.push(common(spec, j + 1 == cols, rng));
        }
    }
    let mut hidden: Vec<Hidden> = (0..rows)
        .flat_map(|i| (0..cols).filter_map(move |j| j.checked_mul(rows)?.checked_add(i)))
        .filter_map(|k| col_major.get(k).copied())
        .collect();
    for h in &mut hidden {
        extras(spec, h, rng);
    }
    hidden
}

/// Steps 1–11 of §2.2 for one device (`last_col`: the analog bias column).
fn common(spec: &DeviceSpec, last_col: bool, rng: &mut ChaCha8Rng) -> Hidden {
    let c = &spec.common;
    let mut b_max = c.w_max * (1.0 + c.w_max_dtod * normal(rng));
    let mut b_min = c.w_min * (1.0 + c.w_min_dtod * normal(rng));
    let xi = normal(rng);
    let gain = if c.dw_min_dtod_log_normal { (c.dw_min_dtod * xi).exp() } else { 1.0 + c.dw_min_dtod * xi };
    let r = c.up_down_dtod * normal(rng);
    let (beta_up, beta_down) = if c.up_down > 0.0 { (0.0, -c.up_down) } else { (c.up_down, 0.0) };
    let mut s_up = (beta_up + gain + r) * c.dw_min;
    let mut s_down = (beta_down + gain - r) * c.dw_min;
    if c.enforce_consistency {
        s_up = s_up.abs();
        s_down = s_down.abs();
        if b_min > b_max {
            std::mem::swap(&mut b_min, &mut b_max);
        }
        b_max = b_max.abs();
        b_min = -b_min.abs();
    } else if b_min > b_max {
        let mid = 0.5 * (b_min + b_max);
        b_min = mid;
        b_max = mid;
    }
    let u = uniform(rng);
    if u < c.corrupt_devices_prob {
        let range = c.corrupt_devices_range.abs();
        let lo = b_max.min(b_min).max(-range);
        let hi = b_max.max(b_min).min(range);
        let v = lo + (hi - lo) * uniform(rng);
        b_max = v;
        b_min = v;
        s_up = 0.0;
        s_down = 0.0;
    }
    if c.perfect_bias && last_col {
        s_up = c.dw_min;
        s_down = c.dw_min;
        b_max = 100.0 * c.w_max;
        b_min = 100.0 * c.w_min;
    }
    let diffusion = (c.diffusion * (1.0 + c.diffusion_dtod * normal(rng))).abs();
    let reset_bias = c.reset + c.reset_dtod * normal(rng);
    let decay = if c.lifetime > 0.0 {
        let tau = c.lifetime * (1.0 + c.lifetime_dtod * normal(rng));
        if tau > 1.0 {
            1.0 - 1.0 / tau
        } else {
            0.0
        }
    } else {
        1.0
    };
    Hidden {
        max_bound: b_max,
        min_bound: b_min,
        dw_up: s_up,
        dw_down: s_down,
        slope_up: 0.0,
        slope_down: 0.0,
        reference: 0.0,
        decay,
        diffusion,
        reset_bias,
    }
}

/// The model's own hidden parameters.
fn extras(spec: &DeviceSpec, h: &mut Hidden, rng: &mut ChaCha8Rng) {
    let c = &spec.common;
    match &spec.model {
        Model::LinearStep(l) | Model::SoftBounds(l) => {
            let mut g_up = l.gamma_up + l.gamma_up_dtod * normal(rng);
            let mut g_down = l.gamma_down + l.gamma_down_dtod * normal(rng);
            if !l.allow_increasing {
                g_up = g_up.abs();
                g_down = g_down.abs();
            }
            (h.slope_up, h.slope_down) = linear_step::slopes(c, l, h, g_up, g_down);
        }
        Model::SoftBoundsReference(r) => {
            if h.max_bound > 0.0 && h.min_bound < 0.0 {
                let k_down = (h.dw_down / h.min_bound.abs()) * (1.0 + r.slope_down_dtod * normal(rng)).abs();
                let k_up = (h.dw_up / h.max_bound) * (1.0 + r.slope_up_dtod * normal(rng)).abs();
                if k_up > 0.0 {
                    h.max_bound = h.dw_up / k_up;
                }
                if k_down > 0.0 {
                    h.min_bound = -h.dw_down / k_down;
                }
            }
            h.reference = r.reference_mean + r.reference_std * normal(rng);
            if r.subtract_symmetry_point && h.max_bound > 0.0 && h.min_bound < 0.0 {
                let w_star = soft_bounds::symmetry_point(h);
                h.reference += w_star;
                h.reset_bias += w_star;
            }
        }
        Model::PowStep(p) => {
            let g = 1.0 + p.pow_gamma_dtod * normal(rng);
            let r = p.pow_up_down_dtod * normal(rng);
            let (beta_up, beta_down) = if p.pow_up_down > 0.0 { (0.0, -p.pow_up_down) } else { (p.pow_up_down, 0.0) };
            let mut up = (beta_up + g + r) * p.pow_gamma;
            let mut down = (beta_down + g - r) * p.pow_gamma;
            if c.enforce_consistency {
                up = up.abs();
                down = down.abs();
            }
            h.slope_up = up;
            h.slope_down = down;
        }
        Model::ConstantStep | Model::ExpStep(_) | Model::PiecewiseStep { .. } => {}
    }
}
