//! Any text as an object of each report shape: the skip reason's field path (the report's
//! schema-driven walker, `report/field_path.rs`) is `serde_path_to_error`'s, word for word.
#![no_main]

use journey_attribution_report::check_field_paths;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(e) = check_field_paths(text) {
        panic!("{e} for {text:?}");
    }
});
