//! The shapes a line may have besides the Pinpoint record, each reduced to the [`Record`]
//! the report reads (see the report's module docs for the semantics).
//!
//! Amplify's Kinesis Data Streams / Firehose providers put `JSON.stringify(data)` in the
//! stream, where `data` is shaped as an Amplify event (our wrappers stamp inside it):
//!
//! * **Amplify stream data**, as Firehose writes it to S3 (objects back to back unless a
//!   delimiter is configured): `{"name", "attributes", "metrics", "timestamp"?}`;
//! * **Kinesis record envelope**, as `aws kinesis get-records` prints each record:
//!   `{"SequenceNumber", "ApproximateArrivalTimestamp", "Data": "<base64>", "PartitionKey"}`,
//!   or as Lambda's Kinesis event has it: `{"kinesis": {"data", "partitionKey",
//!   "approximateArrivalTimestamp", ...}, "eventSource", ...}`. The decoded `Data` is Amplify
//!   stream data, or a Pinpoint record (Pinpoint streaming to a Kinesis data stream);
//! * **SES event record**, as a configuration set's Firehose destination writes it to S3:
//!   `{"eventType", "mail", "open" | "click" | "delivery" | ...}`, or as an SNS notification
//!   carries it: `{"Type": "Notification", "Message": "<the record as a JSON string>", ...}`.
//!   Not an event: only touch reconstruction reads it, through [`journey_attribution_core::ses::plan`].
//!
//! An object is classified by its top-level keys, first match wins: `event_type` (Pinpoint),
//! `name` (Amplify data), `Data` (Kinesis record), `kinesis` (Lambda's Kinesis record),
//! `eventType` or `notificationType` with `mail` (SES event record), `Type` with `Message`
//! (SNS notification).

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};

use super::base64;
use super::field_path::{self, OPTIONAL, REQUIRED, Schema, Struct, structure};
use super::record::{
    Attributes, BorrowedStr, Client, EVENT_ID_ATTRIBUTE, Metrics, RECORD, Record, Roles, expecting,
    kept, parse_record, read_attributes, read_struct, reads_touches,
};
use super::time::EpochMs;
use journey_attribution_core::event::DataShape;
use journey_attribution_core::stamp::{CAMPAIGN_ATTRIBUTE, CAMPAIGN_ID_ATTRIBUTE};

/// What an object of a line is, from its top-level keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    Pinpoint,
    Amplify,
    Kinesis,
    LambdaKinesis,
    /// An SES event record (`eventType` or `notificationType`, with `mail`).
    Ses,
    /// An SNS notification (`Type`, `Message`), whose message should be an SES event record.
    SnsNotification,
    Unknown,
}

/// Reads the top-level keys of an object, skipping the values.
struct Probe(Shape);

impl<'de> Deserialize<'de> for Probe {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Probe;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an event record (a JSON object)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Probe, A::Error> {
                const EVENT_TYPE: u8 = 1;
                const NAME: u8 = 1 << 1;
                const DATA: u8 = 1 << 2;
                const KINESIS: u8 = 1 << 3;
                const SES_TYPE: u8 = 1 << 4;
                const MAIL: u8 = 1 << 5;
                const SNS_TYPE: u8 = 1 << 6;
                const MESSAGE: u8 = 1 << 7;
                let mut seen = 0u8;
                while let Some(key) = map.next_key::<BorrowedStr<'de>>()? {
                    seen |= match key.0.as_ref() {
                        "event_type" => EVENT_TYPE,
                        "name" => NAME,
                        "Data" => DATA,
                        "kinesis" => KINESIS,
                        "eventType" | "notificationType" => SES_TYPE,
                        "mail" => MAIL,
                        "Type" => SNS_TYPE,
                        "Message" => MESSAGE,
                        _ => 0,
                    };
                    map.next_value::<IgnoredAny>()?;
                }
                let has = |keys: u8| seen & keys == keys;
                let shape = if has(EVENT_TYPE) {
                    Shape::Pinpoint
                } else if has(NAME) {
                    Shape::Amplify
                } else if has(DATA) {
                    Shape::Kinesis
                } else if has(KINESIS) {
                    Shape::LambdaKinesis
                } else if has(SES_TYPE | MAIL) {
                    Shape::Ses
                } else if has(SNS_TYPE | MESSAGE) {
                    Shape::SnsNotification
                } else {
                    Shape::Unknown
                };
                Ok(Probe(shape))
            }
        }
        d.deserialize_map(V)
    }
}

/// The first key of the line's first object, when it is plain and short.
fn first_key(line: &str) -> Option<&str> {
    let rest = line
        .trim_start()
        .strip_prefix('{')?
        .trim_start()
        .strip_prefix('"')?;
    let end = rest
        .bytes()
        .take(32)
        .position(|b| b == b'"' || b == b'\\')?;
    (rest.as_bytes()[end] == b'"').then(|| &rest[..end])
}

/// Whether the line is worth parsing as Pinpoint records straight away: Firehose writes
/// `event_type` first, the other shapes start with their own keys. A wrong guess costs a
/// second parse, never a different result.
pub(super) fn may_be_pinpoint(line: &str) -> bool {
    !matches!(
        first_key(line),
        Some(
            "name"
                | "Data"
                | "kinesis"
                | "SequenceNumber"
                | "PartitionKey"
                | "ApproximateArrivalTimestamp"
                | "EncryptionType"
                | "eventType"
                | "notificationType"
                | "mail"
                | "Type"
        )
    )
}

/// One object of a line: its byte range and shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Span {
    pub start: usize,
    pub end: usize,
    pub shape: Shape,
}

/// The objects written back to back on `line`; `None` when it is not a sequence of JSON
/// objects (the Pinpoint parse then says what is wrong).
pub(super) fn split(line: &str) -> Option<Vec<Span>> {
    let mut stream = serde_json::Deserializer::from_str(line).into_iter::<Probe>();
    let mut spans = Vec::new();
    let mut start = 0;
    while let Some(probe) = stream.next() {
        let end = stream.byte_offset();
        spans.push(Span {
            start,
            end,
            shape: probe.ok()?.0,
        });
        start = end;
    }
    Some(spans)
}

/// One object of a line, parsed.
#[derive(Debug)]
// `allow`, not `expect`: on wasm32 (4-byte pointers) the variants are close enough in size
// that the lint does not fire.
#[allow(
    clippy::large_enum_variant,
    reason = "an object is parsed and consumed in place; boxing would allocate per record"
)]
pub(super) enum Object<'a> {
    /// An event record: counted by the report, and read by touch reconstruction.
    Event(Parsed<'a>),
    /// An SES event record (bare or in an SNS notification): never an event, only read by
    /// touch reconstruction, as a journey touch.
    Ses,
}

/// An event record reduced to the report's record.
#[derive(Debug)]
pub(super) struct Parsed<'a> {
    pub record: Record<'a>,
    /// Amplify stream data, which touch reconstruction never takes for a journey touch.
    pub amplify: bool,
}

/// The `data` Amplify puts in the stream, nested (`{"name", "attributes", "metrics",
/// "timestamp"?}`) or flat (`{"name", "genre": "jazz", "minutesListened": 30, ...}`: string
/// fields are its attributes, number fields its metrics), the shape detected per record by
/// [`DataShape::detect`].
#[derive(Debug)]
pub struct AmplifyData<'a> {
    pub name: Cow<'a, str>,
    pub attributes: Option<DataAttributes<'a>>,
    pub metrics: Option<Metrics<'a>>,
    /// When the app puts it in the data: epoch milliseconds or RFC 3339.
    pub timestamp: Option<EpochMs>,
}

/// A top-level value of flat data: a string (an attribute), a number (a metric), or
/// anything else (skipped unread).
enum FlatValue<'a> {
    Str(Cow<'a, str>),
    Number(f64),
    Other,
}

impl<'de: 'a, 'a> Deserialize<'de> for FlatValue<'a> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = FlatValue<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(FlatValue::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(FlatValue::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(FlatValue::Str(Cow::Owned(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(FlatValue::Number(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(FlatValue::Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(FlatValue::Number(v as f64))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(FlatValue::Other)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(FlatValue::Other)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(FlatValue::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(FlatValue::Other)
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for AmplifyData<'a> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = AmplifyData<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("Amplify stream data (an object with a `name`)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut name = None;
                let mut nested = false;
                let mut attributes = None;
                let mut metrics = None;
                let mut timestamp = None;
                let mut flat = DataAttributes::default();
                let mut flat_metrics = Vec::new();
                let mut fields = false;
                while let Some(key) = map.next_key::<BorrowedStr<'de>>()? {
                    match key.0.as_ref() {
                        "name" => name = Some(map.next_value::<BorrowedStr<'de>>()?.0),
                        "attributes" => {
                            nested = true;
                            attributes = map.next_value()?;
                        }
                        "metrics" => {
                            nested = true;
                            metrics = map.next_value()?;
                        }
                        "timestamp" => timestamp = map.next_value()?,
                        _ if nested => {
                            // Nested data: its other fields are not read.
                            fields = true;
                            map.next_value::<IgnoredAny>()?;
                        }
                        _ => {
                            fields = true;
                            match map.next_value::<FlatValue<'de>>()? {
                                FlatValue::Str(v) => {
                                    let kept = kept(&key.0);
                                    flat.set(&key.0, kept, v);
                                }
                                FlatValue::Number(v) => flat_metrics.push((key.0, v)),
                                FlatValue::Other => {}
                            }
                        }
                    }
                }
                let name = name.ok_or_else(|| de::Error::missing_field("name"))?;
                let (attributes, metrics) = match DataShape::detect(nested, fields) {
                    DataShape::Nested => (attributes, metrics),
                    DataShape::Flat => (Some(flat), Some(Metrics(flat_metrics))),
                };
                Ok(AmplifyData {
                    name,
                    attributes,
                    metrics,
                    timestamp,
                })
            }
        }
        d.deserialize_map(V)
    }
}

/// The stamping and identifying attributes of Amplify data, and the app's `user_id`.
#[derive(Debug, Default)]
pub struct DataAttributes<'a> {
    pub stamp: Attributes<'a>,
    pub user_id: Option<Cow<'a, str>>,
}

impl<'a> DataAttributes<'a> {
    /// Keeps `value` when `key` is one of the attributes the report reads (`roles`: what
    /// `key` is to the report's [`Reading`](crate::record::Reading)), as
    /// [`read_attributes`] keeps it from nested data.
    fn set(&mut self, key: &str, roles: Roles, value: Cow<'a, str>) {
        match key {
            CAMPAIGN_ATTRIBUTE => self.stamp.campaign = Some(value),
            CAMPAIGN_ID_ATTRIBUTE => self.stamp.campaign_id = Some(value),
            EVENT_ID_ATTRIBUTE => self.stamp.event_id = Some(value),
            _ => {
                if roles.is_user_id(key) {
                    self.user_id = Some(value.clone());
                }
                self.stamp.keep(roles, Some(value));
            }
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for DataAttributes<'a> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = DataAttributes<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of string attributes")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let mut user_id = None;
                let stamp = read_attributes(map, Some(&mut user_id))?;
                Ok(DataAttributes { stamp, user_id })
            }
        }
        d.deserialize_map(V)
    }
}

/// What the report reads of a Kinesis record: its `Data`, partition key and arrival time,
/// the three fields of [`KINESIS_RECORD`] or [`LAMBDA_KINESIS`], in that order.
#[derive(Debug, Default)]
struct Envelope<'a> {
    data: Cow<'a, str>,
    partition_key: Option<Cow<'a, str>>,
    arrival: Option<EpochMs>,
}

/// As `aws kinesis get-records` prints a record.
static KINESIS_RECORD: Struct = structure!("KinesisRecord" {
    "Data": Schema::Str, REQUIRED,
    "PartitionKey": Schema::Option(&Schema::Str), OPTIONAL,
    "ApproximateArrivalTimestamp": Schema::Option(&Schema::Flat), OPTIONAL,
});

/// As Lambda's Kinesis event has it, under `kinesis`.
static LAMBDA_KINESIS: Struct = structure!("LambdaKinesis" {
    "data": Schema::Str, REQUIRED,
    "partitionKey": Schema::Option(&Schema::Str), OPTIONAL,
    "approximateArrivalTimestamp": Schema::Option(&Schema::Flat), OPTIONAL,
});

/// A record of Lambda's Kinesis event, `{"kinesis": {...}, "eventSource", ...}`.
static LAMBDA_KINESIS_RECORD: Struct = structure!("LambdaKinesisRecord" {
    "kinesis": Schema::Struct(&LAMBDA_KINESIS), REQUIRED,
});

/// The reader of an [`Envelope`] spelt as the struct says: one reader for both spellings,
/// so the report .wasm holds one.
#[derive(Debug, Clone, Copy)]
struct EnvelopeReader(&'static Struct);

impl<'de> DeserializeSeed<'de> for EnvelopeReader {
    type Value = Envelope<'de>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Envelope<'de>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for EnvelopeReader {
    type Value = Envelope<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        expecting(self.0, f)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Envelope<'de>, A::Error> {
        let mut envelope = Envelope::default();
        read_struct(&mut map, self.0, &mut |i, map| {
            match i {
                0 => envelope.data = map.next_value::<BorrowedStr<'de>>()?.0,
                1 => {
                    envelope.partition_key =
                        map.next_value::<Option<BorrowedStr<'de>>>()?.map(|s| s.0);
                }
                _ => envelope.arrival = map.next_value()?,
            }
            Ok(())
        })?;
        Ok(envelope)
    }
}

/// A record as `aws kinesis get-records` prints it (other fields skipped).
#[derive(Debug)]
struct KinesisRecord<'a>(Envelope<'a>);

impl<'de: 'a, 'a> Deserialize<'de> for KinesisRecord<'a> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        EnvelopeReader(&KINESIS_RECORD)
            .deserialize(d)
            .map(KinesisRecord)
    }
}

/// A record of Lambda's Kinesis event, read as [`LAMBDA_KINESIS_RECORD`].
#[derive(Debug)]
struct LambdaKinesisRecord<'a> {
    kinesis: Envelope<'a>,
}

impl<'de: 'a, 'a> Deserialize<'de> for LambdaKinesisRecord<'a> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LambdaKinesisRecord<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                expecting(&LAMBDA_KINESIS_RECORD, f)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut kinesis = Envelope::default();
                read_struct(&mut map, &LAMBDA_KINESIS_RECORD, &mut |_, map| {
                    kinesis = map.next_value_seed(EnvelopeReader(&LAMBDA_KINESIS))?;
                    Ok(())
                })?;
                Ok(LambdaKinesisRecord { kinesis })
            }
        }
        d.deserialize_map(V)
    }
}

/// The schemas [`field_path::error_path`] walks for the struct-like shapes (Amplify data,
/// whose keys are dynamic, is [`Schema::Amplify`]).
pub(super) static RECORD_SCHEMA: Schema = Schema::Struct(&RECORD);
static KINESIS_RECORD_SCHEMA: Schema = Schema::Struct(&KINESIS_RECORD);
static LAMBDA_KINESIS_RECORD_SCHEMA: Schema = Schema::Struct(&LAMBDA_KINESIS_RECORD);

/// `<serde's message> at <path> (column N)`, for an error in `text` parsed as the shape
/// `schema` describes; `column` is where `text` starts in its line.
pub(super) fn reason(text: &str, e: &serde_json::Error, column: usize, schema: &Schema) -> String {
    // serde_json says "at line 1 column N": the line is the caller's to number. Stripped
    // as the known suffix, not by `rsplit_once(" at line ")`, which links a reverse
    // two-way search into the report module (BENCHMARKS.md).
    let message = e.to_string();
    let position = format!(" at line {} column {}", e.line(), e.column());
    let message = message.strip_suffix(&position).unwrap_or(&message);
    format!(
        "{message} {} (column {})",
        field_path::error_path(text, schema),
        column + e.column()
    )
}

/// Amplify data reduced to a record: the user is `attributes.user_id`, else `user` (the
/// envelope's partition key); the time is `timestamp`, else `time_ms` (its arrival time).
/// Lift's and touch reconstruction's user attributes fall back on the partition key too.
fn amplify_record<'a>(
    data: AmplifyData<'a>,
    user: Option<Cow<'a, str>>,
    time_ms: Option<i64>,
) -> Record<'a> {
    let (mut attributes, user_id) = match data.attributes {
        Some(a) => (Some(a.stamp), a.user_id),
        None => (None, None),
    };
    if let Some(key) = user.as_ref().filter(|u| !u.is_empty()) {
        let a = attributes.get_or_insert_with(Attributes::default);
        if a.user.as_deref().is_none_or(str::is_empty) {
            a.user = Some(key.clone());
        }
        if reads_touches() {
            let touch = a.touch_mut();
            if touch.user.as_deref().is_none_or(str::is_empty) {
                touch.user = Some(key.clone());
            }
        }
    }
    let user = user_id
        .filter(|u| !u.is_empty())
        .or_else(|| user.filter(|u| !u.is_empty()));
    Record {
        event_type: data.name,
        event_id: None,
        event_timestamp: data.timestamp.and_then(|t| t.0).or(time_ms),
        client: user.map(|u| Client { client_id: Some(u) }),
        attributes,
        metrics: data.metrics,
        client_context: None,
    }
}

/// Parses one object of a line (`text`, starting at byte `column` of it) as `shape`;
/// `Err` is the skip reason, naming the field. An SES event record is not parsed here:
/// only touch reconstruction reads it, with its own SES configuration.
pub(super) fn parse_object(text: &str, shape: Shape, column: usize) -> Result<Object<'_>, String> {
    match shape {
        Shape::Ses | Shape::SnsNotification => Ok(Object::Ses),
        _ => parse_event(text, shape, column).map(Object::Event),
    }
}

/// An event record of `shape` (not an SES one).
fn parse_event(text: &str, shape: Shape, column: usize) -> Result<Parsed<'_>, String> {
    match shape {
        Shape::Pinpoint => parse_record(text)
            .map(|record| Parsed {
                record,
                amplify: false,
            })
            .map_err(|e| reason(text, &e, column, &RECORD_SCHEMA)),
        Shape::Amplify => serde_json::from_str::<AmplifyData<'_>>(text)
            .map(|data| Parsed {
                record: amplify_record(data, None, None),
                amplify: true,
            })
            .map_err(|e| reason(text, &e, column, &Schema::Amplify)),
        Shape::Kinesis => {
            let KinesisRecord(r) = serde_json::from_str(text)
                .map_err(|e| reason(text, &e, column, &KINESIS_RECORD_SCHEMA))?;
            decoded("Data", &r.data, r.partition_key, r.arrival)
        }
        Shape::LambdaKinesis => {
            let r = serde_json::from_str::<LambdaKinesisRecord<'_>>(text)
                .map_err(|e| reason(text, &e, column, &LAMBDA_KINESIS_RECORD_SCHEMA))?;
            let k = r.kinesis;
            decoded("kinesis.data", &k.data, k.partition_key, k.arrival)
        }
        Shape::Ses | Shape::SnsNotification | Shape::Unknown => Err(format!(
            "not an event record: no `event_type` (Pinpoint), `name` (Amplify stream data), \
             `Data` (Kinesis record), `kinesis` (Lambda Kinesis record), or `eventType` and \
             `mail` (SES event record) in the record (column {})",
            start_column(text, column)
        )),
    }
}

/// The 1-based column of the `{` of `text`, which starts at byte `column` of its line.
pub(super) fn start_column(text: &str, column: usize) -> usize {
    column + text.len() - text.trim_start().len() + 1
}

/// The record in a Kinesis envelope's base64 `data` (the field is named `field`).
fn decoded<'a>(
    field: &str,
    data: &str,
    partition_key: Option<Cow<'a, str>>,
    arrival: Option<EpochMs>,
) -> Result<Parsed<'a>, String> {
    let bytes = base64::decode(data).map_err(|e| format!("invalid base64 in {field}: {e}"))?;
    let json = String::from_utf8(bytes).map_err(|e| {
        format!(
            "{field} is not UTF-8 text once base64-decoded (invalid byte at offset {}): \
             expected the JSON of an Amplify event",
            e.utf8_error().valid_up_to()
        )
    })?;
    let in_field = |e: String| format!("in the base64-decoded {field}: {e}");
    let time_ms = arrival.and_then(|a| a.0);
    match serde_json::from_str::<Probe>(&json) {
        Ok(Probe(Shape::Pinpoint)) => {
            let record = parse_record(&json)
                .map_err(|e| in_field(reason(&json, &e, 0, &RECORD_SCHEMA)))?
                .into_owned();
            Ok(Parsed {
                record,
                amplify: false,
            })
        }
        Ok(Probe(Shape::Amplify)) => {
            let record = serde_json::from_str::<AmplifyData<'_>>(&json)
                .map(|d| amplify_record(d, partition_key, time_ms).into_owned())
                .map_err(|e| in_field(reason(&json, &e, 0, &Schema::Amplify)))?;
            Ok(Parsed {
                record,
                amplify: true,
            })
        }
        Ok(_) => Err(in_field(
            "not an event: no `name` (Amplify event) or `event_type` (Pinpoint event) in the record"
                .to_owned(),
        )),
        Err(e) => Err(in_field(reason(&json, &e, 0, &Schema::Ignored))),
    }
}

#[cfg(any(test, feature = "path-oracle"))]
pub(super) mod oracle {
    //! The paths as `serde_path_to_error` gives them, which [`field_path`] must match.
    use serde::Deserialize;
    use serde::de::IgnoredAny;

    use super::{AmplifyData, KinesisRecord, LambdaKinesisRecord, RECORD_SCHEMA, Schema};
    use crate::record::Record;

    /// Where the first error in `text` is (`at <JSON path>`, or `in the record`), so a skip
    /// reason names the field. Only run for objects that failed to parse.
    pub(super) fn error_path<'a, T: Deserialize<'a>>(text: &'a str) -> String {
        let mut de = serde_json::Deserializer::from_str(text);
        loop {
            let path = match serde_path_to_error::deserialize::<_, T>(&mut de) {
                Ok(_) if de.end().is_err() => continue,
                Ok(_) => return "in the record".into(),
                Err(e) => e.path().to_string(),
            };
            // `?` is a key not read yet (e.g. the input ended before it).
            let path = path.trim_end_matches(".?");
            return if path == "." || path == "?" {
                "in the record".into()
            } else {
                format!("at {path}")
            };
        }
    }

    /// Each shape's schema with its type's `serde_path_to_error` path.
    /// A shape's name, its schema, and its type's path of the first error of a text.
    pub(crate) type Shape = (&'static str, &'static Schema, fn(&str) -> String);

    pub(crate) fn shapes() -> Vec<Shape> {
        vec![
            ("Record", &RECORD_SCHEMA, |t| error_path::<Record<'_>>(t)),
            ("AmplifyData", &Schema::Amplify, |t| {
                error_path::<AmplifyData<'_>>(t)
            }),
            ("KinesisRecord", &super::KINESIS_RECORD_SCHEMA, |t| {
                error_path::<KinesisRecord<'_>>(t)
            }),
            (
                "LambdaKinesisRecord",
                &super::LAMBDA_KINESIS_RECORD_SCHEMA,
                |t| error_path::<LambdaKinesisRecord<'_>>(t),
            ),
            ("IgnoredAny", &Schema::Ignored, |t| {
                error_path::<IgnoredAny>(t)
            }),
        ]
    }
}

#[cfg(test)]
mod struct_tests {
    //! Each struct-like shape's reader against its [`Struct`]: a field the struct requires
    //! is the only kind whose absence the reader refuses, and a field is read as its schema
    //! says (a value its schema refuses fails the reader, at that field).
    #![allow(clippy::unwrap_used)]
    use super::{
        Client, KINESIS_RECORD, KinesisRecord, LAMBDA_KINESIS, LAMBDA_KINESIS_RECORD,
        LambdaKinesisRecord, Schema, Struct, field_path,
    };
    use crate::record::{CLIENT, RECORD, Record};

    /// A struct with the typed reader that reads it.
    type Reader = (&'static Struct, fn(&str) -> Result<(), serde_json::Error>);

    fn readers() -> [Reader; 5] {
        [
            (&RECORD, |t| serde_json::from_str::<Record<'_>>(t).map(drop)),
            (&CLIENT, |t| serde_json::from_str::<Client<'_>>(t).map(drop)),
            (&KINESIS_RECORD, |t| {
                serde_json::from_str::<KinesisRecord<'_>>(t).map(drop)
            }),
            (&LAMBDA_KINESIS, |t| {
                serde_json::from_str::<LambdaKinesisRecord<'_>>(&format!(r#"{{"kinesis":{t}}}"#))
                    .map(drop)
            }),
            (&LAMBDA_KINESIS_RECORD, |t| {
                serde_json::from_str::<LambdaKinesisRecord<'_>>(t).map(drop)
            }),
        ]
    }

    /// A value `schema` accepts.
    fn valid(schema: &Schema) -> String {
        match schema {
            Schema::Struct(s) => object(s, None),
            Schema::Option(_) => "null".into(),
            Schema::Attributes { .. } | Schema::Metrics => "{}".into(),
            Schema::Amplify => r#"{"name":"x"}"#.into(),
            Schema::Flat | Schema::Ignored | Schema::F64 => "1".into(),
            Schema::Str => r#""x""#.into(),
        }
    }

    /// Whether `schema` refuses an array.
    fn refuses_an_array(schema: &Schema) -> bool {
        !matches!(schema, Schema::Flat | Schema::Ignored)
            && !matches!(schema, Schema::Option(inner) if matches!(inner, Schema::Flat))
    }

    /// `s` with every field at a valid value, but field `except` (absent, or `Some(value)`).
    fn object(s: &Struct, except: Option<(usize, Option<&str>)>) -> String {
        let fields: Vec<String> = (s.names.iter().zip(s.fields).enumerate())
            .filter_map(|(i, (name, schema))| match except {
                Some((j, None)) if i == j => None,
                Some((j, Some(value))) if i == j => Some(format!("\"{name}\":{value}")),
                _ => Some(format!("\"{name}\":{}", valid(schema))),
            })
            .collect();
        format!("{{{}}}", fields.join(","))
    }

    #[test]
    fn each_reader_reads_its_struct_as_described() {
        for (s, read) in readers() {
            read(&object(s, None)).unwrap();
            for (i, (name, schema)) in s.names.iter().zip(s.fields).enumerate() {
                let required = s.required & (1 << i) != 0;
                let without = object(s, Some((i, None)));
                match read(&without) {
                    Err(e) if required => {
                        assert!(
                            e.to_string()
                                .starts_with(&format!("missing field `{name}`"))
                        );
                    }
                    Ok(()) if !required => {}
                    got => panic!("{}.{name} (required: {required}): {got:?}", s.name),
                }
                let array = object(s, Some((i, Some("[1]"))));
                assert_eq!(
                    read(&array).is_err(),
                    refuses_an_array(schema),
                    "{}.{name} given an array",
                    s.name
                );
                if refuses_an_array(schema) {
                    assert_eq!(
                        field_path::error_path(&array, &Schema::Struct(s)),
                        format!("at {name}"),
                        "{}.{name}",
                        s.name
                    );
                }
            }
        }
    }
}
