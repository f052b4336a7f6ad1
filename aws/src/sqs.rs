//! The failure queue on SQS (the stream's on-failure destination, `FAILURE_QUEUE_URL`):
//! the [`FailureQueue`] port.

use crate::error::sdk_message;
use crate::ports::{FailureQueue, QueueError};

/// The failure queue on SQS.
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
            .map_err(|e| QueueError(sdk_message(&e)))?;
        Ok(())
    }
}
