//! An `f64` written as its `Display` (`{}`) writes it, from the shortest digits `zmij`
//! (serde_json's float printer, in every module that writes JSON anyway) gives.
//!
//! Why not `{}`: `f64`'s `Display` links core's own float printing (Grisu with a Dragon4
//! fallback, shortest and exact modes): 6.9 KB of the report `.wasm` once gzipped
//! (64,572 -> 57,636 B with it snipped, 2026-12-03). With the report's one float message
//! written through this type, `scripts/build-npm.sh` snips that code out of the module (see
//! there why it is dead), and the CLI says the same.

use core::fmt;

/// `Decimal(x)` displays as `format!("{x}")` does: the shortest digits that read back as
/// `x`, in plain decimal notation (no exponent), `-0` for negative zero, `NaN`, `inf`. The
/// same text for every value of up to 15 significant digits (what a cost file holds); where
/// 16 or 17 digits are needed, the shortest is not always unique, and for about 1 value in
/// 4,000 the last digit is the other one (tests below).
// transparent: scripts/wasm-redirect.mjs forwards `<f64 as Display>::fmt` to this type's,
// which then reads the same argument.
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(transparent)]
pub struct Decimal(pub f64);

impl fmt::Display for Decimal {
    // Bytes, not `str` splits and `parse`: 1,599 -> 7xx B of the module before wasm-opt.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buffer = zmij::Buffer::new();
        // zmij writes NaN, inf and -inf as Display does; finite values as `1.5`, `1.0`,
        // `1e+21` or `-1.5e-7`: a sign, digits, maybe a point, maybe an exponent.
        let text = buffer.format(self.0);
        if !self.0.is_finite() {
            return f.write_str(text);
        }
        // The significant digits (at most 17), and where the point falls after the first.
        let mut digits = [0u8; 17];
        let (mut n, mut point, mut exponent) = (0, 0i32, 0i32);
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
                    if n < digits.len() {
                        digits[n] = b;
                        n += 1;
                    }
                    point += i32::from(!fraction);
                }
            }
        }
        point += if negative_exponent {
            -exponent
        } else {
            exponent
        };
        while n > 0 && digits[n - 1] == b'0' {
            n -= 1;
        }
        if negative {
            f.write_str("-")?;
        }
        let digits = core::str::from_utf8(&digits[..n]).map_err(|_| fmt::Error)?;
        let zeros = |f: &mut fmt::Formatter<'_>, k: i32| (0..k).try_for_each(|_| f.write_str("0"));
        match usize::try_from(point) {
            _ if n == 0 => f.write_str("0"),
            Err(_) | Ok(0) => {
                f.write_str("0.")?;
                zeros(f, -point)?;
                f.write_str(digits)
            }
            Ok(p) if p >= n => {
                f.write_str(digits)?;
                zeros(f, point - n as i32)
            }
            Ok(p) => {
                f.write_str(&digits[..p])?;
                f.write_str(".")?;
                f.write_str(&digits[p..])
            }
        }
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
    fn any_value_reads_back_and_has_displays_length() {
        // The shortest digits are not always unique: for about 1 in 4,000 arbitrary bit
        // patterns zmij and core pick different last digits of 16 or 17 (both read back).
        for s in bits(0x2545_F491_4F6C_DD1D) {
            let x = f64::from_bits(s);
            let (ours, core) = (Decimal(x).to_string(), format!("{x}"));
            if x.is_nan() {
                assert_eq!(ours, "NaN");
                continue;
            }
            assert_eq!(ours.parse::<f64>().unwrap().to_bits(), s, "{ours}");
            assert_eq!(ours.len(), core.len(), "{ours} {core}");
        }
    }
}
