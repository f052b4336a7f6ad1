//! The lift section of the report in the table, CSV and HTML renderings.

use std::error::Error;
use std::fmt::Write as _;
use std::io::Write;

use journey_attribution_report::Report;
use journey_attribution_report::lift::LiftRow;

use super::html::escape;
use super::render::{money, percent};

fn interval(ci: Option<[f64; 2]>, f: fn(f64) -> String) -> String {
    ci.map_or_else(|| "-".to_owned(), |[l, h]| format!("[{}, {}]", f(l), f(h)))
}

fn opt(x: Option<f64>, f: fn(f64) -> String) -> String {
    x.map_or_else(|| "-".to_owned(), f)
}

fn count(x: f64) -> String {
    format!("{x:+.1}")
}

fn pp(x: f64) -> String {
    format!("{:+.2} pp", x * 100.0)
}

fn name(r: &LiftRow) -> String {
    match &r.campaign {
        Some(label) if *label != r.campaign_id => format!("{label} ({})", r.campaign_id),
        _ => r.campaign_id.clone(),
    }
}

/// The attributed ROI of the campaign the lift row is about (same id, else same label).
fn attributed_roi(report: &Report, r: &LiftRow) -> Option<f64> {
    report
        .campaigns
        .iter()
        .find(|c| c.campaign_id.as_deref() == Some(r.campaign_id.as_str()))
        .or_else(|| {
            let label = r.campaign.as_deref()?;
            report.campaigns.iter().find(|c| c.campaign == label)
        })
        .and_then(|c| c.roi)
}

/// Incremental ROI: (incremental revenue - cost) / cost.
fn incremental_roi(r: &LiftRow) -> Option<f64> {
    r.iroas.map(|x| x - 1.0)
}

/// A block per campaign: lift needs more columns than a terminal holds.
pub fn table(report: &Report, out: &mut dyn Write) -> Result<(), Box<dyn Error>> {
    let Some(rows) = &report.lift else {
        return Ok(());
    };
    writeln!(out)?;
    let Some(first) = rows.first() else {
        writeln!(out, "LIFT: no campaign in the exposure logs")?;
        return Ok(());
    };
    writeln!(
        out,
        "LIFT (holdout; window {} from assignment; {}% intervals)",
        first.window,
        first.confidence * 100.0
    )?;
    for r in rows {
        writeln!(out, "{}", name(r))?;
        let rate = |x: Option<f64>| opt(x, |v| format!("{:.2}%", v * 100.0));
        writeln!(
            out,
            "  treatment {} users, {} converted ({}); control {} users, {} converted ({})",
            r.treatment_users,
            r.treatment_converted,
            rate(r.treatment_rate),
            r.control_users,
            r.control_converted,
            rate(r.control_rate),
        )?;
        writeln!(
            out,
            "  rate difference {} {}; relative lift {} {}",
            opt(r.rate_difference, pp),
            interval(r.rate_difference_ci, pp),
            opt(r.relative_lift, percent),
            interval(r.relative_lift_ci, percent),
        )?;
        writeln!(
            out,
            "  incremental conversions {} {}; incremental revenue {} {}",
            opt(r.incremental_conversions, count),
            interval(r.incremental_conversions_ci, count),
            opt(r.incremental_revenue, money),
            interval(r.incremental_revenue_ci, money),
        )?;
        writeln!(
            out,
            "  cost {}; iROAS {}; incremental ROI {}; attributed ROI {}",
            opt(r.cost, money),
            opt(r.iroas, |x| format!("{x:.2}")),
            opt(incremental_roi(r), percent),
            opt(attributed_roi(report, r), percent),
        )?;
        if let Some(note) = &r.note {
            writeln!(out, "  note: {note}")?;
        }
    }
    Ok(())
}

/// A second CSV table after a blank line: one row per campaign, intervals as two columns.
pub fn csv(report: &Report, out: &mut dyn Write) -> Result<(), Box<dyn Error>> {
    let Some(rows) = &report.lift else {
        return Ok(());
    };
    writeln!(out)?;
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "lift_campaign_id",
        "campaign",
        "window",
        "confidence",
        "treatment_users",
        "control_users",
        "treatment_converted",
        "control_converted",
        "rate_difference",
        "rate_difference_low",
        "rate_difference_high",
        "relative_lift",
        "relative_lift_low",
        "relative_lift_high",
        "incremental_conversions",
        "incremental_conversions_low",
        "incremental_conversions_high",
        "incremental_revenue",
        "incremental_revenue_low",
        "incremental_revenue_high",
        "cost",
        "iroas",
        "refused_users",
        "conclusive",
        "note",
    ])?;
    let num = |x: Option<f64>| x.map(|v| v.to_string()).unwrap_or_default();
    let ci = |c: Option<[f64; 2]>| [num(c.map(|c| c[0])), num(c.map(|c| c[1]))];
    for r in rows {
        let [dl, dh] = ci(r.rate_difference_ci);
        let [ll, lh] = ci(r.relative_lift_ci);
        let [cl, ch] = ci(r.incremental_conversions_ci);
        let [rl, rh] = ci(r.incremental_revenue_ci);
        w.write_record([
            r.campaign_id.clone(),
            r.campaign.clone().unwrap_or_default(),
            r.window.clone(),
            r.confidence.to_string(),
            r.treatment_users.to_string(),
            r.control_users.to_string(),
            r.treatment_converted.to_string(),
            r.control_converted.to_string(),
            num(r.rate_difference),
            dl,
            dh,
            num(r.relative_lift),
            ll,
            lh,
            num(r.incremental_conversions),
            cl,
            ch,
            num(r.incremental_revenue),
            rl,
            rh,
            num(r.cost),
            num(r.iroas),
            r.refused_users.to_string(),
            r.conclusive.to_string(),
            r.note.clone().unwrap_or_default(),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// The lift section of the HTML report: per campaign, the interval of the rate difference
/// against zero (a bar from low to high, a dot at the estimate, the zero line), and the
/// attributed ROI beside the incremental ROI.
pub fn html(report: &Report) -> String {
    let Some(rows) = &report.lift else {
        return String::new();
    };
    let mut h = String::new();
    let Some(first) = rows.first() else {
        h.push_str("<h2>Lift</h2>\n<p>No campaign in the exposure logs.</p>\n");
        return h;
    };
    let _ = writeln!(
        h,
        "<h2>Lift: what each campaign caused</h2>\n<p class=\"sub\">Treatment against its holdout, conversions within {} of assignment; bars are {}% intervals of the conversion-rate difference (percentage points): a bar across zero has not shown an effect.</p>",
        escape(&first.window),
        first.confidence * 100.0
    );
    let (label_w, plot_w, roi_w, row_h, top) = (240.0, 420.0, 260.0, 34.0, 30.0);
    let width = label_w + plot_w + roi_w + 20.0;
    let height = top + row_h * rows.len() as f64 + 10.0;
    let extent = rows
        .iter()
        .filter_map(|r| r.rate_difference_ci)
        .flat_map(|[l, h]| [l.abs(), h.abs()])
        .fold(1e-4_f64, f64::max);
    let x = |v: f64| label_w + plot_w / 2.0 + v / extent * (plot_w / 2.0 - 10.0);
    let _ = write!(
        h,
        r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Interval of the conversion-rate difference per campaign, and attributed beside incremental ROI" viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px">"#
    );
    let zero = x(0.0);
    let _ = write!(
        h,
        r##"<text x="{label_w}" y="14" class="h">Rate difference ({}%)</text><text x="{}" y="14" class="h">ROI: attributed · incremental</text><line x1="{zero}" y1="{}" x2="{zero}" y2="{}" stroke="#52606d" stroke-dasharray="3 3"/>"##,
        first.confidence * 100.0,
        label_w + plot_w + 10.0,
        top - 6.0,
        height - 4.0,
    );
    for (i, r) in rows.iter().enumerate() {
        let y = top + row_h * i as f64 + row_h / 2.0;
        let _ = write!(
            h,
            r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#,
            label_w - 10.0,
            y + 4.0,
            escape(&name(r))
        );
        if let (Some(d), Some([lo, hi])) = (r.rate_difference, r.rate_difference_ci) {
            let class = if lo > 0.0 {
                "rev"
            } else if hi < 0.0 {
                "neg"
            } else {
                "cost"
            };
            let _ = write!(
                h,
                r##"<rect class="{class}" x="{}" y="{}" width="{}" height="8"><title>{} [{}, {}]</title></rect><circle cx="{}" cy="{}" r="4" fill="#1f2933"/>"##,
                x(lo),
                y - 4.0,
                (x(hi) - x(lo)).max(1.0),
                pp(d),
                pp(lo),
                pp(hi),
                x(d),
                y,
            );
        }
        let roi = |v: Option<f64>| v.map_or_else(|| "n/a".to_owned(), percent);
        let _ = write!(
            h,
            r#"<text x="{}" y="{}">{} · {}</text>"#,
            label_w + plot_w + 10.0,
            y + 4.0,
            roi(attributed_roi(report, r)),
            roi(incremental_roi(r)),
        );
    }
    h.push_str("</svg>\n");
    h.push_str("<table><thead><tr><th>Campaign</th><th>Journey id</th><th>Treatment users</th><th>Control users</th><th>Converted (T / C)</th><th>Rate difference</th><th>Relative lift</th><th>Incremental conversions</th><th>Incremental revenue</th><th>Cost</th><th>iROAS</th><th>Note</th></tr></thead><tbody>\n");
    let na = || "n/a".to_owned();
    for r in rows {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} / {}</td><td>{} {}</td><td>{} {}</td><td>{} {}</td><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(r.campaign.as_deref().unwrap_or("–")),
            escape(&r.campaign_id),
            r.treatment_users,
            r.control_users,
            r.treatment_converted,
            r.control_converted,
            opt(r.rate_difference, pp),
            interval(r.rate_difference_ci, pp),
            opt(r.relative_lift, percent),
            interval(r.relative_lift_ci, percent),
            opt(r.incremental_conversions, count),
            interval(r.incremental_conversions_ci, count),
            r.incremental_revenue.map_or_else(na, money),
            interval(r.incremental_revenue_ci, money),
            r.cost.map_or_else(na, money),
            r.iroas.map_or_else(na, |x| format!("{x:.2}")),
            escape(r.note.as_deref().unwrap_or("")),
        );
    }
    h.push_str("</tbody></table>\n");
    h
}
