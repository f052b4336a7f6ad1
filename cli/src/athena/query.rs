//! The report's query on Athena: `StartQueryExecution` in the workgroup (its result
//! location and limits apply), `GetQueryExecution` polled with backoff, the result paged
//! through `GetQueryResults`.

use std::time::Duration;

use aws_sdk_athena::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_athena::types::{QueryExecutionContext, QueryExecutionState};
use journey_attribution_aws::SdkLimits;
use journey_attribution_aws::config::sdk_config_with;
use journey_attribution_aws::error::sdk_message;

/// Athena's and Glue's limits: throttling is retried with backoff, five attempts in all.
pub const ATHENA_LIMITS: SdkLimits = SdkLimits {
    max_attempts: 5,
    connect: Duration::from_secs(5),
    attempt: Duration::from_secs(30),
    operation: Duration::from_secs(120),
};

/// Polling: from 200 ms, 1.5 times longer each time, at most 5 s between two polls.
const FIRST_POLL: Duration = Duration::from_millis(200);
const LONGEST_POLL: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum AthenaError {
    #[error(
        "athena {operation}: access denied (the report needs athena:StartQueryExecution, \
         athena:GetQueryExecution and athena:GetQueryResults on the workgroup, glue:GetTable \
         on the table, s3:GetObject on the events and s3:PutObject on the results location)"
    )]
    AccessDenied { operation: &'static str },
    #[error("athena {operation}: {message}")]
    Request {
        operation: &'static str,
        message: String,
    },
    #[error("athena query {id} {state}: {reason}")]
    Failed {
        id: String,
        state: String,
        reason: String,
    },
    #[error("athena query {id} still running after {seconds} s (--athena-timeout); stopped it")]
    Timeout { id: String, seconds: u64 },
    #[error("the AWS SDK runtime: {0}")]
    Runtime(std::io::Error),
}

fn athena_error<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(
    e: &SdkError<E, R>,
    operation: &'static str,
) -> AthenaError {
    match e.code() {
        Some("AccessDeniedException") => AthenaError::AccessDenied { operation },
        _ => AthenaError::Request {
            operation,
            message: sdk_message(e),
        },
    }
}

/// A finished query: its column names, rows (`None` for NULL) and what it scanned.
#[derive(Debug)]
pub struct QueryResult {
    pub id: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
    pub scanned_bytes: i64,
}

/// Runs `sql` in `workgroup` against `database` and waits for its result, at most
/// `timeout`.
pub fn run(
    sql: &str,
    workgroup: &str,
    database: &str,
    timeout: Duration,
) -> Result<QueryResult, AthenaError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(AthenaError::Runtime)?;
    runtime.block_on(async {
        let config = sdk_config_with(ATHENA_LIMITS).await;
        let athena = aws_sdk_athena::Client::new(&config);
        let started = athena
            .start_query_execution()
            .query_string(sql)
            .work_group(workgroup)
            .query_execution_context(QueryExecutionContext::builder().database(database).build())
            .send()
            .await
            .map_err(|e| athena_error(&e, "StartQueryExecution"))?;
        let id = started.query_execution_id().unwrap_or_default().to_owned();
        let scanned_bytes = wait(&athena, &id, timeout).await?;
        let (header, rows) = results(&athena, &id).await?;
        Ok(QueryResult {
            id,
            header,
            rows,
            scanned_bytes,
        })
    })
}

/// Polls until the query ends; its scanned bytes when it succeeded.
async fn wait(
    athena: &aws_sdk_athena::Client,
    id: &str,
    timeout: Duration,
) -> Result<i64, AthenaError> {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut pause = FIRST_POLL;
    loop {
        let out = athena
            .get_query_execution()
            .query_execution_id(id)
            .send()
            .await
            .map_err(|e| athena_error(&e, "GetQueryExecution"))?;
        let execution = out.query_execution();
        let status = execution.and_then(|q| q.status());
        let state = status.and_then(|s| s.state()).cloned();
        match state {
            Some(QueryExecutionState::Succeeded) => {
                return Ok(execution
                    .and_then(|q| q.statistics())
                    .and_then(|s| s.data_scanned_in_bytes())
                    .unwrap_or(0));
            }
            Some(s @ (QueryExecutionState::Failed | QueryExecutionState::Cancelled)) => {
                let reason = status
                    .and_then(|s| s.state_change_reason())
                    .or_else(|| {
                        status
                            .and_then(|s| s.athena_error())
                            .and_then(|e| e.error_message())
                    })
                    .unwrap_or("no reason given")
                    .to_owned();
                return Err(AthenaError::Failed {
                    id: id.to_owned(),
                    state: s.as_str().to_lowercase(),
                    reason,
                });
            }
            // Queued, running, or a state this SDK does not know yet: wait.
            _ => {}
        }
        if tokio::time::Instant::now() + pause > deadline {
            // Best effort: the timeout is the error the user sees.
            let _ = athena
                .stop_query_execution()
                .query_execution_id(id)
                .send()
                .await;
            return Err(AthenaError::Timeout {
                id: id.to_owned(),
                seconds: timeout.as_secs(),
            });
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 3 / 2).min(LONGEST_POLL);
    }
}

/// Every page of the result. Athena repeats the column names as the first row of a
/// SELECT's result; that row is dropped.
async fn results(
    athena: &aws_sdk_athena::Client,
    id: &str,
) -> Result<(Vec<String>, Vec<Vec<Option<String>>>), AthenaError> {
    let mut pages = athena
        .get_query_results()
        .query_execution_id(id)
        .max_results(1000)
        .into_paginator()
        .send();
    let mut header: Vec<String> = Vec::new();
    let mut rows = Vec::new();
    let mut first = true;
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| athena_error(&e, "GetQueryResults"))?;
        let Some(set) = page.result_set() else {
            continue;
        };
        if header.is_empty() {
            header = set
                .result_set_metadata()
                .map(|m| {
                    m.column_info()
                        .iter()
                        .map(|c| c.name().to_owned())
                        .collect()
                })
                .unwrap_or_default();
        }
        for row in set.rows() {
            let values: Vec<Option<String>> = row
                .data()
                .iter()
                .map(|d| d.var_char_value().map(str::to_owned))
                .collect();
            if std::mem::take(&mut first) {
                let names: Vec<Option<String>> = header.iter().cloned().map(Some).collect();
                if header.is_empty() {
                    header = values.into_iter().map(Option::unwrap_or_default).collect();
                    continue;
                }
                if values == names {
                    continue;
                }
            }
            rows.push(values);
        }
    }
    Ok((header, rows))
}
