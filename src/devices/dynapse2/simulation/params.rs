//! Per-neuron DynapSim parameters under Rockpool's names, with the simulator defaults of
//! reference §2.4: what the `simulate` pass builds from the device, population overrides,
//! high-level conversions (`convert`) and mismatch (`mismatch`) before a run.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::error::SimError;

/// Physical dimension of a parameter, for the front end's unit checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Dimension {
    /// Amperes.
    Current,
    /// Farads.
    Capacitance,
    /// Volts.
    Voltage,
    /// A pure number.
    Dimensionless,
}

/// One DynapSim per-neuron parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum Param {
    Idc,
    IfNmda,
    IgainAhp,
    IgainMem,
    IgainSyn,
    IpulseAhp,
    Ipulse,
    Iref,
    Ispkthr,
    ItauAhp,
    ItauMem,
    ItauSyn,
    IwAhp,
    CAhp,
    CSyn,
    CPulseAhp,
    CPulse,
    CRef,
    CMem,
    Io,
    KappaN,
    KappaP,
    Ut,
    Vth,
}

/// Name, dimension, default and meaning of one parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParamInfo {
    /// Which parameter.
    pub param: Param,
    /// Rockpool's name (`Itau_mem`).
    pub name: &'static str,
    /// Its dimension.
    pub dimension: Dimension,
    /// The DynapSim default (SI units).
    pub default: f64,
    /// One line for `dyn show` and help texts.
    pub description: &'static str,
}

const fn info(
    param: Param,
    name: &'static str,
    dimension: Dimension,
    default: f64,
    description: &'static str,
) -> ParamInfo {
    ParamInfo { param, name, dimension, default, description }
}

use Dimension::{Capacitance as Cap, Current as Cur, Dimensionless as Num, Voltage as Volt};

/// Every DynapSim per-neuron parameter in Rockpool's registry order, with the defaults of
/// reference §2.4 (`Igain_syn`/`Itau_syn`/`C_syn` are the AMPA values, as in `DynapSim`).
/// The currents are the §3 formulas evaluated in float64, as Rockpool evaluates them.
pub const PARAMETERS: &[ParamInfo] = &[
    info(Param::Idc, "Idc", Cur, 5e-13, "constant DC current injected into the membrane"),
    info(Param::IfNmda, "If_nmda", Cur, 5e-13, "NMDA gating current (unused by the dynamics)"),
    info(Param::IgainAhp, "Igain_ahp", Cur, 2.8368794326241126e-11, "AHP gain current"),
    info(Param::IgainMem, "Igain_mem", Cur, 2.1276595744680848e-11, "membrane gain current"),
    info(Param::IgainSyn, "Igain_syn", Cur, 8.687943262411346e-9, "synapse gain current"),
    info(Param::IpulseAhp, "Ipulse_ahp", Cur, 3.5e-7, "AHP pulse-width current"),
    info(Param::Ipulse, "Ipulse", Cur, 3.4999999999999996e-8, "synapse pulse-width current"),
    info(Param::Iref, "Iref", Cur, 1.0499999999999999e-9, "refractory-period current"),
    info(Param::Ispkthr, "Ispkthr", Cur, 1e-7, "spike threshold current"),
    info(Param::ItauAhp, "Itau_ahp", Cur, 2.8368794326241126e-11, "AHP leakage current"),
    info(Param::ItauMem, "Itau_mem", Cur, 5.319148936170212e-12, "membrane leakage current"),
    info(Param::ItauSyn, "Itau_syn", Cur, 8.687943262411346e-11, "synapse leakage current"),
    info(Param::IwAhp, "Iw_ahp", Cur, 5e-13, "AHP weight current"),
    info(Param::CAhp, "C_ahp", Cap, 40e-12, "AHP capacitance"),
    info(Param::CSyn, "C_syn", Cap, 24.5e-12, "synapse capacitance"),
    info(Param::CPulseAhp, "C_pulse_ahp", Cap, 0.5e-12, "AHP pulse-extender capacitance"),
    info(Param::CPulse, "C_pulse", Cap, 0.5e-12, "synapse pulse-extender capacitance"),
    info(Param::CRef, "C_ref", Cap, 1.5e-12, "refractory-circuit capacitance"),
    info(Param::CMem, "C_mem", Cap, 3e-12, "membrane capacitance"),
    info(Param::Io, "Io", Cur, 5e-13, "dark current: floor and reset value"),
    info(Param::KappaN, "kappa_n", Num, 0.75, "subthreshold slope factor, n-type"),
    info(Param::KappaP, "kappa_p", Num, 0.66, "subthreshold slope factor, p-type"),
    info(Param::Ut, "Ut", Volt, 25e-3, "thermal voltage"),
    info(Param::Vth, "Vth", Volt, 0.7, "cut-off gate-source voltage (pulse widths)"),
];

const _: () = assert!(PARAMETERS.len() == Param::Vth as usize + 1);

/// Default time step (s).
pub const DEFAULT_DT: f64 = 1e-3;
/// Default weight scale (A): a weight of 1.0 is `Iscale` amperes.
pub const DEFAULT_ISCALE: f64 = 1e-8;

impl Param {
    /// Every parameter, in registry order.
    pub fn all() -> impl Iterator<Item = Param> {
        PARAMETERS.iter().map(|p| p.param)
    }

    /// The table entry of this parameter.
    // The discriminant is the table index: the table lists the 24 variants in declaration
    // order (checked at compile time for the length, by a test for the order).
    #[allow(clippy::indexing_slicing)]
    pub fn info(self) -> &'static ParamInfo {
        &PARAMETERS[self as usize]
    }

    /// Rockpool's name.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// Looks a parameter up by Rockpool's name; an unknown name gets the nearest valid one.
    pub fn from_name(name: &str) -> Result<Param, SimError> {
        if let Some(p) = PARAMETERS.iter().find(|p| p.name == name) {
            return Ok(p.param);
        }
        let suggestion = PARAMETERS
            .iter()
            .map(|p| (strsim::jaro_winkler(&p.name.to_lowercase(), &name.to_lowercase()), p.name))
            .filter(|(score, _)| *score > 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, n)| n);
        Err(SimError::UnknownParameter { name: name.to_string(), suggestion })
    }
}

/// A value for a parameter over a range of neurons: one number for all, or one per neuron.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ParamValue<'a> {
    /// The same value for every neuron of the range.
    Scalar(f64),
    /// One value per neuron of the range (length = range length).
    PerNeuron(&'a [f64]),
}

/// The per-neuron parameter set of a DynapSim network (SI units), plus the scalars `dt` and
/// `Iscale`. Every vector has one entry per neuron. Serialises under Rockpool's names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DynapSimParams {
    #[serde(rename = "Idc")]
    pub idc: Vec<f64>,
    #[serde(rename = "If_nmda")]
    pub if_nmda: Vec<f64>,
    #[serde(rename = "Igain_ahp")]
    pub igain_ahp: Vec<f64>,
    #[serde(rename = "Igain_mem")]
    pub igain_mem: Vec<f64>,
    #[serde(rename = "Igain_syn")]
    pub igain_syn: Vec<f64>,
    #[serde(rename = "Ipulse_ahp")]
    pub ipulse_ahp: Vec<f64>,
    #[serde(rename = "Ipulse")]
    pub ipulse: Vec<f64>,
    #[serde(rename = "Iref")]
    pub iref: Vec<f64>,
    #[serde(rename = "Ispkthr")]
    pub ispkthr: Vec<f64>,
    #[serde(rename = "Itau_ahp")]
    pub itau_ahp: Vec<f64>,
    #[serde(rename = "Itau_mem")]
    pub itau_mem: Vec<f64>,
    #[serde(rename = "Itau_syn")]
    pub itau_syn: Vec<f64>,
    #[serde(rename = "Iw_ahp")]
    pub iw_ahp: Vec<f64>,
    #[serde(rename = "C_ahp")]
    pub c_ahp: Vec<f64>,
    #[serde(rename = "C_syn")]
    pub c_syn: Vec<f64>,
    #[serde(rename = "C_pulse_ahp")]
    pub c_pulse_ahp: Vec<f64>,
    #[serde(rename = "C_pulse")]
    pub c_pulse: Vec<f64>,
    #[serde(rename = "C_ref")]
    pub c_ref: Vec<f64>,
    #[serde(rename = "C_mem")]
    pub c_mem: Vec<f64>,
    #[serde(rename = "Io")]
    pub io: Vec<f64>,
    pub kappa_n: Vec<f64>,
    pub kappa_p: Vec<f64>,
    #[serde(rename = "Ut")]
    pub ut: Vec<f64>,
    #[serde(rename = "Vth")]
    pub vth: Vec<f64>,
    /// Forward-Euler time step (s).
    pub dt: f64,
    /// Weight scale (A): a weight of 1.0 injects `Iscale` amperes into the synapse.
    #[serde(rename = "Iscale")]
    pub iscale: f64,
}

impl DynapSimParams {
    /// `n` neurons at the DynapSim defaults, `dt` = 1 ms, `Iscale` = 10 nA.
    pub fn defaults(n: usize) -> Self {
        let d = |p: Param| vec![p.info().default; n];
        DynapSimParams {
            idc: d(Param::Idc),
            if_nmda: d(Param::IfNmda),
            igain_ahp: d(Param::IgainAhp),
            igain_mem: d(Param::IgainMem),
            igain_syn: d(Param::IgainSyn),
            ipulse_ahp: d(Param::IpulseAhp),
            ipulse: d(Param::Ipulse),
            iref: d(Param::Iref),
            ispkthr: d(Param::Ispkthr),
            itau_ahp: d(Param::ItauAhp),
            itau_mem: d(Param::ItauMem),
            itau_syn: d(Param::ItauSyn),
            iw_ahp: d(Param::IwAhp),
            c_ahp: d(Param::CAhp),
            c_syn: d(Param::CSyn),
            c_pulse_ahp: d(Param::CPulseAhp),
            c_pulse: d(Param::CPulse),
            c_ref: d(Param::CRef),
            c_mem: d(Param::CMem),
            io: d(Param::Io),
            kappa_n: d(Param::KappaN),
            kappa_p: d(Param::KappaP),
            ut: d(Param::Ut),
            vth: d(Param::Vth),
            dt: DEFAULT_DT,
            iscale: DEFAULT_ISCALE,
        }
    }

    /// Number of neurons.
    pub fn n_neurons(&self) -> usize {
        self.idc.len()
    }

    /// One parameter's per-neuron values.
    pub fn values(&self, param: Param) -> &[f64] {
        match param {
            Param::Idc => &self.idc,
            Param::IfNmda => &self.if_nmda,
            Param::IgainAhp => &self.igain_ahp,
            Param::IgainMem => &self.igain_mem,
            Param::IgainSyn => &self.igain_syn,
            Param::IpulseAhp => &self.ipulse_ahp,
            Param::Ipulse => &self.ipulse,
            Param::Iref => &self.iref,
            Param::Ispkthr => &self.ispkthr,
            Param::ItauAhp => &self.itau_ahp,
            Param::ItauMem => &self.itau_mem,
            Param::ItauSyn => &self.itau_syn,
            Param::IwAhp => &self.iw_ahp,
            Param::CAhp => &self.c_ahp,
            Param::CSyn => &self.c_syn,
            Param::CPulseAhp => &self.c_pulse_ahp,
            Param::CPulse => &self.c_pulse,
            Param::CRef => &self.c_ref,
            Param::CMem => &self.c_mem,
            Param::Io => &self.io,
            Param::KappaN => &self.kappa_n,
            Param::KappaP => &self.kappa_p,
            Param::Ut => &self.ut,
            Param::Vth => &self.vth,
        }
    }

    /// One parameter's per-neuron values, mutable (the length is fixed).
    pub fn values_mut(&mut self, param: Param) -> &mut [f64] {
        match param {
            Param::Idc => &mut self.idc,
            Param::IfNmda => &mut self.if_nmda,
            Param::IgainAhp => &mut self.igain_ahp,
            Param::IgainMem => &mut self.igain_mem,
            Param::IgainSyn => &mut self.igain_syn,
            Param::IpulseAhp => &mut self.ipulse_ahp,
            Param::Ipulse => &mut self.ipulse,
            Param::Iref => &mut self.iref,
            Param::Ispkthr => &mut self.ispkthr,
            Param::ItauAhp => &mut self.itau_ahp,
            Param::ItauMem => &mut self.itau_mem,
            Param::ItauSyn => &mut self.itau_syn,
            Param::IwAhp => &mut self.iw_ahp,
            Param::CAhp => &mut self.c_ahp,
            Param::CSyn => &mut self.c_syn,
            Param::CPulseAhp => &mut self.c_pulse_ahp,
            Param::CPulse => &mut self.c_pulse,
            Param::CRef => &mut self.c_ref,
            Param::CMem => &mut self.c_mem,
            Param::Io => &mut self.io,
            Param::KappaN => &mut self.kappa_n,
            Param::KappaP => &mut self.kappa_p,
            Param::Ut => &mut self.ut,
            Param::Vth => &mut self.vth,
        }
    }

    /// One parameter's per-neuron values, by Rockpool's name.
    pub fn get(&self, name: &str) -> Result<&[f64], SimError> {
        Ok(self.values(Param::from_name(name)?))
    }

    /// Replaces one parameter's whole vector, by name; the length must be `n_neurons`.
    pub fn set(&mut self, name: &str, values: &[f64]) -> Result<(), SimError> {
        let n = self.n_neurons();
        self.assign(name, 0..n, ParamValue::PerNeuron(values))
    }

    /// Sets one parameter on the neurons `range` (a population), by name, to a scalar or to
    /// one value per neuron of the range.
    pub fn assign(&mut self, name: &str, range: Range<usize>, value: ParamValue<'_>) -> Result<(), SimError> {
        let param = Param::from_name(name)?;
        self.assign_param(param, range, value)
    }

    /// As [`assign`](Self::assign), with the parameter already looked up.
    pub fn assign_param(&mut self, param: Param, range: Range<usize>, value: ParamValue<'_>) -> Result<(), SimError> {
        let n_neurons = self.n_neurons();
        let target = self.values_mut(param).get_mut(range.clone()).ok_or(SimError::RangeOutOfBounds {
            start: range.start,
            end: range.end,
            n_neurons,
        })?;
        match value {
            ParamValue::Scalar(x) => target.fill(x),
            ParamValue::PerNeuron(xs) if xs.len() == target.len() => target.copy_from_slice(xs),
            ParamValue::PerNeuron(xs) => {
                return Err(SimError::LengthMismatch {
                    name: param.name().to_string(),
                    expected: target.len(),
                    found: xs.len(),
                })
            }
        }
        Ok(())
    }

    /// Checks what the dynamics need: every vector has `n_neurons` finite entries, currents
    /// are >= 0, and `Io`, `Ispkthr`, capacitances, `kappa_n`, `kappa_p`, `Ut`, `Vth`, `dt`
    /// and `Iscale` are > 0. (Rockpool accepts `Iref = 0` or `Ipulse = 0`: an infinite
    /// refractory period or pulse; so do we.)
    pub fn validate(&self) -> Result<(), SimError> {
        let n = self.n_neurons();
        check_scalar("dt", self.dt)?;
        check_scalar("Iscale", self.iscale)?;
        for info in PARAMETERS {
            let values = self.values(info.param);
            if values.len() != n {
                return Err(SimError::LengthMismatch { name: info.name.to_string(), expected: n, found: values.len() });
            }
            let strictly_positive =
                !matches!(info.dimension, Dimension::Current) || matches!(info.param, Param::Io | Param::Ispkthr);
            for (neuron, &value) in values.iter().enumerate() {
                let requirement = if !value.is_finite() {
                    Some("finite")
                } else if strictly_positive && value <= 0.0 {
                    Some("positive")
                } else if value < 0.0 {
                    Some("non-negative")
                } else {
                    None
                };
                if let Some(requirement) = requirement {
                    let name = info.name.to_string();
                    return Err(SimError::InvalidValue { name, neuron, value, requirement });
                }
            }
        }
        Ok(())
    }
}

fn check_scalar(name: &'static str, value: f64) -> Result<(), SimError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(SimError::InvalidScalar { name, value, requirement: "finite and positive" })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn table_covers_every_variant_once() {
        assert_eq!(PARAMETERS.len(), 24);
        for (i, a) in PARAMETERS.iter().enumerate() {
            assert_eq!(a.param as usize, i);
            assert_eq!(a.param.info().name, a.name);
            for b in &PARAMETERS[i + 1..] {
                assert_ne!(a.param, b.param);
                assert_ne!(a.name, b.name);
            }
        }
    }

    #[test]
    fn defaults_follow_the_reference_formulas() {
        let kappa = (0.75 + 0.66) / 2.0;
        let itau = |c: f64, tau: f64| 0.025 / kappa * c / tau;
        let close = |a: f64, b: f64| ((a - b) / b).abs() < 1e-12;
        let p = DynapSimParams::defaults(3);
        assert!(close(p.itau_mem[2], itau(3e-12, 20e-3)));
        assert!(close(p.igain_mem[0], 4.0 * itau(3e-12, 20e-3)));
        assert!(close(p.itau_syn[0], itau(24.5e-12, 10e-3)));
        assert!(close(p.igain_syn[0], 100.0 * itau(24.5e-12, 10e-3)));
        assert!(close(p.itau_ahp[0], itau(40e-12, 50e-3)));
        assert!(close(p.ipulse[0], 0.7 * 0.5e-12 / 10e-6));
        assert!(close(p.ipulse_ahp[0], 0.7 * 0.5e-12 / 1e-6));
        assert!(close(p.iref[0], 0.7 * 1.5e-12 / 1e-3));
        assert_eq!((p.dt, p.iscale, p.n_neurons()), (1e-3, 1e-8, 3));
        p.validate().unwrap();
    }

    #[test]
    fn lookup_and_population_overrides() {
        let mut p = DynapSimParams::defaults(4);
        p.assign("Idc", 1..3, ParamValue::Scalar(1e-9)).unwrap();
        p.assign("Itau_mem", 2..4, ParamValue::PerNeuron(&[1e-12, 2e-12])).unwrap();
        assert_eq!(p.get("Idc").unwrap(), &[5e-13, 1e-9, 1e-9, 5e-13]);
        assert_eq!(p.get("Itau_mem").unwrap()[2..], [1e-12, 2e-12]);
        let err = p.assign("Itau_men", 0..1, ParamValue::Scalar(1.0)).unwrap_err();
        assert_eq!(err, SimError::UnknownParameter { name: "Itau_men".into(), suggestion: Some("Itau_mem") });
        assert!(matches!(p.assign("Idc", 3..5, ParamValue::Scalar(0.0)), Err(SimError::RangeOutOfBounds { .. })));
        assert!(matches!(p.set("Idc", &[1.0]), Err(SimError::LengthMismatch { expected: 4, found: 1, .. })));
    }

    #[test]
    fn validation_names_the_neuron() {
        let mut p = DynapSimParams::defaults(3);
        p.io[2] = 0.0;
        let err = p.validate().unwrap_err();
        assert!(matches!(err, SimError::InvalidValue { neuron: 2, requirement: "positive", .. }));
        let mut p = DynapSimParams::defaults(3);
        p.idc[1] = f64::NAN;
        assert!(matches!(p.validate(), Err(SimError::InvalidValue { neuron: 1, .. })));
        let mut p = DynapSimParams::defaults(3);
        p.dt = 0.0;
        assert!(matches!(p.validate(), Err(SimError::InvalidScalar { name: "dt", .. })));
    }

    #[test]
    fn serialises_under_rockpool_names() {
        let json = serde_json::to_value(DynapSimParams::defaults(1)).unwrap();
        for info in PARAMETERS {
            assert!(json.get(info.name).is_some(), "{}", info.name);
        }
        assert!(json.get("Iscale").is_some() && json.get("dt").is_some());
    }
}
