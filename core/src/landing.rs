//! The landing touch: the attribution a message link carries, read from the address of the
//! page it opens, so the events of the minutes after a click are stamped before any
//! server-side tagging and for visitors who are not signed in.
//!
//! A link carries it in one of two forms (parameters of the URL's query):
//!
//! * **`ja`**, this project's own: `1|<application id>|<journey id>|<label>` with the
//!   token's escaping in each field (`%` → `%25`, `|` → `%7C`, controls `%XX`), the whole
//!   value then URL-encoded. `journey-attribution link` writes it ([`link_value`]). It always
//!   counts: only the project's own messages carry it.
//! * **UTM**: `utm_campaign` is the label, `utm_id` the journey (or campaign) id; the
//!   application id is empty. Without `utm_id` the id is [`UTM_ID_PREFIX`] + the label, so a
//!   label can never be taken for (or priced as) a journey id; `utm_id` alone is the label
//!   too. UTM parameters are on every ad, affiliate and shared link, so they count only
//!   when the link says it came from one of the app's own channels ([`UtmPolicy`]): its
//!   `utm_medium` or `utm_source` is one of them (default [`DEFAULT_UTM_CHANNELS`]).
//!   Otherwise the link is not a touch at all: an ad's `utm_medium=cpc` never replaces a
//!   live journey's attribution.
//!
//! `ja` wins when both are present and it is well formed; a malformed value of either form
//! is ignored (the other form is used when it is well formed) and reported, never fatal.
//! The first occurrence of a parameter counts. A label or id over Pinpoint's 200-character
//! limit is malformed (the event would be dropped). The touch time is the landing time and
//! the window the application's ([`LookbackWindows`]), so a landing touch is a
//! [`Campaign`] like any other and [`Campaign::precedence`] orders it against the token.

#[allow(unused_imports)]
use crate::prelude::*;

use core::cmp::Ordering;

use crate::attribution::Campaign;
use crate::token::{self, Token};
use crate::touch::{MAX_ATTRIBUTE_VALUE_CHARS, pinpoint_len};
use crate::window::LookbackWindows;

/// The query parameters that carry a link's attribution: a page whose address has one of
/// them has a link to read (and `stripParams` removes them).
pub const LINK_PARAMS: [&str; 3] = ["ja", "utm_campaign", "utm_id"];

/// The UTM parameters that say which channel a link was sent through ([`UtmPolicy`]); read,
/// never removed (other analytics read them too).
pub const CHANNEL_PARAMS: [&str; 2] = ["utm_medium", "utm_source"];

/// The project's own channels: a UTM link counts by default when its `utm_medium` or
/// `utm_source` is one of these (ASCII case and surrounding spaces ignored).
pub const DEFAULT_UTM_CHANNELS: [&str; 3] = ["email", "sms", "push"];

/// The start of the id of a UTM landing touch without `utm_id`: `utm:<label>`. Journey ids
/// (Pinpoint's, Connect's, SES's) never start with it.
pub const UTM_ID_PREFIX: &str = "utm:";

/// Which UTM links are touches (`ja` links always are).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UtmPolicy<'a> {
    /// Those whose `utm_medium` or `utm_source` is one of these channels.
    Channels(&'a [&'a str]),
    /// Every UTM link, whatever sent it.
    Any,
}

impl Default for UtmPolicy<'static> {
    /// [`DEFAULT_UTM_CHANNELS`].
    fn default() -> Self {
        UtmPolicy::Channels(&DEFAULT_UTM_CHANNELS)
    }
}

impl UtmPolicy<'_> {
    /// Whether a UTM link with this `utm_medium` / `utm_source` counts.
    pub fn accepts(&self, medium: Option<&str>, source: Option<&str>) -> bool {
        match self {
            UtmPolicy::Any => true,
            UtmPolicy::Channels(channels) => [medium, source].into_iter().flatten().any(|v| {
                let v = v.trim();
                channels.iter().any(|c| c.trim().eq_ignore_ascii_case(v))
            }),
        }
    }
}

/// The parameters of a page's query that [`from_query`] reads, already URL-decoded, the
/// first occurrence of each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkQuery<'a> {
    pub ja: Option<&'a str>,
    pub utm_campaign: Option<&'a str>,
    pub utm_id: Option<&'a str>,
    pub utm_medium: Option<&'a str>,
    pub utm_source: Option<&'a str>,
}

impl<'a> LinkQuery<'a> {
    /// From a query's (decoded) key / value pairs, as `URLSearchParams` iterates them: the
    /// first occurrence of each parameter counts; the others are not read.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut out = LinkQuery::default();
        for (key, value) in pairs {
            let slot = match key {
                "ja" => &mut out.ja,
                "utm_campaign" => &mut out.utm_campaign,
                "utm_id" => &mut out.utm_id,
                "utm_medium" => &mut out.utm_medium,
                "utm_source" => &mut out.utm_source,
                _ => continue,
            };
            slot.get_or_insert(value);
        }
        out
    }
}

const JA_VERSION: &str = "1";

/// What a link says: the journey and its label (the application id is empty for UTM).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub application_id: String,
    pub journey_id: String,
    pub label: String,
}

/// Why a link's parameter was ignored: `param` names it (`ja`, `utm_campaign`, `utm_id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkError {
    pub param: &'static str,
    pub reason: &'static str,
}

impl LinkError {
    /// The message, e.g. `link parameter ja: expected 1|<application id>|<journey id>|<label>`
    /// (built without `core::fmt`, as the stamping .wasm carries none).
    pub fn message(&self) -> String {
        let mut out = String::from("link parameter ");
        out.push_str(self.param);
        out.push_str(": ");
        out.push_str(self.reason);
        out
    }
}

impl core::fmt::Display for LinkError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.message())
    }
}

impl core::error::Error for LinkError {}

/// What the address of a page says: the link's attribution, if any, and the parameter that
/// was ignored as malformed, if any (both may be set: a bad `ja` beside good UTM).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Landing {
    pub link: Option<Link>,
    pub ignored: Option<LinkError>,
}

/// The landing touch of a page whose query holds these parameters ([`LinkQuery`], already
/// URL-decoded: the browser's `URLSearchParams` does that; [`parse_url`] here), when `ja` or
/// UTM parameters `policy` accepts make one.
pub fn from_query(query: &LinkQuery<'_>, policy: UtmPolicy<'_>) -> Landing {
    let mut out = Landing::default();
    if let Some(value) = query.ja.filter(|v| !v.is_empty()) {
        match parse_ja(value) {
            Ok(link) => {
                out.link = Some(link);
                return out;
            }
            Err(e) => out.ignored = Some(e),
        }
    }
    let (label, id) = (utm_value(query.utm_campaign), utm_value(query.utm_id));
    if (label.is_none() && id.is_none()) || !policy.accepts(query.utm_medium, query.utm_source) {
        return out;
    }
    let checked_utm = |value: Option<&str>, param| match value {
        None => Ok(None),
        Some(v) => checked(v.to_owned(), param),
    };
    match (
        checked_utm(label, "utm_campaign"),
        checked_utm(id, "utm_id"),
    ) {
        (Ok(label), Ok(id)) => {
            let link = match (label, id) {
                (Some(label), Some(id)) => Some((label, id)),
                (None, Some(id)) => Some((id.clone(), id)),
                (Some(label), None) => {
                    let mut id = String::from(UTM_ID_PREFIX);
                    id.push_str(&label);
                    match checked(id, "utm_campaign") {
                        Ok(id) => id.map(|id| (label, id)),
                        Err(e) => {
                            out.ignored.get_or_insert(e);
                            None
                        }
                    }
                }
                (None, None) => None,
            };
            out.link = link.map(|(label, journey_id)| Link {
                application_id: String::new(),
                journey_id,
                label,
            });
        }
        (Err(e), _) | (_, Err(e)) => {
            out.ignored.get_or_insert(e);
        }
    }
    out
}

/// A UTM value, trimmed; blank is absent.
fn utm_value(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// [`from_query`] of the query of `url` (absolute, or relative like `/p?…`), decoded as
/// `URLSearchParams` decodes (`+` is a space, `%XX` a byte); a value that is not UTF-8 once
/// decoded is malformed.
#[cfg(feature = "std")]
pub fn parse_url(url: &str, policy: UtmPolicy<'_>) -> Landing {
    let query = url.split('#').next().unwrap_or("");
    let query = query.split_once('?').map_or("", |(_, q)| q);
    let raw = LinkQuery::from_pairs(
        query
            .split('&')
            .map(|pair| pair.split_once('=').unwrap_or((pair, ""))),
    );
    let mut ignored = None;
    let mut decode = |value: Option<&str>, param: &'static str| {
        value.and_then(|v| match decode_component(v, param) {
            Ok(v) => Some(v),
            Err(e) => {
                ignored.get_or_insert(e);
                None
            }
        })
    };
    let ja = decode(raw.ja, "ja");
    let mut utm = [
        decode(raw.utm_campaign, "utm_campaign"),
        decode(raw.utm_id, "utm_id"),
        decode(raw.utm_medium, "utm_medium"),
        decode(raw.utm_source, "utm_source"),
    ];
    // A UTM value that does not decode voids the UTM parameters, as a too-long one does.
    if ignored
        .as_ref()
        .is_some_and(|e: &LinkError| e.param != "ja")
    {
        utm = [None, None, None, None];
    }
    let [campaign, id, medium, source] = &utm;
    let decoded = LinkQuery {
        ja: ja.as_deref(),
        utm_campaign: campaign.as_deref(),
        utm_id: id.as_deref(),
        utm_medium: medium.as_deref(),
        utm_source: source.as_deref(),
    };
    let mut out = from_query(&decoded, policy);
    if out.ignored.is_none() {
        out.ignored = ignored;
    }
    out
}

/// A value within Pinpoint's attribute limit, else the error naming `param`.
fn checked(value: String, param: &'static str) -> Result<Option<String>, LinkError> {
    if pinpoint_len(&value) > MAX_ATTRIBUTE_VALUE_CHARS {
        return Err(LinkError {
            param,
            reason: "over Pinpoint's 200-character attribute limit",
        });
    }
    Ok(Some(value))
}

fn parse_ja(value: &str) -> Result<Link, LinkError> {
    let bad = |reason| LinkError {
        param: "ja",
        reason,
    };
    let mut fields = value.split('|');
    let mut next = || fields.next();
    let (Some(version), Some(app), Some(journey), Some(label), None) =
        (next(), next(), next(), next(), next())
    else {
        return Err(bad(
            "expected 1|<application id>|<journey id>|<label> (4 fields separated by '|')",
        ));
    };
    if version != JA_VERSION {
        return Err(bad("version is not 1"));
    }
    let field = |s: &str, name| token::unescape(s, name).map_err(|_| bad("invalid %-escape"));
    let (app, journey, label) = (
        field(app, "application_id")?,
        field(journey, "journey_id")?,
        field(label, "label")?,
    );
    if journey.is_empty() || label.trim().is_empty() {
        return Err(bad("empty journey id or label"));
    }
    let journey = checked(journey, "ja")?.unwrap_or_default();
    let label = checked(label, "ja")?.unwrap_or_default();
    Ok(Link {
        application_id: app,
        journey_id: journey,
        label,
    })
}

/// URL decoding of one query component: `+` is a space, `%XX` a byte; UTF-8 required.
#[cfg(feature = "std")]
fn decode_component(raw: &str, param: &'static str) -> Result<String, LinkError> {
    let bad = |reason| LinkError { param, reason };
    let mut bytes = Vec::with_capacity(raw.len());
    let mut it = raw.bytes();
    while let Some(b) = it.next() {
        bytes.push(match b {
            b'+' => b' ',
            b'%' => {
                let hi = it.next().and_then(hex);
                let lo = it.next().and_then(hex);
                match (hi, lo) {
                    (Some(hi), Some(lo)) => hi << 4 | lo,
                    _ => return Err(bad("invalid %-escape")),
                }
            }
            b => b,
        });
    }
    String::from_utf8(bytes).map_err(|_| bad("not UTF-8 once %-decoded"))
}

#[cfg(feature = "std")]
fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The `ja` value of a link (before URL encoding): `1|<app>|<journey>|<label>`, escaped.
pub fn link_value(link: &Link) -> String {
    let mut out = String::from(JA_VERSION);
    for field in [&link.application_id, &link.journey_id, &link.label] {
        out.push('|');
        token::escape_into(&mut out, field);
    }
    out
}

/// URL encoding of one query component: everything but `A-Z a-z 0-9 - . _ ~` as `%XX`.
#[cfg(feature = "std")]
pub fn encode_component(value: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xF)]));
        }
    }
    out
}

/// The attribution of a landing at `now_ms`: touched then, expiring after the window of its
/// application.
pub fn landing_campaign(link: &Link, now_ms: i64, windows: &LookbackWindows) -> Campaign {
    Campaign {
        application_id: link.application_id.clone(),
        journey_id: link.journey_id.clone(),
        label: link.label.clone(),
        touched_at_ms: now_ms,
        expires_at_s: windows
            .for_application(&link.application_id)
            .expires_at_s(now_ms),
    }
}

/// Whether the landing touch stamps rather than the server-side token at `now_ms`: it must
/// be live, and newer ([`Campaign::precedence`]) than the token when the token is a live
/// versioned one. A legacy value (no touch time), an expired, unreadable or missing token
/// gives way to a live landing touch.
pub fn landing_wins(server: Option<&Token>, landing: &Campaign, now_ms: i64) -> bool {
    if !landing.is_live_at(now_ms) {
        return false;
    }
    match server {
        Some(Token::V1(campaign)) if campaign.is_live_at(now_ms) => {
            landing.precedence(campaign) == Ordering::Greater
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::window::LookbackWindow;

    fn link(app: &str, journey: &str, label: &str) -> Link {
        Link {
            application_id: app.into(),
            journey_id: journey.into(),
            label: label.into(),
        }
    }

    /// [`parse_url`] under the default policy (the project's own channels).
    fn parse(url: &str) -> Landing {
        parse_url(url, UtmPolicy::default())
    }

    #[test]
    fn utm_campaign_is_the_label_and_utm_id_the_journey() {
        let l = parse(
            "https://shop.example/p?utm_source=email&utm_campaign=Spring%20sale&utm_id=j-1#top",
        );
        assert_eq!(l.link, Some(link("", "j-1", "Spring sale")));
        assert_eq!(l.ignored, None);
        let l = parse("/landing?utm_medium=email&utm_campaign=Spring+sale");
        assert_eq!(l.link, Some(link("", "utm:Spring sale", "Spring sale")));
        assert_eq!(
            parse("?utm_id=j-2&utm_medium=sms").link,
            Some(link("", "j-2", "j-2"))
        );
        // First occurrence wins; blank is absent.
        let l = parse("?utm_campaign=A&utm_campaign=B&utm_id=&utm_medium=push");
        assert_eq!(l.link, Some(link("", "utm:A", "A")));
        assert_eq!(parse("https://shop.example/?q=1").link, None);
        assert_eq!(parse("https://shop.example/").link, None);
        assert_eq!(parse("").link, None);
    }

    #[test]
    fn a_utm_touch_without_utm_id_never_takes_a_journey_id() {
        // The label of a journey, sent without utm_id: its id cannot be the journey's.
        let l = parse("?utm_medium=email&utm_campaign=8d116ece1738f7d93d9c172411e20b8f");
        let link = l.link.unwrap();
        assert_eq!(link.journey_id, "utm:8d116ece1738f7d93d9c172411e20b8f");
        assert_eq!(link.label, "8d116ece1738f7d93d9c172411e20b8f");
        // The prefix counts against Pinpoint's limit: a 197-character label would stamp a
        // 201-character id, which Pinpoint would drop the event for.
        let l = parse(&format!(
            "?utm_medium=email&utm_campaign={}",
            "x".repeat(197)
        ));
        assert_eq!(l.link, None);
        assert_eq!(l.ignored.unwrap().param, "utm_campaign");
        let l = parse(&format!(
            "?utm_medium=email&utm_campaign={}",
            "x".repeat(196)
        ));
        assert_eq!(l.link.unwrap().journey_id.len(), 200);
    }

    #[test]
    fn utm_links_count_only_from_the_apps_own_channels() {
        // An ad (cpc), even with a utm_id, or a link with no channel at all: no touch.
        for url in [
            "?utm_medium=cpc&utm_source=google&utm_campaign=Spring&utm_id=j-ad",
            "?utm_campaign=Spring&utm_id=j-1",
            "?utm_source=newsletter-partner&utm_campaign=Spring",
            "?utm_medium=emailx&utm_campaign=Spring",
        ] {
            assert_eq!(parse(url), Landing::default(), "{url}");
        }
        // utm_medium or utm_source, any ASCII case, surrounding spaces ignored.
        for url in [
            "?utm_medium=email&utm_campaign=Spring&utm_id=j-1",
            "?utm_source=SMS&utm_campaign=Spring&utm_id=j-1",
            "?utm_medium=cpc&utm_source=Push&utm_campaign=Spring&utm_id=j-1",
            "?utm_medium=%20Email%20&utm_campaign=Spring&utm_id=j-1",
        ] {
            assert_eq!(parse(url).link, Some(link("", "j-1", "Spring")), "{url}");
        }
        // The app's own list, or every UTM link.
        let ours = ["newsletter", "in-app"];
        let l = parse_url(
            "?utm_medium=in-app&utm_campaign=Spring",
            UtmPolicy::Channels(&ours),
        );
        assert_eq!(l.link, Some(link("", "utm:Spring", "Spring")));
        let email = "?utm_medium=email&utm_campaign=Spring";
        assert_eq!(parse_url(email, UtmPolicy::Channels(&ours)).link, None);
        let ad = "?utm_medium=cpc&utm_campaign=Spring&utm_id=j-ad";
        assert_eq!(
            parse_url(ad, UtmPolicy::Any).link,
            Some(link("", "j-ad", "Spring"))
        );
        // ja links always count, whatever the UTM parameters beside them say.
        let ja = encode_component(&link_value(&link("app", "j-9", "Sale")));
        let l = parse(&format!("?utm_medium=cpc&ja={ja}"));
        assert_eq!(l.link, Some(link("app", "j-9", "Sale")));
        assert_eq!(
            parse_url(&format!("?ja={ja}"), UtmPolicy::Channels(&[])).link,
            Some(link("app", "j-9", "Sale"))
        );
    }

    #[test]
    fn query_pairs_are_read_once_each_as_url_search_params_gives_them() {
        let q = LinkQuery::from_pairs([
            ("utm_campaign", "A"),
            ("page", "2"),
            ("utm_campaign", "B"),
            ("utm_source", "email"),
            ("ja", ""),
        ]);
        assert_eq!(
            q,
            LinkQuery {
                ja: Some(""),
                utm_campaign: Some("A"),
                utm_source: Some("email"),
                ..LinkQuery::default()
            }
        );
        assert_eq!(
            from_query(&q, UtmPolicy::default()).link,
            Some(link("", "utm:A", "A"))
        );
    }

    #[test]
    fn ja_carries_the_application_and_wins_over_utm() {
        let value = link_value(&link("app|1", "j-9", "50% off | today"));
        assert_eq!(value, "1|app%7C1|j-9|50%25 off %7C today");
        let url = format!(
            "https://shop.example/?utm_campaign=Other&ja={}",
            encode_component(&value)
        );
        let l = parse(&url);
        assert_eq!(l.link, Some(link("app|1", "j-9", "50% off | today")));
        assert_eq!(l.ignored, None);
    }

    #[test]
    fn a_malformed_parameter_is_ignored_and_named() {
        let l = parse("?ja=2%7Ca%7Cb%7Cc&utm_campaign=Spring&utm_medium=email");
        assert_eq!(l.link, Some(link("", "utm:Spring", "Spring")));
        assert_eq!(l.ignored.as_ref().unwrap().param, "ja");
        assert_eq!(
            l.ignored.unwrap().message(),
            "link parameter ja: version is not 1"
        );
        for (url, param) in [
            ("?ja=1%7Ca%7Cb", "ja"),
            ("?ja=%ZZ", "ja"),
            ("?ja=1%7Ca%7C%7Clabel", "ja"),
            ("?utm_campaign=%E2%28&utm_medium=email", "utm_campaign"),
            ("?utm_campaign=ok&utm_id=%&utm_medium=email", "utm_id"),
        ] {
            let l = parse(url);
            assert_eq!(l.link, None, "{url}");
            assert_eq!(l.ignored.unwrap().param, param, "{url}");
        }
        let long = "x".repeat(201);
        let l = parse(&format!("?utm_campaign={long}&utm_medium=email"));
        assert_eq!(l.link, None);
        assert!(l.ignored.unwrap().reason.contains("200-character"));
        let at_limit = "é".repeat(200);
        let l = parse(&format!(
            "?utm_campaign={}&utm_id=j&utm_medium=email",
            encode_component(&at_limit)
        ));
        assert_eq!(l.link.unwrap().label, at_limit);
    }

    #[test]
    fn the_landing_touch_is_a_campaign_under_the_applications_window() {
        let windows = LookbackWindows::parse(Some("7d"), Some("app=1h")).unwrap();
        let c = landing_campaign(&link("app", "j", "l"), 1_000_000, &windows);
        assert_eq!(c.touched_at_ms, 1_000_000);
        assert_eq!(
            c.expires_at_s,
            LookbackWindow::minutes(60).expires_at_s(1_000_000)
        );
        let other = landing_campaign(&link("", "j", "l"), 1_000_000, &windows);
        assert_eq!(
            other.expires_at_s,
            LookbackWindow::minutes(7 * 24 * 60).expires_at_s(1_000_000)
        );
        // It reads back as a token, as the package stores it.
        let token = Token::V1(c.clone()).encode().unwrap();
        assert_eq!(Token::decode(&token).unwrap(), Some(Token::V1(c)));
    }

    #[test]
    fn the_newest_live_attribution_stamps() {
        let windows = LookbackWindows::default();
        let landing = landing_campaign(&link("", "j-land", "Landing"), 2_000_000, &windows);
        let server = |touched: i64, expires_s: i64| {
            Token::V1(Campaign {
                application_id: "app".into(),
                journey_id: "j-server".into(),
                label: "Server".into(),
                touched_at_ms: touched,
                expires_at_s: expires_s,
            })
        };
        let now = 2_000_001;
        assert!(landing_wins(None, &landing, now));
        assert!(landing_wins(
            Some(&server(1_000_000, 99_999_999)),
            &landing,
            now
        ));
        assert!(!landing_wins(
            Some(&server(3_000_000, 99_999_999)),
            &landing,
            now
        ));
        // An expired token gives way; so does a legacy value.
        assert!(landing_wins(Some(&server(3_000_000, 1)), &landing, now));
        let legacy = Token::Legacy {
            label: "Old".into(),
        };
        assert!(landing_wins(Some(&legacy), &landing, now));
        // An expired landing touch never stamps.
        let past = landing.expires_at_ms();
        assert!(!landing_wins(None, &landing, past));
        assert!(landing_wins(None, &landing, past - 1));
    }
}
