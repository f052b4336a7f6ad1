//! The progress bar on a terminal's stderr: bytes read of the inputs' total, inputs done,
//! records seen; hidden when stderr is not a terminal.

use std::io::{self, IsTerminal, Read};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use indicatif::{ProgressBar, ProgressStyle};

#[derive(Debug)]
pub struct Progress {
    bar: ProgressBar,
    inputs: usize,
    inputs_done: AtomicUsize,
    records: AtomicU64,
}

impl Progress {
    /// For `inputs` inputs of `total_bytes` as stored.
    pub fn new(total_bytes: u64, inputs: usize) -> Self {
        let bar = if io::stderr().is_terminal() {
            let template = "{bar:40} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} eta {eta} {msg}";
            ProgressBar::new(total_bytes).with_style(
                ProgressStyle::with_template(template)
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            )
        } else {
            ProgressBar::hidden()
        };
        Self {
            bar,
            inputs,
            inputs_done: AtomicUsize::new(0),
            records: AtomicU64::new(0),
        }
    }

    /// `raw`, counting its bytes as read.
    pub fn wrap<'a>(&self, raw: Box<dyn Read + 'a>) -> Box<dyn Read + 'a> {
        Box::new(self.bar.wrap_read(raw))
    }

    pub fn input_done(&self) {
        self.inputs_done.fetch_add(1, Ordering::Relaxed);
    }

    pub fn records(&self, n: u64) {
        let seen = self.records.fetch_add(n, Ordering::Relaxed) + n;
        if !self.bar.is_hidden() {
            self.bar.set_message(format!(
                "{}/{} inputs, {seen} records",
                self.inputs_done.load(Ordering::Relaxed),
                self.inputs
            ));
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
