//! Strict standard base64 (RFC 4648 §4, `A-Z a-z 0-9 + /`, `=` padding), as Kinesis puts a
//! record's `Data` in JSON. Hand-written for the report module's size (BENCHMARKS.md, "The
//! report module's lean helpers").

use std::fmt;

/// Why a text is not strict base64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base64Error {
    /// A character outside the alphabet (whitespace and the URL-safe `-_` included).
    InvalidChar { offset: usize, ch: char },
    /// `=` anywhere but the last one or two characters.
    MisplacedPadding { offset: usize },
    /// The length (padding included) is not a multiple of 4.
    Length(usize),
    /// The last character carries bits beyond the last byte: not the canonical encoding.
    TrailingBits,
}

impl fmt::Display for Base64Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Base64Error::InvalidChar { offset, ch } => {
                write!(f, "invalid character {ch:?} at offset {offset}")
            }
            Base64Error::MisplacedPadding { offset } => {
                write!(f, "misplaced padding '=' at offset {offset}")
            }
            Base64Error::Length(n) => write!(f, "length {n} is not a multiple of 4"),
            Base64Error::TrailingBits => f.write_str("non-zero bits after the last byte"),
        }
    }
}

fn sextet(c: u8) -> Option<u32> {
    Some(u32::from(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    }))
}

/// Decodes `text`; the error says where it stops being base64.
pub fn decode(text: &str) -> Result<Vec<u8>, Base64Error> {
    let bytes = text.as_bytes();
    let padding = bytes.iter().rev().take_while(|&&c| c == b'=').count();
    if padding > 2 {
        return Err(Base64Error::MisplacedPadding {
            offset: bytes.len() - padding,
        });
    }
    let body = &bytes[..bytes.len() - padding];
    let mut out = Vec::with_capacity(body.len() / 4 * 3 + 2);
    let (mut acc, mut bits) = (0u32, 0u32);
    for (offset, &c) in body.iter().enumerate() {
        let Some(v) = sextet(c) else {
            return Err(match c {
                b'=' => Base64Error::MisplacedPadding { offset },
                // Every byte before is ASCII, so `offset` is a character boundary.
                _ => Base64Error::InvalidChar {
                    offset,
                    ch: text[offset..].chars().next().unwrap_or('\u{FFFD}'),
                },
            });
        };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if !bytes.len().is_multiple_of(4) {
        return Err(Base64Error::Length(bytes.len()));
    }
    if acc != 0 {
        return Err(Base64Error::TrailingBits);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn decodes_rfc_4648_vectors_with_every_padding() {
        for (encoded, plain) in [
            ("", ""),
            ("Zg==", "f"),
            ("Zm8=", "fo"),
            ("Zm9v", "foo"),
            ("Zm9vYg==", "foob"),
            ("Zm9vYmE=", "fooba"),
            ("Zm9vYmFy", "foobar"),
        ] {
            assert_eq!(decode(encoded).unwrap(), plain.as_bytes(), "{encoded}");
        }
        // The whole alphabet, `+` and `/` included.
        assert_eq!(
            decode("+/+/").unwrap(),
            [0xfb, 0xff, 0xbf],
            "62 and 63 are + and /"
        );
        assert_eq!(
            decode("SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==").unwrap(),
            b"Hello, this is a test."
        );
    }

    #[test]
    fn rejects_what_is_not_strict_base64_and_says_where() {
        let cases = [
            ("Zm9v!mFy", Base64Error::InvalidChar { offset: 4, ch: '!' }),
            ("Zm9v YmFy", Base64Error::InvalidChar { offset: 4, ch: ' ' }),
            ("Zm9v-_Fy", Base64Error::InvalidChar { offset: 4, ch: '-' }),
            (
                "Zm9vYé==",
                Base64Error::InvalidChar {
                    offset: 5, ch: 'é'
                },
            ),
            ("Zg=v", Base64Error::MisplacedPadding { offset: 2 }),
            ("Z===", Base64Error::MisplacedPadding { offset: 1 }),
            ("Zg", Base64Error::Length(2)),
            ("Zm9", Base64Error::Length(3)),
            ("Zm9vY", Base64Error::Length(5)),
            ("Zh==", Base64Error::TrailingBits),
            ("Zm9=", Base64Error::TrailingBits),
        ];
        for (text, want) in cases {
            assert_eq!(decode(text), Err(want), "{text:?}");
        }
        assert_eq!(
            decode("Zm9v!mFy").unwrap_err().to_string(),
            "invalid character '!' at offset 4"
        );
    }

    #[test]
    fn round_trips_every_byte_value() {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let data: Vec<u8> = (0..=255u8).chain((0..=255u8).rev()).collect();
        for len in [0, 1, 2, 3, 4, 100, 511, 512] {
            let chunk = &data[..len];
            let mut encoded = String::new();
            for group in chunk.chunks(3) {
                let n = group
                    .iter()
                    .enumerate()
                    .fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
                for i in 0..4 {
                    if i <= group.len() {
                        encoded.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
                    } else {
                        encoded.push('=');
                    }
                }
            }
            assert_eq!(decode(&encoded).unwrap(), chunk, "length {len}");
        }
    }
}
