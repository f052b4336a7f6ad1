//! Stamping: adding the attribution to an app's custom event, when and only when it holds.

#[allow(unused_imports)]
use crate::prelude::*;

use serde::{Deserialize, Serialize};

use crate::event::{AnalyticsEvent, MAX_KEYS, MAX_VALUE_CHARS, is_reserved_event_type};
use crate::token::Token;

pub const CAMPAIGN_ATTRIBUTE: &str = "campaign";
pub const CAMPAIGN_ID_ATTRIBUTE: &str = "campaign_id";

/// Why an event was or was not stamped. Every status but `Stamped` leaves the event as is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StampStatus {
    Stamped,
    /// Pinpoint's own events (`_session.start`, ...) are never stamped.
    ReservedEvent,
    /// No token: the user is not attributed.
    NoAttribution,
    /// The token does not decode (reported, never thrown).
    InvalidToken,
    /// At or after expires-at, even if the TTL deletion has not happened yet.
    Expired,
    /// The app set `campaign` or `campaign_id` itself: its value stands.
    AppAttributed,
    /// Adding the attributes would exceed Pinpoint's 40 keys and make it drop the event.
    TooManyKeys,
    /// The label or journey id is over 200 characters: Pinpoint would drop the event.
    ValueTooLong,
}

impl StampStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stamped => "stamped",
            Self::ReservedEvent => "reserved_event",
            Self::NoAttribution => "no_attribution",
            Self::InvalidToken => "invalid_token",
            Self::Expired => "expired",
            Self::AppAttributed => "app_attributed",
            Self::TooManyKeys => "too_many_keys",
            Self::ValueTooLong => "value_too_long",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct StampOutcome {
    pub event: AnalyticsEvent,
    pub status: StampStatus,
}

/// Returns the event to record: a stamped copy, or an unchanged copy and the reason.
pub fn stamp_event(event: &AnalyticsEvent, token: Option<&Token>, now_ms: i64) -> StampOutcome {
    let status = stamp_status(event, token, now_ms);
    let mut out = event.clone();
    if status == StampStatus::Stamped
        && let Some(token) = token
    {
        let (label, journey_id) = stamp_values(token);
        out.attributes
            .insert(CAMPAIGN_ATTRIBUTE.into(), label.to_owned());
        if let Some(id) = journey_id {
            out.attributes
                .insert(CAMPAIGN_ID_ATTRIBUTE.into(), id.to_owned());
        }
    }
    StampOutcome { event: out, status }
}

/// What a [`StampStatus::Stamped`] event gets: the value of [`CAMPAIGN_ATTRIBUTE`] and,
/// when the token has one, of [`CAMPAIGN_ID_ATTRIBUTE`].
pub fn stamp_values(token: &Token) -> (&str, Option<&str>) {
    (token.label(), token.journey_id())
}

/// [`stamp_event`] from the raw attribute value (`custom:campaign`), as apps hold it.
pub fn stamp_event_with_value(
    event: &AnalyticsEvent,
    token_value: Option<&str>,
    now_ms: i64,
) -> StampOutcome {
    let decoded = token_value.map(Token::decode).transpose();
    stamp_event_with_decoded(event, decoded.map(Option::flatten), now_ms)
}

/// [`stamp_event`] from the result of reading a token value. An unreadable value (`Err`,
/// whatever the reason: malformed, or not even a string in JS) sends the event unstamped
/// as [`StampStatus::InvalidToken`].
pub fn stamp_event_with_decoded<E>(
    event: &AnalyticsEvent,
    decoded: Result<Option<Token>, E>,
    now_ms: i64,
) -> StampOutcome {
    match decoded {
        Ok(token) => stamp_event(event, token.as_ref(), now_ms),
        Err(_) => StampOutcome {
            event: event.clone(),
            status: unreadable_token_decision(&event.name),
        },
    }
}

/// The status of an event whose token value could not be read (see
/// [`stamp_event_with_decoded`]): Pinpoint's own events stay `ReservedEvent`.
pub fn unreadable_token_decision(event_name: &str) -> StampStatus {
    if is_reserved_event_type(event_name) {
        StampStatus::ReservedEvent
    } else {
        StampStatus::InvalidToken
    }
}

fn stamp_status(event: &AnalyticsEvent, token: Option<&Token>, now_ms: i64) -> StampStatus {
    let app_attributed = event.attributes.contains_key(CAMPAIGN_ATTRIBUTE)
        || event.attributes.contains_key(CAMPAIGN_ID_ATTRIBUTE);
    stamp_decision(
        &event.name,
        event.key_count(),
        app_attributed,
        token,
        now_ms,
    )
}

/// The stamping decision over what it depends on, for callers that hold the event in
/// another form (the wasm bindings read these from the JS object without converting it):
/// `key_count` is the number of attributes plus metrics, `app_attributed` whether the
/// attributes already have [`CAMPAIGN_ATTRIBUTE`] or [`CAMPAIGN_ID_ATTRIBUTE`].
/// [`stamp_event`] is this plus the copy.
pub fn stamp_decision(
    event_name: &str,
    key_count: usize,
    app_attributed: bool,
    token: Option<&Token>,
    now_ms: i64,
) -> StampStatus {
    if is_reserved_event_type(event_name) {
        return StampStatus::ReservedEvent;
    }
    let Some(token) = token else {
        return StampStatus::NoAttribution;
    };
    if token.expires_at_ms().is_some_and(|exp| now_ms >= exp) {
        return StampStatus::Expired;
    }
    if app_attributed {
        return StampStatus::AppAttributed;
    }
    let added = 1 + usize::from(token.journey_id().is_some());
    if key_count.saturating_add(added) > MAX_KEYS {
        return StampStatus::TooManyKeys;
    }
    let too_long = |s: &str| crate::touch::pinpoint_len(s) > MAX_VALUE_CHARS;
    if too_long(token.label()) || token.journey_id().is_some_and(too_long) {
        return StampStatus::ValueTooLong;
    }
    StampStatus::Stamped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::Campaign;

    fn token(expires_at_s: i64) -> Token {
        Token::V1(Campaign {
            application_id: "app".into(),
            journey_id: "j-1".into(),
            label: "Spring sale".into(),
            touched_at_ms: 0,
            expires_at_s,
        })
    }

    fn event(name: &str) -> AnalyticsEvent {
        AnalyticsEvent {
            name: name.into(),
            ..Default::default()
        }
    }

    #[test]
    fn stamps_label_and_journey_id_while_live() {
        let out = stamp_event(&event("purchase"), Some(&token(100)), 99_999);
        assert_eq!(out.status, StampStatus::Stamped);
        assert_eq!(out.event.attributes["campaign"], "Spring sale");
        assert_eq!(out.event.attributes["campaign_id"], "j-1");
    }

    #[test]
    fn stops_exactly_at_expires_at() {
        let out = stamp_event(&event("purchase"), Some(&token(100)), 100_000);
        assert_eq!(out.status, StampStatus::Expired);
        assert!(out.event.attributes.is_empty());
    }

    #[test]
    fn never_stamps_pinpoint_events() {
        let out = stamp_event(&event("_session.start"), Some(&token(100)), 0);
        assert_eq!(out.status, StampStatus::ReservedEvent);
    }

    #[test]
    fn keeps_what_the_app_set() {
        let mut e = event("purchase");
        e.attributes.insert("campaign".into(), "manual".into());
        let out = stamp_event(&e, Some(&token(100)), 0);
        assert_eq!(out.status, StampStatus::AppAttributed);
        assert_eq!(out.event, e);
    }

    #[test]
    fn legacy_values_stamp_the_label_only() {
        let legacy = Token::Legacy {
            label: "OldJourney".into(),
        };
        let out = stamp_event(&event("purchase"), Some(&legacy), i64::MAX);
        assert_eq!(out.status, StampStatus::Stamped);
        assert_eq!(
            out.event.attributes.get("campaign").map(String::as_str),
            Some("OldJourney")
        );
        assert!(!out.event.attributes.contains_key("campaign_id"));
    }

    #[test]
    fn respects_the_40_key_limit() {
        let mut e = event("purchase");
        for i in 0..39 {
            e.attributes.insert(format!("a{i}"), "v".into());
        }
        assert_eq!(
            stamp_event(&e, Some(&token(100)), 0).status,
            StampStatus::TooManyKeys
        );
        e.attributes.remove("a0");
        assert_eq!(
            stamp_event(&e, Some(&token(100)), 0).status,
            StampStatus::Stamped
        );
    }

    #[test]
    fn refuses_a_label_pinpoint_would_drop_the_event_for() {
        let long = Token::Legacy {
            label: "x".repeat(201),
        };
        assert_eq!(
            stamp_event(&event("purchase"), Some(&long), 0).status,
            StampStatus::ValueTooLong
        );
        // 150 emoji: 150 code points, 300 UTF-16 code units, which is what Pinpoint counts.
        let emoji = Token::Legacy {
            label: "🎉".repeat(150),
        };
        assert_eq!(
            stamp_event(&event("purchase"), Some(&emoji), 0).status,
            StampStatus::ValueTooLong
        );
        let bmp = Token::Legacy {
            label: "é".repeat(200),
        };
        assert_eq!(
            stamp_event(&event("purchase"), Some(&bmp), 0).status,
            StampStatus::Stamped
        );
    }

    #[test]
    fn bad_or_missing_raw_values_record_unstamped() {
        let e = event("purchase");
        assert_eq!(
            stamp_event_with_value(&e, Some("ja1|broken"), 0).status,
            StampStatus::InvalidToken
        );
        assert_eq!(
            stamp_event_with_value(&e, Some(""), 0).status,
            StampStatus::NoAttribution
        );
        assert_eq!(
            stamp_event_with_value(&e, None, 0).status,
            StampStatus::NoAttribution
        );
    }

    #[test]
    fn an_unreadable_value_is_an_invalid_token_except_on_reserved_events() {
        let out = stamp_event_with_decoded(&event("purchase"), Err(()), 0);
        assert_eq!(out.status, StampStatus::InvalidToken);
        assert_eq!(out.event, event("purchase"));
        assert_eq!(
            stamp_event_with_decoded(&event("_session.start"), Err(()), 0).status,
            StampStatus::ReservedEvent
        );
        assert_eq!(
            stamp_event_with_decoded::<()>(&event("purchase"), Ok(Some(token(100))), 0).status,
            StampStatus::Stamped
        );
    }
}
