//! Amazon SES event publishing (Open / Click) into touches.
//!
//! One Lambda receives SES events three ways: from a configuration set's EventBridge
//! destination (`detail` is the SES event record), from an SNS destination (each
//! `Records[i].Sns.Message` is the record as a JSON string), or as a bare record (tooling).
//! The email's message tags name the journey, the label and the user.

mod envelope;
mod record;

use serde_json::{Value, json};

use crate::pinpoint::InvocationError;
use crate::plan::{Planner, Skip, TouchOutcome, TouchPlan};
use crate::touch::{MAX_ATTRIBUTE_VALUE_CHARS, Touch};

/// The tag SES adds to every event published through a configuration set.
const CONFIGURATION_SET_TAG: &str = "ses:configuration-set";
/// The application id of a touch whose event names no configuration set.
const DEFAULT_APPLICATION_ID: &str = "ses";

/// Which message tags carry what, and which engagements count. Built once from env.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SesConfig {
    /// `mail.tags[journey_tag][0]` is the journey id.
    pub journey_tag: String,
    /// `mail.tags[label_tag][0]` is the label; the journey id when absent or empty.
    pub label_tag: String,
    /// `mail.tags[user_tag][0]` is the Cognito username.
    pub user_tag: String,
    /// Without the user tag, use `mail.destination[0]` (pools whose username is the email).
    pub user_from_destination: bool,
    pub opens: bool,
    pub clicks: bool,
    /// How the pool compares usernames (the canonical form of each).
    pub usernames: crate::username::UsernameRule,
}

impl Default for SesConfig {
    fn default() -> Self {
        Self {
            journey_tag: "journey_id".into(),
            label_tag: "campaign".into(),
            user_tag: "username".into(),
            user_from_destination: false,
            // Apple Mail Privacy Protection and other proxies fetch every image on
            // delivery: an Open is close to a Delivery, so opens are an opt-in.
            opens: false,
            clicks: true,
            usernames: crate::username::UsernameRule::default(),
        }
    }
}

/// Why an SES event record produced no touch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SesSkip {
    /// A missing or mis-shaped field, by its JSON path.
    Malformed(InvocationError),
    /// Delivery, Send, Bounce...: not an engagement. Carries the event type.
    NotAnEngagement(String),
    /// An Open while opens are off, or a Click while clicks are off. Carries the event type.
    Disabled(String),
    /// The journey tag (its name carried) is absent or empty: not a journey's email.
    NoJourneyTag(String),
    /// The user tag (its name carried) is absent or empty, and no destination stands in.
    NoUser(String),
    LabelTooLong(usize),
    /// The journey tag's value (the tag's name, the length) is longer than an event
    /// attribute may be.
    JourneyIdTooLong(String, usize),
}

impl SesSkip {
    /// A short machine-readable code (metric dimension, log field).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "malformed_event",
            Self::NotAnEngagement(_) => "not_an_engagement",
            Self::Disabled(_) => "disabled",
            Self::NoJourneyTag(_) => "no_journey_tag",
            Self::NoUser(_) => "no_user",
            Self::LabelTooLong(_) => "label_too_long",
            Self::JourneyIdTooLong(..) => "journey_id_too_long",
        }
    }

    /// Only a malformed event is an error; every other skip is expected traffic
    /// (a configuration set publishes all of its emails' events, not only journeys' opens).
    pub fn is_error(&self) -> bool {
        matches!(self, Self::Malformed(_))
    }
}

impl Skip for SesSkip {
    fn code(&self) -> &'static str {
        SesSkip::code(self)
    }

    fn is_error(&self) -> bool {
        SesSkip::is_error(self)
    }
}

impl std::fmt::Display for SesSkip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Malformed(e) => write!(f, "malformed event: {e}"),
            Self::NotAnEngagement(t) => write!(
                f,
                "eventType: {t} is not an engagement (only Open and Click are touches)"
            ),
            Self::Disabled(t) => write!(f, "eventType: {t} events are turned off"),
            Self::NoJourneyTag(tag) => write!(
                f,
                "mail.tags.{tag}: missing or empty (the email was not sent by a journey)"
            ),
            Self::NoUser(tag) => write!(
                f,
                "mail.tags.{tag}: missing or empty, and no mail.destination stands in for the username"
            ),
            Self::LabelTooLong(n) => write!(
                f,
                "campaign label of {n} characters, over the {MAX_ATTRIBUTE_VALUE_CHARS} Pinpoint allows in an event attribute"
            ),
            Self::JourneyIdTooLong(tag, n) => write!(
                f,
                "mail.tags.{tag}: journey id of {n} characters, over the {MAX_ATTRIBUTE_VALUE_CHARS} Pinpoint allows in an event attribute (campaign_id)"
            ),
        }
    }
}

/// Per SES event record (the plan's items, in input order, by the SNS MessageId, the
/// EventBridge `id`, or mail.messageId for a bare record): the touch it yields, shared by
/// exact duplicates (a redelivery), or why it is not a touch.
pub type SesPlan = TouchPlan<SesSkip>;

/// What happened to one SES event record.
pub type SesResult = TouchOutcome<SesSkip>;

/// `ses-tagging`'s summary of a delivery (EventBridge and SNS ignore a Lambda's answer; it
/// is for the logs and the tests): per record, in order, its id, what became of it and,
/// when tagged, the user.
pub fn response<'a>(
    results: impl IntoIterator<Item = (&'a str, &'a SesResult, Option<&'a str>)>,
) -> Value {
    let events: Vec<Value> = results
        .into_iter()
        .map(|(id, outcome, user)| match outcome {
            TouchOutcome::Tagged(d) => {
                json!({"id": id, "attribution": "tagged", "reason": d.as_str(), "user": user})
            }
            TouchOutcome::Failed(e) => json!({"id": id, "attribution": "failed", "reason": e}),
            TouchOutcome::Skipped(skip) => json!({"id": id, "attribution": "skipped",
                "reason": skip.code(), "detail": skip.to_string()}),
        })
        .collect();
    json!({ "events": events })
}

/// Every SES event record of an EventBridge event, an SNS Lambda event or a bare record,
/// to a touch or a named skip. Errs only when the envelope itself is unusable; a bad
/// record is a `Malformed` item and never loses its siblings.
pub fn plan(event: Value, config: &SesConfig) -> Result<SesPlan, InvocationError> {
    let mut planner = Planner::with_capacity(1);
    envelope::each_record(event, |id, at, message| {
        let touch = message
            .map_err(SesSkip::Malformed)
            .and_then(|m| record::touch_of(m, at, config));
        planner.push(id, touch);
    })?;
    Ok(planner.finish())
}

/// One SES event record, read on its own (as a configuration set's Firehose destination
/// writes it), to its touch or a named skip: what [`plan`] does for each record of an event.
pub fn record_touch(
    record: serde_json::Map<String, Value>,
    config: &SesConfig,
) -> Result<Touch, SesSkip> {
    record::touch_of(record, "", config)
}

/// An SNS notification (the `Sns` object of an SNS Lambda event, as an SNS subscription
/// archives it) whose `Message` is an SES event record, to its touch or a named skip; errors
/// name the field under the notification (`Message.mail.tags`).
pub fn notification_touch(
    notification: serde_json::Map<String, Value>,
    config: &SesConfig,
) -> Result<Touch, SesSkip> {
    let (_, message) = envelope::notification_message(notification, "");
    record::touch_of(message.map_err(SesSkip::Malformed)?, "Message", config)
}

pub(crate) fn error(field: &str, reason: &str) -> InvocationError {
    InvocationError {
        field: field.into(),
        reason: reason.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::touch::{Touch, TouchSource};
    use serde_json::json;

    const OPENED_AT: &str = "2017-08-09T22:00:19.652Z";
    const OPENED_AT_MS: i64 = 1_502_316_019_652;
    const SENT_AT: &str = "2017-08-09T21:59:49.927Z";
    const SENT_AT_MS: i64 = 1_502_315_989_927;

    /// Opens and clicks: most tests read Open records.
    fn both() -> SesConfig {
        SesConfig {
            opens: true,
            ..SesConfig::default()
        }
    }

    #[test]
    fn by_default_only_clicks_are_touches() {
        let d = SesConfig::default();
        assert_eq!(
            skip_of(record("Open", journey_tags()), &d),
            SesSkip::Disabled("Open".into())
        );
        assert_eq!(
            only(&plan(record("Click", journey_tags()), &d).unwrap()),
            &Ok(0)
        );
    }

    fn record(event_type: &str, tags: Value) -> Value {
        json!({
            "eventType": event_type,
            "mail": {
                "timestamp": SENT_AT,
                "messageId": "msg-1",
                "source": "sender@example.com",
                "destination": ["recipient@example.com"],
                "tags": tags,
            },
            "open": {"ipAddress": "192.0.2.1", "timestamp": OPENED_AT, "userAgent": "UA"},
            "click": {"ipAddress": "192.0.2.1", "link": "https://example.com/",
                "linkTags": {}, "timestamp": OPENED_AT, "userAgent": "UA"},
        })
    }

    fn journey_tags() -> Value {
        json!({
            "ses:configuration-set": ["ConfigSet"],
            "journey_id": ["j-1"],
            "campaign": ["spring-sale-2026"],
            "username": ["alice"],
        })
    }

    fn sns(records: &[(&str, Value)]) -> Value {
        let records: Vec<Value> = records
            .iter()
            .map(|(id, message)| {
                json!({"EventSource": "aws:sns", "EventVersion": "1.0",
                    "Sns": {"Type": "Notification", "MessageId": id,
                        "Message": message.to_string()}})
            })
            .collect();
        json!({ "Records": records })
    }

    fn only(plan: &SesPlan) -> &Result<usize, SesSkip> {
        assert_eq!(plan.items.len(), 1, "{plan:?}");
        &plan.items[0].1
    }

    fn skip_of(event: Value, config: &SesConfig) -> SesSkip {
        match only(&plan(event, config).unwrap()) {
            Err(skip) => skip.clone(),
            other => panic!("{other:?}"),
        }
    }

    fn malformed_field(event: Value) -> String {
        match skip_of(event, &both()) {
            SesSkip::Malformed(e) => e.field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_bare_open_record_is_a_touch_at_the_open_time() {
        let plan = plan(record("Open", journey_tags()), &both()).unwrap();
        assert_eq!(plan.items, vec![("msg-1".to_string(), Ok(0))]);
        assert_eq!(
            plan.touches,
            vec![Touch {
                source: TouchSource::SesEvent,
                username: "alice".into(),
                application_id: "ConfigSet".into(),
                journey_id: "j-1".into(),
                activity_id: Some("msg-1".into()),
                label: "spring-sale-2026".into(),
                touched_at_ms: OPENED_AT_MS,
            }]
        );
    }

    #[test]
    fn an_eventbridge_click_is_identified_by_the_event_id() {
        let event = json!({
            "version": "0", "id": "eb-1", "detail-type": "Email Clicked", "source": "aws.ses",
            "time": "2017-08-09T23:51:26Z", "detail": record("Click", journey_tags()),
        });
        let plan = plan(event, &both()).unwrap();
        assert_eq!(plan.items, vec![("eb-1".to_string(), Ok(0))]);
        assert_eq!(plan.touches[0].touched_at_ms, OPENED_AT_MS);
    }

    #[test]
    fn eventbridge_without_a_usable_detail_is_an_envelope_error() {
        let err = plan(
            json!({"id": "eb-1", "detail-type": "Email Opened"}),
            &both(),
        )
        .unwrap_err();
        assert_eq!(err.field, "detail");
        let err = plan(
            json!({"id": "eb-1", "detail-type": "Email Opened", "detail": "x"}),
            &both(),
        )
        .unwrap_err();
        assert_eq!(err.field, "detail");
    }

    #[test]
    fn eventbridge_errors_name_the_path_under_detail() {
        let mut detail = record("Open", journey_tags());
        detail["mail"]["tags"]["journey_id"] = json!("j-1");
        let event = json!({"id": "eb-1", "detail-type": "Email Opened", "detail": detail});
        assert_eq!(malformed_field(event), "detail.mail.tags.journey_id");
    }

    #[test]
    fn every_sns_record_is_an_item_and_a_bad_one_loses_no_other() {
        let mut bob = journey_tags();
        bob["username"] = json!(["bob"]);
        let mut event = sns(&[
            ("m-0", record("Open", journey_tags())),
            ("m-1", json!(null)),
            ("m-2", record("Delivery", journey_tags())),
            ("m-3", record("Click", bob)),
        ]);
        event["Records"][1]["Sns"]["Message"] = json!("{not json");
        let plan = plan(event, &both()).unwrap();
        let ids: Vec<&str> = plan.items.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["m-0", "m-1", "m-2", "m-3"]);
        assert_eq!(plan.items[0].1, Ok(0));
        match &plan.items[1].1 {
            Err(SesSkip::Malformed(e)) => {
                assert_eq!(e.field, "Records[1].Sns.Message");
                assert!(e.reason.starts_with("not JSON: "), "{e}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            plan.items[2].1,
            Err(SesSkip::NotAnEngagement("Delivery".into()))
        );
        assert_eq!(plan.items[3].1, Ok(1));
        assert_eq!(plan.touches[1].username, "bob");
    }

    #[test]
    fn sns_record_shape_errors_name_the_record() {
        let event = json!({"Records": [
            {"EventSource": "aws:sqs", "body": "{}"},
            {"Sns": {"MessageId": "m-1", "Message": 7}},
            {"Sns": {"MessageId": "m-2", "Message": "[1]"}},
            {"Sns": {"MessageId": "m-3"}},
        ]});
        let plan = plan(event, &both()).unwrap();
        let fields: Vec<String> = plan
            .items
            .iter()
            .map(|(_, o)| match o {
                Err(SesSkip::Malformed(e)) => e.field.clone(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            fields,
            [
                "Records[0].Sns",
                "Records[1].Sns.Message",
                "Records[2].Sns.Message",
                "Records[3].Sns.Message"
            ]
        );
        // Without a MessageId the record is named by its position.
        assert_eq!(plan.items[0].0, "Records[0]");
    }

    #[test]
    fn field_errors_inside_an_sns_message_name_the_message() {
        let mut message = record("Open", journey_tags());
        message["mail"].as_object_mut().unwrap().remove("messageId");
        let field = malformed_field(sns(&[("m-0", message)]));
        assert_eq!(field, "Records[0].Sns.Message.mail");
    }

    #[test]
    fn unusable_envelopes_are_errors() {
        let config = both();
        assert_eq!(plan(json!([1]), &config).unwrap_err().field, "(event)");
        assert_eq!(
            plan(json!({"Records": {}}), &config).unwrap_err().field,
            "Records"
        );
        let empty = plan(json!({"Records": []}), &config).unwrap();
        assert!(empty.items.is_empty() && empty.touches.is_empty());
    }

    #[test]
    fn notification_type_stands_in_for_a_missing_event_type() {
        let mut r = record("Open", journey_tags());
        let obj = r.as_object_mut().unwrap();
        obj.remove("eventType");
        obj.insert("notificationType".into(), json!("Open"));
        assert_eq!(only(&plan(r.clone(), &both()).unwrap()), &Ok(0));
        r.as_object_mut().unwrap().remove("notificationType");
        assert_eq!(malformed_field(r), "eventType");
        let mut r = record("Open", journey_tags());
        r["eventType"] = json!(3);
        assert_eq!(malformed_field(r), "eventType");
    }

    #[test]
    fn other_event_types_are_not_engagements_whatever_their_shape() {
        for t in [
            "Delivery",
            "Send",
            "Bounce",
            "Complaint",
            "Reject",
            "DeliveryDelay",
        ] {
            let skip = skip_of(json!({"eventType": t, "mail": 1}), &both());
            assert_eq!(skip, SesSkip::NotAnEngagement(t.into()));
            assert_eq!(skip.code(), "not_an_engagement");
            assert!(!skip.is_error());
        }
    }

    #[test]
    fn opens_or_clicks_can_be_turned_off() {
        let no_opens = SesConfig {
            opens: false,
            ..both()
        };
        assert_eq!(
            skip_of(record("Open", journey_tags()), &no_opens),
            SesSkip::Disabled("Open".into())
        );
        assert_eq!(
            only(&plan(record("Click", journey_tags()), &no_opens).unwrap()),
            &Ok(0)
        );
        let no_clicks = SesConfig {
            clicks: false,
            ..both()
        };
        let skip = skip_of(record("Click", journey_tags()), &no_clicks);
        assert_eq!(skip, SesSkip::Disabled("Click".into()));
        assert_eq!(skip.code(), "disabled");
    }

    #[test]
    fn an_email_without_the_journey_tag_is_not_a_touch() {
        let mut tags = journey_tags();
        tags.as_object_mut().unwrap().remove("journey_id");
        let skip = skip_of(record("Open", tags), &both());
        assert_eq!(skip, SesSkip::NoJourneyTag("journey_id".into()));
        assert_eq!(skip.code(), "no_journey_tag");
        assert!(!skip.is_error());
        let mut tags = journey_tags();
        tags["journey_id"] = json!([" "]);
        assert_eq!(
            skip_of(record("Open", tags), &both()),
            SesSkip::NoJourneyTag("journey_id".into())
        );
    }

    #[test]
    fn the_user_is_the_user_tag_else_optionally_the_destination() {
        let mut tags = journey_tags();
        tags.as_object_mut().unwrap().remove("username");
        let skip = skip_of(record("Open", tags.clone()), &both());
        assert_eq!(skip, SesSkip::NoUser("username".into()));
        assert_eq!(skip.code(), "no_user");
        let by_email = SesConfig {
            user_from_destination: true,
            ..both()
        };
        let plan_ = plan(record("Open", tags.clone()), &by_email).unwrap();
        assert_eq!(plan_.touches[0].username, "recipient@example.com");
        let mut no_destination = record("Open", tags);
        no_destination["mail"]["destination"] = json!([]);
        assert_eq!(
            skip_of(no_destination, &by_email),
            SesSkip::NoUser("username".into())
        );
        // The tag wins over the destination.
        let plan_ = plan(record("Open", journey_tags()), &by_email).unwrap();
        assert_eq!(plan_.touches[0].username, "alice");
    }

    #[test]
    fn tag_names_come_from_the_config() {
        let config = SesConfig {
            journey_tag: "jid".into(),
            label_tag: "lbl".into(),
            user_tag: "sub".into(),
            ..both()
        };
        let tags = json!({"jid": ["j-9"], "lbl": ["summer"], "sub": ["carol"]});
        let plan = plan(record("Click", tags), &config).unwrap();
        let t = &plan.touches[0];
        assert_eq!(
            (t.journey_id.as_str(), t.label.as_str(), t.username.as_str()),
            ("j-9", "summer", "carol")
        );
        // No configuration set tag: the application is "ses".
        assert_eq!(t.application_id, "ses");
    }

    #[test]
    fn the_label_falls_back_to_the_journey_id() {
        let mut tags = journey_tags();
        tags["campaign"] = json!([""]);
        let plan_ = plan(record("Open", tags.clone()), &both()).unwrap();
        assert_eq!(plan_.touches[0].label, "j-1");
        tags.as_object_mut().unwrap().remove("campaign");
        let plan_ = plan(record("Open", tags), &both()).unwrap();
        assert_eq!(plan_.touches[0].label, "j-1");
    }

    #[test]
    fn a_label_too_long_for_pinpoint_skips_with_the_reason() {
        let mut tags = journey_tags();
        tags["campaign"] = json!(["x".repeat(201)]);
        let skip = skip_of(record("Open", tags.clone()), &both());
        assert_eq!(skip, SesSkip::LabelTooLong(201));
        assert_eq!(skip.code(), "label_too_long");
        tags["campaign"] = json!(["🎉".repeat(150)]);
        let skip = skip_of(record("Open", tags.clone()), &both());
        assert_eq!(
            skip,
            SesSkip::LabelTooLong(300),
            "UTF-16 code units, as Pinpoint counts"
        );
        tags["campaign"] = json!(["é".repeat(200)]);
        assert_eq!(only(&plan(record("Open", tags), &both()).unwrap()), &Ok(0));
    }

    #[test]
    fn the_username_tag_is_canonical_for_the_pool() {
        let mut tags = journey_tags();
        tags["username"] = json!(["  Alice "]);
        let config = SesConfig {
            usernames: crate::username::UsernameRule::CASE_INSENSITIVE,
            ..both()
        };
        let p = plan(record("Open", tags.clone()), &config).unwrap();
        assert_eq!(p.touches[0].username, "alice");
        let p = plan(record("Open", tags), &both()).unwrap();
        assert_eq!(p.touches[0].username, "Alice");
    }

    #[test]
    fn a_journey_id_too_long_for_campaign_id_skips_at_tagging_time() {
        let mut tags = journey_tags();
        tags["journey_id"] = json!(["j".repeat(256)]);
        let skip = skip_of(record("Open", tags), &both());
        assert_eq!(skip, SesSkip::JourneyIdTooLong("journey_id".into(), 256));
        assert_eq!(skip.code(), "journey_id_too_long");
        assert!(
            skip.to_string()
                .starts_with("mail.tags.journey_id: journey id of 256 characters"),
            "{skip}"
        );
    }

    #[test]
    fn the_mail_timestamp_stands_in_for_a_missing_or_bad_engagement_time() {
        let mut r = record("Open", journey_tags());
        r["open"]["timestamp"] = json!("yesterday");
        let plan_ = plan(r.clone(), &both()).unwrap();
        assert_eq!(plan_.touches[0].touched_at_ms, SENT_AT_MS);
        r.as_object_mut().unwrap().remove("open");
        let plan_ = plan(r.clone(), &both()).unwrap();
        assert_eq!(plan_.touches[0].touched_at_ms, SENT_AT_MS);
        r["mail"]["timestamp"] = json!("soon");
        let skip = skip_of(r, &both());
        match &skip {
            SesSkip::Malformed(e) => assert_eq!(e.field, "open.timestamp"),
            other => panic!("{other:?}"),
        }
        assert!(skip.is_error());
        assert_eq!(skip.code(), "malformed_event");
        let mut r = record("Click", journey_tags());
        r["click"]["timestamp"] = json!(null);
        r["mail"].as_object_mut().unwrap().remove("timestamp");
        assert_eq!(malformed_field(r), "click.timestamp");
    }

    #[test]
    fn shape_errors_name_the_field() {
        let mut r = record("Open", journey_tags());
        r["mail"]["tags"]["journey_id"] = json!("j-1");
        assert_eq!(malformed_field(r), "mail.tags.journey_id");
        let mut r = record("Open", journey_tags());
        r["mail"]["destination"] = json!("recipient@example.com");
        assert_eq!(malformed_field(r), "mail.destination");
        let mut r = record("Open", journey_tags());
        r.as_object_mut().unwrap().remove("mail");
        let skip = skip_of(r, &both());
        match &skip {
            SesSkip::Malformed(e) => {
                assert_eq!(e.field, "(event)");
                assert!(e.reason.contains("mail"), "{e}");
            }
            other => panic!("{other:?}"),
        }
        assert!(skip.to_string().starts_with("malformed event: "), "{skip}");
    }

    #[test]
    fn exact_duplicates_share_a_touch_and_distinct_engagements_do_not() {
        let open = record("Open", journey_tags());
        let mut later = open.clone();
        later["open"]["timestamp"] = json!("2017-08-10T08:00:00Z");
        let event = sns(&[
            ("m-0", open.clone()),
            ("m-1", open.clone()),
            ("m-0", open),
            ("m-2", later),
        ]);
        let plan = plan(event, &both()).unwrap();
        let outcomes: Vec<_> = plan.items.iter().map(|(_, o)| o.clone()).collect();
        assert_eq!(outcomes, [Ok(0), Ok(0), Ok(0), Ok(1)]);
        assert_eq!(plan.touches.len(), 2);
    }

    #[test]
    fn a_redelivered_event_yields_the_identical_touch() {
        let first = plan(record("Click", journey_tags()), &both()).unwrap();
        let again = plan(record("Click", journey_tags()), &both()).unwrap();
        assert_eq!(first, again);
    }

    #[test]
    fn skips_display_the_field_and_reason() {
        let cases = [
            (SesSkip::NotAnEngagement("Send".into()), "eventType: Send"),
            (SesSkip::Disabled("Open".into()), "eventType: Open"),
            (
                SesSkip::NoJourneyTag("journey_id".into()),
                "mail.tags.journey_id: missing",
            ),
            (
                SesSkip::NoUser("username".into()),
                "mail.tags.username: missing",
            ),
            (SesSkip::LabelTooLong(201), "label of 201 characters"),
        ];
        for (skip, text) in cases {
            assert!(skip.to_string().contains(text), "{skip}");
            assert!(!skip.is_error());
        }
    }
}
