//! Costs matched to campaigns, ROI, and the report's order: one rule for the streaming
//! aggregate and for the SQL path's rows ([`super::sql`]).

use std::cmp::Ordering;
use std::collections::BTreeMap;

use super::model::{CampaignReport, Cost, ReportError};

/// Revenue (and conversions) rounded to 1e-6, so that a figure does not depend on how the
/// input was split or in which order an engine summed it.
pub(crate) fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// `campaigns` with `costs` matched, each row to the one campaign whose journey id or label
/// it equals (a row matching several, by either, is refused with the campaigns it matches);
/// ROI computed; in the report's order. Several rows for one campaign add up; a row matching no campaign
/// becomes a campaign with no events (its money was spent all the same), and is returned
/// in the second list: a cost row's name is compared exactly, byte for byte, with what the
/// events carry, so a typo or a stray space shows up there.
pub(crate) fn price(
    mut campaigns: Vec<CampaignReport>,
    costs: &[Cost],
    has_revenue: bool,
) -> Result<(Vec<CampaignReport>, Vec<String>), ReportError> {
    // Deterministic order before matching costs, so "no match" rows land predictably.
    sort(&mut campaigns, by_name);
    let mut unmatched_costs = Vec::new();
    for cost in costs {
        if !cost.cost.is_finite() || cost.cost < 0.0 {
            return Err(ReportError::InvalidCost {
                campaign: cost.campaign.clone(),
                cost: cost.cost,
            });
        }
        // Every campaign the row names, by journey id or by label: exactly one may match
        // (a UTM row whose id is a journey's label would otherwise take its cost).
        let matching: Vec<usize> = campaigns
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                c.campaign_id.as_deref() == Some(cost.campaign.as_str())
                    || c.campaign == cost.campaign
            })
            .map(|(i, _)| i)
            .collect();
        let index = match matching.as_slice() {
            [i] => *i,
            [] => {
                unmatched_costs.push(cost.campaign.clone());
                campaigns.push(CampaignReport {
                    campaign: cost.campaign.clone(),
                    campaign_id: None,
                    attributed_events: 0,
                    events_by_type: BTreeMap::new(),
                    converted_users: 0,
                    revenue: has_revenue.then_some(0.0),
                    cost: None,
                    roi: None,
                });
                campaigns.len() - 1
            }
            several => {
                // Pushed, not `join`ed: `join` is a 1 KB generic of its own in the report
                // .wasm for this one message.
                let mut matches = String::new();
                for (n, &i) in several.iter().enumerate() {
                    if n > 0 {
                        matches.push_str(", ");
                    }
                    let c = &campaigns[i];
                    matches.push_str(&c.campaign);
                    matches.push_str(" (");
                    matches.push_str(c.campaign_id.as_deref().unwrap_or("no journey id"));
                    matches.push(')');
                }
                return Err(ReportError::AmbiguousCost {
                    campaign: cost.campaign.clone(),
                    matches,
                });
            }
        };
        let c = &mut campaigns[index];
        let total = c.cost.unwrap_or(0.0) + cost.cost;
        if !total.is_finite() {
            return Err(ReportError::InvalidCost {
                campaign: cost.campaign.clone(),
                cost: total,
            });
        }
        c.cost = Some(total);
    }

    for c in &mut campaigns {
        c.roi = match (c.revenue, c.cost) {
            // Finite figures, finite ROI: a cost of 1e-320 would make it infinite.
            (Some(revenue), Some(cost)) if cost > 0.0 => {
                Some((revenue - cost) / cost).filter(|r| r.is_finite())
            }
            _ => None,
        };
    }
    sort(&mut campaigns, by_revenue);
    Ok((campaigns, unmatched_costs))
}

type Order = fn(&CampaignReport, &CampaignReport) -> Ordering;

/// One sort for both orders: a function pointer, not two closures, so the report .wasm
/// holds one instance of the sort, not two (with the unstable sort, 652 B gzip less than
/// two stable ones). Unstable gives the stable order here: no two campaigns share
/// (label, journey id) (the aggregate keys them by id, else by label; a cost row becomes
/// a campaign only when no campaign has its name; the SQL rows are a map by that pair),
/// so neither order has ties. A report has a few hundred campaigns, not millions: the
/// indirect call costs nothing that shows.
fn sort(campaigns: &mut [CampaignReport], order: Order) {
    campaigns.sort_unstable_by(order);
}

/// By label, then journey id.
fn by_name(a: &CampaignReport, b: &CampaignReport) -> Ordering {
    (&a.campaign, &a.campaign_id).cmp(&(&b.campaign, &b.campaign_id))
}

/// The report's order: revenue, then attributed events, both descending, then by name.
fn by_revenue(a: &CampaignReport, b: &CampaignReport) -> Ordering {
    let rev = |c: &CampaignReport| c.revenue.unwrap_or(0.0);
    rev(b)
        .total_cmp(&rev(a))
        .then(b.attributed_events.cmp(&a.attributed_events))
        .then_with(|| by_name(a, b))
}
