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
#[wasm_bindgen(js_name = validateEvent, skip_typescript)]
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
