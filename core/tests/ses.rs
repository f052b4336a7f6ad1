//! The documented SES event payloads, in each envelope, plan into the expected touches.

use journey_attribution_core::ses::{SesConfig, SesSkip, plan};
use journey_attribution_core::{Touch, TouchSource};

const JOURNEY_ID: &str = "f4a4c5b1d9e84c4e8a0e1b9c6example";
const MESSAGE_ID: &str = "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000";

use journey_attribution_test_support::fixtures::json as fixture;

fn touch(touched_at_ms: i64) -> Touch {
    Touch {
        source: TouchSource::SesEvent,
        username: "alice".into(),
        application_id: "ConfigSet".into(),
        journey_id: JOURNEY_ID.into(),
        activity_id: Some(MESSAGE_ID.into()),
        label: "spring-sale-2026".into(),
        touched_at_ms,
    }
}

/// Opens are an opt-in (`SES_EVENTS=open,click`): by default an Open is no touch.
fn with_opens() -> SesConfig {
    SesConfig {
        opens: true,
        ..SesConfig::default()
    }
}

#[test]
fn eventbridge_open_is_a_touch_at_the_open_time() {
    let plan = plan(fixture("ses-open-eventbridge.json"), &with_opens()).expect("plans");
    // open.timestamp 2017-08-09T22:00:19.652Z, not mail.timestamp nor the event's time.
    assert_eq!(plan.touches, vec![touch(1_502_316_019_652)]);
    assert_eq!(
        plan.items,
        vec![("e5f6a7b8-c9d0-1234-efab-345678901234".to_string(), Ok(0))]
    );
}

#[test]
fn eventbridge_click_is_a_touch_at_the_click_time() {
    let plan = plan(fixture("ses-click-eventbridge.json"), &SesConfig::default()).expect("plans");
    // click.timestamp 2017-08-09T23:51:25.570Z.
    assert_eq!(plan.touches, vec![touch(1_502_322_685_570)]);
    assert_eq!(
        plan.items,
        vec![("f6a7b8c9-d0e1-2345-fabc-456789012345".to_string(), Ok(0))]
    );
}

#[test]
fn sns_open_is_the_same_touch_as_the_eventbridge_open() {
    let config = with_opens();
    let via_sns = plan(fixture("ses-open-sns.json"), &config).expect("plans");
    let via_eventbridge = plan(fixture("ses-open-eventbridge.json"), &config).expect("plans");
    assert_eq!(via_sns.touches, via_eventbridge.touches);
    assert_eq!(
        via_sns.items,
        vec![("95df01b4-ee98-5cb9-9903-4c221d41eb5e".to_string(), Ok(0))]
    );
}

#[test]
fn a_bare_record_is_planned_like_its_envelopes() {
    let event = fixture("ses-open-eventbridge.json");
    let plan = plan(event["detail"].clone(), &with_opens()).expect("plans");
    assert_eq!(plan.touches, vec![touch(1_502_316_019_652)]);
    assert_eq!(plan.items, vec![(MESSAGE_ID.to_string(), Ok(0))]);
}

#[test]
fn sns_delivery_is_not_an_engagement() {
    let plan = plan(fixture("ses-delivery-sns.json"), &SesConfig::default()).expect("plans");
    assert!(plan.touches.is_empty());
    let [(id, outcome)] = plan.items.as_slice() else {
        panic!("one item: {:?}", plan.items);
    };
    assert_eq!(id, "614a0b34-bbbb-4fff-8ccc-58ffddd9745f");
    let skip = outcome.clone().expect_err("skipped");
    assert_eq!(skip, SesSkip::NotAnEngagement("Delivery".into()));
    assert_eq!(skip.code(), "not_an_engagement");
    assert!(!skip.is_error());
}

#[test]
fn fixtures_without_the_user_tag_fall_back_to_the_destination_when_asked() {
    let mut event = fixture("ses-click-eventbridge.json");
    event["detail"]["mail"]["tags"]
        .as_object_mut()
        .expect("tags")
        .remove("username");
    let skip = plan(event.clone(), &SesConfig::default())
        .expect("plans")
        .items[0]
        .1
        .clone()
        .expect_err("skipped");
    assert_eq!(skip, SesSkip::NoUser("username".into()));
    let config = SesConfig {
        user_from_destination: true,
        ..SesConfig::default()
    };
    let plan = plan(event, &config).expect("plans");
    assert_eq!(plan.touches[0].username, "recipient@example.com");
}
