//! The `claims` Lambda (Cognito pre-token-generation trigger): wiring only.
use journey_attribution_aws::config::sdk_config_with;
use journey_attribution_aws::dynamodb::DynamoStore;
use journey_attribution_lambda::claims::{self, Settings};
use journey_attribution_lambda::config;
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    config::init_tracing();
    let settings = Settings::from_env(&config::process_env())
        .unwrap_or_else(|e| config::exit_on_config_error(&e));
    let sdk = sdk_config_with(settings.sdk).await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), settings.table);
    let (store, handler) = (&store, &settings.handler);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        claims::lambda_handler(event, store, handler).await
    }))
    .await
}
