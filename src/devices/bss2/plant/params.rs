//! The plant's parameters: what the `bss2` device sets (stdlib/bss2.dyn), and the fixed physical
//! constants of calix.md §5 (starred there: our choices, tuned to calix's decision points).

/// Device settings, in SI units (fractions for relative spreads).
#[derive(Debug, Clone, PartialEq)]
pub struct PlantParams {
    /// Chip seed: the fixed-pattern mismatch. Different seeds are different chips.
    pub seed: u64,
    /// Seed of the read noise (one chip, many runs).
    pub noise_seed: u64,
    pub neurons: usize,
    /// Voltage of one CapMem code (V).
    pub vlsb: f64,
    pub crosstalk: bool,
    /// Same-code crosstalk (V), block crosstalk (V).
    pub k_same: f64,
    pub k_block: f64,
    /// CADC read noise (LSB) and residual channel offsets after CADC calibration (LSB).
    pub readout_noise: f64,
    pub channel_offset: f64,
    /// Hardware time runs this much faster than biological time.
    pub speedup: f64,
    /// Per-neuron potential offsets (V) and slope gains (fraction).
    pub sigma_offset: f64,
    pub sigma_gain: f64,
    /// Log-normal spread of conductances and OTA currents.
    pub sigma_conductance: f64,
    /// Log-normal spread of the synaptic time constants.
    pub sigma_tau_syn: f64,
    /// Synapse DAC spread per quadrant (fraction).
    pub sigma_dac: f64,
    /// Synaptic OTA input offsets (V).
    pub sigma_synin_offset: f64,
    /// Relative noise of MADC exponential fits.
    pub fit_noise: f64,
    /// Membrane current noise (A).
    pub membrane_noise: f64,
}

impl Default for PlantParams {
    fn default() -> Self {
        PlantParams {
            seed: 0,
            noise_seed: 0,
            neurons: NEURONS,
            vlsb: 1.173e-3,
            crosstalk: false,
            k_same: 4e-3,
            k_block: 30e-3,
            readout_noise: 0.8,
            channel_offset: 1.0,
            speedup: 1000.0,
            sigma_offset: 15e-3,
            sigma_gain: 0.02,
            sigma_conductance: 0.15,
            sigma_tau_syn: 0.2,
            sigma_dac: 0.05,
            sigma_synin_offset: 5e-3,
            fit_noise: 0.01,
            membrane_noise: 20e-12,
        }
    }
}

/// Neurons of a chip, per quadrant, and CapMem limits.
pub const NEURONS: usize = 512;
pub const PER_QUADRANT: usize = 128;
pub const CODE_MAX: u16 = 1022;

/// Node voltages are clipped to the rails (V).
pub const RAIL_LOW: f64 = 0.02;
pub const RAIL_HIGH: f64 = 1.15;
/// Leak conductance at full bias current (S); reset no faster than 0.5 us.
pub const G_LEAK: f64 = 2.35e-6;
pub const RESET_FASTEST: f64 = 0.5e-6;
/// Membrane capacitance: intrinsic part and the 6-bit selectable part at code 63 (F).
pub const C_INTRINSIC: f64 = 0.15e-12;
pub const C_SELECTABLE: f64 = 2.2e-12;
/// Offset current at code 1022 (A).
pub const I_OFFSET_FS: f64 = 50e-9;
/// Synaptic line deflection of one event through one row at weight 63 and full DAC bias (V).
pub const DU_EVENT: f64 = 5.4e-3;
/// Synaptic OTA: full-scale current (A), linear range (V), reference shift per code (V).
pub const I_GM_FS: f64 = 0.6e-6;
pub const V_LIN: f64 = 0.1;
pub const SHIFT_PER_CODE: f64 = 0.03e-3;
pub const SHIFT_ZERO: f64 = 310.0;
/// COBA modulation slope at full bias (1/V): the factor is 1 - slope (V - E_ref) for
/// excitation (zero at the reversal E_ref + 1/slope), mirrored for inhibition.
pub const COBA_SLOPE_FS: f64 = 40.0;

/// Synaptic time constant at full bias and the high-resistance factor.
pub const TAU_SYN_0: f64 = 0.25e-6;
pub const HIGH_RESISTANCE: f64 = 72.0;
/// MADC fit bounds of tau_mem and tau_syn (s).
pub const TAU_MEM_FIT: (f64, f64) = (0.1e-6, 2000e-6);
pub const TAU_SYN_FIT: (f64, f64) = (0.1e-6, 100e-6);
/// Membrane noise floor (V).
pub const V_NOISE_FLOOR: f64 = 0.3e-3;
/// Hardware time of one CapMem write (calix waits 20 ms).
pub const CAPMEM_SETTLE: f64 = 20e-3;

/// Quadrant of neuron `n`: 2 x hemisphere + right half (calix.md §4).
pub fn quadrant(n: usize) -> usize {
    let (hemisphere, column) = (n / 256, n % 256);
    (2 * hemisphere + usize::from(column >= 128)).min(3)
}
