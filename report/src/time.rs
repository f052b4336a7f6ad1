//! The report's time reader: every time the report reads (a record's `event_timestamp` or
//! `timestamp`, a Kinesis arrival time) as epoch milliseconds, by one rule:
//!
//! - a number is epoch **seconds** below 10^11 (with a fraction: the Kinesis API, the AWS
//!   CLI v1, Lambda's event), epoch **milliseconds** from 10^11 up (Pinpoint, `Date.now()`);
//!   10^11 seconds is in the year 5138, 10^11 milliseconds in 1973;
//! - a string is RFC 3339 (`2026-03-01T10:00:00Z`, `...+02:00`), or `YYYY-MM-DD HH:MM:SS`
//!   (with an optional fraction) read as UTC.
//!
//! Times are optional everywhere the report reads them, and only touch reconstruction uses
//! them: an unreadable one (another string, a number out of range, an object) is read as
//! no time, never as a reason to drop the record (its event and revenue still count).

use std::fmt;

use journey_attribution_core::rfc3339;
use serde::Deserialize;
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A time in epoch milliseconds; `None` when the value was not a readable time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EpochMs(pub Option<i64>);

/// Seconds below this, milliseconds from here.
pub const SECONDS_BELOW: f64 = 1e11;
/// Larger magnitudes are not times (and would not fit an `i64` once in milliseconds).
const MAX_TIME: f64 = 1e16;

/// Epoch milliseconds of a number by the module's rule; `None` when out of range or not
/// finite.
pub fn number_ms(v: f64) -> Option<i64> {
    if v.is_nan() || v.abs() >= MAX_TIME {
        return None;
    }
    let ms = if v.abs() < SECONDS_BELOW {
        v * 1000.0
    } else {
        v
    };
    Some(ms.round() as i64)
}

/// Epoch milliseconds of a string by the module's rule.
pub fn text_ms(s: &str) -> Option<i64> {
    if let Some(ms) = rfc3339::parse_ms(s) {
        return Some(ms);
    }
    // `YYYY-MM-DD HH:MM:SS[.fff]` without an offset: UTC.
    let b = s.as_bytes();
    if b.len() >= 19 && b.len() <= 29 && b[10] == b' ' && !s.ends_with(['Z', 'z']) {
        return rfc3339::parse_ms(&format!("{s}Z"));
    }
    None
}

impl<'de> Deserialize<'de> for EpochMs {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TimeVisitor).map(EpochMs)
    }
}

struct TimeVisitor;

impl<'de> Visitor<'de> for TimeVisitor {
    type Value = Option<i64>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a time")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(number_ms(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(number_ms(v as f64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(number_ms(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(text_ms(v))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Option<i64> {
        serde_json::from_str::<EpochMs>(json).unwrap().0
    }

    #[test]
    fn one_rule_for_every_time() {
        let ms = 1_772_359_200_000; // 2026-03-01T10:00:00Z
        assert_eq!(read("1772359200"), Some(ms), "seconds");
        assert_eq!(
            read("1772359200.5"),
            Some(ms + 500),
            "seconds with a fraction"
        );
        assert_eq!(read("1772359200000"), Some(ms), "milliseconds");
        assert_eq!(read("\"2026-03-01T10:00:00Z\""), Some(ms));
        assert_eq!(read("\"2026-03-01T11:00:00+01:00\""), Some(ms));
        assert_eq!(
            read("\"2026-03-01 10:00:00\""),
            Some(ms),
            "UTC without an offset"
        );
        assert_eq!(read("\"2026-03-01 10:00:00.250\""), Some(ms + 250));
        for unreadable in [
            "\"Sun Mar 01 2026 10:00:00 GMT+0000 (Coordinated Universal Time)\"",
            "\"yesterday\"",
            "1e300",
            "true",
            "null",
            "{\"a\":1}",
            "[1,2]",
        ] {
            assert_eq!(read(unreadable), None, "{unreadable}");
        }
    }
}
