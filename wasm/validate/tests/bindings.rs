//! `validateEvent` as JS sees it, run by `wasm-bindgen-test-runner` under Node and in
//! headless Chromium (see scripts/test.d/40-npm.sh). The event's JS shape is checked by
//! `wasm/js/event-shape.js` (its messages are tested by the Node tests).
#![cfg(target_arch = "wasm32")]

use journey_attribution_wasm_validate::validate;
use wasm_bindgen_test::wasm_bindgen_test;

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[wasm_bindgen_test]
fn validates_against_pinpoint_limits() {
    let ok = validate(
        "ok".into(),
        strings(&["a"]),
        strings(&["b"]),
        strings(&["m"]),
        vec![1.0],
    );
    assert!(ok.is_empty());
    let bad = validate(String::new(), vec![], vec![], vec![], vec![]);
    assert_eq!(bad, ["name", "is empty"]);
    let long = "y".repeat(201);
    let both = validate(
        "x".repeat(51),
        strings(&["long"]),
        vec![long],
        strings(&["bad"]),
        vec![f64::INFINITY],
    );
    let fields: Vec<&str> = both.iter().step_by(2).map(String::as_str).collect();
    assert_eq!(fields, ["name", "attributes.long", "metrics.bad"]);
}
