//! The DynamoDB stream fixtures read into what `sync` decides, and their items round-trip.
#![allow(clippy::unwrap_used)]

use journey_attribution_core::sync::{self, ChangeKind, IgnoreReason, SyncAction};
use journey_attribution_core::token::Token;
use journey_attribution_table::item::to_item;
use journey_attribution_table::stream::{decode_item, decode_record};
use journey_attribution_test_support::fixtures::json as fixture;
use serde_json::Value;

fn only_record(name: &str) -> Value {
    fixture(name)["Records"][0].clone()
}

#[test]
fn stream_insert_and_modify_set_the_new_token() {
    for (name, kind) in [
        ("dynamodb-stream-insert.json", ChangeKind::Insert),
        ("dynamodb-stream-modify.json", ChangeKind::Modify),
    ] {
        let rec = decode_record(&only_record(name)).expect(name);
        assert_eq!(rec.change.kind, kind);
        assert!(!rec.change.ttl_delete);
        let new = rec
            .change
            .new_image
            .clone()
            .expect("new image")
            .expect("item");
        let item = decode_item(&only_record(name)["dynamodb"]["NewImage"], "NewImage").unwrap();
        assert_eq!(to_item(&new), item, "round trip");
        match sync::decide(&rec.change).expect("decides") {
            SyncAction::Set { username, token } => {
                assert_eq!(username, "alice");
                let decoded = Token::decode(&token).expect("token").expect("some");
                assert_eq!(decoded, Token::V1(new.campaign));
            }
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn stream_ttl_remove_clears_only_its_own_attribution() {
    let rec = decode_record(&only_record("dynamodb-stream-ttl-remove.json")).expect("decodes");
    assert_eq!(rec.sequence_number, "111100000000000000000003");
    assert!(rec.change.ttl_delete);
    let SyncAction::ClearIf { username, expected } = sync::decide(&rec.change).expect("decides")
    else {
        panic!("expected ClearIf")
    };
    assert_eq!(username, "alice");
    assert_eq!(expected.label, "Summer | 50% off");
    let held = Token::V1(expected.clone()).encode().expect("encodes");
    assert!(sync::should_clear(Some(&held), &expected));
    let insert = decode_record(&only_record("dynamodb-stream-insert.json")).expect("decodes");
    let spring = insert.change.new_image.expect("image").expect("item");
    let spring_token = Token::V1(spring.campaign).encode().expect("encodes");
    assert!(!sync::should_clear(Some(&spring_token), &expected));
}

#[test]
fn stream_manual_remove_is_ignored() {
    let rec = decode_record(&only_record("dynamodb-stream-manual-remove.json")).expect("decodes");
    assert_eq!(
        sync::decide(&rec.change).expect("decides"),
        SyncAction::Ignore(IgnoreReason::NotTtlRemove)
    );
}
