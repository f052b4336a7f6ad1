//! The landing capture for the npm package: the parameters of a page's query (URL-decoded
//! by the browser's `URLSearchParams`) to the landing touch, a `custom:campaign`-format
//! token the stamping module merges per event (the core's `landing`: which parameters, and
//! which UTM links count). Loaded only by pages whose address carries a link's parameters.
//!
//! Built `no_std` for npm like the stamping module, for the same reasons (see
//! `wasm/stamp/src/lib.rs`).
#![cfg_attr(feature = "bundle", no_std)]

extern crate alloc;

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use journey_attribution_core::Token;
use journey_attribution_core::landing::{self, LinkQuery, UtmPolicy};
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

/// @internal The landing touch of a page whose query is `pairs` (`[key, value, key, value,
/// ...]`, as `URLSearchParams` iterates them; the core's `LinkQuery::from_pairs` picks what
/// it reads), landing at `now` (epoch ms) under the lookback windows `window` / `windows`
/// (`LOOKBACK_WINDOW` / `LOOKBACK_WINDOWS` syntax; absent: 30 days). UTM parameters count
/// when `any_utm`, else when their `utm_medium` or `utm_source` is one of `channels`
/// (absent: the core's `DEFAULT_UTM_CHANNELS`). Answers `[token, ignored]`: the landing
/// touch as a `custom:campaign` token (`""` when the address carries none) and the message
/// of a parameter ignored as malformed (`""` when none). Throws on malformed windows or a
/// non-finite `now`.
#[wasm_bindgen(js_name = landingToken)]
pub fn landing_token(
    pairs: Vec<String>,
    channels: Option<Vec<String>>,
    any_utm: bool,
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
    let query = LinkQuery::from_pairs(
        pairs
            .chunks_exact(2)
            .map(|kv| (kv[0].as_str(), kv[1].as_str())),
    );
    let channels: Option<Vec<&str>> = channels
        .as_ref()
        .map(|c| c.iter().map(String::as_str).collect());
    let policy = match (&channels, any_utm) {
        (_, true) => UtmPolicy::Any,
        (Some(c), false) => UtmPolicy::Channels(c),
        (None, false) => UtmPolicy::default(),
    };
    let found = landing::from_query(&query, policy);
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
