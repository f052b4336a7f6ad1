//! The AWS payload fixtures parse into what the rules expect, and round-trip exactly.

use journey_attribution_core::pinpoint::{Endpoint, SkipReason, parse_invocation};

use journey_attribution_test_support::fixtures::json as fixture;

#[test]
fn custom_channel_event_round_trips() {
    let raw = fixture("pinpoint-custom-channel.json");
    let event = parse_invocation(raw.clone()).expect("parses");
    assert_eq!(serde_json::to_value(&event).expect("serializes"), raw);
    for (id, endpoint) in &event.endpoints {
        let typed: Endpoint = serde_json::from_value(endpoint.clone()).expect(id);
        assert_eq!(
            &serde_json::to_value(typed).expect("serializes"),
            endpoint,
            "{id}"
        );
    }
}

#[test]
fn custom_channel_event_yields_a_touch_per_user_with_reasons_for_the_rest() {
    let event = parse_invocation(fixture("pinpoint-custom-channel.json")).expect("parses");
    let plan = event.plan("username", 0).expect("plans");
    let users: Vec<&str> = plan.touches.iter().map(|t| t.username.as_str()).collect();
    assert_eq!(users, ["alice", "björn"]);
    let t = &plan.touches[0];
    assert_eq!(t.label, "Spring sale 2026");
    assert_eq!(t.journey_id, "f4a4c5b1d9e84c4e8a0e1b9c6example");
    assert_eq!(t.application_id, "3a9b1f4e6c764ba7b031e7183example");
    assert_eq!(
        t.activity_id.as_deref(),
        Some("575cb1929d5ba43e87e2478eeexample")
    );
    assert_eq!(
        t.touched_at_ms, 1_776_558_804_609,
        "ScheduledTime, not the receive time"
    );
    assert_eq!(
        plan.items[1],
        ("EndpointId-5678".into(), Err(SkipReason::NoUser))
    );
}

#[test]
fn connect_custom_action_round_trips_and_plans_a_touch_per_profile_user() {
    use journey_attribution_core::connect::{self, ConnectConfig, ProfileSkip};
    let raw = fixture("connect-custom-action.json");
    let inv = connect::parse_invocation(raw.clone()).expect("parses");
    assert_eq!(serde_json::to_value(&inv).expect("serializes"), raw);
    let plan = inv.plan(&ConnectConfig::default(), 7).expect("plans");
    let users: Vec<(&str, &str, &str)> = plan
        .plan
        .touches
        .iter()
        .map(|t| (t.username.as_str(), t.journey_id.as_str(), t.label.as_str()))
        .collect();
    assert_eq!(
        users,
        [
            ("john", "campaign-12345", "Welcome Campaign"),
            ("jane", "campaign-12345", "Welcome Campaign")
        ]
    );
    assert_eq!(
        plan.idempotency_keys,
        [
            vec!["connect|token-xyz789".to_owned()],
            vec!["connect|token-abc456".to_owned()]
        ]
    );
    assert_eq!(
        plan.plan.items[2],
        (
            "customer-003".to_owned(),
            Err(ProfileSkip::NoUsername("attributes.username".into()))
        )
    );
}

#[test]
fn pre_token_generation_events_of_both_versions_get_the_claim_where_cognito_reads_it() {
    use journey_attribution_core::Campaign;
    use journey_attribution_core::claims::{self, ClaimDecision, EventVersion};
    let live = Campaign {
        application_id: "app".into(),
        journey_id: "j-1".into(),
        label: "Spring sale".into(),
        touched_at_ms: 1_000,
        expires_at_s: 2_000,
    };
    for (name, version, trigger) in [
        (
            "cognito-pre-token-generation-v1.json",
            EventVersion::V1,
            "TokenGeneration_Authentication",
        ),
        (
            "cognito-pre-token-generation-v2.json",
            EventVersion::V2,
            "TokenGeneration_RefreshTokens",
        ),
    ] {
        let event = fixture(name);
        let request = claims::parse_request(&event).expect(name);
        assert_eq!(
            (
                request.username.as_str(),
                request.version,
                request.trigger_source.as_str()
            ),
            ("JaneDoe", version, trigger)
        );
        let decision = claims::decide(Some(&live), 1_999_999).expect(name);
        let ClaimDecision::Set(token) = &decision else {
            panic!("{name}: {decision:?}")
        };
        let mut answered = event.clone();
        claims::respond(&mut answered, version, "custom:campaign", &decision);
        let id_token = match version {
            EventVersion::V1 => &answered["response"]["claimsOverrideDetails"],
            EventVersion::V2 => {
                &answered["response"]["claimsAndScopeOverrideDetails"]["idTokenGeneration"]
            }
        };
        assert_eq!(
            id_token["claimsToAddOrOverride"]["custom:campaign"],
            **token
        );
        assert_eq!(answered["request"], event["request"], "{name}");
        assert_eq!(answered["userName"], event["userName"], "{name}");
    }
}
