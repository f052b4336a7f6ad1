//! The attribution table and the touch ledger on DynamoDB: the [`AttributionStore`],
//! [`AttributionReader`] and [`TouchLedger`] ports. The item's names and types (the public
//! table contract) come from `journey_attribution_table::item`.

use std::collections::HashMap;

use aws_sdk_dynamodb as dynamodb;
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use journey_attribution_core::{Attribution, WriteDecision};
use journey_attribution_table::item::{self, Item, ItemValue};

use crate::error::{is_transient, sdk_message};
use crate::ports::{AttributionReader, AttributionStore, StoreError, TouchLedger};

/// The attribution table on DynamoDB.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: dynamodb::Client,
    table: String,
}

/// The conditional write expresses `Campaign::precedence` exactly: the new attribution is
/// written iff there is none, or it is strictly greater in (touched_at, journey_id,
/// expires_at, label, application_id). DynamoDB compares N numerically and S byte-wise
/// (UTF-8), as core does. A stored item whose `touched_at` is missing or not a number (an
/// older or foreign format) counts as older: every comparison with it is false, so without
/// the type check it would refuse every write for its user, forever.
pub const PUT_IF_NEWER_CONDITION: &str = "attribute_not_exists(#u) OR attribute_not_exists(#t) \
    OR NOT attribute_type(#t, :number) OR #t < :t OR (#t = :t AND \
    (#j < :j OR (#j = :j AND (#e < :e OR (#e = :e AND (#l < :l OR (#l = :l AND #a < :a)))))))";

impl DynamoStore {
    pub fn new(client: dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    async fn read(&self, username: &str) -> Result<Option<Attribution>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(item::USERNAME, AttributeValue::S(username.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| store_error(&e))?;
        out.item()
            .map(|i| {
                item::from_item(&from_sdk(i))
                    .map_err(|e| StoreError::Permanent(format!("stored item: {e}")))
            })
            .transpose()
    }
}

impl AttributionReader for DynamoStore {
    /// A consistent read: a touch written a moment before a sign-in is in its token.
    async fn get(&self, username: &str) -> Result<Option<Attribution>, StoreError> {
        self.read(username).await
    }
}

fn store_error<E: ProvideErrorMetadata + std::error::Error + 'static>(
    e: &SdkError<E, HttpResponse>,
) -> StoreError {
    let msg = sdk_message(e);
    if is_transient(e) {
        StoreError::Transient(msg)
    } else {
        StoreError::Permanent(msg)
    }
}

/// Core's item to the SDK's.
pub fn to_sdk(item: &Item) -> HashMap<String, AttributeValue> {
    item.iter()
        .filter_map(|(k, v)| {
            let v = match v {
                ItemValue::S(s) => AttributeValue::S(s.clone()),
                ItemValue::N(n) => AttributeValue::N(n.clone()),
                ItemValue::Other(_) => return None,
            };
            Some((k.clone(), v))
        })
        .collect()
}

/// The SDK's item to core's.
pub fn from_sdk(item: &HashMap<String, AttributeValue>) -> Item {
    item.iter()
        .map(|(k, v)| {
            let v = match v {
                AttributeValue::S(s) => ItemValue::S(s.clone()),
                AttributeValue::N(n) => ItemValue::N(n.clone()),
                AttributeValue::B(_) => ItemValue::Other("B"),
                AttributeValue::Bool(_) => ItemValue::Other("BOOL"),
                AttributeValue::Null(_) => ItemValue::Other("NULL"),
                AttributeValue::M(_) => ItemValue::Other("M"),
                AttributeValue::L(_) => ItemValue::Other("L"),
                AttributeValue::Ss(_) => ItemValue::Other("SS"),
                AttributeValue::Ns(_) => ItemValue::Other("NS"),
                AttributeValue::Bs(_) => ItemValue::Other("BS"),
                _ => ItemValue::Other("unknown"),
            };
            (k.clone(), v)
        })
        .collect()
}

type PutResult = Result<
    dynamodb::operation::put_item::PutItemOutput,
    SdkError<dynamodb::operation::put_item::PutItemError, HttpResponse>,
>;

/// A conditional `PutItem`'s result: `None` when written; `Some(old)` when the condition
/// failed, with the item it failed on if the service returned it (`ALL_OLD`).
fn refusal(
    result: PutResult,
) -> Result<Option<Option<HashMap<String, AttributeValue>>>, StoreError> {
    let err = match result {
        Ok(_) => return Ok(None),
        Err(err) => err,
    };
    match err.as_service_error() {
        Some(dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(
            failed,
        )) => Ok(Some(failed.item().cloned())),
        _ => Err(store_error(&err)),
    }
}

/// The touch ledger on DynamoDB: partition key `key` (S), `touched_at` (N, epoch ms),
/// `expires_at` (N, epoch s, the table's TTL attribute). No stream: nothing projects it.
#[derive(Debug, Clone)]
pub struct DynamoLedger {
    client: dynamodb::Client,
    table: String,
}

pub const LEDGER_KEY: &str = "key";
pub const LEDGER_TOUCHED_AT: &str = "touched_at";
pub const LEDGER_EXPIRES_AT: &str = "expires_at";

impl DynamoLedger {
    pub fn new(client: dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }
}

fn ledger_time(item: &HashMap<String, AttributeValue>) -> Result<i64, StoreError> {
    match item.get(LEDGER_TOUCHED_AT) {
        Some(AttributeValue::N(n)) => n.parse().map_err(|_| {
            StoreError::Permanent(format!(
                "ledger item: {LEDGER_TOUCHED_AT}: not an integer: {n}"
            ))
        }),
        _ => Err(StoreError::Permanent(format!(
            "ledger item: {LEDGER_TOUCHED_AT}: missing or not a number"
        ))),
    }
}

impl TouchLedger for DynamoLedger {
    async fn first_seen(
        &self,
        key: &str,
        touched_at_ms: i64,
        expires_at_s: i64,
    ) -> Result<i64, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(LEDGER_KEY, AttributeValue::S(key.to_owned()))
            .item(
                LEDGER_TOUCHED_AT,
                AttributeValue::N(touched_at_ms.to_string()),
            )
            .item(
                LEDGER_EXPIRES_AT,
                AttributeValue::N(expires_at_s.to_string()),
            )
            .condition_expression("attribute_not_exists(#k)")
            .expression_attribute_names("#k", LEDGER_KEY)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match refusal(result)? {
            None => return Ok(touched_at_ms),
            Some(Some(old)) => return ledger_time(&old),
            Some(None) => {}
        }
        // Without ALL_OLD support, read it back.
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(LEDGER_KEY, AttributeValue::S(key.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| store_error(&e))?;
        match out.item() {
            Some(item) => ledger_time(item),
            None => Err(StoreError::Transient(format!(
                "ledger entry {key} vanished between the write and the read"
            ))),
        }
    }
}

impl AttributionStore for DynamoStore {
    async fn put_if_newer(&self, a: &Attribution) -> Result<WriteDecision, StoreError> {
        let item = to_sdk(&item::to_item(a));
        let value = |name: &str| item.get(name).cloned();
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item.clone()))
            .condition_expression(PUT_IF_NEWER_CONDITION)
            .expression_attribute_names("#u", item::USERNAME)
            .expression_attribute_names("#t", item::TOUCHED_AT)
            .expression_attribute_names("#j", item::JOURNEY_ID)
            .expression_attribute_names("#e", item::EXPIRES_AT)
            .expression_attribute_names("#l", item::LABEL)
            .expression_attribute_names("#a", item::APPLICATION_ID)
            .set_expression_attribute_values(Some(HashMap::from_iter(
                [
                    (":t", item::TOUCHED_AT),
                    (":j", item::JOURNEY_ID),
                    (":e", item::EXPIRES_AT),
                    (":l", item::LABEL),
                    (":a", item::APPLICATION_ID),
                ]
                .into_iter()
                .filter_map(|(placeholder, name)| Some((placeholder.to_owned(), value(name)?)))
                .chain([(":number".to_owned(), AttributeValue::S("N".into()))]),
            )))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        // The stored attribution won: say whether it is the same one (a replay) or newer.
        let stored = match refusal(result)? {
            None => return Ok(WriteDecision::Write),
            Some(Some(old)) => Some(
                item::from_item(&from_sdk(&old))
                    .map_err(|e| StoreError::Permanent(format!("stored item: {e}")))?,
            ),
            // Without ALL_OLD support, read it back.
            Some(None) => self.read(&a.username).await?,
        };
        match a.decide(stored.as_ref()) {
            WriteDecision::Write => Err(StoreError::Transient(format!(
                "condition failed but the stored attribution of {} is older (concurrent write?)",
                a.username
            ))),
            decision => Ok(decision),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use journey_attribution_core::Campaign;

    #[test]
    fn items_round_trip_through_the_sdk_types() {
        let a = Attribution {
            username: "zoë".into(),
            campaign: Campaign {
                application_id: "app".into(),
                journey_id: "j".into(),
                label: "".into(),
                touched_at_ms: 1,
                expires_at_s: 2,
            },
        };
        let sdk = to_sdk(&item::to_item(&a));
        assert_eq!(
            sdk.get(item::EXPIRES_AT),
            Some(&AttributeValue::N("2".into()))
        );
        assert_eq!(item::from_item(&from_sdk(&sdk)).unwrap(), a);
    }
}
