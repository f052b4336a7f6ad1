//! The report's time readers: a record's `timestamp` and a Kinesis arrival time, as epoch
//! milliseconds, from a number or an RFC 3339 string.

use std::fmt;

use journey_attribution_core::rfc3339;
use serde::Deserialize;
use serde::de::{self, Unexpected, Visitor};

/// A time in epoch milliseconds, from a number of milliseconds or an RFC 3339 string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EpochMs(pub i64);

/// Larger magnitudes are not times (and would not fit an `i64` once in milliseconds).
const MAX_TIME: f64 = 1e16;

impl<'de> Deserialize<'de> for EpochMs {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TimeVisitor { arrival: false })
            .map(EpochMs)
    }
}

/// A Kinesis `ApproximateArrivalTimestamp` in epoch milliseconds: epoch seconds with a
/// fraction (the API, the AWS CLI v1, Lambda's event), an RFC 3339 string (the AWS CLI v2),
/// or, from 10^11 up, epoch milliseconds (dumps that write dates as milliseconds; 10^11
/// seconds is in the year 5138).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArrivalMs(pub i64);

impl<'de> Deserialize<'de> for ArrivalMs {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TimeVisitor { arrival: true })
            .map(ArrivalMs)
    }
}

/// Reads an [`EpochMs`] or (`arrival`) an [`ArrivalMs`]: one visitor for the two, so the
/// report .wasm holds one `deserialize_any` of it, not two.
struct TimeVisitor {
    arrival: bool,
}

impl Visitor<'_> for TimeVisitor {
    type Value = i64;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(if self.arrival {
            "epoch seconds or an RFC 3339 time"
        } else {
            "epoch milliseconds or an RFC 3339 time"
        })
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        if self.arrival {
            self.visit_f64(v as f64)
        } else {
            Ok(v)
        }
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        if self.arrival {
            self.visit_f64(v as f64)
        } else {
            i64::try_from(v).map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
        }
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
        // Arrival times are never negative; NaN and infinities fail both tests.
        let in_range = if self.arrival {
            (0.0..MAX_TIME).contains(&v)
        } else {
            v.abs() < MAX_TIME
        };
        if !in_range {
            return Err(E::invalid_value(Unexpected::Float(v), &self));
        }
        // Arrival times are seconds below 10^11, milliseconds from there.
        let ms = if self.arrival && v < 1e11 {
            v * 1000.0
        } else {
            v
        };
        Ok(ms.round() as i64)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
        rfc3339::parse_ms(v).ok_or_else(|| E::invalid_value(Unexpected::Str(v), &self))
    }
}
