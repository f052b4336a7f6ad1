//! `journey-attribution setup`: prepares a Cognito user pool for the attribution, once.
//!
//! Adds the custom attribute `campaign` (String, mutable, up to 2048) when missing, lets the
//! web app's client *read* `custom:campaign`, and lets **no** app client of the pool *write*
//! it (a user must not set their own campaign, through whichever client: under the attribute
//! projection a value written through the mobile or an admin client reaches the web client's
//! token too). With `--projection token|both` it attaches `claims` as the pool's
//! pre-token-generation trigger; `--projection attribute` detaches it. Idempotent: a second
//! run changes nothing and says so. `--check` changes nothing and fails when a client can
//! still write the attribute.

use std::error::Error;

use aws_sdk_cognitoidentityprovider as cognito;
use cognito::types::{
    AttributeDataType, LambdaConfigType, PreTokenGenerationLambdaVersionType,
    PreTokenGenerationVersionConfigType, SchemaAttributeType, StringAttributeConstraintsType,
    UserPoolClientType, UserPoolType,
};
use journey_attribution_core::token::{
    DEFAULT_TOKEN_ATTRIBUTE as CUSTOM_ATTRIBUTE, DEFAULT_TOKEN_SCHEMA_NAME as ATTRIBUTE,
    MAX_TOKEN_BYTES,
};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The Cognito user pool id (e.g. us-east-1_AbCdEf123).
    #[arg(long)]
    pub user_pool_id: String,
    /// The app client the web app signs in with: it may read the attribute. Every client of
    /// the pool loses the right to write it.
    #[arg(long, required_unless_present = "check")]
    pub app_client_id: Option<String>,
    /// Change nothing: list every app client that can write the attribute (and whether the
    /// web app's client can read it), and fail if any can write it.
    #[arg(long, conflicts_with_all = ["projection", "claims_function_arn"])]
    pub check: bool,
    /// How the attribution reaches the browser (the SAM parameter `Projection`): `token` and
    /// `both` attach `claims` as the pool's pre-token-generation trigger, `attribute`
    /// detaches it. Without it, the trigger is left as it is.
    #[arg(long, value_enum, requires = "claims_function_arn")]
    pub projection: Option<Projection>,
    /// The `claims` function (the stack's output `ClaimsFunctionArn`).
    #[arg(long)]
    pub claims_function_arn: Option<String>,
    /// The trigger's event version: V1_0 (every feature plan) or V2_0 (Essentials, Plus).
    #[arg(long, value_enum, default_value = "V1_0")]
    pub event_version: EventVersion,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Projection {
    Attribute,
    Token,
    Both,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EventVersion {
    #[value(name = "V1_0")]
    V1,
    #[value(name = "V2_0")]
    V2,
}

impl EventVersion {
    fn sdk(self) -> PreTokenGenerationLambdaVersionType {
        match self {
            Self::V1 => PreTokenGenerationLambdaVersionType::V10,
            Self::V2 => PreTokenGenerationLambdaVersionType::V20,
        }
    }
}

pub fn run(args: Args) -> Result<(), Box<dyn Error>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let config = journey_attribution_aws::config::sdk_config().await;
        let client = cognito::Client::new(&config);
        if args.check {
            let report = check(&client, &args.user_pool_id, args.app_client_id.as_deref()).await?;
            for line in &report.lines {
                println!("{line}");
            }
            if !report.open.is_empty() {
                return Err(format!(
                    "{} app client(s) of user pool {} can write {CUSTOM_ATTRIBUTE}: {}; run setup \
                     without --check to close them",
                    report.open.len(),
                    args.user_pool_id,
                    report.open.join(", ")
                )
                .into());
            }
            return Ok(());
        }
        let app_client_id = args
            .app_client_id
            .as_deref()
            .ok_or("--app-client-id is required (the web app's client)")?;
        for line in setup(&client, &args.user_pool_id, app_client_id).await? {
            println!("{line}");
        }
        if let (Some(projection), Some(arn)) = (args.projection, &args.claims_function_arn) {
            let line = trigger(
                &client,
                &args.user_pool_id,
                projection,
                arn,
                args.event_version,
            )
            .await?;
            println!("{line}");
        }
        Ok(())
    })
}

/// Returns what it did, one line per change (or that nothing needed changing).
pub async fn setup(
    client: &cognito::Client,
    pool_id: &str,
    app_client_id: &str,
) -> Result<Vec<String>, Box<dyn Error>> {
    let mut done = Vec::new();
    let pool = describe_pool(client, pool_id).await?;
    let schema = pool.schema_attributes();
    done.extend(username_report(pool_id, Some(&pool)));
    let present = schema.iter().find(|a| a.name() == Some(CUSTOM_ATTRIBUTE));
    // Added below, once the clients are known to be this pool's: a refusal changes nothing.
    if let Some(existing) = present {
        if existing.attribute_data_type() != Some(&AttributeDataType::String)
            || existing.mutable() == Some(false)
        {
            return Err(format!(
                "{CUSTOM_ATTRIBUTE} exists but is not a mutable String attribute; Cognito cannot change that: \
                 use another name with CAMPAIGN_ATTRIBUTE / --attribute"
            )
            .into());
        }
        // Cognito refuses a longer value for good (InvalidParameterException), and
        // cannot change an attribute's MaxLength.
        let max_length = existing
            .string_attribute_constraints()
            .and_then(|c| c.max_length())
            .and_then(|m| m.parse::<usize>().ok());
        if let Some(max) = max_length.filter(|m| *m < MAX_TOKEN_BYTES) {
            return Err(format!(
                "{CUSTOM_ATTRIBUTE} holds at most {max} characters; a token may need \
                 {MAX_TOKEN_BYTES} (sync would park every longer one): Cognito cannot \
                 change that: use another name with CAMPAIGN_ATTRIBUTE / --attribute"
            )
            .into());
        }
        done.push(format!(
            "user pool {pool_id}: {CUSTOM_ATTRIBUTE} already present"
        ));
    }
    let ids = list_clients(client, pool_id).await?;
    if !ids.iter().any(|id| id == app_client_id) {
        return Err(format!(
            "app client {app_client_id} is not a client of user pool {pool_id} (its clients: {})",
            ids.join(", ")
        )
        .into());
    }
    if present.is_none() {
        let attribute = SchemaAttributeType::builder()
            .name(ATTRIBUTE)
            .attribute_data_type(AttributeDataType::String)
            .mutable(true)
            .string_attribute_constraints(
                StringAttributeConstraintsType::builder()
                    .min_length("0")
                    .max_length(MAX_TOKEN_BYTES.to_string())
                    .build(),
            )
            .build();
        client
            .add_custom_attributes()
            .user_pool_id(pool_id)
            .custom_attributes(attribute)
            .send()
            .await
            .map_err(|e| {
                format!(
                    "AddCustomAttributes: {}",
                    cognito::error::DisplayErrorContext(&e)
                )
            })?;
        done.push(format!("user pool {pool_id}: added custom attribute {CUSTOM_ATTRIBUTE} (String, mutable, max 2048)"));
    }

    let attributes: Vec<(String, bool)> = schema
        .iter()
        .filter_map(|a| Some((a.name()?.to_owned(), a.mutable().unwrap_or(true))))
        .collect();
    // Every client, not only the web app's: a user can write the attribute through any
    // client of the pool that allows it, and `sync`'s attribute is the pool's, not a client's.
    for id in &ids {
        // Described right before its update: UpdateUserPoolClient replaces every setting.
        let app = describe_client(client, pool_id, id).await?;
        let name = client_label(&app);
        let web = id == app_client_id;
        let (read, write) = access_lists(
            app.read_attributes(),
            app.write_attributes(),
            &attributes,
            web,
        );
        if read.as_slice() == app.read_attributes() && write.as_slice() == app.write_attributes() {
            done.push(if web {
                format!("app client {name}: already reads {CUSTOM_ATTRIBUTE} and cannot write it")
            } else {
                format!("app client {name}: already cannot write {CUSTOM_ATTRIBUTE}")
            });
            continue;
        }
        update_client(client, &app, read.clone(), write.clone()).await?;
        if web && app.read_attributes().is_empty() {
            done.push(format!(
                "app client {name}: may now read {CUSTOM_ATTRIBUTE}; its empty read list became \
                 every attribute of the pool, so no claim its tokens carried is lost: {}",
                read.join(", ")
            ));
        } else if web && !app.read_attributes().iter().any(|a| a == CUSTOM_ATTRIBUTE) {
            done.push(format!(
                "app client {name}: may now read {CUSTOM_ATTRIBUTE}"
            ));
        }
        if app.write_attributes().is_empty() {
            done.push(format!(
                "app client {name}: its empty write list let users write every attribute, \
                 {CUSTOM_ATTRIBUTE} included; now an explicit list of {} without it: {}",
                write.len(),
                write.join(", ")
            ));
        } else if app.write_attributes().iter().any(|a| a == CUSTOM_ATTRIBUTE) {
            done.push(format!(
                "app client {name}: may no longer write {CUSTOM_ATTRIBUTE}"
            ));
        }
    }
    Ok(done)
}

/// What `setup --check` found: one line per client, and the clients that can write the
/// attribute.
#[derive(Debug, Default)]
pub struct CheckReport {
    pub lines: Vec<String>,
    pub open: Vec<String>,
}

/// Reads every client of the pool and says which can write the attribute (an explicit list
/// naming it, or no list at all, which lets users write every attribute), and whether the
/// web app's client can read it. Changes nothing.
pub async fn check(
    client: &cognito::Client,
    pool_id: &str,
    app_client_id: Option<&str>,
) -> Result<CheckReport, Box<dyn Error>> {
    let mut report = CheckReport::default();
    for id in list_clients(client, pool_id).await? {
        let app = describe_client(client, pool_id, &id).await?;
        let name = client_label(&app);
        let write = app.write_attributes();
        if write.is_empty() {
            report.lines.push(format!(
                "app client {name}: CAN WRITE {CUSTOM_ATTRIBUTE} (no write list: users may write \
                 every attribute)"
            ));
            report.open.push(name.clone());
        } else if write.iter().any(|a| a == CUSTOM_ATTRIBUTE) {
            report.lines.push(format!(
                "app client {name}: CAN WRITE {CUSTOM_ATTRIBUTE} (it is in the write list)"
            ));
            report.open.push(name.clone());
        } else {
            report.lines.push(format!(
                "app client {name}: cannot write {CUSTOM_ATTRIBUTE}"
            ));
        }
        if app_client_id == Some(id.as_str()) {
            let read = app.read_attributes();
            report
                .lines
                .push(if read.iter().any(|a| a == CUSTOM_ATTRIBUTE) {
                    format!("app client {name}: reads {CUSTOM_ATTRIBUTE}")
                } else if read.is_empty() {
                    format!(
                        "app client {name}: no read list: AWS documents it as the standard \
                     attributes only, so {CUSTOM_ATTRIBUTE} may not reach its ID token"
                    )
                } else {
                    format!("app client {name}: DOES NOT READ {CUSTOM_ATTRIBUTE}")
                });
        }
    }
    if report.lines.is_empty() {
        report
            .lines
            .push(format!("user pool {pool_id}: no app clients"));
    }
    Ok(report)
}

/// Every app client id of the pool (ListUserPoolClients, all pages).
async fn list_clients(
    client: &cognito::Client,
    pool_id: &str,
) -> Result<Vec<String>, Box<dyn Error>> {
    let mut ids = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = client
            .list_user_pool_clients()
            .user_pool_id(pool_id)
            .max_results(60)
            .set_next_token(next.take())
            .send()
            .await
            .map_err(|e| {
                format!(
                    "ListUserPoolClients {pool_id}: {}",
                    cognito::error::DisplayErrorContext(&e)
                )
            })?;
        ids.extend(
            page.user_pool_clients()
                .iter()
                .filter_map(|c| c.client_id().map(str::to_owned)),
        );
        match page.next_token() {
            Some(t) if !t.is_empty() => next = Some(t.to_owned()),
            _ => return Ok(ids),
        }
    }
}

async fn describe_client(
    client: &cognito::Client,
    pool_id: &str,
    id: &str,
) -> Result<UserPoolClientType, Box<dyn Error>> {
    let described = client
        .describe_user_pool_client()
        .user_pool_id(pool_id)
        .client_id(id)
        .send()
        .await
        .map_err(|e| {
            format!(
                "DescribeUserPoolClient {id}: {}",
                cognito::error::DisplayErrorContext(&e)
            )
        })?;
    described
        .user_pool_client()
        .cloned()
        .ok_or_else(|| format!("DescribeUserPoolClient {id}: no client in the response").into())
}

/// `<id> (<name>)`: the id is what the operator passes, the name what they recognise.
fn client_label(app: &UserPoolClientType) -> String {
    match (app.client_id(), app.client_name()) {
        (Some(id), Some(name)) if !name.is_empty() => format!("{id} ({name})"),
        (Some(id), _) => id.to_owned(),
        (None, _) => "(no id)".to_owned(),
    }
}

async fn describe_pool(
    client: &cognito::Client,
    pool_id: &str,
) -> Result<UserPoolType, Box<dyn Error>> {
    let described = client
        .describe_user_pool()
        .user_pool_id(pool_id)
        .send()
        .await
        .map_err(|e| {
            format!(
                "DescribeUserPool {pool_id}: {}",
                cognito::error::DisplayErrorContext(&e)
            )
        })?;
    described
        .user_pool()
        .cloned()
        .ok_or_else(|| format!("DescribeUserPool {pool_id}: no pool in the response").into())
}

/// What the functions must know of the pool's usernames (the canonical username rule).
fn username_report(pool_id: &str, pool: Option<&UserPoolType>) -> Vec<String> {
    let case_sensitive = pool
        .and_then(|p| p.username_configuration())
        .is_none_or(|c| c.case_sensitive());
    let mut lines = vec![format!(
        "user pool {pool_id}: usernames are case-{}: deploy with UsernameCaseSensitive={case_sensitive} \
         (USERNAME_CASE_SENSITIVE={case_sensitive})",
        if case_sensitive {
            "sensitive"
        } else {
            "insensitive"
        }
    )];
    let sign_in: Vec<&str> = pool
        .map(|p| p.username_attributes().iter().map(|a| a.as_str()).collect())
        .unwrap_or_default();
    if !sign_in.is_empty() {
        lines.push(format!(
            "user pool {pool_id}: users sign in with {}: their usernames are generated ids, so \
             every touch source must carry the username itself (SesUserFromDestination=true \
             cannot work here)",
            sign_in.join(" or ")
        ));
    }
    lines
}

/// Attaches (`token`, `both`) or detaches (`attribute`) `claims` as the pool's
/// pre-token-generation trigger. Never replaces another function's trigger.
pub async fn trigger(
    client: &cognito::Client,
    pool_id: &str,
    projection: Projection,
    arn: &str,
    version: EventVersion,
) -> Result<String, Box<dyn Error>> {
    // Re-read right before writing: UpdateUserPool replaces the whole pool's settings.
    let pool = &describe_pool(client, pool_id).await?;
    let mut lambda = pool
        .lambda_config()
        .cloned()
        .unwrap_or_else(|| LambdaConfigType::builder().build());
    let current = lambda
        .pre_token_generation_config()
        .map(|c| (c.lambda_arn().to_owned(), Some(c.lambda_version().clone())))
        .or_else(|| lambda.pre_token_generation().map(|a| (a.to_owned(), None)));
    let wanted = version.sdk();
    let line = match (projection, current) {
        (Projection::Attribute, None) => {
            return Ok(format!(
                "user pool {pool_id}: no pre-token-generation trigger to detach"
            ));
        }
        (Projection::Attribute, Some((other, _))) if other != arn => {
            return Ok(format!(
                "user pool {pool_id}: the pre-token-generation trigger is {other}, not {arn}: left attached"
            ));
        }
        (Projection::Attribute, Some(_)) => {
            lambda.pre_token_generation = None;
            lambda.pre_token_generation_config = None;
            format!("user pool {pool_id}: detached the pre-token-generation trigger {arn}")
        }
        (_, Some((other, _))) if other != arn => {
            return Err(format!(
                "user pool {pool_id} already has a pre-token-generation trigger, {other}; Cognito \
                 allows one: detach it or call claims from it, then run setup again"
            )
            .into());
        }
        (_, Some((_, Some(v)))) if v == wanted => {
            return Ok(format!(
                "user pool {pool_id}: {arn} already attached as the pre-token-generation trigger ({})",
                wanted.as_str()
            ));
        }
        (_, _) => {
            lambda.pre_token_generation = Some(arn.to_owned());
            lambda.pre_token_generation_config = Some(
                PreTokenGenerationVersionConfigType::builder()
                    .lambda_arn(arn)
                    .lambda_version(wanted.clone())
                    .build()?,
            );
            format!(
                "user pool {pool_id}: attached {arn} as the pre-token-generation trigger ({})",
                wanted.as_str()
            )
        }
    };
    update_pool(client, pool, lambda).await?;
    Ok(line)
}

/// UpdateUserPool resets every setting it is not given (a lost password policy, MFA or
/// trigger), so every setting DescribeUserPool returned is sent back, with `lambda`.
async fn update_pool(
    client: &cognito::Client,
    pool: &UserPoolType,
    lambda: LambdaConfigType,
) -> Result<(), Box<dyn Error>> {
    let mut admin_create_user = pool.admin_create_user_config().cloned();
    // The deprecated UnusedAccountValidityDays is described alongside the password
    // policy's TemporaryPasswordValidityDays; AWS refuses an update with both.
    // (0 is "unset", which the SDK does not send.)
    let temporary_days = pool
        .policies()
        .and_then(|p| p.password_policy())
        .map_or(0, |p| p.temporary_password_validity_days());
    if let Some(config) = admin_create_user.as_mut().filter(|_| temporary_days > 0) {
        config.unused_account_validity_days = 0;
    }
    client
        .update_user_pool()
        .set_user_pool_id(pool.id().map(str::to_owned))
        .set_pool_name(pool.name().map(str::to_owned))
        .set_policies(pool.policies().cloned())
        .set_deletion_protection(pool.deletion_protection().cloned())
        .set_lambda_config(Some(lambda))
        .set_auto_verified_attributes(
            Some(pool.auto_verified_attributes().to_vec()).filter(|v| !v.is_empty()),
        )
        .set_sms_verification_message(pool.sms_verification_message().map(str::to_owned))
        .set_email_verification_message(pool.email_verification_message().map(str::to_owned))
        .set_email_verification_subject(pool.email_verification_subject().map(str::to_owned))
        .set_verification_message_template(pool.verification_message_template().cloned())
        .set_sms_authentication_message(pool.sms_authentication_message().map(str::to_owned))
        .set_user_attribute_update_settings(pool.user_attribute_update_settings().cloned())
        .set_mfa_configuration(pool.mfa_configuration().cloned())
        .set_device_configuration(pool.device_configuration().cloned())
        .set_email_configuration(pool.email_configuration().cloned())
        .set_sms_configuration(pool.sms_configuration().cloned())
        .set_user_pool_tags(pool.user_pool_tags().cloned())
        .set_admin_create_user_config(admin_create_user)
        .set_user_pool_add_ons(pool.user_pool_add_ons().cloned())
        .set_account_recovery_setting(pool.account_recovery_setting().cloned())
        .set_user_pool_tier(pool.user_pool_tier().cloned())
        .send()
        .await
        .map_err(|e| {
            format!(
                "UpdateUserPool: {}",
                cognito::error::DisplayErrorContext(&e)
            )
        })?;
    Ok(())
}

/// Attributes no app client may write: the pool's own, and the verification flags only an
/// administrator sets (Cognito refuses them in a write list).
const NEVER_WRITABLE: &[&str] = &["sub", "email_verified", "phone_number_verified"];

/// An app client's read and write lists after setup, from the pool's schema attributes
/// (name, mutable). `web`: the web app's client, which must read the attribute; the others'
/// read lists are left as they are.
///
/// An empty read list: AWS documents it as "When you don't specify the ReadAttributes for
/// your app client, your app can read the values of email_verified, phone_number_verified,
/// and the standard attributes of your user pool." (API reference, `UserPoolClientType` /
/// `UpdateUserPoolClient`, `ReadAttributes`): no custom attribute. For writes the same
/// documentation says "the Standard attributes" and clients were observed writing every
/// attribute, custom ones included (the Terraform provider records the same of reads and
/// writes), so neither reading is relied on: the web client's empty read list becomes every
/// attribute of the pool (custom ones included) plus ours, so whichever is true, no claim its
/// tokens carried (`custom:tenant_id`…) is taken away. An empty write list likewise becomes
/// the explicit list of every mutable attribute the client could write until now, ours
/// excepted. A non-empty list only gains (read) or loses (write) ours.
pub fn access_lists(
    read: &[String],
    write: &[String],
    schema: &[(String, bool)],
    web: bool,
) -> (Vec<String>, Vec<String>) {
    let mut new_read: Vec<String> = if read.is_empty() && web {
        schema
            .iter()
            .map(|(name, _)| name)
            .filter(|n| !n.starts_with("dev:"))
            .cloned()
            .collect()
    } else {
        read.to_vec()
    };
    if web && !new_read.iter().any(|a| a == CUSTOM_ATTRIBUTE) {
        new_read.push(CUSTOM_ATTRIBUTE.to_owned());
    }
    let new_write: Vec<String> = if write.is_empty() {
        schema
            .iter()
            .filter(|(name, mutable)| {
                *mutable && !name.starts_with("dev:") && !NEVER_WRITABLE.contains(&name.as_str())
            })
            .map(|(name, _)| name.clone())
            .collect()
    } else {
        write.to_vec()
    };
    let new_write = new_write
        .into_iter()
        .filter(|a| a != CUSTOM_ATTRIBUTE)
        .collect();
    (new_read, new_write)
}

/// UpdateUserPoolClient resets every setting it is not given, so all are passed back.
async fn update_client(
    client: &cognito::Client,
    app: &UserPoolClientType,
    read: Vec<String>,
    write: Vec<String>,
) -> Result<(), Box<dyn Error>> {
    update_client_request(client, app, read, write)
        .send()
        .await
        .map_err(|e| {
            format!(
                "UpdateUserPoolClient: {}",
                cognito::error::DisplayErrorContext(&e)
            )
        })?;
    Ok(())
}

/// The UpdateUserPoolClient request: every setting of `app`, with the new lists.
fn update_client_request(
    client: &cognito::Client,
    app: &UserPoolClientType,
    read: Vec<String>,
    write: Vec<String>,
) -> cognito::operation::update_user_pool_client::builders::UpdateUserPoolClientFluentBuilder {
    client
        .update_user_pool_client()
        .set_user_pool_id(app.user_pool_id().map(str::to_owned))
        .set_client_id(app.client_id().map(str::to_owned))
        .set_client_name(app.client_name().map(str::to_owned))
        .set_refresh_token_validity(Some(app.refresh_token_validity()).filter(|v| *v > 0))
        .set_access_token_validity(app.access_token_validity())
        .set_id_token_validity(app.id_token_validity())
        .set_token_validity_units(app.token_validity_units().cloned())
        // An empty list is Cognito's default, as when omitted: sent as omitted.
        .set_read_attributes(Some(read).filter(|r| !r.is_empty()))
        .set_write_attributes(Some(write).filter(|w| !w.is_empty()))
        .set_explicit_auth_flows(Some(app.explicit_auth_flows().to_vec()).filter(|v| !v.is_empty()))
        .set_supported_identity_providers(
            Some(app.supported_identity_providers().to_vec()).filter(|v| !v.is_empty()),
        )
        .set_callback_urls(Some(app.callback_urls().to_vec()).filter(|v| !v.is_empty()))
        .set_logout_urls(Some(app.logout_urls().to_vec()).filter(|v| !v.is_empty()))
        .set_default_redirect_uri(app.default_redirect_uri().map(str::to_owned))
        .set_allowed_o_auth_flows(
            Some(app.allowed_o_auth_flows().to_vec()).filter(|v| !v.is_empty()),
        )
        .set_allowed_o_auth_scopes(
            Some(app.allowed_o_auth_scopes().to_vec()).filter(|v| !v.is_empty()),
        )
        .set_allowed_o_auth_flows_user_pool_client(app.allowed_o_auth_flows_user_pool_client())
        .set_analytics_configuration(app.analytics_configuration().cloned())
        .set_prevent_user_existence_errors(app.prevent_user_existence_errors().cloned())
        .set_enable_token_revocation(app.enable_token_revocation())
        .set_enable_propagate_additional_user_context_data(
            app.enable_propagate_additional_user_context_data(),
        )
        .set_auth_session_validity(app.auth_session_validity())
        .set_refresh_token_rotation(app.refresh_token_rotation().cloned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn v(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    fn schema() -> Vec<(String, bool)> {
        [
            ("sub", false),
            ("email", true),
            ("email_verified", true),
            ("name", true),
            ("custom:campaign", true),
            ("custom:plan", true),
            ("custom:tenant", false),
        ]
        .iter()
        .map(|(n, m)| ((*n).to_owned(), *m))
        .collect()
    }

    /// The web client's empty read list: AWS documents the standard attributes, but the
    /// same documentation is wrong about writes; every attribute of the pool keeps whatever
    /// the client could read (custom:plan, custom:tenant), ours added.
    #[test]
    fn an_empty_read_list_keeps_every_attribute_readable_plus_campaign() {
        let mut schema = schema();
        schema.retain(|(n, _)| n != "custom:campaign");
        let (read, _) = access_lists(&[], &[], &schema, true);
        assert_eq!(
            read,
            v(&[
                "sub",
                "email",
                "email_verified",
                "name",
                "custom:plan",
                "custom:tenant",
                "custom:campaign"
            ])
        );
        // Another client's read list is not ours to change, empty or not.
        assert_eq!(
            access_lists(&[], &[], &schema, false).0,
            Vec::<String>::new()
        );
        let (read, _) = access_lists(&v(&["email"]), &[], &schema, false);
        assert_eq!(read, v(&["email"]));
    }

    #[test]
    fn an_empty_write_list_becomes_explicit_without_campaign() {
        // Empty lets users write every attribute, custom ones included: the explicit list
        // keeps what they could write (custom:plan) and leaves out ours, the immutable ones
        // and what only an administrator may set.
        let (_, write) = access_lists(&[], &[], &schema(), false);
        assert_eq!(write, v(&["email", "name", "custom:plan"]));
    }

    #[test]
    fn campaign_is_never_writable() {
        let (read, write) = access_lists(
            &v(&["email", "custom:campaign"]),
            &v(&["email", "custom:campaign"]),
            &[],
            true,
        );
        assert_eq!(read, v(&["email", "custom:campaign"]));
        assert_eq!(write, v(&["email"]));
    }

    /// A client with every setting set: the update must carry every one of them back
    /// (moto does not reset omitted settings, so this is checked on the request itself).
    #[test]
    fn the_client_update_sends_every_setting_back() {
        use cognito::types::*;
        let app = UserPoolClientType::builder()
            .user_pool_id("us-east-1_pool")
            .client_name("web")
            .client_id("client")
            .client_secret("secret")
            .refresh_token_validity(30)
            .access_token_validity(60)
            .id_token_validity(60)
            .token_validity_units(
                TokenValidityUnitsType::builder()
                    .access_token(TimeUnitsType::Minutes)
                    .id_token(TimeUnitsType::Minutes)
                    .refresh_token(TimeUnitsType::Days)
                    .build(),
            )
            .read_attributes("email")
            .write_attributes("email")
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
            .supported_identity_providers("COGNITO")
            .callback_urls("https://shop.example.com/callback")
            .logout_urls("https://shop.example.com/")
            .default_redirect_uri("https://shop.example.com/callback")
            .allowed_o_auth_flows(OAuthFlowType::Code)
            .allowed_o_auth_scopes("openid")
            .allowed_o_auth_flows_user_pool_client(true)
            .analytics_configuration(
                AnalyticsConfigurationType::builder()
                    .application_id("app")
                    .application_arn("arn:aws:mobiletargeting:us-east-1:1:apps/app")
                    .role_arn("arn:aws:iam::1:role/r")
                    .external_id("x")
                    .user_data_shared(true)
                    .build(),
            )
            .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
            .enable_token_revocation(true)
            .enable_propagate_additional_user_context_data(true)
            .auth_session_validity(5)
            .refresh_token_rotation(
                RefreshTokenRotationType::builder()
                    .feature(FeatureType::Enabled)
                    .retry_grace_period_seconds(10)
                    .build()
                    .unwrap(),
            )
            .build();
        let conf = cognito::Config::builder()
            .behavior_version(cognito::config::BehaviorVersion::latest())
            .region(cognito::config::Region::new("us-east-1"))
            .build();
        let client = cognito::Client::from_conf(conf);
        let request = update_client_request(&client, &app, v(&["email"]), v(&["email"]));
        let input = format!("{:?}", request.as_input());
        assert!(
            !input.contains("None"),
            "a setting is not sent back: {input}"
        );
        assert!(
            input.contains("retry_grace_period_seconds: Some(10)"),
            "{input}"
        );
    }
}
