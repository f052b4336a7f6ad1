//! The JSON path of the field where an object failed to parse, for a skip reason: the
//! object is read a second time (only when it failed) by one walker driven by a
//! [`Schema`] of the shape, through serde_json's own parser, so it stops at the same error
//! as the typed parse and knows the path of the value it was reading.
//!
//! Not `serde_path_to_error`, which wraps every typed deserializer a second time, for the
//! report module's size (BENCHMARKS.md, "The report module's lean helpers"). This walker is
//! one instantiation for every shape; a struct-like shape's fields are its reader's own
//! description ([`Struct`]), and its leaves call the shapes' own `Deserialize` impls, so
//! what a leaf accepts cannot drift. The paths are
//! `serde_path_to_error`'s, word for word (a test compares the two on a corpus of bad
//! objects): `a.b` for a map value, `a[0]` for a sequence element, the container's path
//! for an error between its values (a missing `:` or `,`, a missing or duplicate field).

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::record::BorrowedStr;

/// How a shape's parse reads a value (mirrors the shape's `Deserialize` impls).
#[derive(Debug)]
pub(super) enum Schema {
    /// A struct read by `record::read_struct`: a map whose fields are read (a second one
    /// is a duplicate) and others skipped; not a sequence.
    Struct(&'static Struct),
    /// `Option` of a value: `null`, or the value.
    Option(&'static Schema),
    /// An attributes map: `campaign`, `campaign_id` (and `user_id` if asked) are strings,
    /// the others are skipped (`record::read_attributes`).
    Attributes {
        user_id: bool,
    },
    /// A metrics map: every value a number (`record::Metrics`).
    Metrics,
    /// Amplify stream data, nested or flat (`shapes::AmplifyData`).
    Amplify,
    /// Any value, never an error: a top-level value of flat Amplify data
    /// (`shapes::FlatValue`), a time (`time::EpochMs`), an id (`record::AnyStr`): scalars are kept,
    /// containers skipped element by element.
    Flat,
    /// Skipped (`IgnoredAny`).
    Ignored,
    Str,
    F64,
}

/// A struct-like shape, the one description of it: its reader takes the field names and
/// which are required from here (`record::read_struct`), and [`error_path`] walks the same
/// fields with their schemas. Declared with [`structure!`], so that names, schemas and
/// requiredness are one list.
#[derive(Debug)]
pub(super) struct Struct {
    /// The type's name, as its reader says it expects (`struct <name>`).
    pub name: &'static str,
    /// The fields' names, in the order the reader numbers them.
    pub names: &'static [&'static str],
    /// For each of `names`, how its value is read.
    pub fields: &'static [Schema],
    /// The required fields, a bit per field: a missing one is a `missing field` error, the
    /// first in field order.
    pub required: u32,
    /// The fields that may appear more than once (the reader reads each value), a bit per
    /// field; any other field seen twice is a `duplicate field` error.
    pub may_repeat: u32,
}

impl Struct {
    /// The first required field not in `seen` (a bit per field, as `record::read_fields`
    /// returns them).
    pub(super) fn missing(&self, seen: u32) -> Option<&'static str> {
        let missing = self.required & !seen;
        (missing != 0).then(|| self.names[missing.trailing_zeros() as usize])
    }
}

/// `structure!("Name" { "field": schema, required, ... })`: a [`Struct`] from one list of
/// fields (a field's index is its position here, as the reader's `match` numbers it).
macro_rules! structure {
    ($name:literal { $($field:literal: $schema:expr, $presence:expr),* $(,)? }) => {
        $crate::field_path::Struct {
            name: $name,
            names: &[$($field),*],
            fields: &[$($schema),*],
            required: {
                let (mut mask, mut bit) = (0, 1);
                $(
                    if matches!($presence, $crate::field_path::Presence::Required) {
                        mask |= bit;
                    }
                    bit <<= 1;
                )*
                let _ = bit;
                mask
            },
            may_repeat: {
                let (mut mask, mut bit) = (0, 1);
                $(
                    if matches!($presence, $crate::field_path::Presence::Repeatable) {
                        mask |= bit;
                    }
                    bit <<= 1;
                )*
                let _ = bit;
                mask
            },
        }
    };
}
pub(super) use structure;

/// A field's presence in [`structure!`].
#[derive(Debug, Clone, Copy)]
pub(super) enum Presence {
    Required,
    Optional,
    Repeatable,
}

/// Required: absent, it is a `missing field` error.
pub(super) const REQUIRED: Presence = Presence::Required;
/// Absent, it is `None`; twice, a `duplicate field` error.
pub(super) const OPTIONAL: Presence = Presence::Optional;
/// Absent, it is `None`; each of its values is read (the last one counts).
pub(super) const REPEATABLE: Presence = Presence::Repeatable;

/// One segment of a path.
enum Segment {
    Key(String),
    Index(usize),
}

/// `at <path>`, or `in the record` when the error is not inside a field; as the first
/// error of `text` read as objects of `schema`, back to back, would say.
pub(super) fn error_path(text: &str, schema: &Schema) -> String {
    let mut de = serde_json::Deserializer::from_str(text);
    loop {
        let mut path = Vec::new();
        let read = Seed {
            schema,
            at: None,
            path: &mut path,
        }
        .deserialize(&mut de);
        match read {
            Ok(()) if de.end().is_err() => continue,
            Ok(()) => return "in the record".into(),
            Err(_) => {
                // As the skip reasons always read: `serde_path_to_error`'s rendering (`.` for
                // the root, so a path of two empty keys reads as the root too), with the
                // trailing `.?` it writes for a key not read yet taken off (here only ever a
                // key named `?`).
                let path = Display(&path).to_string();
                let mut path = path.as_str();
                while let Some(rest) = path.strip_suffix(".?") {
                    path = rest;
                }
                return if path == "." || path == "?" {
                    "in the record".into()
                } else {
                    format!("at {path}")
                };
            }
        }
    }
}

/// A path as `serde_path_to_error` renders one: `a.b[0].c`, `.` for the root.
struct Display<'a>(&'a [Segment]);

impl fmt::Display for Display<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str(".");
        }
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if i == 0 => f.write_str(key)?,
                Segment::Key(key) => write!(f, ".{key}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// Reads one value of `schema` at `at` (`None`: the root), leaving `path` at the value
/// that failed, if one did.
struct Seed<'s, 'p> {
    schema: &'s Schema,
    at: Option<Segment>,
    path: &'p mut Vec<Segment>,
}

type Read<E> = Result<(), E>;

impl<'de> DeserializeSeed<'de> for Seed<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        // Pushed here, not before `next_value_seed`: an error before the value (a missing
        // `:`) is its container's.
        let pushed = self.at.is_some();
        if let Some(at) = self.at {
            self.path.push(at);
        }
        let path = &mut *self.path;
        match self.schema {
            Schema::Struct(s) => d.deserialize_map(StructVisitor(s, path)),
            Schema::Option(inner) => d.deserialize_option(OptionVisitor(inner, path)),
            Schema::Attributes { .. } | Schema::Metrics | Schema::Amplify => {
                d.deserialize_map(MapVisitor(self.schema, path))
            }
            Schema::Flat => d.deserialize_any(FlatVisitor(path)),
            Schema::Ignored => IgnoredAny::deserialize(d).map(drop),
            Schema::Str => BorrowedStr::deserialize(d).map(drop),
            Schema::F64 => f64::deserialize(d).map(drop),
        }?;
        if pushed {
            self.path.pop();
        }
        Ok(())
    }
}

fn value<'de, A: MapAccess<'de>>(
    map: &mut A,
    schema: &Schema,
    key: &str,
    path: &mut Vec<Segment>,
) -> Read<A::Error> {
    map.next_value_seed(Seed {
        schema,
        at: Some(Segment::Key(key.to_owned())),
        path,
    })
}

struct StructVisitor<'p>(&'static Struct, &'p mut Vec<Segment>);

impl<'de> Visitor<'de> for StructVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "struct {}", self.0.name)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Read<A::Error> {
        let StructVisitor(s, path) = self;
        let mut seen = 0u32;
        while let Some(key) = map.next_key::<BorrowedStr<'de>>()? {
            match s.names.iter().position(|name| *name == key.0) {
                Some(i) if seen & !s.may_repeat & (1 << i) != 0 => {
                    return Err(de::Error::duplicate_field(s.names[i]));
                }
                Some(i) => {
                    seen |= 1 << i;
                    value(&mut map, &s.fields[i], &key.0, path)?;
                }
                None => value(&mut map, &Schema::Ignored, &key.0, path)?,
            }
        }
        match s.missing(seen) {
            Some(name) => Err(de::Error::missing_field(name)),
            None => Ok(()),
        }
    }
}

struct OptionVisitor<'s, 'p>(&'s Schema, &'p mut Vec<Segment>);

impl<'de> Visitor<'de> for OptionVisitor<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("option")
    }

    fn visit_none<E: de::Error>(self) -> Read<E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Read<E> {
        Ok(())
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Read<D::Error> {
        Seed {
            schema: self.0,
            at: None,
            path: self.1,
        }
        .deserialize(d)
    }
}

/// The hand-written map visitors of the shapes.
struct MapVisitor<'s, 'p>(&'s Schema, &'p mut Vec<Segment>);

impl<'de> Visitor<'de> for MapVisitor<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Read<A::Error> {
        let MapVisitor(schema, path) = self;
        let mut name = false;
        let mut nested = false;
        while let Some(key) = map.next_key::<BorrowedStr<'de>>()? {
            let key = key.0;
            let read = match (schema, key.as_ref()) {
                (Schema::Metrics, _) => &Schema::F64,
                (
                    Schema::Attributes { .. },
                    journey_attribution_core::stamp::CAMPAIGN_ATTRIBUTE
                    | journey_attribution_core::stamp::CAMPAIGN_ID_ATTRIBUTE,
                ) => &Schema::Str,
                (Schema::Attributes { user_id }, key) => {
                    let roles = super::record::kept(key);
                    if *user_id && roles.is_user_id(key) {
                        &Schema::Str
                    } else if key == super::record::EVENT_ID_ATTRIBUTE || !roles.is_empty() {
                        // Read when a string, any other value ignored (`record::AnyStr`).
                        &Schema::Flat
                    } else {
                        &Schema::Ignored
                    }
                }
                (Schema::Amplify, "name") => {
                    name = true;
                    &Schema::Str
                }
                (Schema::Amplify, "attributes") => {
                    nested = true;
                    &Schema::Option(&Schema::Attributes { user_id: true })
                }
                (Schema::Amplify, "metrics") => {
                    nested = true;
                    &Schema::Option(&Schema::Metrics)
                }
                (Schema::Amplify, "timestamp") => &Schema::Option(&Schema::Flat),
                (Schema::Amplify, _) if !nested => &Schema::Flat,
                _ => &Schema::Ignored,
            };
            value(&mut map, read, &key, path)?;
        }
        if matches!(schema, Schema::Amplify) && !name {
            return Err(de::Error::missing_field("name"));
        }
        Ok(())
    }
}

/// A value of flat Amplify data.
struct FlatVisitor<'p>(&'p mut Vec<Segment>);

impl<'de> Visitor<'de> for FlatVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Read<E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Read<E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Read<E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Read<E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Read<E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Read<E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Read<A::Error> {
        for i in 0.. {
            let element = Seed {
                schema: &Schema::Ignored,
                at: Some(Segment::Index(i)),
                path: &mut *self.0,
            };
            if seq.next_element_seed(element)?.is_none() {
                break;
            }
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Read<A::Error> {
        while let Some(key) = map.next_key::<BorrowedStr<'de>>()? {
            value(&mut map, &Schema::Ignored, &key.0, self.0)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use journey_attribution_test_support::{bad, fixtures};
    use serde_json::Value;

    use super::error_path;
    use crate::base64;
    use crate::shapes::oracle;

    /// Objects of every shape: the report fixtures' objects, the JSON in their Kinesis
    /// `Data`, and a few edge cases of serde's struct reading.
    fn objects() -> Vec<Value> {
        let mut out = Vec::new();
        for name in [
            "report/stream.jsonl",
            "report/amplify-firehose.jsonl",
            "report/kinesis-records.jsonl",
            "report/ses-firehose.jsonl",
            "report/ses-amplify-firehose.jsonl",
            "report/session-stop.json",
        ] {
            let text = fixtures::text(name);
            for v in serde_json::Deserializer::from_str(&text).into_iter::<Value>() {
                let Ok(v) = v else { continue };
                for data in [&v["Data"], &v["kinesis"]["data"]] {
                    if let Some(json) = data
                        .as_str()
                        .and_then(|d| base64::decode(d).ok())
                        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                    {
                        out.push(json);
                    }
                }
                out.push(v);
            }
        }
        out
    }

    const EDGES: &[&str] = &[
        r#"["purchase"]"#,
        r#"["purchase", 1, {"client_id": "c"}, {}, {}]"#,
        r#"["purchase", 1.5]"#,
        r#"["purchase", 1, ["c"], {"campaign": 1}]"#,
        r#"["purchase", 1, [], {}, {"m": "x"}]"#,
        r#"["a", null, null, null, null, 1]"#,
        "[]",
        "[1]",
        r#"["e30=", null, 1e20]"#,
        r#"["e30=", "k", "soon", 4]"#,
        r#"[["e30="]]"#,
        r#"[{"data": 1}]"#,
        r#"{"event_type": "a", "event_type": "b"}"#,
        r#"{"event_type": "a", "client": {"client_id": "a", "client_id": "b"}}"#,
        r#"{"event_type" 1}"#,
        r#"{"event_type": 1,}"#,
        r#"{"event_type": "x", }"#,
        r#"{"a": 1 "b": 2}"#,
        r#"{1: 2}"#,
        r#"{"event_type": "x"} garbage"#,
        r#"{"event_type": "x"}{"event_type": 2}"#,
        r#"{"event_type": "x"}{"name": "y", "n": [1, tru]}"#,
        r#"{"event_type": "x", "client": []}"#,
        r#"{"event_type": "x", "client": ["x", 2]}"#,
        r#"{"event_type": "x", "client": [1]}"#,
        r#"{"event_type": "x", "client": null, "attributes": null, "metrics": null}"#,
        r#"{"event_type": "x", "event_timestamp": 18446744073709551615}"#,
        r#"{"event_type": "x", "attributes": {"campaign": "a", "campaign": 2}}"#,
        r#"{"event_type": "x", "attributes": {"user_id": 2}}"#,
        r#"{"ev\u0065nt_type": 3}"#,
        r#"{"name": "x", "tags": [1, 2, tru]}"#,
        r#"{"name": "x", "o": {"a": {"b": tru}}}"#,
        r#"{"name": "x", "o": {"a": 1,, "b": 2}}"#,
        r#"{"attributes": {}, "name": "x", "tags": [tru]}"#,
        r#"{"name": "x", "attributes": null, "metrics": null, "timestamp": null}"#,
        r#"{"name": "x", "attributes": {"user_id": 7}}"#,
        r#"{"name": "x", "name": 7}"#,
        r#"{"timestamp": true, "name": "x"}"#,
        r#"{"timestamp": "yesterday"}"#,
        r#"{"name": "x", "timestamp": 1e300}"#,
        r#"{"name": "x", "metrics": {"a": 1, "b": null}}"#,
        r#"{"name": "x", "metrics": [1]}"#,
        r#"{"kinesis": {"data": "e30=", "data": "x"}}"#,
        r#"{"kinesis": null}"#,
        r#"{"kinesis": ["e30="]}"#,
        r#"{"kinesis": ["e30=", "k", -1]}"#,
        r#"{"kinesis": []}"#,
        r#"{"kinesis": {}}"#,
        r#"{"kinesis": {"partitionKey": 1, "data": "e30="}}"#,
        r#"{"Data": "e30=", "ApproximateArrivalTimestamp": "bad"}"#,
        r#"{"Data": "e30=", "Data": "e30="}"#,
        r#"{"Data": 1, "PartitionKey": 2}"#,
        r#"{"PartitionKey": "k"}"#,
        "",
        " ",
        "{",
        "{\"",
        "{\"event_type\"",
        "{\"event_type\":",
        "{\"event_type\":\"x\"",
        "{\"event_type\":\"x\",",
        "nul",
        "null",
        // Found by the `field_path` fuzz target: an empty key, nested.
        r#"{"":{"":aa"#,
        r#"{"": tru}"#,
        r#"{"?": tru}"#,
        r#"{"name": "x", "a": {"?": tru}}"#,
        r#"{"name": "x", "a.?": [tru]}"#,
        r#"{"event_type": "x", "attributes": {"": 1}}"#,
        "\"x\"",
    ];

    /// Bad texts from every object: a bad value or malformed text at each path, and every
    /// prefix.
    fn corpus() -> Vec<String> {
        let mut out: Vec<String> = EDGES.iter().map(|s| (*s).to_owned()).collect();
        let bad_values: Vec<String> = bad::bad_values()
            .into_iter()
            .filter(|(kind, _)| *kind != "huge_string")
            .map(|(_, v)| serde_json::to_string(&v).unwrap())
            .collect();
        for (n, v) in objects().into_iter().enumerate() {
            for path in bad::paths(&v) {
                out.extend(bad_values.iter().map(|raw| bad::text_with(&v, &path, raw)));
                // 10,000-deep texts: a few objects' paths suffice (slow in a debug build).
                let texts = bad::bad_texts(&v, &path).into_iter();
                out.extend(
                    texts
                        .filter(|(k, _)| n < 4 || *k != "deep_nesting")
                        .map(|(_, t)| t),
                );
            }
            let text = v.to_string();
            out.extend(bad::prefixes(&text).map(str::to_owned));
            out.push(text);
        }
        out
    }

    #[test]
    fn field_paths_are_serde_path_to_error_s() {
        let shapes = oracle::shapes();
        let corpus = corpus();
        let mut named_a_field = 0;
        for text in &corpus {
            for (name, schema, expected) in &shapes {
                let path = error_path(text, schema);
                assert_eq!(
                    path,
                    expected(text),
                    "{name}: {}",
                    journey_attribution_test_support::bad::clip(text)
                );
                named_a_field += usize::from(path.starts_with("at "));
            }
        }
        println!(
            "field paths: {} texts x {} shapes, {named_a_field} naming a field",
            corpus.len(),
            shapes.len()
        );
        assert!(corpus.len() > 5_000 && named_a_field > 5_000);
    }

    /// The same under settings of the report that change which attributes are read: lift's
    /// and touch reconstruction's user attributes, `journey_id`, an order attribute named
    /// like another role's. A sample of the corpus, plus texts with those attributes.
    #[test]
    fn field_paths_follow_what_the_report_reads() {
        use crate::record::{Reading, set_reading};
        use std::sync::Arc;
        let shapes = oracle::shapes();
        let mut corpus: Vec<String> = corpus().into_iter().step_by(11).collect();
        for (key, value) in [
            ("journey_id", "1e400"),
            ("journey_id", r#""\ud800""#),
            ("member", "[1,"),
            ("user_id", r#"{"a":1}"#),
            ("order_id", r#""\ud800""#),
        ] {
            corpus.push(format!(
                r#"{{"event_type":"x","attributes":{{"{key}":{value}}}}}"#
            ));
            corpus.push(format!(
                r#"{{"name":"x","attributes":{{"{key}":{value}}}}}"#
            ));
            corpus.push(format!(r#"{{"name":"x","{key}":{value}}}"#));
        }
        let reading = |order: &str, user: &str, touch_user: &str, journey: bool| Reading {
            order: order.into(),
            user: user.into(),
            touch_user: touch_user.into(),
            journey,
        };
        for r in [
            reading("order_id", "user_id", "member", true),
            reading("user_id", "user_id", "", false),
            reading("journey_id", "", "user_id", true),
            reading("member", "member", "journey_id", true),
        ] {
            set_reading(&Arc::new(r.clone()));
            for text in &corpus {
                for (name, schema, expected) in &shapes {
                    assert_eq!(
                        error_path(text, schema),
                        expected(text),
                        "{name} under {r:?}: {}",
                        journey_attribution_test_support::bad::clip(text)
                    );
                }
            }
        }
        set_reading(&Arc::default());
    }
}
