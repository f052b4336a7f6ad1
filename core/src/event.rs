//! A custom analytics event as an app records it, and Pinpoint's limits on it.

#[allow(unused_imports)]
use crate::prelude::*;

use alloc::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Pinpoint drops an event that breaks these; see DESIGN.md.
pub const MAX_KEYS: usize = 40;
pub const MAX_KEY_CHARS: usize = 50;
pub const MAX_VALUE_CHARS: usize = crate::touch::MAX_ATTRIBUTE_VALUE_CHARS;
pub const MAX_EVENT_TYPE_CHARS: usize = 50;

/// The attribute holding an event's id, which the npm wrappers add to every custom event
/// they record (a UUID v4) unless the app set one, so that a redelivered or re-sent event
/// counts once in the report. In the attributes of a Pinpoint or nested Amplify event; at
/// the top level of flat Kinesis / Firehose data, as every attribute there.
pub const EVENT_ID_ATTRIBUTE: &str = "event_id";

/// Whether an event named `event_name` with `key_count` attributes + metrics (the stamp
/// included) can take an [`EVENT_ID_ATTRIBUTE`] it does not have yet: never on Pinpoint's
/// own events, and only within Pinpoint's 40 keys (one more would make it drop the event).
/// The key (8 characters) and a UUID (36) are within the key and value limits.
pub fn event_id_fits(event_name: &str, key_count: usize) -> bool {
    !is_reserved_event_type(event_name) && key_count < MAX_KEYS
}

/// Amplify's `{ name, attributes, metrics }`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AnalyticsEvent {
    pub name: String,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub metrics: BTreeMap<String, f64>,
}

impl AnalyticsEvent {
    pub fn key_count(&self) -> usize {
        self.attributes.len() + self.metrics.len()
    }

    /// Pinpoint's own events (`_session.start`, `_email.click`, ...).
    pub fn is_reserved(&self) -> bool {
        is_reserved_event_type(&self.name)
    }
}

pub fn is_reserved_event_type(name: &str) -> bool {
    name.starts_with('_')
}

/// How the `data` of an Amplify Kinesis / Firehose record holds an event's fields. Amplify's
/// Pinpoint migration guide records flat data (`{ name: 'albumVisit', genre: 'jazz',
/// minutesListened: 30 }`); the Pinpoint shape nests them (`{ name, attributes, metrics }`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataShape {
    /// `{ name, attributes?, metrics? }`: stamping adds to `attributes`.
    Nested,
    /// `{ name, <field>: <string | number | anything>, ... }`: string fields are the
    /// attributes, number fields the metrics (`name` and `timestamp` are neither); stamping
    /// adds `campaign` / `campaign_id` at the top level.
    Flat,
}

/// The fields of flat data that are not attributes or metrics.
pub const FLAT_RESERVED_FIELDS: [&str; 2] = ["name", "timestamp"];

impl DataShape {
    /// The shape of one record's data, detected from its top-level keys: nested when it has
    /// an `attributes` or a `metrics` key, or no field but `name` / `timestamp` (so a bare
    /// `{ name }` keeps today's nested stamping); flat otherwise.
    pub fn detect(has_attributes_or_metrics: bool, has_other_fields: bool) -> Self {
        if has_attributes_or_metrics || !has_other_fields {
            Self::Nested
        } else {
            Self::Flat
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// `name`, `attributes.<key>`, `metrics.<key>`, or `attributes+metrics`.
    pub field: String,
    pub reason: String,
}

/// Every way `event` breaks Pinpoint's limits; empty when Pinpoint would accept it.
pub fn validate_event(event: &AnalyticsEvent) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut push = |field: String, reason: String| out.push(Violation { field, reason });
    let name_chars = crate::touch::pinpoint_len(&event.name);
    if event.name.trim().is_empty() {
        push("name".into(), "is empty".into());
    } else if name_chars > MAX_EVENT_TYPE_CHARS {
        push(
            "name".into(),
            format!("{name_chars} characters, over the limit of {MAX_EVENT_TYPE_CHARS}"),
        );
    }
    if event.key_count() > MAX_KEYS {
        push(
            "attributes+metrics".into(),
            format!(
                "{} keys, over the limit of {MAX_KEYS} attributes and metrics together",
                event.key_count()
            ),
        );
    }
    let keys = event
        .attributes
        .keys()
        .map(|k| ("attributes", k))
        .chain(event.metrics.keys().map(|k| ("metrics", k)));
    for (kind, key) in keys {
        let n = crate::touch::pinpoint_len(key);
        if key.is_empty() {
            push(format!("{kind}.{key}"), "empty key".into());
        } else if n > MAX_KEY_CHARS {
            push(
                format!("{kind}.{key}"),
                format!("key of {n} characters, over the limit of {MAX_KEY_CHARS}"),
            );
        }
    }
    for (key, value) in &event.attributes {
        let n = crate::touch::pinpoint_len(value);
        if n > MAX_VALUE_CHARS {
            push(
                format!("attributes.{key}"),
                format!("value of {n} characters, over the limit of {MAX_VALUE_CHARS}"),
            );
        }
    }
    for (key, value) in &event.metrics {
        if !value.is_finite() {
            push(format!("metrics.{key}"), "not a finite number".into());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::DataShape;

    #[test]
    fn data_shape_is_nested_with_maps_or_nothing_else_flat_otherwise() {
        assert_eq!(DataShape::detect(true, true), DataShape::Nested);
        assert_eq!(DataShape::detect(true, false), DataShape::Nested);
        assert_eq!(DataShape::detect(false, false), DataShape::Nested);
        assert_eq!(DataShape::detect(false, true), DataShape::Flat);
    }

    use super::*;

    #[test]
    fn an_event_id_fits_custom_events_within_pinpoints_keys() {
        assert!(event_id_fits("purchase", 0));
        assert!(event_id_fits("purchase", MAX_KEYS - 1));
        assert!(!event_id_fits("purchase", MAX_KEYS));
        assert!(!event_id_fits("purchase", MAX_KEYS + 3));
        assert!(!event_id_fits("_session.start", 0));
        // With it, the event is one Pinpoint accepts.
        let mut e = AnalyticsEvent {
            name: "purchase".into(),
            ..Default::default()
        };
        for i in 0..MAX_KEYS - 1 {
            e.metrics.insert(format!("m{i}"), 1.0);
        }
        assert!(event_id_fits(&e.name, e.key_count()));
        e.attributes.insert(
            EVENT_ID_ATTRIBUTE.into(),
            "0b7a3c52-5f8e-4d8f-9a64-2f0b6a3c9d11".into(),
        );
        assert!(validate_event(&e).is_empty());
        assert!(!event_id_fits(&e.name, e.key_count()));
    }

    #[test]
    fn a_valid_event_has_no_violations() {
        let e = AnalyticsEvent {
            name: "purchase".into(),
            attributes: [("sku".to_string(), "A1".to_string())].into(),
            metrics: [("revenue".to_string(), 19.99)].into(),
        };
        assert!(validate_event(&e).is_empty());
    }

    #[test]
    fn every_limit_is_reported_with_its_field() {
        let mut e = AnalyticsEvent {
            name: "x".repeat(51),
            ..Default::default()
        };
        for i in 0..40 {
            e.attributes.insert(format!("a{i}"), "v".into());
        }
        e.attributes.insert("k".repeat(51), "v".into());
        e.attributes.insert("long".into(), "é".repeat(201));
        e.metrics.insert("nan".into(), f64::NAN);
        let fields: Vec<String> = validate_event(&e).into_iter().map(|v| v.field).collect();
        assert_eq!(
            fields,
            [
                "name".to_string(),
                "attributes+metrics".into(),
                format!("attributes.{}", "k".repeat(51)),
                "attributes.long".into(),
                "metrics.nan".into(),
            ]
        );
    }

    #[test]
    fn value_limit_counts_characters_not_bytes() {
        let e = AnalyticsEvent {
            name: "e".into(),
            attributes: [("k".to_string(), "é".repeat(200))].into(),
            ..Default::default()
        };
        assert!(validate_event(&e).is_empty());
    }

    #[test]
    fn limits_count_utf16_code_units_as_pinpoint_does() {
        let e = AnalyticsEvent {
            name: "e".into(),
            attributes: [("🎉".repeat(26), "🎉".repeat(150))].into(),
            ..Default::default()
        };
        let v = validate_event(&e);
        let reasons: Vec<&str> = v.iter().map(|v| v.reason.as_str()).collect();
        assert_eq!(
            reasons,
            [
                "key of 52 characters, over the limit of 50",
                "value of 300 characters, over the limit of 200"
            ]
        );
    }
}
