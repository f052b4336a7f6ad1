//! Lookback windows: how long after a touch a user's events stay attributed.

#[allow(unused_imports)]
use crate::prelude::*;

use core::fmt;
use core::str::FromStr;

/// Why a window setting is refused; [`WindowError::message`] words it without `core::fmt`
/// (the stamping .wasm reads the wrappers' `windows` option and carries no formatting), and
/// `Display` prints that message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WindowError {
    Format(String),
    TooLong(String),
    Entry(String),
    Duplicate(String),
}

impl WindowError {
    /// E.g. `lookback window "30s": expected <N>m, <N>h or <N>d with N a positive integer, e.g. 30d, 48h, 15m`.
    pub fn message(&self) -> String {
        let (head, value, tail) = match self {
            Self::Format(v) => (
                "lookback window ",
                v,
                ": expected <N>m, <N>h or <N>d with N a positive integer, e.g. 30d, 48h, 15m",
            ),
            Self::TooLong(v) => ("lookback window ", v, ": longer than 3650 days"),
            Self::Entry(v) => (
                "lookback windows entry ",
                v,
                ": expected <applicationId>=<window>, e.g. appId=7d",
            ),
            Self::Duplicate(v) => ("lookback windows: application id ", v, " appears twice"),
        };
        let mut out = String::from(head);
        quote_into(&mut out, value);
        out.push_str(tail);
        out
    }
}

/// `value` in double quotes, `"` and `\` escaped, controls as `\u{..}`: Rust's `{:?}` for
/// the printable text a setting holds, without `core::fmt`.
fn quote_into(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u{");
                let code = u32::from(c);
                let mut started = false;
                for shift in (0..8).rev() {
                    let digit = (code >> (shift * 4)) & 0xF;
                    if digit != 0 || started || shift == 0 {
                        started = true;
                        out.push(char::from(HEX[digit as usize]));
                    }
                }
                out.push('}');
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl fmt::Display for WindowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl core::error::Error for WindowError {}

/// A positive duration written `<N>m`, `<N>h` or `<N>d`; displayed back in the same form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LookbackWindow {
    amount: u32,
    unit: Unit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Unit {
    Minutes,
    Hours,
    Days,
}

const MAX_MS: i64 = 3650 * 86_400_000;

impl LookbackWindow {
    pub const DEFAULT: LookbackWindow = LookbackWindow {
        amount: 30,
        unit: Unit::Days,
    };

    pub fn minutes(amount: u32) -> Self {
        Self {
            amount,
            unit: Unit::Minutes,
        }
    }

    pub fn as_millis(self) -> i64 {
        let unit_ms: i64 = match self.unit {
            Unit::Minutes => 60_000,
            Unit::Hours => 3_600_000,
            Unit::Days => 86_400_000,
        };
        i64::from(self.amount) * unit_ms
    }

    /// Expiry, in epoch seconds (DynamoDB's TTL unit), of a touch at `touched_at_ms`.
    /// Rounded up so the window is never shorter than configured.
    pub fn expires_at_s(self, touched_at_ms: i64) -> i64 {
        (touched_at_ms.saturating_add(self.as_millis()) + 999).div_euclid(1000)
    }
}

impl FromStr for LookbackWindow {
    type Err = WindowError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let s = raw.trim();
        let err = || WindowError::Format(raw.to_owned());
        // By suffix, not by byte index: `30é` must be an error, not a panic.
        let (digits, unit) = if let Some(d) = s.strip_suffix('m') {
            (d, Unit::Minutes)
        } else if let Some(d) = s.strip_suffix('h') {
            (d, Unit::Hours)
        } else if let Some(d) = s.strip_suffix('d') {
            (d, Unit::Days)
        } else {
            return Err(err());
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        let amount: u32 = digits
            .parse()
            .map_err(|_| WindowError::TooLong(raw.to_owned()))?;
        if amount == 0 {
            return Err(err());
        }
        let window = Self { amount, unit };
        if window.as_millis() > MAX_MS {
            return Err(WindowError::TooLong(raw.to_owned()));
        }
        Ok(window)
    }
}

impl fmt::Display for LookbackWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            Unit::Minutes => 'm',
            Unit::Hours => 'h',
            Unit::Days => 'd',
        };
        write!(f, "{}{}", self.amount, unit)
    }
}

/// The default window plus per-Pinpoint-application overrides (`LOOKBACK_WINDOWS`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookbackWindows {
    default: LookbackWindow,
    /// A `Vec`, not a map: a handful of entries, and a `BTreeMap` costs the stamping .wasm
    /// 3 KB of code (it reads the wrappers' `windows`).
    overrides: Vec<(String, LookbackWindow)>,
}

impl Default for LookbackWindows {
    fn default() -> Self {
        Self::new(LookbackWindow::DEFAULT)
    }
}

impl LookbackWindows {
    pub fn new(default: LookbackWindow) -> Self {
        Self {
            default,
            overrides: Vec::new(),
        }
    }

    /// Parses `LOOKBACK_WINDOW` (default `30d` when absent or blank) and `LOOKBACK_WINDOWS`
    /// (`appId=7d,otherApp=12h`, blank allowed).
    pub fn parse(default: Option<&str>, overrides: Option<&str>) -> Result<Self, WindowError> {
        let default = match default.map(str::trim) {
            None | Some("") => LookbackWindow::DEFAULT,
            Some(s) => s.parse()?,
        };
        let mut windows = Self::new(default);
        for entry in overrides.unwrap_or("").split(',') {
            let entry = entry.trim();
            if entry.is_empty() {
                continue;
            }
            let (app, window) = entry
                .split_once('=')
                .ok_or_else(|| WindowError::Entry(entry.to_owned()))?;
            let app = app.trim();
            if app.is_empty() {
                return Err(WindowError::Entry(entry.to_owned()));
            }
            let window = window.parse()?;
            if windows.overrides.iter().any(|(a, _)| a == app) {
                return Err(WindowError::Duplicate(app.to_owned()));
            }
            windows.overrides.push((app.to_owned(), window));
        }
        Ok(windows)
    }

    pub fn with_override(mut self, application_id: &str, window: LookbackWindow) -> Self {
        self.overrides.retain(|(a, _)| a != application_id);
        self.overrides.push((application_id.to_owned(), window));
        self
    }

    pub fn default_window(&self) -> LookbackWindow {
        self.default
    }

    pub fn for_application(&self, application_id: &str) -> LookbackWindow {
        self.overrides
            .iter()
            .find(|(a, _)| a == application_id)
            .map_or(self.default, |(_, w)| *w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_units() {
        assert_eq!(
            "30d".parse::<LookbackWindow>().unwrap().as_millis(),
            30 * 86_400_000
        );
        assert_eq!(
            "48h".parse::<LookbackWindow>().unwrap().as_millis(),
            48 * 3_600_000
        );
        assert_eq!(
            "15m".parse::<LookbackWindow>().unwrap().as_millis(),
            15 * 60_000
        );
        assert_eq!(" 7d ".parse::<LookbackWindow>().unwrap().to_string(), "7d");
    }

    #[test]
    fn rejects_anything_else_with_the_value_in_the_message() {
        for bad in [
            "", "d", "30", "0d", "-1d", "1.5h", "30D", "30s", "1w", "d30", "+3d", "3 d", "30é",
            "é", "\"3d\"", "3\u{7}d",
        ] {
            let err = bad.parse::<LookbackWindow>().unwrap_err();
            assert!(err.to_string().contains(&format!("{bad:?}")), "{err}");
        }
        assert!(matches!(
            "99999999999d".parse::<LookbackWindow>(),
            Err(WindowError::TooLong(_))
        ));
        assert!(matches!(
            "3651d".parse::<LookbackWindow>(),
            Err(WindowError::TooLong(_))
        ));
    }

    #[test]
    fn expiry_rounds_up_to_whole_seconds() {
        let w = LookbackWindow::minutes(1);
        assert_eq!(w.expires_at_s(0), 60);
        assert_eq!(w.expires_at_s(1), 61);
        assert_eq!(w.expires_at_s(1000), 61);
    }

    #[test]
    fn per_application_overrides() {
        let w = LookbackWindows::parse(Some("12h"), Some("app1=7d, app2=15m,")).unwrap();
        assert_eq!(w.for_application("app1").to_string(), "7d");
        assert_eq!(w.for_application("app2").to_string(), "15m");
        assert_eq!(w.for_application("other").to_string(), "12h");
        let d = LookbackWindows::parse(None, None).unwrap();
        assert_eq!(d.for_application("x").to_string(), "30d");
    }

    #[test]
    fn override_errors_name_the_entry() {
        assert_eq!(
            LookbackWindows::parse(None, Some("app1")).unwrap_err(),
            WindowError::Entry("app1".into())
        );
        assert_eq!(
            LookbackWindows::parse(None, Some("=7d")).unwrap_err(),
            WindowError::Entry("=7d".into())
        );
        assert_eq!(
            LookbackWindows::parse(None, Some("a=7d,a=1d")).unwrap_err(),
            WindowError::Duplicate("a".into())
        );
        assert_eq!(
            LookbackWindows::parse(None, Some("a=7x")).unwrap_err(),
            WindowError::Format("7x".into())
        );
    }
}
