//! What is written to the chip: per-neuron CapMem codes and switches, per-quadrant DAC biases.

/// Leak (and tau_icc) conductance switches: /8 division, x8 multiplication (x4, /4 for icc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    Normal,
    Division,
    Multiplication,
}

/// One neuron's configuration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NeuronConfig {
    /// CapMem codes, indexed by [`Row`].
    pub codes: [u16; Row::COUNT],
    pub leak_scale: Scale,
    pub icc_scale: Scale,
    /// Synaptic input high-resistance mode, exc and inh.
    pub high_resistance: [bool; 2],
    /// Synaptic inputs connected to the membrane, exc and inh.
    pub synin_enable: [bool; 2],
    /// Conductance-based modulation of each input.
    pub coba_enable: [bool; 2],
    pub offset_enable: bool,
    pub threshold_enable: bool,
    /// Membrane capacitor code (0..63).
    pub capacitance: u8,
    /// Realised refractory time (s) and holdoff (s), from the counter settings.
    pub refractory: f64,
    pub holdoff: f64,
}

/// A CapMem row of the neuron array: one cell per neuron.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Row {
    VLeak = 0,
    VReset = 1,
    VThreshold = 2,
    IBiasLeak = 3,
    IBiasReset = 4,
    IBiasTauExc = 5,
    IBiasTauInh = 6,
    IBiasGmExc = 7,
    IBiasGmInh = 8,
    IShiftExc = 9,
    IShiftInh = 10,
    IOffset = 11,
    IBiasNmda = 12,
    IBiasCobaExc = 13,
    IBiasCobaInh = 14,
    VRevCobaExc = 15,
    VRevCobaInh = 16,
}

impl Row {
    pub const COUNT: usize = 17;
    pub const ALL: [Row; Row::COUNT] = [
        Row::VLeak,
        Row::VReset,
        Row::VThreshold,
        Row::IBiasLeak,
        Row::IBiasReset,
        Row::IBiasTauExc,
        Row::IBiasTauInh,
        Row::IBiasGmExc,
        Row::IBiasGmInh,
        Row::IShiftExc,
        Row::IShiftInh,
        Row::IOffset,
        Row::IBiasNmda,
        Row::IBiasCobaExc,
        Row::IBiasCobaInh,
        Row::VRevCobaExc,
        Row::VRevCobaInh,
    ];

    /// calix's names of the CapMem parameters (NeuronCalibResult), used in outputs.
    pub fn name(self) -> &'static str {
        match self {
            Row::VLeak => "v_leak",
            Row::VReset => "v_reset",
            Row::VThreshold => "v_threshold",
            Row::IBiasLeak => "i_bias_leak",
            Row::IBiasReset => "i_bias_reset",
            Row::IBiasTauExc => "i_bias_synin_exc_tau",
            Row::IBiasTauInh => "i_bias_synin_inh_tau",
            Row::IBiasGmExc => "i_bias_synin_exc_gm",
            Row::IBiasGmInh => "i_bias_synin_inh_gm",
            Row::IShiftExc => "i_bias_synin_exc_shift",
            Row::IShiftInh => "i_bias_synin_inh_shift",
            Row::IOffset => "i_mem_offset",
            Row::IBiasNmda => "i_bias_nmda",
            Row::IBiasCobaExc => "i_bias_synin_exc_coba",
            Row::IBiasCobaInh => "i_bias_synin_inh_coba",
            Row::VRevCobaExc => "e_synin_exc_rev",
            Row::VRevCobaInh => "e_synin_inh_rev",
        }
    }

    pub fn tau(input: usize) -> Row {
        if input == 0 {
            Row::IBiasTauExc
        } else {
            Row::IBiasTauInh
        }
    }

    pub fn gm(input: usize) -> Row {
        if input == 0 {
            Row::IBiasGmExc
        } else {
            Row::IBiasGmInh
        }
    }

    pub fn coba_bias(input: usize) -> Row {
        if input == 0 {
            Row::IBiasCobaExc
        } else {
            Row::IBiasCobaInh
        }
    }

    pub fn coba_reference(input: usize) -> Row {
        if input == 0 {
            Row::VRevCobaExc
        } else {
            Row::VRevCobaInh
        }
    }

    pub fn shift(input: usize) -> Row {
        if input == 0 {
            Row::IShiftExc
        } else {
            Row::IShiftInh
        }
    }

    /// The voltage rows (the ones same-code crosstalk shifts).
    pub fn voltage_index(self) -> Option<usize> {
        match self {
            Row::VLeak => Some(0),
            Row::VReset => Some(1),
            Row::VThreshold => Some(2),
            _ => None,
        }
    }
}

impl NeuronConfig {
    pub fn code(&self, row: Row) -> u16 {
        self.codes.get(row as usize).copied().unwrap_or(0)
    }

    pub fn set(&mut self, row: Row, code: u16) {
        if let Some(c) = self.codes.get_mut(row as usize) {
            *c = code.min(super::params::CODE_MAX);
        }
    }
}

impl Default for NeuronConfig {
    /// Power-on state: everything off, full capacitor, calix's default refractory clock.
    fn default() -> Self {
        NeuronConfig {
            codes: [0; Row::COUNT],
            leak_scale: Scale::Normal,
            icc_scale: Scale::Normal,
            high_resistance: [false; 2],
            synin_enable: [false; 2],
            coba_enable: [false; 2],
            offset_enable: false,
            threshold_enable: false,
            capacitance: 63,
            refractory: 2.24e-6,
            holdoff: 32e-9,
        }
    }
}
