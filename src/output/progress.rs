//! Progress bars on stderr for the long passes of `dyn run` (simulate, calibrate, train): shown
//! only on a terminal, never under `CI` or `--quiet`, and only once a pass has run for about a
//! second, so short runs print nothing but their results.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a pass runs before its bar appears.
pub const DEFAULT_DELAY: Duration = Duration::from_secs(1);

/// Whether bars may be drawn, decided once per run by the CLI and handed to each pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgressPolicy {
    /// False: every [`Progress`] is a no-op.
    pub enabled: bool,
    /// A bar appears only after its pass has run this long.
    pub delay: Duration,
}

impl ProgressPolicy {
    /// Bars on when stderr is a terminal, `TERM` is not `dumb`, the `CI` environment variable is
    /// unset (or empty, `0`, `false`) and `quiet` (the `--quiet` flag) is false.
    pub fn detect(quiet: bool) -> Self {
        let ci =
            std::env::var("CI").map(|v| !matches!(v.trim(), "" | "0" | "false" | "False" | "FALSE")).unwrap_or(false);
        let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
        Self { enabled: !quiet && !ci && !dumb && std::io::stderr().is_terminal(), delay: DEFAULT_DELAY }
    }

    /// Never draws (tests, library use, `--quiet`).
    pub fn hidden() -> Self {
        Self { enabled: false, delay: DEFAULT_DELAY }
    }

    /// Starts a bar for a pass of `total` steps (see [`Progress::start`]).
    pub fn start(&self, label: &str, total: u64) -> Progress {
        Progress::start(self, label, total)
    }
}

/// The progress of one pass. Cheap to update from several threads (`&self` methods); the bar
/// itself is created on the first update after the policy's delay.
#[derive(Debug)]
pub struct Progress {
    enabled: bool,
    delay: Duration,
    label: String,
    total: u64,
    started: Instant,
    position: AtomicU64,
    bar: OnceLock<ProgressBar>,
    finished: AtomicBool,
}

impl Progress {
    /// Starts timing a pass called `label` (e.g. "simulate deploy") of `total` steps.
    pub fn start(policy: &ProgressPolicy, label: &str, total: u64) -> Self {
        Self {
            enabled: policy.enabled,
            delay: policy.delay,
            label: label.to_string(),
            total,
            started: Instant::now(),
            position: AtomicU64::new(0),
            bar: OnceLock::new(),
            finished: AtomicBool::new(false),
        }
    }

    /// Records `n` more steps done; draws the bar once the pass has run longer than the delay.
    pub fn inc(&self, n: u64) {
        let position = self.position.fetch_add(n, Ordering::Relaxed).saturating_add(n);
        if !self.enabled || self.finished.load(Ordering::Relaxed) {
            return;
        }
        if let Some(bar) = self.bar.get() {
            bar.set_position(position);
        } else if self.started.elapsed() >= self.delay {
            self.bar.get_or_init(|| self.create_bar()).set_position(position);
        }
    }

    /// Steps recorded so far.
    pub fn position(&self) -> u64 {
        self.position.load(Ordering::Relaxed)
    }

    /// True once the bar has been created (it is drawn only if stderr is a terminal).
    pub fn is_visible(&self) -> bool {
        self.bar.get().is_some()
    }

    /// Runs `write` (printing a warning or diagnostic to stderr) with the bar hidden, so the
    /// text does not mix with the bar; the bar is redrawn after.
    pub fn suspend<R>(&self, write: impl FnOnce() -> R) -> R {
        match self.bar.get() {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }

    /// Ends the pass: a visible bar is left at its final state with the elapsed time.
    pub fn finish(&self) {
        self.finished.store(true, Ordering::Relaxed);
        if let Some(bar) = self.bar.get() {
            bar.set_position(self.position());
            bar.finish();
        }
    }

    fn create_bar(&self) -> ProgressBar {
        let style = ProgressStyle::with_template("{prefix:.bold} [{bar:30}] {pos}/{len} {elapsed_precise} (eta {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        ProgressBar::with_draw_target(Some(self.total), ProgressDrawTarget::stderr())
            .with_style(style)
            .with_prefix(self.label.clone())
            .with_elapsed(self.started.elapsed())
    }
}

impl Drop for Progress {
    /// A pass that ends without `finish` (an error) clears its bar, so the diagnostic that
    /// follows starts on a clean line.
    fn drop(&mut self) {
        if !self.finished.load(Ordering::Relaxed) {
            if let Some(bar) = self.bar.get() {
                bar.finish_and_clear();
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn hidden_policy_never_creates_a_bar() {
        let p = ProgressPolicy { enabled: false, delay: Duration::ZERO }.start("x", 10);
        p.inc(5);
        assert!(!p.is_visible());
        assert_eq!(p.suspend(|| 7), 7);
        assert_eq!(p.position(), 5);
        p.finish();
    }

    #[test]
    fn bar_waits_for_the_delay() {
        let policy = ProgressPolicy { enabled: true, delay: Duration::from_secs(3600) };
        let p = policy.start("x", 10);
        p.inc(10);
        assert!(!p.is_visible());
        let policy = ProgressPolicy { enabled: true, delay: Duration::ZERO };
        let p = policy.start("x", 10);
        p.inc(1);
        assert!(p.is_visible());
        p.finish();
    }
}
