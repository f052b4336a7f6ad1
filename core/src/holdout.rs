//! Holdout groups: which arm of a campaign a user is in, the same answer in every component
//! (the CLI's `holdout split`, the npm package's `assignArm`, any other language) at any
//! time, with no state to share.
//!
//! **The assignment, exactly.** Let `salt`, `campaign_id` and `user_id` be UTF-8 strings
//! (taken as given: no trimming, no case folding) and `len(x)` the byte length of `x` as a
//! 4-byte big-endian unsigned integer. Then
//!
//! ```text
//! digest = SHA-256( len(salt) ‖ salt ‖ len(campaign_id) ‖ campaign_id ‖ len(user_id) ‖ user_id )
//! bucket = (the first 8 bytes of digest, as a big-endian unsigned 64-bit integer) mod 10000
//! arm    = "control" if bucket < holdout in basis points (0.01 %), else "treatment"
//! ```
//!
//! The length prefixes keep `("a|b", "c")` and `("a", "b|c")` apart (a separator would
//! not). Since a user's bucket does not depend on the holdout, raising a campaign's holdout
//! only moves users from treatment to control. The bias of `mod 10000` on 64 bits is below
//! 10⁻¹⁵. In Python:
//!
//! ```text
//! def bucket(salt, campaign_id, user_id):
//!     m = b"".join(len(b).to_bytes(4, "big") + b
//!                  for b in (s.encode() for s in (salt, campaign_id, user_id)))
//!     return int.from_bytes(hashlib.sha256(m).digest()[:8], "big") % 10000
//! ```
//!
//! Golden values shared by the Rust and the npm tests: `tests/fixtures/holdout-golden.json`.

use sha2::{Digest, Sha256};

use crate::prelude::*;

/// Buckets per campaign: one per basis point.
pub const BUCKETS: u16 = 10_000;

/// The share of a campaign's audience held out, in basis points (0.01 %), `0..=10000`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Holdout(u16);

/// Why a holdout is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoldoutError {
    #[error("holdout: {0} basis points, over the 10000 (100 %) allowed")]
    OverFull(u32),
    #[error("holdout: `{0}` is not a percentage from 0 to 100 with at most two decimals")]
    NotAPercent(String),
}

impl Holdout {
    pub const NONE: Self = Self(0);

    pub fn from_basis_points(bp: u32) -> Result<Self, HoldoutError> {
        u16::try_from(bp)
            .ok()
            .filter(|bp| *bp <= BUCKETS)
            .map(Self)
            .ok_or(HoldoutError::OverFull(bp))
    }

    /// Reads a percentage: `10`, `2.5`, `0.01`, `100`. Finer than 0.01 % is refused rather
    /// than rounded, so the share logged is the share applied.
    pub fn parse_percent(s: &str) -> Result<Self, HoldoutError> {
        let bad = || HoldoutError::NotAPercent(s.to_owned());
        let t = s.trim().trim_end_matches('%').trim_end();
        let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
        let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || whole.len() > 3 || frac.len() > 2 || !digits(whole) || !digits(frac)
        {
            return Err(bad());
        }
        if t.contains('.') && frac.is_empty() {
            return Err(bad());
        }
        let whole: u32 = whole.parse().map_err(|_| bad())?;
        let frac: u32 = if frac.is_empty() {
            0
        } else {
            frac.parse::<u32>().map_err(|_| bad())? * if frac.len() == 1 { 10 } else { 1 }
        };
        Self::from_basis_points(whole * 100 + frac).map_err(|_| bad())
    }

    pub fn basis_points(self) -> u16 {
        self.0
    }

    /// The percentage, as the exposure log writes it (`2.5` for 250 basis points).
    pub fn percent(self) -> f64 {
        f64::from(self.0) / 100.0
    }
}

/// A user's arm for a campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Arm {
    /// Receives the campaign.
    Treatment,
    /// Held out: receives nothing, and is measured all the same.
    Control,
}

impl Arm {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Treatment => "treatment",
            Self::Control => "control",
        }
    }
}

/// The user's bucket for the campaign, `0..10000` (see the module doc for the layout).
pub fn bucket(salt: &str, campaign_id: &str, user_id: &str) -> u16 {
    let mut hasher = Sha256::new();
    for part in [salt, campaign_id, user_id] {
        // A string over 4 GiB cannot reach here from any source we read; saturating keeps
        // the function total rather than panicking.
        let len = u32::try_from(part.len()).unwrap_or(u32::MAX);
        hasher.update(len.to_be_bytes());
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(first) % u64::from(BUCKETS)) as u16
}

/// The user's arm: `control` when their bucket falls below the holdout.
pub fn assign(salt: &str, campaign_id: &str, user_id: &str, holdout: Holdout) -> Arm {
    if bucket(salt, campaign_id, user_id) < holdout.0 {
        Arm::Control
    } else {
        Arm::Treatment
    }
}

#[cfg(feature = "std")]
pub use exposure::Exposure;

#[cfg(feature = "std")]
mod exposure {
    use super::{Arm, Holdout};

    /// One line of the exposure log, written for every assignment of either arm:
    /// `{"campaign_id", "user_id", "arm", "assigned_at": RFC 3339, "campaign"?, "holdout"?,
    /// "salt"?}`. Both arms' measurement windows start at `assigned_at` (intent-to-treat: a
    /// treatment user whose message bounced still counts as treated).
    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
    pub struct Exposure {
        pub campaign_id: String,
        pub user_id: String,
        pub arm: Arm,
        /// RFC 3339, UTC, milliseconds.
        pub assigned_at: String,
        /// The campaign's label, when it has one besides its id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub campaign: Option<String>,
        /// The holdout applied, in percent (`2.5`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub holdout: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub salt: Option<String>,
    }

    /// What an assignment was made of, to log it.
    #[derive(Debug, Clone, Copy)]
    pub struct Assignment<'a> {
        pub salt: &'a str,
        pub campaign_id: &'a str,
        pub label: Option<&'a str>,
        pub holdout: Holdout,
    }

    impl Assignment<'_> {
        /// Assigns `user_id` and returns the exposure to log (the arm is `exposure.arm`).
        pub fn expose(&self, user_id: &str, assigned_at_ms: i64) -> Exposure {
            Exposure {
                campaign_id: self.campaign_id.to_owned(),
                user_id: user_id.to_owned(),
                arm: super::assign(self.salt, self.campaign_id, user_id, self.holdout),
                assigned_at: crate::rfc3339::format_ms(assigned_at_ms),
                campaign: self.label.map(str::to_owned),
                holdout: Some(self.holdout.percent()),
                salt: (!self.salt.is_empty()).then(|| self.salt.to_owned()),
            }
        }
    }

    impl Exposure {
        /// The JSON line, without its newline.
        pub fn to_line(&self) -> String {
            // A struct of strings, an enum and a finite float: serialisation cannot fail.
            serde_json::to_string(self).unwrap_or_default()
        }
    }
}

#[cfg(feature = "std")]
pub use exposure::Assignment;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn percentages_read_to_the_basis_point_and_finer_is_refused() {
        let bp = |s: &str| Holdout::parse_percent(s).map(Holdout::basis_points);
        assert_eq!(bp("10"), Ok(1000));
        assert_eq!(bp("2.5"), Ok(250));
        assert_eq!(bp("0.01"), Ok(1));
        assert_eq!(bp("100"), Ok(10_000));
        assert_eq!(bp(" 7.25% "), Ok(725));
        assert_eq!(bp("0"), Ok(0));
        for bad in [
            "", "1.234", "100.01", "-1", "1e2", "abc", ".5", "5.", "1000",
        ] {
            assert_eq!(
                bp(bad),
                Err(HoldoutError::NotAPercent(bad.into())),
                "{bad:?}"
            );
        }
        assert_eq!(
            Holdout::from_basis_points(10_001).unwrap_err().to_string(),
            "holdout: 10001 basis points, over the 10000 (100 %) allowed"
        );
    }

    #[test]
    fn length_prefixes_keep_the_fields_apart() {
        assert_ne!(bucket("", "a|b", "c"), bucket("", "a", "b|c"));
        assert_ne!(bucket("s", "c", "u"), bucket("", "sc", "u"));
    }

    #[test]
    fn the_edges_are_everyone_and_no_one() {
        for i in 0..500 {
            let u = format!("u{i}");
            assert_eq!(assign("", "c", &u, Holdout::NONE), Arm::Treatment);
            assert_eq!(
                assign("", "c", &u, Holdout::from_basis_points(10_000).unwrap()),
                Arm::Control
            );
        }
    }

    #[test]
    fn exposure_lines_carry_what_the_log_promises() {
        let a = Assignment {
            salt: "s1",
            campaign_id: "c-1",
            label: Some("Welcome"),
            holdout: Holdout::parse_percent("10").unwrap(),
        };
        let e = a.expose("alice", 1_700_000_000_123);
        let v: serde_json::Value = serde_json::from_str(&e.to_line()).unwrap();
        assert_eq!(v["campaign_id"], "c-1");
        assert_eq!(v["user_id"], "alice");
        assert_eq!(v["arm"], assign("s1", "c-1", "alice", a.holdout).as_str());
        assert_eq!(v["assigned_at"], "2023-11-14T22:13:20.123Z");
        assert_eq!(
            (v["campaign"].as_str(), v["holdout"].as_f64()),
            (Some("Welcome"), Some(10.0))
        );
        assert_eq!(v["salt"], "s1");
        let back: Exposure = serde_json::from_value(v).unwrap();
        assert_eq!(back, e);
        let bare = Assignment {
            salt: "",
            label: None,
            ..a
        }
        .expose("bob", 0);
        let v: serde_json::Value = serde_json::from_str(&bare.to_line()).unwrap();
        assert!(v.get("salt").is_none() && v.get("campaign").is_none());
    }
}
