//! Lift: what each campaign *caused*, from a holdout. Users assigned to a campaign's
//! `treatment` or `control` arm (the exposure log, [`exposures`]) are followed for a window
//! from their assignment; a user converts when a goal event of theirs (by the user
//! attribute, stamped or not) falls in `[assigned_at, assigned_at + window)`
//! ([`conversions`]). Each campaign's row compares the arms' conversion rates and revenue
//! per assigned user, with intervals ([`stats`]).
//!
//! Memory grows with the exposures and the converting assignments, not with the events.

pub mod conversions;
pub mod exposures;
pub mod quantile;
pub mod stats;

use serde::{Deserialize, Serialize};

use journey_attribution_core::LookbackWindow;

use crate::model::{Cost, ReportError};
use exposures::Arm;
#[cfg(test)]
use exposures::Exposures;
use stats::{Interval, Moments};

pub use conversions::LiftAggregator;

/// Below these, a row says it is too small to conclude (its figures are still shown).
pub const MIN_CONTROL_USERS: u64 = 1_000;
pub const MIN_CONVERSIONS_PER_ARM: u64 = 10;

/// How lift is measured.
#[derive(Debug, Clone, PartialEq)]
pub struct LiftOptions {
    /// From each assignment; the report's lookback by default.
    pub window: LookbackWindow,
    /// Of every interval, in (0, 1); 0.95 by default.
    pub confidence: f64,
    /// The event attribute holding the user id of the exposure log (Amplify Kinesis records
    /// without it: their partition key).
    pub user_attribute: String,
}

impl Default for LiftOptions {
    fn default() -> Self {
        LiftOptions {
            window: LookbackWindow::DEFAULT,
            confidence: 0.95,
            user_attribute: crate::record::USER_ID_ATTRIBUTE.to_owned(),
        }
    }
}

impl LiftOptions {
    /// Whether the options make sense (a confidence strictly between 0 and 1).
    pub fn check(&self) -> Result<(), LiftError> {
        if self.confidence > 0.0 && self.confidence < 1.0 {
            Ok(())
        } else {
            Err(LiftError::Confidence(self.confidence))
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LiftError {
    #[error("exposure log {origin}: {reason}")]
    Exposure { origin: String, reason: String },
    #[error("confidence {0}: must be between 0 and 1, exclusive (e.g. 0.95)")]
    Confidence(f64),
}

/// One campaign's lift, as the report's `lift` array holds it. Arm 1 is treatment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiftRow {
    pub campaign_id: String,
    /// The label the exposure log carries (`campaign`), if any.
    pub campaign: Option<String>,
    /// The conversion window from each assignment, as given (`30d`).
    pub window: String,
    /// The confidence level of the intervals.
    pub confidence: f64,
    pub treatment_users: u64,
    pub control_users: u64,
    pub treatment_converted: u64,
    pub control_converted: u64,
    /// Converted / assigned, per arm; `null` for an empty arm.
    pub treatment_rate: Option<f64>,
    pub control_rate: Option<f64>,
    /// Treatment rate minus control rate (Newcombe's hybrid score interval).
    pub rate_difference: Option<f64>,
    pub rate_difference_ci: Option<Interval>,
    /// Treatment rate / control rate - 1 (log / Katz interval, minus 1); `null` when the
    /// control has no conversion; its interval also when the treatment has none.
    pub relative_lift: Option<f64>,
    pub relative_lift_ci: Option<Interval>,
    /// The rate difference times the treatment users: conversions the campaign caused.
    pub incremental_conversions: Option<f64>,
    pub incremental_conversions_ci: Option<Interval>,
    /// Revenue of each arm's converting users in their window; `null` without a revenue
    /// metric.
    pub treatment_revenue: Option<f64>,
    pub control_revenue: Option<f64>,
    /// (Revenue per treatment user - revenue per control user) x treatment users (Welch's
    /// interval on revenue per assigned user, zeros included).
    pub incremental_revenue: Option<f64>,
    pub incremental_revenue_ci: Option<Interval>,
    /// Cost matched by campaign id, else by label (one match only).
    pub cost: Option<f64>,
    /// Incremental revenue / cost; `null` without revenue or a cost > 0.
    pub iroas: Option<f64>,
    /// Users of the log assigned to both arms: left out of this row.
    pub refused_users: u64,
    /// `false` below 1,000 control users or 10 conversions in an arm.
    pub conclusive: bool,
    pub note: Option<String>,
}

/// One arm's aggregates: what the streaming report and the SQL both produce.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ArmTotals {
    pub users: u64,
    pub converted: u64,
    /// Revenue per assigned user (zeros included); `None` without a revenue metric.
    pub revenue: Option<Moments>,
}

/// A campaign's figures before costs.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignTotals {
    pub campaign_id: String,
    pub campaign: Option<String>,
    pub treatment: ArmTotals,
    pub control: ArmTotals,
    pub refused_users: u64,
}

impl LiftAggregator {
    /// The per-arm totals of each campaign of the log, by campaign id.
    pub fn totals(&self) -> Vec<CampaignTotals> {
        let ex = &self.exposures;
        let has_revenue = self.revenue_metric.is_some();
        let mut out: Vec<(CampaignTotals, [Vec<f64>; 2])> = ex
            .campaigns
            .iter()
            .map(|c| {
                let arm = ArmTotals {
                    users: 0,
                    converted: 0,
                    revenue: None,
                };
                (
                    CampaignTotals {
                        campaign_id: c.id.clone(),
                        campaign: c.label(),
                        treatment: arm,
                        control: arm,
                        refused_users: 0,
                    },
                    [Vec::new(), Vec::new()],
                )
            })
            .collect();
        let converted = self.converted();
        for (i, a) in ex.assignments.iter().enumerate() {
            let (row, values) = &mut out[a.campaign as usize];
            if a.refused {
                row.refused_users += 1;
                continue;
            }
            let (arm, k) = match a.arm {
                Arm::Treatment => (&mut row.treatment, 0),
                Arm::Control => (&mut row.control, 1),
            };
            arm.users += 1;
            if let Some(c) = converted.get(&(i as u32)) {
                arm.converted += 1;
                if c.revenue != 0.0 {
                    values[k].push(c.revenue);
                }
            }
        }
        let mut rows: Vec<CampaignTotals> = out
            .into_iter()
            .map(|(mut row, [t, c])| {
                if has_revenue {
                    row.treatment.revenue = Some(Moments::from_nonzero(
                        row.treatment.users,
                        t.iter().copied(),
                    ));
                    row.control.revenue =
                        Some(Moments::from_nonzero(row.control.users, c.iter().copied()));
                }
                row
            })
            .collect();
        // One row per campaign: no ties.
        rows.sort_unstable_by(|a, b| a.campaign_id.cmp(&b.campaign_id));
        rows
    }

    /// The lift rows, costs matched.
    pub fn finish(&self, costs: &[Cost]) -> Result<Vec<LiftRow>, ReportError> {
        rows(self.totals(), costs, &self.options)
    }
}

/// The lift rows of `totals` at `confidence`, with `costs` matched by campaign id, else by
/// label when exactly one row carries it (several: an error, as for the attributed rows);
/// cost rows matching no lift row are left to the attributed rows.
pub fn rows(
    totals: Vec<CampaignTotals>,
    costs: &[Cost],
    options: &LiftOptions,
) -> Result<Vec<LiftRow>, ReportError> {
    let mut matched: Vec<Option<f64>> = vec![None; totals.len()];
    for cost in costs {
        let by_id = totals.iter().position(|t| t.campaign_id == cost.campaign);
        let index = match by_id {
            Some(i) => Some(i),
            None => {
                let by_label: Vec<usize> = (0..totals.len())
                    .filter(|&i| totals[i].campaign.as_deref() == Some(cost.campaign.as_str()))
                    .collect();
                match by_label.as_slice() {
                    [] => None,
                    [i] => Some(*i),
                    several => {
                        return Err(ReportError::AmbiguousCost {
                            campaign: cost.campaign.clone(),
                            matches: several
                                .iter()
                                .map(|&i| {
                                    let label = totals[i].campaign.as_deref().unwrap_or("");
                                    format!("{label} ({})", totals[i].campaign_id)
                                })
                                .collect::<Vec<_>>()
                                .join(", "),
                        });
                    }
                }
            }
        };
        if let Some(i) = index {
            if !cost.cost.is_finite() || cost.cost < 0.0 {
                return Err(ReportError::InvalidCost {
                    campaign: cost.campaign.clone(),
                    cost: cost.cost,
                });
            }
            matched[i] = Some(matched[i].unwrap_or(0.0) + cost.cost);
        }
    }
    Ok(totals
        .into_iter()
        .zip(matched)
        .map(|(t, cost)| row(t, cost, options))
        .collect())
}

fn row(t: CampaignTotals, cost: Option<f64>, options: &LiftOptions) -> LiftRow {
    let confidence = options.confidence;
    let z = stats::z(confidence);
    let (tr, co) = (t.treatment, t.control);
    let rate = |a: ArmTotals| (a.users > 0).then(|| a.converted as f64 / a.users as f64);
    let both = tr.users > 0 && co.users > 0;
    let rate_difference = both.then(|| rate(tr).unwrap_or(0.0) - rate(co).unwrap_or(0.0));
    let rate_difference_ci =
        both.then(|| stats::newcombe(tr.converted, tr.users, co.converted, co.users, z));
    let relative_lift =
        (both && co.converted > 0).then(|| rate(tr).unwrap_or(0.0) / rate(co).unwrap_or(1.0) - 1.0);
    let relative_lift_ci = if both {
        stats::katz(tr.converted, tr.users, co.converted, co.users, z)
            .map(|[l, h]| [l - 1.0, h - 1.0])
    } else {
        None
    };
    let n1 = tr.users as f64;
    let scale = |[l, h]: Interval| [l * n1, h * n1];
    let (incremental_revenue, incremental_revenue_ci) = match (tr.revenue, co.revenue) {
        (Some(a), Some(b)) if both => (
            Some((a.mean - b.mean) * n1),
            stats::welch(a, b, confidence).map(scale),
        ),
        _ => (None, None),
    };
    let total = |a: ArmTotals| a.revenue.map(|m| m.mean * m.n as f64);
    let iroas = match (incremental_revenue, cost) {
        (Some(r), Some(c)) if c > 0.0 => Some(r / c),
        _ => None,
    };
    let mut short = Vec::new();
    if co.users < MIN_CONTROL_USERS {
        short.push(format!(
            "{} control users (fewer than {MIN_CONTROL_USERS})",
            co.users
        ));
    }
    for (name, a) in [("treatment", tr), ("control", co)] {
        if a.converted < MIN_CONVERSIONS_PER_ARM {
            short.push(format!(
                "{} {name} conversions (fewer than {MIN_CONVERSIONS_PER_ARM})",
                a.converted
            ));
        }
    }
    let conclusive = short.is_empty();
    let mut note = (!conclusive).then(|| format!("too small to conclude: {}", short.join(", ")));
    if t.refused_users > 0 {
        let refused = format!("{} users assigned to both arms left out", t.refused_users);
        note = Some(match note {
            Some(n) => format!("{n}; {refused}"),
            None => refused,
        });
    }
    LiftRow {
        campaign_id: t.campaign_id,
        campaign: t.campaign,
        window: options.window.to_string(),
        confidence,
        treatment_users: tr.users,
        control_users: co.users,
        treatment_converted: tr.converted,
        control_converted: co.converted,
        treatment_rate: rate(tr),
        control_rate: rate(co),
        rate_difference,
        rate_difference_ci,
        relative_lift,
        relative_lift_ci,
        incremental_conversions: rate_difference.map(|d| d * n1),
        incremental_conversions_ci: rate_difference_ci.map(scale),
        treatment_revenue: total(tr),
        control_revenue: total(co),
        incremental_revenue,
        incremental_revenue_ci,
        cost,
        iroas,
        refused_users: t.refused_users,
        conclusive,
        note,
    }
}

#[cfg(test)]
mod tests;
