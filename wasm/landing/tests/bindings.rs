//! `landingToken` as JS sees it, run by `wasm-bindgen-test-runner` under Node and in
//! headless Chromium (see scripts/test.d/40-npm.sh).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used)]

use journey_attribution_wasm_landing::landing_token;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

const NOW: f64 = 1_700_000_000_000.0;

fn some(v: &str) -> Option<String> {
    Some(v.to_owned())
}

fn message(err: wasm_bindgen::JsError) -> String {
    let value: JsValue = err.into();
    let error: js_sys::Error = value.dyn_into().unwrap();
    error.message().as_string().unwrap()
}

#[wasm_bindgen_test]
fn makes_the_landing_touch_under_the_window_and_names_what_it_ignores() {
    let out = landing_token(
        None,
        some("Spring sale"),
        some("j-1"),
        some("1d"),
        None,
        NOW,
    )
    .unwrap();
    assert_eq!(out, ["ja1||j-1|1700000000000|1700086400|Spring sale", ""]);
    let ja = some("1|app-1|j-9|Sale");
    let out = landing_token(ja, None, None, some("30d"), some("app-1=1h"), NOW).unwrap();
    assert_eq!(out, ["ja1|app-1|j-9|1700000000000|1700003600|Sale", ""]);
    let out = landing_token(some("2|a|b|c"), None, None, None, None, NOW).unwrap();
    assert_eq!(out, ["", "link parameter ja: version is not 1"]);
    let err = landing_token(None, some("x"), None, some("30s"), None, NOW).unwrap_err();
    assert!(
        message(err).starts_with("journey-attribution: invalid windows: lookback window \"30s\"")
    );
    assert!(landing_token(None, None, None, None, None, f64::NAN).is_err());
}
