//! The `claims` Lambda (Cognito pre-token-generation trigger): wiring only.
use journey_attribution_lambda::aws::DynamoStore;
use journey_attribution_lambda::claims::{self, Settings};
use journey_attribution_lambda::runtime;
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    runtime::init_tracing();
    let settings = Settings::from_env(&runtime::process_env())
        .unwrap_or_else(|e| runtime::exit_on_config_error(&e));
    let sdk = runtime::sdk_config_with(settings.sdk).await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), settings.table);
    let (store, config) = (&store, &settings.handler);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        claims::lambda_handler(event, store, config).await
    }))
    .await
}
