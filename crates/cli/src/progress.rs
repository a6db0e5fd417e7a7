//! Progress bars on stderr for work that takes more than a second.
//!
//! A bar stays hidden until one second has passed, and is never shown when stderr is not a
//! terminal (pipes, CI logs) or with `--quiet`, so scripted runs see clean output.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

const SHOW_AFTER: Duration = Duration::from_secs(1);

/// A counter of done/total steps that may be drawn as a bar.
pub struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
}

impl Progress {
    /// A progress counter for `total` steps of `what` (e.g. "folds", "documents").
    pub fn new(total: u64, what: &str, quiet: bool) -> Self {
        let enabled = !quiet && std::io::stderr().is_terminal();
        let bar = enabled.then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
            let template = format!("{{elapsed_precise}} [{{bar:40}}] {{pos}}/{{len}} {what} {{msg}}");
            if let Ok(style) = ProgressStyle::with_template(&template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        Self { bar, started: Instant::now() }
    }

    /// A counter of `what` (e.g. "records") whose total is not known in advance: shows how many
    /// are done.
    pub fn counter(what: &str, quiet: bool) -> Self {
        let enabled = !quiet && std::io::stderr().is_terminal();
        let bar = enabled.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
            let template = format!("{{elapsed_precise}} {{human_pos}} {what} {{msg}}");
            if let Ok(style) = ProgressStyle::with_template(&template) {
                bar.set_style(style);
            }
            bar
        });
        Self { bar, started: Instant::now() }
    }

    /// A bar over `total` bytes of `what` (e.g. "streamed"), with the time left and a message.
    pub fn bytes(total: u64, what: &str, quiet: bool) -> Self {
        let enabled = !quiet && std::io::stderr().is_terminal();
        let bar = enabled.then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
            let template = format!(
                "{{elapsed_precise}} [{{bar:40}}] {{bytes}}/{{total_bytes}} {what}, ETA {{eta}}: {{msg}}"
            );
            if let Ok(style) = ProgressStyle::with_template(&template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        Self { bar, started: Instant::now() }
    }

    /// Sets the message shown after the bar.
    pub fn set_message(&self, message: String) {
        if let Some(bar) = &self.bar {
            bar.set_message(message);
        }
    }

    /// Sets the position to `done` (of the total given at creation).
    pub fn set(&self, done: u64) {
        if let Some(bar) = &self.bar {
            if bar.is_hidden() && self.started.elapsed() >= SHOW_AFTER {
                bar.set_draw_target(ProgressDrawTarget::stderr());
            }
            bar.set_position(done);
        }
    }

    /// Changes the total number of steps.
    pub fn set_total(&self, total: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(total);
        }
    }

    /// Advances by one step.
    pub fn inc(&self) {
        if let Some(bar) = &self.bar {
            self.set(bar.position() + 1);
        }
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
