//! Any bytes as an SES event delivery (EventBridge, SNS or a bare record): never panics;
//! every record yields a touch (at the engagement's own time) or a named reason.
#![no_main]

use journey_attribution_core::ses::{SesConfig, plan};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let Ok(plan) = plan(value, &SesConfig::default()) else { return };
    for (_, outcome) in &plan.items {
        match outcome {
            Ok(i) => {
                let t = &plan.touches[*i];
                assert!(!t.username.trim().is_empty() && !t.journey_id.trim().is_empty());
            }
            Err(reason) => assert!(!reason.to_string().is_empty()),
        }
    }
});
