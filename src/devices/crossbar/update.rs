//! The stochastic pulsed update (aihwkit.md §5): pulse-train length and probability scales with
//! update management (§5.2), stochastic bit lines and their coincidences (§5.3), pulses applied
//! slot by slot (§5.4), and the dense pulse types (§5.5).
//!
//! Sign convention (§0): a coincidence whose sign product `sign(x_j)·sign(d_i)·sign(η)` is
//! positive moves the weight down, so the mean change is `−η d xᵀ` (SGD).

use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

use super::config::Fields;
use super::device::array::DeviceArray;
use super::rng::{stream, uniform, Purpose};
use super::round::ties_even_f32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PulseType {
    None,
    Stochastic,
    StochasticCompressed,
    NoneWithDevice,
    MeanCount,
    DeterministicImplicit,
}

/// UpdateParameters (§5.1), Python defaults.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UpdateParams {
    pub desired_bl: u32,
    pub fixed_bl: bool,
    pub pulse_type: PulseType,
    pub res: f64,
    pub x_res_implicit: f64,
    pub d_res_implicit: f64,
    pub d_sparsity: bool,
    pub sto_round: bool,
    pub update_bl_management: bool,
    pub update_management: bool,
    pub um_grad_scale: f64,
}

impl Default for UpdateParams {
    fn default() -> Self {
        UpdateParams {
            desired_bl: 31,
            fixed_bl: true,
            pulse_type: PulseType::StochasticCompressed,
            res: 0.0,
            x_res_implicit: 0.0,
            d_res_implicit: 0.0,
            d_sparsity: false,
            sto_round: false,
            update_bl_management: true,
            update_management: true,
            um_grad_scale: 1.0,
        }
    }
}

impl UpdateParams {
    pub fn from_fields(f: &dyn Fields) -> UpdateParams {
        let d = UpdateParams::default();
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // checked: 1 ≤ desired_bl ≤ 2^20
        let desired_bl = f.num("desired_bl").map_or(d.desired_bl, |v| v.max(1.0) as u32);
        UpdateParams {
            desired_bl,
            fixed_bl: f.flag("fixed_bl").unwrap_or(d.fixed_bl),
            pulse_type: match f.name("pulse_type").as_deref() {
                Some("none") => PulseType::None,
                Some("stochastic") => PulseType::Stochastic,
                Some("none_with_device") => PulseType::NoneWithDevice,
                Some("mean_count") => PulseType::MeanCount,
                Some("deterministic_implicit") => PulseType::DeterministicImplicit,
                _ => PulseType::StochasticCompressed,
            },
            res: f.num("res").unwrap_or(d.res),
            x_res_implicit: f.num("x_res_implicit").unwrap_or(d.x_res_implicit),
            d_res_implicit: f.num("d_res_implicit").unwrap_or(d.d_res_implicit),
            d_sparsity: f.flag("d_sparsity").unwrap_or(d.d_sparsity),
            sto_round: f.flag("sto_round").unwrap_or(d.sto_round),
            update_bl_management: f.flag("update_bl_management").unwrap_or(d.update_bl_management),
            update_management: f.flag("update_management").unwrap_or(d.update_management),
            um_grad_scale: f.num("um_grad_scale").unwrap_or(d.um_grad_scale),
        }
    }

    /// build_config's transfer update: one pulse, no management.
    pub fn single_pulse(&self) -> UpdateParams {
        UpdateParams { desired_bl: 1, update_bl_management: false, update_management: false, ..self.clone() }
    }
}

/// Pulse-train length and probability scales: `a` for the d lines, `b` for the x lines.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scales {
    pub bl: u32,
    pub a: f64,
    pub b: f64,
}

/// §5.2: BL, A and B for learning rate `lr` (> 0), granularity `eps` and the largest |x|, |d|.
/// `None` when nothing is to be updated.
pub fn scales(p: &UpdateParams, lr: f64, eps: f64, x_max: f64, d_max: f64) -> Option<Scales> {
    if lr <= 0.0 || eps <= 0.0 {
        return None;
    }
    let desired = f64::from(p.desired_bl);
    let (mut bl, mut a) = if p.fixed_bl || p.update_bl_management || eps * desired >= lr {
        (desired, (lr / (eps * desired)).sqrt())
    } else {
        ((lr / eps).ceil().max(1.0), 1.0)
    };
    let mut b = a;
    let um = p.update_management || p.update_bl_management;
    if um {
        if x_max <= 0.0 || d_max <= 0.0 {
            return None;
        }
        let x_t = x_max;
        let mut d_t = p.um_grad_scale * d_max;
        let k = lr * x_t * d_t / eps;
        if p.update_bl_management {
            bl = k.ceil().min(desired).max(1.0);
            a = (lr / (eps * bl)).sqrt();
            b = a;
        }
        if p.update_management {
            if k > desired {
                d_t *= desired / k;
            }
            a *= (x_t / d_t).sqrt();
            b *= (d_t / x_t).sqrt();
        }
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // 1 ≤ bl ≤ desired_bl or ceil(lr/eps)
    let bl = bl.min(f64::from(u32::MAX)) as u32;
    // The core holds A and B in float32: rounding them there keeps ties (rint(2.5) = 2 in the
    // deterministic pulse types) where aihwkit has them.
    #[allow(clippy::cast_possible_truncation)]
    let (a, b) = (f64::from(a as f32), f64::from(b as f32));
    Some(Scales { bl, a, b })
}

/// One vector update of the pulsed kind. `signs`: optional chopper signs (x side, d side) that
/// flip each coincidence's direction; `seed`/`counter` derive this update's random streams.
pub struct VectorUpdate<'a> {
    pub params: &'a UpdateParams,
    pub x: &'a [f64],
    pub d: &'a [f64],
    pub lr: f64,
    pub x_flip: Option<&'a [bool]>,
    pub d_flip: Option<&'a [bool]>,
    pub seed: u64,
    pub counter: u64,
}

/// Quantises a firing probability with width `res` (identity when `res ≤ 0`).
fn q_res(v: f64, res: f64, rng: Option<&mut ChaCha8Rng>) -> f64 {
    if res <= 0.0 {
        return v;
    }
    let shift = rng.map_or(0.0, |r| uniform(r) - 0.5);
    (v / res + shift).round_ties_even() * res
}

fn signed(v: f64, flip: Option<&bool>) -> f64 {
    let s = if v < 0.0 { -1.0 } else { 1.0 };
    if flip == Some(&true) {
        -s
    } else {
        s
    }
}

/// Applies one vector update to `array` with granularity `eps`; returns the number of pulses.
pub fn apply(array: &mut DeviceArray, u: &VectorUpdate, eps: f64) -> u64 {
    let lr_sign = if u.lr < 0.0 { -1.0 } else { 1.0 };
    let lr = u.lr.abs();
    match u.params.pulse_type {
        PulseType::None | PulseType::NoneWithDevice => {
            let clip = u.params.pulse_type == PulseType::NoneWithDevice;
            let cols = array.cols;
            for (i, di) in u.d.iter().enumerate() {
                for (j, xj) in u.x.iter().enumerate() {
                    let flip =
                        signed(1.0, u.x_flip.and_then(|f| f.get(j))) * signed(1.0, u.d_flip.and_then(|f| f.get(i)));
                    array.add_float(i * cols + j, -u.lr * di * xj * flip, clip);
                }
            }
            return 0;
        }
        _ => {}
    }
    let x_max = u.x.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    let d_max = u.d.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    let Some(sc) = scales(u.params, lr, eps, x_max, d_max) else {
        return 0;
    };
    let mut bits = stream(u.seed ^ u.counter.rotate_left(29), 0, Purpose::BitLine);
    let sto = u.params.sto_round;
    let mut prob = |v: f64, scale: f64, res: f64| q_res(scale * v.abs(), res, if sto { Some(&mut bits) } else { None });
    let px: Vec<f64> = u.x.iter().map(|v| prob(*v, sc.b, u.params.res)).collect();
    let pd: Vec<f64> = u.d.iter().map(|v| prob(*v, sc.a, u.params.res)).collect();
    let sx: Vec<f64> = u.x.iter().enumerate().map(|(j, v)| signed(*v, u.x_flip.and_then(|f| f.get(j)))).collect();
    let sd: Vec<f64> =
        u.d.iter().enumerate().map(|(i, v)| lr_sign * signed(*v, u.d_flip.and_then(|f| f.get(i)))).collect();
    match u.params.pulse_type {
        PulseType::MeanCount | PulseType::DeterministicImplicit => dense(array, u, &sc, &px, &pd, &sx, &sd),
        _ => stochastic(array, u, sc.bl, &px, &pd, &sx, &sd, &mut bits),
    }
}

/// §5.3–5.4: BL slots of independent line firings; each coincidence is one pulse, in slot order.
#[allow(clippy::too_many_arguments)]
fn stochastic(
    array: &mut DeviceArray,
    u: &VectorUpdate,
    bl: u32,
    px: &[f64],
    pd: &[f64],
    sx: &[f64],
    sd: &[f64],
    bits: &mut ChaCha8Rng,
) -> u64 {
    let fire = |p: f64, rng: &mut ChaCha8Rng| p >= 1.0 || (p > 0.0 && uniform(rng) < p);
    // Per slot: the fired x lines; per row: the slots in which its d line fired.
    let mut x_slots: Vec<Vec<usize>> = Vec::with_capacity(bl as usize);
    let mut row_slots: Vec<Vec<usize>> = vec![Vec::new(); pd.len()];
    for k in 0..bl as usize {
        x_slots.push(px.iter().enumerate().filter(|(_, p)| fire(**p, bits)).map(|(j, _)| j).collect());
        for (slots, p) in row_slots.iter_mut().zip(pd) {
            if fire(*p, bits) {
                slots.push(k);
            }
        }
    }
    let seed = u.seed ^ u.counter.rotate_left(29);
    let rows = array.rows_mut();
    let work = |(i, mut row): (usize, super::device::array::RowMut<'_>)| -> u64 {
        let slots = row_slots.get(i).map_or(&[][..], Vec::as_slice);
        if slots.is_empty() {
            return 0;
        }
        let mut rng = stream(seed, i as u64 + 1, Purpose::Pulse);
        let s_i = sd.get(i).copied().unwrap_or(1.0);
        let mut n = 0;
        for k in slots {
            for &j in x_slots.get(*k).map_or(&[][..], Vec::as_slice) {
                let down = s_i * sx.get(j).copied().unwrap_or(1.0) > 0.0;
                row.pulse(j, !down, &mut rng);
                n += 1;
            }
        }
        n
    };
    if px.len() * pd.len() >= 1 << 18 {
        rows.into_par_iter().enumerate().map(work).sum()
    } else {
        rows.into_iter().enumerate().map(work).sum()
    }
}

/// §5.5: MEAN_COUNT and DETERMINISTIC_IMPLICIT: |n_ij| pulses back to back.
fn dense(
    array: &mut DeviceArray,
    u: &VectorUpdate,
    sc: &Scales,
    px: &[f64],
    pd: &[f64],
    sx: &[f64],
    sd: &[f64],
) -> u64 {
    let bl = f64::from(sc.bl);
    let implicit = u.params.pulse_type == PulseType::DeterministicImplicit;
    #[allow(clippy::cast_possible_truncation)]
    let f32_round = |v: f64| f64::from(v as f32);
    let px: Vec<f64> = px.iter().map(|v| f32_round(*v)).collect();
    let pd: Vec<f64> = pd.iter().map(|v| f32_round(*v)).collect();
    let (cx, cd): (Vec<f64>, Vec<f64>) = if implicit {
        let q = |v: f64, res: f64| q_res(v, res, None).clamp(0.0, 1.0);
        (
            px.iter().map(|v| q(*v, u.params.x_res_implicit)).collect(),
            pd.iter().map(|v| q(*v, u.params.d_res_implicit)).collect(),
        )
    } else {
        let c = |p: f64| (bl * p).round_ties_even().clamp(0.0, bl);
        (px.iter().map(|p| c(*p)).collect(), pd.iter().map(|p| c(*p)).collect())
    };
    let seed = u.seed ^ u.counter.rotate_left(29);
    let mut total = 0;
    for (i, (mut row, di)) in array.rows_mut().into_iter().zip(&cd).enumerate() {
        let mut rng = stream(seed, i as u64 + 1, Purpose::Pulse);
        for (j, xj) in cx.iter().enumerate() {
            #[allow(clippy::cast_possible_truncation)]
            let n = f64::from(if implicit {
                ties_even_f32(bl as f32 * *di as f32 * *xj as f32)
            } else {
                ties_even_f32(*di as f32 * *xj as f32 / bl as f32)
            });
            let sign = sd.get(i).copied().unwrap_or(1.0) * sx.get(j).copied().unwrap_or(1.0);
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // 0 ≤ n ≤ BL
            let count = n.max(0.0) as u32;
            for _ in 0..count {
                row.pulse(j, sign < 0.0, &mut rng);
            }
            total += u64::from(count);
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(lr: f64, x: f64, d: f64, bl: u32, a: f64, b: f64) {
        let s = scales(&UpdateParams::default(), lr, 0.001, x, d).unwrap_or(Scales { bl: 0, a: 0.0, b: 0.0 });
        assert_eq!(s.bl, bl, "lr={lr}");
        assert!((s.a - a).abs() < 1e-5 && (s.b - b).abs() < 1e-5, "lr={lr}: {s:?}");
    }

    /// §8.8: the update-management table.
    #[test]
    fn update_management_table() {
        check(0.01, 1.0, 0.5, 5, 2.0, 1.0);
        check(0.1, 1.0, 1.0, 31, 3.225806, 1.0);
        check(0.01, 0.2, 0.05, 1, 6.324555, 1.581139);
        check(0.001, 1.0, 1.0, 1, 1.0, 1.0);
        let fixed = UpdateParams { update_bl_management: false, update_management: false, ..UpdateParams::default() };
        let s = scales(&fixed, 0.01, 0.001, 1.0, 1.0).unwrap_or(Scales { bl: 0, a: 0.0, b: 0.0 });
        assert_eq!(s.bl, 31);
        assert!((s.a - 0.567962).abs() < 1e-6 && (s.b - 0.567962).abs() < 1e-6);
    }
}
