//! A leader and any number of helper threads mapping one job over a fixed list of items, many
//! times in a row, with no fork/join per map.
//!
//! The autoencoder runs thousands of short passes (one per epoch, ~100 µs each on 2 cores), each
//! a map over the same blocks. Forking and joining rayon tasks per pass costs a wake-up and an
//! idle tail per pass; here the helpers stay for the whole training run and wait by spinning, so a
//! new pass starts on every thread at once.
//!
//! Protocol: the leader publishes a pass by storing its job, then the pass's generation, then the
//! range of unclaimed items `[front, back)` in one atomic word, which the helpers watch. The
//! leader claims items from the front and the helpers from the back (each by a compare-and-swap
//! on that word), so from one pass to the next each thread mostly gets the same blocks, whose data
//! its own caches last held. A claimer reads the generation only after its claim succeeds, and
//! with it the job when the generation is new to it: the claim saw the range, stored after both,
//! and the leader starts no new pass before every claimed item is done, so both are the claimed
//! item's pass's, even for a helper that slept through passes. So a thread reads the shared job
//! once per pass, not once per item, and reports its finished items once per pass. The leader
//! waits only for items already claimed, which their claimers are working on: if no helper ever
//! gets a thread (the pool is busy elsewhere), the leader does every item itself and nothing
//! deadlocks.
//!
//! Results are stored per item and returned in item order, so they do not depend on which thread
//! ran which item.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

/// A job mapped over every item.
pub type Job<T, R> = Arc<dyn Fn(&mut T) -> R + Send + Sync>;

/// Spins before a waiting thread starts yielding its CPU (a pass's serial gap is a few µs).
const SPINS: u32 = 1 << 14;

pub struct Team<T, R> {
    items: Vec<Mutex<T>>,
    results: Vec<Mutex<Option<R>>>,
    /// The unclaimed items of the current pass, `front << 32 | back`.
    unclaimed: AtomicU64,
    /// Passes published so far: identifies the job.
    generation: AtomicU64,
    /// Items of the current pass finished.
    done: AtomicUsize,
    job: RwLock<Option<Job<T, R>>>,
    stop: AtomicBool,
    /// Held by the leader for a whole pass: passes never overlap.
    leader: Mutex<()>,
}

fn lock<V>(m: &Mutex<V>) -> MutexGuard<'_, V> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Which end of the unclaimed range a thread takes items from.
#[derive(Clone, Copy)]
enum End {
    Front,
    Back,
}

impl<T, R> Team<T, R> {
    /// At most 2^32 - 1 items (each end of the range is 32 bits).
    pub fn new(items: Vec<T>) -> Team<T, R> {
        let results = items.iter().map(|_| Mutex::new(None)).collect();
        Team {
            items: items.into_iter().map(Mutex::new).collect(),
            results,
            unclaimed: AtomicU64::new(0),
            generation: AtomicU64::new(0),
            done: AtomicUsize::new(0),
            job: RwLock::new(None),
            stop: AtomicBool::new(false),
            leader: Mutex::new(()),
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
        let _leader = lock(&self.leader);
        *self.job.write().unwrap_or_else(PoisonError::into_inner) = Some(job);
        self.done.store(0, Ordering::Relaxed);
        let count = u32::try_from(self.items.len()).unwrap_or(u32::MAX);
        self.generation.fetch_add(1, Ordering::Release);
        // publishes the job, the generation and the reset count with it, and wakes the helpers
        self.unclaimed.store(u64::from(count), Ordering::Release);
        self.work(End::Front, &mut None);
        let mut spins = 0;
        while self.done.load(Ordering::Acquire) < count as usize {
            wait(&mut spins);
        }
        self.results.iter().filter_map(|r| lock(r).take()).collect()
    }

    /// Claims items from one end and runs them until none is left. `job`: the job this thread
    /// last read, with its generation.
    fn work(&self, end: End, job: &mut Option<(u64, Job<T, R>)>) {
        let mut range = self.unclaimed.load(Ordering::Acquire);
        let mut finished = 0;
        loop {
            let (front, back) = (range >> 32, range & u64::from(u32::MAX));
            if front >= back {
                break;
            }
            let (claimed, index) = match end {
                End::Front => (range + (1 << 32), front),
                End::Back => (range - 1, back - 1),
            };
            match self.unclaimed.compare_exchange_weak(range, claimed, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => {
                    self.run(index as usize, job);
                    finished += 1;
                    range = self.unclaimed.load(Ordering::Acquire);
                }
                Err(now) => range = now,
            }
        }
        if finished > 0 {
            self.done.fetch_add(finished, Ordering::Release);
        }
    }

    /// Runs the current job on a claimed item, reading the job first if its generation is new.
    fn run(&self, index: usize, job: &mut Option<(u64, Job<T, R>)>) {
        let generation = self.generation.load(Ordering::Acquire);
        if job.as_ref().is_none_or(|(seen, _)| *seen != generation) {
            let current = self.job.read().unwrap_or_else(PoisonError::into_inner).clone();
            *job = current.map(|current| (generation, current));
        }
        if let (Some((_, job)), Some(item), Some(result)) =
            (job.as_ref(), self.items.get(index), self.results.get(index))
        {
            let out = job(&mut lock(item));
            *lock(result) = Some(out);
        }
    }

    /// A helper's loop: joins every pass the leader publishes until [`Team::stop`].
    pub fn help(&self) {
        let mut spins = 0;
        let mut job = None;
        while !self.stop.load(Ordering::Acquire) {
            let range = self.unclaimed.load(Ordering::Relaxed);
            if range >> 32 >= range & u64::from(u32::MAX) {
                wait(&mut spins);
                continue;
            }
            spins = 0;
            self.work(End::Back, &mut job);
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
