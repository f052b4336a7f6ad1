//! Any bytes as a DynamoDB stream record: decoding and the sync decision never panic.
#![no_main]

use journey_attribution_core::stream::decode_record;
use journey_attribution_core::sync;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    if let Ok(record) = decode_record(&value) {
        let _ = sync::decide(&record.change);
    }
});
