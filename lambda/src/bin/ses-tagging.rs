//! The `ses-tagging` Lambda (SES Open / Click events from EventBridge or SNS): wiring only.
use journey_attribution_aws::config::sdk_config;
use journey_attribution_aws::dynamodb::DynamoStore;
use journey_attribution_lambda::config;
use journey_attribution_lambda::ses::{self, Settings};
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    config::init_tracing();
    let settings = Settings::from_env(&config::process_env())
        .unwrap_or_else(|e| config::exit_on_config_error(&e));
    let sdk = sdk_config().await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), settings.table);
    let (store, handler) = (&store, &settings.handler);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        ses::lambda_handler(event, store, handler).await
    }))
    .await
}
