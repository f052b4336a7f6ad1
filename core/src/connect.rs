//! Amazon Connect outbound campaigns: the custom action's Lambda invocation, as AWS
//! documents it, into touches; and the per-profile response Connect expects.
//!
//! Request: `{"InvocationMetadata": {"CampaignContext": {"CampaignId", "RunId", "ActionId",
//! "CampaignName"}}, "Items": {"CustomerProfiles": [{"ProfileId", "CustomerData" (a JSON
//! string), "IdempotencyToken"}]}}`. Response: `{"Items": {"CustomerProfiles": [{"Id":
//! <ProfileId>, "ResultData": {...}}]}}`, one entry per requested profile.
//!
//! The invocation carries no send time, so the touch time is the receive time; the Lambda
//! pins it to the first delivery through [`ConnectPlan::idempotency_keys`], so a retried
//! invocation yields the same touch instead of a newer one.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::pinpoint::{InvocationError, deserialize_at};
use crate::plan::{Planner, Skip, TouchOutcome, TouchPlan, check_attribute_value};
use crate::touch::{MAX_ATTRIBUTE_VALUE_CHARS, Touch, TouchSource};

/// Where the Cognito username is and which application id the touches carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectConfig {
    /// A dotted path into the profile's `CustomerData`, e.g. `attributes.username`.
    pub username_field: String,
    /// Stands in for Pinpoint's application id (token, per-application lookback window).
    pub application_id: String,
    /// How the pool compares usernames (the canonical form of each).
    pub usernames: crate::username::UsernameRule,
}

/// The application id of Connect touches unless `CONNECT_APPLICATION_ID` says otherwise.
pub const DEFAULT_CONNECT_APPLICATION_ID: &str = "connect";

impl Default for ConnectConfig {
    fn default() -> Self {
        Self {
            username_field: "attributes.username".into(),
            application_id: DEFAULT_CONNECT_APPLICATION_ID.into(),
            usernames: crate::username::UsernameRule::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConnectInvocation {
    pub invocation_metadata: InvocationMetadata,
    pub items: Items,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InvocationMetadata {
    pub campaign_context: CampaignContext,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CampaignContext {
    pub campaign_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign_name: Option<String>,
}

/// Profiles stay raw JSON so one malformed profile cannot sink its siblings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Items {
    pub customer_profiles: Vec<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CustomerProfile {
    pub profile_id: String,
    /// A JSON string per the documentation; an already-parsed object is accepted too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_data: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_token: Option<String>,
}

/// Why a profile produced no touch. Shown to Connect as the profile's `reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileSkip {
    Malformed(InvocationError),
    NoUsername(String),
    EmptyUsername(String),
    LabelTooLong(usize),
}

impl ProfileSkip {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "malformed_profile",
            Self::NoUsername(_) => "no_username",
            Self::EmptyUsername(_) => "empty_username",
            Self::LabelTooLong(_) => "label_too_long",
        }
    }
}

impl std::fmt::Display for ProfileSkip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Malformed(e) => write!(f, "malformed profile: {e}"),
            Self::NoUsername(p) => write!(f, "CustomerData.{p}: missing"),
            Self::EmptyUsername(p) => write!(f, "CustomerData.{p}: not a non-empty string"),
            Self::LabelTooLong(n) => write!(
                f,
                "CampaignContext.CampaignName: label of {n} characters, over the {MAX_ATTRIBUTE_VALUE_CHARS} allowed in an event attribute"
            ),
        }
    }
}

/// Per profile (the plan's items, by profile id, in the invocation's order): the touch it
/// yields, shared by every profile of the same user, or why it is skipped.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectPlan {
    pub plan: TouchPlan<ProfileSkip>,
    /// Per touch: the keys that pin its time to the first delivery, one per profile of its
    /// user that has one (the `IdempotencyToken`, else run + action + profile). All of
    /// them, not the first: a retry may group a user's profiles differently (another
    /// first, one left out), and the first delivery's time must come back through any of
    /// them; the touch takes the earliest time its keys give.
    pub idempotency_keys: Vec<Vec<String>>,
}

/// Parses an invocation; errors name the JSON path of the offending field.
pub fn parse_invocation(value: Value) -> Result<ConnectInvocation, InvocationError> {
    deserialize_at(value, "")
}

impl ConnectInvocation {
    /// The campaign's label: `CampaignName`, else the campaign id.
    pub fn label(&self) -> &str {
        let c = &self.invocation_metadata.campaign_context;
        c.campaign_name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or(&c.campaign_id)
    }

    /// Every profile to a touch or a named skip; one touch per user.
    pub fn plan(
        &self,
        config: &ConnectConfig,
        received_at_ms: i64,
    ) -> Result<ConnectPlan, InvocationError> {
        let context = &self.invocation_metadata.campaign_context;
        if context.campaign_id.trim().is_empty() {
            return Err(InvocationError {
                field: "InvocationMetadata.CampaignContext.CampaignId".into(),
                reason: "empty".into(),
            });
        }
        let label = self.label().to_owned();
        let profiles = &self.items.customer_profiles;
        let mut planner = Planner::with_capacity(profiles.len());
        let mut idempotency_keys: Vec<Vec<String>> = Vec::new();
        for (i, raw) in profiles.iter().enumerate() {
            let (id, touch, key) = match profile_of(i, raw) {
                Err(e) => (
                    profile_id_hint(raw, i),
                    Err(ProfileSkip::Malformed(e)),
                    None,
                ),
                Ok(profile) => {
                    let touch = username_of(&profile, config, i).and_then(|username| {
                        check_attribute_value(&label).map_err(ProfileSkip::LabelTooLong)?;
                        Ok(Touch {
                            source: TouchSource::ConnectCustomAction,
                            username,
                            application_id: config.application_id.clone(),
                            journey_id: context.campaign_id.clone(),
                            activity_id: context.action_id.clone(),
                            label: label.clone(),
                            touched_at_ms: received_at_ms,
                        })
                    });
                    let key = idempotency_key(context, &profile);
                    (profile.profile_id, touch, key)
                }
            };
            if planner.push(id, touch).is_some() {
                idempotency_keys.push(Vec::new());
            }
            if let (Some(i), Some(key)) = (planner.last_touch(), key)
                && let Some(keys) = idempotency_keys.get_mut(i)
                && !keys.contains(&key)
            {
                keys.push(key);
            }
        }
        Ok(ConnectPlan {
            plan: planner.finish(),
            idempotency_keys,
        })
    }
}

fn profile_of(i: usize, raw: &Value) -> Result<CustomerProfile, InvocationError> {
    let profile: CustomerProfile = deserialize_at(raw, &format!("Items.CustomerProfiles[{i}]"))?;
    if profile.profile_id.trim().is_empty() {
        return Err(InvocationError {
            field: format!("Items.CustomerProfiles[{i}].ProfileId"),
            reason: "empty".into(),
        });
    }
    Ok(profile)
}

/// The id to answer a malformed profile under: its `ProfileId` if it has a string one.
fn profile_id_hint(raw: &Value, i: usize) -> String {
    raw.get("ProfileId")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map_or_else(|| format!("#{i}"), str::to_owned)
}

fn username_of(
    profile: &CustomerProfile,
    config: &ConnectConfig,
    i: usize,
) -> Result<String, ProfileSkip> {
    let path = config.username_field.as_str();
    let parsed;
    let data = match &profile.customer_data {
        None | Some(Value::Null) => return Err(ProfileSkip::NoUsername(path.to_owned())),
        Some(Value::String(s)) => {
            parsed = serde_json::from_str::<Value>(s).map_err(|e| {
                ProfileSkip::Malformed(InvocationError {
                    field: format!("Items.CustomerProfiles[{i}].CustomerData"),
                    reason: format!("not JSON: {e}"),
                })
            })?;
            &parsed
        }
        Some(v) => v,
    };
    let value = path
        .split('.')
        .try_fold(data, |v, key| v.get(key))
        .ok_or_else(|| ProfileSkip::NoUsername(path.to_owned()))?;
    match value {
        Value::String(s) => config.usernames.canonical(s),
        _ => None,
    }
    .ok_or_else(|| ProfileSkip::EmptyUsername(path.to_owned()))
}

fn idempotency_key(context: &CampaignContext, profile: &CustomerProfile) -> Option<String> {
    if let Some(token) = profile.idempotency_token.as_deref()
        && !token.trim().is_empty()
    {
        return Some(format!("connect|{token}"));
    }
    let run = context.run_id.as_deref().filter(|r| !r.trim().is_empty())?;
    Some(format!(
        "connect|{}|{run}|{}|{}",
        context.campaign_id,
        context.action_id.as_deref().unwrap_or(""),
        profile.profile_id
    ))
}

/// What happened to one profile, for Connect's response.
pub type ProfileResult = TouchOutcome<ProfileSkip>;

impl Skip for ProfileSkip {
    fn code(&self) -> &'static str {
        ProfileSkip::code(self)
    }

    fn is_error(&self) -> bool {
        matches!(self, Self::Malformed(_))
    }
}

/// Connect's response: one entry per requested profile, `Id` = its `ProfileId`.
pub fn response<'a>(
    results: impl IntoIterator<Item = (&'a str, &'a ProfileResult)>,
    label: Option<&str>,
) -> Value {
    let profiles: Vec<Value> = results
        .into_iter()
        .map(|(id, result)| {
            let mut data = serde_json::Map::new();
            let (state, reason) = match result {
                ProfileResult::Tagged(d) => ("tagged", d.as_str().to_owned()),
                ProfileResult::Skipped(r) => ("skipped", r.to_string()),
                ProfileResult::Failed(e) => ("failed", e.clone()),
            };
            data.insert("attribution".into(), state.into());
            data.insert("reason".into(), reason.into());
            if let (ProfileResult::Tagged(_), Some(label)) = (result, label) {
                data.insert("campaign".into(), label.into());
            }
            serde_json::json!({ "Id": id, "ResultData": data })
        })
        .collect();
    serde_json::json!({ "Items": { "CustomerProfiles": profiles } })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::WriteDecision;
    use serde_json::json;

    fn data(username: &str) -> String {
        json!({"profileId": "p", "firstName": "A", "attributes": {"username": username}})
            .to_string()
    }

    fn invocation(profiles: Value) -> ConnectInvocation {
        parse_invocation(json!({
            "InvocationMetadata": {"CampaignContext": {"CampaignId": "c-1", "RunId": "r-1",
                "ActionId": "act", "CampaignName": "Welcome"}},
            "Items": {"CustomerProfiles": profiles}
        }))
        .unwrap()
    }

    #[test]
    fn usernames_are_canonical_for_the_pool() {
        let inv = invocation(json!([
            {"ProfileId": "p1", "CustomerData": data(" Alice "), "IdempotencyToken": "t1"},
            {"ProfileId": "p2", "CustomerData": data("alice"), "IdempotencyToken": "t2"},
        ]));
        let config = ConnectConfig {
            usernames: crate::username::UsernameRule::CASE_INSENSITIVE,
            ..ConnectConfig::default()
        };
        let plan = inv.plan(&config, 42).unwrap();
        let users: Vec<&str> = plan
            .plan
            .touches
            .iter()
            .map(|t| t.username.as_str())
            .collect();
        assert_eq!(users, ["alice"]);
        let plan = inv.plan(&ConnectConfig::default(), 42).unwrap();
        let users: Vec<&str> = plan
            .plan
            .touches
            .iter()
            .map(|t| t.username.as_str())
            .collect();
        assert_eq!(users, ["Alice", "alice"], "trimmed, as every source is");
    }

    #[test]
    fn a_touch_per_user_with_the_campaign_as_journey() {
        let inv = invocation(json!([
            {"ProfileId": "p1", "CustomerData": data("alice"), "IdempotencyToken": "t1"},
            {"ProfileId": "p2", "CustomerData": data("bob"), "IdempotencyToken": "t2"},
            {"ProfileId": "p3", "CustomerData": data("alice"), "IdempotencyToken": "t3"},
        ]));
        let plan = inv.plan(&ConnectConfig::default(), 42).unwrap();
        assert_eq!(plan.plan.touches.len(), 2);
        let t = &plan.plan.touches[0];
        assert_eq!(
            (t.username.as_str(), t.journey_id.as_str(), t.label.as_str()),
            ("alice", "c-1", "Welcome")
        );
        assert_eq!(
            (t.application_id.as_str(), t.activity_id.as_deref()),
            ("connect", Some("act"))
        );
        assert_eq!(
            (t.source, t.touched_at_ms),
            (TouchSource::ConnectCustomAction, 42)
        );
        assert_eq!(
            plan.idempotency_keys,
            [
                vec!["connect|t1".to_owned(), "connect|t3".to_owned()],
                vec!["connect|t2".to_owned()]
            ],
            "every profile of a user pins its touch"
        );
        let ids: Vec<_> = plan
            .plan
            .items
            .iter()
            .map(|(id, r)| (id.as_str(), r.clone()))
            .collect();
        assert_eq!(ids, [("p1", Ok(0)), ("p2", Ok(1)), ("p3", Ok(0))]);
    }

    #[test]
    fn each_bad_profile_is_named_and_the_rest_still_plan() {
        let inv = invocation(json!([
            {"ProfileId": "p1", "CustomerData": "{not json"},
            {"ProfileId": "p2", "CustomerData": data("")},
            {"ProfileId": "p3", "CustomerData": "{\"attributes\":{}}"},
            {"CustomerData": data("x")},
            {"ProfileId": 7},
            {"ProfileId": "p6", "CustomerData": {"attributes": {"username": "carol"}}},
        ]));
        let plan = inv.plan(&ConnectConfig::default(), 0).unwrap();
        let reasons: Vec<String> = plan
            .plan
            .items
            .iter()
            .map(|(id, r)| match r {
                Ok(i) => format!("{id}: {}", plan.plan.touches[*i].username),
                Err(e) => format!("{id}: {} ({})", e.code(), e),
            })
            .collect();
        assert_eq!(
            reasons,
            [
                "p1: malformed_profile (malformed profile: Items.CustomerProfiles[0].CustomerData: not JSON: key must be a string at line 1 column 2)",
                "p2: empty_username (CustomerData.attributes.username: not a non-empty string)",
                "p3: no_username (CustomerData.attributes.username: missing)",
                "#3: malformed_profile (malformed profile: Items.CustomerProfiles[3]: missing field `ProfileId`)",
                "#4: malformed_profile (malformed profile: Items.CustomerProfiles[4].ProfileId: invalid type: integer `7`, expected a string)",
                "p6: carol",
            ]
        );
    }

    #[test]
    fn without_a_token_the_run_action_and_profile_key_the_touch() {
        let inv = invocation(json!([{"ProfileId": "p1", "CustomerData": data("alice")}]));
        let plan = inv.plan(&ConnectConfig::default(), 0).unwrap();
        assert_eq!(
            plan.idempotency_keys,
            [vec!["connect|c-1|r-1|act|p1".to_owned()]]
        );
        let mut no_run = inv.clone();
        no_run.invocation_metadata.campaign_context.run_id = None;
        let plan = no_run.plan(&ConnectConfig::default(), 0).unwrap();
        assert_eq!(plan.idempotency_keys, [Vec::<String>::new()]);
    }

    #[test]
    fn the_label_falls_back_to_the_campaign_id_and_must_fit_an_attribute() {
        let mut inv = invocation(json!([{"ProfileId": "p1", "CustomerData": data("a")}]));
        inv.invocation_metadata.campaign_context.campaign_name = None;
        assert_eq!(inv.label(), "c-1");
        inv.invocation_metadata.campaign_context.campaign_name = Some("x".repeat(201));
        let plan = inv.plan(&ConnectConfig::default(), 0).unwrap();
        assert_eq!(plan.plan.items[0].1, Err(ProfileSkip::LabelTooLong(201)));
    }

    #[test]
    fn an_unusable_invocation_names_the_field() {
        let err = parse_invocation(json!({"InvocationMetadata": {"CampaignContext": {}}, "Items": {"CustomerProfiles": []}}))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "InvocationMetadata.CampaignContext: missing field `CampaignId`"
        );
        let err = parse_invocation(
            json!({"InvocationMetadata": {"CampaignContext": {"CampaignId": "c"}}, "Items": {}}),
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "Items: missing field `CustomerProfiles`");
        let mut inv = invocation(json!([]));
        inv.invocation_metadata.campaign_context.campaign_id = " ".into();
        assert_eq!(
            inv.plan(&ConnectConfig::default(), 0)
                .unwrap_err()
                .to_string(),
            "InvocationMetadata.CampaignContext.CampaignId: empty"
        );
    }

    #[test]
    fn the_response_answers_every_profile_by_id() {
        let results = [
            ("p1", ProfileResult::Tagged(WriteDecision::Write)),
            (
                "p2",
                ProfileResult::Skipped(ProfileSkip::NoUsername("u".into())),
            ),
            ("p3", ProfileResult::Failed("throttled".into())),
        ];
        let r = response(results.iter().map(|(id, r)| (*id, r)), Some("Welcome"));
        assert_eq!(
            r,
            json!({"Items": {"CustomerProfiles": [
                {"Id": "p1", "ResultData": {"attribution": "tagged", "reason": "written", "campaign": "Welcome"}},
                {"Id": "p2", "ResultData": {"attribution": "skipped", "reason": "CustomerData.u: missing"}},
                {"Id": "p3", "ResultData": {"attribution": "failed", "reason": "throttled"}},
            ]}})
        );
    }
}
