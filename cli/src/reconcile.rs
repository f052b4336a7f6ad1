//! `journey-attribution reconcile`: rebuilds Cognito's `custom:campaign` from the
//! attribution table (the source of truth), after an on-failure-queue message or an outage.
//!
//! Pass 1 scans the table: a live attribution is set where Cognito differs, an expired one
//! cleared where Cognito still holds it. Pass 2 lists the pool's users: a value that no live
//! item backs is cleared (or, with `--migrate-legacy`, a legacy value becomes an
//! attribution with an end). Every Cognito call goes through one rate limiter, below the
//! account-wide default of 25 attribute updates per second.
//!
//! `sync` keeps running meanwhile, so the scan and the listing are only where to look:
//! right before each write the item is read again (consistent `GetItem`) with the user's
//! current value, and the write is decided on those, by core's rules.

use std::collections::HashMap;
use std::error::Error;
use std::time::Duration;

use aws_sdk_cognitoidentityprovider as cognito;
use aws_sdk_dynamodb as dynamodb;
use journey_attribution_aws::cognito::CognitoUserPool;
use journey_attribution_aws::dynamodb::{DynamoStore, from_sdk};
use journey_attribution_aws::ports::{
    AttributionReader, AttributionStore, UserAttributes, UserError,
};
use journey_attribution_aws::retry::Backoff;
use journey_attribution_core::sync::{ReconcileAction, legacy_migration, reconcile_action};
use journey_attribution_core::{Attribution, LookbackWindow};
use journey_attribution_table::item::from_item;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The attribution table (stack output AttributionTableName).
    #[arg(long)]
    pub table: String,
    #[arg(long)]
    pub user_pool_id: String,
    /// Cognito calls per second (Cognito's default quota: 25 updates/s for the account).
    #[arg(long, default_value_t = 20.0)]
    pub rate: f64,
    /// The attribute kept in step (as `sync`'s CAMPAIGN_ATTRIBUTE).
    #[arg(long, default_value = journey_attribution_core::token::DEFAULT_TOKEN_ATTRIBUTE)]
    pub attribute: String,
    /// Print what would change without changing it.
    #[arg(long)]
    pub dry_run: bool,
    /// Turn each legacy value (the original solution's bare journey name, which stamps
    /// for ever) into an attribution that ends `--legacy-max-age` from now, instead of
    /// clearing it: an item in the table, its token in Cognito.
    #[arg(long)]
    pub migrate_legacy: bool,
    /// How long a migrated legacy value stays attributed (`<N>m`, `<N>h`, `<N>d`).
    #[arg(long, env = "LEGACY_MAX_AGE", default_value = "30d")]
    pub legacy_max_age: LookbackWindow,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub items: u64,
    pub users: u64,
    pub set: u64,
    pub cleared: u64,
    pub unchanged: u64,
    pub unknown_users: u64,
    pub unreadable_items: u64,
    pub failed: u64,
    /// Planned writes that the re-read showed unneeded (`sync` got there first).
    pub changed_meanwhile: u64,
    pub migrated: u64,
}

pub fn run(args: Args) -> Result<(), Box<dyn Error>> {
    if !(args.rate > 0.0 && args.rate.is_finite()) {
        return Err(format!(
            "--rate {}: must be a positive number of calls per second",
            args.rate
        )
        .into());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let summary = runtime.block_on(async {
        let config = journey_attribution_aws::config::sdk_config().await;
        let dynamo = dynamodb::Client::new(&config);
        let cognito = cognito::Client::new(&config);
        reconcile(&dynamo, &cognito, &args, journey_attribution_aws::now_ms()).await
    })?;
    println!(
        "reconciled: {} items, {} users; set {}, cleared {}, unchanged {}, unknown users {}, unreadable items {}, failed {}; changed meanwhile {}, legacy migrated {}",
        summary.items,
        summary.users,
        summary.set,
        summary.cleared,
        summary.unchanged,
        summary.unknown_users,
        summary.unreadable_items,
        summary.failed,
        summary.changed_meanwhile,
        summary.migrated
    );
    if summary.failed > 0 {
        return Err(format!(
            "{} users could not be reconciled (see above); run again",
            summary.failed
        )
        .into());
    }
    Ok(())
}

/// Spaces calls `1/rate` apart.
struct Limiter {
    interval: tokio::time::Interval,
}

impl Limiter {
    fn new(rate: f64) -> Self {
        let mut interval = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        Self { interval }
    }

    async fn wait(&mut self) {
        self.interval.tick().await;
    }
}

pub async fn reconcile(
    dynamo: &dynamodb::Client,
    cognito_client: &cognito::Client,
    args: &Args,
    now_ms: i64,
) -> Result<Summary, Box<dyn Error>> {
    let items = scan(dynamo, &args.table).await?;
    let pool = CognitoUserPool::new(cognito_client.clone(), &args.user_pool_id);
    // Items are keyed by the canonical username; the listing gives Cognito's own.
    let usernames = pool
        .username_rule()
        .await
        .map_err(|e| format!("DescribeUserPool {}: {e}", args.user_pool_id))?;
    let mut r = Reconciler {
        pool,
        store: DynamoStore::new(dynamo.clone(), &args.table),
        limiter: Limiter::new(args.rate),
        summary: Summary::default(),
        args,
        now_ms,
    };
    let mut live: HashMap<String, Attribution> = HashMap::new();
    for item in &items {
        r.summary.items += 1;
        match from_item(&from_sdk(item)) {
            Ok(a) => {
                live.insert(a.username.clone(), a);
            }
            Err(e) => {
                r.summary.unreadable_items += 1;
                eprintln!("item {:?}: {e}", item.get("username"));
            }
        }
    }
    let total = live.len();
    for (i, (username, attribution)) in live.iter().enumerate() {
        r.limiter.wait().await;
        match retry(|| r.pool.get_attribute(username, &args.attribute)).await {
            Ok(current) => {
                r.apply(username, Some(attribution), current.as_deref())
                    .await
            }
            Err(e) => r.summary.count_error(username, &e),
        }
        if (i + 1) % 100 == 0 {
            eprintln!("table: {}/{total} users", i + 1);
        }
    }
    // Pass 2: values in Cognito that no table item backs (an item lost, a missed REMOVE).
    let mut token = None;
    loop {
        r.limiter.wait().await;
        let page = cognito_client
            .list_users()
            .user_pool_id(&args.user_pool_id)
            .set_pagination_token(token)
            .send()
            .await
            .map_err(|e| format!("ListUsers: {}", cognito::error::DisplayErrorContext(&e)))?;
        for user in page.users() {
            r.summary.users += 1;
            let Some(username) = user.username() else {
                continue;
            };
            let key = usernames
                .canonical(username)
                .unwrap_or_else(|| username.to_owned());
            if live.contains_key(&key) {
                continue;
            }
            let current = user
                .attributes()
                .iter()
                .find(|a| a.name() == args.attribute)
                .and_then(|a| a.value());
            r.apply(username, None, current).await;
        }
        token = page.pagination_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    Ok(r.summary)
}

/// One reconcile run's state: every Cognito call goes through its limiter.
struct Reconciler<'a> {
    pool: CognitoUserPool,
    store: DynamoStore,
    limiter: Limiter,
    summary: Summary,
    args: &'a Args,
    now_ms: i64,
}

impl Reconciler<'_> {
    /// What the user's attribute must become, by core's rules; a legacy value with no
    /// item becomes an attribution of its own with `--migrate-legacy`.
    fn decide(
        &self,
        username: &str,
        item: Option<&Attribution>,
        current: Option<&str>,
    ) -> Result<(ReconcileAction, Option<Attribution>), String> {
        let migrated = if self.args.migrate_legacy && item.is_none() {
            legacy_migration(username, current, self.now_ms, self.args.legacy_max_age)
        } else {
            None
        };
        let item = migrated.as_ref().or(item);
        let action = reconcile_action(item, current, self.now_ms).map_err(|e| e.to_string())?;
        Ok((action, migrated))
    }

    /// Makes the user's attribute match the table (core's `reconcile_action`). `item` and
    /// `current` come from the scan or the listing; before a write both are read again.
    async fn apply(&mut self, username: &str, item: Option<&Attribution>, current: Option<&str>) {
        let (action, _) = match self.decide(username, item, current) {
            Ok(a) => a,
            Err(e) => return self.fail(username, e),
        };
        if action == ReconcileAction::Keep {
            self.summary.unchanged += 1;
            return;
        }
        if self.args.dry_run {
            println!("{username}: would {}", describe(&action));
            self.count(&action);
            return;
        }
        // `sync` may have written since the snapshot: decide again on fresh reads, taken
        // right before the write (both Cognito calls' turns are waited for first, so no
        // wait falls between the reads and the write).
        self.limiter.wait().await;
        self.limiter.wait().await;
        let fresh_item = match self.store.get(username).await {
            Ok(i) => i,
            Err(e) => return self.fail(username, format!("re-reading the item: {e}")),
        };
        let attribute = &self.args.attribute;
        let fresh_current = match retry(|| self.pool.get_attribute(username, attribute)).await {
            Ok(c) => c,
            Err(e) => return self.summary.count_error(username, &e),
        };
        let (action, migrated) =
            match self.decide(username, fresh_item.as_ref(), fresh_current.as_deref()) {
                Ok(a) => a,
                Err(e) => return self.fail(username, e),
            };
        if action == ReconcileAction::Keep {
            self.summary.changed_meanwhile += 1;
            return;
        }
        if let Some(m) = &migrated {
            // The table first: it is the truth `sync`, `claims` and the TTL act on.
            match self.store.put_if_newer(m).await {
                Ok(_) => {
                    self.summary.migrated += 1;
                    println!(
                        "{username}: legacy value {:?} migrated, attributed until {}",
                        m.campaign.label, m.campaign.expires_at_s
                    );
                }
                Err(e) => return self.fail(username, format!("writing the migrated item: {e}")),
            }
        }
        let result = match &action {
            ReconcileAction::Keep => Ok(()),
            ReconcileAction::Set(token) => {
                retry(|| self.pool.set_attribute(username, attribute, token)).await
            }
            ReconcileAction::Clear => {
                retry(|| self.pool.clear_attribute(username, attribute)).await
            }
        };
        match result {
            Ok(()) => self.count(&action),
            Err(e) => self.summary.count_error(username, &e),
        }
    }

    fn fail(&mut self, username: &str, why: impl std::fmt::Display) {
        self.summary.failed += 1;
        eprintln!("{username}: {why}");
    }

    fn count(&mut self, action: &ReconcileAction) {
        match action {
            ReconcileAction::Set(_) => self.summary.set += 1,
            ReconcileAction::Clear => self.summary.cleared += 1,
            ReconcileAction::Keep => self.summary.unchanged += 1,
        }
    }
}

fn describe(action: &ReconcileAction) -> String {
    match action {
        ReconcileAction::Keep => "keep".into(),
        ReconcileAction::Set(t) => format!("set {t}"),
        ReconcileAction::Clear => "clear".into(),
    }
}

impl Summary {
    fn count_error(&mut self, username: &str, e: &UserError) {
        match e {
            UserError::NotFound(_) => {
                self.unknown_users += 1;
                eprintln!("{username}: not in the user pool (skipped)");
            }
            _ => {
                self.failed += 1;
                eprintln!("{username}: {e}");
            }
        }
    }
}

async fn retry<T, F, Fut>(op: F) -> Result<T, UserError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, UserError>>,
{
    let backoff = Backoff::new(6, Duration::from_millis(200), Duration::from_secs(5));
    backoff.run(UserError::is_retryable, op).await.0
}

async fn scan(
    client: &dynamodb::Client,
    table: &str,
) -> Result<Vec<HashMap<String, dynamodb::types::AttributeValue>>, Box<dyn Error>> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(table)
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| format!("Scan {table}: {}", dynamodb::error::DisplayErrorContext(&e)))?;
        items.extend(page.items().iter().cloned());
        start = page.last_evaluated_key().cloned();
        if start.is_none() {
            break;
        }
    }
    Ok(items)
}
