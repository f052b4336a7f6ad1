//! WebAssembly bindings over `journey-attribution-core`. Every JS-facing type lives here.

use journey_attribution_core::Token;
use wasm_bindgen::prelude::*;

/// The label a `custom:campaign` value carries, or `undefined` when blank or unreadable.
#[wasm_bindgen(js_name = tokenLabel)]
pub fn token_label(token: &str) -> Option<String> {
    Token::decode(token)
        .ok()
        .flatten()
        .map(|t| t.label().to_owned())
}
