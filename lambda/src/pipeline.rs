//! The write pipeline every touch source shares: a plan's touches to attributions (each
//! with its application's lookback window), written newest-wins `concurrency` at a time
//! with backoff on transient errors, and every item of the delivery answered, logged and
//! counted alike. A touch source's handler is: parse, plan (core), [`write_plan`], respond
//! (core).

use std::time::Duration;

use futures::StreamExt;
use journey_attribution_core::plan::{Skip, TouchOutcome, TouchPlan};
use journey_attribution_core::{Attribution, LookbackWindows, Touch, WindowError, WriteDecision};
use lambda_runtime::Diagnostic;
use serde_json::Value;
use tracing::{debug, error, info, warn};

use crate::config::{self, ConfigError, Env};
use crate::metrics::Metrics;
use journey_attribution_aws::ports::{AttributionStore, StoreError};
use journey_attribution_aws::retry::Backoff;

/// How a touch source writes: each touch's window, writes in flight at once, retries.
#[derive(Debug, Clone)]
pub struct Writing {
    pub windows: LookbackWindows,
    pub concurrency: usize,
    pub backoff: Backoff,
    /// Keys the user's hash in `info` logs (`LOG_USER_KEY`).
    pub log_key: config::UserTag,
}

/// Why a touch source's delivery failed: its payload is unusable, or some of its writes
/// failed after retries. Every touch source answers with it (`lambda_handler` turns it into
/// the Lambda's `Diagnostic`).
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The invocation itself is unusable (no items to answer for).
    #[error("invalid invocation: {0}")]
    Invocation(#[from] journey_attribution_core::pinpoint::InvocationError),
    /// Every item was processed, but some writes failed even after retries: the error
    /// makes the source retry the delivery, which is idempotent.
    #[error("{failed} of {writes} attribution writes failed after retries; first: {first}")]
    WritesFailed {
        failed: usize,
        writes: usize,
        first: StoreError,
        /// The response that would have been returned (for the logs).
        response: Value,
    },
}

impl WriteError {
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::Invocation(_) => "InvalidInvocation",
            Self::WritesFailed { .. } => "WritesFailed",
        }
    }
}

/// What became of one item of the delivery.
#[derive(Debug)]
pub struct Answer<S> {
    pub id: String,
    pub outcome: TouchOutcome<S>,
    /// The item's touch (an index into [`Answered::touches`]), when it has one.
    pub touch: Option<usize>,
}

/// Every item answered, with the touches and the writes' results.
#[derive(Debug)]
pub struct Answered<S> {
    pub answers: Vec<Answer<S>>,
    pub touches: Vec<Touch>,
    writes: Vec<Result<WriteDecision, StoreError>>,
}

impl<S> Answered<S> {
    /// `(id, outcome)` of every item, for the source's response.
    pub fn outcomes(&self) -> impl Iterator<Item = (&str, &TouchOutcome<S>)> {
        self.answers.iter().map(|a| (a.id.as_str(), &a.outcome))
    }

    /// `Ok(response)` when every write went through; else the error that makes the
    /// source retry the (idempotent) delivery.
    pub fn into_result(self, response: Value) -> Result<Value, WriteError> {
        let writes = self.writes.len();
        let failed = self.writes.iter().filter(|r| r.is_err()).count();
        match self.writes.into_iter().find_map(Result::err) {
            None => Ok(response),
            Some(first) => Err(WriteError::WritesFailed {
                failed,
                writes,
                first,
                response,
            }),
        }
    }
}

/// Writes the plan's touches and answers each item. `blocked[i]`, when it holds an error,
/// fails touch `i` without writing it (Connect: the time of its first delivery could not
/// be read); an empty `blocked` blocks nothing.
pub async fn write_plan<S: Skip, St: AttributionStore + Sync>(
    plan: TouchPlan<S>,
    mut blocked: Vec<Option<StoreError>>,
    store: &St,
    writing: &Writing,
    metrics: &mut Metrics,
) -> Answered<S> {
    blocked.resize_with(plan.touches.len(), || None);
    let (open, attributions): (Vec<usize>, Vec<Attribution>) = plan
        .touches
        .iter()
        .enumerate()
        .filter(|(i, _)| blocked[*i].is_none())
        .map(|(i, t)| {
            let window = writing.windows.for_application(&t.application_id);
            (i, Attribution::from_touch(t, window))
        })
        .unzip();
    let mut written = write_all(&attributions, store, writing, metrics)
        .await
        .into_iter();
    let mut writes: Vec<Result<WriteDecision, StoreError>> = blocked
        .into_iter()
        .map(|b| b.map_or(Ok(WriteDecision::Unchanged), Err))
        .collect();
    for i in open {
        if let Some(result) = written.next() {
            writes[i] = result;
        }
    }
    let answers = plan
        .items
        .into_iter()
        .map(|(id, item)| answer(id, item, &writes, metrics))
        .collect();
    Answered {
        answers,
        touches: plan.touches,
        writes,
    }
}

/// One item to its outcome; a skip is logged (a malformed item as a warning) and counted.
fn answer<S: Skip>(
    id: String,
    item: Result<usize, S>,
    writes: &[Result<WriteDecision, StoreError>],
    metrics: &mut Metrics,
) -> Answer<S> {
    let (outcome, touch) = match item {
        Ok(i) => match &writes[i] {
            Ok(d) => {
                metrics.incr("tagged");
                (TouchOutcome::Tagged(*d), Some(i))
            }
            Err(e) => (TouchOutcome::Failed(e.to_string()), Some(i)),
        },
        Err(reason) => {
            if reason.is_error() {
                warn!(item = %id, reason = reason.code(), detail = %reason, "item rejected");
            } else {
                info!(item = %id, reason = reason.code(), detail = %reason, "item skipped");
            }
            metrics.incr("skipped");
            metrics.incr(format!("skipped.{}", reason.code()));
            (TouchOutcome::Skipped(reason), None)
        }
    };
    Answer { id, outcome, touch }
}

/// Writes every attribution (newest wins, transient errors retried), `concurrency` at a
/// time; one result per attribution, in order. Counts decisions and failures.
async fn write_all<S: AttributionStore + Sync>(
    attributions: &[Attribution],
    store: &S,
    writing: &Writing,
    metrics: &mut Metrics,
) -> Vec<Result<WriteDecision, StoreError>> {
    let backoff = writing.backoff;
    let mut writes: Vec<(usize, Result<WriteDecision, StoreError>)> =
        futures::stream::iter(attributions.iter().enumerate())
            .map(|(i, a)| async move {
                let (result, attempts) = backoff
                    .run(StoreError::is_transient, || store.put_if_newer(a))
                    .await;
                let user_tag = writing.log_key.tag(&a.username);
                debug!(user = %a.username, %user_tag, "attribution for user");
                match &result {
                    Ok(d) => info!(%user_tag, journey = %a.campaign.journey_id,
                        expires_at = a.campaign.expires_at_s, decision = d.as_str(), attempts, "attribution"),
                    Err(e) => warn!(%user_tag, journey = %a.campaign.journey_id,
                        attempts, error = %e, "attribution write failed"),
                }
                (i, result)
            })
            .buffer_unordered(writing.concurrency.max(1))
            .collect()
            .await;
    writes.sort_by_key(|(i, _)| *i);
    for (_, w) in &writes {
        match w {
            Ok(d) => metrics.incr(d.as_str()),
            Err(_) => metrics.incr("failures"),
        }
    }
    writes.into_iter().map(|(_, r)| r).collect()
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

impl Writing {
    /// How every touch source writes: `LOOKBACK_WINDOW(S)`; Pinpoint gives 15 s for up to
    /// 50 endpoints, Connect and SES wait less.
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        Ok(Self {
            windows: windows(env)?,
            concurrency: TAGGING_CONCURRENCY,
            backoff: TAGGING_BACKOFF,
            log_key: config::UserTag::from_env(env),
        })
    }
}

/// The Lambda's answer to a failed invocation, logged with what was written.
impl From<WriteError> for Diagnostic {
    fn from(e: WriteError) -> Self {
        match &e {
            WriteError::WritesFailed { response, .. } => {
                error!(error = %e, response = %response, "invocation failed")
            }
            WriteError::Invocation(_) => error!(error = %e, "invocation failed"),
        }
        config::diagnostic(e.error_type(), e.to_string())
    }
}
