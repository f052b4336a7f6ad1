//! The planning step every touch source shares: the items of one delivery (Pinpoint
//! endpoints, Connect profiles, SES event records) to touches, one per user and touch, or
//! to named skips; and what became of each item, for the source's response.
//!
//! A source module (`pinpoint`, `connect`, `ses`) parses its payload, builds each item's
//! [`Touch`] or says why there is none, and pushes it to a [`Planner`]; the Lambda's write
//! pipeline writes [`TouchPlan::touches`] and answers [`TouchPlan::items`].

use std::collections::HashMap;

use crate::attribution::WriteDecision;
use crate::touch::{MAX_ATTRIBUTE_VALUE_CHARS, Touch, pinpoint_len};

/// Why an item of a batch yields no touch: each source has its own reasons; the handlers
/// log, count and answer them alike.
pub trait Skip: core::fmt::Display {
    /// A short machine-readable code (metric dimension, `reason` attribute).
    fn code(&self) -> &'static str;
    /// A malformed input (logged as a warning), rather than expected traffic.
    fn is_error(&self) -> bool;
}

/// What became of one item of a batch, for the source's response.
#[derive(Debug, Clone, PartialEq)]
pub enum TouchOutcome<S> {
    Tagged(WriteDecision),
    Skipped(S),
    /// The write failed after the retries: the message.
    Failed(String),
}

/// One delivery's touches and, per item in input order, its id and either the index of
/// its touch in `touches` (shared by the items of one user and touch) or why it has none.
#[derive(Debug, Clone, PartialEq)]
pub struct TouchPlan<S> {
    pub touches: Vec<Touch>,
    pub items: Vec<(String, Result<usize, S>)>,
}

/// Builds a [`TouchPlan`] item by item.
#[derive(Debug)]
pub struct Planner<S> {
    plan: TouchPlan<S>,
    /// User, journey and touch time: a user with several endpoints, or a redelivered
    /// record, makes one touch.
    seen: HashMap<(String, String, i64), usize>,
}

impl<S> Planner<S> {
    pub fn with_capacity(items: usize) -> Self {
        Self {
            plan: TouchPlan {
                touches: Vec::new(),
                items: Vec::with_capacity(items),
            },
            seen: HashMap::new(),
        }
    }

    /// Adds one item: its touch, or why it has none. Returns the touch's index when this
    /// item added it (an item sharing an earlier item's touch returns `None`).
    pub fn push(&mut self, id: String, touch: Result<Touch, S>) -> Option<usize> {
        let (outcome, added) = match touch {
            Err(skip) => (Err(skip), None),
            Ok(touch) => {
                let key = (
                    touch.username.clone(),
                    touch.journey_id.clone(),
                    touch.touched_at_ms,
                );
                let next = self.plan.touches.len();
                let index = *self.seen.entry(key).or_insert(next);
                let added = (index == next).then(|| {
                    self.plan.touches.push(touch);
                    index
                });
                (Ok(index), added)
            }
        };
        self.plan.items.push((id, outcome));
        added
    }

    /// The touch of the item pushed last, when it has one (its own, or an earlier item's
    /// that it shares).
    pub fn last_touch(&self) -> Option<usize> {
        self.plan
            .items
            .last()
            .and_then(|(_, o)| o.as_ref().ok().copied())
    }

    pub fn finish(self) -> TouchPlan<S> {
        self.plan
    }
}

/// `Err(length)` when `value`, stamped on the app's events (`campaign`, `campaign_id`),
/// would be longer than Pinpoint allows in an event attribute (its length as Pinpoint
/// counts it).
pub fn check_attribute_value(value: &str) -> Result<(), usize> {
    match pinpoint_len(value) {
        n if n > MAX_ATTRIBUTE_VALUE_CHARS => Err(n),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::touch::TouchSource;

    fn touch(user: &str, at: i64) -> Touch {
        Touch {
            source: TouchSource::SesEvent,
            username: user.into(),
            application_id: "app".into(),
            journey_id: "j".into(),
            activity_id: None,
            label: "L".into(),
            touched_at_ms: at,
        }
    }

    #[test]
    fn items_of_one_user_and_touch_share_it_and_skips_keep_their_place() {
        let mut p: Planner<&str> = Planner::with_capacity(4);
        assert_eq!(p.push("e1".into(), Ok(touch("alice", 1))), Some(0));
        assert_eq!(p.push("e2".into(), Err("no_user")), None);
        assert_eq!(p.push("e3".into(), Ok(touch("alice", 1))), None);
        assert_eq!(p.push("e4".into(), Ok(touch("alice", 2))), Some(1));
        let plan = p.finish();
        assert_eq!(plan.touches.len(), 2);
        let items: Vec<_> = plan.items.iter().map(|(id, r)| (id.as_str(), *r)).collect();
        assert_eq!(
            items,
            [
                ("e1", Ok(0)),
                ("e2", Err("no_user")),
                ("e3", Ok(0)),
                ("e4", Ok(1))
            ]
        );
    }

    #[test]
    fn attribute_values_are_measured_as_pinpoint_counts() {
        assert_eq!(check_attribute_value(&"a".repeat(200)), Ok(()));
        assert_eq!(check_attribute_value(&"a".repeat(201)), Err(201));
        // 150 emoji are 300 UTF-16 code units.
        assert_eq!(check_attribute_value(&"😀".repeat(150)), Err(300));
    }
}
