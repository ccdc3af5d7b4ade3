use super::*;
use ndarray::Array2;
use rand::{Rng, SeedableRng};

fn random_problem(m: usize, n: usize, seed: u64) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let x: Vec<f32> = (0..m).map(|_| rng.gen_range(0.05f32..0.9)).collect();
    let (w_en, w_dec) = kaiming(m, n, seed, 1);
    (x, w_en, w_dec)
}

/// Unfused reference: float64 gradient, dense optimizer updates on float32 leaves.
fn reference_losses(
    x: &[f32],
    w_en: &[f32],
    w_dec: &[f32],
    n: usize,
    opt: &Optimizer,
    lr: &Schedule,
    steps: u64,
) -> Vec<f64> {
    let m = x.len();
    let x64: Vec<f64> = x.iter().map(|v| f64::from(*v)).collect();
    // code-major encoder for `evaluate`, (M, n) leaf for the optimizer as jax has it
    let mut en = Leaf::new(m, n, w_en.to_vec());
    let mut dec = Leaf::new(n, m, w_dec.to_vec());
    let mut losses = Vec::new();
    for i in 0..steps {
        let en_t: Vec<f64> =
            (0..n).flat_map(|k| (0..m).map(move |j| (k, j))).map(|(k, j)| f64::from(en.x[j * n + k])).collect();
        let dec64: Vec<f64> = dec.x.iter().map(|v| f64::from(*v)).collect();
        let e = evaluate(&x64, &en_t, &dec64, n);
        losses.push(e.loss);
        let g_en: Vec<f32> =
            (0..m).flat_map(|j| (0..n).map(move |k| (k, j))).map(|(k, j)| e.grad_en[k * m + j] as f32).collect();
        let g_dec: Vec<f32> = e.grad_dec.iter().map(|g| *g as f32).collect();
        opt.update(i, lr, &g_en, &mut en);
        opt.update(i, lr, &g_dec, &mut dec);
    }
    losses
}

fn all_optimizers() -> Vec<Optimizer> {
    OPTIMIZERS.iter().filter_map(|name| Optimizer::from_name(name, |p| (p == "mass").then_some(0.9))).collect()
}

#[test]
fn fused_passes_equal_the_reference_for_every_optimizer() {
    let (m, n) = (37, 4);
    let (x, w_en, w_dec) = random_problem(m, n, 11);
    let lr = Schedule::Constant(1e-3);
    for opt in all_optimizers() {
        let want = reference_losses(&x, &w_en, &w_dec, n, &opt, &lr, 30);
        let mut trainer = Trainer::new(&x, &w_en, &w_dec, n, &opt);
        for (i, w) in want.iter().enumerate() {
            let got = trainer.step(&opt, &lr, i as u64);
            assert!((got - w).abs() <= 1e-4 * w.abs().max(1e-3), "{opt:?} step {i}: {got} vs {w}");
        }
    }
}

#[test]
fn fused_passes_equal_the_reference_across_blocks() {
    // more than one block, with a padded last one
    let (m, n) = (BLOCK + 77, 3);
    let (x, w_en, w_dec) = random_problem(m, n, 5);
    let lr = Schedule::ExponentialDecay { step_size: 1e-3, decay_steps: 5.0, decay_rate: 0.5 };
    for opt in [Optimizer::adam(), Optimizer::Sm3 { momentum: 0.9 }] {
        let want = reference_losses(&x, &w_en, &w_dec, n, &opt, &lr, 8);
        let mut trainer = Trainer::new(&x, &w_en, &w_dec, n, &opt);
        for (i, w) in want.iter().enumerate() {
            let got = trainer.step(&opt, &lr, i as u64);
            assert!((got - w).abs() <= 1e-4 * w.abs().max(1e-3), "{opt:?} step {i}: {got} vs {w}");
        }
    }
}

fn matrix(rows: usize, cols: usize, seed: u64) -> Array2<f64> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    Array2::from_shape_fn((rows, cols), |_| if rng.gen_bool(0.2) { 0.0 } else { rng.gen_range(-3.0..3.0) })
}

#[test]
fn stopping_rule_runs_six_flat_chunks_after_the_first() {
    // a step size too small to move a float32 parameter (0 itself is refused as a setting): every
    // chunk has the same mean, so chunk 1 sets `best` and chunks 2..7 count;
    // the stop comes when count reaches 6, after 7 chunks.
    let w = matrix(6, 5, 1);
    let settings = Settings {
        num_epoch: 1_000,
        num_epoch_checkpoint: 10,
        optimizer: Optimizer::Sgd,
        step_size: Schedule::Constant(1e-30),
        ..Settings::default()
    };
    let q = quantize_cluster(w.view(), 1e-8, &settings, &Init::Seeded { seed: 1, stream: 0 }).unwrap();
    assert_eq!(q.epochs, 70);
    assert_eq!(q.loss_curve.len(), 70);
    // ceil(25 / 10) = 3 chunks of 10: 30 steps, more than num_epoch
    let settings = Settings { num_epoch: 25, step_size: Schedule::Constant(1e-3), ..settings };
    let q = quantize_cluster(w.view(), 1e-8, &settings, &Init::Seeded { seed: 1, stream: 0 }).unwrap();
    assert_eq!(q.epochs, 30);
    // record_loss = false still reports the last loss
    let settings = Settings { record_loss: false, ..settings };
    let q = quantize_cluster(w.view(), 1e-8, &settings, &Init::Seeded { seed: 1, stream: 0 }).unwrap();
    assert!(q.loss_curve.is_empty() && q.loss.is_some());
}

#[test]
fn fixed_epoch_runs_exactly_num_epoch_and_reports_the_last_recorded_loss() {
    let w = matrix(6, 5, 2);
    let settings = Settings { fixed_epoch: true, num_epoch: 123, ..Settings::default() };
    let q = quantize_cluster(w.view(), 1e-8, &settings, &Init::Seeded { seed: 4, stream: 0 }).unwrap();
    assert_eq!(q.epochs, 123);
    assert_eq!(q.loss_curve.len(), 123);
    assert_eq!(q.loss.map(|l| l as f32), q.loss_curve.last().copied());
}

#[test]
fn masks_signs_and_currents_are_consistent() {
    let w = matrix(8, 6, 3);
    let settings =
        Settings { fixed_epoch: true, num_epoch: 3_000, step_size: Schedule::Constant(1e-3), ..Settings::default() };
    let q = quantize_cluster(w.view(), 1e-8, &settings, &Init::Seeded { seed: 9, stream: 0 }).unwrap();
    for ((mask, sign), w) in q.masks.iter().zip(&q.signs).zip(&w) {
        assert!(*mask <= 15);
        if *w == 0.0 {
            assert_eq!((*mask, *sign), (0, 0));
        } else {
            assert_eq!(f64::from(*sign), w.signum());
        }
    }
    let scale = q.scale;
    for (iw, c) in q.iw.iter().zip(&q.code) {
        assert!((iw - c * 1e-8 / scale).abs() <= 1e-20);
    }
    // the deployed weights follow sign * sum of the selected currents
    let deployed = q.weights(1e-8);
    let err: f64 = deployed.iter().zip(&w).map(|(d, w)| (d - w).powi(2)).sum::<f64>() / w.len() as f64;
    assert!(err < 1.0, "reconstruction error {err}");
}

#[test]
fn empty_cluster_is_not_an_error() {
    let q = quantize_cluster(
        Array2::zeros((4, 3)).view(),
        1e-8,
        &Settings::default(),
        &Init::Seeded { seed: 0, stream: 0 },
    )
    .unwrap();
    assert_eq!(q.loss, None);
    assert_eq!(q.iw, [0.0; 4]);
    assert!(q.masks.iter().all(|m| *m == 0));
}

#[test]
fn fewer_bits_use_fewer_currents() {
    let w = matrix(5, 5, 4);
    let settings = Settings { n_bits: 2, fixed_epoch: true, num_epoch: 200, ..Settings::default() };
    let q = quantize_cluster(w.view(), 1e-8, &settings, &Init::Seeded { seed: 2, stream: 0 }).unwrap();
    assert!(q.masks.iter().all(|m| *m < 4));
    assert_eq!(&q.iw[2..], &[0.0, 0.0]);
}

#[test]
fn given_init_must_match() {
    let w = matrix(3, 3, 5);
    let init = Init::Given { w_en: vec![0.0; 3], w_dec: vec![0.0; 3] };
    let err = quantize_cluster(w.view(), 1e-8, &Settings::default(), &init).unwrap_err();
    assert!(matches!(err, QuantizeError::InitShape { .. }));
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let clusters: Vec<(Array2<f64>, Init)> =
        (0..3).map(|c| (matrix(40, 120, c), Init::Seeded { seed: 7, stream: c })).collect();
    // adam's encoder update is factored (one block pass per epoch); sm3's and rmsprop_momentum's
    // are dense (an encoder pass, then a decoder pass that needs its sums)
    let optimizers = [
        Optimizer::adam(),
        Optimizer::Sm3 { momentum: 0.9 },
        Optimizer::RmspropMomentum { gamma: 0.9, eps: 1e-8, momentum: 0.9 },
    ];
    for optimizer in optimizers {
        let settings = Settings {
            fixed_epoch: true,
            num_epoch: 40,
            step_size: Schedule::Constant(1e-3),
            optimizer,
            ..Settings::default()
        };
        assert_eq!(outcome_on_threads(&clusters, &settings, 1), outcome_on_threads(&clusters, &settings, 4));
    }
    // one cluster alone: the pool's other threads all help with its epochs
    let settings =
        Settings { fixed_epoch: true, num_epoch: 40, step_size: Schedule::Constant(1e-3), ..Settings::default() };
    let big = [(matrix(60, 200, 5), Init::Seeded { seed: 7, stream: 5 })];
    assert_eq!(outcome_on_threads(&big, &settings, 1), outcome_on_threads(&big, &settings, 3));
}

type Outcome = Vec<(Array2<u8>, Vec<u64>, Vec<f32>)>;

/// Every cluster's masks, codes (as bits) and loss curve, quantized on a pool of `threads`.
fn outcome_on_threads(clusters: &[(Array2<f64>, Init)], settings: &Settings, threads: usize) -> Outcome {
    {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| quantize_clusters(clusters, 1e-8, settings))
            .into_iter()
            .map(|q| {
                let q = q.unwrap();
                (q.masks, q.code.iter().map(|c| c.to_bits()).collect::<Vec<_>>(), q.loss_curve)
            })
            .collect::<Vec<_>>()
    }
}

#[test]
fn seeded_init_is_kaiming_uniform_and_reproducible() {
    let (en, dec) = kaiming(100, 4, 3, 0);
    assert_eq!((en.len(), dec.len()), (400, 400));
    let lim_en = (6.0f32 / 100.0).sqrt();
    let lim_dec = (6.0f32 / 4.0).sqrt();
    assert!(en.iter().all(|w| w.abs() <= lim_en) && dec.iter().all(|w| w.abs() <= lim_dec));
    assert_eq!(kaiming(100, 4, 3, 0), (en.clone(), dec));
    assert_ne!(kaiming(100, 4, 3, 1).0, en);
}

#[test]
fn vector_and_scalar_passes_agree_bit_for_bit() {
    // the dispatched passes (AVX2 + FMA where the CPU has them) against the plain scalar build:
    // the same operations in the same order, so the same bits (NaN included, compared as bits)
    for opt in all_optimizers() {
        // two blocks, the last one padded, spans with a remainder
        let (x, w_en, w_dec) = random_problem(BLOCK + 77, 4, 11);
        let lr = Schedule::Constant(1e-6);
        let mut wide = Trainer::new(&x, &w_en, &w_dec, 4, &opt);
        let mut scalar = Trainer::new(&x, &w_en, &w_dec, 4, &opt);
        scalar.arch = pulp::Arch::Scalar;
        for i in 0..40 {
            let (a, b) = (wide.step(&opt, &lr, i), scalar.step(&opt, &lr, i));
            assert_eq!(a.to_bits(), b.to_bits(), "{opt:?} step {i}");
        }
        let ((code_a, bits_a), (code_b, bits_b)) = (wide.result(), scalar.result());
        let as_bits = |c: &[f64]| c.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(as_bits(&code_a), as_bits(&code_b), "{opt:?}");
        assert!(bits_a == bits_b, "{opt:?}: masks differ");
    }
}
