//! A segment file split into the list to send (treatment only, in the input's own format)
//! and the exposure log (both arms), row by row: a bad row is named with its line number and
//! skipped, never the rows around it.
//!
//! CSV has a header row naming the id column; JSON lines are one object per line with the
//! id in a (dotted) field. Without `--id-column` the id is the first of [`ID_CANDIDATES`]
//! the header (or the first object) has.

use std::collections::HashSet;
use std::io::{self, BufRead, Write};

use journey_attribution_core::holdout::{Arm, Assignment};
use serde_json::Value;

/// Id columns tried in order when none is named: a user id first (what the report's
/// `--user-attribute` counts by), then what segment exports and sender lists carry
/// (Pinpoint's `User.UserId`, `Address`; Connect's `ProfileId`; an e-mail column).
pub const ID_CANDIDATES: &[&str] = &[
    "user_id",
    "userId",
    "UserId",
    "User.UserId",
    "username",
    "ProfileId",
    "profile_id",
    "Address",
    "email",
    "Email",
    "EmailAddress",
];

/// The segment's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SegmentFormat {
    Csv,
    Jsonl,
}

impl SegmentFormat {
    /// JSON lines when the first character that is not white space (or a byte-order mark)
    /// opens an object, else CSV.
    pub fn sniff(head: &[u8]) -> Self {
        let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
        match head.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => Self::Jsonl,
            _ => Self::Csv,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Jsonl => "jsonl",
        }
    }
}

/// What stops the whole split (a bad row only skips itself).
#[derive(Debug, thiserror::Error)]
pub enum SplitError {
    #[error("the segment is empty: expected a CSV header row or JSON lines")]
    Empty,
    #[error(
        "no id column: the header has {found}; name one with --id-column (tried {tried})",
        tried = ID_CANDIDATES.join(", ")
    )]
    NoIdColumn { found: String },
    #[error("--id-column {0:?}: not in the header ({1})")]
    MissingIdColumn(String, String),
    #[error("reading the segment: {0}")]
    Csv(#[from] csv::Error),
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// A row left out, and why (1-based line number of the input).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    pub line: u64,
    pub reason: String,
}

/// What a split did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Distinct users assigned.
    pub users: u64,
    pub treatment: u64,
    pub control: u64,
    /// Rows of a user already seen: sent again if treatment, logged once.
    pub repeated_rows: u64,
    pub bad_rows: Vec<BadRow>,
    /// The id column used.
    pub id_column: String,
}

/// Where the split's two outputs go and what to assign with.
#[derive(Debug)]
pub struct Split<'a, S: Write, E: Write> {
    pub assignment: Assignment<'a>,
    pub assigned_at_ms: i64,
    pub id_column: Option<&'a str>,
    /// The list to send: treatment rows, the input's format.
    pub send: S,
    /// The exposure log: a JSON line per distinct user, either arm.
    pub exposures: E,
}

impl<S: Write, E: Write> Split<'_, S, E> {
    pub fn run(
        mut self,
        format: SegmentFormat,
        input: impl BufRead,
    ) -> Result<Summary, SplitError> {
        let summary = match format {
            SegmentFormat::Csv => self.csv(input)?,
            SegmentFormat::Jsonl => self.jsonl(input)?,
        };
        self.send.flush()?;
        self.exposures.flush()?;
        Ok(summary)
    }

    /// Assigns and logs `user` (once per user); whether its row goes to the send list.
    fn assign(
        &mut self,
        user: &str,
        seen: &mut HashSet<String>,
        summary: &mut Summary,
    ) -> io::Result<bool> {
        let exposure = self.assignment.expose(user, self.assigned_at_ms);
        if seen.insert(user.to_owned()) {
            summary.users += 1;
            match exposure.arm {
                Arm::Treatment => summary.treatment += 1,
                Arm::Control => summary.control += 1,
            }
            self.exposures.write_all(exposure.to_line().as_bytes())?;
            self.exposures.write_all(b"\n")?;
        } else {
            summary.repeated_rows += 1;
        }
        Ok(exposure.arm == Arm::Treatment)
    }

    fn csv(&mut self, input: impl BufRead) -> Result<Summary, SplitError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(input);
        let header = reader.byte_headers()?.clone();
        if header.is_empty() || (header.len() == 1 && header[0].is_empty()) {
            return Err(SplitError::Empty);
        }
        let names: Vec<String> = header
            .iter()
            .map(|h| String::from_utf8_lossy(h).trim().to_owned())
            .collect();
        let listed = || names.join(", ");
        let column = match self.id_column {
            Some(want) => names
                .iter()
                .position(|n| n == want)
                .ok_or_else(|| SplitError::MissingIdColumn(want.to_owned(), listed()))?,
            None => ID_CANDIDATES
                .iter()
                .find_map(|c| names.iter().position(|n| n.eq_ignore_ascii_case(c)))
                .ok_or_else(|| SplitError::NoIdColumn { found: listed() })?,
        };
        let mut summary = Summary {
            id_column: names[column].clone(),
            ..Summary::default()
        };
        let mut send = csv::WriterBuilder::new().from_writer(&mut self.send);
        send.write_byte_record(&header)?;
        drop(send);
        let mut seen = HashSet::new();
        let mut record = csv::ByteRecord::new();
        loop {
            let line = reader.position().line() + 1;
            match reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    // The reader stays usable after a bad record (e.g. invalid UTF-8 is
                    // not checked on byte records; an I/O error ends the input).
                    if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                        return Err(e.into());
                    }
                    summary.bad_rows.push(BadRow {
                        line,
                        reason: e.to_string(),
                    });
                    continue;
                }
            }
            let line = record.position().map_or(line, |p| p.line());
            if record.iter().all(<[u8]>::is_empty) {
                continue;
            }
            if record.len() != header.len() {
                summary.bad_rows.push(BadRow {
                    line,
                    reason: format!("{} fields, the header has {}", record.len(), header.len()),
                });
                continue;
            }
            let id = match std::str::from_utf8(&record[column]).map(str::trim) {
                Ok("") => Err(format!("{}: empty", summary.id_column)),
                Ok(id) => Ok(id.to_owned()),
                Err(_) => Err(format!("{}: not UTF-8", summary.id_column)),
            };
            let id = match id {
                Ok(id) => id,
                Err(reason) => {
                    summary.bad_rows.push(BadRow { line, reason });
                    continue;
                }
            };
            if self.assign(&id, &mut seen, &mut summary)? {
                let mut send = csv::WriterBuilder::new()
                    .has_headers(false)
                    .from_writer(&mut self.send);
                send.write_byte_record(&record)?;
                send.flush()?;
            }
        }
        Ok(summary)
    }

    fn jsonl(&mut self, input: impl BufRead) -> Result<Summary, SplitError> {
        let mut summary = Summary::default();
        let mut seen = HashSet::new();
        let mut column: Option<String> = self.id_column.map(str::to_owned);
        let mut any = false;
        for (i, line) in input.split(b'\n').enumerate() {
            let line_no = i as u64 + 1;
            let raw = line?;
            let mut text = raw.strip_suffix(b"\r").unwrap_or(&raw);
            if i == 0 {
                text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
            }
            if text.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            any = true;
            let bad = |reason: String| BadRow {
                line: line_no,
                reason,
            };
            let value: Value = match serde_json::from_slice(text) {
                Ok(v @ Value::Object(_)) => v,
                Ok(_) => {
                    summary.bad_rows.push(bad("not a JSON object".into()));
                    continue;
                }
                Err(e) => {
                    summary.bad_rows.push(bad(format!("not JSON: {e}")));
                    continue;
                }
            };
            let field = match &column {
                Some(c) => c.clone(),
                None => match ID_CANDIDATES.iter().find(|c| lookup(&value, c).is_some()) {
                    Some(c) => {
                        column = Some((*c).to_owned());
                        (*c).to_owned()
                    }
                    None => {
                        return Err(SplitError::NoIdColumn {
                            found: keys(&value),
                        });
                    }
                },
            };
            let id = match lookup(&value, &field) {
                None => Err(format!("{field}: missing")),
                Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
                // Numeric ids (a CRM's integer key) are ids too, as their JSON text.
                Some(Value::Number(n)) => Ok(n.to_string()),
                Some(_) => Err(format!("{field}: not a non-empty string or a number")),
            };
            let id = match id {
                Ok(id) => id,
                Err(reason) => {
                    summary.bad_rows.push(bad(reason));
                    continue;
                }
            };
            if self.assign(&id, &mut seen, &mut summary)? {
                self.send.write_all(text)?;
                self.send.write_all(b"\n")?;
            }
        }
        if !any {
            return Err(SplitError::Empty);
        }
        summary.id_column = column.unwrap_or_default();
        Ok(summary)
    }
}

/// `field` as a key of the object, else as a dotted path (`User.UserId`).
fn lookup<'v>(value: &'v Value, field: &str) -> Option<&'v Value> {
    value.get(field).or_else(|| {
        field
            .split('.')
            .try_fold(value, |v, key| v.get(key))
            .filter(|_| field.contains('.'))
    })
}

fn keys(value: &Value) -> String {
    value
        .as_object()
        .map(|o| o.keys().cloned().collect::<Vec<_>>().join(", "))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use journey_attribution_core::holdout::{Holdout, assign};

    const HALF: &str = "50";

    fn split(
        format: SegmentFormat,
        id_column: Option<&str>,
        input: &str,
    ) -> Result<(Summary, String, Vec<Value>), SplitError> {
        let mut send = Vec::new();
        let mut exposures = Vec::new();
        let summary = Split {
            assignment: Assignment {
                salt: "",
                campaign_id: "c-1",
                label: Some("Spring"),
                holdout: Holdout::parse_percent(HALF).unwrap(),
            },
            assigned_at_ms: 0,
            id_column,
            send: &mut send,
            exposures: &mut exposures,
        }
        .run(format, input.as_bytes())?;
        let log = String::from_utf8(exposures)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        Ok((summary, String::from_utf8(send).unwrap(), log))
    }

    fn arm(user: &str) -> Arm {
        assign("", "c-1", user, Holdout::parse_percent(HALF).unwrap())
    }

    fn users(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("u{i}")).collect()
    }

    #[test]
    fn csv_keeps_treatment_rows_as_they_were_and_logs_both_arms() {
        let mut input = String::from("Address,ChannelType,User.UserId\n");
        for u in users(40) {
            input.push_str(&format!("{u}@example.com,EMAIL,{u}\n"));
        }
        let (summary, send, log) = split(SegmentFormat::Csv, None, &input).unwrap();
        assert_eq!(summary.id_column, "User.UserId");
        assert_eq!(
            (summary.users, summary.treatment + summary.control),
            (40, 40)
        );
        assert!(summary.control > 5 && summary.treatment > 5, "{summary:?}");
        let mut expected = String::from("Address,ChannelType,User.UserId\n");
        for u in users(40).into_iter().filter(|u| arm(u) == Arm::Treatment) {
            expected.push_str(&format!("{u}@example.com,EMAIL,{u}\n"));
        }
        assert_eq!(send, expected);
        assert_eq!(log.len(), 40);
        for (e, u) in log.iter().zip(users(40)) {
            assert_eq!(e["user_id"], u.as_str());
            assert_eq!(e["arm"], arm(&u).as_str());
            assert_eq!(
                (&e["campaign_id"], &e["campaign"], &e["assigned_at"]),
                (
                    &Value::from("c-1"),
                    &Value::from("Spring"),
                    &Value::from("1970-01-01T00:00:00.000Z")
                )
            );
        }
    }

    #[test]
    fn each_bad_row_is_named_by_line_and_the_others_still_split() {
        let input = "email,name\n\
            a@x.com,A\n\
            ,nobody\n\
            b@x.com\n\
            \"c@x.com\",\"C, with comma\"\n\
            \n\
            a@x.com,A again\n";
        let (summary, send, log) = split(SegmentFormat::Csv, None, input).unwrap();
        assert_eq!(
            summary.bad_rows,
            [
                BadRow {
                    line: 3,
                    reason: "email: empty".into()
                },
                BadRow {
                    line: 4,
                    reason: "1 fields, the header has 2".into()
                },
            ]
        );
        assert_eq!((summary.users, summary.repeated_rows), (2, 1));
        assert_eq!(log.len(), 2);
        if arm("c@x.com") == Arm::Treatment {
            assert!(send.contains("c@x.com,\"C, with comma\"\n"), "{send}");
        }
    }

    #[test]
    fn json_lines_read_a_dotted_id_and_name_bad_lines() {
        let input = "{\"Id\":\"e1\",\"User\":{\"UserId\":\"u1\"}}\n\
            not json\n\
            [1]\n\
            {\"Id\":\"e2\",\"User\":{}}\n\
            {\"Id\":\"e3\",\"User\":{\"UserId\":\"u3\"}}\r\n";
        let (summary, send, log) = split(SegmentFormat::Jsonl, None, input).unwrap();
        assert_eq!(summary.id_column, "User.UserId");
        let lines: Vec<u64> = summary.bad_rows.iter().map(|b| b.line).collect();
        assert_eq!(lines, [2, 3, 4]);
        assert!(summary.bad_rows[0].reason.starts_with("not JSON: "));
        assert_eq!(summary.bad_rows[2].reason, "User.UserId: missing");
        assert_eq!(log.len(), 2);
        let sent = send.lines().count();
        let treated = ["u1", "u3"]
            .iter()
            .filter(|u| arm(u) == Arm::Treatment)
            .count();
        assert_eq!(sent, treated);
    }

    #[test]
    fn an_unknown_id_column_is_refused_with_the_header() {
        let err = split(SegmentFormat::Csv, None, "phone,name\n1,A\n").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("no id column: the header has phone, name; name one with --id-column"),
            "{err}"
        );
        let err = split(SegmentFormat::Csv, Some("uid"), "phone,name\n1,A\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "--id-column \"uid\": not in the header (phone, name)"
        );
        let (summary, ..) = split(SegmentFormat::Csv, Some("phone"), "phone,name\n1,A\n").unwrap();
        assert_eq!(summary.users, 1);
    }

    #[test]
    fn the_format_is_sniffed() {
        assert_eq!(
            SegmentFormat::sniff(b"\xEF\xBB\xBF {\"a\":1}"),
            SegmentFormat::Jsonl
        );
        assert_eq!(SegmentFormat::sniff(b"user_id\nu1"), SegmentFormat::Csv);
    }
}
