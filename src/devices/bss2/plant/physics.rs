//! One neuron's analog nodes as functions of its configuration (calix.md §5.2–5.5): CapMem
//! cells, potentials, conductances, currents. Pure functions of plain data, so measurements can
//! evaluate neurons in parallel.

use super::config::{NeuronConfig, Row, Scale};
use super::mismatch::NeuronMismatch;
use super::params::*;

/// A neuron as the measurements see it.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    pub p: &'a PlantParams,
    pub m: &'a NeuronMismatch,
    pub c: &'a NeuronConfig,
    /// Crosstalk shift of the three voltage cells (V).
    pub x: [f64; 3],
    /// The quadrant's synapse DAC current, fraction of full scale.
    pub dac: f64,
}

fn icell_index(row: Row) -> usize {
    match row {
        Row::IBiasLeak => 0,
        Row::IBiasReset => 1,
        Row::IBiasTauExc => 2,
        Row::IBiasTauInh => 3,
        Row::IBiasGmExc => 4,
        Row::IBiasGmInh => 5,
        _ => 6,
    }
}

/// A current cell's output as a fraction of full scale (dead zone near code 0).
pub fn current_fraction(code: u16, dead: f64, gain: f64) -> f64 {
    (f64::from(code) - dead).max(0.0) / f64::from(CODE_MAX) * (1.0 + gain)
}

fn clip(v: f64) -> f64 {
    v.clamp(RAIL_LOW, RAIL_HIGH)
}

impl View<'_> {
    fn vcell(&self, row: Row) -> f64 {
        let i = row.voltage_index().unwrap_or(0);
        let (Some(cell), Some(x)) = (self.m.vcell.get(i), self.x.get(i)) else { return 0.0 };
        self.p.vlsb * f64::from(self.c.code(row)) * (1.0 + cell.gain) + cell.offset + x
    }

    /// A current cell's output, fraction of full scale.
    pub fn icell(&self, row: Row) -> f64 {
        let cell = self
            .m
            .icell
            .get(icell_index(row))
            .copied()
            .unwrap_or(super::mismatch::CurrentCell { dead: 0.0, gain: 0.0 });
        current_fraction(self.c.code(row), cell.dead, cell.gain)
    }

    /// Leak reference: the resting potential without input; the log term makes it depend on
    /// the leak bias, which is why calix re-calibrates the leak after tau_mem.
    pub fn e_leak(&self) -> f64 {
        let i_ref = (200.0 - 8.0) / f64::from(CODE_MAX);
        let i_leak = self.icell(Row::IBiasLeak).max(1e-3);
        clip(
            0.79 * (1.0 + self.m.gain[0]) * self.vcell(Row::VLeak) - 0.211
                + self.m.offset[0]
                + self.m.leak_log * (i_leak / i_ref).ln(),
        )
    }

    pub fn v_reset(&self) -> f64 {
        clip(0.88 * (1.0 + self.m.gain[1]) * self.vcell(Row::VReset) - 0.293 + self.m.offset[1])
    }

    pub fn v_threshold(&self) -> f64 {
        clip(0.99 * (1.0 + self.m.gain[2]) * self.vcell(Row::VThreshold) + 0.070 + self.m.offset[2])
    }

    pub fn capacitance(&self) -> f64 {
        C_INTRINSIC + C_SELECTABLE * f64::from(self.c.capacitance) / 63.0 * (1.0 + self.m.cap_gain)
    }

    pub fn g_leak(&self) -> f64 {
        let scale = match self.c.leak_scale {
            Scale::Normal => 1.0,
            Scale::Division => 1.0 / 8.0,
            Scale::Multiplication => 8.0,
        };
        G_LEAK * self.icell(Row::IBiasLeak) * scale * self.m.g_leak
    }

    /// Reset conductance (reset multiplication on), no faster than 0.5 us.
    pub fn g_reset(&self) -> f64 {
        (G_LEAK * self.icell(Row::IBiasReset) * 8.0 * self.m.g_leak).min(self.capacitance() / RESET_FASTEST)
    }

    pub fn i_offset(&self) -> f64 {
        if !self.c.offset_enable {
            return 0.0;
        }
        I_OFFSET_FS * f64::from(self.c.code(Row::IOffset)) / f64::from(CODE_MAX) * self.m.off_gain
    }

    /// Synaptic time constant of input `s` (0 exc, 1 inh).
    pub fn tau_syn(&self, s: usize) -> f64 {
        let fraction = self.icell(Row::tau(s)).max(1.0 / f64::from(CODE_MAX));
        let h = if self.c.high_resistance.get(s).copied().unwrap_or(false) { HIGH_RESISTANCE } else { 1.0 };
        TAU_SYN_0 / fraction * h * self.m.tau_syn.get(s).copied().unwrap_or(1.0)
    }

    /// OTA bias current of input `s` (A).
    pub fn i_gm(&self, s: usize) -> f64 {
        I_GM_FS * self.icell(Row::gm(s)) * self.m.gm.get(s).copied().unwrap_or(1.0)
    }

    /// COBA reference of input `s` (V): where the modulation leaves the amplitude unchanged.
    pub fn coba_reference(&self, s: usize) -> f64 {
        let (Some(cell), Some(offset)) = (self.m.coba_ref.get(s), self.m.coba_offset.get(s)) else { return 0.0 };
        self.p.vlsb * f64::from(self.c.code(Row::coba_reference(s))) * (1.0 + cell.gain) + cell.offset + offset
    }

    /// COBA slope of input `s` (1/V).
    pub fn coba_slope(&self, s: usize) -> f64 {
        let (Some(cell), Some(gain)) = (self.m.coba_cell.get(s), self.m.coba_gain.get(s)) else { return 0.0 };
        COBA_SLOPE_FS * current_fraction(self.c.code(Row::coba_bias(s)), cell.dead, cell.gain) * gain
    }

    /// Factor on the synaptic current of input `s` at membrane potential `v` (1 for CUBA):
    /// linear, zero at the reversal potential, clamped at 0.
    pub fn coba_factor(&self, s: usize, v: f64) -> f64 {
        if !self.c.coba_enable.get(s).copied().unwrap_or(false) {
            return 1.0;
        }
        let sign = if s == 0 { 1.0 } else { -1.0 };
        (1.0 - sign * self.coba_slope(s) * (v - self.coba_reference(s))).max(0.0)
    }

    /// Current the OTA of input `s` injects at rest (reference offset), signed (A).
    pub fn i_reference(&self, s: usize) -> f64 {
        if !self.c.synin_enable.get(s).copied().unwrap_or(false) {
            return 0.0;
        }
        let g_m = self.i_gm(s) / V_LIN;
        let shift = f64::from(self.c.code(Row::shift(s))) - SHIFT_ZERO;
        let i = g_m * (self.m.syn_offset.get(s).copied().unwrap_or(0.0) - SHIFT_PER_CODE * shift);
        if s == 0 {
            i
        } else {
            -i
        }
    }

    /// Constant current onto the membrane besides the leak (A).
    pub fn i_constant(&self) -> f64 {
        self.i_offset() + self.i_reference(0) + self.i_reference(1)
    }

    /// Where the free membrane settles (V); a membrane without leak runs to a rail.
    pub fn rest(&self) -> f64 {
        let (g, i) = (self.g_leak(), self.i_constant());
        if g <= 1e-15 {
            return if i > 0.0 {
                RAIL_HIGH
            } else if i < 0.0 {
                RAIL_LOW
            } else {
                self.e_leak()
            };
        }
        clip(self.e_leak() + i / g)
    }

    /// Membrane potential while clamped to reset.
    pub fn reset_clamp(&self) -> f64 {
        let (g_r, g_l) = (self.g_reset(), self.g_leak());
        if g_r + g_l <= 0.0 {
            return self.v_reset();
        }
        clip((g_r * self.v_reset() + g_l * self.rest()) / (g_r + g_l))
    }

    /// Membrane noise (V): a floor plus current noise over the leak.
    pub fn sigma_v(&self) -> f64 {
        let g = self.g_leak().max(1e-12);
        (V_NOISE_FLOOR.powi(2) + (self.p.membrane_noise / g).powi(2)).sqrt().min(0.05)
    }

    pub fn tau_mem(&self) -> f64 {
        let g = self.g_leak();
        if g <= 0.0 {
            f64::INFINITY
        } else {
            self.capacitance() / g
        }
    }

    /// Synaptic line deflection of one event on `rows` rows at `weight` (V).
    pub fn du_event(&self, rows: f64, weight: f64) -> f64 {
        DU_EVENT * self.dac * weight / 63.0 * rows
    }

    /// Inter-compartment time constant (multicompartment conductance), x4 or /4.
    pub fn tau_icc(&self) -> f64 {
        let scale = match self.c.icc_scale {
            Scale::Normal => 1.0,
            Scale::Division => 0.25,
            Scale::Multiplication => 4.0,
        };
        let g = G_LEAK * self.icell(Row::IBiasNmda) * scale * self.m.icc;
        if g <= 0.0 {
            f64::INFINITY
        } else {
            self.capacitance() / g
        }
    }

    /// Firing rate without input (Hz): the membrane relaxes from the reset clamp towards rest
    /// and fires at threshold (calix.md §5.8 `spike_count`). A threshold below the reset
    /// potential gives no spikes at all (the digital backend bug calix works around).
    pub fn rate(&self) -> f64 {
        if !self.c.threshold_enable {
            return 0.0;
        }
        let (v_t, start) = (self.v_threshold(), self.reset_clamp());
        if v_t <= self.v_reset() {
            return 0.0;
        }
        let rest = self.rest();
        if v_t >= rest || v_t >= RAIL_HIGH {
            return 0.0;
        }
        let rise = if start >= v_t {
            0.0
        } else if self.g_leak() <= 1e-15 {
            let i = self.i_constant();
            if i <= 0.0 {
                return 0.0;
            }
            (v_t - start) * self.capacitance() / i
        } else {
            self.tau_mem() * ((rest - start) / (rest - v_t)).ln()
        };
        1.0 / (self.c.refractory + rise)
    }
}
