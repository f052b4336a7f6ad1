//! The SDK's configuration: the standard environment (region, credentials, profiles,
//! `AWS_ENDPOINT_URL`, which is how tests point a client at moto), TLS through rustls with
//! ring (no aws-lc to build), and bounded attempts and timeouts ([`SdkLimits`]).

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};

use crate::limits::{DEFAULT_SDK_LIMITS, SdkLimits};

/// [`sdk_config_with`] the default limits.
pub async fn sdk_config() -> SdkConfig {
    sdk_config_with(DEFAULT_SDK_LIMITS).await
}

/// The SDK's configuration from the standard environment, with `limits`.
pub async fn sdk_config_with(limits: SdkLimits) -> SdkConfig {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .retry_config(RetryConfig::standard().with_max_attempts(limits.max_attempts))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(limits.connect)
                .operation_attempt_timeout(limits.attempt)
                .operation_timeout(limits.operation)
                .build(),
        )
        .load()
        .await
}
