//! A self-contained HTML report (inline CSS and SVG, no scripts, no network) that a
//! marketer can forward as one file.

use std::error::Error;
use std::fmt::Write as _;
use std::io::Write;

use journey_attribution_report::Report;

use super::render::{credit, label_of, money, percent};

/// Campaigns drawn in the chart (the table lists all of them).
const CHARTED: usize = 25;

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        s.chars().take(max - 1).chain(['…']).collect()
    }
}

/// Horizontal bars: revenue and cost side by side per campaign, conversions in a
/// second column.
fn chart(report: &Report) -> String {
    let rows: Vec<_> = report.campaigns.iter().take(CHARTED).collect();
    let (label_w, money_w, gap, conv_w) = (220.0, 420.0, 90.0, 160.0);
    let row_h = 46.0;
    let top = 34.0;
    let width = label_w + money_w + gap + conv_w + 60.0;
    let height = top + row_h * rows.len() as f64 + 16.0;
    let max_money = rows
        .iter()
        .flat_map(|c| [c.revenue.unwrap_or(0.0), c.cost.unwrap_or(0.0)])
        .fold(0.0_f64, f64::max);
    let max_conv = rows.iter().map(|c| c.converted_users).max().unwrap_or(0);
    // A bar is never wider than its column, nor NaN: figures are finite, this makes sure.
    let scale = |v: f64, max: f64, w: f64| {
        let x = if max > 0.0 { v / max * w } else { 0.0 };
        if x.is_finite() { x.clamp(0.0, w) } else { 0.0 }
    };
    let conv_x = label_w + money_w + gap;

    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Revenue and cost per campaign, and converted users" viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px">"#
    );
    let _ = write!(
        s,
        r##"<text x="{label_w}" y="16" class="h">Revenue vs cost</text><rect x="{}" y="7" width="10" height="10" class="rev"/><text x="{}" y="16" class="k">revenue</text><rect x="{}" y="7" width="10" height="10" class="cost"/><text x="{}" y="16" class="k">cost</text><text x="{conv_x}" y="16" class="h">Converted users</text>"##,
        label_w + 130.0,
        label_w + 144.0,
        label_w + 210.0,
        label_w + 224.0,
    );
    for (i, c) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        // Two journeys may share a label: tell them apart by id.
        let shared = rows.iter().filter(|o| o.campaign == c.campaign).count() > 1;
        let name = match (&c.campaign_id, shared) {
            (Some(id), true) => format!("{} ({})", clip(&c.campaign, 20), clip(id, 10)),
            _ => clip(&c.campaign, 30),
        };
        let name = escape(&name);
        let title = escape(&match &c.campaign_id {
            Some(id) => format!("{} ({id})", c.campaign),
            None => c.campaign.clone(),
        });
        let _ = write!(
            s,
            r#"<g><title>{title}</title><text x="{}" y="{}" class="l" text-anchor="end">{name}</text>"#,
            label_w - 10.0,
            y + 20.0
        );
        for (j, (value, class)) in [(c.revenue, "rev"), (c.cost, "cost")]
            .into_iter()
            .enumerate()
        {
            let by = y + 4.0 + j as f64 * 18.0;
            let text = value.map_or_else(|| "n/a".to_owned(), money);
            let w = scale(value.unwrap_or(0.0), max_money, money_w);
            let _ = write!(
                s,
                r#"<rect x="{label_w}" y="{by}" width="{w:.1}" height="15" class="{class}"/><text x="{:.1}" y="{}" class="v">{text}</text>"#,
                label_w + w + 5.0,
                by + 12.0
            );
        }
        let w = scale(c.converted_users as f64, max_conv as f64, conv_w);
        let _ = write!(
            s,
            r#"<rect x="{conv_x}" y="{}" width="{w:.1}" height="22" class="conv"/><text x="{:.1}" y="{}" class="v">{}</text></g>"#,
            y + 8.0,
            conv_x + w + 5.0,
            y + 24.0,
            c.converted_users
        );
    }
    s.push_str("</svg>");
    s
}

pub fn write(report: &Report, out: &mut dyn Write) -> Result<(), Box<dyn Error>> {
    let revenue: Option<f64> = report
        .revenue_metric
        .as_ref()
        .map(|_| report.campaigns.iter().filter_map(|c| c.revenue).sum());
    let costed: Vec<_> = report
        .campaigns
        .iter()
        .filter(|c| c.cost.is_some())
        .collect();
    let cost: Option<f64> =
        (!costed.is_empty()).then(|| costed.iter().filter_map(|c| c.cost).sum());
    let costed_revenue: f64 = costed.iter().filter_map(|c| c.revenue).sum();
    let roi = match (revenue, cost) {
        (Some(_), Some(cost)) if cost > 0.0 => {
            Some((costed_revenue - cost) / cost).filter(|r| r.is_finite())
        }
        _ => None,
    };
    let conversions: u64 = report.campaigns.iter().map(|c| c.converted_users).sum();
    let na = || "n/a".to_owned();

    let mut h = String::new();
    h.push_str(concat!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">",
        "<title>Campaign ROI report</title><style>",
        "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1f2933;margin:2rem auto;max-width:1100px;padding:0 1rem}",
        "h1{font-size:1.5rem;margin:0 0 .25rem}.sub{color:#616e7c;margin:0 0 1.5rem}",
        ".cards{display:flex;gap:1rem;flex-wrap:wrap;margin-bottom:1.5rem}",
        ".card{border:1px solid #d9e2ec;border-radius:8px;padding:.75rem 1rem;min-width:150px}",
        ".card b{display:block;font-size:1.35rem}.card span{color:#616e7c;font-size:.85rem}",
        "table{border-collapse:collapse;width:100%;margin-top:1.5rem;font-size:.9rem}",
        "th,td{border-bottom:1px solid #e4e7eb;padding:.4rem .5rem;text-align:right;vertical-align:top}",
        "th:nth-child(-n+2),td:nth-child(-n+2),td:last-child,th:last-child{text-align:left}",
        "th{background:#f5f7fa}.neg{color:#ba2525}.pos{color:#207227}",
        "svg text{font:12px system-ui,sans-serif;fill:#1f2933}svg .h{font-weight:600}svg .k,svg .v{fill:#52606d}",
        "svg .neg{fill:#ba2525}svg .rev{fill:#2f8132}svg .cost{fill:#9aa5b1}svg .conv{fill:#2680c2}",
        "footer{color:#7b8794;font-size:.8rem;margin-top:2rem}",
        "</style></head><body>\n<h1>Campaign ROI report</h1>\n",
    ));
    let goal = if report.goals.is_empty() {
        "any attributed custom event".to_owned()
    } else {
        report.goals.join(", ")
    };
    let _ = writeln!(
        h,
        "<p class=\"sub\">Conversions: {}. Revenue: metric <code>{}</code>.</p>",
        escape(&goal),
        escape(report.revenue_metric.as_deref().unwrap_or("none")),
    );
    let _ = writeln!(
        h,
        "<div class=\"cards\"><div class=\"card\"><b>{}</b><span>revenue</span></div><div class=\"card\"><b>{}</b><span>cost</span></div><div class=\"card\"><b>{}</b><span>ROI of costed campaigns</span></div><div class=\"card\"><b>{conversions}</b><span>converted users</span></div><div class=\"card\"><b>{}</b><span>attributed events</span></div></div>",
        revenue.map_or_else(na, money),
        cost.map_or_else(na, money),
        roi.map_or_else(na, percent),
        report.attributed_events,
    );
    if report.campaigns.is_empty() {
        h.push_str("<p>No attributed events in the input.</p>\n");
    } else {
        h.push_str(&chart(report));
        if report.campaigns.len() > CHARTED {
            let _ = write!(
                h,
                "<p class=\"sub\">Chart: top {CHARTED} campaigns by revenue; the table lists all {}.</p>",
                report.campaigns.len()
            );
        }
        h.push_str("\n<table><thead><tr><th>Campaign</th><th>Journey id</th><th>Attributed events</th><th>Converted users</th><th>Revenue</th><th>Cost</th><th>ROI</th><th>Events by type</th></tr></thead><tbody>\n");
        for c in &report.campaigns {
            let roi_class = match c.roi {
                Some(r) if r < 0.0 => " class=\"neg\"",
                Some(_) => " class=\"pos\"",
                None => "",
            };
            let types: Vec<String> = c
                .events_by_type
                .iter()
                .map(|(t, n)| format!("{} {n}", escape(t)))
                .collect();
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td{roi_class}>{}</td><td>{}</td></tr>",
                escape(&c.campaign),
                escape(c.campaign_id.as_deref().unwrap_or("–")),
                c.attributed_events,
                c.converted_users,
                c.revenue.map_or_else(na, money),
                c.cost.map_or_else(na, money),
                c.roi.map_or_else(na, percent),
                types.join(", "),
            );
        }
        h.push_str("</tbody></table>\n");
    }
    if let Some(t) = &report.touch_attribution {
        let _ = writeln!(
            h,
            "<h2>Journey touches ({} model, {} lookback)</h2>\n<p class=\"sub\">{}.</p>",
            t.model,
            escape(&t.lookback),
            escape(&t.note),
        );
        if !t.campaigns.is_empty() {
            h.push_str("<table><thead><tr><th>Campaign</th><th>Journey id</th><th>Credited conversions</th><th>Credited revenue</th></tr></thead><tbody>\n");
            for c in &t.campaigns {
                let _ = writeln!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    escape(&label_of(report, &c.campaign_id)),
                    escape(&c.campaign_id),
                    credit(c.conversions),
                    c.revenue.map_or_else(na, money),
                );
            }
            h.push_str("</tbody></table>\n");
        }
    }
    h.push_str(&super::lift::html(report));
    let _ = writeln!(
        h,
        "<footer>{} lines, {} events ({} custom, {} attributed), {} skipped lines{}. Every event counted once: {} duplicates not counted; {} refunds applied ({} unmatched); {} revenue values skipped (not a number in [0, max]). ROI = (revenue − cost) / cost. Generated by journey-attribution report.</footer>\n</body></html>",
        report.lines,
        report.events,
        report.custom_events,
        report.attributed_events,
        report.skipped_lines,
        match report.repeated_inputs {
            0 => String::new(),
            n => format!(", {n} repeated input(s) read once"),
        },
        report.duplicates,
        report.refunds,
        report.unmatched_refunds,
        report.skipped_revenue,
    );
    out.write_all(h.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape(r#"<b a="1">&'x'"#),
            "&lt;b a=&quot;1&quot;&gt;&amp;&#39;x&#39;"
        );
    }
}
