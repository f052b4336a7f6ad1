//! The bindings as JS sees them, run by `wasm-bindgen-test-runner` under Node, and in
//! headless Chromium with `WASM_BINDGEN_USE_BROWSER=1` (see scripts/test.d/40-npm.sh).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used)]

use std::cell::RefCell;

use journey_attribution_wasm::{
    EVENT_ID_FITS, STATUS_MASK, Stamper, TOKEN_NONE, TOKEN_STRING, TOKEN_UNREADABLE,
    VALUES_SLOT_SHIFT, decode_token, encode_token, stamp_attributes, stamp_statuses,
    wrapper_attributes,
};
use js_sys::JSON;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

const LIVE: &str = "ja1|app-1|j-1|1699990000000|1702592001|Spring sale";
const NOW: f64 = 1_700_000_000_000.0;
/// What `plan` answers for an event `LIVE` stamps.
const STAMPED_LIVE: &str = r#"stamped ["Spring sale","j-1"]"#;

fn json(value: &JsValue) -> String {
    JSON::stringify(value).unwrap().as_string().unwrap()
}

fn message(err: wasm_bindgen::JsError) -> String {
    let value: JsValue = err.into();
    let error: js_sys::Error = value.dyn_into().unwrap();
    error.message().as_string().unwrap()
}

/// A stamper with its values box, as wasm/js/core.js makes them.
fn stamper() -> (Stamper, js_sys::Array) {
    let values = js_sys::Array::new();
    (Stamper::new(values.clone().into()), values)
}

thread_local! {
    // The page's one stamper, as wasm/js/core.js holds it.
    static STAMPER: RefCell<(Stamper, js_sys::Array)> = RefCell::new(stamper());
}

fn plan(name: &str, keys: u32, app: bool, token: Option<&str>, unreadable: bool) -> String {
    let kind = match (token, unreadable) {
        (_, true) => TOKEN_UNREADABLE,
        (None, _) => TOKEN_NONE,
        (Some(_), _) => TOKEN_STRING,
    };
    STAMPER.with_borrow_mut(|(s, values)| {
        let planned = s
            .plan(name, keys, app, kind, token.map(str::to_owned), NOW, false)
            .unwrap();
        outcome(planned, values)
    })
}

/// `plan`'s answer: the status its code names, and for `stamped` the values at its slot.
fn outcome(planned: u32, values: &js_sys::Array) -> String {
    let status = stamp_statuses()[(planned & STATUS_MASK) as usize].clone();
    if status == "stamped" {
        format!(
            "stamped {}",
            json(&values.get(planned >> VALUES_SLOT_SHIFT))
        )
    } else {
        status
    }
}

#[wasm_bindgen_test]
fn plans_with_the_core_decision_and_never_throws_on_a_bad_token() {
    assert_eq!(plan("purchase", 2, false, Some(LIVE), false), STAMPED_LIVE);
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
    assert_eq!(plan("purchase", 38, false, Some(LIVE), false), STAMPED_LIVE);
    assert_eq!(
        plan("purchase", 39, false, Some(LIVE), false),
        "too_many_keys"
    );
    // The one-entry token cache follows a change of token.
    assert_eq!(plan("purchase", 0, false, Some(LIVE), false), STAMPED_LIVE);
    assert_eq!(
        plan("purchase", 0, false, Some("ja1|x"), false),
        "invalid_token"
    );
    assert_eq!(plan("purchase", 0, false, Some(LIVE), false), STAMPED_LIVE);
}

#[wasm_bindgen_test]
fn gives_what_a_stamped_event_gets() {
    assert_eq!(stamp_attributes(), ["campaign", "campaign_id"]);
    // The values come with the decision, in the same call.
    let values = |token: &str| plan("purchase", 0, false, Some(token), false);
    assert_eq!(values(LIVE), STAMPED_LIVE);
    assert_eq!(values("OldJourney"), r#"stamped ["OldJourney"]"#);
    assert_eq!(values("ja1|broken"), "invalid_token");
    // A second event with the same token gets the same values (decoded once).
    assert_eq!(values(LIVE), STAMPED_LIVE);
}

#[wasm_bindgen_test]
fn says_whether_an_event_id_fits_the_event_as_stamped() {
    assert_eq!(wrapper_attributes(), ["event_id", "custom:campaign"]);
    let fits = |name: &str, keys: u32, token: Option<&str>| {
        let kind = if token.is_some() {
            TOKEN_STRING
        } else {
            TOKEN_NONE
        };
        let (mut s, _) = stamper();
        let planned = s
            .plan(
                name,
                keys,
                false,
                kind,
                token.map(str::to_owned),
                NOW,
                false,
            )
            .unwrap();
        planned & EVENT_ID_FITS != 0
    };
    // Unstamped: 39 keys leave room for it, 40 do not.
    assert!(fits("purchase", 39, None));
    assert!(!fits("purchase", 40, None));
    // Stamped with label and journey id: 37 + 2 leave room, 38 + 2 do not.
    assert!(fits("purchase", 37, Some(LIVE)));
    assert!(!fits("purchase", 38, Some(LIVE)));
    // A legacy token stamps the label only.
    assert!(fits("purchase", 38, Some("OldJourney")));
    // Pinpoint's own events never get one.
    assert!(!fits("_session.start", 0, None));
}

#[wasm_bindgen_test]
fn a_non_finite_now_is_a_js_error_with_a_readable_message() {
    let err = stamper()
        .0
        .plan("purchase", 0, false, TOKEN_NONE, None, f64::NAN, false)
        .unwrap_err();
    assert!(message(err).contains("invalid nowMs"));
}

#[wasm_bindgen_test]
fn decodes_to_epoch_milliseconds_and_encodes_back() {
    let decoded = decode_token(LIVE.into()).unwrap();
    assert_eq!(
        json(&decoded.into_iter().collect::<js_sys::Array>().into()),
        r#"[false,"app-1","j-1","Spring sale",1699990000000,1702592001000]"#
    );
    let input = JSON::parse(
        r#"{"legacy":false,"applicationId":"app-1","journeyId":"j-1","label":"Spring sale","touchedAt":1699990000000,"expiresAt":1702592001000}"#,
    )
    .unwrap();
    assert_eq!(encode_token(input).unwrap(), LIVE);
    assert!(decode_token("".into()).unwrap().is_empty());
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

#[wasm_bindgen_test]
fn a_landing_touch_stamps_while_it_is_the_newest_live_attribution() {
    let (mut s, values) = stamper();
    // Landing at NOW under a 1-day window, as the landing module makes it.
    let token = "ja1||j-land|1700000000000|1700086400|Spring sale";
    assert_eq!(s.set_landing(Some(token.into())), 1_700_086_400_000.0);
    let code = |s: &mut Stamper, kind, token: Option<&str>, now, landing| {
        s.plan(
            "purchase",
            0,
            false,
            kind,
            token.map(str::to_owned),
            now,
            landing,
        )
        .unwrap()
    };
    let landing = r#"stamped ["Spring sale","j-land"]"#;
    // Signed out: the landing touch stamps; the pure API ignores it.
    let planned = code(&mut s, TOKEN_NONE, None, NOW + 1.0, true);
    assert_eq!(outcome(planned, &values), landing);
    assert_eq!(
        outcome(code(&mut s, TOKEN_NONE, None, NOW + 1.0, false), &values),
        "no_attribution"
    );
    // An older server token loses; an unreadable one too.
    assert_eq!(
        outcome(
            code(&mut s, TOKEN_STRING, Some(LIVE), NOW + 1.0, true),
            &values
        ),
        landing
    );
    assert_eq!(
        outcome(
            code(&mut s, TOKEN_UNREADABLE, None, NOW + 1.0, true),
            &values
        ),
        landing
    );
    // A landing event that is not stamped gets its status, not the values.
    assert_eq!(
        outcome(
            s.plan("purchase", 1, true, TOKEN_NONE, None, NOW + 1.0, true)
                .unwrap(),
            &values
        ),
        "app_attributed"
    );
    // A newer server token wins.
    let newer = "ja1|app-1|j-new|1700000000001|1702592001|Newer";
    assert_eq!(
        outcome(
            code(&mut s, TOKEN_STRING, Some(newer), NOW + 2.0, true),
            &values
        ),
        r#"stamped ["Newer","j-new"]"#
    );
    // Past the window the landing touch never stamps.
    let later = NOW + 86_400_000.0;
    assert_eq!(
        outcome(code(&mut s, TOKEN_NONE, None, later, true), &values),
        "no_attribution"
    );
    // Only versioned tokens are landing touches.
    assert_eq!(s.set_landing(Some("Legacy".into())), -1.0);
    assert_eq!(
        outcome(code(&mut s, TOKEN_NONE, None, NOW + 1.0, true), &values),
        "no_attribution"
    );
    assert_eq!(s.set_landing(None), -1.0);
}
