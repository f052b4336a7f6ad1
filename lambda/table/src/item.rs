//! The attribution table's item, attribute by attribute (the public table contract).
//!
//! Adapters convert their own attribute-value type (the SDK's, the stream event's) to and
//! from [`ItemValue`]; the names and types live here once.

use std::collections::BTreeMap;

use journey_attribution_core::{Attribution, Campaign};

/// An item that is not an attribution: the attribute, and why (core's `ImageError`, which
/// `sync` reports as the image's).
pub use journey_attribution_core::sync::ImageError as ItemError;

pub const USERNAME: &str = "username";
pub const JOURNEY_ID: &str = "journey_id";
pub const APPLICATION_ID: &str = "application_id";
pub const LABEL: &str = "label";
pub const TOUCHED_AT: &str = "touched_at";
pub const EXPIRES_AT: &str = "expires_at";

/// The DynamoDB attribute types this table uses; anything else is kept by name only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemValue {
    S(String),
    N(String),
    /// Another DynamoDB type, by its type descriptor (`BOOL`, `M`, ...).
    Other(&'static str),
}

pub type Item = BTreeMap<String, ItemValue>;

pub fn to_item(a: &Attribution) -> Item {
    let c = &a.campaign;
    BTreeMap::from([
        (USERNAME.into(), ItemValue::S(a.username.clone())),
        (JOURNEY_ID.into(), ItemValue::S(c.journey_id.clone())),
        (
            APPLICATION_ID.into(),
            ItemValue::S(c.application_id.clone()),
        ),
        (LABEL.into(), ItemValue::S(c.label.clone())),
        (TOUCHED_AT.into(), ItemValue::N(c.touched_at_ms.to_string())),
        (EXPIRES_AT.into(), ItemValue::N(c.expires_at_s.to_string())),
    ])
}

pub fn from_item(item: &Item) -> Result<Attribution, ItemError> {
    let s = |field: &'static str| match item.get(field) {
        Some(ItemValue::S(v)) if !v.is_empty() || field == LABEL => Ok(v.clone()),
        Some(ItemValue::S(_)) => Err(ItemError {
            field,
            reason: "empty string".into(),
        }),
        Some(other) => Err(ItemError {
            field,
            reason: format!("expected S, found {}", type_name(other)),
        }),
        None => Err(ItemError {
            field,
            reason: "missing".into(),
        }),
    };
    let n = |field: &'static str| match item.get(field) {
        Some(ItemValue::N(v)) => v.parse::<i64>().map_err(|_| ItemError {
            field,
            reason: format!("{v:?} is not an integer"),
        }),
        Some(other) => Err(ItemError {
            field,
            reason: format!("expected N, found {}", type_name(other)),
        }),
        None => Err(ItemError {
            field,
            reason: "missing".into(),
        }),
    };
    Ok(Attribution {
        username: s(USERNAME)?,
        campaign: Campaign {
            application_id: s(APPLICATION_ID)?,
            journey_id: s(JOURNEY_ID)?,
            label: s(LABEL)?,
            touched_at_ms: n(TOUCHED_AT)?,
            expires_at_s: n(EXPIRES_AT)?,
        },
    })
}

fn type_name(v: &ItemValue) -> &'static str {
    match v {
        ItemValue::S(_) => "S",
        ItemValue::N(_) => "N",
        ItemValue::Other(t) => t,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Attribution {
        Attribution {
            username: "alice".into(),
            campaign: Campaign {
                application_id: "app".into(),
                journey_id: "j".into(),
                label: "L".into(),
                touched_at_ms: 1_700_000_000_000,
                expires_at_s: 1_700_086_400,
            },
        }
    }

    #[test]
    fn round_trips() {
        assert_eq!(from_item(&to_item(&sample())).unwrap(), sample());
    }

    #[test]
    fn errors_name_the_attribute() {
        let mut item = to_item(&sample());
        item.insert(EXPIRES_AT.into(), ItemValue::S("soon".into()));
        assert_eq!(
            from_item(&item).unwrap_err().to_string(),
            "item attribute expires_at: expected N, found S"
        );
        item.remove(JOURNEY_ID);
        assert_eq!(from_item(&item).unwrap_err().field, JOURNEY_ID);
        let mut item = to_item(&sample());
        item.insert(TOUCHED_AT.into(), ItemValue::N("1.5".into()));
        assert_eq!(from_item(&item).unwrap_err().field, TOUCHED_AT);
    }
}
