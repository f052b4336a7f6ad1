//! Any string as a `custom:campaign` value: decoding never panics, and whatever decodes
//! re-encodes to exactly the same string.
#![no_main]

use journey_attribution_core::token::Token;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Ok(Some(token)) = Token::decode(s) {
        assert_eq!(token.encode().as_deref(), Ok(s));
    }
});
