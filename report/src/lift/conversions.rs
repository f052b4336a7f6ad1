//! Goal events joined to the exposure log: per (campaign, user) assignment, whether the user
//! converted in `[assigned_at, assigned_at + window)` and the revenue of those events.
//!
//! Each event is read a second time, for the few fields lift needs (type, time, the user
//! attribute, the revenue metric), stamped or not: control users are never stamped. State
//! is kept for converting assignments only; the events themselves are streamed.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};

use journey_attribution_core::event::is_reserved_event_type;

use super::LiftOptions;
use super::exposures::Exposures;
use crate::shapes::{self, TouchInput};
use crate::time::EpochMs;

/// What lift reads of a record.
#[derive(Debug, Default)]
struct Goal {
    event_type: Option<String>,
    time_ms: Option<i64>,
    user: Option<String>,
    revenue: Option<f64>,
    /// Flat Amplify data: its top-level user attribute and revenue metric.
    flat_user: Option<String>,
    flat_revenue: Option<f64>,
    nested: bool,
}

/// Reads one record (a Pinpoint record, or Amplify data nested or flat) for [`Goal`].
struct GoalSeed<'o> {
    user_attribute: &'o str,
    revenue_metric: Option<&'o str>,
}

impl<'de> DeserializeSeed<'de> for GoalSeed<'_> {
    type Value = Goal;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Goal, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for GoalSeed<'_> {
    type Value = Goal;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an event record")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Goal, A::Error> {
        let mut g = Goal::default();
        while let Some(key) = map.next_key::<crate::record::BorrowedStr<'de>>()? {
            match key.0.as_ref() {
                "event_type" | "name" => g.event_type = map.next_value::<Maybe<String>>()?.0,
                "event_timestamp" | "timestamp" => {
                    g.time_ms = map.next_value::<Maybe<EpochMs>>()?.0.and_then(|t| t.0)
                }
                "attributes" => {
                    g.nested = true;
                    g.user = map.next_value_seed(Pick::<String>::new(self.user_attribute))?;
                }
                "metrics" => {
                    g.nested = true;
                    g.revenue = match self.revenue_metric {
                        Some(m) => map.next_value_seed(Pick::<f64>::new(m))?,
                        None => map.next_value::<IgnoredAny>().map(|_| None)?,
                    };
                }
                k if k == self.user_attribute => g.flat_user = map.next_value::<Maybe<String>>()?.0,
                k if Some(k) == self.revenue_metric => {
                    g.flat_revenue = map.next_value::<Maybe<f64>>()?.0
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(g)
    }
}

/// A value of type `T`, or `None` for a value of any other type (lift never rejects what
/// the report accepted: the report says what is malformed).
struct Maybe<T>(Option<T>);

impl<'de, T: de::Deserialize<'de>> de::Deserialize<'de> for Maybe<T> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        Ok(Maybe(T::deserialize(v).ok()))
    }
}

/// The value of one key of an object (`None` when absent or of another type).
struct Pick<'k, T> {
    key: &'k str,
    _t: std::marker::PhantomData<T>,
}

impl<'k, T> Pick<'k, T> {
    fn new(key: &'k str) -> Self {
        Pick {
            key,
            _t: std::marker::PhantomData,
        }
    }
}

impl<'de, T: de::Deserialize<'de>> DeserializeSeed<'de> for Pick<'_, T> {
    type Value = Option<T>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: de::Deserialize<'de>> Visitor<'de> for Pick<'_, T> {
    type Value = Option<T>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<T>, A::Error> {
        let mut out = None;
        while let Some(key) = map.next_key::<crate::record::BorrowedStr<'de>>()? {
            if key.0 == self.key {
                out = map.next_value::<Maybe<T>>()?.0;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(out)
    }
    // Anything but an object (null included) holds no key.
    fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Option<T>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

/// A converting assignment's state.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Converted {
    pub revenue: f64,
}

/// The lift side of a partial report: one per thread, [`merge`](LiftAggregator::merge)d.
#[derive(Debug, Clone)]
pub struct LiftAggregator {
    pub(super) exposures: Arc<Exposures>,
    pub(super) options: LiftOptions,
    goals: Vec<String>,
    pub(super) revenue_metric: Option<String>,
    /// Goal names as they appear in a line's text, to skip lines holding none of them
    /// without parsing; `None` when a goal could be escaped in JSON (or every custom event
    /// is a goal).
    needles: Option<Vec<String>>,
    /// Assignment index -> state, for converting assignments only.
    pub(super) converted: HashMap<u32, Converted>,
    /// Goal events read whose user is in the exposure log, and those without a time.
    pub(super) goal_events: u64,
    pub(super) goal_events_without_time: u64,
}

impl LiftAggregator {
    pub fn new(
        exposures: Arc<Exposures>,
        options: LiftOptions,
        goals: &[String],
        revenue_metric: Option<&str>,
    ) -> Self {
        let plain = |g: &String| {
            g.bytes()
                .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\' || b == b' ')
        };
        let needles = (!goals.is_empty() && goals.iter().all(plain)).then(|| goals.to_vec());
        LiftAggregator {
            exposures,
            options,
            goals: goals.to_vec(),
            revenue_metric: revenue_metric.map(str::to_owned),
            needles,
            converted: HashMap::new(),
            goal_events: 0,
            goal_events_without_time: 0,
        }
    }

    fn may_hold_goal(&self, text: &str) -> bool {
        match &self.needles {
            Some(needles) => needles.iter().any(|n| text.contains(n.as_str())),
            None => true,
        }
    }

    fn seed(&self) -> GoalSeed<'_> {
        GoalSeed {
            user_attribute: &self.options.user_attribute,
            revenue_metric: self.revenue_metric.as_deref(),
        }
    }

    /// A line of Pinpoint records (one, or several back to back) the report accepted.
    pub(crate) fn push_line(&mut self, line: &str) {
        if !self.may_hold_goal(line) {
            return;
        }
        let mut de = serde_json::Deserializer::from_str(line);
        if let Ok(goal) = self.seed().deserialize(&mut de)
            && de.end().is_ok()
        {
            self.apply(goal, None, None);
            return;
        }
        for span in shapes::split(line).unwrap_or_default() {
            self.push_record(&line[span.start..span.end], None, None);
        }
    }

    /// An object of another shape the report accepted (see [`TouchInput`]).
    pub(crate) fn push_input(&mut self, input: &TouchInput<'_>) {
        match input {
            TouchInput::Pinpoint(json) => self.push_line(json),
            TouchInput::Amplify {
                data,
                user,
                time_ms,
            } => {
                if self.may_hold_goal(data) {
                    self.push_record(data, user.as_deref(), *time_ms);
                }
            }
        }
    }

    fn push_record(&mut self, json: &str, user: Option<&str>, time_ms: Option<i64>) {
        let mut de = serde_json::Deserializer::from_str(json);
        if let Ok(goal) = self.seed().deserialize(&mut de) {
            self.apply(goal, user, time_ms);
        }
    }

    fn is_goal(&self, event_type: &str) -> bool {
        !is_reserved_event_type(event_type)
            && (self.goals.is_empty() || self.goals.iter().any(|g| g == event_type))
    }

    fn apply(&mut self, g: Goal, envelope_user: Option<&str>, envelope_time: Option<i64>) {
        let Some(event_type) = g.event_type.as_deref() else {
            return;
        };
        if !self.is_goal(event_type) {
            return;
        }
        let (user, revenue) = if g.nested {
            (g.user, g.revenue)
        } else {
            (g.flat_user, g.flat_revenue)
        };
        let user = user.filter(|u| !u.is_empty());
        let Some(user) = user.as_deref().or(envelope_user.filter(|u| !u.is_empty())) else {
            return;
        };
        let range = self.exposures.of_user(user);
        if range.is_empty() {
            return;
        }
        self.goal_events += 1;
        let Some(t) = g.time_ms.or(envelope_time) else {
            self.goal_events_without_time += 1;
            return;
        };
        let window = self.options.window.as_millis();
        let revenue = revenue.filter(|r| r.is_finite()).unwrap_or(0.0);
        for i in range {
            let a = &self.exposures.assignments[i];
            if a.refused || t < a.assigned_at_ms || t >= a.assigned_at_ms.saturating_add(window) {
                continue;
            }
            self.converted.entry(i as u32).or_default().revenue += revenue;
        }
    }

    /// Folds `other` (built over the same exposures and options) into `self`.
    pub fn merge(&mut self, other: LiftAggregator) {
        for (i, c) in other.converted {
            self.converted.entry(i).or_default().revenue += c.revenue;
        }
        self.goal_events += other.goal_events;
        self.goal_events_without_time += other.goal_events_without_time;
    }
}
