//! Building device, IO and update parameters from named fields. The names are aihwkit's Python
//! field names (which `.dyn` uses too); any source of named values (checked settings, a JSON dump
//! of an aihwkit dataclass) implements [`Fields`]. Missing fields take aihwkit's Python defaults.

use super::device::{Common, DeviceSpec, Exp, Linear, Model, Pow, Reference};

/// Named values of one configuration block.
pub trait Fields {
    fn num(&self, name: &str) -> Option<f64>;
    fn flag(&self, name: &str) -> Option<bool>;
    fn list(&self, name: &str) -> Option<Vec<f64>>;
    fn name(&self, name: &str) -> Option<String>;
}

/// A device spec of `model` (ConstantStep, LinearStep, SoftBounds, SoftBoundsReference, ExpStep,
/// PowStep, PiecewiseStep); `None` for an unknown model.
pub fn device_spec(model: &str, f: &dyn Fields) -> Option<DeviceSpec> {
    let num = |n: &str, d: f64| f.num(n).unwrap_or(d);
    let flag = |n: &str, d: bool| f.flag(n).unwrap_or(d);
    let base = Common::default();
    let common = Common {
        dw_min: num("dw_min", base.dw_min),
        dw_min_dtod: num("dw_min_dtod", base.dw_min_dtod),
        dw_min_dtod_log_normal: flag("dw_min_dtod_log_normal", base.dw_min_dtod_log_normal),
        dw_min_std: num("dw_min_std", base.dw_min_std),
        up_down: num("up_down", base.up_down),
        up_down_dtod: num("up_down_dtod", base.up_down_dtod),
        w_max: num("w_max", base.w_max),
        w_min: num("w_min", base.w_min),
        w_max_dtod: num("w_max_dtod", base.w_max_dtod),
        w_min_dtod: num("w_min_dtod", base.w_min_dtod),
        enforce_consistency: flag("enforce_consistency", base.enforce_consistency),
        perfect_bias: flag("perfect_bias", base.perfect_bias),
        corrupt_devices_prob: num("corrupt_devices_prob", base.corrupt_devices_prob),
        corrupt_devices_range: num("corrupt_devices_range", base.corrupt_devices_range),
        lifetime: num("lifetime", base.lifetime),
        lifetime_dtod: num("lifetime_dtod", base.lifetime_dtod),
        diffusion: num("diffusion", base.diffusion),
        diffusion_dtod: num("diffusion_dtod", base.diffusion_dtod),
        reset: num("reset", base.reset),
        reset_dtod: num("reset_dtod", base.reset_dtod),
        reset_std: num("reset_std", base.reset_std),
        write_noise_std: num("write_noise_std", 0.0),
        apply_write_noise_on_set: flag("apply_write_noise_on_set", true),
    };
    let linear = |soft: bool| {
        let mult_noise = flag("mult_noise", true);
        let (up, down, off) = (flag("reverse_up", false), flag("reverse_down", false), num("reverse_offset", 0.01));
        if soft {
            Linear::soft_bounds(mult_noise, up, down, off)
        } else {
            Linear {
                gamma_up: num("gamma_up", 0.0),
                gamma_down: num("gamma_down", 0.0),
                gamma_up_dtod: num("gamma_up_dtod", 0.05),
                gamma_down_dtod: num("gamma_down_dtod", 0.05),
                allow_increasing: flag("allow_increasing", false),
                mean_bound_reference: flag("mean_bound_reference", true),
                mult_noise,
                reverse_up: up,
                reverse_down: down,
                reverse_offset: off,
            }
        }
    };
    let model = match model {
        "ConstantStep" => Model::ConstantStep,
        "LinearStep" => Model::LinearStep(linear(false)),
        "SoftBounds" => Model::SoftBounds(linear(true)),
        "SoftBoundsReference" => Model::SoftBoundsReference(Reference {
            mult_noise: flag("mult_noise", false),
            slope_up_dtod: num("slope_up_dtod", 0.0),
            slope_down_dtod: num("slope_down_dtod", 0.0),
            reference_mean: num("reference_mean", 0.0),
            reference_std: num("reference_std", 0.0),
            subtract_symmetry_point: flag("subtract_symmetry_point", false),
        }),
        "ExpStep" => Model::ExpStep(Exp {
            a_up: num("A_up", 0.00081),
            a_down: num("A_down", 0.36833),
            gamma_up: num("gamma_up", 12.44625),
            gamma_down: num("gamma_down", 12.78785),
            a: num("a", 0.244),
            b: num("b", 0.2425),
            dw_min_std_add: num("dw_min_std_add", 0.0),
            dw_min_std_slope: num("dw_min_std_slope", 0.0),
        }),
        "PowStep" => Model::PowStep(Pow {
            pow_gamma: num("pow_gamma", 1.0),
            pow_gamma_dtod: num("pow_gamma_dtod", 0.1),
            pow_up_down: num("pow_up_down", 0.0),
            pow_up_down_dtod: num("pow_up_down_dtod", 0.0),
        }),
        "PiecewiseStep" => Model::PiecewiseStep {
            piecewise_up: f.list("piecewise_up").unwrap_or_else(|| vec![1.0]),
            piecewise_down: f.list("piecewise_down").unwrap_or_else(|| vec![1.0]),
        },
        _ => return None,
    };
    Some(DeviceSpec { common, model })
}

use super::compounds::{Algorithm, CompoundParams};
use super::io::IoParams;
use super::update::UpdateParams;

/// Everything a tile needs: what build_config(algorithm, device, io_parameters, up_parameters,
/// n_devices, construction_seed) returns, plus the runtime seed dyn adds.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TileConfig {
    pub algorithm: Algorithm,
    pub device: DeviceSpec,
    pub forward: IoParams,
    pub backward: IoParams,
    pub update: UpdateParams,
    pub transfer_forward: IoParams,
    pub transfer_update: UpdateParams,
    pub compound: CompoundParams,
    pub n_devices: usize,
    pub construction_seed: u64,
    pub seed: u64,
}

/// The named blocks of a crossbar device; `None` for blocks the user did not write.
pub struct Blocks<'a> {
    pub io: &'a dyn Fields,
    pub update: &'a dyn Fields,
    pub compound: Option<&'a dyn Fields>,
    pub transfer_io: Option<&'a dyn Fields>,
    pub transfer_update: Option<&'a dyn Fields>,
    /// Whether the user set `update.desired_bl` explicitly (it then wins over build_config's 5).
    pub explicit_desired_bl: bool,
}

impl TileConfig {
    /// build_config's mapping (§1.2), with the user's compound/transfer overrides applied last.
    pub fn build(
        algorithm: Algorithm,
        device: DeviceSpec,
        blocks: &Blocks,
        n_devices: usize,
        construction_seed: u64,
        seed: u64,
    ) -> TileConfig {
        let io = IoParams::from_fields(blocks.io);
        let up = UpdateParams::from_fields(blocks.update);
        let buffered = matches!(algorithm, Algorithm::Ttv2 | Algorithm::CTtv2 | Algorithm::Agad);
        let update = if buffered && !blocks.explicit_desired_bl {
            UpdateParams { desired_bl: 5, ..up.clone() }
        } else {
            up.clone()
        };
        let transfer_update = match (blocks.transfer_update, algorithm) {
            (Some(f), _) => UpdateParams::from_fields(f),
            (None, Algorithm::Ttv2 | Algorithm::CTtv2) => up.single_pulse(),
            (None, Algorithm::Agad) => {
                UpdateParams { desired_bl: 1, update_bl_management: true, update_management: true, ..up.clone() }
            }
            (None, _) => up.clone(),
        };
        // What build_config passes: NM/BM off, except for AGAD (§1.2). The tile forces them off
        // for every transfer read anyway, as the core does (§6.3, §10.12).
        let transfer_forward = match (blocks.transfer_io, algorithm) {
            (Some(f), _) => IoParams::from_fields(f),
            (None, Algorithm::Agad) => io.clone(),
            (None, _) => io.for_transfer(),
        };
        let mut compound = CompoundParams::for_algorithm(algorithm);
        if let Some(f) = blocks.compound {
            compound = compound.with_fields(f);
        }
        TileConfig {
            algorithm,
            device,
            forward: io.clone(),
            backward: io,
            update,
            transfer_forward,
            transfer_update,
            compound,
            n_devices: if algorithm == Algorithm::Sgd { n_devices.max(1) } else { 1 },
            construction_seed,
            seed,
        }
    }
}
