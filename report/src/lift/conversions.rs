//! Goal events joined to the exposure log: per (campaign, user) assignment, whether the user
//! converted in `[assigned_at, assigned_at + window)` and the revenue of those events.
//!
//! Lift counts by the attributed report's rules, from the same reading of each record
//! ([`crate::Aggregator`] hands it every goal and refund event): an event counts once by its
//! identity (event id, else content), goal events sharing an order id count once (the
//! earliest), a refunded order earns nothing (its conversion stands), and revenue outside
//! `[0, max_revenue]` is skipped (its event still converts). State is kept for goal events
//! inside a window of an exposed user, and for refunded orders; the events themselves are
//! streamed.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::LiftOptions;
use super::exposures::Exposures;
use crate::identity::FpMap;

/// One goal or refund event as the report read it.
#[derive(Debug)]
pub(crate) struct GoalEvent<'a> {
    /// Its identity (see [`crate::identity::event_identity`]).
    pub identity: u128,
    /// The lift's user attribute (for Amplify data without it, the partition key).
    pub user: Option<&'a str>,
    /// Epoch ms.
    pub time: Option<i64>,
    /// Millionths, 0 without (or with a skipped) revenue.
    pub revenue: i64,
    /// The order id's fingerprint, 0 without.
    pub order: u128,
    pub refund: bool,
}

/// A goal event kept: it falls in a window of one of its user's assignments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Hit {
    time: i64,
    revenue: i64,
    /// The user's index in the exposure log.
    user: u32,
    order: u128,
}

/// A converting assignment's state.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Converted {
    pub revenue: f64,
}

/// The lift side of a partial report: one per thread, [`merge`](LiftAggregator::merge)d;
/// the result does not depend on how the input was split.
#[derive(Debug, Clone)]
pub struct LiftAggregator {
    pub(super) exposures: Arc<Exposures>,
    pub(crate) options: LiftOptions,
    pub(super) revenue_metric: Option<String>,
    /// Goal events in a window, by identity: of two records of one identity, the smaller
    /// [`Hit`] stays, whatever the input's order.
    hits: FpMap<u128, Hit>,
    /// Orders a refund event names.
    refunded: HashSet<u128>,
    /// Goal events read whose user is in the exposure log, and those without a time.
    pub(super) goal_events: u64,
    pub(super) goal_events_without_time: u64,
}

impl LiftAggregator {
    pub fn new(
        exposures: Arc<Exposures>,
        options: LiftOptions,
        revenue_metric: Option<&str>,
    ) -> Self {
        LiftAggregator {
            exposures,
            options,
            revenue_metric: revenue_metric.map(str::to_owned),
            hits: FpMap::default(),
            refunded: HashSet::new(),
            goal_events: 0,
            goal_events_without_time: 0,
        }
    }

    /// Reads one goal or refund event.
    pub(crate) fn observe(&mut self, e: GoalEvent<'_>) {
        if e.refund {
            if e.order != 0 {
                self.refunded.insert(e.order);
            }
            return;
        }
        let Some(user) = e.user.filter(|u| !u.is_empty()) else {
            return;
        };
        let Some(u) = self.exposures.user_index(user) else {
            return;
        };
        self.goal_events += 1;
        let Some(time) = e.time else {
            self.goal_events_without_time += 1;
            return;
        };
        if !self.in_window(u, time) {
            return;
        }
        let hit = Hit {
            time,
            revenue: e.revenue,
            user: u,
            order: e.order,
        };
        self.keep(e.identity, hit);
    }

    /// Whether `time` falls in the window of one of user `u`'s (unrefused) assignments.
    fn in_window(&self, u: u32, time: i64) -> bool {
        let window = self.options.window.as_millis();
        self.exposures.assignments_of(u).any(|(_, a)| {
            !a.refused && time >= a.assigned_at_ms && time < a.assigned_at_ms.saturating_add(window)
        })
    }

    fn keep(&mut self, identity: u128, hit: Hit) {
        self.hits
            .entry(identity)
            .and_modify(|kept| *kept = (*kept).min(hit))
            .or_insert(hit);
    }

    /// Folds `other` (built over the same exposures and options) into `self`.
    pub fn merge(&mut self, mut other: LiftAggregator) {
        if self.hits.len() < other.hits.len() {
            std::mem::swap(&mut self.hits, &mut other.hits);
        }
        for (identity, hit) in other.hits {
            self.keep(identity, hit);
        }
        self.refunded.extend(other.refunded);
        self.goal_events += other.goal_events;
        self.goal_events_without_time += other.goal_events_without_time;
    }

    /// Assignment index -> state, for converting assignments: each kept event once, an
    /// order once (its earliest event, then the smallest revenue), a refunded order's
    /// revenue left out.
    pub(super) fn converted(&self) -> HashMap<u32, Converted> {
        let mut first_of_order: FpMap<u128, (Hit, u128)> = FpMap::default();
        for (&identity, &hit) in &self.hits {
            if hit.order != 0 {
                let best = first_of_order.entry(hit.order).or_insert((hit, identity));
                if (hit.time, hit.revenue, identity) < (best.0.time, best.0.revenue, best.1) {
                    *best = (hit, identity);
                }
            }
        }
        let window = self.options.window.as_millis();
        // Millionths, summed exactly per assignment.
        let mut revenue: HashMap<u32, i128> = HashMap::new();
        for (&identity, hit) in &self.hits {
            if hit.order != 0 && first_of_order.get(&hit.order).map(|b| b.1) != Some(identity) {
                continue;
            }
            let earned = if self.refunded.contains(&hit.order) {
                0
            } else {
                hit.revenue
            };
            for (i, a) in self.exposures.assignments_of(hit.user) {
                if !a.refused
                    && hit.time >= a.assigned_at_ms
                    && hit.time < a.assigned_at_ms.saturating_add(window)
                {
                    *revenue.entry(i as u32).or_default() += i128::from(earned);
                }
            }
        }
        revenue
            .into_iter()
            .map(|(i, r)| {
                (
                    i,
                    Converted {
                        revenue: r as f64 / 1e6,
                    },
                )
            })
            .collect()
    }
}
