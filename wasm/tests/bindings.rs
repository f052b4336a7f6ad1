//! The bindings as JS sees them, run by `wasm-bindgen-test-runner` under Node, and in
//! headless Chromium with `WASM_BINDGEN_USE_BROWSER=1` (see scripts/test.d/40-npm.sh).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used)]

use journey_attribution_wasm::{
    decode_token, encode_token, stamp_event, stamp_event_detailed, validate,
};
use js_sys::{Array, JSON, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

const LIVE: &str = "ja1|app-1|j-1|1699990000000|1702592001|Spring sale";
const NOW: f64 = 1_700_000_000_000.0;

fn js(json: &str) -> JsValue {
    JSON::parse(json).unwrap()
}

fn json(value: &JsValue) -> String {
    JSON::stringify(value).unwrap().as_string().unwrap()
}

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &key.into()).unwrap()
}

fn message(err: wasm_bindgen::JsError) -> String {
    let value: JsValue = err.into();
    let error: js_sys::Error = value.dyn_into().unwrap();
    error.message().as_string().unwrap()
}

#[wasm_bindgen_test]
fn stamps_a_copy_and_keeps_unknown_fields() {
    let input = js(r#"{"name":"purchase","attributes":{"sku":"a"},"immediate":true}"#);
    let out = stamp_event(input.clone(), LIVE.into(), Some(NOW)).unwrap();
    assert_eq!(
        json(&out),
        r#"{"name":"purchase","attributes":{"campaign":"Spring sale","campaign_id":"j-1","sku":"a"},"immediate":true}"#
    );
    assert_eq!(
        json(&input),
        r#"{"name":"purchase","attributes":{"sku":"a"},"immediate":true}"#
    );
}

#[wasm_bindgen_test]
fn reports_the_status_and_never_throws_on_a_bad_token() {
    let event = js(r#"{"name":"purchase"}"#);
    let status = |token: JsValue| {
        let out = stamp_event_detailed(event.clone(), token, Some(NOW)).unwrap();
        get(&out, "status").as_string().unwrap()
    };
    assert_eq!(status(LIVE.into()), "stamped");
    assert_eq!(status(JsValue::UNDEFINED), "no_attribution");
    assert_eq!(status("ja1|broken".into()), "invalid_token");
    assert_eq!(status(JsValue::from_f64(7.0)), "invalid_token");
    assert_eq!(status("ja1|a|j|1|1|Old".into()), "expired");
}

#[wasm_bindgen_test]
fn a_malformed_event_is_a_js_error_with_a_readable_message() {
    let err = stamp_event(js(r#"{"name":"p","metrics":{"m":"x"}}"#), JsValue::NULL, None);
    assert_eq!(
        message(err.unwrap_err()),
        "journey-attribution: invalid event: metrics.m must be a number"
    );
    let err = stamp_event(JsValue::from_str("purchase"), JsValue::NULL, None).unwrap_err();
    assert!(message(err).contains("expected an object"));
}

#[wasm_bindgen_test]
fn decodes_to_epoch_milliseconds_and_encodes_back() {
    let decoded = decode_token(LIVE.into()).unwrap();
    assert_eq!(
        json(&decoded),
        r#"{"legacy":false,"applicationId":"app-1","journeyId":"j-1","label":"Spring sale","touchedAt":1699990000000,"expiresAt":1702592001000}"#
    );
    assert_eq!(encode_token(decoded).unwrap(), LIVE);
    assert!(decode_token("".into()).unwrap().is_null());
    let err = decode_token("ja1|x".into()).unwrap_err();
    assert_eq!(
        message(err),
        "journey-attribution: invalid token: token: expected 6 fields separated by '|', found 2"
    );
}

#[wasm_bindgen_test]
fn validates_against_pinpoint_limits() {
    let ok: Array = validate(js(r#"{"name":"ok"}"#)).unwrap();
    assert_eq!(ok.length(), 0);
    let bad = validate(js(r#"{"name":""}"#)).unwrap();
    assert_eq!(json(&bad), r#"[{"field":"name","reason":"is empty"}]"#);
    assert!(bad.get(0).is_instance_of::<Object>());
}
