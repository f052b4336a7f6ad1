//! Counters printed as CloudWatch Embedded Metric Format: one JSON line on stdout per
//! invocation, which CloudWatch Logs turns into metrics.

use std::collections::BTreeMap;

use serde_json::{Value, json};

pub const NAMESPACE: &str = "JourneyAttribution";

/// Counters of one invocation, by metric name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metrics {
    counts: BTreeMap<String, u64>,
}

impl Metrics {
    pub fn add(&mut self, name: impl Into<String>, n: u64) {
        *self.counts.entry(name.into()).or_default() += n;
    }

    pub fn incr(&mut self, name: impl Into<String>) {
        self.add(name, 1);
    }

    pub fn get(&self, name: &str) -> u64 {
        self.counts.get(name).copied().unwrap_or(0)
    }

    /// The EMF document, with the dimension `function`.
    pub fn to_emf(&self, function: &str, timestamp_ms: i64) -> Value {
        let definitions: Vec<Value> = self
            .counts
            .keys()
            .map(|name| json!({"Name": name, "Unit": "Count"}))
            .collect();
        let mut doc = serde_json::Map::new();
        doc.insert(
            "_aws".into(),
            json!({
                "Timestamp": timestamp_ms,
                "CloudWatchMetrics": [{
                    "Namespace": NAMESPACE,
                    "Dimensions": [["function"]],
                    "Metrics": definitions,
                }],
            }),
        );
        doc.insert("function".into(), function.into());
        for (name, count) in &self.counts {
            doc.insert(name.clone(), (*count).into());
        }
        Value::Object(doc)
    }

    /// Prints the EMF line on stdout.
    pub fn emit(&self, function: &str, timestamp_ms: i64) {
        println!("{}", self.to_emf(function, timestamp_ms));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emf_declares_every_counter() {
        let mut m = Metrics::default();
        m.incr("tagged");
        m.add("skipped.no_user", 2);
        let doc = m.to_emf("tagging", 5);
        assert_eq!(doc["tagged"], 1);
        assert_eq!(doc["skipped.no_user"], 2);
        assert_eq!(doc["function"], "tagging");
        let defs = &doc["_aws"]["CloudWatchMetrics"][0]["Metrics"];
        assert_eq!(defs.as_array().map(Vec::len), Some(2));
        assert_eq!(doc["_aws"]["CloudWatchMetrics"][0]["Namespace"], NAMESPACE);
    }
}
