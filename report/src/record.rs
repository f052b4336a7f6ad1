//! One Pinpoint event-stream record, as Kinesis / Firehose deliver it, reduced to the fields
//! the report reads. Amplify stream records (see the report's module docs) are reduced to the
//! same [`Record`].
//!
//! The documented shape (Pinpoint developer guide, "App event data stream"):
//! `{"event_type", "event_timestamp", "arrival_timestamp", "event_version", "application":
//! {"app_id", ...}, "client": {"client_id", "cognito_id"}, "device": {...}, "session":
//! {...}, "attributes": {<string>: <string>}, "metrics": {<string>: <number>}}`.
//! Everything not read here is skipped by the parser without allocating; strings without
//! escapes are borrowed from the line.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::field_path::{OPTIONAL, REPEATABLE, REQUIRED, Schema, Struct, structure};
use super::time::EpochMs;
use journey_attribution_core::stamp::{CAMPAIGN_ATTRIBUTE, CAMPAIGN_ID_ATTRIBUTE};

/// The fields of a record the report needs (other fields are skipped; read as
/// `read_struct` reads `RECORD`).
#[derive(Debug)]
pub struct Record<'a> {
    pub event_type: Cow<'a, str>,
    /// The record's own top-level `event_id`, when it is a string (AWS's documented app
    /// event has none; an export that adds one, and flat Amplify data stamped by the
    /// wrappers, have it there).
    pub event_id: Option<Cow<'a, str>>,
    /// Epoch milliseconds when the event happened on the device; `None` also when it was
    /// unreadable (see [`crate::time`]).
    pub event_timestamp: Option<i64>,
    pub client: Option<Client<'a>>,
    pub attributes: Option<Attributes<'a>>,
    pub metrics: Option<Metrics<'a>>,
    /// The JSON text of `client_context`, unread: only touch reconstruction reads it (the
    /// endpoint a journey event embeds, see [`crate::touches`]), and only of the records it
    /// keeps.
    pub client_context: Option<Cow<'a, str>>,
}

#[derive(Debug)]
pub struct Client<'a> {
    pub client_id: Option<Cow<'a, str>>,
}

/// Reads the value of field `i` from the map (see [`read_fields`]).
pub type ReadField<'de, 'f, A> =
    dyn FnMut(usize, &mut A) -> Result<(), <A as MapAccess<'de>>::Error> + 'f;

/// A struct's fields read from a JSON object as serde's derive reads them, with its
/// messages: a field seen twice is a `duplicate field` error; an unknown one is skipped
/// or, with `deny_unknown`, an `unknown field` error; `field(i, map)` reads the value of
/// `names[i]`, and the caller reports a missing required field (`missing_field`, in field
/// order; `read_struct` does it from the struct's description). Returns the fields seen,
/// a bit per field. From an object only: derive also reads a struct from an array of its fields, a
/// form no export or request has. In place of derive's readers, and `field` a `dyn` so
/// that the loop is one instance, for the report module's size (BENCHMARKS.md, "The report
/// module's lean helpers").
pub fn read_fields<'de, A: MapAccess<'de>>(
    map: &mut A,
    names: &'static [&'static str],
    deny_unknown: bool,
    field: &mut ReadField<'de, '_, A>,
) -> Result<u32, A::Error> {
    read_fields_repeating(map, names, deny_unknown, 0, field)
}

/// [`read_fields`], but a field whose bit is in `may_repeat` may appear more than once:
/// `field` reads each of its values.
fn read_fields_repeating<'de, A: MapAccess<'de>>(
    map: &mut A,
    names: &'static [&'static str],
    deny_unknown: bool,
    may_repeat: u32,
    field: &mut ReadField<'de, '_, A>,
) -> Result<u32, A::Error> {
    debug_assert!(names.len() <= 32, "`seen` has a bit per field");
    let mut seen = 0u32;
    while let Some(key) = map.next_key::<BorrowedStr<'de>>()? {
        match names.iter().position(|name| *name == key.0) {
            Some(i) if seen & !may_repeat & (1 << i) != 0 => {
                return Err(de::Error::duplicate_field(names[i]));
            }
            Some(i) => {
                seen |= 1 << i;
                field(i, map)?;
            }
            None if deny_unknown => return Err(de::Error::unknown_field(&key.0, names)),
            None => {
                map.next_value::<IgnoredAny>()?;
            }
        }
    }
    Ok(seen)
}

/// The shape `s` read from a map as [`read_fields`] reads it (unknown fields skipped), its
/// field names and required fields taken from `s`, the description `field_path` walks:
/// `field(i, map)` reads the value of `s.names[i]`. Once it returns, every required field
/// has been read.
pub(super) fn read_struct<'de, A: MapAccess<'de>>(
    map: &mut A,
    s: &'static Struct,
    field: &mut ReadField<'de, '_, A>,
) -> Result<(), A::Error> {
    let seen = read_fields_repeating(map, s.names, false, s.may_repeat, field)?;
    match s.missing(seen) {
        Some(name) => Err(de::Error::missing_field(name)),
        None => Ok(()),
    }
}

/// The visitor's `expecting` of a [`Struct`]'s reader: `struct <name>`, as derive says.
pub(super) fn expecting(s: &Struct, f: &mut fmt::Formatter) -> fmt::Result {
    f.write_str("struct ")?;
    f.write_str(s.name)
}

/// A Pinpoint record, read into [`Record`] (its fields in this order).
pub(super) static RECORD: Struct = structure!("Record" {
    "event_type": Schema::Str, REQUIRED,
    "event_timestamp": Schema::Option(&Schema::Flat), OPTIONAL,
    "client": Schema::Option(&Schema::Struct(&CLIENT)), OPTIONAL,
    "attributes": Schema::Option(&Schema::Attributes { user_id: false }), OPTIONAL,
    "metrics": Schema::Option(&Schema::Metrics), OPTIONAL,
    "event_id": Schema::Flat, OPTIONAL,
    // Read for touch reconstruction only: never a duplicate, so that it fails no record the
    // report alone accepts (the last one counts).
    "client_context": Schema::Ignored, REPEATABLE,
});

/// A record's `client`, read into [`Client`].
pub(super) static CLIENT: Struct = structure!("Client" {
    "client_id": Schema::Option(&Schema::Str), OPTIONAL,
});

impl<'de: 'a, 'a> Deserialize<'de> for Record<'a> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Record<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                expecting(&RECORD, f)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let (mut event_type, mut event_timestamp, mut client) = (None, None, None);
                let (mut attributes, mut metrics, mut event_id) = (None, None, None);
                let mut client_context = None;
                read_struct(&mut map, &RECORD, &mut |i, map| {
                    match i {
                        0 => event_type = Some(map.next_value::<BorrowedStr<'de>>()?.0),
                        1 => event_timestamp = map.next_value::<Option<EpochMs>>()?,
                        2 => client = map.next_value()?,
                        3 => attributes = map.next_value()?,
                        4 => metrics = map.next_value()?,
                        5 => event_id = map.next_value::<AnyStr<'de>>()?.0,
                        _ => {
                            let raw = map.next_value::<&'de RawValue>()?;
                            client_context = Some(Cow::Borrowed(raw.get()));
                        }
                    }
                    Ok(())
                })?;
                Ok(Record {
                    // Required: read_struct has seen it.
                    event_type: event_type.unwrap_or_default(),
                    event_id,
                    event_timestamp: event_timestamp.and_then(|t| t.0),
                    client,
                    attributes,
                    metrics,
                    client_context,
                })
            }
        }
        d.deserialize_map(V)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Client<'a> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Client<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                expecting(&CLIENT, f)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut client_id = None;
                read_struct(&mut map, &CLIENT, &mut |_, map| {
                    client_id = map.next_value::<Option<BorrowedStr<'de>>>()?.map(|s| s.0);
                    Ok(())
                })?;
                Ok(Client { client_id })
            }
        }
        d.deserialize_map(V)
    }
}

/// The two attributes stamping adds (`campaign`, `campaign_id`), the two that identify an
/// event (`event_id`, the order attribute), and those lift and touch reconstruction follow
/// (see the report's `Reading`); other attributes are skipped. All but the stamping ones
/// are read when they are strings and ignored otherwise: a record without a readable id is
/// counted by its content.
#[derive(Debug, Default)]
pub struct Attributes<'a> {
    pub campaign: Option<Cow<'a, str>>,
    pub campaign_id: Option<Cow<'a, str>>,
    pub event_id: Option<Cow<'a, str>>,
    pub order_id: Option<Cow<'a, str>>,
    /// The user attribute lift follows (the report's `Reading::user`) when it is a string;
    /// for Amplify data without it, the Kinesis envelope's partition key.
    pub user: Option<Cow<'a, str>>,
    /// What touch reconstruction reads, when a record has any of it: boxed, so that a
    /// record, moved several times on its way from the parser, stays as small as the report
    /// alone needs (its copies show in the report's MB/s).
    pub touch: Option<Box<TouchAttributes<'a>>>,
}

/// The attributes only touch reconstruction reads.
#[derive(Debug, Default)]
pub struct TouchAttributes<'a> {
    /// Its user attribute (`Reading::touch_user`), when it is not lift's.
    pub user: Option<Cow<'a, str>>,
    /// `journey_id` (`Reading::journey`).
    pub journey_id: Option<Cow<'a, str>>,
}

/// The attribute the wrappers stamp with each event's id (a UUID), in `attributes` (Pinpoint
/// records, nested Amplify data) or at the top level (flat Amplify data).
pub const EVENT_ID_ATTRIBUTE: &str = "event_id";
/// The default attribute holding a goal event's order id.
pub const DEFAULT_ORDER_ATTRIBUTE: &str = "order_id";

/// Which attributes the readers on this thread read besides the fixed ones: settings of the
/// report, kept here rather than threaded through every `Deserialize` impl of the shapes
/// (each report sets them before it reads a line, see `Aggregator::push_line`), and looked
/// up once per attributes object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Reading {
    /// The attribute holding a goal event's order id.
    pub(super) order: String,
    /// The attribute holding the user id lift follows; empty (none read) without lift, so
    /// that a report without lift reads exactly what it did.
    pub user: String,
    /// The attribute holding the user id touch reconstruction follows, when it is not
    /// `user`; empty otherwise.
    pub touch_user: String,
    /// Whether `journey_id` is read (touch reconstruction only).
    pub journey: bool,
}

impl Default for Reading {
    fn default() -> Self {
        Reading {
            order: DEFAULT_ORDER_ATTRIBUTE.to_owned(),
            user: String::new(),
            touch_user: String::new(),
            journey: false,
        }
    }
}

/// What an attribute is to the readers besides a stamping attribute (see [`Reading`]), a bit
/// per role: one attribute may play several (an order attribute named `journey_id`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Roles(u8);

impl Roles {
    pub(super) const ORDER: Roles = Roles(1);
    pub(super) const USER: Roles = Roles(1 << 1);
    pub(super) const TOUCH_USER: Roles = Roles(1 << 2);
    pub(super) const JOURNEY: Roles = Roles(1 << 3);

    pub(super) fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub(super) fn contains(self, role: Roles) -> bool {
        self.0 & role.0 != 0
    }

    /// Whether `key`, with these roles, is the app's `user_id` of Amplify data: unless it is
    /// the order attribute, which wins.
    pub(super) fn is_user_id(self, key: &str) -> bool {
        key == USER_ID_ATTRIBUTE && !self.contains(Roles::ORDER)
    }
}

impl Reading {
    /// What `key` is, besides a stamping attribute and `event_id`.
    pub(super) fn kept(&self, key: &str) -> Roles {
        let role = |on: bool, role: Roles| if on { role.0 } else { 0 };
        Roles(
            role(key == self.order, Roles::ORDER)
                | role(!self.user.is_empty() && key == self.user, Roles::USER)
                | role(
                    !self.touch_user.is_empty() && key == self.touch_user,
                    Roles::TOUCH_USER,
                )
                | role(self.journey && key == JOURNEY_ID_ATTRIBUTE, Roles::JOURNEY),
        )
    }
}

/// The attribute a journey's email events carry (Pinpoint's `attributes.journey_id`).
pub const JOURNEY_ID_ATTRIBUTE: &str = "journey_id";

thread_local! {
    static READING: RefCell<Arc<Reading>> = RefCell::new(Arc::default());
}

/// Makes the readers on this thread read as `reading` says. Called for every line, so it
/// compares pointers, not settings: an aggregator keeps its `Reading` in one `Arc`.
pub(super) fn set_reading(reading: &Arc<Reading>) {
    READING.with_borrow_mut(|current| {
        if !Arc::ptr_eq(current, reading) {
            current.clone_from(reading);
        }
    });
}

/// Whether the readers on this thread read as `reading` says.
pub(super) fn reads(reading: &Arc<Reading>) -> bool {
    READING.with_borrow(|current| Arc::ptr_eq(current, reading))
}

/// Whether the readers on this thread read for touch reconstruction.
pub(super) fn reads_touches() -> bool {
    READING.with_borrow(|r| r.journey)
}

/// What `key` is to the readers' [`Reading`] on this thread.
pub(super) fn kept(key: &str) -> Roles {
    READING.with_borrow(|r| r.kept(key))
}

impl<'a> Attributes<'a> {
    /// The attributes only touch reconstruction reads, made when first needed.
    pub(super) fn touch_mut(&mut self) -> &mut TouchAttributes<'a> {
        self.touch.get_or_insert_with(Box::default)
    }

    /// Keeps `value` as each of `roles`.
    pub(super) fn keep(&mut self, roles: Roles, value: Option<Cow<'a, str>>) {
        if roles.contains(Roles::ORDER) {
            self.order_id.clone_from(&value);
        }
        if roles.contains(Roles::USER) {
            self.user.clone_from(&value);
        }
        if roles.contains(Roles::TOUCH_USER) {
            self.touch_mut().user.clone_from(&value);
        }
        if roles.contains(Roles::JOURNEY) {
            self.touch_mut().journey_id = value;
        }
    }
}

/// A string, or (any other JSON value, skipped) nothing.
pub(super) struct AnyStr<'a>(pub(super) Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for AnyStr<'a> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = AnyStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(AnyStr(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(AnyStr(Some(Cow::Owned(v.to_owned()))))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(AnyStr(Some(Cow::Owned(v))))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(AnyStr(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(AnyStr(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(AnyStr(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(AnyStr(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(AnyStr(None))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(AnyStr(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(AnyStr(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// A record's metrics, in record order (usually none or a handful).
#[derive(Debug, Default)]
pub struct Metrics<'a>(pub Vec<(Cow<'a, str>, f64)>);

impl Metrics<'_> {
    pub fn get(&self, name: &str) -> Option<f64> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| *v)
    }
}

impl Record<'_> {
    /// The same record, owning its strings.
    pub fn into_owned(self) -> Record<'static> {
        let own = |c: Cow<'_, str>| Cow::Owned(c.into_owned());
        Record {
            event_type: own(self.event_type),
            event_id: self.event_id.map(own),
            event_timestamp: self.event_timestamp,
            client: self.client.map(|c| Client {
                client_id: c.client_id.map(own),
            }),
            attributes: self.attributes.map(|a| Attributes {
                campaign: a.campaign.map(own),
                campaign_id: a.campaign_id.map(own),
                event_id: a.event_id.map(own),
                order_id: a.order_id.map(own),
                user: a.user.map(own),
                touch: a.touch.map(|t| {
                    Box::new(TouchAttributes {
                        user: t.user.map(own),
                        journey_id: t.journey_id.map(own),
                    })
                }),
            }),
            metrics: self
                .metrics
                .map(|m| Metrics(m.0.into_iter().map(|(k, v)| (own(k), v)).collect())),
            client_context: self.client_context.map(own),
        }
    }
}

/// Parses one JSON object; `Err` says what is wrong with it.
pub fn parse_record(json: &str) -> Result<Record<'_>, serde_json::Error> {
    serde_json::from_str(json)
}

/// A `Cow<str>` that borrows from the input when it can (serde's `Cow` impl always owns).
pub(super) struct BorrowedStr<'a>(pub(super) Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for BorrowedStr<'a> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = BorrowedStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(BorrowedStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(BorrowedStr(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(BorrowedStr(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Attributes<'a> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Attributes<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of string attributes")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                read_attributes(map, None)
            }
        }
        d.deserialize_map(V)
    }
}

/// The attributes of an attributes object the report keeps (see [`Attributes`]) and, when
/// `user_id` is given, the attribute [`USER_ID_ATTRIBUTE`] into it; every other attribute
/// is skipped unread.
pub(super) fn read_attributes<'de, A: MapAccess<'de>>(
    mut map: A,
    mut user_id: Option<&mut Option<Cow<'de, str>>>,
) -> Result<Attributes<'de>, A::Error> {
    let mut out = Attributes::default();
    while let Some(key) = map.next_key::<BorrowedStr<'de>>()? {
        let key = key.0;
        if key == CAMPAIGN_ATTRIBUTE {
            out.campaign = Some(map.next_value::<BorrowedStr<'de>>()?.0);
        } else if key == CAMPAIGN_ID_ATTRIBUTE {
            out.campaign_id = Some(map.next_value::<BorrowedStr<'de>>()?.0);
        } else if key == EVENT_ID_ATTRIBUTE {
            out.event_id = map.next_value::<AnyStr<'de>>()?.0;
        } else {
            let roles = kept(&key);
            match user_id.as_deref_mut() {
                Some(slot) if roles.is_user_id(&key) => {
                    let value = map.next_value::<BorrowedStr<'de>>()?.0;
                    out.keep(roles, Some(value.clone()));
                    *slot = Some(value);
                }
                _ if !roles.is_empty() => out.keep(roles, map.next_value::<AnyStr<'de>>()?.0),
                _ => map.next_value::<IgnoredAny>().map(drop)?,
            }
        }
    }
    Ok(out)
}

/// The attribute holding the app's user id on Amplify stream records (the default of the
/// touch reconstruction's `user_attribute`).
pub const USER_ID_ATTRIBUTE: &str = "user_id";

impl<'de: 'a, 'a> Deserialize<'de> for Metrics<'a> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Metrics<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of numeric metrics")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(key) = map.next_key::<BorrowedStr<'de>>()? {
                    let value: f64 = map.next_value()?;
                    out.push((key.0, value));
                }
                Ok(Metrics(out))
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reads_the_documented_app_event() {
        let line = include_str!("../../tests/fixtures/report/session-stop.json");
        let r = parse_record(line).unwrap();
        assert_eq!(r.event_type, "_session.stop");
        assert_eq!(r.event_timestamp, Some(1487973802507));
        assert!(matches!(
            r.client.unwrap().client_id,
            Some(Cow::Borrowed("m3n4o5p6-a1b2-c3d4-e5f6-g7h8i9j0k1l2"))
        ));
        assert!(r.attributes.unwrap().campaign.is_none());
        assert!(r.metrics.unwrap().0.is_empty());
    }

    #[test]
    fn reads_campaign_attributes_and_metrics_and_borrows_plain_strings() {
        let line = r#"{"event_type":"purchase","attributes":{"plan":"pro","campaign":"Spring \"sale\"","campaign_id":"j-1"},"metrics":{"items":2,"revenue":19.5},"client":{"client_id":"c1"}}"#;
        let r = parse_record(line).unwrap();
        let a = r.attributes.unwrap();
        assert_eq!(a.campaign.as_deref(), Some("Spring \"sale\""));
        assert!(matches!(a.campaign_id, Some(Cow::Borrowed("j-1"))));
        assert!(matches!(r.event_type, Cow::Borrowed("purchase")));
        let m = r.metrics.unwrap();
        assert_eq!(m.get("revenue"), Some(19.5));
        assert_eq!(m.get("items"), Some(2.0));
        assert_eq!(m.get("absent"), None);
    }

    #[test]
    fn rejects_what_is_not_a_record() {
        for bad in [
            "",
            "not json",
            "[]",
            r#"{"attributes":{}}"#,
            r#"{"event_type":"x","metrics":{"revenue":"12"}}"#,
            r#"{"event_type":"x","attributes":{"campaign":3}}"#,
            r#"{"event_type":"x""#,
        ] {
            assert!(parse_record(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
