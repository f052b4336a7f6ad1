//! The bindings as JS sees them, run by `wasm-bindgen-test-runner` under Node, and in
//! headless Chromium with `WASM_BINDGEN_USE_BROWSER=1` (see scripts/test.d/40-npm.sh).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used)]

use std::cell::RefCell;

use journey_attribution_wasm::{
    Stamper, TOKEN_NONE, TOKEN_STRING, TOKEN_UNREADABLE, decode_token, encode_token,
    stamp_attributes, stamp_statuses,
};
use js_sys::JSON;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

const LIVE: &str = "ja1|app-1|j-1|1699990000000|1702592001|Spring sale";
const NOW: f64 = 1_700_000_000_000.0;

fn json(value: &JsValue) -> String {
    JSON::stringify(value).unwrap().as_string().unwrap()
}

fn message(err: wasm_bindgen::JsError) -> String {
    let value: JsValue = err.into();
    let error: js_sys::Error = value.dyn_into().unwrap();
    error.message().as_string().unwrap()
}

thread_local! {
    // The page's one stamper, as wasm/js/core.js holds it.
    static STAMPER: RefCell<Stamper> = RefCell::new(Stamper::new());
}

fn plan(name: &str, keys: u32, app: bool, token: Option<&str>, unreadable: bool) -> String {
    let kind = match (token, unreadable) {
        (_, true) => TOKEN_UNREADABLE,
        (None, _) => TOKEN_NONE,
        (Some(_), _) => TOKEN_STRING,
    };
    let code = STAMPER
        .with_borrow_mut(|s| s.plan(name, keys, app, kind, token.map(str::to_owned), NOW))
        .unwrap();
    stamp_statuses()[code as usize].clone()
}

#[wasm_bindgen_test]
fn plans_with_the_core_decision_and_never_throws_on_a_bad_token() {
    assert_eq!(plan("purchase", 2, false, Some(LIVE), false), "stamped");
    assert_eq!(plan("purchase", 0, false, None, false), "no_attribution");
    assert_eq!(
        plan("purchase", 0, false, Some(""), false),
        "no_attribution"
    );
    assert_eq!(
        plan("purchase", 0, false, Some("ja1|broken"), false),
        "invalid_token"
    );
    assert_eq!(plan("purchase", 0, false, None, true), "invalid_token");
    assert_eq!(
        plan("_session.start", 0, false, None, true),
        "reserved_event"
    );
    assert_eq!(
        plan("purchase", 0, false, Some("ja1|a|j|1|1|Old"), false),
        "expired"
    );
    assert_eq!(
        plan("purchase", 1, true, Some(LIVE), false),
        "app_attributed"
    );
    assert_eq!(plan("purchase", 38, false, Some(LIVE), false), "stamped");
    assert_eq!(
        plan("purchase", 39, false, Some(LIVE), false),
        "too_many_keys"
    );
    // The one-entry token cache follows a change of token.
    assert_eq!(plan("purchase", 0, false, Some(LIVE), false), "stamped");
    assert_eq!(
        plan("purchase", 0, false, Some("ja1|x"), false),
        "invalid_token"
    );
    assert_eq!(plan("purchase", 0, false, Some(LIVE), false), "stamped");
}

#[wasm_bindgen_test]
fn gives_what_a_stamped_event_gets() {
    assert_eq!(stamp_attributes(), ["campaign", "campaign_id"]);
    let values = |token: &str| {
        plan("purchase", 0, false, Some(token), false);
        STAMPER.with_borrow_mut(|s| s.values()).unwrap()
    };
    assert_eq!(values(LIVE), ["Spring sale", "j-1"]);
    assert_eq!(values("OldJourney"), ["OldJourney"]);
    assert!(values("ja1|broken").is_empty());
}

#[wasm_bindgen_test]
fn a_non_finite_now_is_a_js_error_with_a_readable_message() {
    let err = Stamper::new()
        .plan("purchase", 0, false, TOKEN_NONE, None, f64::NAN)
        .unwrap_err();
    assert!(message(err).contains("invalid nowMs"));
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
    let err = decode_token("ja9|x".into()).unwrap_err();
    assert_eq!(
        message(err),
        "journey-attribution: invalid token: token: version \"ja9\" is not supported (this build reads ja1)"
    );
    let err = encode_token(
        JSON::parse(r#"{"journeyId":"j","label":"l","touchedAt":1.5,"expiresAt":1000}"#).unwrap(),
    )
    .unwrap_err();
    assert_eq!(
        message(err),
        "journey-attribution: invalid token input: touchedAt must be an integer (epoch milliseconds)"
    );
}
