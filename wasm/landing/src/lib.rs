//! The landing capture for the npm package: a message link's parameters (`ja`,
//! `utm_campaign`, `utm_id`, URL-decoded by the browser's `URLSearchParams`) to the landing
//! touch, a `custom:campaign`-format token the stamping module merges per event (the
//! core's `landing`). Loaded only by pages whose address carries one of the parameters.
//!
//! Built `no_std` for npm like the stamping module, for the same reasons (see
//! `wasm/stamp/src/lib.rs`).
#![cfg_attr(feature = "bundle", no_std)]

extern crate alloc;

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use journey_attribution_core::Token;
use journey_attribution_core::landing;
use journey_attribution_core::window::LookbackWindows;
use wasm_bindgen::prelude::*;

// The `bundle` build's panic handler and allocator (see that crate).
#[cfg(feature = "bundle")]
use journey_attribution_wasm_globals as _;

fn error(context: &str, detail: &str) -> JsError {
    let mut message = String::from("journey-attribution: ");
    message.push_str(context);
    message.push_str(": ");
    message.push_str(detail);
    JsError::new(&message)
}

/// @internal The landing touch of a page whose address has these parameters (the core's
/// `landing::from_params`), landing at `now` (epoch ms) under the lookback windows
/// `window` / `windows` (`LOOKBACK_WINDOW` / `LOOKBACK_WINDOWS` syntax; absent: 30 days):
/// `[token, ignored]`, the landing touch as a `custom:campaign` token (`""` when the address
/// carries none) and the message of a parameter ignored as malformed (`""` when none).
/// Throws on malformed windows or a non-finite `now`.
#[wasm_bindgen(js_name = landingToken, skip_typescript)]
pub fn landing_token(
    ja: Option<String>,
    utm_campaign: Option<String>,
    utm_id: Option<String>,
    window: Option<String>,
    windows: Option<String>,
    now: f64,
) -> Result<Vec<String>, JsError> {
    if !now.is_finite() {
        return Err(error(
            "invalid nowMs",
            "expected a finite epoch-millisecond number",
        ));
    }
    // Saturating float-to-int cast: far-future/past values clamp, they never wrap.
    let now = now as i64;
    let windows = LookbackWindows::parse(window.as_deref(), windows.as_deref())
        .map_err(|e| error("invalid windows", &e.message()))?;
    let found = landing::from_params(ja.as_deref(), utm_campaign.as_deref(), utm_id.as_deref());
    // A link whose fields would not fit Cognito's 2048 bytes is ignored: the attribute
    // could never hold it either.
    let token = found
        .link
        .and_then(|link| {
            Token::V1(landing::landing_campaign(&link, now, &windows))
                .encode()
                .ok()
        })
        .unwrap_or_default();
    let ignored = found.ignored.map(|e| e.message()).unwrap_or_default();
    Ok(vec![token, ignored])
}
