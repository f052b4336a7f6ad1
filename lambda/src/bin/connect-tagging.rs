//! The `connect-tagging` Lambda (Amazon Connect outbound campaigns custom action): wiring only.
use journey_attribution_lambda::aws::{DynamoLedger, DynamoStore};
use journey_attribution_lambda::connect::{self, Settings};
use journey_attribution_lambda::runtime;
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    runtime::init_tracing();
    let settings = Settings::from_env(&runtime::process_env())
        .unwrap_or_else(|e| runtime::exit_on_config_error(&e));
    let sdk = runtime::sdk_config().await;
    let client = aws_sdk_dynamodb::Client::new(&sdk);
    let store = DynamoStore::new(client.clone(), settings.table);
    let ledger = DynamoLedger::new(client, settings.ledger_table);
    let (store, ledger, config) = (&store, &ledger, &settings.handler);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        connect::lambda_handler(event, store, ledger, config).await
    }))
    .await
}
