//! calix's searches over CapMem codes (calix.md §3.1): `BinarySearch` and `NoisyBinarySearch`.
//! All instances (neurons, quadrants) move in lock step, one measurement per step for all.
//! Unlike calix, the noisy start offsets come from a seeded stream, never a global generator.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// A search over the codes `lower..=upper`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Search {
    pub lower: i32,
    pub upper: i32,
    /// A larger code gives a smaller result.
    pub inverted: bool,
    /// NoisyBinarySearch's start noise amplitude; 0 is the plain BinarySearch.
    pub noise: i32,
}

/// Why a search cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    #[error("the range {0}..={1} is too small for a binary search")]
    RangeTooSmall(i32, i32),
    #[error("start noise {noise} exceeds the first increment {first} of the range")]
    ExcessiveNoise { noise: i32, first: i32 },
}

/// What a search found, per instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The best code among the last tested ones.
    pub codes: Vec<i32>,
    /// The result measured at that code.
    pub results: Vec<f64>,
    /// calix's boundary flag: the code is at or beyond an end of the range. Reported, but not
    /// counted as a failure by itself (a correct code may be exactly 0 or 1022).
    pub at_boundary: Vec<bool>,
    /// Measurements taken.
    pub steps: usize,
}

/// The step plan: increments per step and how many of the last steps compete for the best.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub increments: Vec<i32>,
    pub n_best: usize,
    /// Start code before noise.
    pub start: i32,
}

fn ceil_log2(x: i64) -> u32 {
    let mut bits = 0;
    while (1i64 << bits) < x {
        bits += 1;
    }
    bits
}

impl Search {
    /// The full CapMem range 0..=1022, noisy (calix's default for per-neuron parameters).
    pub const fn noisy(inverted: bool) -> Search {
        Search { lower: 0, upper: 1022, inverted, noise: 5 }
    }

    /// The full CapMem range 0..=1022, plain.
    pub const fn plain(inverted: bool) -> Search {
        Search { lower: 0, upper: 1022, inverted, noise: 0 }
    }

    pub fn schedule(&self) -> Result<Schedule, SearchError> {
        let possibilities = i64::from(self.upper) - i64::from(self.lower) + 1;
        let n_steps = ceil_log2(possibilities.max(1)) + 2;
        if n_steps < 3 {
            return Err(SearchError::RangeTooSmall(self.lower, self.upper));
        }
        let mut increments: Vec<i32> = (0..n_steps)
            .map(|k| {
                let d = 1i64 << (k + 2);
                i32::try_from((possibilities + d - 1) / d).unwrap_or(i32::MAX)
            })
            .collect();
        let start = self.lower + i32::try_from(possibilities / 2).unwrap_or(0);
        let mut n_best = 3;
        if self.noise > 0 {
            let first = increments.first().copied().unwrap_or(0);
            if self.noise > first {
                return Err(SearchError::ExcessiveNoise { noise: self.noise, first });
            }
            increments.push(self.noise);
            increments.sort_unstable_by(|a, b| b.cmp(a));
            n_best += ceil_log2(i64::from(self.noise)) as usize;
        }
        Ok(Schedule { increments, n_best, start })
    }

    fn clip(&self, code: i32) -> i32 {
        code.clamp(self.lower, self.upper)
    }

    /// Runs the search: `measure(codes)` writes the codes and returns one result per instance.
    /// `rng` draws the noisy start offsets, instance by instance, in order.
    pub fn run(
        &self,
        targets: &[f64],
        rng: &mut ChaCha8Rng,
        mut measure: impl FnMut(&[i32]) -> Vec<f64>,
    ) -> Result<Outcome, SearchError> {
        let schedule = self.schedule()?;
        let n = targets.len();
        let mut codes: Vec<i32> = (0..n)
            .map(|_| {
                let offset = if self.noise > 0 { rng.gen_range(-self.noise..=self.noise) } else { 0 };
                self.clip(schedule.start + offset)
            })
            .collect();
        let n_steps = schedule.increments.len();
        // last[k]: codes and |deviation| of the step k places before the last (0 = last step).
        let mut last_codes = vec![vec![0i32; n]; schedule.n_best];
        let mut last_results = vec![vec![f64::NAN; n]; schedule.n_best];
        for (step, &increment) in schedule.increments.iter().enumerate() {
            let results = measure(&codes);
            let steps_left = n_steps - step - 1;
            if let (Some(lc), Some(lr)) = (last_codes.get_mut(steps_left), last_results.get_mut(steps_left)) {
                lc.clone_from(&codes);
                lr.clone_from(&results);
            }
            if steps_left > 1 {
                for ((code, result), target) in codes.iter_mut().zip(&results).zip(targets) {
                    let high = result > target;
                    *code += if high != self.inverted { -increment } else { increment };
                }
            } else if steps_left == 1 {
                // Mirror the last move: the final three tested codes are p, p+1 and p-1.
                let (Some(p2), Some(p1)) = (last_codes.get(2), last_codes.get(1)) else { break };
                for ((code, &a), &b) in codes.iter_mut().zip(p2).zip(p1) {
                    *code = 2 * a - b;
                    if a == b && a == self.lower {
                        *code += 1;
                    }
                    if a == b && a == self.upper {
                        *code -= 1;
                    }
                }
            }
            for code in &mut codes {
                *code = self.clip(*code);
            }
        }
        // The best of the last steps; on a tie the later step wins (numpy's argmin).
        let mut best_codes = Vec::with_capacity(n);
        let mut best_results = Vec::with_capacity(n);
        for (i, target) in targets.iter().enumerate() {
            let mut best: Option<(f64, i32, f64)> = None;
            for (lc, lr) in last_codes.iter().zip(&last_results) {
                let (Some(&c), Some(&r)) = (lc.get(i), lr.get(i)) else { continue };
                let deviation = (r - target).abs();
                let deviation = if deviation.is_nan() { f64::INFINITY } else { deviation };
                if best.is_none_or(|(d, _, _)| deviation < d) {
                    best = Some((deviation, c, r));
                }
            }
            let (_, c, r) = best.unwrap_or((f64::INFINITY, schedule.start, f64::NAN));
            best_codes.push(c);
            best_results.push(r);
        }
        let at_boundary = best_codes.iter().map(|&c| c <= self.lower || c >= self.upper).collect();
        Ok(Outcome { codes: best_codes, results: best_results, at_boundary, steps: n_steps })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::cast_precision_loss)]
mod tests {
    use super::*;
    use crate::devices::bss2::rng::{stream, Purpose};

    fn rng() -> ChaCha8Rng {
        stream(7, Purpose::Search, 0, 0)
    }

    #[test]
    fn schedules_match_calix() {
        let plain = Search::plain(false).schedule().unwrap();
        assert_eq!(plain.increments, vec![256, 128, 64, 32, 16, 8, 4, 2, 1, 1, 1, 1]);
        assert_eq!((plain.start, plain.n_best), (511, 3));
        let noisy = Search::noisy(false).schedule().unwrap();
        assert_eq!(noisy.increments, vec![256, 128, 64, 32, 16, 8, 5, 4, 2, 1, 1, 1, 1]);
        assert_eq!(noisy.n_best, 6);
        let small = Search { lower: 0, upper: 255, inverted: true, noise: 0 }.schedule().unwrap();
        assert_eq!(small.increments, vec![64, 32, 16, 8, 4, 2, 1, 1, 1, 1]);
        let small_noisy = Search { lower: 0, upper: 255, inverted: true, noise: 5 }.schedule().unwrap();
        assert_eq!(small_noisy.increments.len(), 11);
        let narrow = Search { lower: 0, upper: 15, inverted: false, noise: 5 };
        assert!(matches!(narrow.schedule(), Err(SearchError::ExcessiveNoise { noise: 5, first: 4 })));
    }

    /// calix.md §7.2: one leak search, no noise, three neurons; every tested code and the result.
    #[test]
    fn hand_computed_leak_search_is_exact() {
        let vlsb = 1.2 / 1023.0;
        let neurons = [(0.0, 0.0), (0.015, 0.0), (-0.020, 0.02)];
        let read = |code: i32, (d, g): (f64, f64)| {
            let e_l = 0.79 * (1.0 + g) * vlsb * f64::from(code) - 0.211 + d;
            20.0 + (e_l - 70.0 * vlsb) * 200.0 / (480.0 * vlsb)
        };
        let mut tested: Vec<Vec<i32>> = Vec::new();
        let outcome = Search::plain(false)
            .run(&[80.0; 3], &mut rng(), |codes| {
                tested.push(codes.to_vec());
                codes.iter().zip(neurons).map(|(&c, n)| read(c, n)).collect()
            })
            .unwrap();
        let expected: [[i32; 3]; 12] = [
            [511, 511, 511],
            [255, 255, 255],
            [383, 383, 383],
            [447, 447, 447],
            [479, 479, 479],
            [495, 495, 495],
            [503, 487, 503],
            [499, 483, 507],
            [497, 481, 509],
            [498, 482, 510],
            [499, 483, 509],
            [497, 481, 511],
        ];
        assert_eq!(tested, expected.iter().map(|r| r.to_vec()).collect::<Vec<_>>());
        assert_eq!(outcome.codes, vec![499, 482, 510]);
        let reads: Vec<f64> = outcome.results.iter().map(|r| (r * 100.0).round() / 100.0).collect();
        assert_eq!(reads, vec![80.14, 79.87, 80.01]);
        assert_eq!(outcome.steps, 12);
        // Spot checks of the table's reads.
        assert!((read(511, neurons[0]) - 84.09).abs() < 0.005);
        assert!((read(255, neurons[2]) + 5.60).abs() < 0.005);
    }

    /// calix.md §7.1: on an identity plant every instance returns exactly its target, for both
    /// searches, both directions, several ranges and noise amplitudes.
    #[test]
    fn identity_plant_returns_every_target() {
        for (n, noises) in [(16, vec![0, 1, 2, 3]), (511, vec![0, 1, 5, 29]), (1024, vec![0, 1, 5, 17, 29])] {
            for noise in noises {
                for inverted in [false, true] {
                    let search = Search { lower: 0, upper: n - 1, inverted, noise };
                    let targets: Vec<f64> = (0..n).map(f64::from).collect();
                    let outcome = search
                        .run(&targets, &mut rng(), |codes| {
                            codes.iter().map(|&c| f64::from(if inverted { n - 1 - c } else { c })).collect()
                        })
                        .unwrap();
                    for (i, &code) in outcome.codes.iter().enumerate() {
                        let want = if inverted { n - 1 - i as i32 } else { i as i32 };
                        assert_eq!(code, want, "n {n} noise {noise} inverted {inverted} instance {i}");
                    }
                    // Exactly the two range-end instances carry calix's boundary flag.
                    assert_eq!(outcome.at_boundary.iter().filter(|b| **b).count(), 2);
                }
            }
        }
    }

    /// Avoided quirk (calix.md §6.6): the start noise is seeded; same seed, same codes.
    #[test]
    fn noisy_search_is_reproducible_and_seeded() {
        let plant = |codes: &[i32]| codes.iter().map(|&c| f64::from(c) * 0.37 + 3.0).collect::<Vec<_>>();
        let targets = vec![80.0; 64];
        let run = |seed: u64| {
            Search::noisy(false).run(&targets, &mut stream(seed, Purpose::Search, 0, 0), plant).unwrap().codes
        };
        let mut starts = Vec::new();
        let _ = Search::noisy(false).run(&targets, &mut stream(1, Purpose::Search, 0, 0), |c| {
            if starts.is_empty() {
                starts = c.to_vec();
            }
            plant(c)
        });
        assert_eq!(run(1), run(1));
        assert!(starts.iter().any(|&s| s != starts[0]), "start codes are spread by the noise");
        assert!(starts.iter().all(|&s| (506..=516).contains(&s)));
        let mut other = Vec::new();
        let _ = Search::noisy(false).run(&targets, &mut stream(2, Purpose::Search, 0, 0), |c| {
            if other.is_empty() {
                other = c.to_vec();
            }
            plant(c)
        });
        assert_ne!(starts, other, "another search seed gives other start codes");
    }
}
