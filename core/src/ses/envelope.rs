//! The envelopes SES events arrive in: a configuration set's EventBridge destination
//! (`detail` is the SES event record), an SNS destination (each `Records[i].Sns.Message`
//! is the record as a JSON string), or a bare record (tooling).

use serde_json::{Map, Value};

use super::error;
use crate::pinpoint::InvocationError;

/// Hands each SES event record of one delivery to `each`, in order: the id to answer it
/// under (the SNS MessageId, the EventBridge `id`, or mail.messageId for a bare record),
/// the record's JSON path, and the record or why it could not be taken out. `Err` only
/// when the envelope itself is unusable.
pub(super) fn each_record(
    event: Value,
    mut each: impl FnMut(String, &str, Result<Map<String, Value>, InvocationError>),
) -> Result<(), InvocationError> {
    let Value::Object(mut envelope) = event else {
        return Err(error("(event)", "not a JSON object"));
    };
    if let Some(records) = envelope.remove("Records") {
        let Value::Array(records) = records else {
            return Err(error("Records", "not an array"));
        };
        for (i, record) in records.into_iter().enumerate() {
            let at = format!("Records[{i}]");
            let (id, message) = sns_message(record, &at);
            let path = format!("{at}.Sns.Message");
            each(id.unwrap_or(at), &path, message);
        }
    } else if envelope.contains_key("detail") || envelope.contains_key("detail-type") {
        // EventBridge: the SES record is `detail`; without it there is nothing to attribute.
        let detail = match envelope.remove("detail") {
            Some(Value::Object(detail)) => detail,
            Some(_) => return Err(error("detail", "not a JSON object")),
            None => return Err(error("detail", "missing")),
        };
        let id = match envelope.get("id") {
            Some(Value::String(id)) if !id.is_empty() => id.clone(),
            _ => message_id_of(&detail).unwrap_or_else(|| "(event)".into()),
        };
        each(id, "detail", Ok(detail));
    } else {
        let id = message_id_of(&envelope).unwrap_or_else(|| "(event)".into());
        each(id, "", Ok(envelope));
    }
    Ok(())
}

/// One SNS record's MessageId (when it has one, even if its Message is bad) and its
/// Message as a JSON object.
fn sns_message(
    record: Value,
    at: &str,
) -> (Option<String>, Result<Map<String, Value>, InvocationError>) {
    let Value::Object(mut record) = record else {
        return (None, Err(error(at, "not a JSON object")));
    };
    let Some(Value::Object(sns)) = record.remove("Sns") else {
        let reason = "missing or not an object (not an SNS notification)";
        return (None, Err(error(&format!("{at}.Sns"), reason)));
    };
    notification_message(sns, &format!("{at}.Sns."))
}

/// An SNS notification's MessageId (when it has one) and its `Message` as a JSON object;
/// `at` prefixes the field names of errors (`""` for a notification read on its own).
pub(super) fn notification_message(
    mut sns: Map<String, Value>,
    at: &str,
) -> (Option<String>, Result<Map<String, Value>, InvocationError>) {
    let id = match sns.get("MessageId") {
        Some(Value::String(id)) if !id.is_empty() => Some(id.clone()),
        _ => None,
    };
    let field = format!("{at}Message");
    let message = match sns.remove("Message") {
        Some(Value::String(text)) => serde_json::from_str::<Value>(&text)
            .map_err(|e| error(&field, &format!("not JSON: {e}"))),
        // Tooling may hand over the record already decoded.
        Some(object @ Value::Object(_)) => Ok(object),
        Some(_) => Err(error(&field, "not a string")),
        None => Err(error(&field, "missing")),
    };
    let message = message.and_then(|m| match m {
        Value::Object(message) => Ok(message),
        _ => Err(error(&field, "not a JSON object")),
    });
    (id, message)
}

fn message_id_of(record: &Map<String, Value>) -> Option<String> {
    match record.get("mail")?.get("messageId")? {
        Value::String(id) if !id.is_empty() => Some(id.clone()),
        _ => None,
    }
}
