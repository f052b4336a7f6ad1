//! Costs matched to campaigns, ROI, and the report's order: one rule for the streaming
//! aggregate and for the SQL path's rows ([`super::sql`]).

use std::collections::BTreeMap;

use super::model::{CampaignReport, Cost, ReportError};

/// Revenue (and conversions) rounded to 1e-6, so that a figure does not depend on how the
/// input was split or in which order an engine summed it.
pub(crate) fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// `campaigns` with `costs` matched, by journey id first, else by label; ROI computed; in
/// the report's order. Several rows for one campaign add up; a row matching no campaign
/// becomes a campaign with no events (its money was spent all the same), and is returned
/// in the second list: a cost row's name is compared exactly, byte for byte, with what the
/// events carry, so a typo or a stray space shows up there.
pub(crate) fn price(
    mut campaigns: Vec<CampaignReport>,
    costs: &[Cost],
    has_revenue: bool,
) -> Result<(Vec<CampaignReport>, Vec<String>), ReportError> {
    // Deterministic order before matching costs, so "no match" rows land predictably.
    campaigns.sort_by(|a, b| (&a.campaign, &a.campaign_id).cmp(&(&b.campaign, &b.campaign_id)));
    let mut unmatched_costs = Vec::new();
    for cost in costs {
        if !cost.cost.is_finite() || cost.cost < 0.0 {
            return Err(ReportError::InvalidCost {
                campaign: cost.campaign.clone(),
                cost: cost.cost,
            });
        }
        let by_id = campaigns
            .iter()
            .position(|c| c.campaign_id.as_deref() == Some(cost.campaign.as_str()));
        let index = match by_id {
            Some(i) => i,
            None => {
                let by_label: Vec<usize> = campaigns
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.campaign == cost.campaign)
                    .map(|(i, _)| i)
                    .collect();
                match by_label.as_slice() {
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
                        let ids: Vec<&str> = several
                            .iter()
                            .map(|&i| campaigns[i].campaign_id.as_deref().unwrap_or("-"))
                            .collect();
                        return Err(ReportError::AmbiguousCost {
                            campaign: cost.campaign.clone(),
                            journey_ids: ids.join(", "),
                        });
                    }
                }
            }
        };
        let c = &mut campaigns[index];
        c.cost = Some(c.cost.unwrap_or(0.0) + cost.cost);
    }

    for c in &mut campaigns {
        c.roi = match (c.revenue, c.cost) {
            (Some(revenue), Some(cost)) if cost > 0.0 => Some((revenue - cost) / cost),
            _ => None,
        };
    }
    campaigns.sort_by(|a, b| {
        let rev = |c: &CampaignReport| c.revenue.unwrap_or(0.0);
        rev(b)
            .total_cmp(&rev(a))
            .then(b.attributed_events.cmp(&a.attributed_events))
            .then_with(|| (&a.campaign, &a.campaign_id).cmp(&(&b.campaign, &b.campaign_id)))
    });
    Ok((campaigns, unmatched_costs))
}
