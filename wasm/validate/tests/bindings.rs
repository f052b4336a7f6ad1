//! `validateEvent` as JS sees it, run by `wasm-bindgen-test-runner` under Node and in
//! headless Chromium (see scripts/test.d/40-npm.sh).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used)]

use journey_attribution_wasm_validate::validate;
use js_sys::{Array, JSON, Object};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

fn js(json: &str) -> JsValue {
    JSON::parse(json).unwrap()
}

fn message(err: wasm_bindgen::JsError) -> String {
    let value: JsValue = err.into();
    let error: js_sys::Error = value.dyn_into().unwrap();
    error.message().as_string().unwrap()
}

#[wasm_bindgen_test]
fn a_malformed_event_is_a_js_error_with_a_readable_message() {
    let err = validate(js(r#"{"name":"p","metrics":{"m":"x"}}"#));
    assert_eq!(
        message(err.unwrap_err()),
        "journey-attribution: invalid event: metrics.m must be a number"
    );
    let err = validate(JsValue::from_str("purchase")).unwrap_err();
    assert!(message(err).contains("expected an object"));
}

#[wasm_bindgen_test]
fn validates_against_pinpoint_limits() {
    let ok: Array = validate(js(r#"{"name":"ok"}"#)).unwrap();
    assert_eq!(ok.length(), 0);
    let bad = validate(js(r#"{"name":""}"#)).unwrap();
    let text = JSON::stringify(&bad).unwrap().as_string().unwrap();
    assert_eq!(text, r#"[{"field":"name","reason":"is empty"}]"#);
    assert!(bad.get(0).is_instance_of::<Object>());
}
