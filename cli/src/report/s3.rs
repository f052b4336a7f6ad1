//! The report's inputs where Firehose writes them: `s3://bucket/prefix/`, listed with
//! `ListObjectsV2` (paginated; only the `YYYY/MM/DD/HH/` prefixes of `--from` / `--to`
//! when given) and streamed with `GetObject` from the report's reader threads.
//!
//! The standard AWS SDK environment and profiles apply (`AWS_PROFILE`, `AWS_REGION`,
//! `AWS_ENDPOINT_URL`, ...); a custom endpoint is addressed path-style (moto, MinIO).

use std::io::{self, Read};
use std::time::Duration;

use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use bytes::Bytes;
use journey_attribution_aws::SdkLimits;
use journey_attribution_aws::config::sdk_config_with;
use journey_attribution_aws::error::sdk_message;
use journey_attribution_core::rfc3339;

/// S3's limits: throttling (`SlowDown`, 503) is retried with backoff, five attempts in all;
/// an attempt may take a while on a large listing page.
const S3_LIMITS: SdkLimits = SdkLimits {
    max_attempts: 5,
    connect: Duration::from_secs(5),
    attempt: Duration::from_secs(60),
    operation: Duration::from_secs(300),
};

/// `s3://bucket/prefix`: the bucket and the key prefix (possibly empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Url {
    pub bucket: String,
    pub prefix: String,
}

impl S3Url {
    /// `None` when `s` is not an `s3://` URL; `Err` when it is a malformed one.
    pub fn parse(s: &str) -> Option<Result<Self, S3Error>> {
        let rest = s.strip_prefix("s3://")?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Some(Err(S3Error::Url(s.to_owned())));
        }
        Some(Ok(Self {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
        }))
    }
}

/// One object to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub bucket: String,
    pub key: String,
    pub size: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum S3Error {
    #[error("{0:?}: expected s3://<bucket>/<prefix>")]
    Url(String),
    #[error("--from / --to: {0}")]
    Range(String),
    #[error("s3://{bucket}: no such bucket")]
    NoSuchBucket { bucket: String },
    #[error("s3://{bucket}/{key}: no such key")]
    NoSuchKey { bucket: String, key: String },
    #[error(
        "s3://{bucket}/{key}: access denied (the report needs s3:ListBucket on the bucket \
         and s3:GetObject on the prefix)"
    )]
    AccessDenied { bucket: String, key: String },
    #[error("s3://{bucket}/{key}: {message}")]
    Request {
        bucket: String,
        key: String,
        message: String,
    },
    #[error("the AWS SDK runtime: {0}")]
    Runtime(io::Error),
}

/// Names the object of a failed request and its cause (`code`, else the SDK's message).
fn request_error<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(
    e: SdkError<E, R>,
    bucket: &str,
    key: &str,
) -> S3Error {
    let (bucket, key) = (bucket.to_owned(), key.to_owned());
    match e.code() {
        Some("NoSuchBucket") => S3Error::NoSuchBucket { bucket },
        Some("NoSuchKey") => S3Error::NoSuchKey { bucket, key },
        Some("AccessDenied" | "AllAccessDisabled" | "InvalidAccessKeyId") => {
            S3Error::AccessDenied { bucket, key }
        }
        _ => S3Error::Request {
            message: sdk_message(&e),
            bucket,
            key,
        },
    }
}

/// The hour of `ms` as Firehose's key path: (`YYYY/MM/DD`, `HH`), UTC.
fn firehose_path(ms: i64) -> (String, String) {
    // "YYYY-MM-DDTHH:MM:SS.sssZ"
    let t = rfc3339::format_ms(ms);
    (t[..10].replace('-', "/"), t[11..13].to_owned())
}

/// An hour range over Firehose's `YYYY/MM/DD/HH/` layout, inclusive, in epoch ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hours {
    pub from_ms: i64,
    pub to_ms: i64,
}

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

impl Hours {
    /// `--from` / `--to` as `YYYY-MM-DD` or `YYYY-MM-DDTHH` (UTC, as Firehose names
    /// prefixes); a day `--to` includes its last hour. Either may be absent, not both.
    pub fn parse(from: Option<&str>, to: Option<&str>) -> Result<Option<Self>, S3Error> {
        let at = |s: &str, end: bool| -> Result<i64, S3Error> {
            let day = s.len() == 10;
            let text = if day {
                format!("{s}T00:00:00Z")
            } else {
                format!("{s}:00:00Z")
            };
            let bad = || {
                S3Error::Range(format!(
                    "{s:?}: expected YYYY-MM-DD or YYYY-MM-DDTHH (UTC), e.g. 2026-03-01T09"
                ))
            };
            let ms = rfc3339::parse_ms(&text).ok_or_else(bad)?;
            Ok(if day && end {
                ms + DAY_MS - HOUR_MS
            } else {
                ms
            })
        };
        let (from_ms, to_ms) = match (from, to) {
            (None, None) => return Ok(None),
            (Some(f), Some(t)) => (at(f, false)?, at(t, true)?),
            (Some(f), None) => {
                let f = at(f, false)?;
                (f, (journey_attribution_aws::now_ms() / HOUR_MS) * HOUR_MS)
            }
            (None, Some(_)) => return Err(S3Error::Range("--to needs --from".into())),
        };
        if to_ms < from_ms {
            return Err(S3Error::Range("--to is before --from".into()));
        }
        Ok(Some(Self { from_ms, to_ms }))
    }

    /// The first and last hour as Athena's partition values (`YYYY/MM/DD/HH`).
    pub fn datehours(&self) -> (String, String) {
        let hour = |ms: i64| {
            let (day, hour) = firehose_path(ms);
            format!("{day}/{hour}")
        };
        (hour(self.from_ms), hour(self.to_ms))
    }

    /// The key prefixes under `prefix` covering the range: a day's prefix for each whole
    /// day, an hour's for the others, in time order.
    pub fn prefixes(&self, prefix: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut at = self.from_ms;
        while at <= self.to_ms {
            let (day, hour) = firehose_path(at);
            if at % DAY_MS == 0 && at + DAY_MS - HOUR_MS <= self.to_ms {
                out.push(format!("{prefix}{day}/"));
                at += DAY_MS;
            } else {
                out.push(format!("{prefix}{day}/{hour}/"));
                at += HOUR_MS;
            }
        }
        out
    }
}

/// An S3 client with the runtime its calls block on (the report's threads are plain
/// threads).
#[derive(Debug)]
pub struct S3 {
    client: aws_sdk_s3::Client,
    runtime: tokio::runtime::Runtime,
}

impl S3 {
    pub fn connect() -> Result<Self, S3Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(S3Error::Runtime)?;
        let config = runtime.block_on(sdk_config_with(S3_LIMITS));
        let custom_endpoint = std::env::var_os("AWS_ENDPOINT_URL").is_some()
            || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some();
        let s3 = aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(custom_endpoint)
            .build();
        Ok(Self {
            client: aws_sdk_s3::Client::from_conf(s3),
            runtime,
        })
    }

    /// The objects under `url` (within `hours` of Firehose's layout when given), in key
    /// order; "folder" placeholders (keys ending in `/`) are left out.
    pub fn list(&self, url: &S3Url, hours: Option<Hours>) -> Result<Vec<Object>, S3Error> {
        let prefixes = match hours {
            Some(h) => h.prefixes(&url.prefix),
            None => vec![url.prefix.clone()],
        };
        let mut objects = Vec::new();
        for prefix in prefixes {
            self.runtime.block_on(async {
                let mut pages = self
                    .client
                    .list_objects_v2()
                    .bucket(&url.bucket)
                    .prefix(&prefix)
                    .into_paginator()
                    .send();
                while let Some(page) = pages.next().await {
                    let page = page.map_err(|e| request_error(e, &url.bucket, &prefix))?;
                    for o in page.contents() {
                        let Some(key) = o.key().filter(|k| !k.ends_with('/')) else {
                            continue;
                        };
                        objects.push(Object {
                            bucket: url.bucket.clone(),
                            key: key.to_owned(),
                            size: o.size().and_then(|s| u64::try_from(s).ok()).unwrap_or(0),
                        });
                    }
                }
                Ok::<_, S3Error>(())
            })?;
        }
        objects.sort_by(|a, b| a.key.cmp(&b.key));
        objects.dedup();
        Ok(objects)
    }

    /// The object's bytes as they arrive, for a reader thread (never inside the runtime).
    pub fn open(&self, object: &Object) -> Result<ObjectReader, S3Error> {
        let out = self
            .runtime
            .block_on(
                self.client
                    .get_object()
                    .bucket(&object.bucket)
                    .key(&object.key)
                    .send(),
            )
            .map_err(|e| request_error(e, &object.bucket, &object.key))?;
        Ok(ObjectReader {
            body: out.body,
            pending: Bytes::new(),
            handle: self.runtime.handle().clone(),
        })
    }

    /// Uploads a local file as `s3://bucket/key` (one PutObject: `holdout split`'s outputs).
    pub fn put_file(&self, bucket: &str, key: &str, path: &std::path::Path) -> Result<(), S3Error> {
        self.runtime.block_on(async {
            let body = ByteStream::from_path(path)
                .await
                .map_err(|e| S3Error::Request {
                    bucket: bucket.to_owned(),
                    key: key.to_owned(),
                    message: format!("{}: {e}", path.display()),
                })?;
            self.client
                .put_object()
                .bucket(bucket)
                .key(key)
                .body(body)
                .send()
                .await
                .map_err(|e| request_error(e, bucket, key))?;
            Ok(())
        })
    }
}

/// A `Read` over an object's body: each chunk the SDK receives, in turn, so memory stays a
/// chunk whatever the object's size.
pub struct ObjectReader {
    body: ByteStream,
    pending: Bytes,
    handle: tokio::runtime::Handle,
}

impl std::fmt::Debug for ObjectReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectReader")
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl Read for ObjectReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pending.is_empty() {
            match self.handle.block_on(self.body.try_next()) {
                Ok(Some(bytes)) => self.pending = bytes,
                Ok(None) => return Ok(0),
                Err(e) => return Err(io::Error::other(e)),
            }
        }
        let n = out.len().min(self.pending.len());
        out[..n].copy_from_slice(&self.pending.split_to(n));
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parses_s3_urls() {
        assert_eq!(
            S3Url::parse("s3://b/events/").unwrap().unwrap(),
            S3Url {
                bucket: "b".into(),
                prefix: "events/".into()
            }
        );
        assert_eq!(S3Url::parse("s3://b").unwrap().unwrap().prefix, "");
        assert!(S3Url::parse("s3:///x").unwrap().is_err());
        assert!(S3Url::parse("./events").is_none());
    }

    #[test]
    fn hours_become_day_and_hour_prefixes() {
        let h = Hours::parse(Some("2026-03-01T22"), Some("2026-03-03T01"))
            .unwrap()
            .unwrap();
        assert_eq!(
            h.prefixes("events/"),
            [
                "events/2026/03/01/22/",
                "events/2026/03/01/23/",
                "events/2026/03/02/",
                "events/2026/03/03/00/",
                "events/2026/03/03/01/",
            ]
        );
        assert_eq!(
            h.datehours(),
            ("2026/03/01/22".to_owned(), "2026/03/03/01".to_owned())
        );
        let days = Hours::parse(Some("2026-02-28"), Some("2026-03-01"))
            .unwrap()
            .unwrap();
        assert_eq!(days.prefixes(""), ["2026/02/28/", "2026/03/01/"]);
        assert!(Hours::parse(None, None).unwrap().is_none());
        assert!(Hours::parse(Some("2026-03-02"), Some("2026-03-01")).is_err());
        assert!(Hours::parse(None, Some("2026-03-01")).is_err());
        let err = Hours::parse(Some("March"), None).unwrap_err().to_string();
        assert!(err.contains("expected YYYY-MM-DD"), "{err}");
    }
}
