//! The fixtures are real AWS payload shapes: they deserialize into `aws_lambda_events`
//! types, and core reads each record.
#![allow(clippy::unwrap_used)]

mod common;

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use journey_attribution_lambda::table::stream;

#[test]
fn stream_fixtures_are_lambda_dynamodb_events() {
    for (name, event_name, ttl) in [
        ("dynamodb-stream-insert.json", "INSERT", false),
        ("dynamodb-stream-modify.json", "MODIFY", false),
        ("dynamodb-stream-manual-remove.json", "REMOVE", false),
        ("dynamodb-stream-ttl-remove.json", "REMOVE", true),
    ] {
        let value = common::fixture(name);
        let event: Event =
            serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(event.records.len(), 1);
        let record: &EventRecord = &event.records[0];
        assert_eq!(record.event_name, event_name, "{name}");
        assert_eq!(
            record
                .user_identity
                .as_ref()
                .map(|u| u.principal_id.as_str()),
            ttl.then_some("dynamodb.amazonaws.com"),
            "{name}"
        );
        let decoded = stream::decode_record(&value["Records"][0]).unwrap();
        assert_eq!(
            decoded.sequence_number,
            record.change.sequence_number.clone().unwrap()
        );
        assert_eq!(decoded.change.ttl_delete, ttl);
    }
}

#[test]
fn the_pinpoint_fixture_plans_one_touch_per_user() {
    let event = journey_attribution_lambda::core::pinpoint::parse_invocation(common::fixture(
        "pinpoint-custom-channel-users.json",
    ))
    .unwrap();
    let plan = event.plan("username", 0).unwrap();
    assert_eq!(plan.items.len(), 6);
    let users: Vec<&str> = plan.touches.iter().map(|t| t.username.as_str()).collect();
    assert_eq!(
        users,
        ["alice", "名前ユーザー", "Zoë"],
        "in endpoint-id order"
    );
}
