//! The `bss2` device (a behavioural BrainScaleS-2 plant) and `neuron_target`, calix's
//! NeuronCalibTarget.

use super::{flag, int, quantity_default, Bound, Default, FieldSpec, FieldType, Schema, Shape, ANY, NONNEG, POSITIVE};
use crate::check::units::Dim;

const US: f64 = 1e-6;
const MV: f64 = 1e-3;

const fn target(name: &'static str, ty: FieldType, default: Default, shape: Shape, doc: &'static str) -> FieldSpec {
    FieldSpec { name, ty, default, shape, doc }
}

const fn potential(name: &'static str, default: f64, doc: &'static str) -> FieldSpec {
    target(
        name,
        FieldType::Quantity { dim: Dim::NONE, min: Bound::Inclusive(0.0), max: Bound::Inclusive(255.0) },
        Default::Num(default),
        Shape::Calibration { pairs: false },
        doc,
    )
}

const fn time(name: &'static str, default: Default, min: f64, max: f64, pairs: bool, doc: &'static str) -> FieldSpec {
    target(
        name,
        FieldType::Quantity { dim: Dim::TIME, min: Bound::Inclusive(min), max: Bound::Inclusive(max) },
        default,
        Shape::Calibration { pairs },
        doc,
    )
}

const fn code(name: &'static str, default: Default, max: i64, pairs: bool, doc: &'static str) -> FieldSpec {
    target(name, FieldType::Int { min: Some(0), max: Some(max) }, default, Shape::Calibration { pairs }, doc)
}

/// Potential targets are CADC reads (0..255) or voltages, converted through the readout model.
pub const POTENTIALS: &[&str] = &["leak", "reset", "threshold", "e_coba_reversal", "e_coba_reference"];

pub static NEURON_TARGET: Schema = Schema {
    kind: "neuron_target",
    doc: "calibration targets of calix's NeuronCalibTarget, per neuron of a BrainScaleS-2 chip",
    fields: &[
        potential("leak", 80.0, "resting potential, CADC read (or a voltage)"),
        potential("reset", 70.0, "reset potential, CADC read (or a voltage)"),
        potential("threshold", 125.0, "spike threshold, CADC read (or a voltage)"),
        time("tau_mem", Default::Num(10.0 * US), 0.1 * US, 2000.0 * US, false, "membrane time constant"),
        time(
            "tau_syn",
            Default::Num(10.0 * US),
            0.1 * US,
            100.0 * US,
            true,
            "synaptic time constant: one, (exc, inh), per neuron, or (2, neurons)",
        ),
        code(
            "i_synin_gm",
            Default::Int(500),
            1022,
            true,
            "synaptic input strength (OTA bias code): scalar = matched, (2,) = per input, per neuron = uncalibrated",
        ),
        target(
            "e_coba_reversal",
            FieldType::Quantity { dim: Dim::NONE, min: ANY, max: ANY },
            Default::Absent,
            Shape::Calibration { pairs: true },
            "COBA reversal potentials (exc, inh), CADC; absent = current-based everywhere",
        ),
        target(
            "e_coba_reference",
            FieldType::Quantity { dim: Dim::NONE, min: Bound::Inclusive(60.0), max: Bound::Inclusive(165.0) },
            Default::Absent,
            Shape::Calibration { pairs: true },
            "COBA reference potentials (exc, inh), CADC; absent = mean of leak and threshold",
        ),
        code("membrane_capacitance", Default::Int(63), 63, false, "membrane capacitor code"),
        time("refractory_time", Default::Num(2.0 * US), 0.0, 66.8e-3, false, "refractory time including holdoff"),
        time(
            "holdoff_time",
            Default::Num(0.0),
            0.0,
            66.8e-3,
            false,
            "tail of the refractory time with the reset released",
        ),
        FieldSpec {
            name: "synapse_dac_bias",
            ty: FieldType::Int { min: Some(0), max: Some(1022) },
            default: Default::Int(600),
            shape: Shape::Scalar,
            doc: "synapse DAC bias code, one value for the chip (calibrated per quadrant, never above this request)",
        },
        time(
            "tau_icc",
            Default::Absent,
            0.1 * US,
            2000.0 * US,
            false,
            "inter-compartment time constant (multicompartment only)",
        ),
    ],
};

/// calix's feasible ranges: outside them calibration still runs but poorly (a warning).
pub const FEASIBLE: &[(&str, f64, f64)] = &[
    ("leak", 50.0, 160.0),
    ("reset", 50.0, 160.0),
    ("threshold", 50.0, 220.0),
    ("tau_mem", 0.5 * US, 60.0 * US),
    ("tau_syn", 0.3 * US, 30.0 * US),
    ("i_synin_gm", 30.0, 800.0),
    ("e_coba_reference", 60.0, 160.0),
    ("refractory_time", 0.04 * US, 32.0 * US),
    ("holdoff_time", 0.0, 4.0 * US),
    ("synapse_dac_bias", 30.0, 1022.0),
    ("tau_icc", 0.1 * US, 30.0 * US),
];

/// Options of the `calibrate` step.
pub static CALIBRATE_OPTIONS: Schema = Schema {
    kind: "calibrate options",
    doc: "options of the calibrate step",
    fields: &[
        FieldSpec {
            name: "leak_over_threshold_rate",
            ty: FieldType::Quantity { dim: Dim::FREQUENCY, min: NONNEG, max: ANY },
            default: Default::Absent,
            shape: Shape::Calibration { pairs: false },
            doc: "after calibration, set the leak above threshold so neurons fire at this rate (0 leaves a neuron untouched)",
        },
        flag("refine_potentials", false, "re-measure and correct leak, reset and threshold after all other steps"),
        int("seed", Default::Int(0), Some(0), None, "seed of the noisy searches and readout noise of this calibration"),
    ],
};

pub static DEVICE: Schema = Schema {
    kind: "bss2",
    doc: "BrainScaleS-2 (HICANN-X v3): a behavioural plant of mismatched analog neurons",
    fields: &[
        int("seed", Default::Int(0), Some(0), None, "chip seed: different seeds are different chips"),
        int("neurons", Default::Int(512), Some(1), Some(512), "neurons on the chip"),
        quantity_default("vlsb", Dim::VOLTAGE, 1.173 * MV, POSITIVE, ANY, "voltage step of one CapMem code"),
        flag("crosstalk", false, "model CapMem crosstalk (same-code and block coupling)"),
        quantity_default("k_same", Dim::VOLTAGE, 4.0 * MV, NONNEG, ANY, "same-code crosstalk strength"),
        quantity_default("k_block", Dim::VOLTAGE, 30.0 * MV, NONNEG, ANY, "block crosstalk strength"),
        quantity_default("readout_noise", Dim::NONE, 0.8, NONNEG, ANY, "CADC read noise, LSB"),
        quantity_default(
            "channel_offset",
            Dim::NONE,
            1.0,
            NONNEG,
            ANY,
            "residual CADC channel offsets after CADC calibration, LSB",
        ),
        quantity_default("speedup", Dim::NONE, 1000.0, POSITIVE, ANY, "hardware time is this much faster than biology"),
        quantity_default(
            "mismatch_offset",
            Dim::VOLTAGE,
            15.0 * MV,
            NONNEG,
            ANY,
            "per-neuron offset of leak, reset and threshold potentials (sd)",
        ),
        quantity_default(
            "mismatch_gain",
            Dim::NONE,
            0.02,
            NONNEG,
            Bound::Inclusive(0.5),
            "per-neuron gain of the potential references (sd)",
        ),
        quantity_default(
            "mismatch_conductance",
            Dim::NONE,
            0.15,
            NONNEG,
            Bound::Inclusive(2.0),
            "log-normal spread of leak conductances and synaptic OTA currents",
        ),
        quantity_default(
            "mismatch_tau_syn",
            Dim::NONE,
            0.2,
            NONNEG,
            Bound::Inclusive(2.0),
            "log-normal spread of the synaptic time constants",
        ),
        quantity_default(
            "mismatch_dac",
            Dim::NONE,
            0.05,
            NONNEG,
            Bound::Inclusive(0.5),
            "spread of the synapse DAC between quadrants (sd)",
        ),
        quantity_default("synin_offset", Dim::VOLTAGE, 5.0 * MV, NONNEG, ANY, "synaptic OTA input offsets (sd)"),
        quantity_default(
            "fit_noise",
            Dim::NONE,
            0.01,
            NONNEG,
            Bound::Inclusive(0.5),
            "relative noise of MADC exponential fits",
        ),
        quantity_default("membrane_noise", Dim::CURRENT, 20e-12, NONNEG, ANY, "membrane current noise"),
    ],
};
