//! Interleavings: random per-user sequences of touches, replays and TTL sweeps, with the
//! stream delivered in random batches, Cognito throttling at random, and Lambda's retry
//! semantics (a batch with failures is retried from its lowest failed sequence number,
//! redelivering records already applied). Whatever happens, once the stream is drained
//! Cognito holds exactly the token of each user's current attribution, or nothing.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use journey_attribution_aws::ports::AttributionStore;
use journey_attribution_aws::retry::Backoff;
use journey_attribution_core::token::Token;
use journey_attribution_core::{Attribution, Campaign, WriteDecision};
use journey_attribution_lambda::memory::{MemoryStore, MemoryUserPool};
use journey_attribution_lambda::metrics::Metrics;
use journey_attribution_lambda::sync::{SyncConfig, handle};
use proptest::prelude::*;
use serde_json::{Value, json};

const ATTR: &str = "custom:campaign";
const USERS: [&str; 3] = ["alice", "björn", "chen"];

#[derive(Debug, Clone)]
enum Op {
    /// A touch of `user` by journey `journey` at `at` (ms), window `window_s`.
    Touch {
        user: usize,
        journey: u8,
        at: i64,
        window_s: i64,
    },
    /// A replay (Pinpoint/Lambda retry) of the n-th touch so far.
    Replay(prop::sample::Index),
    /// The clock moves and DynamoDB's TTL sweeper deletes what expired.
    Sweep { advance_s: i64 },
    /// Lambda delivers up to `batch` pending records; Cognito throttles `throttle` calls.
    Deliver { batch: usize, throttle: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..USERS.len(), 0u8..4, 0i64..5_000_000, prop_oneof![Just(60i64), Just(900), Just(86_400)])
            .prop_map(|(user, journey, at, window_s)| Op::Touch { user, journey, at, window_s }),
        2 => any::<prop::sample::Index>().prop_map(Op::Replay),
        1 => (0i64..2_000).prop_map(|advance_s| Op::Sweep { advance_s }),
        3 => (1usize..6, 0usize..6).prop_map(|(batch, throttle)| Op::Deliver { batch, throttle }),
    ]
}

fn attribution(user: &str, journey: u8, at: i64, window_s: i64) -> Attribution {
    Attribution {
        username: user.into(),
        campaign: Campaign {
            application_id: "app".into(),
            journey_id: format!("journey-{journey}"),
            label: format!("Label {journey}"),
            touched_at_ms: at,
            expires_at_s: (at + 999) / 1000 + window_s,
        },
    }
}

/// The stream as Lambda sees it: records in order, a checkpoint, and retries from the
/// lowest failed sequence number.
struct Stream {
    records: Vec<Value>,
    checkpoint: usize,
}

impl Stream {
    async fn deliver(&mut self, pool: &MemoryUserPool, config: &SyncConfig, batch: usize) -> usize {
        let end = (self.checkpoint + batch).min(self.records.len());
        if end == self.checkpoint {
            return 0;
        }
        let records = &self.records[self.checkpoint..end];
        let event = json!({ "Records": records });
        let mut metrics = Metrics::default();
        let queue = journey_attribution_lambda::memory::MemoryQueue::default();
        let far = tokio::time::Instant::now() + std::time::Duration::from_secs(3600);
        let response = handle(event, pool, &queue, config, far, &mut metrics)
            .await
            .unwrap();
        assert!(queue.messages().is_empty(), "{:?}", queue.messages());
        let failed: Vec<String> = response
            .batch_item_failures
            .iter()
            .filter_map(|f| f.item_identifier.clone())
            .collect();
        let position = |seq: &str| {
            records
                .iter()
                .position(|r| r["dynamodb"]["SequenceNumber"] == seq)
                .unwrap()
        };
        let failures = failed.len();
        self.checkpoint = match failed.iter().map(|s| position(s)).min() {
            Some(first_failed) => self.checkpoint + first_failed,
            None => end,
        };
        failures
    }
}

async fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let store = MemoryStore::default();
    let pool = MemoryUserPool::with_users(USERS);
    let config = SyncConfig {
        campaign_attribute: ATTR.into(),
        backoff: Backoff::immediate(2),
        log_key: Default::default(),
    };
    let mut stream = Stream {
        records: Vec::new(),
        checkpoint: 0,
    };
    let mut touches: Vec<Attribution> = Vec::new();
    // The oracle: the table as the core's rules say it must be.
    let mut expected: BTreeMap<String, Attribution> = BTreeMap::new();
    let mut now_s = 0i64;
    let mut failures = 0usize;

    let touch = |a: Attribution, expected: &mut BTreeMap<String, Attribution>| {
        let decision = a.decide(expected.get(&a.username));
        if decision == WriteDecision::Write {
            expected.insert(a.username.clone(), a.clone());
        }
        decision
    };
    for op in ops {
        match op {
            Op::Touch {
                user,
                journey,
                at,
                window_s,
            } => {
                let a = attribution(USERS[user], journey, now_s * 1000 + at, window_s);
                let want = touch(a.clone(), &mut expected);
                prop_assert_eq!(store.put_if_newer(&a).await.unwrap(), want);
                touches.push(a);
            }
            Op::Replay(i) if !touches.is_empty() => {
                let a = i.get(&touches).clone();
                let want = touch(a.clone(), &mut expected);
                prop_assert_eq!(store.put_if_newer(&a).await.unwrap(), want);
            }
            Op::Replay(_) => {}
            Op::Sweep { advance_s } => {
                now_s += advance_s;
                store.expire(now_s);
                expected.retain(|_, a| a.campaign.expires_at_s > now_s);
            }
            Op::Deliver { batch, throttle } => {
                collect(&store, &mut stream);
                pool.throttle_next(throttle);
                failures += stream.deliver(&pool, &config, batch).await;
                pool.throttle_next(0);
            }
        }
    }
    // Drain: Lambda keeps retrying until every record is through.
    collect(&store, &mut stream);
    while stream.checkpoint < stream.records.len() {
        stream.deliver(&pool, &config, 100).await;
    }
    for user in USERS {
        let held = pool.attribute(user, ATTR).filter(|v| !v.is_empty());
        let want = expected
            .get(user)
            .map(|a| Token::V1(a.campaign.clone()).encode().unwrap());
        prop_assert_eq!(
            &held,
            &want,
            "user {} after {} delivery failures",
            user,
            failures
        );
        prop_assert_eq!(
            store.get(user),
            expected.get(user).cloned(),
            "table of {}",
            user
        );
    }
    Ok(())
}

fn collect(store: &MemoryStore, stream: &mut Stream) {
    // Sequence numbers keep growing across takes, as on a real shard.
    if let Value::Array(records) = store.take_stream_event()["Records"].take() {
        stream.records.extend(records);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn cognito_converges_to_the_newest_live_attribution(ops in prop::collection::vec(op(), 1..60)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(run(ops))?;
    }
}
