//! The exposure log: one JSON line per assignment of a user to an arm of a campaign,
//! `{"campaign_id", "user_id", "arm": "treatment"|"control", "assigned_at": RFC 3339, ...}`
//! (`campaign`, the label, is read when present; other fields are ignored).
//!
//! Read into one assignment per (campaign, user): a repeated identical assignment counts
//! once, from its earliest `assigned_at` (intent-to-treat: the window starts at the first
//! assignment); a user logged in both arms of one campaign is refused, left out of both arms
//! of that campaign, with the reason kept. Memory: one small record per assignment.

use std::borrow::Cow;
use std::collections::HashMap;

use journey_attribution_core::rfc3339;
use serde::Deserialize;

use super::LiftError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Arm {
    Treatment,
    Control,
}

impl Arm {
    fn name(self) -> &'static str {
        match self {
            Arm::Treatment => "treatment",
            Arm::Control => "control",
        }
    }
}

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow)]
    campaign_id: Cow<'a, str>,
    #[serde(borrow)]
    user_id: Cow<'a, str>,
    arm: Arm,
    #[serde(borrow)]
    assigned_at: Cow<'a, str>,
    #[serde(borrow, default)]
    campaign: Option<Cow<'a, str>>,
}

/// One (campaign, user) assignment.
#[derive(Debug, Clone, Copy)]
pub(super) struct Assignment {
    pub campaign: u32,
    pub arm: Arm,
    pub assigned_at_ms: i64,
    pub refused: bool,
}

/// A campaign of the log: its id and the labels its lines carry.
#[derive(Debug, Clone, Default)]
pub(super) struct Campaign {
    pub id: String,
    labels: HashMap<String, u64>,
}

impl Campaign {
    /// The most frequent label; ties go to the smallest; `None` when no line carried one.
    pub fn label(&self) -> Option<String> {
        self.labels
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
            .map(|(l, _)| l.clone())
    }
}

/// A user refused from a campaign's lift, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub campaign_id: String,
    /// Where the conflicting line was (the caller's name for it: `file:line`).
    pub origin: String,
    pub reason: String,
}

/// The exposure log being read; [`ExposureLog::finish`] indexes it by user.
#[derive(Debug, Default)]
pub struct ExposureLog {
    campaigns: Vec<Campaign>,
    campaign_index: HashMap<String, u32>,
    users: HashMap<Box<str>, u32>,
    /// (user, campaign) -> index in `assignments`.
    keys: HashMap<(u32, u32), u32>,
    assignments: Vec<(u32, Assignment)>,
    refusals: Vec<Refusal>,
    lines: u64,
}

impl ExposureLog {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one line of the log; `origin` names it in errors (`exposures.jsonl:12`). Blank
    /// lines are ignored; a malformed line is an error naming the field.
    pub fn push_line(&mut self, line: &str, origin: &str) -> Result<(), LiftError> {
        let line = line.trim();
        if line.is_empty() {
            return Ok(());
        }
        self.lines += 1;
        let bad = |reason: String| LiftError::Exposure {
            origin: origin.to_owned(),
            reason,
        };
        let l: Line<'_> = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
        for (field, value) in [("campaign_id", &l.campaign_id), ("user_id", &l.user_id)] {
            if value.is_empty() {
                return Err(bad(format!("`{field}` is empty")));
            }
        }
        let assigned_at_ms = rfc3339::parse_ms(&l.assigned_at).ok_or_else(|| {
            bad(format!(
                "`assigned_at` {:?} is not an RFC 3339 time",
                l.assigned_at
            ))
        })?;
        let campaign = match self.campaign_index.get(l.campaign_id.as_ref()) {
            Some(&c) => c,
            None => {
                let c = self.campaigns.len() as u32;
                self.campaigns.push(Campaign {
                    id: l.campaign_id.clone().into_owned(),
                    labels: HashMap::new(),
                });
                self.campaign_index.insert(l.campaign_id.into_owned(), c);
                c
            }
        };
        if let Some(label) = l.campaign.filter(|s| !s.is_empty()) {
            *self.campaigns[campaign as usize]
                .labels
                .entry(label.into_owned())
                .or_default() += 1;
        }
        let next_user = self.users.len() as u32;
        let user = *self
            .users
            .entry(l.user_id.as_ref().into())
            .or_insert(next_user);
        match self.keys.get(&(user, campaign)) {
            None => {
                self.keys
                    .insert((user, campaign), self.assignments.len() as u32);
                self.assignments.push((
                    user,
                    Assignment {
                        campaign,
                        arm: l.arm,
                        assigned_at_ms,
                        refused: false,
                    },
                ));
            }
            Some(&i) => {
                let a = &mut self.assignments[i as usize].1;
                if a.arm == l.arm {
                    a.assigned_at_ms = a.assigned_at_ms.min(assigned_at_ms);
                } else if !a.refused {
                    a.refused = true;
                    self.refusals.push(Refusal {
                        campaign_id: self.campaigns[campaign as usize].id.clone(),
                        origin: origin.to_owned(),
                        reason: format!(
                            "user assigned to {} here and to {} earlier in the log: left out of \
                             both arms of this campaign (assignment must be deterministic: \
                             one salt and one holdout per campaign)",
                            l.arm.name(),
                            a.arm.name()
                        ),
                    });
                }
            }
        }
        Ok(())
    }

    /// Adds every line of `text`, naming lines `<name>:<n>`.
    pub fn push_text(&mut self, text: &str, name: &str) -> Result<(), LiftError> {
        for (n, line) in text.lines().enumerate() {
            self.push_line(line, &format!("{name}:{}", n + 1))?;
        }
        Ok(())
    }

    /// The log, indexed by user for the conversions.
    pub fn finish(self) -> Exposures {
        let ExposureLog {
            campaigns,
            users,
            mut assignments,
            refusals,
            ..
        } = self;
        // Grouped by user: the slice of a user's assignments is `start[u]..start[u + 1]`.
        // (user, campaign) is unique in the log (`keys`): no ties, so unstable is stable.
        assignments.sort_unstable_by_key(|(u, a)| (*u, a.campaign));
        let mut start = vec![0u32; users.len() + 1];
        for (u, _) in &assignments {
            start[*u as usize + 1] += 1;
        }
        for i in 1..start.len() {
            start[i] += start[i - 1];
        }
        Exposures {
            campaigns,
            users,
            start,
            assignments: assignments.into_iter().map(|(_, a)| a).collect(),
            refusals,
        }
    }
}

/// The exposure log indexed by user, shared (read-only) by the report's threads.
#[derive(Debug, Default)]
pub struct Exposures {
    pub(super) campaigns: Vec<Campaign>,
    users: HashMap<Box<str>, u32>,
    start: Vec<u32>,
    pub(super) assignments: Vec<Assignment>,
    refusals: Vec<Refusal>,
}

impl Exposures {
    /// Reads a whole log (`name` names its lines in errors).
    pub fn parse(text: &str, name: &str) -> Result<Exposures, LiftError> {
        let mut log = ExposureLog::new();
        log.push_text(text, name)?;
        Ok(log.finish())
    }

    /// The index of `user` in the log, if the log names them.
    pub(super) fn user_index(&self, user: &str) -> Option<u32> {
        self.users.get(user).copied()
    }

    /// User `u`'s assignments, with their indices in `assignments`.
    pub(super) fn assignments_of(&self, u: u32) -> impl Iterator<Item = (usize, &Assignment)> {
        let range = self.start[u as usize] as usize..self.start[u as usize + 1] as usize;
        range.clone().zip(&self.assignments[range])
    }

    /// Users refused from a campaign (both arms), with the reasons.
    pub fn refusals(&self) -> &[Refusal] {
        &self.refusals
    }

    /// (campaign, user) assignments, refused ones included.
    pub fn assignments(&self) -> usize {
        self.assignments.len()
    }
}
