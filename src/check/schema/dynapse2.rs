//! The `dynapse2` device: every DynapSim parameter under Rockpool's names, the high-level forms
//! (time constants, pulse widths, gain ratios), simulation settings and chip geometry.

use super::{
    choice, concat, int, quantity, quantity_default, Bound, Default, FieldSpec, FieldType, Schema, Shape, ANY, NONNEG,
    POSITIVE,
};
use crate::check::units::Dim;

const fn neuron(name: &'static str, dim: Dim, default: f64, min: Bound, doc: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        ty: FieldType::Quantity { dim, min, max: ANY },
        default: Default::Num(default),
        shape: Shape::PerNeuron,
        doc,
    }
}

/// A neuron or synapse current: at most [`MAX_CURRENT`].
const fn current(name: &'static str, default: f64, min: Bound, doc: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        ty: FieldType::Quantity { dim: A, min, max: Bound::Inclusive(MAX_CURRENT) },
        default: Default::Num(default),
        shape: Shape::PerNeuron,
        doc,
    }
}

/// The largest current a Dynap-SE2 parameter may be, in amperes. The chip's bias generator makes
/// at most 2.28 uA (shared/reference/dynapse2_biasgen_table.csv, coarse 5, fine 255) and its
/// subthreshold circuits carry nanoamperes; 1 A is over 400 000 times that, so it refuses only
/// values no chip could bias (`Idc = 1e308 A`, which the simulation turns into infinities) while
/// leaving simulations free to explore far beyond the bias range.
pub const MAX_CURRENT: f64 = 1.0;

/// Why [`MAX_CURRENT`] bounds a current, for the range diagnostic's help.
pub const MAX_CURRENT_WHY: &str =
    "1 A is far beyond any bias a Dynap-SE2 can make (its bias generator's largest current \
                                   is 2.28 uA)";

const fn high_level(name: &'static str, dim: Dim, doc: &'static str) -> FieldSpec {
    quantity(name, dim, POSITIVE, ANY, Shape::PerNeuron, doc)
}

const A: Dim = Dim::CURRENT;
const F: Dim = Dim::CAPACITANCE;

/// Names of the per-neuron parameters (what a population block may set, besides `core`).
pub const NEURON_FIELDS: &[FieldSpec] = &[
    current("Idc", 5e-13, NONNEG, "constant DC input current"),
    current("If_nmda", 5e-13, NONNEG, "NMDA gating threshold (carried to hardware; no effect in DynapSim)"),
    current("Igain_ahp", 2.836_879_432_624_112_6e-11, NONNEG, "AHP gain current"),
    current("Igain_mem", 2.127_659_574_468_084_8e-11, NONNEG, "membrane gain current"),
    current("Igain_syn", 8.687_943_262_411_346e-9, NONNEG, "synapse gain current"),
    current("Ipulse_ahp", 3.5e-7, POSITIVE, "AHP pulse-width current"),
    current("Ipulse", 3.5e-8, POSITIVE, "synapse pulse-width current"),
    current("Iref", 1.05e-9, POSITIVE, "refractory-period current"),
    current("Ispkthr", 1e-7, POSITIVE, "spike threshold current"),
    current("Itau_ahp", 2.836_879_432_624_112_6e-11, NONNEG, "AHP leakage current"),
    current("Itau_mem", 5.319_148_936_170_212e-12, NONNEG, "membrane leakage current"),
    current("Itau_syn", 8.687_943_262_411_346e-11, NONNEG, "synapse leakage current"),
    current("Iw_ahp", 5e-13, NONNEG, "AHP weight current"),
    neuron("C_ahp", F, 40e-12, POSITIVE, "AHP capacitance"),
    neuron("C_syn", F, 24.5e-12, POSITIVE, "synapse capacitance"),
    neuron("C_pulse_ahp", F, 0.5e-12, POSITIVE, "AHP pulse-extender capacitance"),
    neuron("C_pulse", F, 0.5e-12, POSITIVE, "synapse pulse-extender capacitance"),
    neuron("C_ref", F, 1.5e-12, POSITIVE, "refractory capacitance"),
    neuron("C_mem", F, 3e-12, POSITIVE, "membrane capacitance"),
    current("Io", 5e-13, POSITIVE, "dark current: the floor of every current"),
    FieldSpec {
        name: "kappa_n",
        ty: FieldType::Quantity { dim: Dim::NONE, min: POSITIVE, max: Bound::Inclusive(1.0) },
        default: Default::Num(0.75),
        shape: Shape::PerNeuron,
        doc: "subthreshold slope factor, n-type",
    },
    FieldSpec {
        name: "kappa_p",
        ty: FieldType::Quantity { dim: Dim::NONE, min: POSITIVE, max: Bound::Inclusive(1.0) },
        default: Default::Num(0.66),
        shape: Shape::PerNeuron,
        doc: "subthreshold slope factor, p-type",
    },
    neuron("Ut", Dim::VOLTAGE, 25e-3, POSITIVE, "thermal voltage"),
    neuron("Vth", Dim::VOLTAGE, 0.7, POSITIVE, "cut-off voltage for pulse widths"),
    // High-level forms: converted to currents with Rockpool's formulas when given.
    high_level("tau_mem", Dim::TIME, "membrane time constant -> Itau_mem"),
    high_level("tau_syn", Dim::TIME, "synapse time constant -> Itau_syn"),
    high_level("tau_ahp", Dim::TIME, "AHP time constant -> Itau_ahp"),
    high_level("t_ref", Dim::TIME, "refractory period -> Iref"),
    high_level("t_pulse", Dim::TIME, "synapse pulse width -> Ipulse"),
    high_level("t_pulse_ahp", Dim::TIME, "AHP pulse width -> Ipulse_ahp"),
    high_level("r_gain_mem", Dim::NONE, "membrane gain ratio -> Igain_mem = r * Itau_mem"),
    high_level("r_gain_syn", Dim::NONE, "synapse gain ratio -> Igain_syn = r * Itau_syn"),
    high_level("r_gain_ahp", Dim::NONE, "AHP gain ratio -> Igain_ahp = r * Itau_ahp"),
];

/// Pairs (high-level field, the current it sets).
pub const HIGH_LEVEL: &[(&str, &str)] = &[
    ("tau_mem", "Itau_mem"),
    ("tau_syn", "Itau_syn"),
    ("tau_ahp", "Itau_ahp"),
    ("t_ref", "Iref"),
    ("t_pulse", "Ipulse"),
    ("t_pulse_ahp", "Ipulse_ahp"),
    ("r_gain_mem", "Igain_mem"),
    ("r_gain_syn", "Igain_syn"),
    ("r_gain_ahp", "Igain_ahp"),
];

/// States a `record` may name on this device.
pub const STATES: &[&str] = &["spikes", "Isyn", "Imem", "Iahp", "Vmem"];

/// Rockpool's own record and state names, each the alias of a canonical state (Rockpool keeps the
/// synapse in its `iampa` attribute and records it as `isyn`).
pub const ROCKPOOL_STATES: &[(&str, &str)] =
    &[("isyn", "Isyn"), ("iampa", "Isyn"), ("imem", "Imem"), ("iahp", "Iahp"), ("vmem", "Vmem")];

/// Rockpool attributes that DynapSim never updates: all synapse types share one state, `Isyn`.
pub const DEAD_STATES: &[&str] = &["igaba", "inmda", "ishunt"];

/// The canonical state a `record` name stands for (`Imem` for `Imem` and `imem`).
pub fn canonical_state(name: &str) -> Option<&'static str> {
    STATES
        .iter()
        .copied()
        .find(|s| *s == name)
        .or_else(|| ROCKPOOL_STATES.iter().find(|(alias, _)| *alias == name).map(|(_, canonical)| *canonical))
}

const DEVICE_ONLY: &[FieldSpec] = &[
    quantity_default(
        "Iw_0",
        A,
        1e-9,
        NONNEG,
        Bound::Inclusive(MAX_CURRENT),
        "base weight current selected by CAM bit 0 (per core)",
    ),
    quantity_default(
        "Iw_1",
        A,
        2e-9,
        NONNEG,
        Bound::Inclusive(MAX_CURRENT),
        "base weight current selected by CAM bit 1",
    ),
    quantity_default(
        "Iw_2",
        A,
        4e-9,
        NONNEG,
        Bound::Inclusive(MAX_CURRENT),
        "base weight current selected by CAM bit 2",
    ),
    quantity_default(
        "Iw_3",
        A,
        8e-9,
        NONNEG,
        Bound::Inclusive(MAX_CURRENT),
        "base weight current selected by CAM bit 3",
    ),
    quantity_default(
        "Iscale",
        A,
        1e-8,
        POSITIVE,
        Bound::Inclusive(MAX_CURRENT),
        "current of a simulation weight of 1.0",
    ),
    quantity_default("dt", Dim::TIME, 1e-3, POSITIVE, ANY, "simulation time step"),
    quantity_default(
        "percent_mismatch",
        Dim::NONE,
        0.0,
        NONNEG,
        Bound::Exclusive(1.0),
        "frozen parameter mismatch: 99.7 % of deviations within ±p (5 % = 0.05)",
    ),
    int("seed", Default::Int(0), Some(0), None, "seed of every random draw on this device (mismatch)"),
    choice("precision", &["f32", "f64"], "f32", "arithmetic of the simulation: f32 reproduces Rockpool"),
    int("chips", Default::Int(4), Some(1), Some(64), "chips on the board"),
    int("cores_per_chip", Default::Int(4), Some(1), Some(64), "cores per chip"),
    int("neurons_per_core", Default::Int(256), Some(1), Some(65_536), "neurons per core"),
    int("cam_entries", Default::Int(64), Some(1), Some(65_536), "CAM entries (incoming connections) per neuron"),
    int(
        "sram_entries",
        Default::Int(4),
        Some(1),
        Some(64),
        "SRAM entries (destinations, the first one monitors) per neuron",
    ),
    int("tags", Default::Int(2048), Some(1), Some(1 << 20), "event tags per chip"),
];

const DEVICE_FIELDS: [FieldSpec; NEURON_FIELDS.len() + DEVICE_ONLY.len()] = concat(NEURON_FIELDS, DEVICE_ONLY);

const POPULATION_EXTRA: &[FieldSpec] = &[FieldSpec {
    name: "core",
    ty: FieldType::Int { min: Some(0), max: None },
    default: Default::Absent,
    shape: Shape::PerNeuronInt,
    doc: "pin the population (or each neuron) to a core: global core index chip * cores_per_chip + core",
}];

const POPULATION_FIELDS: [FieldSpec; NEURON_FIELDS.len() + 1] = concat(NEURON_FIELDS, POPULATION_EXTRA);

pub static DEVICE: Schema =
    Schema { kind: "dynapse2", doc: "SynSense Dynap-SE2, simulated as Rockpool's DynapSim", fields: &DEVICE_FIELDS };

/// What a `neurons` block may set.
pub static POPULATION: Schema = Schema {
    kind: "neurons",
    doc: "per-population DynapSim parameters, scalar or per neuron",
    fields: &POPULATION_FIELDS,
};
