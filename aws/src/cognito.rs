//! User attributes on a Cognito user pool: the [`UserAttributes`] port, and the pool's
//! username rule the functions check at start-up.

use aws_sdk_cognitoidentityprovider as cognito;
use aws_sdk_cognitoidentityprovider::config::http::HttpResponse;
use aws_sdk_cognitoidentityprovider::error::{ProvideErrorMetadata, SdkError};

use crate::error::{is_transient, sdk_message};
use crate::ports::{UserAttributes, UserError};

/// User attributes on a Cognito user pool.
#[derive(Debug, Clone)]
pub struct CognitoUserPool {
    client: cognito::Client,
    pool_id: String,
}

impl CognitoUserPool {
    pub fn new(client: cognito::Client, pool_id: impl Into<String>) -> Self {
        Self {
            client,
            pool_id: pool_id.into(),
        }
    }
}

fn user_error<E: ProvideErrorMetadata + std::error::Error + 'static>(
    e: &SdkError<E, HttpResponse>,
) -> UserError {
    let msg = sdk_message(e);
    match e.code() {
        Some("UserNotFoundException") => UserError::NotFound(msg),
        Some("TooManyRequestsException") => UserError::Throttled(msg),
        _ if is_transient(e) => UserError::Transient(msg),
        _ => UserError::Permanent(msg),
    }
}

impl CognitoUserPool {
    /// How the pool compares usernames (`UsernameConfiguration.CaseSensitive`; a pool
    /// without it, created before the setting existed, is case-sensitive).
    pub async fn username_rule(&self) -> Result<journey_attribution_core::UsernameRule, UserError> {
        let out = self
            .client
            .describe_user_pool()
            .user_pool_id(&self.pool_id)
            .send()
            .await
            .map_err(|e| user_error(&e))?;
        let case_sensitive = out
            .user_pool()
            .and_then(|p| p.username_configuration())
            .is_none_or(|c| c.case_sensitive());
        Ok(journey_attribution_core::UsernameRule {
            case_insensitive: !case_sensitive,
        })
    }
}

impl UserAttributes for CognitoUserPool {
    async fn get_attribute(
        &self,
        username: &str,
        attribute: &str,
    ) -> Result<Option<String>, UserError> {
        let out = self
            .client
            .admin_get_user()
            .user_pool_id(&self.pool_id)
            .username(username)
            .send()
            .await
            .map_err(|e| user_error(&e))?;
        Ok(out
            .user_attributes()
            .iter()
            .find(|a| a.name() == attribute)
            .and_then(|a| a.value())
            .map(str::to_owned))
    }

    async fn set_attribute(
        &self,
        username: &str,
        attribute: &str,
        value: &str,
    ) -> Result<(), UserError> {
        let attr = cognito::types::AttributeType::builder()
            .name(attribute)
            .value(value)
            .build()
            .map_err(|e| UserError::Permanent(e.to_string()))?;
        self.client
            .admin_update_user_attributes()
            .user_pool_id(&self.pool_id)
            .username(username)
            .user_attributes(attr)
            .send()
            .await
            .map_err(|e| user_error(&e))?;
        Ok(())
    }

    /// Cognito deletes an attribute updated to a blank value (one IAM action fewer than
    /// AdminDeleteUserAttributes).
    async fn clear_attribute(&self, username: &str, attribute: &str) -> Result<(), UserError> {
        self.set_attribute(username, attribute, "").await
    }
}
