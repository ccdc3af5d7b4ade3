//! Pulsed device models (aihwkit.md §2): the parameters of one model, the hidden parameters
//! every cross-point draws at construction, and the per-pulse rules.

pub mod array;
pub mod constant_step;
pub mod exp_step;
pub mod linear_step;
pub mod piecewise_step;
pub mod pow_step;
pub mod soft_bounds;
pub mod variation;

use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::rng::normal;

/// Parameters every pulsed device shares (PulsedDevice, §2.1), Python defaults.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Common {
    pub dw_min: f64,
    pub dw_min_dtod: f64,
    pub dw_min_dtod_log_normal: bool,
    pub dw_min_std: f64,
    pub up_down: f64,
    pub up_down_dtod: f64,
    pub w_max: f64,
    pub w_min: f64,
    pub w_max_dtod: f64,
    pub w_min_dtod: f64,
    pub enforce_consistency: bool,
    pub perfect_bias: bool,
    pub corrupt_devices_prob: f64,
    pub corrupt_devices_range: f64,
    pub lifetime: f64,
    pub lifetime_dtod: f64,
    pub diffusion: f64,
    pub diffusion_dtod: f64,
    pub reset: f64,
    pub reset_dtod: f64,
    pub reset_std: f64,
    /// Write noise in units of dw_min (0 for models without it).
    pub write_noise_std: f64,
    pub apply_write_noise_on_set: bool,
}

impl Default for Common {
    fn default() -> Self {
        Common {
            dw_min: 0.001,
            dw_min_dtod: 0.3,
            dw_min_dtod_log_normal: false,
            dw_min_std: 0.3,
            up_down: 0.0,
            up_down_dtod: 0.01,
            w_max: 0.6,
            w_min: -0.6,
            w_max_dtod: 0.3,
            w_min_dtod: 0.3,
            enforce_consistency: true,
            perfect_bias: false,
            corrupt_devices_prob: 0.0,
            corrupt_devices_range: 0.1,
            lifetime: 0.0,
            lifetime_dtod: 0.0,
            diffusion: 0.0,
            diffusion_dtod: 0.0,
            reset: 0.0,
            reset_dtod: 0.0,
            reset_std: 0.01,
            write_noise_std: 0.0,
            apply_write_noise_on_set: true,
        }
    }
}

/// LinearStep's extras (§2.4.2); SoftBounds is the same rule with fixed settings (§2.4.3).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Linear {
    pub gamma_up: f64,
    pub gamma_down: f64,
    pub gamma_up_dtod: f64,
    pub gamma_down_dtod: f64,
    pub allow_increasing: bool,
    pub mean_bound_reference: bool,
    pub mult_noise: bool,
    pub reverse_up: bool,
    pub reverse_down: bool,
    pub reverse_offset: f64,
}

impl Linear {
    /// SoftBounds: γ = 1 both ways, no γ spread, slopes from the device's own bounds.
    pub fn soft_bounds(mult_noise: bool, reverse_up: bool, reverse_down: bool, reverse_offset: f64) -> Linear {
        Linear {
            gamma_up: 1.0,
            gamma_down: 1.0,
            gamma_up_dtod: 0.0,
            gamma_down_dtod: 0.0,
            allow_increasing: false,
            mean_bound_reference: false,
            mult_noise,
            reverse_up,
            reverse_down,
            reverse_offset,
        }
    }
}

/// SoftBoundsReference's extras (§2.4.4).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reference {
    pub mult_noise: bool,
    pub slope_up_dtod: f64,
    pub slope_down_dtod: f64,
    pub reference_mean: f64,
    pub reference_std: f64,
    pub subtract_symmetry_point: bool,
}

/// ExpStep's extras (§2.4.5).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exp {
    #[serde(rename = "A_up")]
    pub a_up: f64,
    #[serde(rename = "A_down")]
    pub a_down: f64,
    pub gamma_up: f64,
    pub gamma_down: f64,
    pub a: f64,
    pub b: f64,
    pub dw_min_std_add: f64,
    pub dw_min_std_slope: f64,
}

/// PowStep's extras (§2.4.6).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pow {
    pub pow_gamma: f64,
    pub pow_gamma_dtod: f64,
    pub pow_up_down: f64,
    pub pow_up_down_dtod: f64,
}

/// One device model with its own parameters.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "model")]
pub enum Model {
    ConstantStep,
    LinearStep(Linear),
    SoftBounds(Linear),
    SoftBoundsReference(Reference),
    ExpStep(Exp),
    PowStep(Pow),
    PiecewiseStep { piecewise_up: Vec<f64>, piecewise_down: Vec<f64> },
}

impl Model {
    /// aihwkit's class name of the model.
    pub fn class_name(&self) -> &'static str {
        match self {
            Model::ConstantStep => "ConstantStepDevice",
            Model::LinearStep(_) => "LinearStepDevice",
            Model::SoftBounds(_) => "SoftBoundsDevice",
            Model::SoftBoundsReference(_) => "SoftBoundsReferenceDevice",
            Model::ExpStep(_) => "ExpStepDevice",
            Model::PowStep(_) => "PowStepDevice",
            Model::PiecewiseStep { .. } => "PiecewiseStepDevice",
        }
    }
}

/// A device specification: shared parameters plus the model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviceSpec {
    #[serde(flatten)]
    pub common: Common,
    #[serde(flatten)]
    pub model: Model,
}

impl DeviceSpec {
    /// Weight granularity (§2.2): the step used by update management and transfers.
    pub fn granularity(&self) -> f64 {
        let c = &self.common;
        let g = match &self.model {
            Model::PowStep(p) => c.dw_min * 0.5_f64.powf(p.pow_gamma),
            Model::PiecewiseStep { piecewise_up, .. } => {
                c.dw_min * piecewise_up.get(piecewise_up.len() / 2).copied().unwrap_or(1.0)
            }
            Model::ExpStep(e) => exp_step::granularity(c, e),
            _ => c.dw_min,
        };
        if g > 0.0 {
            g
        } else {
            c.dw_min
        }
    }

    /// Number of states `(w_max − w_min) / granularity` (§8.11 uses dw_min).
    pub fn num_states(&self) -> f64 {
        (self.common.w_max - self.common.w_min) / self.granularity()
    }
}

/// Hidden parameters of one cross-point, drawn at construction (§2.2).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Hidden {
    /// Upper and lower bounds b⁺, b⁻.
    pub max_bound: f64,
    pub min_bound: f64,
    /// Step magnitudes s⁺, s⁻ (positive).
    pub dw_up: f64,
    pub dw_down: f64,
    /// LinearStep/SoftBounds slopes k⁺, k⁻; PowStep exponents γ⁺, γ⁻.
    pub slope_up: f64,
    pub slope_down: f64,
    /// SoftBoundsReference: the static reference subtracted on read.
    pub reference: f64,
    /// Decay factor δ per mini-batch (1 = none).
    pub decay: f64,
    /// Diffusion std ρ per mini-batch.
    pub diffusion: f64,
    /// Reset target μ_r.
    pub reset_bias: f64,
}

/// Applies one pulse (`up` or down) to weight `w` of a device with hidden parameters `h`,
/// including the clip to the device's bounds. Returns the new persistent weight.
pub fn pulse(spec: &DeviceSpec, h: &Hidden, w: f64, up: bool, rng: &mut ChaCha8Rng) -> f64 {
    let sigma = spec.common.dw_min_std;
    let mut noise = || if sigma > 0.0 { sigma * normal(rng) } else { 0.0 };
    let next = match &spec.model {
        Model::ConstantStep => constant_step::step(h, w, up, noise()),
        Model::LinearStep(l) | Model::SoftBounds(l) => linear_step::step(h, w, up, l.mult_noise, noise()),
        Model::SoftBoundsReference(r) => return soft_bounds::reference_step(h, w, up, r.mult_noise, noise()),
        Model::ExpStep(e) => exp_step::step(&spec.common, e, h, w, up, rng),
        Model::PowStep(_) => pow_step::step(h, w, up, noise()),
        Model::PiecewiseStep { piecewise_up, piecewise_down } => {
            piecewise_step::step(h, w, up, piecewise_up, piecewise_down, noise())
        }
    };
    clip(h, next)
}

/// Clips to the device's own bounds `[b⁻, b⁺]`.
pub fn clip(h: &Hidden, w: f64) -> f64 {
    w.min(h.max_bound).max(h.min_bound)
}
