//! One DynapSim neuron: the quantities precomputed once per run (reference §4.3) and one
//! forward-Euler step (§4.4), in Rockpool's exact order and grouping of operations, so that
//! in `f32` every rounding matches float32 Rockpool (up to XLA's exp/log, within 1 ulp).

use super::params::DynapSimParams;
use super::real::{clip_lo, Real};

/// Per-neuron constants of a run, computed once in the run's precision from the parameters
/// cast to that precision (Rockpool stores every parameter as float32).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct NeuronConst<T> {
    io: T,
    idc: T,
    ispkthr: T,
    iscale: T,
    dt: T,
    /// `Igain_syn' / Itau_syn'` (both clipped at Io).
    gain_syn: T,
    /// `exp(-dt/tau_syn)`, `1 - exp(-t_pulse/tau_syn)`.
    discharge_syn: T,
    charge_syn: T,
    iw_ahp: T,
    /// `Igain_ahp' / Itau_ahp'`.
    gain_ahp: T,
    discharge_ahp: T,
    charge_ahp: T,
    itau_mem: T,
    igain_mem: T,
    /// `Igain_mem' / Itau_mem'`.
    gain_mem: T,
    /// `kappa² / (kappa + 1)`.
    kappa_prime: T,
    ut: T,
    /// `Ut / kappa`.
    ut_over_kappa: T,
    /// `(Ut / kappa) · C_mem`: the membrane time constant times the leak current.
    ut_kappa_cmem: T,
    /// `Vth · C_ref / Iref`.
    t_ref: T,
}

/// The state of one neuron between steps (Rockpool's `iahp, imem, isyn, spikes, timer_ref,
/// vmem`). `vmem` is the pre-reset value of the last step; `spikes` the last step's count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct NeuronState<T> {
    pub isyn: T,
    pub iahp: T,
    pub imem: T,
    pub vmem: T,
    pub timer: T,
    pub spikes: T,
}

impl<T: Real> NeuronConst<T> {
    /// The constants of neuron `j` (parameters validated: every vector has an entry `j`).
    pub fn new(p: &DynapSimParams, j: usize) -> Self {
        let v = |xs: &[f64]| T::from_f64(xs.get(j).copied().unwrap_or(f64::NAN));
        let (io, dt, vth) = (v(&p.io), T::from_f64(p.dt), v(&p.vth));
        let two = T::ONE + T::ONE;
        let kappa = (v(&p.kappa_n) + v(&p.kappa_p)) / two;
        let ut = v(&p.ut);
        let ut_over_kappa = ut / kappa;
        let tau = |itau: T, c: T| (ut_over_kappa * c) / itau;
        let pulse_width = |i: T, c: T| (vth * c) / i;

        let itau_syn = clip_lo(v(&p.itau_syn), io);
        let igain_syn = clip_lo(v(&p.igain_syn), io);
        let tau_syn = tau(itau_syn, v(&p.c_syn));
        let t_pulse = pulse_width(v(&p.ipulse), v(&p.c_pulse));

        let itau_ahp = clip_lo(v(&p.itau_ahp), io);
        let igain_ahp = clip_lo(v(&p.igain_ahp), io);
        let tau_ahp = tau(itau_ahp, v(&p.c_ahp));
        let t_pulse_ahp = pulse_width(v(&p.ipulse_ahp), v(&p.c_pulse_ahp));

        let itau_mem = clip_lo(v(&p.itau_mem), io);
        let igain_mem = clip_lo(v(&p.igain_mem), io);
        NeuronConst {
            io,
            idc: v(&p.idc),
            ispkthr: v(&p.ispkthr),
            iscale: T::from_f64(p.iscale),
            dt,
            gain_syn: igain_syn / itau_syn,
            discharge_syn: (-dt / tau_syn).exp(),
            charge_syn: T::ONE - (-t_pulse / tau_syn).exp(),
            iw_ahp: v(&p.iw_ahp),
            gain_ahp: igain_ahp / itau_ahp,
            discharge_ahp: (-dt / tau_ahp).exp(),
            charge_ahp: T::ONE - (-t_pulse_ahp / tau_ahp).exp(),
            itau_mem,
            igain_mem,
            gain_mem: igain_mem / itau_mem,
            kappa_prime: (kappa * kappa) / (kappa + T::ONE),
            ut,
            ut_over_kappa,
            ut_kappa_cmem: ut_over_kappa * v(&p.c_mem),
            t_ref: pulse_width(v(&p.iref), v(&p.c_ref)),
        }
    }

    /// The refractory period `t_ref` in the run's precision.
    #[cfg(test)]
    pub fn t_ref(&self) -> T {
        self.t_ref
    }
}

/// Advances one neuron by one step. `rec` is `sum_i W_rec[i][j]·spikes_i` (previous step's
/// counts), `inp` the weighted input of this step, both in units of Iscale.
/// Returns the name of the first state that is not finite afterwards, if any.
#[inline]
pub(crate) fn step<T: Real>(s: &mut NeuronState<T>, c: &NeuronConst<T>, rec: T, inp: T) -> Option<&'static str> {
    // 1. synapse: discharge, then charge by the whole (undersampled) pulse
    let iws = (rec + inp) * c.iscale;
    let isyn_inf = clip_lo(c.gain_syn * iws, c.io);
    let isyn = c.discharge_syn * s.isyn;
    s.isyn = isyn + c.charge_syn * isyn_inf;

    // 2. AHP, driven by the previous step's spike count
    let iahp_inf = c.gain_ahp * (c.iw_ahp * s.spikes);
    let iahp = c.discharge_ahp * s.iahp;
    s.iahp = clip_lo(iahp + c.charge_ahp * iahp_inf, c.io);

    // 3. membrane; the feedback uses the stored (pre-reset) vmem of the previous step
    let feedback = (c.kappa_prime * (s.vmem / c.ut)).exp();
    let ileak = c.itau_mem + s.iahp;
    let mut iin = s.isyn - ileak + c.idc;
    if s.timer != T::ZERO {
        iin = iin * T::ZERO;
    }
    let iin = clip_lo(iin, c.io);
    let imem_inf = c.gain_mem * (iin - ileak);
    let ifb = c.io * feedback;
    let f_imem = (ifb / ileak) * (s.imem + c.igain_mem);
    let tau_mem = c.ut_kappa_cmem / ileak;
    let bracket = imem_inf + f_imem - s.imem * (T::ONE + s.iahp / c.itau_mem);
    let d_imem = (s.imem / (tau_mem * (s.imem + c.igain_mem))) * bracket;
    let imem = clip_lo(s.imem + d_imem * c.dt, c.io);
    s.vmem = c.ut_over_kappa * (imem / c.io).ln();

    // 4. spike count ceil(ln(imem/Ispkthr)) clipped at 0; ln is only needed above threshold
    let ratio = imem / c.ispkthr;
    let spikes = if ratio > T::ONE { clip_lo(ratio.ln().ceil(), T::ZERO) } else { T::ZERO };
    let b = if spikes > T::ONE { T::ONE } else { spikes };
    s.imem = (T::ONE - b) * imem + b * c.io;
    let timer = clip_lo(s.timer - c.dt, T::ZERO);
    s.timer = (T::ONE - b) * timer + b * c.t_ref;
    s.spikes = spikes;

    first_non_finite(s)
}

fn first_non_finite<T: Real>(s: &NeuronState<T>) -> Option<&'static str> {
    [("isyn", s.isyn), ("iahp", s.iahp), ("imem", s.imem), ("vmem", s.vmem)]
        .into_iter()
        .find(|(_, x)| !x.is_finite())
        .map(|(name, _)| name)
}
