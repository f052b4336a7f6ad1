//! Any text as event-stream lines: the report's aggregation never panics and accounts for
//! every non-blank line (read or skipped); touch reconstruction, which reads from the same
//! reading of each record, never changes the attributed rows of the lines both count.
#![no_main]

use journey_attribution_report::{Aggregator, ReportOptions, TouchModel, TouchOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let options = ReportOptions {
        goals: vec!["purchase".into()],
        revenue_metric: Some("revenue".into()),
        ..Default::default()
    };
    let mut plain = Aggregator::new(options.clone());
    let mut touches = Aggregator::with_touches(options, TouchOptions::new(TouchModel::Linear));
    plain.push_text(text, |_, _| {});
    touches.push_text(text, |_, _| {});
    let (Ok(plain), Ok(touches)) = (plain.finish(&[]), touches.finish(&[])) else {
        return;
    };
    assert!(plain.skipped_lines <= plain.lines);
    // Only an SES event record, unread without touch reconstruction, can fail a line with it.
    assert!(touches.skipped_lines >= plain.skipped_lines);
    if touches.skipped_lines == plain.skipped_lines {
        assert_eq!(touches.campaigns, plain.campaigns);
        assert_eq!(touches.events, plain.events);
    }
    let t = touches.touch_attribution.expect("touch reconstruction was asked for");
    assert!(t.joined_conversions <= t.conversions);
});
