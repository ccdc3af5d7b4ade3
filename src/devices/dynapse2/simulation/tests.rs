//! Hand-checked numbers of reference §10 and the run loop's conventions.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use ndarray::{array, Array2};

use super::neuron::NeuronConst;
use super::*;

fn run(
    params: &DynapSimParams,
    w_rec: Option<&SparseWeights>,
    stimulus: Stimulus<'_>,
    precision: Precision,
) -> SimOutput {
    let n = params.n_neurons();
    let record = [Observable::Isyn, Observable::Iahp, Observable::Imem, Observable::Vmem, Observable::Spikes]
        .into_iter()
        .map(|observable| RecordRequest { observable, neurons: 0..n })
        .collect();
    let options = RunOptions { precision, record, initial: None };
    simulate(params, w_rec, &stimulus, &options, &mut |_| {}).unwrap()
}

fn values(out: &SimOutput, observable: Observable) -> &Array2<f64> {
    let trace = out.traces.iter().find(|t| t.request.observable == observable).unwrap();
    match &trace.trace {
        Trace::Values(v) => v,
        Trace::Counts(_) => panic!("not a value trace"),
    }
}

fn spike_rows(out: &SimOutput, neuron: u32) -> Vec<u32> {
    out.spike_events.iter().filter(|e| e.neuron == neuron).map(|e| e.step).collect()
}

fn assert_rel(got: f64, want: f64, rel: f64) {
    assert!(((got - want) / want).abs() < rel, "got {got:e}, want {want:e}");
}

#[test]
fn dc_1na_first_three_updates() {
    // §10.2, float64, Idc = 1 nA
    let mut p = DynapSimParams::defaults(1);
    p.idc[0] = 1e-9;
    let out = run(&p, None, Stimulus::Silent { steps: 60 }, Precision::F64);
    let (isyn, imem, vmem) =
        (values(&out, Observable::Isyn), values(&out, Observable::Imem), values(&out, Observable::Vmem));
    for (k, (s, m, v)) in [
        (4.529185e-13, 5.469213e-12, 0.084833),
        (4.103173e-13, 4.971115e-11, 0.163098),
        (3.717702e-13, 2.006874e-10, 0.212585),
    ]
    .into_iter()
    .enumerate()
    {
        assert_rel(isyn[[k, 0]], s, 1e-6);
        assert_rel(imem[[k, 0]], m, 1e-6);
        assert_rel(vmem[[k, 0]], v, 1e-5);
    }
    for (k, m) in [
        (3, 3.966702e-10),
        (4, 6.089222e-10),
        (5, 8.367402e-10),
        (9, 1.992010e-9),
        (20, 1.573456e-8),
        (25, 8.032558e-8),
    ] {
        assert_rel(imem[[k, 0]], m, 1e-6);
    }
    // update 27 (row 26) crosses threshold: vmem pre-reset, imem reset to Io, then one
    // refractory step in which imem still rises through the stale-vmem feedback
    assert_rel(vmem[[26, 0]], 0.441974, 1e-5);
    assert_eq!(imem[[26, 0]], 5e-13);
    assert_rel(imem[[27, 0]], 8.792658e-13, 1e-6);
    assert_eq!(spike_rows(&out, 0), vec![26, 54]);
    assert_eq!(values(&out, Observable::Iahp)[[10, 0]], 5e-13);
}

#[test]
fn recurrent_pair_arrives_one_step_later() {
    // §10.5: n0 driven by 1 nA, w_rec[0][1] = 5
    let mut p = DynapSimParams::defaults(2);
    p.idc[0] = 1e-9;
    let w = SparseWeights::from_dense("w_rec", array![[0.0, 5.0], [0.0, 0.0]].view()).unwrap();
    let out = run(&p, Some(&w), Stimulus::Silent { steps: 80 }, Precision::F64);
    let isyn = values(&out, Observable::Isyn);
    for (k, want) in [(26, 3.850136e-14), (27, 4.997536e-9), (28, 4.521958e-9), (29, 4.091637e-9)] {
        assert_rel(isyn[[k, 1]], want, 1e-5);
    }
    assert_eq!(spike_rows(&out, 0), vec![26, 54]);
    assert_eq!(spike_rows(&out, 1), vec![43, 68]);
    // float32 gives the same steps here
    let out32 = run(&p, Some(&w), Stimulus::Silent { steps: 80 }, Precision::F32);
    assert_eq!(out32.spike_events, out.spike_events);
}

#[test]
fn refractory_period_in_float32_is_just_under_one_step() {
    // DESIGN.md §2: with float32-rounded parameters, t_ref = 0.99999993 ms < dt (f32)
    let p = DynapSimParams::defaults(1);
    let c32 = NeuronConst::<f32>::new(&p, 0);
    assert!(c32.t_ref() < 1e-3_f32);
    assert!((f64::from(c32.t_ref()) - 0.99999993e-3).abs() < 1e-11);
    // the same float32 parameters evaluated in float64 give just above 1 ms
    let mut p32 = p.clone();
    for info in PARAMETERS {
        for x in p32.values_mut(info.param) {
            *x = f64::from(*x as f32);
        }
    }
    let c64 = NeuronConst::<f64>::new(&p32, 0);
    assert!(c64.t_ref() > 1e-3);
}

#[test]
fn multi_spike_counts_and_u8_records() {
    // §10.3: 1 uA fires every 3 steps; 10 ms steps with 5 nA give counts of 2
    let mut p = DynapSimParams::defaults(1);
    p.idc[0] = 1e-6;
    let out = run(&p, None, Stimulus::Silent { steps: 30 }, Precision::F32);
    assert_eq!(spike_rows(&out, 0), vec![1, 4, 7, 10, 13, 16, 19, 22, 25, 28]);
    let mut p = DynapSimParams::defaults(1);
    p.idc[0] = 5e-9;
    p.dt = 10e-3;
    let out = run(&p, None, Stimulus::Silent { steps: 200 }, Precision::F32);
    assert_eq!(out.max_spikes_in_one_step, 2);
    let counts = out.traces.iter().find_map(|t| match &t.trace {
        Trace::Counts(c) => Some(c.clone()),
        Trace::Values(_) => None,
    });
    let counts = counts.unwrap();
    let total: u64 = counts.iter().map(|&c| u64::from(c)).sum();
    assert_eq!(total, out.spike_counts[0]);
    assert!(!out.spikes_saturated);
}

#[test]
fn negative_drive_is_ignored() {
    // §10.4: weighted input -5 every step is bit-identical to no input
    let mut p = DynapSimParams::defaults(1);
    p.idc[0] = 1e-9;
    let drive = Array2::from_elem((60, 1), -5.0);
    let a = run(&p, None, Stimulus::Drive(drive.view()), Precision::F32);
    let b = run(&p, None, Stimulus::Silent { steps: 60 }, Precision::F32);
    assert_eq!(a, b);
}

#[test]
fn counts_and_drive_entry_points_agree() {
    let p = DynapSimParams::defaults(3);
    let w_in = array![[1.0, 0.0, 2.5], [0.5, 3.0, 0.0]];
    let counts: Array2<u32> = array![[1, 0], [0, 0], [2, 1], [0, 0], [0, 1]];
    let drive = counts.mapv(f64::from).dot(&w_in);
    let sparse = SparseWeights::from_dense("w_in", w_in.view()).unwrap();
    let u8_counts = counts.mapv(|c| c as u8);
    let a = run(&p, None, Stimulus::Counts { counts: CountsView::U32(counts.view()), w_in: &sparse }, Precision::F32);
    let b = run(&p, None, Stimulus::Counts { counts: CountsView::U8(u8_counts.view()), w_in: &sparse }, Precision::F32);
    let c = run(&p, None, Stimulus::Drive(drive.view()), Precision::F32);
    assert_eq!(a, b);
    assert_eq!(a, c);
}

#[test]
fn non_finite_state_names_neuron_state_and_step() {
    let p = DynapSimParams::defaults(3);
    let mut drive = Array2::zeros((5, 3));
    drive[[3, 2]] = f64::NAN;
    let err = simulate(&p, None, &Stimulus::Drive(drive.view()), &RunOptions::default(), &mut |_| {}).unwrap_err();
    assert!(matches!(err, SimError::NonFiniteState { step: 3, neuron: 2, state: "isyn", .. }), "{err:?}");
}

#[test]
fn shapes_and_progress() {
    let p = DynapSimParams::defaults(3);
    let wrong = SparseWeights::empty(2, 3);
    let err = simulate(&p, Some(&wrong), &Stimulus::Silent { steps: 3 }, &RunOptions::default(), &mut |_| {});
    assert!(matches!(err, Err(SimError::ShapeMismatch { what: "w_rec", .. })));
    let options = RunOptions {
        record: vec![RecordRequest { observable: Observable::Imem, neurons: 2..4 }],
        ..RunOptions::default()
    };
    let err = simulate(&p, None, &Stimulus::Silent { steps: 3 }, &options, &mut |_| {});
    assert!(matches!(err, Err(SimError::RangeOutOfBounds { .. })));
    let mut calls = Vec::new();
    let out =
        simulate(&p, None, &Stimulus::Silent { steps: 250 }, &RunOptions::default(), &mut |k| calls.push(k)).unwrap();
    assert_eq!(calls.len(), 125);
    assert_eq!(calls.last(), Some(&250));
    assert_eq!(out.final_state.imem, vec![f64::from(5e-13_f32); 3]);
}

#[test]
fn recorded_population_slice_matches_full_record() {
    let mut p = DynapSimParams::defaults(4);
    p.assign("Idc", 1..3, ParamValue::PerNeuron(&[1e-9, 2e-9])).unwrap();
    let full = run(&p, None, Stimulus::Silent { steps: 50 }, Precision::F32);
    let options = RunOptions {
        record: vec![RecordRequest { observable: Observable::Vmem, neurons: 1..3 }],
        ..RunOptions::default()
    };
    let part = simulate(&p, None, &Stimulus::Silent { steps: 50 }, &options, &mut |_| {}).unwrap();
    let Trace::Values(v) = &part.traces[0].trace else { panic!() };
    assert_eq!(v, &values(&full, Observable::Vmem).slice(ndarray::s![.., 1..3]));
}
