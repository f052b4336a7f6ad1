//! Any text as event-stream lines: the report's aggregation never panics and accounts for
//! every non-blank line (read or skipped).
#![no_main]

use journey_attribution_report::{Aggregator, ReportOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut agg = Aggregator::new(ReportOptions {
        goals: vec!["purchase".into()],
        revenue_metric: Some("revenue".into()),
        ..Default::default()
    });
    agg.push_text(text, |_, _| {});
    if let Ok(report) = agg.finish(&[]) {
        assert!(report.skipped_lines <= report.lines);
    }
});
