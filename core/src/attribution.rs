//! What a user is attributed to, and the newest-wins rule between two attributions.

#[allow(unused_imports)]
use crate::prelude::*;

use core::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::touch::Touch;
use crate::window::LookbackWindow;

/// The journey a user is attributed to, without the user: what the token carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Campaign {
    pub application_id: String,
    pub journey_id: String,
    pub label: String,
    pub touched_at_ms: i64,
    /// Epoch seconds: the DynamoDB TTL attribute.
    pub expires_at_s: i64,
}

impl Campaign {
    pub fn expires_at_ms(&self) -> i64 {
        self.expires_at_s.saturating_mul(1000)
    }

    /// Live at `now_ms`: strictly before expires-at, whatever the TTL sweeper has done.
    pub fn is_live_at(&self, now_ms: i64) -> bool {
        now_ms < self.expires_at_ms()
    }

    /// The total order that decides which of two attributions of a user wins.
    ///
    /// Newest touch first; on an equal touch time, the greater journey id, then the later
    /// expiry (a re-touch of the same journey under a longer window extends it), then the
    /// greater label. Byte-wise string order, as DynamoDB compares strings, so the
    /// conditional write in the DynamoDB adapter applies exactly this order.
    pub fn precedence(&self, other: &Campaign) -> Ordering {
        self.touched_at_ms
            .cmp(&other.touched_at_ms)
            .then_with(|| self.journey_id.as_bytes().cmp(other.journey_id.as_bytes()))
            .then_with(|| self.expires_at_s.cmp(&other.expires_at_s))
            .then_with(|| self.label.as_bytes().cmp(other.label.as_bytes()))
            .then_with(|| {
                self.application_id
                    .as_bytes()
                    .cmp(other.application_id.as_bytes())
            })
    }
}

/// One item of the attribution table: a user and their current campaign.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Attribution {
    pub username: String,
    #[serde(flatten)]
    pub campaign: Campaign,
}

/// What to do with a new attribution given the one stored for the same user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteDecision {
    /// No attribution yet, or the new one takes precedence.
    Write,
    /// The stored one is the same attribution (a retry or a replay): nothing to do.
    Unchanged,
    /// The stored one takes precedence (an older or out-of-order touch).
    KeepNewer,
}

impl WriteDecision {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Write => "written",
            Self::Unchanged => "unchanged",
            Self::KeepNewer => "kept_newer",
        }
    }
}

impl Attribution {
    pub fn from_touch(touch: &Touch, window: LookbackWindow) -> Self {
        Self {
            username: touch.username.clone(),
            campaign: Campaign {
                application_id: touch.application_id.clone(),
                journey_id: touch.journey_id.clone(),
                label: touch.label.clone(),
                touched_at_ms: touch.touched_at_ms,
                expires_at_s: window.expires_at_s(touch.touched_at_ms),
            },
        }
    }

    /// Newest wins; the same attribution again changes nothing (writes are idempotent).
    pub fn decide(&self, stored: Option<&Attribution>) -> WriteDecision {
        match stored.map(|s| self.campaign.precedence(&s.campaign)) {
            None | Some(Ordering::Greater) => WriteDecision::Write,
            Some(Ordering::Equal) => WriteDecision::Unchanged,
            Some(Ordering::Less) => WriteDecision::KeepNewer,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::touch::TouchSource;

    fn touch(journey: &str, at: i64) -> Touch {
        Touch {
            source: TouchSource::PinpointCustomChannel,
            username: "alice".into(),
            application_id: "app".into(),
            journey_id: journey.into(),
            activity_id: None,
            label: format!("label-{journey}"),
            touched_at_ms: at,
        }
    }

    fn attr(journey: &str, at: i64, window: &str) -> Attribution {
        Attribution::from_touch(&touch(journey, at), window.parse().unwrap())
    }

    #[test]
    fn first_touch_is_written() {
        assert_eq!(attr("j1", 1_000, "1d").decide(None), WriteDecision::Write);
    }

    #[test]
    fn newest_touch_wins_and_an_older_one_never_replaces_it() {
        let old = attr("j1", 1_000, "1d");
        let new = attr("j2", 2_000, "1d");
        assert_eq!(new.decide(Some(&old)), WriteDecision::Write);
        assert_eq!(old.decide(Some(&new)), WriteDecision::KeepNewer);
    }

    #[test]
    fn a_replay_is_unchanged() {
        let a = attr("j1", 1_000, "1d");
        assert_eq!(a.clone().decide(Some(&a)), WriteDecision::Unchanged);
    }

    #[test]
    fn re_touching_the_same_journey_extends_expiry() {
        let first = attr("j1", 1_000, "1d");
        let again = attr("j1", 86_000_000, "1d");
        assert_eq!(again.decide(Some(&first)), WriteDecision::Write);
        assert!(again.campaign.expires_at_s > first.campaign.expires_at_s);
        // Same instant, longer window (config changed): still extends.
        let longer = attr("j1", 1_000, "2d");
        assert_eq!(longer.decide(Some(&first)), WriteDecision::Write);
        assert_eq!(first.decide(Some(&longer)), WriteDecision::KeepNewer);
    }

    #[test]
    fn ties_are_broken_the_same_way_whatever_the_order() {
        let a = attr("j-a", 5_000, "1d");
        let b = attr("j-b", 5_000, "1d");
        assert_eq!(b.decide(Some(&a)), WriteDecision::Write);
        assert_eq!(a.decide(Some(&b)), WriteDecision::KeepNewer);
    }

    #[test]
    fn liveness_stops_at_expires_at() {
        let a = attr("j1", 0, "15m");
        assert!(a.campaign.is_live_at(15 * 60_000 - 1));
        assert!(!a.campaign.is_live_at(15 * 60_000));
    }
}
