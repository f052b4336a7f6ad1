//! `validateEvent` for the npm subpath `journey-attribution/validate`: the core's
//! `validate_event` (Pinpoint's limits) over an event `wasm/js/validate-core.js` read.

use journey_attribution_core::{AnalyticsEvent, Violation, validate_event};
use wasm_bindgen::prelude::*;

// lol_alloc as the allocator (see that crate).
use journey_attribution_wasm_globals as _;

// `AnalyticsEvent` is the stamping module's type, declared once (both ship in one package).
#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
import type { AnalyticsEvent } from './journey_attribution_wasm.js';
export type { AnalyticsEvent };

/** One way an event breaks Pinpoint's limits. */
export interface Violation {
  field: string;
  reason: string;
}
"#;

/// @internal Lists the ways an event breaks Pinpoint's limits (the core's
/// `validate_event`), as `[field, reason, field, reason, ...]`, for an event already read
/// by `wasm/js/event-shape.js` (the JS types of its fields checked there, once for
/// stamping and for this): its name, and its attributes and metrics as parallel arrays.
/// `wasm/js/validate-core.js` makes the `Violation` objects.
#[wasm_bindgen(js_name = validateEvent)]
pub fn validate(
    name: String,
    attribute_keys: Vec<String>,
    attribute_values: Vec<String>,
    metric_keys: Vec<String>,
    metric_values: Vec<f64>,
) -> Vec<String> {
    // Inserted one by one: `collect` into a `BTreeMap` links a stable sort and its bulk
    // build, 2 KB gzip more.
    let mut event = AnalyticsEvent {
        name,
        ..AnalyticsEvent::default()
    };
    for (key, value) in attribute_keys.into_iter().zip(attribute_values) {
        event.attributes.insert(key, value);
    }
    for (key, value) in metric_keys.into_iter().zip(metric_values) {
        event.metrics.insert(key, value);
    }
    validate_event(&event)
        .into_iter()
        .flat_map(|Violation { field, reason }| [field, reason])
        .collect()
}

/// @internal The holdout arm (`journey_attribution_core::holdout::assign`) for the npm
/// subpath `journey-attribution/holdout`, which `wasm/js/holdout-core.js` wraps. It shares
/// this module rather than having one of its own: a Node sender that holds users out is a
/// server, where the module's 13 KB do not matter, and the stamping module stays as it is.
/// The holdout comes as the text of a percentage (`String(10)`, `String(2.5)`), so that
/// the core, not JS, decides what is a valid one. The exposure line is assembled in JS
/// (`holdout-core.js`): serialising the core's `Exposure` here would link serde_json's
/// writer and float printing; the npm test checks the JS line against the core's, through
/// `tests/fixtures/holdout-golden.json`'s `exposure`.
#[wasm_bindgen(js_name = assignArm)]
pub fn assign_arm(
    salt: &str,
    campaign_id: &str,
    user_id: &str,
    holdout_percent: &str,
) -> Result<String, JsError> {
    let holdout = journey_attribution_core::holdout::Holdout::parse_percent(holdout_percent)
        .map_err(|e| JsError::new(&e.to_string()))?;
    Ok(
        journey_attribution_core::holdout::assign(salt, campaign_id, user_id, holdout)
            .as_str()
            .into(),
    )
}
