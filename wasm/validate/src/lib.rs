//! `validateEvent` for the npm subpath `journey-attribution/validate`: the core's
//! `validate_event` (Pinpoint's limits) over an event read from JS with `js-sys`.

use std::collections::BTreeMap;

use journey_attribution_core::{AnalyticsEvent, Violation, validate_event};
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

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

fn error(detail: &str) -> JsError {
    JsError::new(&["journey-attribution: invalid event: ", detail].concat())
}

fn get(target: &JsValue, key: &str) -> JsValue {
    // `Reflect.get` only fails on a non-object target, which every caller has ruled out.
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `[key, value]` pairs of a plain object field (`attributes`, `metrics`); absent is empty.
fn entries(
    event: &JsValue,
    field: &str,
    mut each: impl FnMut(String, JsValue) -> Result<(), JsError>,
) -> Result<(), JsError> {
    let value = get(event, field);
    if value.is_null() || value.is_undefined() {
        return Ok(());
    }
    if !value.is_object() || Array::is_array(&value) {
        return Err(error(&[field, " must be an object"].concat()));
    }
    for pair in Object::entries(value.unchecked_ref()).iter() {
        let pair: Array = pair.unchecked_into();
        let key = pair.get(0).as_string().unwrap_or_default();
        each(key, pair.get(1))?;
    }
    Ok(())
}

fn read_event(event: &JsValue) -> Result<AnalyticsEvent, JsError> {
    if !event.is_object() {
        return Err(error("expected an object { name, attributes?, metrics? }"));
    }
    let name = get(event, "name")
        .as_string()
        .ok_or_else(|| error("name must be a string"))?;
    let mut attributes = BTreeMap::new();
    entries(event, "attributes", |key, value| {
        let value = value
            .as_string()
            .ok_or_else(|| error(&["attributes.", &key, " must be a string"].concat()))?;
        attributes.insert(key, value);
        Ok(())
    })?;
    let mut metrics = BTreeMap::new();
    entries(event, "metrics", |key, value| {
        let value = value
            .as_f64()
            .ok_or_else(|| error(&["metrics.", &key, " must be a number"].concat()))?;
        metrics.insert(key, value);
        Ok(())
    })?;
    Ok(AnalyticsEvent {
        name,
        attributes,
        metrics,
    })
}

fn violation_to_js(v: &Violation) -> Result<JsValue, JsError> {
    let out = Object::new();
    for (key, value) in [("field", &v.field), ("reason", &v.reason)] {
        Reflect::set(&out, &JsValue::from_str(key), &JsValue::from_str(value))
            .map_err(|_| JsError::new("journey-attribution: internal conversion"))?;
    }
    Ok(out.into())
}

/// Lists the ways `event` breaks Pinpoint's limits (empty when it is fine).
#[wasm_bindgen(js_name = validateEvent, unchecked_return_type = "Violation[]")]
pub fn validate(
    #[wasm_bindgen(unchecked_param_type = "AnalyticsEvent")] event: JsValue,
) -> Result<Array, JsError> {
    validate_event(&read_event(&event)?)
        .iter()
        .map(violation_to_js)
        .collect()
}
