//! Goal events joined to the exposure log: per (campaign, user) assignment, whether the user
//! converted in `[assigned_at, assigned_at + window)` and the revenue of those events.
//!
//! Lift counts by the attributed report's rules, from the same reading of each record
//! ([`crate::Aggregator`] hands it every goal and refund event): an event counts once by its
//! identity (event id, else content), goal events sharing an order id count once (the
//! earliest), a refunded order earns nothing (its conversion stands), and revenue outside
//! `[0, max_revenue]` is skipped (its event still converts). Which copy of an event, and
//! which event of an order, counts is decided over all of a user's goal events, before any
//! window: an order first recorded before the assignment is no conversion, whatever its
//! repeats. State is kept for the goal events of users in the exposure log, and for refunded
//! orders; the other events are streamed.

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

/// A goal event of a user in the exposure log.
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
    /// Goal events of users in the log, by identity: of two records of one identity, the
    /// smaller [`Hit`] stays, whatever the input's order.
    hits: FpMap<u128, Hit>,
    /// Orders a refund event names.
    refunded: HashSet<u128>,
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
        }
    }

    /// Whether lift reads this goal or refund event: a refund with an order, or a goal event
    /// with a time, of a user in the log.
    pub(crate) fn wants(
        &self,
        refund: bool,
        order: bool,
        user: Option<&str>,
        time: Option<i64>,
    ) -> bool {
        if refund {
            return order;
        }
        time.is_some()
            && user
                .filter(|u| !u.is_empty())
                .is_some_and(|u| self.exposures.user_index(u).is_some())
    }

    /// Reads one goal or refund event ([`wants`](Self::wants) it).
    pub(crate) fn observe(&mut self, e: GoalEvent<'_>) {
        if e.refund {
            if e.order != 0 {
                self.refunded.insert(e.order);
            }
            return;
        }
        let Some(u) = e
            .user
            .filter(|u| !u.is_empty())
            .and_then(|u| self.exposures.user_index(u))
        else {
            return;
        };
        let Some(time) = e.time else {
            return;
        };
        let hit = Hit {
            time,
            revenue: e.revenue,
            user: u,
            order: e.order,
        };
        self.keep(e.identity, hit);
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
