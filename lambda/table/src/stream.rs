//! DynamoDB stream records (the JSON Lambda receives) into [`StreamChange`]s, one record at
//! a time so a malformed record fails alone.

use journey_attribution_core::sync::{ChangeKind, Image, StreamChange, TTL_PRINCIPAL};
use serde_json::Value;

use crate::item::{Item, ItemValue, from_item};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct RecordError {
    pub field: String,
    pub reason: String,
}

fn err(field: impl Into<String>, reason: impl Into<String>) -> RecordError {
    RecordError {
        field: field.into(),
        reason: reason.into(),
    }
}

/// A decoded record: its sequence number (the partial-batch `itemIdentifier`) and change.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedRecord {
    pub sequence_number: String,
    pub change: StreamChange,
}

/// The record's sequence number, if it has one: needed to report a record that fails to decode.
pub fn sequence_number(record: &Value) -> Option<&str> {
    record.pointer("/dynamodb/SequenceNumber")?.as_str()
}

/// The user a record is about (its key, else an image's `username`), if readable: lets
/// `sync` hold back a user's later records after one of theirs failed, even when the
/// failed record is otherwise malformed.
pub fn record_username(record: &Value) -> Option<&str> {
    ["Keys", "NewImage", "OldImage"].iter().find_map(|image| {
        record
            .get("dynamodb")?
            .get(image)?
            .get(crate::item::USERNAME)?
            .get("S")?
            .as_str()
    })
}

pub fn decode_record(record: &Value) -> Result<DecodedRecord, RecordError> {
    let sequence_number = sequence_number(record)
        .ok_or_else(|| err("dynamodb.SequenceNumber", "missing or not a string"))?
        .to_owned();
    let kind = match record.get("eventName").and_then(Value::as_str) {
        Some("INSERT") => ChangeKind::Insert,
        Some("MODIFY") => ChangeKind::Modify,
        Some("REMOVE") => ChangeKind::Remove,
        Some(other) => return Err(err("eventName", format!("unknown event {other:?}"))),
        None => return Err(err("eventName", "missing or not a string")),
    };
    let ttl_delete = match record.get("userIdentity") {
        None | Some(Value::Null) => false,
        Some(identity) => {
            identity.get("type").and_then(Value::as_str) == Some("Service")
                && identity.get("principalId").and_then(Value::as_str) == Some(TTL_PRINCIPAL)
        }
    };
    // An image's DynamoDB JSON must be well-formed (else the record fails here); whether
    // its item is an attribution is for `sync::decide` to ask, of the image it needs.
    let image = |name: &str| -> Result<Option<Image>, RecordError> {
        match record.pointer(&format!("/dynamodb/{name}")) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => decode_item(v, &format!("dynamodb.{name}")).map(|i| Some(from_item(&i))),
        }
    };
    Ok(DecodedRecord {
        sequence_number,
        change: StreamChange {
            kind,
            ttl_delete,
            old_image: image("OldImage")?,
            new_image: image("NewImage")?,
        },
    })
}

/// A DynamoDB-JSON item (`{"name": {"S": "x"}, ...}`).
pub fn decode_item(value: &Value, path: &str) -> Result<Item, RecordError> {
    let map = value
        .as_object()
        .ok_or_else(|| err(path, "expected an object of attributes"))?;
    let mut item = Item::new();
    for (name, av) in map {
        let field = || format!("{path}.{name}");
        let typed = av
            .as_object()
            .filter(|o| o.len() == 1)
            .ok_or_else(|| err(field(), "expected one type descriptor, e.g. {\"S\": ...}"))?;
        let (ty, v) = typed.iter().next().ok_or_else(|| err(field(), "empty"))?;
        let decoded = match (ty.as_str(), v) {
            ("S", Value::String(s)) => ItemValue::S(s.clone()),
            ("N", Value::String(n)) => ItemValue::N(n.clone()),
            ("S" | "N", _) => return Err(err(field(), format!("{ty} value must be a string"))),
            ("B", _) => ItemValue::Other("B"),
            ("BOOL", _) => ItemValue::Other("BOOL"),
            ("NULL", _) => ItemValue::Other("NULL"),
            ("M", _) => ItemValue::Other("M"),
            ("L", _) => ItemValue::Other("L"),
            ("SS", _) => ItemValue::Other("SS"),
            ("NS", _) => ItemValue::Other("NS"),
            ("BS", _) => ItemValue::Other("BS"),
            (other, _) => return Err(err(field(), format!("unknown type descriptor {other:?}"))),
        };
        item.insert(name.clone(), decoded);
    }
    Ok(item)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_the_broken_field() {
        let e = decode_record(&json!({"eventName": "INSERT"})).unwrap_err();
        assert_eq!(e.field, "dynamodb.SequenceNumber");
        let e = decode_record(&json!({"eventName": "PUT", "dynamodb": {"SequenceNumber": "1"}}))
            .unwrap_err();
        assert_eq!(e.to_string(), "eventName: unknown event \"PUT\"");
        let e = decode_record(&json!({"eventName": "INSERT",
            "dynamodb": {"SequenceNumber": "1", "NewImage": {"username": {"S": 5}}}}))
        .unwrap_err();
        assert_eq!(e.field, "dynamodb.NewImage.username");
    }

    #[test]
    fn the_user_of_a_record_comes_from_its_key_or_an_image() {
        let key = json!({"dynamodb": {"Keys": {"username": {"S": "zoë"}}, "NewImage": 5}});
        assert_eq!(record_username(&key), Some("zoë"));
        let old = json!({"dynamodb": {"OldImage": {"username": {"S": "bob"}}}});
        assert_eq!(record_username(&old), Some("bob"));
        assert_eq!(
            record_username(&json!({"dynamodb": {"Keys": {"username": {"N": "1"}}}})),
            None
        );
        assert_eq!(record_username(&json!({})), None);
    }

    #[test]
    fn only_the_dynamodb_service_principal_is_a_ttl_delete() {
        let rec = |identity: Value| {
            decode_record(&json!({"eventName": "REMOVE", "userIdentity": identity,
                "dynamodb": {"SequenceNumber": "1"}}))
            .unwrap()
            .change
            .ttl_delete
        };
        assert!(rec(
            json!({"type": "Service", "principalId": "dynamodb.amazonaws.com"})
        ));
        assert!(!rec(
            json!({"type": "User", "principalId": "dynamodb.amazonaws.com"})
        ));
        assert!(!rec(
            json!({"type": "Service", "principalId": "lambda.amazonaws.com"})
        ));
        assert!(!rec(Value::Null));
    }
}
