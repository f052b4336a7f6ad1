//! A terminal walk-through of the whole rule set, on the demo's world (the real `tagging`
//! and `sync` handlers over the in-memory table and user pool): a journey touches a user,
//! their events are stamped, the window ends, the expiry clears the attribute, and an
//! older expiry never blanks a newer journey.

use std::error::Error;

use journey_attribution_core::AnalyticsEvent;
use journey_attribution_core::stamp::stamp_event_with_value;

use crate::demo::world::{JourneyRequest, Service, Step, World};

const USER: &str = "alice";
/// An application of the demo's `LOOKBACK_WINDOWS` with a 2-day window.
const APPLICATION: &str = "demo-newsletter";
const DAY_MS: i64 = 86_400_000;

/// Tells the story on `world`, a line at a time, to `say`.
async fn story(world: &mut World, say: &mut impl FnMut(String)) -> Result<(), Box<dyn Error>> {
    let journey = |id: &str, label: &str| JourneyRequest {
        usernames: vec![USER.into()],
        application_id: APPLICATION.into(),
        journey_id: id.into(),
        label: label.into(),
        source: Service::Pinpoint,
    };
    say(format!(
        "1. Journey \"Spring sale\" reaches {USER} (window for {APPLICATION}: 2d)"
    ));
    let step = world
        .journey(&journey("journey-spring", "Spring sale"))
        .await?;
    tell(world, &step, say);
    let spring = world
        .attribution(USER)
        .ok_or("tagging wrote no attribution")?;
    let spring_invocation = step.invocation.clone().ok_or("no invocation")?;
    record(world, "purchase", say);

    say("2. A day later a newer journey \"Summer\" overwrites it".into());
    world.advance(DAY_MS);
    let step = world.journey(&journey("journey-summer", "Summer")).await?;
    tell(world, &step, say);

    say("3. The old journey's invocation is retried: it never replaces the newer one".into());
    let step = world.run(Service::Pinpoint, spring_invocation).await;
    tell(world, &step, say);

    say("4. Day 2.5: Spring's expiry arrives late, after Summer replaced it".into());
    world.advance(DAY_MS / 2);
    let step = world.deliver_ttl_removal(&spring).await;
    tell(world, &step, say);
    record(world, "purchase", say);

    say(
        "5. Day 4: Summer's window (day 1 + 2d) has ended; stamping stops before the TTL sweeper runs"
            .into(),
    );
    world.advance(DAY_MS + DAY_MS / 2);
    record(world, "purchase", say);

    say("6. The TTL sweeper deletes the item; sync clears the attribute".into());
    let step = world.sweep_ttl().await;
    tell(world, &step, say);
    record(world, "purchase", say);
    Ok(())
}

/// What the touch handler answered, and the attribute `sync` left.
fn tell(world: &World, step: &Step, say: &mut impl FnMut(String)) {
    if let Some(response) = &step.tagging_response {
        for (endpoint, answer) in response.as_object().into_iter().flatten() {
            let reason = answer["EventAttributes"]["reason"].as_str().unwrap_or("?");
            say(format!("  tagging: {endpoint}: {reason}"));
        }
    }
    if let Some(error) = &step.tagging_error {
        say(format!("  tagging failed: {error}"));
    }
    let held = world.campaign_attribute(USER).unwrap_or_default();
    let shown = if held.is_empty() { "(empty)" } else { &held };
    say(format!(
        "  sync: {} of {USER} = {shown}",
        world.campaign_claim()
    ));
}

/// The app records an event: stamped from the attribute, as the npm wrappers would.
fn record(world: &World, name: &str, say: &mut impl FnMut(String)) {
    let event = AnalyticsEvent {
        name: name.into(),
        metrics: [("revenue".to_string(), 49.0)].into(),
        ..Default::default()
    };
    let token = world.campaign_attribute(USER);
    let out = stamp_event_with_value(&event, token.as_deref(), world.now_ms);
    let campaign = out
        .event
        .attributes
        .get("campaign")
        .map_or("-", String::as_str);
    say(format!(
        "  app: {name} recorded, {} (campaign = {campaign})",
        out.status.as_str()
    ));
}

pub fn run() -> Result<(), Box<dyn Error>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut world = World::new();
    runtime.block_on(story(&mut world, &mut |line| println!("{line}")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn the_story_holds_every_rule_it_tells() {
        let mut world = World::new();
        let mut lines = Vec::new();
        story(&mut world, &mut |l| lines.push(l)).await.unwrap();
        let text = lines.join("\n");
        let after = |marker: &str| -> Vec<&str> {
            let i = lines.iter().position(|l| l.starts_with(marker)).unwrap();
            lines[i + 1..]
                .iter()
                .take_while(|l| l.starts_with("  "))
                .map(String::as_str)
                .collect()
        };
        assert!(after("1.")[0].ends_with(": written"), "{text}");
        assert!(
            after("1.")
                .iter()
                .any(|l| l.contains("stamped (campaign = Spring sale)")),
            "{text}"
        );
        assert!(after("2.")[0].ends_with(": written"), "{text}");
        assert!(after("3.")[0].ends_with(": kept_newer"), "{text}");
        // The late expiry of Spring leaves Summer in place, and stamped.
        assert!(
            after("4.")
                .iter()
                .any(|l| l.contains("stamped (campaign = Summer)")),
            "{text}"
        );
        assert!(after("5.").iter().any(|l| l.contains("expired")), "{text}");
        assert!(
            after("6.").iter().any(|l| l.contains("= (empty)")),
            "{text}"
        );
        assert!(
            after("6.").iter().any(|l| l.contains("no_attribution")),
            "{text}"
        );
    }
}
