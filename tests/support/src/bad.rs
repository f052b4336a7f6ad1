//! The bad-input generator, one for every crate: from a valid fixture, every
//! path in it with every malformed value ([`bad_values`]) and every malformed text
//! ([`bad_texts`]), deterministically. Each crate's test says what its entry point must do
//! with them; [`Tally`] counts the outcomes for FUZZING.md.

use std::collections::BTreeMap;

use serde_json::{Value, json};

/// One step of a path in a JSON document.
#[derive(Debug, Clone, PartialEq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

impl Seg {
    pub fn key(&self) -> Option<&str> {
        match self {
            Seg::Key(k) => Some(k),
            Seg::Index(_) => None,
        }
    }
}

/// Every path in `v`, root first, in document order.
pub fn paths(v: &Value) -> Vec<Vec<Seg>> {
    fn walk(v: &Value, at: &mut Vec<Seg>, out: &mut Vec<Vec<Seg>>) {
        out.push(at.clone());
        match v {
            Value::Object(m) => {
                for (k, child) in m {
                    at.push(Seg::Key(k.clone()));
                    walk(child, at, out);
                    at.pop();
                }
            }
            Value::Array(a) => {
                for (i, child) in a.iter().enumerate() {
                    at.push(Seg::Index(i));
                    walk(child, at, out);
                    at.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, &mut Vec::new(), &mut out);
    out
}

pub fn at_mut<'a>(v: &'a mut Value, path: &[Seg]) -> &'a mut Value {
    path.iter().fold(v, |v, seg| match seg {
        Seg::Key(k) => &mut v[k.as_str()],
        Seg::Index(i) => &mut v[*i],
    })
}

/// `v` with `new` at `path`.
pub fn with(v: &Value, path: &[Seg], new: Value) -> Value {
    let mut out = v.clone();
    *at_mut(&mut out, path) = new;
    out
}

/// `Endpoints.ep-1.User.UserAttributes.username.[0]`.
pub fn dotted(path: &[Seg]) -> String {
    path.iter()
        .map(|s| match s {
            Seg::Key(k) => k.clone(),
            Seg::Index(i) => format!("[{i}]"),
        })
        .collect::<Vec<_>>()
        .join(".")
}

fn nested(depth: usize) -> Value {
    (0..depth).fold(json!(1), |v, _| json!([v]))
}

/// Malformed values put at a path, by kind.
pub fn bad_values() -> Vec<(&'static str, Value)> {
    let number = |s: &str| serde_json::from_str::<Value>(s).unwrap();
    vec![
        ("null", Value::Null),
        ("wrong_type", json!(true)),
        ("wrong_type", json!(7)),
        ("wrong_type", json!("x")),
        ("wrong_type", json!([])),
        ("wrong_type", json!({})),
        ("wrong_type", json!([{"S": "x"}])),
        ("wrong_type", json!({"unexpected": {"S": "x"}})),
        ("empty", json!("")),
        ("control_chars", json!("a\u{0}b\u{1b}|%")),
        ("replacement_char", json!("\u{FFFD}")),
        ("non_canonical_number", number("-0")),
        ("non_canonical_number", number("1e3")),
        ("non_canonical_number", number("1.0")),
        ("non_canonical_number", number("18446744073709551616")),
        ("non_canonical_number", number("-1")),
        ("huge_string", json!("h".repeat(1 << 20))),
        ("deep_nesting", nested(100)),
    ]
}

const MARK: &str = "\u{1}BAD-INPUT-MARK\u{1}";

/// The document as JSON text with `raw` (any text, valid JSON or not) at `path`.
pub fn text_with(v: &Value, path: &[Seg], raw: &str) -> String {
    let text = serde_json::to_string(&with(v, path, json!(MARK))).unwrap();
    let mark = serde_json::to_string(MARK).unwrap();
    text.replacen(&mark, raw, 1)
}

/// Raw text malformations at a path: invalid JSON, or JSON a `Value` flattens (duplicate
/// keys: the JSON layer keeps the last one).
pub fn bad_texts(v: &Value, path: &[Seg]) -> Vec<(&'static str, String)> {
    let here = serde_json::to_string(at_mut(&mut v.clone(), path)).unwrap();
    let mut out = vec![
        ("surrogate", text_with(v, path, r#""\ud800""#)),
        ("surrogate", text_with(v, path, r#""a\udc00b""#)),
        ("surrogate", text_with(v, path, r#""\ud800\u0041""#)),
        ("non_canonical_number", text_with(v, path, "01")),
        ("non_canonical_number", text_with(v, path, "+1")),
        ("non_canonical_number", text_with(v, path, "1e999")),
        ("non_canonical_number", text_with(v, path, "NaN")),
        (
            "deep_nesting",
            text_with(
                v,
                path,
                &format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
            ),
        ),
        (
            "deep_nesting",
            text_with(v, path, &"{\"a\":".repeat(10_000)),
        ),
    ];
    if let Some(Seg::Key(k)) = path.last() {
        let k = serde_json::to_string(k).unwrap();
        out.push((
            "duplicate_key",
            text_with(v, path, &format!("{here},{k}:12345")),
        ));
        out.push((
            "duplicate_key",
            text_with(v, path, &format!("12345,{k}:{here}")),
        ));
        out.push((
            "duplicate_key",
            text_with(v, path, &format!("{here},{k}:null")),
        ));
    }
    out
}

/// Every strict prefix of the text, on char boundaries (blank prefixes left out).
pub fn prefixes(text: &str) -> impl Iterator<Item = &str> {
    let text = text.trim_end();
    text.char_indices()
        .map(move |(i, _)| &text[..i])
        .filter(|p| !p.trim().is_empty())
}

/// The first 300 characters, for a failure message.
pub fn clip(s: &str) -> String {
    s.chars().take(300).collect()
}

// ---------------------------------------------------------------- checks

/// JSON text to a `Value` as the Lambda runtime would, keeping the error's path.
pub fn wire(text: &str, root: &str) -> Result<Value, String> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value: Value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { root.to_owned() } else { path };
        format!("{path}: {}", e.inner())
    })?;
    de.end().map_err(|e| format!("{root}: {e}"))?;
    Ok(value)
}

/// The message names a field of `path` (or the root marker when the path is the root) and
/// says more than the name.
pub fn assert_names_field(message: &str, path: &[Seg], root: &str, input: &str) {
    let keys: Vec<&str> = path
        .iter()
        .filter_map(|s| match s {
            Seg::Key(k) => Some(k.as_str()),
            Seg::Index(_) => None,
        })
        .collect();
    let named = if keys.is_empty() {
        // The root, or the path of the error within the malformed document
        // (`path: why`, or the report's `why at path (column N)`).
        let prefix = message.split(": ").next().unwrap_or("");
        message.contains(root)
            || (!prefix.is_empty() && !prefix.contains(' '))
            || message.contains(" at ")
    } else {
        keys.iter().any(|k| message.contains(k))
    };
    assert!(
        named,
        "message does not name the field {:?} ({input}): {}",
        dotted(path),
        clip(message)
    );
    // Says why: words beyond the field names.
    let mut rest = message.to_owned();
    for k in keys.iter().chain([&root]) {
        rest = rest.replace(k, "");
    }
    assert!(
        rest.chars().filter(char::is_ascii_alphabetic).count() >= 5,
        "message does not say why ({input}): {}",
        clip(message)
    );
}

/// The message locates the error (a path, or the root) and gives a position.
pub fn assert_located(message: &str, input: &str) {
    assert!(
        message.contains("column")
            && (message.contains(": ") || message.contains(" at ") || message.contains(" in ")),
        "truncated input without a located reason ({input}): {}",
        clip(message)
    );
}

/// Inputs tried, by kind and outcome.
#[derive(Debug, Default)]
pub struct Tally {
    tried: usize,
    by_kind: BTreeMap<String, usize>,
}

impl Tally {
    pub fn count(&mut self, kind: &str, outcome: &str) {
        self.tried += 1;
        *self.by_kind.entry(format!("{kind}→{outcome}")).or_default() += 1;
    }

    pub fn tried(&self) -> usize {
        self.tried
    }

    /// Inputs with an outcome other than `accepted`.
    pub fn rejected(&self) -> usize {
        self.by_kind
            .iter()
            .filter(|(k, _)| !k.ends_with("→accepted"))
            .map(|(_, n)| n)
            .sum()
    }

    /// Prints the counts (`--nocapture`) and requires at least 1,000 inputs.
    pub fn print(&self, entry: &str) {
        let kinds: Vec<String> = self
            .by_kind
            .iter()
            .map(|(k, n)| format!("{k}={n}"))
            .collect();
        println!(
            "bad-input corpus: {entry}: {} inputs, {} rejected, {} accepted; {}",
            self.tried,
            self.rejected(),
            self.tried - self.rejected(),
            kinds.join(" ")
        );
        assert!(self.tried >= 1_000, "{entry}: only {} inputs", self.tried);
    }
}
