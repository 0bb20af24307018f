//! A progress line on stderr for long scans: bytes and files done, rate,
//! elapsed. Drawn only when stderr is a terminal, not in CI, and only once a
//! scan has run for a second, so short scans and pipes never see it.
//! Scanners bump two atomic counters once per file; nothing else is shared.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

#[derive(Debug, Default)]
pub struct Counters {
    pub files: AtomicU64,
    pub bytes: AtomicU64,
}

impl Counters {
    pub fn add(&self, bytes: u64) {
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }
}

pub struct Progress {
    pub counters: Arc<Counters>,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Progress {
    /// Start the (delayed) progress line if `enabled` and stderr is a
    /// terminal outside CI.
    pub fn start(enabled: bool) -> Progress {
        let counters = Arc::new(Counters::default());
        let stop = Arc::new(AtomicBool::new(false));
        let show = enabled && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        let handle = show.then(|| {
            let (c, s) = (counters.clone(), stop.clone());
            std::thread::spawn(move || draw(&c, &s))
        });
        Progress {
            counters,
            stop,
            handle,
        }
    }

    pub fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

fn draw(c: &Counters, stop: &AtomicBool) {
    // Wait a second first: most scans are done by then.
    for _ in 0..10 {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    let started = std::time::Instant::now();
    while !stop.load(Ordering::Relaxed) {
        let bytes = c.bytes.load(Ordering::Relaxed);
        let files = c.files.load(Ordering::Relaxed);
        let secs = started.elapsed().as_secs_f64() + 1.0;
        bar.set_message(format!(
            "{} files, {} scanned, {}/s",
            files,
            indicatif::HumanBytes(bytes),
            indicatif::HumanBytes((bytes as f64 / secs) as u64)
        ));
        bar.tick();
        std::thread::sleep(Duration::from_millis(120));
    }
    bar.finish_and_clear();
}
