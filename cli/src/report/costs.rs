//! The marketer's costs: a CSV with a header row holding `campaign` and `cost`.

use std::error::Error;
use std::path::Path;

use journey_attribution_report::Cost;

/// Reads `path`. Columns are found by header name (case and surrounding spaces ignored);
/// other columns are ignored; fields use standard CSV quoting. The `campaign` field is kept
/// exactly as written, spaces included: it must equal the journey id or label the events
/// carry (a label may end in a space). Spaces around the `cost` are ignored.
pub fn read(path: &Path) -> Result<Vec<Cost>, Box<dyn Error>> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse(file).map_err(|e| format!("{}: {e}", path.display()).into())
}

pub fn parse(input: impl std::io::Read) -> Result<Vec<Cost>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::Headers)
        .flexible(true)
        .from_reader(input);
    let headers = reader.headers().map_err(|e| e.to_string())?.clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}').eq_ignore_ascii_case(name))
            .ok_or_else(|| format!("no `{name}` column in the header row ({headers:?})"))
    };
    let (campaign_col, cost_col) = (column("campaign")?, column("cost")?);
    let mut costs = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| e.to_string())?;
        let line = record.position().map_or(0, |p| p.line());
        let campaign = record.get(campaign_col).unwrap_or("");
        let cost = record.get(cost_col).unwrap_or("").trim();
        if campaign.trim().is_empty() && cost.is_empty() {
            continue;
        }
        if campaign.trim().is_empty() {
            return Err(format!("line {line}: empty campaign"));
        }
        let value: f64 = cost
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| {
                format!("line {line}: cost {cost:?} for {campaign:?} is not a number >= 0")
            })?;
        costs.push(Cost {
            campaign: campaign.to_owned(),
            cost: value,
        });
    }
    Ok(costs)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reads_quoted_fields_extra_columns_and_any_column_order() {
        let text =
            "channel,Cost,campaign\nemail,120.5,\"Spring, \"\"big\"\" sale\"\nsms, 30 ,j-1\n\n";
        let costs = parse(text.as_bytes()).unwrap();
        assert_eq!(
            costs,
            vec![
                Cost {
                    campaign: "Spring, \"big\" sale".into(),
                    cost: 120.5
                },
                Cost {
                    campaign: "j-1".into(),
                    cost: 30.0
                },
            ]
        );
    }

    #[test]
    fn campaign_names_are_kept_exactly() {
        let text = "campaign,cost\n\"Spring sale \",1\n Summer ,2\n";
        let names: Vec<String> = parse(text.as_bytes())
            .unwrap()
            .into_iter()
            .map(|c| c.campaign)
            .collect();
        assert_eq!(names, ["Spring sale ", " Summer "]);
    }

    #[test]
    fn names_what_is_wrong() {
        let err = parse("campaign,amount\nx,1\n".as_bytes()).unwrap_err();
        assert!(err.contains("no `cost` column"), "{err}");
        let err = parse("campaign,cost\nx,1\ny,ten\n".as_bytes()).unwrap_err();
        assert!(
            err.starts_with("line 3:") && err.contains("\"ten\""),
            "{err}"
        );
        let err = parse("campaign,cost\nx,-3\n".as_bytes()).unwrap_err();
        assert!(err.contains("\"-3\""), "{err}");
    }
}
