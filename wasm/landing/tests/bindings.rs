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

/// A query's pairs as `URLSearchParams` gives them, flattened.
fn pairs(query: &[(&str, &str)]) -> Vec<String> {
    query
        .iter()
        .flat_map(|(k, v)| [(*k).to_owned(), (*v).to_owned()])
        .collect()
}

#[wasm_bindgen_test]
fn makes_the_landing_touch_under_the_window_and_names_what_it_ignores() {
    let utm = pairs(&[
        ("utm_source", "email"),
        ("utm_campaign", "Spring sale"),
        ("utm_id", "j-1"),
    ]);
    let out = landing_token(utm, None, false, some("1d"), None, NOW).unwrap();
    assert_eq!(out, ["ja1||j-1|1700000000000|1700086400|Spring sale", ""]);
    let ja = pairs(&[("ja", "1|app-1|j-9|Sale")]);
    let out = landing_token(ja, None, false, some("30d"), some("app-1=1h"), NOW).unwrap();
    assert_eq!(out, ["ja1|app-1|j-9|1700000000000|1700003600|Sale", ""]);
    let out = landing_token(pairs(&[("ja", "2|a|b|c")]), None, false, None, None, NOW).unwrap();
    assert_eq!(out, ["", "link parameter ja: version is not 1"]);
    let x = pairs(&[("utm_campaign", "x"), ("utm_medium", "sms")]);
    let err = landing_token(x, None, false, some("30s"), None, NOW).unwrap_err();
    assert!(
        message(err).starts_with("journey-attribution: invalid windows: lookback window \"30s\"")
    );
    assert!(landing_token(Vec::new(), None, false, None, None, f64::NAN).is_err());
}

#[wasm_bindgen_test]
fn counts_utm_links_from_the_channels_it_is_given() {
    let ad = || {
        pairs(&[
            ("utm_medium", "cpc"),
            ("utm_campaign", "Ad"),
            ("utm_id", "j-ad"),
        ])
    };
    // By default an ad's link is no touch; given its channel, or any UTM, it is.
    assert_eq!(
        landing_token(ad(), None, false, None, None, NOW).unwrap(),
        ["", ""]
    );
    let cpc = Some(vec!["cpc".to_owned()]);
    let with_cpc = landing_token(ad(), cpc, false, None, None, NOW).unwrap();
    assert!(with_cpc[0].starts_with("ja1||j-ad|"), "{with_cpc:?}");
    let any = landing_token(ad(), Some(Vec::new()), true, None, None, NOW).unwrap();
    assert_eq!(any, with_cpc);
    // The app's own list replaces the default one.
    let email = pairs(&[("utm_medium", "email"), ("utm_campaign", "Spring")]);
    let own = Some(vec!["newsletter".to_owned()]);
    assert_eq!(
        landing_token(email.clone(), own, false, None, None, NOW).unwrap(),
        ["", ""]
    );
    // Without utm_id the id is utm:<label>.
    let out = landing_token(email, None, false, some("1d"), None, NOW).unwrap();
    assert_eq!(out, ["ja1||utm:Spring|1700000000000|1700086400|Spring", ""]);
}
