//! The report engine's throughput and memory on plain JSON-lines files, without the CLI's
//! input layer: `cargo run --release -p journey-attribution-report --example throughput --
//! THREADS FILE...` prints MB/s, the figures to check against the SQL, and the peak memory
//! per counted event (BENCHMARKS.md, "Counting every event once"). With `TOUCH_MODEL=last`
//! (or `first`, `linear`) in the environment, touch reconstruction runs in the same pass.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::time::Instant;

use journey_attribution_report::{Aggregator, ReportOptions, TouchOptions};

/// Peak resident memory (`VmHWM`) in bytes, Linux only.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let threads: usize = args.next().expect("THREADS").parse().expect("a number");
    let texts: Vec<String> = args.map(|p| std::fs::read_to_string(p).unwrap()).collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    // Each file split at line boundaries into `threads` chunks.
    let mut chunks: Vec<&str> = Vec::new();
    for text in &texts {
        let mut start = 0;
        for i in 1..=threads {
            let mut end = (text.len() * i / threads).max(start);
            while end < text.len() && text.as_bytes()[end - 1] != b'\n' {
                end += 1;
            }
            chunks.push(&text[start..end]);
            start = end;
        }
    }
    let options = ReportOptions {
        goals: vec!["purchase".into()],
        revenue_metric: Some("revenue".into()),
        ..Default::default()
    };
    let touch_model = std::env::var("TOUCH_MODEL").ok();
    let touch_model = touch_model.map(|m| m.parse().expect("first, last or linear"));
    let before = peak_rss();
    let t0 = Instant::now();
    let per_thread: Vec<Vec<&str>> = (0..threads)
        .map(|t| chunks.iter().skip(t).step_by(threads).copied().collect())
        .collect();
    let partials: Vec<Aggregator> = std::thread::scope(|s| {
        let handles: Vec<_> = per_thread
            .iter()
            .map(|mine| {
                let options = options.clone();
                s.spawn(move || {
                    let mut agg = match touch_model {
                        Some(model) => Aggregator::with_touches(options, TouchOptions::new(model)),
                        None => Aggregator::new(options),
                    };
                    for chunk in mine {
                        agg.push_text(chunk, |_, _| {});
                    }
                    agg
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut all = partials.into_iter();
    let mut agg = all.next().unwrap();
    for other in all {
        agg.merge(other);
    }
    let report = agg.finish(&[]).unwrap();
    let secs = t0.elapsed().as_secs_f64();
    let grown = peak_rss().saturating_sub(before);
    let revenue: f64 = report.campaigns.iter().filter_map(|c| c.revenue).sum();
    println!(
        "{:.0} MB, {threads} threads: {secs:.2} s, {:.0} MB/s; events {}, attributed {}, revenue {revenue:.2}; peak memory growth {:.1} MB ({:.0} B per attributed event)",
        bytes as f64 / 1e6,
        bytes as f64 / 1e6 / secs,
        report.events,
        report.attributed_events,
        grown as f64 / 1e6,
        grown as f64 / report.attributed_events.max(1) as f64,
    );
    if let Some(t) = &report.touch_attribution {
        let credited = t.campaigns.iter().filter_map(|c| c.revenue).sum::<f64>() + 0.0;
        println!(
            "touches {} ({} without user), conversions {} ({} joined, {} without user), credited revenue {credited:.2}",
            t.touches,
            t.touches_without_user,
            t.conversions,
            t.joined_conversions,
            t.conversions_without_user,
        );
    }
}
