//! `--endpoints`: a Pinpoint endpoint export (what an export job writes: one endpoint JSON
//! object per line, plain or gzip) read into an endpoint id → user id map.

use std::collections::HashMap;
use std::error::Error;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;
use journey_attribution_report::user_id_of_endpoint;
use serde_json::Value;

/// `Id` → `User.UserId` for every endpoint that has a user id; lines without one are
/// skipped, a line that is not a JSON object is an error naming the line.
pub fn read(path: &Path) -> Result<HashMap<String, String>, Box<dyn Error>> {
    let file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let reader: Box<dyn Read> = if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
    {
        Box::new(MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    parse(BufReader::new(reader), &path.display().to_string())
}

fn parse(reader: impl BufRead, name: &str) -> Result<HashMap<String, String>, Box<dyn Error>> {
    let mut map = HashMap::new();
    for (i, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| format!("{name}:{}: {e}", i + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let endpoint: Value = serde_json::from_str(&line)
            .map_err(|e| format!("{name}:{}: not an endpoint JSON object: {e}", i + 1))?;
        let id = endpoint
            .get("Id")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{name}:{}: endpoint without a string Id", i + 1))?;
        if let Some(user) = user_id_of_endpoint(&endpoint) {
            map.insert(id.to_owned(), user);
        }
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reads_ids_and_user_ids() {
        let text = "{\"Id\":\"e1\",\"ChannelType\":\"EMAIL\",\"User\":{\"UserId\":\"u1\"}}\n\n\
                    {\"Id\":\"e2\",\"ChannelType\":\"EMAIL\"}\n";
        let map = parse(text.as_bytes(), "x").unwrap();
        assert_eq!(map.len(), 1);
        assert_eq!(map["e1"], "u1");
        let err = parse("{\"User\":{}}\n".as_bytes(), "x").unwrap_err();
        assert_eq!(err.to_string(), "x:1: endpoint without a string Id");
    }
}
