//! The one fixtures directory: real AWS payload shapes, each once (`tests/fixtures/`).

use std::path::PathBuf;

use serde_json::Value;

/// `tests/fixtures/<name>` (`name` may hold a subdirectory: `report/stream.jsonl`).
pub fn path(name: &str) -> PathBuf {
    [env!("CARGO_MANIFEST_DIR"), "..", "fixtures", name]
        .iter()
        .collect()
}

pub fn text(name: &str) -> String {
    let path = path(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn json(name: &str) -> Value {
    serde_json::from_str(&text(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}
