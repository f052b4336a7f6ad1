//! The table and CSV renderings of a report.

use std::error::Error;
use std::io::Write;

use journey_attribution_report::{CampaignReport, Report};

/// `1234.5` -> `1,234.50`.
pub fn money(x: f64) -> String {
    let s = format!("{:.2}", x.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if x < 0.0 && s != "0.00" { "-" } else { "" };
    format!("{sign}{grouped}.{frac}")
}

/// `0.105` -> `+10.5%`.
pub fn percent(x: f64) -> String {
    format!("{:+.1}%", x * 100.0)
}

/// A credited conversion count: `2`, `0.5`, `0.333333`.
pub fn credit(x: f64) -> String {
    let s = format!("{x:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The label the live-stamp report knows for a journey id, else the id itself.
pub fn label_of(report: &Report, journey_id: &str) -> String {
    report
        .campaigns
        .iter()
        .find(|c| c.campaign_id.as_deref() == Some(journey_id))
        .map_or_else(|| journey_id.to_owned(), |c| c.campaign.clone())
}

fn touch_table(report: &Report, out: &mut dyn Write) -> Result<(), Box<dyn Error>> {
    let Some(t) = &report.touch_attribution else {
        return Ok(());
    };
    writeln!(out)?;
    writeln!(
        out,
        "JOURNEY TOUCHES ({} model, lookback {}): {} of {} conversions joined",
        t.model, t.lookback, t.joined_conversions, t.conversions
    )?;
    let rows: Vec<[String; 4]> = t
        .campaigns
        .iter()
        .map(|c| {
            [
                clip(&label_of(report, &c.campaign_id), 40),
                clip(&c.campaign_id, 36),
                credit(c.conversions),
                opt(c.revenue, money),
            ]
        })
        .collect();
    let header = ["CAMPAIGN", "JOURNEY ID", "CONVERSIONS", "REVENUE"];
    if !rows.is_empty() {
        aligned(out, header, &rows)?;
    }
    writeln!(out, "{}", t.note)?;
    Ok(())
}

/// Writes a header and rows as columns: the first two (names, ids) left-aligned, the
/// figures right-aligned.
fn aligned<const N: usize>(
    out: &mut dyn Write,
    header: [&str; N],
    rows: &[[String; N]],
) -> Result<(), Box<dyn Error>> {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; N]| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            let pad = " ".repeat(w - cell.chars().count());
            if i < 2 {
                s.push_str(&format!("{cell}{pad}  "));
            } else {
                s.push_str(&format!("{pad}{cell}  "));
            }
        }
        s.trim_end().to_owned()
    };
    writeln!(out, "{}", line(header))?;
    for row in rows {
        writeln!(out, "{}", line(row.each_ref().map(String::as_str)))?;
    }
    Ok(())
}

fn opt(x: Option<f64>, f: fn(f64) -> String) -> String {
    x.map_or_else(|| "-".to_owned(), f)
}

/// `s` as the terminal should show it: control characters (ESC, BEL, CR, ...) escaped
/// (`\u{1b}`), so that a label cannot move the cursor, rewrite the screen or set a title.
pub fn shown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

fn clip(s: &str, max: usize) -> String {
    let s = shown(s);
    if s.chars().count() <= max {
        s
    } else {
        let mut out: String = s.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

/// A CSV cell a spreadsheet would not evaluate: text starting with `=`, `+`, `-`, `@`, a
/// tab or a carriage return (a formula, or DDE) gets OWASP's leading `'`; numbers stay.
pub fn cell(s: &str) -> String {
    let risky = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && s.trim().parse::<f64>().is_err() {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

pub fn table(report: &Report, out: &mut dyn Write) -> Result<(), Box<dyn Error>> {
    let header = [
        "CAMPAIGN",
        "JOURNEY ID",
        "EVENTS",
        "CONVERTED",
        "REVENUE",
        "COST",
        "ROI",
    ];
    let rows: Vec<[String; 7]> = report
        .campaigns
        .iter()
        .map(|c| {
            [
                clip(&c.campaign, 40),
                clip(c.campaign_id.as_deref().unwrap_or("-"), 36),
                c.attributed_events.to_string(),
                c.converted_users.to_string(),
                opt(c.revenue, money),
                opt(c.cost, money),
                opt(c.roi, percent),
            ]
        })
        .collect();
    aligned(out, header, &rows)?;
    if report.campaigns.is_empty() {
        writeln!(out, "(no attributed events)")?;
    }
    writeln!(out)?;
    for c in &report.campaigns {
        if !c.events_by_type.is_empty() {
            writeln!(out, "{}: {}", shown(&name(c)), shown(&by_type(c, ", ")))?;
        }
    }
    writeln!(
        out,
        "{} lines, {} events, {} custom, {} attributed; goal: {}; revenue metric: {}; skipped lines: {}",
        report.lines,
        report.events,
        report.custom_events,
        report.attributed_events,
        if report.goals.is_empty() {
            "any attributed event".to_owned()
        } else {
            shown(&report.goals.join(", "))
        },
        shown(report.revenue_metric.as_deref().unwrap_or("none")),
        report.skipped_lines,
    )?;
    if report.repeated_inputs > 0 {
        writeln!(
            out,
            "{} repeated input(s) read once (reached again through another path, prefix or link)",
            report.repeated_inputs
        )?;
    }
    writeln!(
        out,
        "every event once: {} duplicates not counted; refunds applied: {} ({} unmatched); revenue values skipped: {}",
        report.duplicates, report.refunds, report.unmatched_refunds, report.skipped_revenue,
    )?;
    touch_table(report, out)?;
    Ok(())
}

fn name(c: &CampaignReport) -> String {
    match &c.campaign_id {
        Some(id) if *id != c.campaign => format!("{} ({id})", c.campaign),
        _ => c.campaign.clone(),
    }
}

fn by_type(c: &CampaignReport, sep: &str) -> String {
    c.events_by_type
        .iter()
        .map(|(t, n)| format!("{t} {n}"))
        .collect::<Vec<_>>()
        .join(sep)
}

/// One row per campaign; `events_by_type` is a JSON object in one field.
pub fn csv(report: &Report, out: &mut dyn Write) -> Result<(), Box<dyn Error>> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "campaign",
        "campaign_id",
        "attributed_events",
        "converted_users",
        "revenue",
        "cost",
        "roi",
        "events_by_type",
    ])?;
    let num = |x: Option<f64>| x.map(|v| v.to_string()).unwrap_or_default();
    for c in &report.campaigns {
        w.write_record([
            cell(&c.campaign),
            cell(c.campaign_id.as_deref().unwrap_or_default()),
            c.attributed_events.to_string(),
            c.converted_users.to_string(),
            num(c.revenue),
            num(c.cost),
            num(c.roi),
            cell(&serde_json::to_string(&c.events_by_type)?),
        ])?;
    }
    w.flush()?;
    if let Some(t) = &report.touch_attribution {
        // A second table after a blank line, only when touch attribution was asked for.
        let out = w.into_inner().map_err(|e| e.to_string())?;
        writeln!(out)?;
        let mut w = csv::Writer::from_writer(out);
        w.write_record([
            "touch_model",
            "lookback",
            "campaign_id",
            "conversions",
            "revenue",
        ])?;
        for c in &t.campaigns {
            w.write_record([
                t.model.to_string(),
                t.lookback.clone(),
                cell(&c.campaign_id),
                c.conversions.to_string(),
                num(c.revenue),
            ])?;
        }
        w.flush()?;
        return Ok(());
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_and_percent() {
        assert_eq!(money(1234567.891), "1,234,567.89");
        assert_eq!(money(0.0), "0.00");
        assert_eq!(money(-1500.0), "-1,500.00");
        assert_eq!(money(999.999), "1,000.00");
        assert_eq!(percent(0.105), "+10.5%");
        assert_eq!(percent(-1.0), "-100.0%");
    }

    #[test]
    fn cells_a_spreadsheet_would_evaluate_are_neutralised() {
        assert_eq!(
            cell("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        for risky in ["+1+cmd", "-2-x", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(cell(risky), format!("'{risky}"));
        }
        assert_eq!(cell("-12.5"), "-12.5", "a number stays a number");
        assert_eq!(cell("Spring Sale"), "Spring Sale");
        assert_eq!(shown("a\u{1b}]0;pwned\u{7}b"), "a\\u{1b}]0;pwned\\u{7}b");
    }
}
