//! Amazon Pinpoint journey custom-channel invocations, as AWS documents them, into touches;
//! and the per-endpoint response a journey's multivariate split can branch on.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::plan::{Planner, Skip, TouchOutcome, TouchPlan, check_attribute_value};
use crate::touch::{MAX_ATTRIBUTE_VALUE_CHARS, Touch, TouchSource};
use crate::username::UsernameRule;

/// The payload Pinpoint sends to a custom-channel Lambda (up to 50 endpoints).
/// Endpoints stay raw JSON here so one malformed endpoint cannot sink its siblings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CustomChannelEvent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    pub application_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub treatment_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journey_id: Option<String>,
    pub endpoints: BTreeMap<String, Value>,
}

/// One endpoint of the invocation (the fields this project reads, plus the rest verbatim).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Endpoint {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<HashMap<String, Vec<String>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct User {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_attributes: Option<HashMap<String, Vec<String>>>,
}

/// A field of the invocation that is missing or of the wrong shape, by its JSON path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct InvocationError {
    pub field: String,
    pub reason: String,
}

/// Why an endpoint produced no touch. Shown to Pinpoint as the endpoint's `reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    Malformed(InvocationError),
    NoUser,
    NoUsernameAttribute(String),
    EmptyUsername(String),
    LabelTooLong(usize),
}

impl SkipReason {
    /// A short machine-readable code (metric dimension, `reason` attribute).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "malformed_endpoint",
            Self::NoUser => "no_user",
            Self::NoUsernameAttribute(_) => "no_username_attribute",
            Self::EmptyUsername(_) => "empty_username",
            Self::LabelTooLong(_) => "label_too_long",
        }
    }
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Malformed(e) => write!(f, "malformed endpoint: {e}"),
            Self::NoUser => f.write_str("User: missing (the endpoint is not linked to a user)"),
            Self::NoUsernameAttribute(a) => write!(f, "User.UserAttributes.{a}: missing"),
            Self::EmptyUsername(a) => write!(f, "User.UserAttributes.{a}: empty username"),
            Self::LabelTooLong(n) => write!(
                f,
                "Data: campaign label of {n} characters, over the {MAX_ATTRIBUTE_VALUE_CHARS} Pinpoint allows in an event attribute"
            ),
        }
    }
}

/// Per endpoint (the plan's items, by endpoint id, in the invocation's order): the touch
/// it yields, shared by every endpoint of the same user, or why it is skipped.
pub type Plan = TouchPlan<SkipReason>;

/// Parses an invocation; errors name the JSON path of the offending field.
pub fn parse_invocation(value: Value) -> Result<CustomChannelEvent, InvocationError> {
    deserialize_at(value, "")
}

/// Deserializes a part of an event found at `prefix` (`""`: the event itself); an error
/// names the offending field's full path. Every source's parser goes through here.
pub(crate) fn deserialize_at<'de, D, T>(value: D, prefix: &str) -> Result<T, InvocationError>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    serde_path_to_error::deserialize(value).map_err(|e| InvocationError {
        field: join_path(prefix, &e.path().to_string()),
        reason: e.inner().to_string(),
    })
}

/// `prefix.field`, where either may be the root (`""`, or serde_path_to_error's `"."`).
pub(crate) fn join_path(prefix: &str, field: &str) -> String {
    let field = field.trim_matches('.');
    match (prefix.is_empty(), field.is_empty()) {
        (true, true) => "(event)".into(),
        (true, false) => field.into(),
        (false, true) => prefix.into(),
        (false, false) => format!("{prefix}.{field}"),
    }
}

/// The campaign label: `Data` as a plain string, or JSON with a `campaign` string field;
/// else the journey id.
pub fn label_of(data: Option<&str>, journey_id: &str) -> String {
    let data = data.map(str::trim).unwrap_or("");
    if data.is_empty() {
        return journey_id.to_owned();
    }
    match serde_json::from_str::<Value>(data) {
        Ok(Value::Object(map)) => match map.get("campaign") {
            Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
            _ => journey_id.to_owned(),
        },
        // A JSON string literal is a label too; any other JSON or plain text is the label as written.
        Ok(Value::String(s)) if !s.trim().is_empty() => s,
        _ => data.to_owned(),
    }
}

impl CustomChannelEvent {
    /// The journey's id: `JourneyId`, else `CampaignId` (what a campaign's hook sends).
    pub fn journey_id(&self) -> Result<&str, InvocationError> {
        [&self.journey_id, &self.campaign_id]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .find(|s| !s.trim().is_empty())
            .ok_or_else(|| InvocationError {
                field: "JourneyId".into(),
                reason: "missing (neither JourneyId nor CampaignId is set)".into(),
            })
    }

    /// `ScheduledTime` when parseable, so a retried invocation yields identical touches.
    pub fn touched_at_ms(&self, received_at_ms: i64) -> i64 {
        self.scheduled_time
            .as_deref()
            .and_then(crate::rfc3339::parse_ms)
            .unwrap_or(received_at_ms)
    }

    /// Every endpoint to a touch or a named skip; one touch per user (case-sensitive
    /// usernames: see [`plan_with`](Self::plan_with)).
    pub fn plan(
        &self,
        username_attribute: &str,
        received_at_ms: i64,
    ) -> Result<Plan, InvocationError> {
        self.plan_with(username_attribute, received_at_ms, UsernameRule::default())
    }

    /// [`plan`](Self::plan), with each username in its canonical form for the pool.
    pub fn plan_with(
        &self,
        username_attribute: &str,
        received_at_ms: i64,
        usernames: UsernameRule,
    ) -> Result<Plan, InvocationError> {
        if self.application_id.trim().is_empty() {
            return Err(InvocationError {
                field: "ApplicationId".into(),
                reason: "empty".into(),
            });
        }
        let journey_id = self.journey_id()?;
        let label = label_of(self.data.as_deref(), journey_id);
        let touched_at_ms = self.touched_at_ms(received_at_ms);
        let mut planner = Planner::with_capacity(self.endpoints.len());
        for (id, raw) in &self.endpoints {
            let touch = username_of(id, raw, username_attribute, usernames).and_then(|username| {
                check_attribute_value(&label).map_err(SkipReason::LabelTooLong)?;
                Ok(Touch {
                    source: TouchSource::PinpointCustomChannel,
                    username,
                    application_id: self.application_id.clone(),
                    journey_id: journey_id.to_owned(),
                    activity_id: self.activity_id.clone(),
                    label: label.clone(),
                    touched_at_ms,
                })
            });
            planner.push(id.clone(), touch);
        }
        Ok(planner.finish())
    }
}

fn username_of(
    id: &str,
    raw: &Value,
    attribute: &str,
    usernames: UsernameRule,
) -> Result<String, SkipReason> {
    let endpoint: Endpoint =
        deserialize_at(raw, &format!("Endpoints.{id}")).map_err(SkipReason::Malformed)?;
    let user = endpoint.user.ok_or(SkipReason::NoUser)?;
    let values = user
        .user_attributes
        .as_ref()
        .and_then(|a| a.get(attribute))
        .ok_or_else(|| SkipReason::NoUsernameAttribute(attribute.to_owned()))?;
    values
        .first()
        .and_then(|v| usernames.canonical(v))
        .ok_or_else(|| SkipReason::EmptyUsername(attribute.to_owned()))
}

/// What happened to one endpoint, for Pinpoint's response.
pub type EndpointResult = TouchOutcome<SkipReason>;

impl Skip for SkipReason {
    fn code(&self) -> &'static str {
        SkipReason::code(self)
    }

    fn is_error(&self) -> bool {
        matches!(self, Self::Malformed(_))
    }
}

/// Pinpoint's custom-channel response: `{ "<endpoint id>": { "EventAttributes": {...} } }`.
/// At most 5 attributes per endpoint, each value at most 128 characters.
pub fn response<'a>(
    results: impl IntoIterator<Item = (&'a str, &'a EndpointResult)>,
    label: Option<&str>,
) -> Value {
    let mut out = serde_json::Map::new();
    for (id, result) in results {
        let mut attrs = serde_json::Map::new();
        let (state, reason) = match result {
            EndpointResult::Tagged(d) => ("tagged", d.as_str().to_owned()),
            EndpointResult::Skipped(r) => ("skipped", r.code().to_owned()),
            EndpointResult::Failed(e) => ("failed", e.clone()),
        };
        attrs.insert("attribution".into(), state.into());
        attrs.insert("reason".into(), truncate(&reason, 128).into());
        if let (EndpointResult::Tagged(_), Some(label)) = (result, label) {
            attrs.insert("campaign".into(), truncate(label, 128).into());
        }
        out.insert(
            id.to_owned(),
            serde_json::json!({ "EventAttributes": attrs }),
        );
    }
    Value::Object(out)
}

fn truncate(s: &str, max_chars: usize) -> String {
    s.chars().take(max_chars).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::WriteDecision;
    use serde_json::json;

    fn endpoint(username: Option<&str>) -> Value {
        match username {
            Some(u) => json!({"ChannelType": "EMAIL", "Address": "a@example.com",
                "User": {"UserId": "u", "UserAttributes": {"username": [u]}}}),
            None => json!({"ChannelType": "EMAIL", "Address": "a@example.com"}),
        }
    }

    fn event(endpoints: Value, data: Option<&str>) -> CustomChannelEvent {
        parse_invocation(json!({
            "Message": {}, "Data": data, "ApplicationId": "app", "JourneyId": "j-1",
            "ActivityId": "act", "ScheduledTime": "2020-04-19T00:33:24.609Z",
            "Endpoints": endpoints,
        }))
        .unwrap()
    }

    #[test]
    fn labels() {
        assert_eq!(label_of(Some("Spring sale"), "j"), "Spring sale");
        assert_eq!(label_of(Some(r#"{"campaign":"Spring"}"#), "j"), "Spring");
        assert_eq!(label_of(Some(r#"{"other":1}"#), "j"), "j");
        assert_eq!(label_of(Some(r#""quoted""#), "j"), "quoted");
        assert_eq!(label_of(Some("  "), "j"), "j");
        assert_eq!(label_of(None, "j"), "j");
        assert_eq!(label_of(Some("42"), "j"), "42");
    }

    #[test]
    fn every_endpoint_yields_a_touch_or_a_reason_and_users_are_deduplicated() {
        let e = event(
            json!({
                "e1": endpoint(Some("alice")),
                "e2": endpoint(None),
                "e3": endpoint(Some("")),
                "e4": endpoint(Some("alice")),
                "e5": {"User": {"UserAttributes": {"email": ["x"]}}},
                "e6": {"User": {"UserAttributes": {"username": "not-a-list"}}},
                "e7": endpoint(Some("Zoë")),
            }),
            Some("Spring"),
        );
        let plan = e.plan("username", 42).unwrap();
        assert_eq!(plan.touches.len(), 2);
        assert_eq!(plan.touches[0].username, "alice");
        assert_eq!(plan.touches[1].username, "Zoë");
        assert_eq!(plan.touches[0].touched_at_ms, 1_587_256_404_609);
        assert_eq!(plan.touches[0].label, "Spring");
        let outcomes: Vec<_> = plan
            .items
            .iter()
            .map(|(id, o)| (id.as_str(), o.clone()))
            .collect();
        assert_eq!(outcomes[0], ("e1", Ok(0)));
        assert_eq!(outcomes[1], ("e2", Err(SkipReason::NoUser)));
        assert_eq!(
            outcomes[2],
            ("e3", Err(SkipReason::EmptyUsername("username".into())))
        );
        assert_eq!(outcomes[3], ("e4", Ok(0)));
        assert_eq!(
            outcomes[4],
            (
                "e5",
                Err(SkipReason::NoUsernameAttribute("username".into()))
            )
        );
        match &outcomes[5].1 {
            Err(SkipReason::Malformed(err)) => {
                assert_eq!(err.field, "Endpoints.e6.User.UserAttributes.username");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(outcomes[6], ("e7", Ok(1)));
    }

    #[test]
    fn receive_time_when_scheduled_time_is_absent_or_unparseable() {
        let mut e = event(json!({"e1": endpoint(Some("a"))}), None);
        e.scheduled_time = Some("soon".into());
        assert_eq!(e.plan("username", 42).unwrap().touches[0].touched_at_ms, 42);
        e.scheduled_time = None;
        assert_eq!(e.plan("username", 43).unwrap().touches[0].touched_at_ms, 43);
    }

    #[test]
    fn usernames_are_canonical_so_spellings_of_one_user_are_one_touch() {
        let e = event(
            json!({"e1": endpoint(Some("Alice")), "e2": endpoint(Some(" alice\t")), "e3": endpoint(Some("ALICE"))}),
            None,
        );
        let users =
            |p: &Plan| -> Vec<String> { p.touches.iter().map(|t| t.username.clone()).collect() };
        let insensitive = e
            .plan_with("username", 0, UsernameRule::CASE_INSENSITIVE)
            .unwrap();
        assert_eq!(users(&insensitive), ["alice"]);
        assert!(insensitive.items.iter().all(|(_, o)| o == &Ok(0)));
        // A case-sensitive pool: three users, but never one with surrounding spaces.
        let sensitive = e.plan("username", 0).unwrap();
        assert_eq!(users(&sensitive), ["Alice", "alice", "ALICE"]);
    }

    #[test]
    fn a_label_too_long_for_pinpoint_skips_with_the_reason() {
        let e = event(json!({"e1": endpoint(Some("a"))}), Some(&"x".repeat(201)));
        let plan = e.plan("username", 0).unwrap();
        assert_eq!(plan.items[0].1, Err(SkipReason::LabelTooLong(201)));
        // Pinpoint counts UTF-16 code units: 150 emoji are 300, over the 200.
        let e = event(json!({"e1": endpoint(Some("a"))}), Some(&"🎉".repeat(150)));
        let plan = e.plan("username", 0).unwrap();
        assert_eq!(plan.items[0].1, Err(SkipReason::LabelTooLong(300)));
    }

    #[test]
    fn campaign_id_stands_in_for_a_missing_journey_id_and_neither_is_an_error() {
        let mut e = event(json!({}), None);
        e.journey_id = None;
        e.campaign_id = Some("c-9".into());
        assert_eq!(e.journey_id().unwrap(), "c-9");
        e.campaign_id = None;
        assert_eq!(e.plan("username", 0).unwrap_err().field, "JourneyId");
    }

    #[test]
    fn top_level_errors_name_the_field() {
        let err = parse_invocation(json!({"ApplicationId": 7, "Endpoints": {}})).unwrap_err();
        assert_eq!(err.field, "ApplicationId");
        let err = parse_invocation(json!({"ApplicationId": "a"})).unwrap_err();
        assert!(err.reason.contains("Endpoints"), "{err}");
    }

    #[test]
    fn response_has_one_entry_per_endpoint_within_pinpoint_limits() {
        let results = [
            (
                "e1".to_string(),
                EndpointResult::Tagged(WriteDecision::Write),
            ),
            (
                "e2".to_string(),
                EndpointResult::Skipped(SkipReason::NoUser),
            ),
        ];
        let label = "L".repeat(300);
        let r = response(results.iter().map(|(i, r)| (i.as_str(), r)), Some(&label));
        assert_eq!(r["e1"]["EventAttributes"]["attribution"], "tagged");
        assert_eq!(r["e1"]["EventAttributes"]["reason"], "written");
        assert_eq!(
            r["e1"]["EventAttributes"]["campaign"]
                .as_str()
                .unwrap()
                .len(),
            128
        );
        assert_eq!(r["e2"]["EventAttributes"]["attribution"], "skipped");
        assert_eq!(r["e2"]["EventAttributes"]["reason"], "no_user");
    }
}
