//! Any bytes as an Amazon Connect custom-action invocation: never panics; every profile
//! yields a touch or a named reason, touches are one per user, each with its ledger key.
#![no_main]

use journey_attribution_core::connect::{ConnectConfig, parse_invocation};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let Ok(inv) = parse_invocation(value) else { return };
    if let Ok(plan) = inv.plan(&ConnectConfig::default(), 0) {
        assert_eq!(plan.plan.items.len(), inv.items.customer_profiles.len());
        assert_eq!(plan.idempotency_keys.len(), plan.plan.touches.len());
        let mut users: Vec<&str> = plan.plan.touches.iter().map(|t| t.username.as_str()).collect();
        users.sort_unstable();
        users.dedup();
        assert_eq!(users.len(), plan.plan.touches.len(), "one touch per user");
        for (_, outcome) in &plan.plan.items {
            match outcome {
                Ok(i) => assert!(*i < plan.plan.touches.len()),
                Err(reason) => assert!(!reason.to_string().is_empty()),
            }
        }
    }
});
