//! What the functions share at start-up: reading the environment (once, failing fast),
//! the variables several functions read, JSON logs, and the answer Lambda gets for a
//! failure. Each function's own configuration (`Settings::from_env`) and Lambda handler sit
//! with it, in `pinpoint.rs`, `connect.rs`, `ses.rs`, `sync.rs` and `claims.rs`; the SDK's
//! configuration is `journey_attribution_aws::config`.

use journey_attribution_core::token::DEFAULT_TOKEN_ATTRIBUTE;
use lambda_runtime::Diagnostic;
use tracing::error;

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

pub fn flag<F: Fn(&str) -> Option<String>>(
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

/// `CAMPAIGN_ATTRIBUTE`: the Cognito attribute (`sync`) or ID-token claim (`claims`).
pub fn campaign_attribute<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> String {
    env.optional("CAMPAIGN_ATTRIBUTE")
        .unwrap_or_else(|| DEFAULT_TOKEN_ATTRIBUTE.into())
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
#[cfg(feature = "aws")]
pub async fn require_username_rule(
    users: &journey_attribution_aws::cognito::CognitoUserPool,
    configured: journey_attribution_core::UsernameRule,
    pool_id: &str,
) {
    use journey_attribution_aws::ports::UserError;
    use journey_attribution_aws::retry::Backoff;
    use std::time::Duration;

    let backoff = Backoff::new(5, Duration::from_millis(200), Duration::from_secs(2));
    let (rule, _) = backoff
        .run(UserError::is_retryable, || users.username_rule())
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

/// What stands for a username in the logs at `info` and above: the first 48 bits of
/// HMAC-SHA-256 keyed by `LOG_USER_KEY`, in hex (`u-3f9a…`). Usernames are often e-mail
/// addresses and Lambda keeps logs for weeks; the raw name is logged at `debug` only. One key
/// per stack (the template gives every function the same one) keeps one user's lines
/// findable across functions, for whoever holds the key; without a key the tag is a plain
/// truncated hash, which a list of candidate names can still reverse.
#[derive(Clone, Default)]
pub struct UserTag {
    key: Vec<u8>,
}

impl std::fmt::Debug for UserTag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserTag")
            .field("keyed", &!self.key.is_empty())
            .finish()
    }
}

impl UserTag {
    pub fn new(key: &[u8]) -> Self {
        Self { key: key.to_vec() }
    }

    /// `LOG_USER_KEY`, optional.
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Self {
        Self::new(env.optional("LOG_USER_KEY").unwrap_or_default().as_bytes())
    }

    pub fn tag(&self, user: &str) -> String {
        use hmac::Mac;
        // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
        let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.key) else {
            return "u-?".into();
        };
        mac.update(user.as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut out = String::with_capacity(14);
        out.push_str("u-");
        for b in &digest[..6] {
            out.push_str(&format!("{b:02x}"));
        }
        out
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

/// The error Lambda reports for a failed invocation: its type and message.
pub fn diagnostic(error_type: &str, message: String) -> Diagnostic {
    Diagnostic {
        error_type: error_type.into(),
        error_message: message,
    }
}

/// Variables from a list (the demo's environment, the tests').
pub fn vars(vars: &[(&str, &str)]) -> Env<impl Fn(&str) -> Option<String> + use<>> {
    let map: std::collections::HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).into(), (*v).into()))
        .collect();
    Env(move |k: &str| map.get(k).cloned())
}
