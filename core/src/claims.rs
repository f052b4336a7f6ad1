//! The token projection: what `claims`, Cognito's pre-token-generation trigger, answers.
//!
//! At every sign-in and refresh the user pool asks for the ID token's claims. The answer
//! is the user's live attribution as a claim (the same token `sync` writes to the
//! attribute, so the wrappers read either unchanged), or the claim suppressed: a value left
//! in the attribute by the attribute projection or by the original solution never leaks
//! into a token once this projection is on.
//!
//! Both event versions are answered in the shape Cognito reads for them: `V1_0`
//! (`response.claimsOverrideDetails`, every feature plan) and `V2_0`/`V3_0`
//! (`response.claimsAndScopeOverrideDetails.idTokenGeneration`, Essentials/Plus). The
//! event is patched in place rather than re-serialised through typed structs, so nothing
//! Cognito sent (or another field of the response) is dropped or turned into `null`.

use serde_json::{Map, Value};

use crate::attribution::Campaign;
use crate::token::{Token, TokenError};

/// Which response shape the event expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventVersion {
    /// `response.claimsOverrideDetails`.
    V1,
    /// `response.claimsAndScopeOverrideDetails` (V2_0 and V3_0 share it).
    V2,
}

/// What the trigger needs from the event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    /// The event's `userName`: the canonical Cognito username, the table's key.
    pub username: String,
    pub version: EventVersion,
    /// `triggerSource`, for logs (`TokenGeneration_Authentication`, `..._RefreshTokens`, ...).
    pub trigger_source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct EventError {
    pub field: &'static str,
    pub reason: &'static str,
}

const V1_RESPONSE: &str = "claimsOverrideDetails";
const V2_RESPONSE: &str = "claimsAndScopeOverrideDetails";

pub fn parse_request(event: &Value) -> Result<TokenRequest, EventError> {
    let bad = |field, reason| EventError { field, reason };
    let version = event_version(event)?;
    let event = event
        .as_object()
        .ok_or(bad("(event)", "not a JSON object"))?;
    let username = match event.get("userName") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(Value::String(_)) => return Err(bad("userName", "empty")),
        Some(_) => return Err(bad("userName", "not a string")),
        None => return Err(bad("userName", "missing")),
    };
    let trigger_source = event
        .get("triggerSource")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Ok(TokenRequest {
        username,
        version,
        trigger_source,
    })
}

/// The response shape the event expects, on its own: an event whose user cannot be read
/// can still be answered with the claim suppressed.
pub fn event_version(event: &Value) -> Result<EventVersion, EventError> {
    let bad = |field, reason| EventError { field, reason };
    let event = event
        .as_object()
        .ok_or(bad("(event)", "not a JSON object"))?;
    // The response key Cognito pre-fills (with null) says which shape it reads back;
    // `version` ("1", "2", "3") decides when neither key is present.
    let response = event.get("response").and_then(Value::as_object);
    let version = match (
        response.is_some_and(|r| r.contains_key(V2_RESPONSE)),
        response.is_some_and(|r| r.contains_key(V1_RESPONSE)),
        event.get("version").and_then(Value::as_str),
    ) {
        (true, _, _) => EventVersion::V2,
        (false, true, _) => EventVersion::V1,
        (false, false, Some("1")) => EventVersion::V1,
        (false, false, Some("2" | "3")) => EventVersion::V2,
        (false, false, Some(_)) => return Err(bad("version", "not 1, 2 or 3")),
        (false, false, None) => {
            return Err(bad(
                "response",
                "neither claimsOverrideDetails nor claimsAndScopeOverrideDetails, and no version",
            ));
        }
    };
    Ok(version)
}

/// The claim for the user's stored attribution at `now_ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimDecision {
    /// Add (or override) the claim with this token.
    Set(String),
    /// Remove the claim from the ID token.
    Suppress(SuppressReason),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuppressReason {
    NoAttribution,
    /// Past expires-at, whether or not the TTL sweeper has removed the item yet.
    Expired,
    /// The item could not be read or encoded (a store error, the time budget spent, a
    /// malformed item, an unreadable user): the pool's own attribute value, stale or
    /// written by anyone, must not reach the token in its place. Suppressing needs no read.
    Failed,
}

impl SuppressReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoAttribution => "no_attribution",
            Self::Expired => "expired",
            Self::Failed => "failed",
        }
    }
}

/// Fails only when the token would not fit Cognito's attribute limit (which the wrappers
/// also enforce when they read it): such an item is malformed, not an attribution.
pub fn decide(stored: Option<&Campaign>, now_ms: i64) -> Result<ClaimDecision, TokenError> {
    match stored {
        None => Ok(ClaimDecision::Suppress(SuppressReason::NoAttribution)),
        Some(c) if !c.is_live_at(now_ms) => Ok(ClaimDecision::Suppress(SuppressReason::Expired)),
        Some(c) => Token::V1(c.clone()).encode().map(ClaimDecision::Set),
    }
}

/// Writes the decision into the event's response for `claim`, keeping every other claim,
/// suppression and override the response already holds. Cognito rejects a claim both added
/// and suppressed, so the claim is taken out of the other list.
pub fn respond(event: &mut Value, version: EventVersion, claim: &str, decision: &ClaimDecision) {
    let Some(root) = event.as_object_mut() else {
        return;
    };
    let response = object_at(root, "response");
    let details = match version {
        EventVersion::V1 => object_at(response, V1_RESPONSE),
        EventVersion::V2 => object_at(object_at(response, V2_RESPONSE), "idTokenGeneration"),
    };
    match decision {
        ClaimDecision::Set(token) => {
            remove_from_list(details, "claimsToSuppress", claim);
            object_at(details, "claimsToAddOrOverride")
                .insert(claim.to_owned(), Value::String(token.clone()));
        }
        ClaimDecision::Suppress(_) => {
            if let Some(Value::Object(added)) = details.get_mut("claimsToAddOrOverride") {
                added.remove(claim);
            }
            let list = details
                .entry("claimsToSuppress")
                .or_insert_with(|| Value::Array(Vec::new()));
            if !list.is_array() {
                *list = Value::Array(Vec::new());
            }
            if let Value::Array(items) = list
                && !items.iter().any(|v| v.as_str() == Some(claim))
            {
                items.push(Value::String(claim.to_owned()));
            }
        }
    }
}

/// The object under `key`, created when missing or `null` (Cognito sends `null`).
fn object_at<'a>(map: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    let slot = map.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    match slot {
        Value::Object(m) => m,
        _ => unreachable!("just made an object"),
    }
}

fn remove_from_list(map: &mut Map<String, Value>, key: &str, claim: &str) {
    if let Some(Value::Array(items)) = map.get_mut(key) {
        items.retain(|v| v.as_str() != Some(claim));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    const CLAIM: &str = "custom:campaign";

    fn campaign(expires_at_s: i64) -> Campaign {
        Campaign {
            application_id: "app".into(),
            journey_id: "j-1".into(),
            label: "Spring | sale".into(),
            touched_at_ms: 1_000,
            expires_at_s,
        }
    }

    fn v1() -> Value {
        json!({"version": "1", "triggerSource": "TokenGeneration_Authentication",
            "userName": "alice", "request": {"userAttributes": {"custom:campaign": "Old"}},
            "response": {"claimsOverrideDetails": null}})
    }

    fn v2() -> Value {
        json!({"version": "2", "triggerSource": "TokenGeneration_RefreshTokens",
            "userName": "alice", "request": {"userAttributes": {}, "scopes": ["openid"]},
            "response": {"claimsAndScopeOverrideDetails": null}})
    }

    #[test]
    fn a_live_attribution_is_the_token_sync_would_write() {
        let c = campaign(100);
        let d = decide(Some(&c), 99_999).unwrap();
        assert_eq!(d, ClaimDecision::Set(Token::V1(c).encode().unwrap()));
    }

    #[test]
    fn none_or_expired_is_suppressed_at_expires_at_exactly() {
        assert_eq!(
            decide(None, 0).unwrap(),
            ClaimDecision::Suppress(SuppressReason::NoAttribution)
        );
        assert_eq!(
            decide(Some(&campaign(100)), 100_000).unwrap(),
            ClaimDecision::Suppress(SuppressReason::Expired)
        );
    }

    #[test]
    fn an_oversized_label_is_an_error_not_a_claim() {
        let mut c = campaign(100);
        c.label = "x".repeat(3000);
        assert!(matches!(decide(Some(&c), 0), Err(TokenError::TooLong(_))));
    }

    #[test]
    fn versions_come_from_the_response_key_then_the_version_field() {
        assert_eq!(parse_request(&v1()).unwrap().version, EventVersion::V1);
        assert_eq!(parse_request(&v2()).unwrap().version, EventVersion::V2);
        let bare = json!({"version": "3", "userName": "u"});
        assert_eq!(parse_request(&bare).unwrap().version, EventVersion::V2);
        let bare = json!({"version": "1", "userName": "u", "response": {}});
        assert_eq!(parse_request(&bare).unwrap().version, EventVersion::V1);
        let err = parse_request(&json!({"userName": "u"})).unwrap_err();
        assert_eq!(err.field, "response");
        let err = parse_request(&json!({"version": "9", "userName": "u"})).unwrap_err();
        assert_eq!(err.to_string(), "version: not 1, 2 or 3");
    }

    #[test]
    fn the_username_is_required() {
        for (event, reason) in [
            (json!({"version": "1"}), "missing"),
            (json!({"version": "1", "userName": ""}), "empty"),
            (json!({"version": "1", "userName": 7}), "not a string"),
        ] {
            let err = parse_request(&event).unwrap_err();
            assert_eq!((err.field, err.reason), ("userName", reason));
        }
        assert_eq!(parse_request(&json!([])).unwrap_err().field, "(event)");
    }

    #[test]
    fn v1_set_and_suppress_keep_everything_else() {
        let mut e = v1();
        respond(
            &mut e,
            EventVersion::V1,
            CLAIM,
            &ClaimDecision::Set("ja1|t".into()),
        );
        assert_eq!(
            e["response"],
            json!({"claimsOverrideDetails": {"claimsToAddOrOverride": {CLAIM: "ja1|t"}}})
        );
        assert_eq!(e["request"], v1()["request"], "the request is untouched");

        let mut e = v1();
        e["response"]["claimsOverrideDetails"] = json!({
            "claimsToAddOrOverride": {"other": "1", CLAIM: "stale"},
            "groupOverrideDetails": {"groupsToOverride": ["g"]}});
        respond(
            &mut e,
            EventVersion::V1,
            CLAIM,
            &ClaimDecision::Suppress(SuppressReason::Expired),
        );
        assert_eq!(
            e["response"]["claimsOverrideDetails"],
            json!({"claimsToAddOrOverride": {"other": "1"}, "claimsToSuppress": [CLAIM],
                "groupOverrideDetails": {"groupsToOverride": ["g"]}})
        );
        // Twice is the same as once; a later Set takes it out of the suppressions.
        let d = ClaimDecision::Suppress(SuppressReason::Expired);
        respond(&mut e, EventVersion::V1, CLAIM, &d);
        assert_eq!(
            e["response"]["claimsOverrideDetails"]["claimsToSuppress"],
            json!([CLAIM])
        );
        respond(
            &mut e,
            EventVersion::V1,
            CLAIM,
            &ClaimDecision::Set("t".into()),
        );
        assert_eq!(
            e["response"]["claimsOverrideDetails"]["claimsToSuppress"],
            json!([])
        );
    }

    #[test]
    fn v2_answers_in_the_id_token_generation() {
        let mut e = v2();
        respond(
            &mut e,
            EventVersion::V2,
            CLAIM,
            &ClaimDecision::Set("ja1|t".into()),
        );
        assert_eq!(
            e["response"],
            json!({"claimsAndScopeOverrideDetails": {"idTokenGeneration":
                {"claimsToAddOrOverride": {CLAIM: "ja1|t"}}}})
        );
        let mut e = v2();
        e["response"]["claimsAndScopeOverrideDetails"] =
            json!({"accessTokenGeneration": {"scopesToAdd": ["x"]}});
        respond(
            &mut e,
            EventVersion::V2,
            CLAIM,
            &ClaimDecision::Suppress(SuppressReason::NoAttribution),
        );
        assert_eq!(
            e["response"]["claimsAndScopeOverrideDetails"],
            json!({"accessTokenGeneration": {"scopesToAdd": ["x"]},
                "idTokenGeneration": {"claimsToSuppress": [CLAIM]}})
        );
        assert_eq!(e["request"]["scopes"], json!(["openid"]));
    }
}
