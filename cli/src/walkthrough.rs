//! A terminal walk-through of the whole rule set on an in-memory table and user pool:
//! a journey touches a user, their events are stamped, the window ends, the expiry clears
//! the attribute, and an older expiry never blanks a newer journey.

use std::collections::BTreeMap;
use std::error::Error;

use journey_attribution_core::item::{from_item, to_item};
use journey_attribution_core::pinpoint::parse_invocation;
use journey_attribution_core::stamp::stamp_event_with_value;
use journey_attribution_core::sync::{self, ChangeKind, StreamChange, SyncAction};
use journey_attribution_core::{AnalyticsEvent, Attribution, LookbackWindows, WriteDecision};

const USERNAME_ATTRIBUTE: &str = "username";

#[derive(Default)]
struct World {
    now_ms: i64,
    table: BTreeMap<String, Attribution>,
    pool: BTreeMap<String, String>,
}

impl World {
    fn journey(
        &mut self,
        journey: &str,
        label: &str,
        windows: &LookbackWindows,
    ) -> Result<(), Box<dyn Error>> {
        let invocation = serde_json::json!({
            "Message": {}, "Data": label, "ApplicationId": "demo-app", "JourneyId": journey,
            "ActivityId": "custom-channel-1",
            "ScheduledTime": journey_attribution_core::rfc3339::format_ms(self.now_ms),
            "Endpoints": {"ep-email": {"ChannelType": "EMAIL", "Address": "alice@example.com",
                "User": {"UserId": "alice", "UserAttributes": {"username": ["alice"]}}}}
        });
        let plan = parse_invocation(invocation)?.plan(USERNAME_ATTRIBUTE, self.now_ms)?;
        for touch in &plan.touches {
            let new =
                Attribution::from_touch(touch, windows.for_application(&touch.application_id));
            let old = self.table.get(&touch.username).cloned();
            let decision = new.decide(old.as_ref());
            println!(
                "  tagging: {} -> {} ({})",
                touch.username,
                new.campaign.label,
                decision.as_str()
            );
            if decision == WriteDecision::Write {
                self.table.insert(touch.username.clone(), new.clone());
                let kind = if old.is_some() {
                    ChangeKind::Modify
                } else {
                    ChangeKind::Insert
                };
                self.project(StreamChange {
                    kind,
                    ttl_delete: false,
                    old_image: old.as_ref().map(to_item),
                    new_image: Some(to_item(&new)),
                })?;
            }
        }
        Ok(())
    }

    /// What the TTL sweeper does (late, in real life): delete expired items, emit REMOVEs.
    fn sweep_ttl(&mut self) -> Result<(), Box<dyn Error>> {
        let expired: Vec<Attribution> = self
            .table
            .values()
            .filter(|a| !a.campaign.is_live_at(self.now_ms))
            .cloned()
            .collect();
        for a in expired {
            self.table.remove(&a.username);
            self.project(StreamChange {
                kind: ChangeKind::Remove,
                ttl_delete: true,
                old_image: Some(to_item(&a)),
                new_image: None,
            })?;
        }
        Ok(())
    }

    fn project(&mut self, change: StreamChange) -> Result<(), Box<dyn Error>> {
        match sync::decide(&change)? {
            SyncAction::Set { username, token } => {
                println!("  sync: set custom:campaign of {username} = {token}");
                self.pool.insert(username, token);
            }
            SyncAction::ClearIf { username, expected } => {
                let current = self.pool.get(&username).map(String::as_str);
                if sync::should_clear(current, &expected) {
                    println!(
                        "  sync: expiry of {:?} clears custom:campaign of {username}",
                        expected.label
                    );
                    self.pool.insert(username, String::new());
                } else {
                    println!(
                        "  sync: expiry of {:?} leaves the newer attribution alone",
                        expected.label
                    );
                }
            }
            SyncAction::Ignore(reason) => println!("  sync: ignored ({})", reason.as_str()),
        }
        Ok(())
    }

    fn record(&self, name: &str) {
        let event = AnalyticsEvent {
            name: name.into(),
            metrics: [("revenue".to_string(), 49.0)].into(),
            ..Default::default()
        };
        let token = self.pool.get("alice").map(String::as_str);
        let out = stamp_event_with_value(&event, token, self.now_ms);
        let campaign = out
            .event
            .attributes
            .get("campaign")
            .map_or("-", String::as_str);
        println!(
            "  app: {name} recorded, {} (campaign = {campaign})",
            out.status.as_str()
        );
    }
}

pub fn run() -> Result<(), Box<dyn Error>> {
    let windows = LookbackWindows::parse(Some("30d"), Some("demo-app=2d"))?;
    let mut w = World {
        now_ms: 1_780_000_000_000,
        ..Default::default()
    };
    let day = 86_400_000;
    println!("1. Journey \"Spring sale\" reaches alice (window for demo-app: 2d)");
    w.journey("journey-spring", "Spring sale", &windows)?;
    let spring = w.table["alice"].clone();
    w.record("purchase");
    println!("2. A day later a newer journey \"Summer\" overwrites it");
    w.now_ms += day;
    w.journey("journey-summer", "Summer", &windows)?;
    println!("3. The old journey's invocation is retried: it never replaces the newer one");
    w.now_ms -= day;
    w.journey("journey-spring", "Spring sale", &windows)?;
    w.now_ms += day;
    println!("4. Day 2.5: Spring's item expires; its TTL deletion arrives");
    w.now_ms += day / 2;
    w.project(StreamChange {
        kind: ChangeKind::Remove,
        ttl_delete: true,
        old_image: Some(to_item(&spring)),
        new_image: None,
    })?;
    w.record("purchase");
    println!(
        "5. Day 4: Summer's window (day 1 + 2d) has ended; stamping stops before the TTL sweeper runs"
    );
    w.now_ms += day + day / 2;
    w.record("purchase");
    println!("6. The TTL sweeper deletes the item; sync clears the attribute");
    w.sweep_ttl()?;
    w.record("purchase");
    debug_assert!(w.table.values().all(|a| from_item(&to_item(a)).is_ok()));
    Ok(())
}
