//! Any bytes as a Pinpoint custom-channel invocation: never panics; every endpoint of a
//! parsed invocation yields a touch or a named reason, and touches are one per user.
#![no_main]

use journey_attribution_core::pinpoint::parse_invocation;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let Ok(event) = parse_invocation(value) else { return };
    if let Ok(plan) = event.plan("username", 0) {
        assert_eq!(plan.items.len(), event.endpoints.len());
        let mut users: Vec<&str> = plan.touches.iter().map(|t| t.username.as_str()).collect();
        users.sort_unstable();
        users.dedup();
        assert_eq!(users.len(), plan.touches.len(), "one touch per user");
        for (_, outcome) in &plan.items {
            if let Ok(i) = outcome {
                assert!(*i < plan.touches.len());
            }
        }
    }
});
