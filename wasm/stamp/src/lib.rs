//! WebAssembly bindings over `journey-attribution-core` for the npm package
//! `journey-attribution`.
//!
//! Every JS-facing type and conversion lives here; every rule (token format, expiry,
//! stamping, Pinpoint's limits) stays in the core. Exports are camelCase; a malformed
//! *argument* surfaces as a JS `Error` with a readable message, while a bad *token* is an
//! ordinary outcome (`status: "invalid_token"`) because an app must never lose an event
//! over it. The hand-written wrappers in `wasm/js/` build Amplify's `record` on these.
//!
//! The boundary is written with `Reflect` calls rather than `serde-wasm-bindgen`: the
//! latter pulled in serde's error formatting and with it Rust's float printing, tripling
//! the gzip size of the `.wasm` (figures in BENCHMARKS.md). Every page downloads this
//! module, so nothing here formats (`format!`, `{:?}`): messages are concatenated, and the
//! core's `TokenError::message` is fmt-free too.
//! `validateEvent` lives in a module of its own (`wasm/validate`, the subpath
//! `journey-attribution/validate`).
//!
//! Stamping is the hot path (every analytics event), so it does not convert the event:
//! `wasm/js/core.js` reads the name, counts the keys and checks for `campaign` /
//! `campaign_id`, then makes one call to `Stamper.plan` for the core's decision, and copies
//! the event itself (figures in BENCHMARKS.md).

// The npm build (`--no-default-features --features bundle`, scripts/build-npm.sh) is
// `no_std`, with the panic handler and allocator of `wasm/globals`: std's panic handler
// formats its message even with panic = "abort". Tests and clippy build with std.
#![cfg_attr(feature = "bundle", no_std)]

extern crate alloc;

use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use journey_attribution_core::event::{
    DataShape, EVENT_ID_ATTRIBUTE, FLAT_RESERVED_FIELDS, event_id_fits,
};
use journey_attribution_core::landing::{LINK_PARAMS, landing_wins};
use journey_attribution_core::stamp::{
    CAMPAIGN_ATTRIBUTE, CAMPAIGN_ID_ATTRIBUTE, StampStatus, stamp_decision, stamp_values,
    unreadable_token_decision,
};
use journey_attribution_core::token::DEFAULT_TOKEN_ATTRIBUTE;
use journey_attribution_core::{Campaign, Token};
use wasm_bindgen::prelude::*;

// The `bundle` build's panic handler and allocator (see that crate).
#[cfg(feature = "bundle")]
use journey_attribution_wasm_globals as _;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
/** An Amplify / Pinpoint analytics event. Extra fields (e.g. `immediate`) are kept as is. */
export interface AnalyticsEvent {
  name: string;
  attributes?: Record<string, string>;
  metrics?: Record<string, number>;
  [extra: string]: unknown;
}

/** Why an event was or was not stamped (the core's `StampStatus`). */
export type StampStatus =
  | "stamped"
  | "reserved_event"
  | "no_attribution"
  | "invalid_token"
  | "expired"
  | "app_attributed"
  | "too_many_keys"
  | "value_too_long";

export interface StampResult<E extends AnalyticsEvent = AnalyticsEvent> {
  /** A new event; the input is never mutated. */
  event: E;
  status: StampStatus;
}

/** A decoded `custom:campaign` value. Times are epoch milliseconds. */
export type DecodedToken =
  | {
      legacy: false;
      applicationId: string;
      journeyId: string;
      label: string;
      touchedAt: number;
      expiresAt: number;
    }
  | {
      /** A bare label written before versioned tokens: no journey id, never expires. */
      legacy: true;
      applicationId: null;
      journeyId: null;
      label: string;
      touchedAt: null;
      expiresAt: null;
    };

/** What `encodeToken` takes: a `DecodedToken`, or the fields of a versioned one. */
export type TokenInput =
  | {
      legacy?: false;
      applicationId?: string;
      journeyId: string;
      label: string;
      touchedAt: number;
      /** Epoch milliseconds, a whole number of seconds (the token stores seconds). */
      expiresAt: number;
    }
  | { legacy: true; label: string };
"#;

/// `parts` joined (`[..].concat()` costs 1 KB of generic code in the module).
fn cat(parts: &[&str]) -> String {
    let mut out = String::new();
    for part in parts {
        out.push_str(part);
    }
    out
}

fn error(context: &str, detail: &str) -> JsError {
    JsError::new(&cat(&["journey-attribution: ", context, ": ", detail]))
}

// `Reflect.get`, declared here rather than taken from `js-sys`: js-sys 0.3.107 links its
// JSPI futures runtime, whose waker's `RefCell` panic brings `core::fmt` back (BENCHMARKS.md).
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Reflect, js_name = get, catch)]
    fn reflect_get(target: &JsValue, key: &JsValue) -> Result<JsValue, JsValue>;
    /// `Reflect.set(values, slot, value)`: publishes an attribution's values (see `Stamper`).
    #[wasm_bindgen(js_namespace = Reflect, js_name = set)]
    fn reflect_set(target: &JsValue, key: u32, value: &JsValue) -> bool;
    /// `Array.of(label)`: the values of an attribution without a journey id.
    #[wasm_bindgen(js_namespace = Array, js_name = of)]
    fn array_of_1(label: &str) -> JsValue;
    /// `Array.of(label, journeyId)`.
    #[wasm_bindgen(js_namespace = Array, js_name = of)]
    fn array_of_2(label: &str, journey_id: &str) -> JsValue;
}

fn get(target: &JsValue, key: &str) -> JsValue {
    // `Reflect.get` only fails on a non-object target, which every caller has ruled out.
    reflect_get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn is_absent(value: &JsValue) -> bool {
    value.is_null() || value.is_undefined()
}

fn now_ms(now_ms: f64) -> Result<i64, JsError> {
    if !now_ms.is_finite() {
        return Err(error(
            "invalid nowMs",
            "expected a finite epoch-millisecond number",
        ));
    }
    // Saturating float-to-int cast: far-future/past values clamp, they never wrap.
    Ok(now_ms as i64)
}

/// Every status, in the order of `Stamper.plan`'s codes.
const STATUSES: [StampStatus; 8] = [
    StampStatus::Stamped,
    StampStatus::ReservedEvent,
    StampStatus::NoAttribution,
    StampStatus::InvalidToken,
    StampStatus::Expired,
    StampStatus::AppAttributed,
    StampStatus::TooManyKeys,
    StampStatus::ValueTooLong,
];

/// What a token value decodes to; `Err` when it is unreadable.
type Decoded = Result<Option<Token>, ()>;

/// The attribution a decoded token is, if it is one.
fn attribution_of(d: &Decoded) -> Option<&Token> {
    d.as_ref().ok().and_then(Option::as_ref)
}

/// `[label]` or `[label, journeyId]` (the core's `stamp_values`) as a JS array;
/// `undefined` when the token is no attribution.
fn stamp_values_of(token: Option<&Token>) -> JsValue {
    match token.map(stamp_values) {
        Some((label, Some(journey_id))) => array_of_2(label, journey_id),
        Some((label, None)) => array_of_1(label),
        None => JsValue::UNDEFINED,
    }
}

/// @internal The names of `Stamper.plan`'s status codes, in code order (the core's
/// `StampStatus::as_str`).
#[wasm_bindgen(js_name = stampStatuses)]
pub fn stamp_statuses() -> Vec<String> {
    STATUSES.iter().map(|s| s.as_str().to_owned()).collect()
}

/// @internal The attribute names stamping adds: `[campaign, campaign_id]`.
#[wasm_bindgen(js_name = stampAttributes)]
pub fn stamp_attributes() -> Vec<String> {
    vec![
        CAMPAIGN_ATTRIBUTE.to_owned(),
        CAMPAIGN_ID_ATTRIBUTE.to_owned(),
    ]
}

/// @internal The attribute names the wrappers use besides the stamp's:
/// `[event id, token]`, the attribute they add each event's id in (the core's
/// `EVENT_ID_ATTRIBUTE`) and the user attribute / ID-token claim they read the token from by
/// default (`custom:campaign`).
#[wasm_bindgen(js_name = wrapperAttributes)]
pub fn wrapper_attributes() -> Vec<String> {
    vec![
        EVENT_ID_ATTRIBUTE.to_owned(),
        DEFAULT_TOKEN_ATTRIBUTE.to_owned(),
    ]
}

/// @internal The top-level fields of flat Kinesis / Firehose data that are neither
/// attributes nor metrics (the core's `FLAT_RESERVED_FIELDS`).
#[wasm_bindgen(js_name = flatReservedFields)]
pub fn flat_reserved_fields() -> Vec<String> {
    FLAT_RESERVED_FIELDS
        .iter()
        .map(|f| (*f).to_owned())
        .collect()
}

/// @internal The core's `DataShape::detect`: 0 nested, 1 flat.
#[wasm_bindgen(js_name = dataShape)]
pub fn data_shape(has_attributes_or_metrics: bool, has_other_fields: bool) -> u32 {
    match DataShape::detect(has_attributes_or_metrics, has_other_fields) {
        DataShape::Nested => 0,
        DataShape::Flat => 1,
    }
}

/// `Stamper.plan`'s `token_kind`: no value (`null` / `undefined`).
pub const TOKEN_NONE: u32 = 0;
/// `Stamper.plan`'s `token_kind`: a value that is not a string.
pub const TOKEN_UNREADABLE: u32 = 1;
/// `Stamper.plan`'s `token_kind`: a string, passed as `token`, or `None` for the same string
/// as in the previous call (copying a string into wasm costs more than the decision).
pub const TOKEN_STRING: u32 = 2;

/// `Stamper.plan`'s result: the status code in these bits, [`EVENT_ID_FITS`], and, shifted
/// by [`VALUES_SLOT_SHIFT`], the slot of the values box holding what a stamped event gets:
/// [`TOKEN_SLOT`] or [`LANDING_SLOT`].
pub const STATUS_MASK: u32 = 0x7f;
/// `Stamper.plan`'s result bit: the event, as it will be stamped (or not), can take an event
/// id (the core's `event_id_fits`).
pub const EVENT_ID_FITS: u32 = 0x80;
/// See [`STATUS_MASK`].
pub const VALUES_SLOT_SHIFT: u32 = 8;
/// The values box's slot of the token's values.
pub const TOKEN_SLOT: u32 = 0;
/// The values box's slot of the landing touch's values.
pub const LANDING_SLOT: u32 = 1;

/// @internal The stamping state of a page: the token value last seen and what it decodes
/// to (an app stamps every event with the same value, so it is decoded once, not per
/// event), and the landing touch (made by the `wasm/landing` module, merged here). One
/// instance, made by `wasm/js/core.js`; an exported object rather than a `thread_local!`,
/// which `no_std` does not have. Left out of the generated `.d.ts`, which the package's
/// public types import: a class there is declared with `[Symbol.dispose]`, which a
/// TypeScript app without the `esnext.disposable` lib fails to check (`core.js` types it).
#[wasm_bindgen(skip_typescript)]
#[derive(Debug)]
pub struct Stamper {
    last: Option<(String, Decoded)>,
    landing: Option<Token>,
    /// The JS array `[the token's values, the landing touch's values]` (`[label]` or
    /// `[label, journeyId]`), written when a token is decoded, once per distinct value,
    /// and read by JS at the slot `plan` answers. Returning the values themselves from
    /// `plan` cost a JS value per event: 1,464 against 1,390 ns per `stampEvent`
    /// (BENCHMARKS.md).
    values: JsValue,
}

#[wasm_bindgen]
impl Stamper {
    /// `values`: the array the attributions' values are published in (see `plan`).
    #[wasm_bindgen(constructor)]
    pub fn new(values: JsValue) -> Stamper {
        Stamper {
            last: None,
            landing: None,
            values,
        }
    }

    fn publish(&self, slot: u32, token: Option<&Token>) {
        reflect_set(&self.values, slot, &stamp_values_of(token));
    }

    /// Caches the decoded `value` when it differs from the last one.
    fn remember(&mut self, value: Option<String>) {
        if let Some(value) = value
            && self.last.as_ref().is_none_or(|(last, _)| *last != value)
        {
            let decoded = Token::decode(&value).map_err(|_| ());
            self.publish(TOKEN_SLOT, attribution_of(&decoded));
            self.last = Some((value, decoded));
        }
    }

    /// @internal The core's stamping decision for an event described by `name`,
    /// `key_count` (attributes + metrics) and `app_attributed` (it has `campaign` or
    /// `campaign_id`), with where its values are: the status code (indexing
    /// `stampStatuses()`, under [`STATUS_MASK`]), [`EVENT_ID_FITS`] when the event can take
    /// an event id, and, when it is `stamped`, the slot of the values box holding the
    /// attribution's values, shifted by [`VALUES_SLOT_SHIFT`]. The attribution is the
    /// landing touch when the core's `landing_wins` says so (only `with_landing`: the
    /// wrappers, not the pure `stampEvent`), else the token. `token_kind` says what the
    /// raw `custom:campaign` value is (see [`TOKEN_STRING`]). One call: nothing is kept
    /// between calls but the decoded tokens and their values. Throws only when `now` is
    /// not finite, or for a string kind before any string was passed.
    #[allow(clippy::too_many_arguments)]
    pub fn plan(
        &mut self,
        name: &str,
        key_count: u32,
        app_attributed: bool,
        token_kind: u32,
        token: Option<String>,
        now: f64,
        with_landing: bool,
    ) -> Result<u32, JsError> {
        let now = now_ms(now)?;
        let key_count = usize::try_from(key_count).unwrap_or(usize::MAX);
        if token_kind == TOKEN_STRING {
            self.remember(token);
            if self.last.is_none() {
                return Err(error("internal", "no token value was passed yet"));
            }
        }
        let server: Result<Option<&Token>, ()> = match (token_kind, &self.last) {
            (TOKEN_NONE, _) => Ok(None),
            (TOKEN_STRING, Some((_, decoded))) => {
                decoded.as_ref().map(Option::as_ref).map_err(|_| ())
            }
            _ => Err(()),
        };
        let landing = match &self.landing {
            Some(t @ Token::V1(c))
                if with_landing && landing_wins(server.ok().flatten(), c, now) =>
            {
                Some(t)
            }
            _ => None,
        };
        let (status, slot, token) = match (landing, server) {
            (Some(t), _) => (
                stamp_decision(name, key_count, app_attributed, Some(t), now),
                LANDING_SLOT,
                Some(t),
            ),
            (None, Ok(t)) => (
                stamp_decision(name, key_count, app_attributed, t, now),
                TOKEN_SLOT,
                t,
            ),
            (None, Err(())) => (unreadable_token_decision(name), TOKEN_SLOT, None),
        };
        // The keys the event will have once stamped: the label, and the journey id if any.
        let stamped_keys = match token {
            Some(t) if status == StampStatus::Stamped => 1 + usize::from(t.journey_id().is_some()),
            _ => 0,
        };
        let event_id = if event_id_fits(name, key_count.saturating_add(stamped_keys)) {
            EVENT_ID_FITS
        } else {
            0
        };
        let code = STATUSES.iter().position(|s| *s == status).unwrap_or(0);
        let code = u32::try_from(code).unwrap_or(0);
        Ok(code | event_id | (slot << VALUES_SLOT_SHIFT))
    }

    /// @internal Sets the landing touch (`None` forgets it): one just captured by the
    /// `wasm/landing` module, or kept from an earlier page. Returns its `expiresAt` in epoch
    /// ms, or -1 when `token` is not a versioned token (then forgotten too).
    #[wasm_bindgen(js_name = setLanding)]
    pub fn set_landing(&mut self, token: Option<String>) -> f64 {
        self.landing = match token.as_deref().map(Token::decode) {
            Some(Ok(Some(t @ Token::V1(_)))) => Some(t),
            _ => None,
        };
        self.publish(LANDING_SLOT, self.landing.as_ref());
        match &self.landing {
            Some(t) => t.expires_at_ms().map_or(-1.0, |ms| ms as f64),
            None => -1.0,
        }
    }
}

/// @internal The query parameters a landing touch is read from (the core's `LINK_PARAMS`),
/// for `stripParams`.
#[wasm_bindgen(js_name = linkParams)]
pub fn link_params() -> Vec<String> {
    LINK_PARAMS.iter().map(|p| (*p).to_owned()).collect()
}

fn optional_str(value: Option<&str>) -> JsValue {
    value.map_or(JsValue::NULL, JsValue::from_str)
}

fn optional_ms(value: Option<i64>) -> JsValue {
    // Epoch milliseconds are exact in an f64 for any date a token can carry.
    value.map_or(JsValue::NULL, |ms| JsValue::from_f64(ms as f64))
}

/// @internal Decodes a `custom:campaign` value: `[legacy, applicationId, journeyId, label,
/// touchedAt, expiresAt]` (`null` for what a legacy value lacks), empty when blank; an
/// `Error` naming the problem when malformed. `wasm/js/core.js` names the fields (building
/// the object there costs the module no property-name strings or `Reflect.set` calls).
#[wasm_bindgen(js_name = decodeToken)]
pub fn decode_token(token: JsValue) -> Result<Vec<JsValue>, JsError> {
    if is_absent(&token) {
        return Ok(Vec::new());
    }
    let value = token
        .as_string()
        .ok_or_else(|| error("invalid token", "expected a string"))?;
    let Some(decoded) = Token::decode(&value).map_err(|e| error("invalid token", &e.message()))?
    else {
        return Ok(Vec::new());
    };
    let campaign = decoded.campaign();
    Ok(vec![
        JsValue::from_bool(campaign.is_none()),
        optional_str(campaign.map(|c| c.application_id.as_str())),
        optional_str(decoded.journey_id()),
        JsValue::from_str(decoded.label()),
        optional_ms(campaign.map(|c| c.touched_at_ms)),
        optional_ms(decoded.expires_at_ms()),
    ])
}

fn input_string(input: &JsValue, field: &str) -> Result<Option<String>, JsError> {
    let value = get(input, field);
    if is_absent(&value) {
        return Ok(None);
    }
    value
        .as_string()
        .map(Some)
        .ok_or_else(|| error("invalid token input", &cat(&[field, " must be a string"])))
}

fn input_integer(input: &JsValue, field: &str) -> Result<i64, JsError> {
    match get(input, field).as_f64() {
        // A whole number within ±(2^53 - 1) (no `f64::fract` in `no_std`).
        Some(v)
            if (-9_007_199_254_740_991.0..=9_007_199_254_740_991.0).contains(&v)
                && (v as i64) as f64 == v =>
        {
            Ok(v as i64)
        }
        _ => Err(error(
            "invalid token input",
            &cat(&[field, " must be an integer (epoch milliseconds)"]),
        )),
    }
}

fn required(value: Option<String>, field: &str) -> Result<String, JsError> {
    value.ok_or_else(|| error("invalid token input", &cat(&[field, " is required"])))
}

/// Encodes a `custom:campaign` value from `decodeToken`'s shape (round-trips exactly).
#[wasm_bindgen(js_name = encodeToken)]
pub fn encode_token(
    #[wasm_bindgen(unchecked_param_type = "TokenInput")] input: JsValue,
) -> Result<String, JsError> {
    if !input.is_object() {
        return Err(error("invalid token input", "expected an object"));
    }
    let label = required(input_string(&input, "label")?, "label")?;
    let token = if get(&input, "legacy").as_bool() == Some(true) {
        Token::Legacy { label }
    } else {
        let expires_at_ms = input_integer(&input, "expiresAt")?;
        if expires_at_ms % 1000 != 0 {
            return Err(error(
                "invalid token input",
                "expiresAt must be whole seconds (the token stores epoch seconds)",
            ));
        }
        Token::V1(Campaign {
            application_id: input_string(&input, "applicationId")?.unwrap_or_default(),
            journey_id: required(input_string(&input, "journeyId")?, "journeyId")?,
            label,
            touched_at_ms: input_integer(&input, "touchedAt")?,
            expires_at_s: expires_at_ms / 1000,
        })
    };
    let encoded = token
        .encode()
        .map_err(|e| error("invalid token input", &e.message()))?;
    // Only what reads back as the same token is one: e.g. an empty journey id, a blank
    // label, or a legacy label that looks versioned would not.
    match Token::decode(&encoded) {
        Ok(Some(back)) if back == token => Ok(encoded),
        Ok(_) => Err(error(
            "invalid token input",
            "it does not read back as the same token (blank or versioned-looking label?)",
        )),
        Err(e) => Err(error("invalid token input", &e.message())),
    }
}
