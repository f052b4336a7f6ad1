//! The `connect-tagging` Lambda (Amazon Connect outbound campaigns custom action): wiring only.
use journey_attribution_aws::config::sdk_config;
use journey_attribution_aws::dynamodb::{DynamoLedger, DynamoStore};
use journey_attribution_lambda::config;
use journey_attribution_lambda::connect::{self, Settings};
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    config::init_tracing();
    let settings = Settings::from_env(&config::process_env())
        .unwrap_or_else(|e| config::exit_on_config_error(&e));
    let sdk = sdk_config().await;
    let client = aws_sdk_dynamodb::Client::new(&sdk);
    let store = DynamoStore::new(client.clone(), settings.table);
    let ledger = DynamoLedger::new(client, settings.ledger_table);
    let (store, ledger, handler) = (&store, &ledger, &settings.handler);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        connect::lambda_handler(event, store, ledger, handler).await
    }))
    .await
}
