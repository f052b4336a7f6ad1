//! One SES event record (Open / Click) into a touch: the journey, label and user from the
//! email's message tags, the time from the engagement.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::{CONFIGURATION_SET_TAG, DEFAULT_APPLICATION_ID, SesConfig, SesSkip, error};
use crate::pinpoint::{deserialize_at, join_path};
use crate::plan::check_attribute_value;
use crate::touch::{Touch, TouchSource};

/// The fields of an SES event record this module reads; the rest is ignored.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    mail: Mail,
    #[serde(default)]
    open: Option<Engagement>,
    #[serde(default)]
    click: Option<Engagement>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Mail {
    #[serde(default)]
    timestamp: Option<String>,
    message_id: String,
    #[serde(default)]
    destination: Vec<String>,
    #[serde(default)]
    tags: HashMap<String, Vec<String>>,
}

#[derive(Deserialize)]
struct Engagement {
    #[serde(default)]
    timestamp: Option<String>,
}

#[derive(Clone, Copy)]
enum Kind {
    Open,
    Click,
}

impl Kind {
    fn field(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Click => "click",
        }
    }
}

pub(super) fn touch_of(
    record: Map<String, Value>,
    at: &str,
    config: &SesConfig,
) -> Result<Touch, SesSkip> {
    // The type first: other events' shapes are none of our business.
    let event_type = event_type_of(&record, at)?;
    let kind = if event_type.eq_ignore_ascii_case("Open") {
        Kind::Open
    } else if event_type.eq_ignore_ascii_case("Click") {
        Kind::Click
    } else {
        return Err(SesSkip::NotAnEngagement(event_type));
    };
    let enabled = match kind {
        Kind::Open => config.opens,
        Kind::Click => config.clicks,
    };
    if !enabled {
        return Err(SesSkip::Disabled(event_type));
    }
    let record: Record = deserialize_at(Value::Object(record), at).map_err(SesSkip::Malformed)?;
    let tags = &record.mail.tags;
    let journey_id = first_tag(tags, &config.journey_tag)
        .ok_or_else(|| SesSkip::NoJourneyTag(config.journey_tag.clone()))?;
    let username = first_tag(tags, &config.user_tag)
        .or_else(|| {
            config
                .user_from_destination
                .then(|| record.mail.destination.first())
                .flatten()
                .map(|d| d.trim())
                .filter(|d| !d.is_empty())
        })
        .ok_or_else(|| SesSkip::NoUser(config.user_tag.clone()))?;
    let label = first_tag(tags, &config.label_tag).unwrap_or(journey_id);
    // The journey id is stamped as `campaign_id`: an SES tag holds up to 256 characters.
    check_attribute_value(journey_id)
        .map_err(|n| SesSkip::JourneyIdTooLong(config.journey_tag.clone(), n))?;
    check_attribute_value(label).map_err(SesSkip::LabelTooLong)?;
    let engagement = match kind {
        Kind::Open => record.open.as_ref(),
        Kind::Click => record.click.as_ref(),
    };
    // The engagement's own time, never the receive time: a redelivered event must yield
    // the identical touch, which is what makes SNS / EventBridge retries idempotent.
    let touched_at_ms = [
        engagement.and_then(|e| e.timestamp.as_deref()),
        record.mail.timestamp.as_deref(),
    ]
    .into_iter()
    .flatten()
    .find_map(crate::rfc3339::parse_ms)
    .ok_or_else(|| {
        SesSkip::Malformed(error(
            &join_path(at, &format!("{}.timestamp", kind.field())),
            "missing or not RFC 3339 (and so is mail.timestamp)",
        ))
    })?;
    let application_id = first_tag(tags, CONFIGURATION_SET_TAG).unwrap_or(DEFAULT_APPLICATION_ID);
    Ok(Touch {
        source: TouchSource::SesEvent,
        username: config
            .usernames
            .canonical(username)
            .unwrap_or_else(|| username.to_owned()),
        application_id: application_id.to_owned(),
        journey_id: journey_id.to_owned(),
        activity_id: Some(record.mail.message_id.clone()),
        label: label.to_owned(),
        touched_at_ms,
    })
}

/// `eventType`, or `notificationType` (older notifications) when it is absent.
fn event_type_of(record: &Map<String, Value>, at: &str) -> Result<String, SesSkip> {
    for field in ["eventType", "notificationType"] {
        match record.get(field) {
            None | Some(Value::Null) => continue,
            Some(Value::String(s)) if s.trim().is_empty() => continue,
            Some(Value::String(s)) => return Ok(s.trim().to_owned()),
            Some(_) => {
                return Err(SesSkip::Malformed(error(
                    &join_path(at, field),
                    "not a string",
                )));
            }
        }
    }
    Err(SesSkip::Malformed(error(
        &join_path(at, "eventType"),
        "missing (neither eventType nor notificationType is set)",
    )))
}

/// A tag's first value, trimmed; `None` when absent or empty.
fn first_tag<'a>(tags: &'a HashMap<String, Vec<String>>, name: &str) -> Option<&'a str> {
    tags.get(name)?
        .first()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
}
