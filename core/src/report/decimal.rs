//! An `f64` written as its `Display` (`{}`) writes it, from the shortest digits `zmij`
//! (serde_json's float printer, in every module that writes JSON anyway) gives.
//!
//! Why not `{}`: `f64`'s `Display` links core's own float printing (Grisu with a Dragon4
//! fallback, shortest and exact modes, `bignum`): 6.3 KB of the report `.wasm` once gzipped
//! (64,632 -> 58,299 B with this type, 2026-12-03). With the report's one float message
//! written through this type, `scripts/build-npm.sh` forwards `f64`'s `Display` to it in
//! that module (see there why nothing calls it), wasm-opt drops the rest, and the CLI says
//! the same as the module.

use core::fmt;

/// `Decimal(x)` displays as `format!("{x}")` does: the shortest digits that read back as
/// `x` (of two equally near, the larger), in plain decimal notation (no exponent), `-0` for
/// negative zero, `NaN`, `inf`.
// transparent: scripts/wasm-redirect.mjs forwards `<f64 as Display>::fmt` to this type's,
// which then reads the same argument.
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(transparent)]
pub struct Decimal(pub f64);

impl fmt::Display for Decimal {
    // The digits read into a u64 as they come: `str` splits and `parse` cost more code.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buffer = zmij::Buffer::new();
        // zmij writes NaN, inf and -inf as Display does; finite values as `1.5`, `1.0`,
        // `1e+21` or `-1.5e-7`: a sign, digits, maybe a point, maybe an exponent.
        let text = buffer.format(self.0);
        if !self.0.is_finite() {
            return f.write_str(text);
        }
        // The significant digits (at most 17, so a u64), how many, and where the point falls
        // after the first: the value is 0.d₁d₂…dₙ × 10^point.
        let (mut d, mut n, mut point, mut exponent) = (0u64, 0i32, 0i32, 0i32);
        let (mut negative, mut fraction, mut in_exponent, mut negative_exponent) =
            (false, false, false, false);
        for &b in text.as_bytes() {
            match b {
                b'-' if in_exponent => negative_exponent = true,
                b'-' => negative = true,
                b'.' => fraction = true,
                b'e' => in_exponent = true,
                b'+' => {}
                _ if in_exponent => exponent = exponent * 10 + i32::from(b - b'0'),
                // A zero before the first significant digit: after the point, it moves it.
                b'0' if n == 0 => point -= i32::from(fraction),
                _ => {
                    d = d * 10 + u64::from(b - b'0');
                    n += 1;
                    point += i32::from(!fraction);
                }
            }
        }
        point += if negative_exponent {
            -exponent
        } else {
            exponent
        };
        let trim = |d: &mut u64, n: &mut i32| {
            while *d != 0 && *d % 10 == 0 {
                *d /= 10;
                *n -= 1;
            }
        };
        trim(&mut d, &mut n);
        // zmij breaks a tie between two shortest candidates to the even one, `{}` to the
        // larger (721352999.86328125: zmij …8632812, `{}` …8632813).
        if d != 0 && is_midpoint(self.0.abs(), d, point - n) {
            d += 1;
            if d == 10u64.pow(n as u32) {
                n += 1;
                point += 1;
            }
            trim(&mut d, &mut n);
        }
        if negative {
            f.write_str("-")?;
        }
        if d == 0 {
            return f.write_str("0");
        }
        let mut buffer = [b'0'; 17];
        let digits = &mut buffer[..n as usize];
        for slot in digits.iter_mut().rev() {
            *slot = b'0' + (d % 10) as u8;
            d /= 10;
        }
        let digits = core::str::from_utf8(digits).map_err(|_| fmt::Error)?;
        let zeros = |f: &mut fmt::Formatter<'_>, k: i32| (0..k).try_for_each(|_| f.write_str("0"));
        match usize::try_from(point) {
            Err(_) | Ok(0) => {
                f.write_str("0.")?;
                zeros(f, -point)?;
                f.write_str(digits)
            }
            Ok(p) if p >= digits.len() => {
                f.write_str(digits)?;
                zeros(f, point - n)
            }
            Ok(p) => {
                f.write_str(&digits[..p])?;
                f.write_str(".")?;
                f.write_str(&digits[p..])
            }
        }
    }
}

/// Whether `x` (finite, > 0) lies exactly halfway between `d × 10^q` and `(d + 1) × 10^q`,
/// i.e. `2x = (2d + 1) × 10^q`, in integers: `x = m × 2^e`, and `2d + 1` is odd, so the odd
/// parts and the powers of two must match. No such midpoint needs more than 64 bits.
fn is_midpoint(x: f64, d: u64, q: i32) -> bool {
    let bits = x.to_bits();
    let (biased, fraction) = ((bits >> 52) as i32, bits & ((1 << 52) - 1));
    let (m, e) = match biased {
        0 => (fraction, -1074),
        _ => (fraction | 1 << 52, biased - 1075),
    };
    let zeros = m.trailing_zeros() as i32;
    // 2x = odd × 2^two; (2d + 1) × 10^q = (2d + 1) × 5^q × 2^q.
    let (odd, two) = (m >> zeros, zeros + e + 1);
    let Some(n) = d.checked_mul(2).and_then(|d2| d2.checked_add(1)) else {
        return false;
    };
    let Some(five) = 5u64.checked_pow(q.unsigned_abs()) else {
        return false;
    };
    // Both ways the powers of two match when two == q; then the odd parts must:
    two == q
        && if q >= 0 {
            // odd × 2^two = n × 5^q × 2^q
            n.checked_mul(five) == Some(odd)
        } else {
            // odd × 2^two × 5^-q × 2^-q = n
            odd.checked_mul(five) == Some(n)
        }
}

#[cfg(test)]
mod tests {
    use super::Decimal;

    fn check(x: f64) {
        assert_eq!(Decimal(x).to_string(), format!("{x}"), "{:#x}", x.to_bits());
    }

    #[test]
    fn writes_what_display_writes() {
        for x in [
            0.0,
            -0.0,
            1.0,
            -1.0,
            1.5,
            -5.0,
            0.1,
            0.3,
            20.5,
            123456789.0,
            1e15,
            1e16,
            1e21,
            1e22,
            -1e-7,
            1.5e-7,
            5e-324,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::MIN,
            f64::EPSILON,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            9007199254740993.0,
            0.000123,
            100.0,
            1234.5678,
        ] {
            check(x);
        }
    }

    /// xorshift64 from `seed`: a fixed sequence, so a failure names its bits and repeats.
    fn bits(mut s: u64) -> impl Iterator<Item = u64> {
        core::iter::repeat_with(move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        })
        .take(200_000)
    }

    #[test]
    fn decimals_of_up_to_15_digits_are_written_as_display_writes_them() {
        for s in bits(0x9E37_79B9_7F4A_7C15) {
            // A cost or a price as a file writes it: up to 15 significant digits, any scale,
            // as the nearest f64 (how serde_json reads such short decimals too).
            let text = format!(
                "-{}e{}",
                s % 1_000_000_000_000_000,
                (s >> 50) as i32 % 40 - 20
            );
            check(text.parse().unwrap());
            check((s % 10_000_000) as f64 / 100.0);
        }
    }

    #[test]
    fn any_value_is_written_as_display_writes_it() {
        for s in bits(0x2545_F491_4F6C_DD1D) {
            check(f64::from_bits(s));
            // Where ties between 16- or 17-digit candidates live: few fractional bits.
            let near_2_to_the_55 = (1023 + 45 + (s >> 60)) << 52 | (s & ((1 << 52) - 1));
            check(f64::from_bits(near_2_to_the_55));
        }
    }

    #[test]
    #[expect(
        clippy::excessive_precision,
        reason = "the exact values, each halfway between its two shortest candidates"
    )]
    fn ties_between_two_shortest_go_to_the_larger_as_display_s_do() {
        // zmij alone: …8632812 and …250.2 (to even); `{}`: …8632813 and …250.3.
        for x in [
            721352999.86328125,
            -704567058987250.25,
            0.5,
            2.5e-323,
            9.5e15,
            1.5,
        ] {
            check(x);
        }
    }
}
