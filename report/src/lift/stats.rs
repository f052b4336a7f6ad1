//! The interval maths of the lift report, on per-arm aggregates only, so that the streaming
//! report and the SQL path (which returns those aggregates) compute the same figures.
//!
//! Each interval is the one statsmodels / scipy compute, and the known-answer tests compare
//! with them (`scripts/test.d/52-lift.sh`):
//! - a difference of proportions: Newcombe's hybrid score interval (Newcombe 1998, method
//!   10), from the two Wilson intervals: `confint_proportions_2indep(..., compare='diff',
//!   method='newcomb')`;
//! - a ratio of proportions: the log (Katz) interval, `compare='ratio', method='log'`;
//! - a difference of means: Welch's t interval (Welch–Satterthwaite degrees of freedom), as
//!   `scipy.stats.ttest_ind(..., equal_var=False).confidence_interval()`.

use super::quantile;

/// A two-sided interval `[low, high]`.
pub type Interval = [f64; 2];

/// The two-sided normal quantile for `confidence` (0.95 -> 1.959964).
pub fn z(confidence: f64) -> f64 {
    quantile::normal(1.0 - (1.0 - confidence) / 2.0)
}

/// The two-sided Student's t quantile for `confidence` with `df` degrees of freedom.
pub fn t(confidence: f64, df: f64) -> f64 {
    quantile::student_t(1.0 - (1.0 - confidence) / 2.0, df)
}

/// Wilson's score interval for `count` successes out of `n` (`n > 0`).
pub fn wilson(count: u64, n: u64, z: f64) -> Interval {
    let (x, n) = (count as f64, n as f64);
    let p = x / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    [center - half, center + half]
}

/// Newcombe's hybrid score interval for `p1 - p2` (arm 1 = treatment, arm 2 = control).
pub fn newcombe(x1: u64, n1: u64, x2: u64, n2: u64, z: f64) -> Interval {
    let (p1, p2) = (x1 as f64 / n1 as f64, x2 as f64 / n2 as f64);
    let [l1, u1] = wilson(x1, n1, z);
    let [l2, u2] = wilson(x2, n2, z);
    let diff = p1 - p2;
    let d_low = ((p1 - l1).powi(2) + (u2 - p2).powi(2)).sqrt();
    let d_high = ((p2 - l2).powi(2) + (u1 - p1).powi(2)).sqrt();
    [diff - d_low, diff + d_high]
}

/// The log (Katz) interval for the ratio `p1 / p2`; `None` when either arm has no success
/// (the ratio is undefined or its logarithm is).
pub fn katz(x1: u64, n1: u64, x2: u64, n2: u64, z: f64) -> Option<Interval> {
    if x1 == 0 || x2 == 0 {
        return None;
    }
    let (x1, n1, x2, n2) = (x1 as f64, n1 as f64, x2 as f64, n2 as f64);
    let ratio = (x1 / n1) / (x2 / n2);
    let se = (1.0 / x1 - 1.0 / n1 + 1.0 / x2 - 1.0 / n2).sqrt();
    Some([(ratio.ln() - z * se).exp(), (ratio.ln() + z * se).exp()])
}

/// The mean and the sample variance of an arm's values (revenue per assigned user).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    pub n: u64,
    pub mean: f64,
    /// Sample variance (divisor `n - 1`); 0 for fewer than two values.
    pub variance: f64,
}

impl Moments {
    /// From the values' sum and sum of squares, as the SQL returns them. The streaming
    /// report computes the same from its values (`from_values`) without cancellation.
    pub fn from_sums(n: u64, sum: f64, sum_sq: f64) -> Moments {
        if n == 0 {
            return Moments {
                n,
                mean: 0.0,
                variance: 0.0,
            };
        }
        let nf = n as f64;
        let mean = sum / nf;
        let variance = if n > 1 {
            ((sum_sq - sum * mean) / (nf - 1.0)).max(0.0)
        } else {
            0.0
        };
        Moments { n, mean, variance }
    }

    /// Two passes (Welford would do as well): the nonzero values of an arm of `n`, the
    /// others being zeros.
    pub fn from_nonzero(n: u64, nonzero: impl Iterator<Item = f64> + Clone) -> Moments {
        if n == 0 {
            return Moments::from_sums(0, 0.0, 0.0);
        }
        let nf = n as f64;
        // A fold from +0.0: an empty `sum` of f64 is -0.0, which JSON would show.
        let mean = nonzero.clone().fold(0.0, |a, v| a + v) / nf;
        let mut count = 0u64;
        let mut ss = 0.0;
        for v in nonzero {
            count += 1;
            ss += (v - mean) * (v - mean);
        }
        ss += (n - count) as f64 * mean * mean;
        let variance = if n > 1 { ss / (nf - 1.0) } else { 0.0 };
        Moments { n, mean, variance }
    }
}

/// Welch's interval for `mean1 - mean2`; `None` when it is undefined (an arm with fewer
/// than two values, or no variance in either arm: then the difference is exact).
pub fn welch(a: Moments, b: Moments, confidence: f64) -> Option<Interval> {
    if a.n < 2 || b.n < 2 {
        return None;
    }
    let diff = a.mean - b.mean;
    let (va, vb) = (a.variance / a.n as f64, b.variance / b.n as f64);
    let se2 = va + vb;
    if se2 <= 0.0 {
        return Some([diff, diff]);
    }
    let df = se2 * se2 / (va * va / (a.n - 1) as f64 + vb * vb / (b.n - 1) as f64);
    let half = t(confidence, df) * se2.sqrt();
    Some([diff - half, diff + half])
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1.0)
    }

    /// Figures from statsmodels 0.15 / scipy 1.17 (the oracle script recomputes them
    /// against the CLI on generated data; these keep the unit honest without Python).
    #[test]
    fn known_answers() {
        assert!(close(z(0.95), 1.9599639845400545, 1e-12));
        assert!(
            close(t(0.95, 10.0), 2.2281388519862753, 1e-9),
            "{}",
            t(0.95, 10.0)
        );
        assert!(
            close(t(0.90, 3.5), 2.222433493649601, 1e-9),
            "{}",
            t(0.90, 3.5)
        );
        // Welch's degrees of freedom on big arms (scipy.stats.t.ppf(0.975, df)).
        for (df, want) in [(1e5, 1.9599877075346095), (1e7, 1.959964221767205)] {
            assert!(close(t(0.95, df), want, 1e-10), "df {df}: {}", t(0.95, df));
        }
        // confint_proportions_2indep(56, 70, 48, 80, compare='diff', method='newcomb')
        let [lo, hi] = newcombe(56, 70, 48, 80, z(0.95));
        assert!(close(lo, 0.05243147240236498, 1e-12), "{lo}");
        assert!(close(hi, 0.33387265403690614, 1e-12), "{hi}");
        // compare='ratio', method='log'
        let [lo, hi] = katz(56, 70, 48, 80, z(0.95)).unwrap();
        assert!(close(lo, 1.0766264227631928, 1e-12), "{lo}");
        assert!(close(hi, 1.6512485112663873, 1e-12), "{hi}");
    }

    #[test]
    fn moments_agree_both_ways() {
        let values = [0.0, 0.0, 3.5, 0.0, 12.25, 1.0];
        let sum: f64 = values.iter().sum();
        let sq: f64 = values.iter().map(|v| v * v).sum();
        let a = Moments::from_sums(6, sum, sq);
        let b = Moments::from_nonzero(6, values.iter().copied().filter(|v| *v != 0.0));
        assert!(close(a.mean, b.mean, 1e-12) && close(a.variance, b.variance, 1e-12));
    }
}
