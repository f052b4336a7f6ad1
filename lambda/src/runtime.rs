//! What the binaries share: configuration from the environment (read once, failing fast),
//! JSON tracing, SDK configuration, and the glue between `lambda_runtime` and the handlers.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use journey_attribution_core::connect::ConnectConfig;
use journey_attribution_core::ses::SesConfig;
use journey_attribution_core::token::DEFAULT_TOKEN_ATTRIBUTE;
use journey_attribution_core::{LookbackWindows, WindowError};
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde_json::Value;
use tracing::error;

use crate::claims::{self, ClaimsConfig};
use crate::connect::{self, ConnectTaggingConfig};
use crate::metrics::Metrics;
use crate::pipeline::{TaggingError, Writing};
use crate::ports::{
    AttributionReader, AttributionStore, FailureQueue, TouchLedger, UserAttributes,
};
use crate::retry::Backoff;
use crate::ses::{self, SesTaggingConfig};
use crate::sync::{self, SyncConfig};
use crate::tagging::{self, TaggingConfig};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is required")]
    Missing(&'static str),
    #[error("environment variable {name}: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// Reads variables through `get` (the process environment in `main`, a map in tests).
#[derive(Debug)]
pub struct Env<F>(pub F);

impl<F: Fn(&str) -> Option<String>> Env<F> {
    /// Set and not blank.
    pub fn optional(&self, name: &str) -> Option<String> {
        (self.0)(name).filter(|v| !v.trim().is_empty())
    }

    pub fn required(&self, name: &'static str) -> Result<String, ConfigError> {
        self.optional(name).ok_or(ConfigError::Missing(name))
    }
}

/// The process environment.
pub fn process_env() -> Env<impl Fn(&str) -> Option<String>> {
    Env(|name: &str| std::env::var(name).ok())
}

/// `tagging`'s configuration (DESIGN.md, "Public contracts").
#[derive(Debug, Clone)]
pub struct TaggingSettings {
    pub table: String,
    pub handler: TaggingConfig,
}

/// `LOOKBACK_WINDOW` (default) and `LOOKBACK_WINDOWS` (per-application overrides).
fn windows<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<LookbackWindows, ConfigError> {
    LookbackWindows::parse(
        env.optional("LOOKBACK_WINDOW").as_deref(),
        env.optional("LOOKBACK_WINDOWS").as_deref(),
    )
    .map_err(|e: WindowError| ConfigError::Invalid {
        name: "LOOKBACK_WINDOW/LOOKBACK_WINDOWS",
        reason: e.to_string(),
    })
}

/// Writes in flight at once, and how patiently to retry one: both sources answer a
/// synchronous invocation, so the budget is seconds.
const TAGGING_CONCURRENCY: usize = 10;
const TAGGING_BACKOFF: Backoff =
    Backoff::new(3, Duration::from_millis(50), Duration::from_millis(800));

/// How every touch source writes: `LOOKBACK_WINDOW(S)`; Pinpoint gives 15 s for up to 50
/// endpoints, Connect and SES wait less.
fn writing<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Writing, ConfigError> {
    Ok(Writing {
        windows: windows(env)?,
        concurrency: TAGGING_CONCURRENCY,
        backoff: TAGGING_BACKOFF,
    })
}

impl TaggingSettings {
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        Ok(Self {
            table: env.required("ATTRIBUTION_TABLE")?,
            handler: TaggingConfig {
                username_attribute: env
                    .optional("USERNAME_ATTRIBUTE")
                    .unwrap_or_else(|| "username".into()),
                usernames: usernames(env)?,
                writing: writing(env)?,
            },
        })
    }
}

/// `connect-tagging`'s configuration.
#[derive(Debug, Clone)]
pub struct ConnectSettings {
    pub table: String,
    pub ledger_table: String,
    pub handler: ConnectTaggingConfig,
}

impl ConnectSettings {
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        let defaults = ConnectConfig::default();
        Ok(Self {
            table: env.required("ATTRIBUTION_TABLE")?,
            ledger_table: env.required("TOUCH_LEDGER_TABLE")?,
            handler: ConnectTaggingConfig {
                source: ConnectConfig {
                    username_field: env
                        .optional("CONNECT_USERNAME_FIELD")
                        .unwrap_or(defaults.username_field),
                    application_id: env
                        .optional("CONNECT_APPLICATION_ID")
                        .unwrap_or(defaults.application_id),
                    usernames: usernames(env)?,
                },
                writing: writing(env)?,
            },
        })
    }
}

/// `ses-tagging`'s configuration.
#[derive(Debug, Clone)]
pub struct SesSettings {
    pub table: String,
    pub handler: SesTaggingConfig,
}

/// `USERNAME_CASE_SENSITIVE`: how the user pool compares usernames, which decides their
/// canonical form (`journey_attribution_core::username`). Default `true`, as for a pool
/// created without `UsernameConfiguration`; the console's default is `false`.
pub fn usernames<F: Fn(&str) -> Option<String>>(
    env: &Env<F>,
) -> Result<journey_attribution_core::UsernameRule, ConfigError> {
    Ok(journey_attribution_core::UsernameRule {
        case_insensitive: !flag(env, "USERNAME_CASE_SENSITIVE", true)?,
    })
}

fn flag<F: Fn(&str) -> Option<String>>(
    env: &Env<F>,
    name: &'static str,
    default: bool,
) -> Result<bool, ConfigError> {
    match env.optional(name).map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(default),
        Some(v) if v == "true" => Ok(true),
        Some(v) if v == "false" => Ok(false),
        Some(v) => Err(ConfigError::Invalid {
            name,
            reason: format!("expected true or false, got {v:?}"),
        }),
    }
}

impl SesSettings {
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        let d = SesConfig::default();
        let (mut opens, mut clicks) = (d.opens, d.clicks);
        if let Some(list) = env.optional("SES_EVENTS") {
            (opens, clicks) = (false, false);
            for kind in list.split(',').map(|k| k.trim().to_ascii_lowercase()) {
                match kind.as_str() {
                    "open" => opens = true,
                    "click" => clicks = true,
                    _ => {
                        return Err(ConfigError::Invalid {
                            name: "SES_EVENTS",
                            reason: format!(
                                "unknown event {kind:?}: expected a comma-separated list of open, click"
                            ),
                        });
                    }
                }
            }
        }
        Ok(Self {
            table: env.required("ATTRIBUTION_TABLE")?,
            handler: SesTaggingConfig {
                source: SesConfig {
                    journey_tag: env.optional("SES_JOURNEY_TAG").unwrap_or(d.journey_tag),
                    label_tag: env.optional("SES_LABEL_TAG").unwrap_or(d.label_tag),
                    user_tag: env.optional("SES_USER_TAG").unwrap_or(d.user_tag),
                    user_from_destination: flag(
                        env,
                        "SES_USER_FROM_DESTINATION",
                        d.user_from_destination,
                    )?,
                    opens,
                    clicks,
                    usernames: usernames(env)?,
                },
                writing: writing(env)?,
            },
        })
    }
}

/// `sync`'s configuration.
#[derive(Debug, Clone)]
pub struct SyncSettings {
    pub user_pool_id: String,
    /// Must match the pool: the table's keys are usernames in this canonical form.
    pub usernames: journey_attribution_core::UsernameRule,
    /// Where records that can never be applied go (the stream's on-failure queue).
    pub failure_queue_url: String,
    pub handler: SyncConfig,
}

impl SyncSettings {
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        Ok(Self {
            user_pool_id: env.required("USER_POOL_ID")?,
            usernames: usernames(env)?,
            failure_queue_url: env.required("FAILURE_QUEUE_URL")?,
            handler: SyncConfig {
                campaign_attribute: campaign_attribute(env),
                // Cognito: 25 attribute updates per second per account.
                backoff: Backoff::new(5, Duration::from_millis(200), Duration::from_secs(3)),
            },
        })
    }
}

/// `CAMPAIGN_ATTRIBUTE`: the Cognito attribute (`sync`) or ID-token claim (`claims`).
fn campaign_attribute<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> String {
    env.optional("CAMPAIGN_ATTRIBUTE")
        .unwrap_or_else(|| DEFAULT_TOKEN_ATTRIBUTE.into())
}

/// `claims`' configuration.
#[derive(Debug, Clone)]
pub struct ClaimsSettings {
    pub table: String,
    pub handler: ClaimsConfig,
    /// The SDK's limits, inside `handler.budget`.
    pub sdk: SdkLimits,
}

/// The whole of `claims`' read by default: a tenth of Cognito's 5-second trigger limit, so
/// a slow table costs a user half a second of sign-in at worst.
pub const CLAIMS_BUDGET: Duration = Duration::from_millis(500);

/// `CLAIMS_BUDGET_MS`' bounds: below 100 ms a healthy `GetItem` from a cold start misses
/// it; above 2.5 s the function's own 3 s timeout (template.yaml) is at risk, and past
/// Cognito's 5 s the sign-in fails.
const CLAIMS_BUDGET_MS: std::ops::RangeInclusive<u64> = 100..=2500;

impl ClaimsSettings {
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        let budget = match env.optional("CLAIMS_BUDGET_MS") {
            None => CLAIMS_BUDGET,
            Some(raw) => raw
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|ms| CLAIMS_BUDGET_MS.contains(ms))
                .map(Duration::from_millis)
                .ok_or_else(|| ConfigError::Invalid {
                    name: "CLAIMS_BUDGET_MS",
                    reason: format!(
                        "{raw:?} is not a whole number of milliseconds from {} to {}",
                        CLAIMS_BUDGET_MS.start(),
                        CLAIMS_BUDGET_MS.end()
                    ),
                })?,
        };
        Ok(Self {
            table: env.required("ATTRIBUTION_TABLE")?,
            handler: ClaimsConfig {
                claim: campaign_attribute(env),
                usernames: usernames(env)?,
                budget,
            },
            sdk: SdkLimits::within(budget),
        })
    }
}

/// Refuses a `USERNAME_CASE_SENSITIVE` the pool contradicts: every key of the table would
/// miss its Cognito user (a case-sensitive pool, lowercased keys) or split it in two
/// ("Alice" and "alice" in a case-insensitive pool, newest-wins failing across them).
pub fn check_username_rule(
    configured: journey_attribution_core::UsernameRule,
    pool: journey_attribution_core::UsernameRule,
    pool_id: &str,
) -> Result<(), ConfigError> {
    if configured == pool {
        return Ok(());
    }
    let is = |r: journey_attribution_core::UsernameRule| {
        if r.case_insensitive { "false" } else { "true" }
    };
    Err(ConfigError::Invalid {
        name: "USERNAME_CASE_SENSITIVE",
        reason: format!(
            "is {} but user pool {pool_id} has CaseSensitive={}: set USERNAME_CASE_SENSITIVE={} (UsernameCaseSensitive in the stack)",
            is(configured),
            is(pool),
            is(pool)
        ),
    })
}

/// At start-up: the pool's username rule must be the configured one, else exit (Lambda
/// reports an init failure). A throttled or failed read is retried first: it must not cost
/// the function its start.
pub async fn require_username_rule(
    users: &crate::aws::CognitoUserPool,
    configured: journey_attribution_core::UsernameRule,
    pool_id: &str,
) {
    let backoff = Backoff::new(5, Duration::from_millis(200), Duration::from_secs(2));
    let (rule, _) = backoff
        .run(crate::ports::UserError::is_retryable, || {
            users.username_rule()
        })
        .await;
    match rule {
        Ok(pool) => check_username_rule(configured, pool, pool_id)
            .unwrap_or_else(|e| exit_on_config_error(&e)),
        Err(e) => {
            error!(error = %e, "DescribeUserPool failed at start-up");
            eprintln!("start-up: DescribeUserPool {pool_id}: {e}");
            std::process::exit(2)
        }
    }
}

/// JSON logs, level from `RUST_LOG` or Lambda's `AWS_LAMBDA_LOG_LEVEL` (default `info`).
pub fn init_tracing() {
    let level = std::env::var("RUST_LOG")
        .or_else(|_| std::env::var("AWS_LAMBDA_LOG_LEVEL").map(|l| l.to_lowercase()))
        .unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::new(level))
        .with_current_span(false)
        .with_ansi(false)
        .without_time()
        .with_target(false)
        .init();
}

/// Logs the configuration error and exits: Lambda reports it as an init failure.
pub fn exit_on_config_error(err: &ConfigError) -> ! {
    error!(error = %err, "invalid configuration");
    eprintln!("configuration error: {err}");
    std::process::exit(2)
}

/// Attempts and timeouts of every SDK call a function makes.
#[derive(Debug, Clone, Copy)]
pub struct SdkLimits {
    pub max_attempts: u32,
    pub connect: Duration,
    pub attempt: Duration,
    pub operation: Duration,
}

impl SdkLimits {
    /// Limits inside a time budget: two attempts of two fifths of it each, so the SDK's own
    /// error (named in the warning) usually comes before the budget's timeout. For
    /// `claims`' 500 ms: connect 150 ms, attempt 200 ms, operation 450 ms.
    pub const fn within(budget: Duration) -> Self {
        let ms = budget.as_millis() as u64;
        Self {
            max_attempts: 2,
            connect: Duration::from_millis(ms * 3 / 10),
            attempt: Duration::from_millis(ms * 2 / 5),
            operation: Duration::from_millis(ms * 9 / 10),
        }
    }
}

/// The touch sources' and `sync`'s limits: their callers allow seconds.
pub const DEFAULT_SDK_LIMITS: SdkLimits = SdkLimits {
    max_attempts: 2,
    connect: Duration::from_secs(1),
    attempt: Duration::from_millis(1500),
    operation: Duration::from_secs(3),
};

/// SDK configuration from the standard environment (region, credentials,
/// `AWS_ENDPOINT_URL`), with rustls+ring TLS, bounded attempts and timeouts.
pub async fn sdk_config() -> SdkConfig {
    sdk_config_with(DEFAULT_SDK_LIMITS).await
}

/// [`sdk_config`] with other limits.
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

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn diagnostic(error_type: &str, message: String) -> Diagnostic {
    Diagnostic {
        error_type: error_type.into(),
        error_message: message,
    }
}

/// `tagging`'s Lambda handler: the event, the store, then metrics and the error mapping.
pub async fn tagging_handler<S: AttributionStore + Sync>(
    event: LambdaEvent<Value>,
    store: &S,
    config: &TaggingConfig,
) -> Result<Value, Diagnostic> {
    let now = now_ms();
    let mut metrics = Metrics::default();
    let result = tagging::handle(event.payload, store, config, now, &mut metrics).await;
    metrics.emit("tagging", now);
    result.map_err(tagging_failure)
}

fn tagging_failure(e: TaggingError) -> Diagnostic {
    match &e {
        TaggingError::WritesFailed { response, .. } => {
            error!(error = %e, response = %response, "invocation failed")
        }
        TaggingError::Invocation(_) => error!(error = %e, "invocation failed"),
    }
    diagnostic(e.error_type(), e.to_string())
}

/// `connect-tagging`'s Lambda handler.
pub async fn connect_handler<S: AttributionStore + Sync, L: TouchLedger + Sync>(
    event: LambdaEvent<Value>,
    store: &S,
    ledger: &L,
    config: &ConnectTaggingConfig,
) -> Result<Value, Diagnostic> {
    let now = now_ms();
    let mut metrics = Metrics::default();
    let result = connect::handle(event.payload, store, ledger, config, now, &mut metrics).await;
    metrics.emit("connect-tagging", now);
    result.map_err(tagging_failure)
}

/// `ses-tagging`'s Lambda handler.
pub async fn ses_handler<S: AttributionStore + Sync>(
    event: LambdaEvent<Value>,
    store: &S,
    config: &SesTaggingConfig,
) -> Result<Value, Diagnostic> {
    let mut metrics = Metrics::default();
    let result = ses::handle(event.payload, store, config, &mut metrics).await;
    metrics.emit("ses-tagging", now_ms());
    result.map_err(tagging_failure)
}

/// `claims`' Lambda handler: never an error (a sign-in must not fail because of us).
pub async fn claims_handler<S: AttributionReader + Sync>(
    event: LambdaEvent<Value>,
    store: &S,
    config: &ClaimsConfig,
) -> Result<Value, Diagnostic> {
    let now = now_ms();
    let mut metrics = Metrics::default();
    let response = claims::handle(event.payload, store, config, now, &mut metrics).await;
    metrics.emit("claims", now);
    Ok(response)
}

/// `sync`'s Lambda handler: returns the partial batch response before the invocation's
/// deadline.
pub async fn sync_handler<U: UserAttributes + Sync, Q: FailureQueue + Sync>(
    event: LambdaEvent<Value>,
    users: &U,
    queue: &Q,
    config: &SyncConfig,
) -> Result<Value, Diagnostic> {
    let mut metrics = Metrics::default();
    let left = u64::try_from(now_ms()).map_or(0, |now| event.context.deadline.saturating_sub(now));
    let deadline = tokio::time::Instant::now() + Duration::from_millis(left);
    let result = sync::handle(event.payload, users, queue, config, deadline, &mut metrics).await;
    metrics.emit("sync", now_ms());
    match result {
        Ok(response) => serde_json::to_value(response)
            .map_err(|e| diagnostic("SerializationError", e.to_string())),
        Err(e) => {
            error!(error = %e, "batch failed");
            Err(diagnostic(e.error_type(), e.to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::collections::HashMap;

    fn env(vars: &[(&str, &str)]) -> Env<impl Fn(&str) -> Option<String>> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        Env(move |k: &str| map.get(k).cloned())
    }

    #[test]
    fn tagging_settings_have_defaults_and_fail_fast() {
        let err = TaggingSettings::from_env(&env(&[])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable ATTRIBUTION_TABLE is required"
        );
        let s = TaggingSettings::from_env(&env(&[("ATTRIBUTION_TABLE", "t")])).unwrap();
        assert_eq!(s.handler.username_attribute, "username");
        let err = TaggingSettings::from_env(&env(&[
            ("ATTRIBUTION_TABLE", "t"),
            ("LOOKBACK_WINDOW", "3w"),
        ]))
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("environment variable LOOKBACK_WINDOW"),
            "{err}"
        );
    }

    #[test]
    fn connect_settings_need_the_ledger_and_read_the_username_field() {
        let err = ConnectSettings::from_env(&env(&[("ATTRIBUTION_TABLE", "t")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable TOUCH_LEDGER_TABLE is required"
        );
        let s = ConnectSettings::from_env(&env(&[
            ("ATTRIBUTION_TABLE", "t"),
            ("TOUCH_LEDGER_TABLE", "l"),
            ("CONNECT_USERNAME_FIELD", "attributes.cognitoUsername"),
        ]))
        .unwrap();
        assert_eq!(
            (
                s.handler.source.username_field.as_str(),
                s.handler.source.application_id.as_str()
            ),
            ("attributes.cognitoUsername", "connect")
        );
    }

    #[test]
    fn ses_settings_choose_the_events_and_tags() {
        let s = SesSettings::from_env(&env(&[("ATTRIBUTION_TABLE", "t")])).unwrap();
        assert!(s.handler.source.opens && s.handler.source.clicks);
        let s = SesSettings::from_env(&env(&[
            ("ATTRIBUTION_TABLE", "t"),
            ("SES_EVENTS", "click"),
            ("SES_USER_FROM_DESTINATION", "true"),
            ("SES_JOURNEY_TAG", "jid"),
        ]))
        .unwrap();
        let src = &s.handler.source;
        assert_eq!(
            (
                src.opens,
                src.clicks,
                src.user_from_destination,
                src.journey_tag.as_str()
            ),
            (false, true, true, "jid")
        );
        let err = SesSettings::from_env(&env(&[
            ("ATTRIBUTION_TABLE", "t"),
            ("SES_EVENTS", "open,bounce"),
        ]))
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable SES_EVENTS: unknown event \"bounce\": expected a comma-separated list of open, click"
        );
    }

    #[test]
    fn claims_settings_need_the_table_and_read_the_claim() {
        let err = ClaimsSettings::from_env(&env(&[])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable ATTRIBUTION_TABLE is required"
        );
        let s = ClaimsSettings::from_env(&env(&[("ATTRIBUTION_TABLE", "t")])).unwrap();
        assert_eq!(
            (s.table.as_str(), s.handler.claim.as_str()),
            ("t", "custom:campaign")
        );
        let s = ClaimsSettings::from_env(&env(&[
            ("ATTRIBUTION_TABLE", "t"),
            ("CAMPAIGN_ATTRIBUTE", "custom:journey"),
        ]))
        .unwrap();
        assert_eq!(s.handler.claim, "custom:journey");
        assert_eq!(s.handler.budget, CLAIMS_BUDGET);
        let ms = |d: Duration| d.as_millis();
        assert_eq!(
            (ms(s.sdk.connect), ms(s.sdk.attempt), ms(s.sdk.operation)),
            (150, 200, 450)
        );
    }

    #[test]
    fn claims_budget_is_read_and_bounded() {
        let with = |v: &str| {
            ClaimsSettings::from_env(&env(&[("ATTRIBUTION_TABLE", "t"), ("CLAIMS_BUDGET_MS", v)]))
        };
        let s = with("2000").unwrap();
        assert_eq!(s.handler.budget, Duration::from_millis(2000));
        assert!(s.sdk.operation < s.handler.budget);
        assert_eq!(s.sdk.operation, Duration::from_millis(1800));
        for bad in ["50", "2501", "1.5", "-1", "soon"] {
            assert_eq!(
                with(bad).unwrap_err().to_string(),
                format!(
                    "environment variable CLAIMS_BUDGET_MS: \"{bad}\" is not a whole number of milliseconds from 100 to 2500"
                )
            );
        }
    }

    #[test]
    fn sync_settings_need_the_pool() {
        let err = SyncSettings::from_env(&env(&[("ATTRIBUTION_TABLE", "t")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable USER_POOL_ID is required"
        );
        let err = SyncSettings::from_env(&env(&[("USER_POOL_ID", "p")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable FAILURE_QUEUE_URL is required"
        );
        let s = SyncSettings::from_env(&env(&[("USER_POOL_ID", "p"), ("FAILURE_QUEUE_URL", "q")]))
            .unwrap();
        assert_eq!(s.handler.campaign_attribute, "custom:campaign");
    }
}
