//! The payloads the demo's touch sources send, as the services send them: Pinpoint's and
//! Connect's invocations from core's own types (the ones the handlers parse them into), SES's
//! Open event over SNS from AWS's example in `tests/fixtures/`, with the demo's users, ids
//! and times in place of the example's; and the event-stream record of an event the app
//! recorded. The world (`world.rs`) decides who is touched and when; this module only
//! spells what the service would send.

use std::collections::{BTreeMap, HashMap};

use journey_attribution_core::connect::{
    CampaignContext, ConnectInvocation, CustomerProfile, InvocationMetadata, Items,
};
use journey_attribution_core::pinpoint::{CustomChannelEvent, Endpoint, User};
use journey_attribution_core::rfc3339;
use serde_json::{Map, Value, json};

use super::world::JourneyRequest;

/// AWS's example of SES's Open event delivered by an SNS destination (one record).
// AWS's example lives in the CLI crate, so that the published crate carries it;
// tests/fixtures/ses-open-sns.json is a link to it, the one copy every test reads.
const SES_OPEN_SNS: &str = include_str!("ses-open-sns.json");

/// A username as an id fragment (`ep-alice-email`, `profile-alice`).
pub fn slug(username: &str) -> String {
    username
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

fn to_value(payload: impl serde::Serialize) -> Value {
    serde_json::to_value(payload).expect("core's payload types serialise to JSON")
}

/// Pinpoint's custom-channel invocation for these users, as a journey sends it at `now_ms`
/// (the `n`th invocation): one email endpoint per user, its `username` user attribute the
/// Cognito username, the label as the activity's custom data.
pub fn pinpoint_invocation(req: &JourneyRequest, n: u64, now_ms: i64) -> Value {
    let endpoints = req
        .usernames
        .iter()
        .map(|u| {
            let endpoint = Endpoint {
                channel_type: Some("EMAIL".into()),
                address: Some(format!("{u}@example.com")),
                attributes: None,
                user: Some(User {
                    user_id: Some(u.clone()),
                    user_attributes: Some(HashMap::from([("username".into(), vec![u.clone()])])),
                }),
                other: BTreeMap::from([
                    ("EndpointStatus".into(), "ACTIVE".into()),
                    ("OptOut".into(), "NONE".into()),
                    ("RequestId".into(), format!("demo-request-{n}").into()),
                ]),
            };
            (format!("ep-{}-email", slug(u)), to_value(endpoint))
        })
        .collect();
    to_value(CustomChannelEvent {
        message: Some(json!({})),
        // The activity's custom data in the form core reads a label from.
        data: Some(json!({"campaign": req.label}).to_string()),
        application_id: req.application_id.clone(),
        campaign_id: Some(req.journey_id.clone()),
        treatment_id: Some("0".into()),
        activity_id: Some("custom-channel-activity".into()),
        scheduled_time: Some(rfc3339::format_ms(now_ms)),
        journey_id: Some(req.journey_id.clone()),
        endpoints,
    })
}

/// An Amazon Connect outbound campaign's custom-action invocation (the `n`th): the
/// campaign's id and name, one customer profile per user whose `CustomerData` (a JSON
/// string) holds the username where `connect-tagging` looks by default
/// (`attributes.username`). Each invocation has its own idempotency tokens; a retried
/// delivery repeats them.
pub fn connect_invocation(req: &JourneyRequest, n: u64) -> Value {
    let profiles = req
        .usernames
        .iter()
        .map(|u| {
            let customer = json!({
                "firstName": u,
                "email": format!("{u}@example.com"),
                "attributes": {"username": u},
            });
            to_value(CustomerProfile {
                profile_id: format!("profile-{}", slug(u)),
                customer_data: Some(customer.to_string().into()),
                idempotency_token: Some(format!("demo-token-{n}-{}", slug(u))),
            })
        })
        .collect();
    to_value(ConnectInvocation {
        invocation_metadata: InvocationMetadata {
            campaign_context: CampaignContext {
                campaign_id: req.journey_id.clone(),
                run_id: Some(format!("demo-run-{n}")),
                action_id: Some("demo-custom-action".into()),
                campaign_name: Some(req.label.clone()),
            },
        },
        items: Items {
            customer_profiles: profiles,
        },
    })
}

/// The SES message tags of an email: the configuration set, and the journey, label and
/// user the operator tags (values already valid tag values).
#[derive(Debug)]
pub struct SesTags<'a> {
    pub configuration_set: &'a str,
    pub journey_id: &'a str,
    pub campaign: &'a str,
}

/// SES's Open events for these users as an SNS destination delivers them (the `n`th
/// delivery): one record per email, the SES event record a JSON string, sent five minutes
/// before `now_ms` and opened at `now_ms`. AWS's example with the demo's message ids,
/// addresses, times and tags (in `tags` and in the headers that repeat them).
pub fn ses_open_notification(
    usernames: &[String],
    tags: &SesTags<'_>,
    n: u64,
    now_ms: i64,
) -> Value {
    let example: Value = serde_json::from_str(SES_OPEN_SNS).expect("the SES fixture is JSON");
    let record = &example["Records"][0];
    let event: Value = serde_json::from_str(
        record["Sns"]["Message"]
            .as_str()
            .expect("the fixture's Sns.Message is a string"),
    )
    .expect("the fixture's SES event is JSON");
    let now = rfc3339::format_ms(now_ms);
    let sent = rfc3339::format_ms(now_ms.saturating_sub(5 * 60_000));
    let source = "news@example.com";
    let records: Vec<Value> = usernames
        .iter()
        .map(|u| {
            let to = format!("{u}@example.com");
            let message_id = format!("demo-mail-{n}-{}", slug(u));
            let mut event = event.clone();
            let mail = &mut event["mail"];
            mail["timestamp"] = sent.clone().into();
            mail["messageId"] = message_id.clone().into();
            mail["source"] = source.into();
            if let Some(arn) = mail["sourceArn"].as_str() {
                let identity = arn.rsplit_once("identity/").map_or(arn, |(at, _)| at);
                mail["sourceArn"] = format!("{identity}identity/{source}").into();
            }
            mail["destination"] = json!([to]);
            let mut tag_map: Map<String, Value> =
                mail["tags"].as_object().cloned().unwrap_or_default();
            for (name, value) in [
                ("ses:configuration-set", tags.configuration_set),
                ("journey_id", tags.journey_id),
                ("campaign", tags.campaign),
                ("username", u.as_str()),
            ] {
                tag_map.insert(name.into(), json!([value]));
            }
            mail["tags"] = Value::Object(tag_map);
            let header_tags = format!(
                "journey_id={}, campaign={}, username={u}",
                tags.journey_id, tags.campaign
            );
            if let Some(headers) = mail["headers"].as_array_mut() {
                for h in headers {
                    let value = match h["name"].as_str() {
                        Some("X-SES-CONFIGURATION-SET") => tags.configuration_set.to_owned(),
                        Some("X-SES-MESSAGE-TAGS") => header_tags.clone(),
                        Some("From") => source.to_owned(),
                        Some("To") => to.clone(),
                        _ => continue,
                    };
                    h["value"] = value.into();
                }
            }
            let common = &mut mail["commonHeaders"];
            common["from"] = json!([source]);
            common["to"] = json!([to]);
            common["messageId"] = message_id.into();
            event["open"]["timestamp"] = now.clone().into();
            let mut record = record.clone();
            record["Sns"]["MessageId"] = format!("demo-sns-{n}-{}", slug(u)).into();
            record["Sns"]["Message"] = event.to_string().into();
            record["Sns"]["Timestamp"] = now.clone().into();
            record
        })
        .collect();
    json!({ "Records": records })
}

/// The event the app recorded (its `name`, `attributes`, `metrics`) as Pinpoint's event
/// stream writes it, recorded by `username`'s browser at `now_ms`.
pub fn event_stream_record(username: &str, event: &Value, now_ms: i64) -> Value {
    json!({
        "event_type": event.get("name").cloned().unwrap_or(Value::Null),
        "event_timestamp": now_ms,
        "arrival_timestamp": now_ms + 120,
        "event_version": "3.1",
        "application": {"app_id": "demo-web-app", "sdk": {"name": "aws-amplify", "version": "6"}},
        "client": {"client_id": format!("client-{username}"), "cognito_id": format!("us-east-1:{username}")},
        "device": {"platform": {"name": "web"}},
        "session": {},
        "attributes": event.get("attributes").cloned().unwrap_or_else(|| json!({})),
        "metrics": event.get("metrics").cloned().unwrap_or_else(|| json!({})),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::world::Service;

    fn req(users: &[&str]) -> JourneyRequest {
        JourneyRequest {
            usernames: users.iter().map(|&u| u.to_owned()).collect(),
            application_id: "demo-newsletter".into(),
            journey_id: "journey-may".into(),
            label: "May newsletter".into(),
            source: Service::Pinpoint,
        }
    }

    /// The key paths of a JSON value (array items merged), so two payloads can be compared
    /// by shape.
    fn shape(v: &Value, at: &str, out: &mut std::collections::BTreeSet<String>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    let path = format!("{at}.{k}");
                    out.insert(path.clone());
                    shape(v, &path, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|i| shape(i, &format!("{at}[]"), out)),
            Value::String(s) => {
                if let Ok(inner @ Value::Object(_)) = serde_json::from_str::<Value>(s) {
                    shape(&inner, &format!("{at}<json>"), out);
                }
            }
            _ => {}
        }
    }

    fn shape_of(v: &Value) -> std::collections::BTreeSet<String> {
        let mut out = Default::default();
        shape(v, "", &mut out);
        out
    }

    #[test]
    fn the_invocations_read_back_as_core_reads_them() {
        let r = req(&["alice", "björn"]);
        let pinpoint = pinpoint_invocation(&r, 3, 1_777_626_000_000);
        let event: CustomChannelEvent = serde_json::from_value(pinpoint.clone()).expect("Pinpoint");
        assert_eq!(to_value(&event), pinpoint);
        assert_eq!(
            event.scheduled_time.as_deref(),
            Some("2026-05-01T09:00:00.000Z")
        );
        let endpoint: Endpoint =
            serde_json::from_value(event.endpoints["ep-bjrn-email"].clone()).expect("endpoint");
        let user = endpoint.user.expect("a user");
        assert_eq!(
            user.user_attributes.expect("attributes")["username"],
            ["björn"]
        );
        assert_eq!(endpoint.other["RequestId"], "demo-request-3");

        let connect = connect_invocation(&r, 4);
        let invocation: ConnectInvocation =
            serde_json::from_value(connect.clone()).expect("Connect");
        assert_eq!(to_value(&invocation), connect);
        let profile: CustomerProfile =
            serde_json::from_value(invocation.items.customer_profiles[1].clone()).expect("profile");
        let data: Value = serde_json::from_str(
            profile
                .customer_data
                .as_ref()
                .and_then(Value::as_str)
                .expect("a JSON string"),
        )
        .expect("customer data");
        assert_eq!(data["attributes"]["username"], "björn");
        assert_eq!(
            profile.idempotency_token.as_deref(),
            Some("demo-token-4-bjrn")
        );
    }

    #[test]
    fn the_ses_notification_is_aws_example_with_the_demos_values_throughout() {
        let example: Value = serde_json::from_str(SES_OPEN_SNS).expect("fixture");
        let tags = SesTags {
            configuration_set: "demo-newsletter",
            journey_id: "journey-may",
            campaign: "May-newsletter",
        };
        let sns = ses_open_notification(
            &["chen".into(), "alice".into()],
            &tags,
            2,
            1_777_626_000_000,
        );
        let records = sns["Records"].as_array().expect("records");
        assert_eq!(records.len(), 2);
        // Every field of AWS's example, nothing else: the handler meets what SES sends.
        assert_eq!(shape_of(&records[0]), shape_of(&example["Records"][0]));
        let text = records[0]["Sns"]["Message"]
            .as_str()
            .expect("a JSON string");
        let event: Value = serde_json::from_str(text).expect("SES event");
        assert_eq!(event["mail"]["tags"]["username"], json!(["chen"]));
        assert_eq!(
            event["mail"]["tags"]["ses:configuration-set"],
            json!(["demo-newsletter"])
        );
        assert_eq!(event["open"]["timestamp"], "2026-05-01T09:00:00.000Z");
        assert_eq!(event["mail"]["timestamp"], "2026-05-01T08:55:00.000Z");
        assert_eq!(records[1]["Sns"]["MessageId"], "demo-sns-2-alice");
        // None of the example's own journey, label, user or addresses is left behind, in
        // the tags or in the headers that repeat them.
        for stale in [
            "spring-sale-2026",
            "f4a4c5b1d9e84c4e8a0e1b9c6example",
            "username=alice",
            "sender@",
            "recipient@",
            "ConfigSet",
        ] {
            assert!(!text.contains(stale), "{stale} in {text}");
        }
        assert!(
            text.contains("journey_id=journey-may, campaign=May-newsletter, username=chen"),
            "{text}"
        );
    }
}
