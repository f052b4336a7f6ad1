//! The AWS adapters: the attribution table on DynamoDB, user attributes on Cognito.
//! SDK types stop here; the table contract comes from core's `item` module.

use std::collections::HashMap;

use aws_sdk_cognitoidentityprovider as cognito;
use aws_sdk_dynamodb as dynamodb;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use journey_attribution_core::{Attribution, WriteDecision};
use journey_attribution_table::item::{self, Item, ItemValue};

use crate::ports::{
    AttributionReader, AttributionStore, FailureQueue, QueueError, StoreError, TouchLedger,
    UserAttributes, UserError,
};

/// Error codes AWS uses for throttling and transient server trouble.
const TRANSIENT_CODES: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "InternalServerError",
    "InternalErrorException",
    "ServiceUnavailable",
    "TransactionConflictException",
];

/// Whether an SDK error is worth retrying: timeouts, I/O, throttling, 5xx.
fn is_transient<E: ProvideErrorMetadata, R>(
    err: &SdkError<E, R>,
    status: impl Fn(&R) -> u16,
) -> bool {
    match err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        SdkError::ServiceError(se) => {
            se.err()
                .code()
                .is_some_and(|c| TRANSIENT_CODES.contains(&c))
                || status(se.raw()) >= 500
        }
        _ => false,
    }
}

/// A one-line description: the service's code and message, else the SDK's error chain.
fn describe<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(
    e: &SdkError<E, R>,
) -> String {
    match e {
        SdkError::ServiceError(se) => format!(
            "{}: {}",
            se.err().code().unwrap_or("UnknownError"),
            se.err().message().unwrap_or("(no message)")
        ),
        other => DisplayErrorContext(other).to_string(),
    }
}

fn http_status(r: &aws_sdk_dynamodb::config::http::HttpResponse) -> u16 {
    r.status().as_u16()
}

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
    e: &SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>,
) -> StoreError {
    let msg = describe(e);
    if is_transient(e, http_status) {
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
    SdkError<
        dynamodb::operation::put_item::PutItemError,
        aws_sdk_dynamodb::config::http::HttpResponse,
    >,
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

/// User attributes on a Cognito user pool.
#[derive(Debug, Clone)]
pub struct CognitoUserPool {
    client: cognito::Client,
    pool_id: String,
}

impl CognitoUserPool {
    pub fn new(client: cognito::Client, pool_id: impl Into<String>) -> Self {
        Self {
            client,
            pool_id: pool_id.into(),
        }
    }
}

fn user_error<E: ProvideErrorMetadata + std::error::Error + 'static>(
    e: &SdkError<E, cognito::config::http::HttpResponse>,
) -> UserError {
    let msg = describe(e);
    match e.code() {
        Some("UserNotFoundException") => UserError::NotFound(msg),
        Some("TooManyRequestsException") => UserError::Throttled(msg),
        _ if is_transient(e, |r| r.status().as_u16()) => UserError::Transient(msg),
        _ => UserError::Permanent(msg),
    }
}

impl CognitoUserPool {
    /// How the pool compares usernames (`UsernameConfiguration.CaseSensitive`; a pool
    /// without it, created before the setting existed, is case-sensitive).
    pub async fn username_rule(&self) -> Result<journey_attribution_core::UsernameRule, UserError> {
        let out = self
            .client
            .describe_user_pool()
            .user_pool_id(&self.pool_id)
            .send()
            .await
            .map_err(|e| user_error(&e))?;
        let case_sensitive = out
            .user_pool()
            .and_then(|p| p.username_configuration())
            .is_none_or(|c| c.case_sensitive());
        Ok(journey_attribution_core::UsernameRule {
            case_insensitive: !case_sensitive,
        })
    }
}

impl UserAttributes for CognitoUserPool {
    async fn get_attribute(
        &self,
        username: &str,
        attribute: &str,
    ) -> Result<Option<String>, UserError> {
        let out = self
            .client
            .admin_get_user()
            .user_pool_id(&self.pool_id)
            .username(username)
            .send()
            .await
            .map_err(|e| user_error(&e))?;
        Ok(out
            .user_attributes()
            .iter()
            .find(|a| a.name() == attribute)
            .and_then(|a| a.value())
            .map(str::to_owned))
    }

    async fn set_attribute(
        &self,
        username: &str,
        attribute: &str,
        value: &str,
    ) -> Result<(), UserError> {
        let attr = cognito::types::AttributeType::builder()
            .name(attribute)
            .value(value)
            .build()
            .map_err(|e| UserError::Permanent(e.to_string()))?;
        self.client
            .admin_update_user_attributes()
            .user_pool_id(&self.pool_id)
            .username(username)
            .user_attributes(attr)
            .send()
            .await
            .map_err(|e| user_error(&e))?;
        Ok(())
    }

    /// Cognito deletes an attribute updated to a blank value (one IAM action fewer than
    /// AdminDeleteUserAttributes).
    async fn clear_attribute(&self, username: &str, attribute: &str) -> Result<(), UserError> {
        self.set_attribute(username, attribute, "").await
    }
}

/// The failure queue on SQS (the stream's on-failure destination, `FAILURE_QUEUE_URL`).
#[derive(Debug, Clone)]
pub struct SqsFailureQueue {
    client: aws_sdk_sqs::Client,
    url: String,
}

impl SqsFailureQueue {
    pub fn new(client: aws_sdk_sqs::Client, url: impl Into<String>) -> Self {
        Self {
            client,
            url: url.into(),
        }
    }
}

impl FailureQueue for SqsFailureQueue {
    async fn park(&self, message: &serde_json::Value) -> Result<(), QueueError> {
        self.client
            .send_message()
            .queue_url(&self.url)
            .message_body(message.to_string())
            .send()
            .await
            .map_err(|e| QueueError(describe(&e)))?;
        Ok(())
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
