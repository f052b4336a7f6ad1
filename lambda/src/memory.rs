//! In-memory adapters: for unit tests and the local demo. They follow the same contracts
//! as the AWS adapters, and the store records its changes as a DynamoDB stream would.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use journey_attribution_core::sync::{ChangeKind, Image, StreamChange, TTL_PRINCIPAL};
use journey_attribution_core::{Attribution, WriteDecision};
use journey_attribution_table::item::{self, Item, ItemValue};
use serde_json::{Value, json};

use journey_attribution_aws::ports::{
    AttributionReader, AttributionStore, FailureQueue, QueueError, StoreError, TouchLedger,
    UserAttributes, UserError,
};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[derive(Debug, Default)]
struct StoreState {
    items: BTreeMap<String, Attribution>,
    changes: Vec<StreamChange>,
    fail_writes: usize,
    sequence: u64,
}

/// The attribution table in memory, with its stream.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<StoreState>,
}

impl MemoryStore {
    pub fn get(&self, username: &str) -> Option<Attribution> {
        lock(&self.state).items.get(username).cloned()
    }

    /// Every change so far, as the stream (NEW_AND_OLD_IMAGES) would carry it.
    pub fn changes(&self) -> Vec<StreamChange> {
        lock(&self.state).changes.clone()
    }

    /// Makes the next `n` writes fail with a transient error (throttling).
    pub fn fail_next_writes(&self, n: usize) {
        lock(&self.state).fail_writes = n;
    }

    /// The TTL sweeper: deletes the items expired at `now_s`, as TTL REMOVE changes.
    pub fn expire(&self, now_s: i64) -> usize {
        let mut state = lock(&self.state);
        let expired: Vec<String> = state
            .items
            .iter()
            .filter(|(_, a)| a.campaign.expires_at_s <= now_s)
            .map(|(u, _)| u.clone())
            .collect();
        for username in &expired {
            if let Some(old) = state.items.remove(username) {
                state.changes.push(StreamChange {
                    kind: ChangeKind::Remove,
                    ttl_delete: true,
                    old_image: Some(Ok(old)),
                    new_image: None,
                });
            }
        }
        expired.len()
    }

    /// Takes the pending changes as a Lambda DynamoDB stream event (`{"Records": [...]}`),
    /// in AWS's shape, ready for [`crate::sync::handle`].
    pub fn take_stream_event(&self) -> Value {
        let mut state = lock(&self.state);
        let changes = std::mem::take(&mut state.changes);
        let mut records = Vec::with_capacity(changes.len());
        for change in changes {
            state.sequence += 1;
            records.push(stream_record(&change, &format!("{:021}", state.sequence)));
        }
        json!({ "Records": records })
    }
}

impl AttributionStore for MemoryStore {
    async fn put_if_newer(&self, attribution: &Attribution) -> Result<WriteDecision, StoreError> {
        let mut state = lock(&self.state);
        if state.fail_writes > 0 {
            state.fail_writes -= 1;
            return Err(StoreError::Transient("injected throttling".into()));
        }
        let old = state.items.get(&attribution.username).cloned();
        let decision = attribution.decide(old.as_ref());
        if decision == WriteDecision::Write {
            state
                .items
                .insert(attribution.username.clone(), attribution.clone());
            state.changes.push(StreamChange {
                kind: if old.is_some() {
                    ChangeKind::Modify
                } else {
                    ChangeKind::Insert
                },
                ttl_delete: false,
                old_image: old.map(Ok),
                new_image: Some(Ok(attribution.clone())),
            });
        }
        Ok(decision)
    }
}

impl AttributionReader for MemoryStore {
    async fn get(&self, username: &str) -> Result<Option<Attribution>, StoreError> {
        Ok(MemoryStore::get(self, username))
    }
}

/// A stream record in Lambda's JSON shape (what `stream::decode_record` reads). An image
/// that is not an attribution (an `Err`) has no item to write, and is left out.
pub fn stream_record(change: &StreamChange, sequence_number: &str) -> Value {
    let name = match change.kind {
        ChangeKind::Insert => "INSERT",
        ChangeKind::Modify => "MODIFY",
        ChangeKind::Remove => "REMOVE",
    };
    let written = |image: &Option<Image>| {
        image
            .as_ref()
            .and_then(|i| i.as_ref().ok())
            .map(item::to_item)
    };
    let (new, old) = (written(&change.new_image), written(&change.old_image));
    let keys = new
        .as_ref()
        .or(old.as_ref())
        .and_then(|i| i.get(item::USERNAME))
        .map(|u| json!({ item::USERNAME: item_value_json(u) }))
        .unwrap_or_else(|| json!({}));
    let mut dynamodb = json!({
        "ApproximateCreationDateTime": 0,
        "Keys": keys,
        "SequenceNumber": sequence_number,
        "SizeBytes": 100,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    });
    if let Some(new) = &new {
        dynamodb["NewImage"] = item_json(new);
    }
    if let Some(old) = &old {
        dynamodb["OldImage"] = item_json(old);
    }
    let mut record = json!({
        "eventID": format!("memory-{sequence_number}"),
        "eventName": name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": dynamodb,
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:000000000000:table/memory/stream/1970-01-01T00:00:00.000",
    });
    if change.ttl_delete {
        record["userIdentity"] = json!({"type": "Service", "principalId": TTL_PRINCIPAL});
    }
    record
}

/// An item as DynamoDB JSON (`{"name": {"S": "..."}}`); attributes of other types are left out.
pub fn item_json(item: &Item) -> Value {
    Value::Object(
        item.iter()
            .filter(|(_, v)| !matches!(v, ItemValue::Other(_)))
            .map(|(k, v)| (k.clone(), item_value_json(v)))
            .collect(),
    )
}

fn item_value_json(v: &ItemValue) -> Value {
    match v {
        ItemValue::S(s) => json!({ "S": s }),
        ItemValue::N(n) => json!({ "N": n }),
        ItemValue::Other(t) => json!({ *t: null }),
    }
}

#[derive(Debug, Default)]
struct PoolState {
    users: BTreeMap<String, BTreeMap<String, String>>,
    throttle: usize,
    throttled_users: std::collections::BTreeSet<String>,
    calls: usize,
    max_length: Option<usize>,
}

/// The failure queue in memory: keeps what it is sent; `refuse` makes it fail.
#[derive(Debug, Default)]
pub struct MemoryQueue {
    messages: Mutex<Vec<Value>>,
    refuse: std::sync::atomic::AtomicBool,
}

impl MemoryQueue {
    pub fn messages(&self) -> Vec<Value> {
        lock(&self.messages).clone()
    }

    pub fn refuse(&self, refuse: bool) {
        self.refuse
            .store(refuse, std::sync::atomic::Ordering::Relaxed);
    }
}

impl FailureQueue for MemoryQueue {
    async fn park(&self, message: &Value) -> Result<(), QueueError> {
        if self.refuse.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(QueueError("injected: queue unavailable".into()));
        }
        lock(&self.messages).push(message.clone());
        Ok(())
    }
}

/// A user pool in memory. Like AWS, a blank value deletes the attribute.
#[derive(Debug, Default)]
pub struct MemoryUserPool {
    state: Mutex<PoolState>,
}

impl MemoryUserPool {
    pub fn with_users<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        let pool = Self::default();
        for n in names {
            pool.create_user(n);
        }
        pool
    }

    pub fn create_user(&self, username: &str) {
        lock(&self.state)
            .users
            .entry(username.to_owned())
            .or_default();
    }

    pub fn attribute(&self, username: &str, attribute: &str) -> Option<String> {
        lock(&self.state)
            .users
            .get(username)
            .and_then(|a| a.get(attribute).cloned())
    }

    /// The next `n` calls answer `TooManyRequestsException`.
    pub fn throttle_next(&self, n: usize) {
        lock(&self.state).throttle = n;
    }

    /// Every call about `username` answers `TooManyRequestsException`, for ever.
    pub fn throttle_user(&self, username: &str) {
        lock(&self.state)
            .throttled_users
            .insert(username.to_owned());
    }

    /// Values longer than `n` characters are refused, as AWS refuses a value over the
    /// attribute's `MaxLength` (`InvalidParameterException`, permanent).
    pub fn set_max_length(&self, n: usize) {
        lock(&self.state).max_length = Some(n);
    }

    /// Calls made so far (throttled ones included).
    pub fn calls(&self) -> usize {
        lock(&self.state).calls
    }

    fn with_user<T>(
        &self,
        username: &str,
        f: impl FnOnce(&mut BTreeMap<String, String>) -> T,
    ) -> Result<T, UserError> {
        let mut state = lock(&self.state);
        state.calls += 1;
        if state.throttled_users.contains(username) {
            return Err(UserError::Throttled("TooManyRequestsException".into()));
        }
        if state.throttle > 0 {
            state.throttle -= 1;
            return Err(UserError::Throttled("TooManyRequestsException".into()));
        }
        let attrs = state
            .users
            .get_mut(username)
            .ok_or_else(|| UserError::NotFound("User does not exist.".into()))?;
        Ok(f(attrs))
    }
}

impl UserAttributes for MemoryUserPool {
    async fn get_attribute(
        &self,
        username: &str,
        attribute: &str,
    ) -> Result<Option<String>, UserError> {
        self.with_user(username, |a| a.get(attribute).cloned())
    }

    async fn set_attribute(
        &self,
        username: &str,
        attribute: &str,
        value: &str,
    ) -> Result<(), UserError> {
        let mut state = lock(&self.state);
        if let Some(max) = state.max_length
            && value.chars().count() > max
        {
            state.calls += 1;
            return Err(UserError::Permanent(format!(
                "InvalidParameterException: {attribute}: value must be at most {max} characters"
            )));
        }
        drop(state);
        self.with_user(username, |a| {
            if value.is_empty() {
                a.remove(attribute);
            } else {
                a.insert(attribute.to_owned(), value.to_owned());
            }
        })
    }

    async fn clear_attribute(&self, username: &str, attribute: &str) -> Result<(), UserError> {
        self.set_attribute(username, attribute, "").await
    }
}

/// The touch ledger in memory.
#[derive(Debug, Default)]
pub struct MemoryLedger {
    entries: Mutex<BTreeMap<String, i64>>,
}

impl MemoryLedger {
    pub fn len(&self) -> usize {
        lock(&self.entries).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl TouchLedger for MemoryLedger {
    async fn first_seen(
        &self,
        key: &str,
        touched_at_ms: i64,
        _expires_at_s: i64,
    ) -> Result<i64, StoreError> {
        Ok(*lock(&self.entries)
            .entry(key.to_owned())
            .or_insert(touched_at_ms))
    }
}
