//! A leader and any number of helper threads mapping one job over a fixed list of items, many
//! times in a row, with no fork/join per map.
//!
//! The autoencoder runs thousands of short passes (one per epoch, ~100 µs each on 2 cores), each
//! a map over the same blocks. Forking and joining rayon tasks per pass costs a wake-up and an
//! idle tail per pass; here the helpers stay for the whole training run and wait by spinning, so a
//! new pass starts on every thread at once.
//!
//! Protocol: the leader publishes a pass by storing its job and then `(generation, next item 0)`
//! in one atomic word; every thread (the leader too) claims items by advancing that word with a
//! compare-and-swap that also checks the generation, so a helper that was asleep while a pass
//! went by can never claim an item of the next pass with the previous job. The leader waits only
//! for items already claimed, which their claimers are working on: if no helper ever gets a
//! thread (the pool is busy elsewhere), the leader does every item itself and nothing deadlocks.
//!
//! Results are stored per item and returned in item order, so they do not depend on which thread
//! ran which item.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

/// A job mapped over every item.
pub type Job<T, R> = Arc<dyn Fn(&mut T) -> R + Send + Sync>;

/// Low bits of the state word: the next unclaimed item; high bits: the pass's generation.
const INDEX_BITS: u32 = 24;
const INDEX_MASK: u64 = (1 << INDEX_BITS) - 1;
/// Spins before a waiting thread starts yielding its CPU (a pass's serial gap is a few µs).
const SPINS: u32 = 1 << 14;

pub struct Team<T, R> {
    items: Vec<Mutex<T>>,
    results: Vec<Mutex<Option<R>>>,
    /// `generation << INDEX_BITS | next unclaimed item`.
    state: AtomicU64,
    /// Items of the current pass finished.
    done: AtomicUsize,
    job: RwLock<Option<(u64, Job<T, R>)>>,
    stop: AtomicBool,
    /// Held by the leader for a whole pass: passes never overlap.
    leader: Mutex<u64>,
}

fn lock<V>(m: &Mutex<V>) -> MutexGuard<'_, V> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<T, R> Team<T, R> {
    /// At most 2^24 items (the state word's index field).
    pub fn new(items: Vec<T>) -> Team<T, R> {
        let results = items.iter().map(|_| Mutex::new(None)).collect();
        Team {
            items: items.into_iter().map(Mutex::new).collect(),
            results,
            state: AtomicU64::new(INDEX_MASK),
            done: AtomicUsize::new(0),
            job: RwLock::new(None),
            stop: AtomicBool::new(false),
            leader: Mutex::new(0),
        }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Item `i`, locked (for serial access between passes).
    pub fn item(&self, i: usize) -> Option<MutexGuard<'_, T>> {
        self.items.get(i).map(lock)
    }

    /// Runs `job` on every item with whichever helpers are waiting; results in item order.
    pub fn map(&self, job: Job<T, R>) -> Vec<R> {
        let mut generation = lock(&self.leader);
        *generation += 1;
        let current = *generation;
        *self.job.write().unwrap_or_else(PoisonError::into_inner) = Some((current, Arc::clone(&job)));
        self.done.store(0, Ordering::Relaxed);
        // publishes the job and the reset count with it
        self.state.store(current << INDEX_BITS, Ordering::Release);
        self.work(current, &job);
        let mut spins = 0;
        while self.done.load(Ordering::Acquire) < self.items.len() {
            wait(&mut spins);
        }
        self.results.iter().filter_map(|r| lock(r).take()).collect()
    }

    /// Claims and runs items of pass `generation` until none is left.
    fn work(&self, generation: u64, job: &Job<T, R>) {
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            let index = (state & INDEX_MASK) as usize;
            if state >> INDEX_BITS != generation || index >= self.items.len() {
                return;
            }
            match self.state.compare_exchange_weak(state, state + 1, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => {
                    if let (Some(item), Some(result)) = (self.items.get(index), self.results.get(index)) {
                        let out = job(&mut lock(item));
                        *lock(result) = Some(out);
                    }
                    self.done.fetch_add(1, Ordering::Release);
                    state = self.state.load(Ordering::Acquire);
                }
                Err(now) => state = now,
            }
        }
    }

    /// A helper's loop: joins every pass the leader publishes until [`Team::stop`].
    pub fn help(&self) {
        let mut seen = 0;
        let mut spins = 0;
        while !self.stop.load(Ordering::Acquire) {
            let generation = self.state.load(Ordering::Acquire) >> INDEX_BITS;
            if generation == seen {
                wait(&mut spins);
                continue;
            }
            spins = 0;
            let job = match &*self.job.read().unwrap_or_else(PoisonError::into_inner) {
                Some((g, job)) if *g == generation => Some(Arc::clone(job)),
                // the leader is between storing the job and the state, or already a pass further
                _ => None,
            };
            if let Some(job) = job {
                self.work(generation, &job);
                seen = generation;
            }
        }
    }

    /// Tells the helpers to return.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Release);
    }
}

/// One round of waiting: spin first (the next pass is usually microseconds away), then yield
/// the CPU so that a waiting thread never starves one doing work.
fn wait(spins: &mut u32) {
    if *spins < SPINS {
        *spins += 1;
        std::hint::spin_loop();
    } else {
        std::thread::yield_now();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn passes_run_every_item_once_in_order_with_any_helpers() {
        for helpers in [0, 1, 3] {
            let team: Arc<Team<u64, u64>> = Arc::new(Team::new((0..37).collect()));
            let total = std::thread::scope(|s| {
                for _ in 0..helpers {
                    let team = Arc::clone(&team);
                    s.spawn(move || team.help());
                }
                let mut total = Vec::new();
                for pass in 0..200u64 {
                    let out = team.map(Arc::new(move |x: &mut u64| {
                        *x += 1;
                        *x * 1000 + pass
                    }));
                    total.push(out);
                }
                team.stop();
                total
            });
            for (pass, out) in total.iter().enumerate() {
                let want: Vec<u64> = (0..37).map(|i| (i + pass as u64 + 1) * 1000 + pass as u64).collect();
                assert_eq!(out, &want, "{helpers} helpers, pass {pass}");
            }
            assert_eq!(*team.item(5).unwrap(), 5 + 200);
        }
    }
}
