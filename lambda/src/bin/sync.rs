//! The `sync` Lambda: wiring only.
use journey_attribution_aws::cognito::CognitoUserPool;
use journey_attribution_aws::config::sdk_config;
use journey_attribution_aws::sqs::SqsFailureQueue;
use journey_attribution_lambda::config;
use journey_attribution_lambda::sync::{self, Settings};
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    config::init_tracing();
    let settings = Settings::from_env(&config::process_env())
        .unwrap_or_else(|e| config::exit_on_config_error(&e));
    let sdk = sdk_config().await;
    let users = CognitoUserPool::new(
        aws_sdk_cognitoidentityprovider::Client::new(&sdk),
        settings.user_pool_id.clone(),
    );
    config::require_username_rule(&users, settings.usernames, &settings.user_pool_id).await;
    let queue = SqsFailureQueue::new(aws_sdk_sqs::Client::new(&sdk), settings.failure_queue_url);
    let (users, queue, handler) = (&users, &queue, &settings.handler);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        sync::lambda_handler(event, users, queue, handler).await
    }))
    .await
}
