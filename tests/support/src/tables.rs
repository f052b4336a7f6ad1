//! The tables as the SAM template creates them, on moto.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    StreamSpecification, StreamViewType,
};

/// A name no other test of this run uses.
pub fn unique(prefix: &str) -> String {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{prefix}-{}-{n}-{nanos}", std::process::id())
}

async fn create(client: &Client, prefix: &str, key: &str, stream: bool) -> String {
    let name = unique(prefix);
    client
        .create_table()
        .table_name(&name)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(key)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name(key)
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .set_stream_specification(stream.then(|| {
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::NewAndOldImages)
                .build()
                .unwrap()
        }))
        .send()
        .await
        .unwrap_or_else(|e| panic!("create table {name} on moto: {e:?}"));
    name
}

/// The attribution table: `username` key, NEW_AND_OLD_IMAGES stream.
pub async fn attribution(client: &Client) -> String {
    create(client, "attribution", "username", true).await
}

/// Connect's touch ledger: `key` partition key, no stream.
pub async fn ledger(client: &Client) -> String {
    create(client, "ledger", "key", false).await
}
