//! What a failed SDK call says, and whether it is worth retrying: one account for every
//! client (DynamoDB, Cognito, SQS here; S3, Athena and Glue in the CLI).

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

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
pub fn is_transient<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> bool {
    match err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        SdkError::ServiceError(se) => {
            se.err()
                .code()
                .is_some_and(|c| TRANSIENT_CODES.contains(&c))
                || se.raw().status().as_u16() >= 500
        }
        _ => false,
    }
}

/// A one-line description: the service's error code and message, else (no answer from the
/// service) the SDK's own account of the failure.
pub fn sdk_message<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(
    e: &SdkError<E, R>,
) -> String {
    match e.code() {
        Some(code) => format!("{code}: {}", e.message().unwrap_or("(no message)")),
        None => DisplayErrorContext(e).to_string(),
    }
}
