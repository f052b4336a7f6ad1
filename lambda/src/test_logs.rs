//! The tests' log capture: the JSON lines the functions would print, at a given level.

use std::sync::{Arc, Mutex};

use tracing_subscriber::fmt::MakeWriter;

#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    pub fn text(&self) -> String {
        let bytes = self.0.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Held while a test captures: one capture at a time, since tracing caches each callsite's
/// interest process-wide, and a callsite first reached on a thread with no subscriber can
/// otherwise stay disabled for the capturing one.
#[derive(Debug)]
pub struct Guard {
    _default: tracing::subscriber::DefaultGuard,
    _one_at_a_time: std::sync::MutexGuard<'static, ()>,
}

static CAPTURING: Mutex<()> = Mutex::new(());

/// Logs of this thread at `level` and above, as `config::init_tracing` formats them, until
/// the guard drops (the tests run on a current-thread runtime).
pub fn capture(level: &str) -> (Captured, Guard) {
    let one_at_a_time = CAPTURING.lock().unwrap_or_else(|e| e.into_inner());
    // A process-wide subscriber interested in everything (writing nowhere), so that no
    // callsite is cached as disabled: each event then asks this thread's subscriber.
    static EVERYTHING: std::sync::Once = std::sync::Once::new();
    EVERYTHING.call_once(|| {
        let sink = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("trace"))
            .with_writer(std::io::sink)
            .finish();
        let _ = tracing::subscriber::set_global_default(sink);
    });
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::new(level))
        .with_current_span(false)
        .with_ansi(false)
        .without_time()
        .with_target(false)
        .with_writer(captured.clone())
        .finish();
    let default = tracing::subscriber::set_default(subscriber);
    tracing::callsite::rebuild_interest_cache();
    let guard = Guard {
        _default: default,
        _one_at_a_time: one_at_a_time,
    };
    (captured, guard)
}
