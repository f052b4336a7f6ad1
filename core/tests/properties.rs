//! Property tests: the token round-trips exactly; stamping never breaks its invariants;
//! newest-wins converges whatever the delivery order.

use journey_attribution_core::event::{AnalyticsEvent, MAX_KEYS, validate_event};
use journey_attribution_core::stamp::{StampStatus, stamp_event};
use journey_attribution_core::token::Token;
use journey_attribution_core::{Attribution, Campaign, WriteDecision};
use proptest::prelude::*;

fn text(max: usize) -> impl Strategy<Value = String> {
    // Any Unicode scalar, with the token's separators and escapes over-represented.
    prop::collection::vec(
        prop_oneof![any::<char>(), Just('|'), Just('%'), Just('\n'), Just('a')],
        0..max,
    )
    .prop_map(|cs| cs.into_iter().collect())
}

fn campaign() -> impl Strategy<Value = Campaign> {
    (
        text(40),
        text(40).prop_filter("non-empty", |s| !s.is_empty()),
        text(200),
        any::<i64>(),
        any::<i64>(),
    )
        .prop_map(
            |(application_id, journey_id, label, touched_at_ms, expires_at_s)| Campaign {
                application_id,
                journey_id,
                label,
                touched_at_ms,
                expires_at_s,
            },
        )
}

fn event() -> impl Strategy<Value = AnalyticsEvent> {
    (
        prop_oneof![
            Just("purchase".to_string()),
            Just("_session.start".to_string()),
            text(60)
        ],
        prop::collection::btree_map(
            prop_oneof![
                Just("campaign".to_string()),
                Just("campaign_id".to_string()),
                text(55)
            ],
            text(210),
            0..44,
        ),
        prop::collection::btree_map(text(55), -1e9f64..1e9, 0..10),
    )
        .prop_map(|(name, attributes, metrics)| AnalyticsEvent {
            name,
            attributes,
            metrics,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn token_round_trips(c in campaign()) {
        let token = Token::V1(c);
        let encoded = token.encode().expect("labels of 200 chars always fit 2048 bytes");
        prop_assert!(encoded.len() <= 2048);
        prop_assert_eq!(Token::decode(&encoded).expect("decodes"), Some(token));
    }

    #[test]
    fn any_decodable_value_re_encodes_to_itself(s in text(300)) {
        if let Ok(Some(token)) = Token::decode(&s) {
            prop_assert_eq!(token.encode().expect("fits"), s);
        }
    }

    #[test]
    fn stamping_invariants(e in event(), c in campaign(), now in any::<i64>()) {
        let before = e.clone();
        let token = Token::V1(c.clone());
        let out = stamp_event(&e, Some(&token), now);
        prop_assert_eq!(&e, &before, "input untouched");
        if out.status == StampStatus::Stamped {
            prop_assert!(now < c.expires_at_ms(), "never at or after expiry");
            prop_assert!(!e.is_reserved());
            prop_assert_eq!(out.event.attributes.get("campaign"), Some(&c.label));
            prop_assert_eq!(out.event.attributes.get("campaign_id"), Some(&c.journey_id));
            let mut unstamped = out.event.clone();
            unstamped.attributes.remove("campaign");
            unstamped.attributes.remove("campaign_id");
            prop_assert_eq!(&unstamped, &e, "only the two attributes are added");
        } else {
            prop_assert_eq!(&out.event, &e, "unstamped events are recorded as they are");
        }
        if let Some(v) = e.attributes.get("campaign") {
            prop_assert_eq!(out.event.attributes.get("campaign"), Some(v), "explicit campaign kept");
        }
        if e.key_count() <= MAX_KEYS {
            prop_assert!(out.event.key_count() <= MAX_KEYS);
        }
        if validate_event(&e).is_empty() {
            prop_assert!(validate_event(&out.event).is_empty(), "a valid event stays valid");
        }
    }

    #[test]
    fn newest_wins_whatever_the_delivery_order(
        touches in prop::collection::vec((0i64..5, 0u8..3, 0i64..3), 1..12),
        order in prop::collection::vec(any::<prop::sample::Index>(), 0..24),
    ) {
        let all: Vec<Attribution> = touches
            .iter()
            .map(|(t, j, w)| Attribution {
                username: "u".into(),
                campaign: Campaign {
                    application_id: "app".into(),
                    journey_id: format!("j{j}"),
                    label: format!("label {j}"),
                    touched_at_ms: *t,
                    expires_at_s: t + w,
                },
            })
            .collect();
        // Deliver each at least once, then replays in an arbitrary order.
        let deliveries = all.iter().chain(order.iter().map(|i| i.get(&all)));
        let mut stored: Option<Attribution> = None;
        for a in deliveries {
            if a.decide(stored.as_ref()) == WriteDecision::Write {
                stored = Some(a.clone());
            }
        }
        let newest = all.iter().max_by(|a, b| a.campaign.precedence(&b.campaign)).expect("non-empty");
        prop_assert_eq!(stored.as_ref(), Some(newest));
    }
}
