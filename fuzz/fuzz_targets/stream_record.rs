//! Any bytes as a DynamoDB stream event (its `Records`, as Lambda delivers them) or one
//! record: decoding and the sync decision never panic.
#![no_main]

use journey_attribution_table::stream::decode_record;
use journey_attribution_core::sync;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let records = match value.get("Records").and_then(|r| r.as_array()) {
        Some(records) => records.iter().collect(),
        None => vec![&value],
    };
    for record in records {
        if let Ok(record) = decode_record(record) {
            let _ = sync::decide(&record.change);
        }
    }
});
