//! The `custom:campaign` token: the compact, versioned string Cognito holds for a user.
//!
//! `ja1|<application id>|<journey id>|<touched at, epoch ms>|<expires at, epoch s>|<label>`
//!
//! In text fields `%`, `|` and control characters are written `%XX` (uppercase hex); all
//! else, any Unicode, is kept as is. Decoding accepts only that canonical form, so
//! `encode(decode(s)) == s` for every token that decodes. A value that does not start with
//! `ja<digits>|` is a legacy value (the original solution stored the bare journey name):
//! it reads as a label with no journey id and no expiry.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::attribution::Campaign;

/// The Cognito attribute (`sync`) and ID-token claim (`claims`) that carry the token
/// unless `CAMPAIGN_ATTRIBUTE` names another.
pub const DEFAULT_TOKEN_ATTRIBUTE: &str = "custom:campaign";
/// [`DEFAULT_TOKEN_ATTRIBUTE`] as the user pool's schema names it (without `custom:`).
pub const DEFAULT_TOKEN_SCHEMA_NAME: &str = "campaign";

/// Cognito's maximum length of a custom string attribute (written out in
/// [`TokenError::message`]).
pub const MAX_TOKEN_BYTES: usize = 2048;
const PREFIX: &str = "ja1|";

/// Why a value is not a token. Its message is built by [`TokenError::message`] without
/// `core::fmt` (the stamping `.wasm` carries no formatting machinery), and
/// `Display` prints that message, so the Lambdas, the CLI and the browser say the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    TooLong(usize),
    /// The version prefix, `ja<digits>`.
    UnsupportedVersion(String),
    FieldCount(usize),
    Field {
        field: &'static str,
        reason: &'static str,
    },
}

impl TokenError {
    /// The message, e.g. `token: expected 6 fields separated by '|', found 2`.
    pub fn message(&self) -> String {
        let number = |n: usize| {
            let mut out = String::new();
            push_decimal(&mut out, u64::try_from(n).unwrap_or(u64::MAX), false);
            out
        };
        let digits;
        let parts: [&str; 4] = match self {
            Self::TooLong(n) => {
                digits = number(*n);
                [
                    "token: ",
                    &digits,
                    " bytes, over Cognito's 2048-byte attribute limit",
                    "",
                ]
            }
            // The version is `ja` and ASCII digits, so its Rust `{:?}` is just the quotes.
            Self::UnsupportedVersion(v) => [
                "token: version \"",
                v,
                "\" is not supported (this build reads ja1)",
                "",
            ],
            Self::FieldCount(n) => {
                digits = number(*n);
                [
                    "token: expected 6 fields separated by '|', found ",
                    &digits,
                    "",
                    "",
                ]
            }
            Self::Field { field, reason } => ["token field ", field, ": ", reason],
        };
        // Pushed one by one: `[..].concat()` costs 1 KB of generic code in the stamping
        // .wasm.
        let mut out = String::new();
        for part in parts {
            out.push_str(part);
        }
        out
    }
}

impl core::fmt::Display for TokenError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.message())
    }
}

impl core::error::Error for TokenError {}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    V1(Campaign),
    /// A value written by the original solution: a bare label, no expiry.
    Legacy {
        label: String,
    },
}

impl Token {
    pub fn label(&self) -> &str {
        match self {
            Token::V1(c) => &c.label,
            Token::Legacy { label } => label,
        }
    }

    pub fn journey_id(&self) -> Option<&str> {
        match self {
            Token::V1(c) => Some(&c.journey_id),
            Token::Legacy { .. } => None,
        }
    }

    pub fn expires_at_ms(&self) -> Option<i64> {
        match self {
            Token::V1(c) => Some(c.expires_at_ms()),
            Token::Legacy { .. } => None,
        }
    }

    pub fn campaign(&self) -> Option<&Campaign> {
        match self {
            Token::V1(c) => Some(c),
            Token::Legacy { .. } => None,
        }
    }

    /// The attribute value; fails only when it would not fit Cognito's limit.
    pub fn encode(&self) -> Result<String, TokenError> {
        let out = match self {
            Token::V1(c) => {
                let mut out = String::with_capacity(
                    32 + c.application_id.len() + c.journey_id.len() + c.label.len(),
                );
                out.push_str(PREFIX);
                escape_into(&mut out, &c.application_id);
                out.push('|');
                escape_into(&mut out, &c.journey_id);
                out.push('|');
                push_i64(&mut out, c.touched_at_ms);
                out.push('|');
                push_i64(&mut out, c.expires_at_s);
                out.push('|');
                escape_into(&mut out, &c.label);
                out
            }
            Token::Legacy { label } => label.clone(),
        };
        if out.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLong(out.len()));
        }
        Ok(out)
    }

    /// `Ok(None)` for a missing or blank value (Cognito deletes blank attributes; moto
    /// keeps them: both mean "no attribution").
    pub fn decode(value: &str) -> Result<Option<Token>, TokenError> {
        if value.chars().all(char::is_whitespace) {
            return Ok(None);
        }
        if value.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLong(value.len()));
        }
        let Some(rest) = value.strip_prefix(PREFIX) else {
            if let Some(version) = versioned_prefix(value) {
                return Err(TokenError::UnsupportedVersion(version.to_owned()));
            }
            return Ok(Some(Token::Legacy {
                label: value.to_owned(),
            }));
        };
        // No `Vec`: its growth brings panic formatting into the stamping .wasm.
        let mut fields = rest.split('|');
        let mut next = || fields.next();
        let (Some(app), Some(journey), Some(touched), Some(expires), Some(label), None) =
            (next(), next(), next(), next(), next(), next())
        else {
            return Err(TokenError::FieldCount(rest.split('|').count() + 1));
        };
        let campaign = Campaign {
            application_id: unescape(app, "application_id")?,
            journey_id: nonempty(unescape(journey, "journey_id")?, "journey_id")?,
            touched_at_ms: integer(touched, "touched_at")?,
            expires_at_s: integer(expires, "expires_at")?,
            label: unescape(label, "label")?,
        };
        Ok(Some(Token::V1(campaign)))
    }
}

/// `ja<digits>|` at the start: a versioned token, not a legacy label.
fn versioned_prefix(value: &str) -> Option<&str> {
    let head = value.strip_prefix("ja")?;
    let digits = head.bytes().take_while(u8::is_ascii_digit).count();
    (digits > 0 && head.as_bytes().get(digits) == Some(&b'|'))
        .then(|| value.get(..2 + digits))
        .flatten()
}

/// `n` in decimal, without `core::fmt` (`write!`) or `itoa` (1.0.19 reaches `core::fmt`
/// through an `expect`): the stamping .wasm carries no formatting code.
fn push_i64(out: &mut String, n: i64) {
    push_decimal(out, n.unsigned_abs(), n < 0);
}

fn push_decimal(out: &mut String, n: u64, negative: bool) {
    if negative {
        out.push('-');
    }
    // Recursion (at most 20 digits deep) instead of a digit buffer: no index to check.
    if n >= 10 {
        push_decimal(out, n / 10, false);
    }
    out.push(char::from(b'0' + (n % 10) as u8));
}

fn needs_escape(c: char) -> bool {
    c == '%' || c == '|' || c.is_ascii_control()
}

pub(crate) fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        if needs_escape(c) {
            // Only ASCII is escaped (`%`, `|`, controls): one byte, two uppercase hex digits.
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            let b = c as u8;
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xF)]));
        } else {
            out.push(c);
        }
    }
}

pub(crate) fn unescape(s: &str, field: &'static str) -> Result<String, TokenError> {
    let bad = |reason| TokenError::Field { field, reason };
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            if needs_escape(c) {
                return Err(bad("unescaped control character"));
            }
            out.push(c);
            continue;
        }
        let hex: String = chars.by_ref().take(2).collect();
        let canonical =
            hex.len() == 2 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'A'..=b'F'));
        let decoded = canonical
            .then(|| u8::from_str_radix(&hex, 16).ok())
            .flatten()
            .map(char::from)
            .filter(|c| needs_escape(*c))
            .ok_or(bad("invalid %-escape"))?;
        out.push(decoded);
    }
    Ok(out)
}

fn nonempty(s: String, field: &'static str) -> Result<String, TokenError> {
    if s.is_empty() {
        return Err(TokenError::Field {
            field,
            reason: "empty",
        });
    }
    Ok(s)
}

fn integer(s: &str, field: &'static str) -> Result<i64, TokenError> {
    // Canonical decimal only (no '+', no leading zeros), so the round trip is exact.
    // `strip_prefix`, not `&s[1..]`: a slice by index links `str`'s boundary-panic
    // formatting into the stamping .wasm.
    let (negative, digits) = s.strip_prefix('-').map_or((false, s), |d| (true, d));
    let canonical = !digits.is_empty() && (digits == "0" || !digits.starts_with('0')) && s != "-0";
    // Accumulated negatively, so i64::MIN fits; digit by digit rather than `str::parse`,
    // half the code in the stamping .wasm.
    let mut value: Option<i64> = canonical.then_some(0);
    for b in digits.bytes() {
        value = value.and_then(|v| {
            let digit = b.is_ascii_digit().then(|| i64::from(b - b'0'))?;
            v.checked_mul(10)?.checked_sub(digit)
        });
    }
    let value = if negative {
        value
    } else {
        value.and_then(i64::checked_neg)
    };
    value.ok_or(TokenError::Field {
        field,
        reason: "not a canonical integer",
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn decimals_match_rusts_own() {
        for n in [
            0,
            7,
            -7,
            10,
            99,
            100,
            -100,
            1_700_000_000_000,
            i64::MAX,
            i64::MIN,
        ] {
            let mut out = String::new();
            push_i64(&mut out, n);
            assert_eq!(out, n.to_string());
        }
    }

    #[test]
    fn error_messages_name_the_problem() {
        let cases = [
            (
                TokenError::TooLong(2049),
                "token: 2049 bytes, over Cognito's 2048-byte attribute limit".to_owned(),
            ),
            (
                TokenError::UnsupportedVersion("ja12".into()),
                format!(
                    "token: version {:?} is not supported (this build reads ja1)",
                    "ja12"
                ),
            ),
            (
                TokenError::FieldCount(2),
                "token: expected 6 fields separated by '|', found 2".to_owned(),
            ),
            (
                TokenError::Field {
                    field: "label",
                    reason: "invalid %-escape",
                },
                "token field label: invalid %-escape".to_owned(),
            ),
        ];
        for (error, message) in cases {
            assert_eq!(error.to_string(), message);
        }
        assert!(
            TokenError::TooLong(0)
                .message()
                .contains(&format!("{MAX_TOKEN_BYTES}-byte"))
        );
    }

    use super::*;

    fn campaign(label: &str) -> Campaign {
        Campaign {
            application_id: "3a9b1f4e6c764ba7b031e7183example".into(),
            journey_id: "j-1".into(),
            label: label.into(),
            touched_at_ms: 1_700_000_000_123,
            expires_at_s: 1_702_592_001,
        }
    }

    #[test]
    fn encodes_compactly_and_reads_back() {
        let t = Token::V1(campaign("Spring sale"));
        let s = t.encode().unwrap();
        assert_eq!(
            s,
            "ja1|3a9b1f4e6c764ba7b031e7183example|j-1|1700000000123|1702592001|Spring sale"
        );
        assert_eq!(Token::decode(&s).unwrap(), Some(t));
    }

    #[test]
    fn escapes_separators_percent_and_controls() {
        let t = Token::V1(campaign("50% off | now\n\u{0}✓ 春"));
        let s = t.encode().unwrap();
        assert!(s.ends_with("|50%25 off %7C now%0A%00✓ 春"), "{s}");
        assert_eq!(Token::decode(&s).unwrap(), Some(t));
    }

    #[test]
    fn legacy_bare_value_reads_as_label_without_expiry() {
        let t = Token::decode("SpringJourney").unwrap().unwrap();
        assert_eq!(t.label(), "SpringJourney");
        assert_eq!(t.expires_at_ms(), None);
        assert_eq!(t.journey_id(), None);
        assert_eq!(t.encode().unwrap(), "SpringJourney");
    }

    #[test]
    fn blank_means_no_attribution() {
        assert_eq!(Token::decode("").unwrap(), None);
        assert_eq!(Token::decode("   ").unwrap(), None);
    }

    #[test]
    fn malformed_tokens_name_the_problem() {
        assert_eq!(
            Token::decode("ja2|x").unwrap_err(),
            TokenError::UnsupportedVersion("ja2".into())
        );
        assert_eq!(
            Token::decode("ja1|a|b").unwrap_err(),
            TokenError::FieldCount(3)
        );
        let err = Token::decode("ja1|a|j|12x|1|l").unwrap_err();
        assert_eq!(
            err.to_string(),
            "token field touched_at: not a canonical integer"
        );
        assert!(Token::decode("ja1|a|j|012|1|l").is_err());
        assert!(
            Token::decode("ja1|a|j|1|1|%41").is_err(),
            "escaping a plain char is not canonical"
        );
        assert!(
            Token::decode("ja1|a|j|1|1|%7c").is_err(),
            "lowercase hex is not canonical"
        );
        assert!(Token::decode("ja1|a||1|1|l").is_err(), "empty journey id");
        assert!(Token::decode(&"x".repeat(2049)).is_err());
    }

    #[test]
    fn too_long_is_an_error_not_a_truncation() {
        let t = Token::V1(campaign(&"|".repeat(700)));
        assert_eq!(t.encode().unwrap_err(), TokenError::TooLong(2166));
    }

    #[test]
    fn the_schema_name_is_the_attribute_without_its_prefix() {
        assert_eq!(
            DEFAULT_TOKEN_ATTRIBUTE.strip_prefix("custom:"),
            Some(DEFAULT_TOKEN_SCHEMA_NAME)
        );
    }
}
