//! A touch: one user's interaction with a journey, whatever service reported it.

#[allow(unused_imports)]
use crate::prelude::*;

use serde::{Deserialize, Serialize};

/// Which adapter produced a touch. Pinpoint first; the successors come in as adapters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TouchSource {
    PinpointCustomChannel,
    ConnectCustomAction,
    SesEvent,
}

/// Pinpoint's limit on an event attribute value: the label and journey id end up as
/// `campaign` / `campaign_id` values on the app's events, so they must fit it.
pub const MAX_ATTRIBUTE_VALUE_CHARS: usize = 200;

/// A length as Pinpoint counts it against its limits: UTF-16 code units (a JavaScript
/// string's `length`), never fewer than the code points. An emoji outside the Basic
/// Multilingual Plane counts 2, so 150 of them (300) break a 200 limit that a count of code
/// points would pass, and Pinpoint then drops the whole event.
pub fn pinpoint_len(s: &str) -> usize {
    s.encode_utf16().count()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Touch {
    pub source: TouchSource,
    pub username: String,
    pub application_id: String,
    pub journey_id: String,
    pub activity_id: Option<String>,
    pub label: String,
    pub touched_at_ms: i64,
}
