//! `journey-attribution setup`: prepares a Cognito user pool for the attribution, once.
//!
//! Adds the custom attribute `campaign` (String, mutable, up to 2048) when missing, and lets
//! the app client *read* `custom:campaign` but never *write* it (a user must not set their
//! own campaign). Idempotent: a second run changes nothing and says so.

use std::error::Error;

use aws_sdk_cognitoidentityprovider as cognito;
use cognito::types::{
    AttributeDataType, SchemaAttributeType, StringAttributeConstraintsType, UserPoolClientType,
};

pub const ATTRIBUTE: &str = "campaign";
pub const CUSTOM_ATTRIBUTE: &str = "custom:campaign";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The Cognito user pool id (e.g. us-east-1_AbCdEf123).
    #[arg(long)]
    pub user_pool_id: String,
    /// The app client the web app signs in with.
    #[arg(long)]
    pub app_client_id: String,
}

pub fn run(args: Args) -> Result<(), Box<dyn Error>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let config = journey_attribution_lambda::runtime::sdk_config().await;
        let client = cognito::Client::new(&config);
        for line in setup(&client, &args.user_pool_id, &args.app_client_id).await? {
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
    let pool = client
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
    let schema = pool
        .user_pool()
        .map(|p| p.schema_attributes())
        .unwrap_or_default();
    match schema.iter().find(|a| a.name() == Some(CUSTOM_ATTRIBUTE)) {
        Some(existing) => {
            if existing.attribute_data_type() != Some(&AttributeDataType::String)
                || existing.mutable() == Some(false)
            {
                return Err(format!(
                    "{CUSTOM_ATTRIBUTE} exists but is not a mutable String attribute; Cognito cannot change that: \
                     use another name with CAMPAIGN_ATTRIBUTE / --attribute"
                )
                .into());
            }
            done.push(format!(
                "user pool {pool_id}: {CUSTOM_ATTRIBUTE} already present"
            ));
        }
        None => {
            let attribute = SchemaAttributeType::builder()
                .name(ATTRIBUTE)
                .attribute_data_type(AttributeDataType::String)
                .mutable(true)
                .string_attribute_constraints(
                    StringAttributeConstraintsType::builder()
                        .min_length("0")
                        .max_length("2048")
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
    }

    let described = client
        .describe_user_pool_client()
        .user_pool_id(pool_id)
        .client_id(app_client_id)
        .send()
        .await
        .map_err(|e| {
            format!(
                "DescribeUserPoolClient {app_client_id}: {}",
                cognito::error::DisplayErrorContext(&e)
            )
        })?;
    let app = described.user_pool_client().ok_or_else(|| {
        format!("DescribeUserPoolClient {app_client_id}: no client in the response")
    })?;
    let standard: Vec<String> = schema
        .iter()
        .filter_map(|a| a.name())
        .filter(|n| !n.starts_with("custom:") && !n.starts_with("dev:"))
        .map(str::to_owned)
        .collect();
    let (read, write) = access_lists(app.read_attributes(), app.write_attributes(), &standard);
    if read.as_slice() == app.read_attributes() && write.as_slice() == app.write_attributes() {
        done.push(format!(
            "app client {app_client_id}: already reads {CUSTOM_ATTRIBUTE} and cannot write it"
        ));
        return Ok(done);
    }
    update_client(client, app, read.clone(), write.clone()).await?;
    if !app.read_attributes().iter().any(|a| a == CUSTOM_ATTRIBUTE) {
        done.push(format!(
            "app client {app_client_id}: may now read {CUSTOM_ATTRIBUTE}"
        ));
    }
    if app.write_attributes().iter().any(|a| a == CUSTOM_ATTRIBUTE) {
        done.push(format!(
            "app client {app_client_id}: may no longer write {CUSTOM_ATTRIBUTE}"
        ));
    }
    Ok(done)
}

/// The app client's read and write lists after setup.
///
/// An empty read list means "the standard attributes" to Cognito, not custom ones, so it
/// becomes the standard attributes plus ours; an empty write list already excludes custom
/// attributes and stays empty.
pub fn access_lists(
    read: &[String],
    write: &[String],
    standard: &[String],
) -> (Vec<String>, Vec<String>) {
    let mut new_read: Vec<String> = if read.is_empty() {
        standard.to_vec()
    } else {
        read.to_vec()
    };
    if !new_read.iter().any(|a| a == CUSTOM_ATTRIBUTE) {
        new_read.push(CUSTOM_ATTRIBUTE.to_owned());
    }
    let new_write: Vec<String> = write
        .iter()
        .filter(|a| *a != CUSTOM_ATTRIBUTE)
        .cloned()
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
    client
        .update_user_pool_client()
        .set_user_pool_id(app.user_pool_id().map(str::to_owned))
        .set_client_id(app.client_id().map(str::to_owned))
        .set_client_name(app.client_name().map(str::to_owned))
        .set_refresh_token_validity(Some(app.refresh_token_validity()).filter(|v| *v > 0))
        .set_access_token_validity(app.access_token_validity())
        .set_id_token_validity(app.id_token_validity())
        .set_token_validity_units(app.token_validity_units().cloned())
        .set_read_attributes(Some(read))
        .set_write_attributes(Some(write))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn v(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn empty_read_list_becomes_standard_plus_campaign() {
        let (read, write) = access_lists(&[], &[], &v(&["email", "email_verified"]));
        assert_eq!(read, v(&["email", "email_verified", "custom:campaign"]));
        assert!(write.is_empty());
    }

    #[test]
    fn campaign_is_never_writable() {
        let (read, write) = access_lists(
            &v(&["email", "custom:campaign"]),
            &v(&["email", "custom:campaign"]),
            &[],
        );
        assert_eq!(read, v(&["email", "custom:campaign"]));
        assert_eq!(write, v(&["email"]));
    }
}
