//! What `sync` does with one record of the attribution table's stream.

use crate::attribution::{Attribution, Campaign};
use crate::token::{Token, TokenError};

/// DynamoDB's principal on TTL deletions (`userIdentity.principalId`, type `Service`).
pub const TTL_PRINCIPAL: &str = "dynamodb.amazonaws.com";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Insert,
    Modify,
    Remove,
}

/// A stream record, reduced to what the rules need. The adapter that reads DynamoDB's
/// records (`journey-attribution-table`) gives each image as the attribution it holds, or
/// why it holds none; only the image a change needs is looked at (a MODIFY's unreadable
/// OldImage does not stop its NewImage being projected).
#[derive(Debug, Clone, PartialEq)]
pub struct StreamChange {
    pub kind: ChangeKind,
    /// `userIdentity` is `{type: Service, principalId: dynamodb.amazonaws.com}`.
    pub ttl_delete: bool,
    pub old_image: Option<Image>,
    pub new_image: Option<Image>,
}

/// An image of the stream: the attribution, or why its item is not one.
pub type Image = Result<Attribution, ImageError>;

/// An item that is not an attribution: the attribute, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("item attribute {field}: {reason}")]
pub struct ImageError {
    pub field: &'static str,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncAction {
    /// Write this token to the user's campaign attribute.
    Set {
        username: String,
        token: String,
    },
    /// Clear the attribute, but only if it still holds `expected` (see [`should_clear`]).
    ClearIf {
        username: String,
        expected: Campaign,
    },
    Ignore(IgnoreReason),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IgnoreReason {
    /// A REMOVE not made by the TTL sweeper (an operator's delete): not an expiry.
    NotTtlRemove,
}

impl IgnoreReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotTtlRemove => "not_ttl_remove",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    #[error("{image}: missing (the stream must be NEW_AND_OLD_IMAGES)")]
    MissingImage { image: &'static str },
    #[error("{image}: {source}")]
    Item {
        image: &'static str,
        source: ImageError,
    },
    /// The token is built from the new image's `application_id`, `journey_id` and `label`.
    #[error("NewImage.application_id/journey_id/label: too long for {username}'s {source}")]
    Token {
        username: String,
        source: TokenError,
    },
}

pub fn decide(change: &StreamChange) -> Result<SyncAction, SyncError> {
    match change.kind {
        ChangeKind::Insert | ChangeKind::Modify => {
            let a = image(change.new_image.as_ref(), "NewImage")?;
            let token = Token::V1(a.campaign)
                .encode()
                .map_err(|source| SyncError::Token {
                    username: a.username.clone(),
                    source,
                })?;
            Ok(SyncAction::Set {
                username: a.username,
                token,
            })
        }
        ChangeKind::Remove if !change.ttl_delete => {
            Ok(SyncAction::Ignore(IgnoreReason::NotTtlRemove))
        }
        ChangeKind::Remove => {
            let a = image(change.old_image.as_ref(), "OldImage")?;
            Ok(SyncAction::ClearIf {
                username: a.username,
                expected: a.campaign,
            })
        }
    }
}

fn image(image: Option<&Image>, name: &'static str) -> Result<Attribution, SyncError> {
    match image {
        None => Err(SyncError::MissingImage { image: name }),
        Some(Ok(a)) => Ok(a.clone()),
        Some(Err(source)) => Err(SyncError::Item {
            image: name,
            source: source.clone(),
        }),
    }
}

/// Whether an expiring attribution may clear the user's current attribute value: only when
/// that value is the same attribution. A newer token, a legacy value or an unreadable one
/// is left alone; a blank or missing value has nothing to clear.
pub fn should_clear(current: Option<&str>, expiring: &Campaign) -> bool {
    match current.map(Token::decode) {
        Some(Ok(Some(Token::V1(held)))) => held == *expiring,
        _ => false,
    }
}

/// What `reconcile` does for one user, rebuilding Cognito from the table (the source of
/// truth): the attribute must hold the token of the user's live attribution, or nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReconcileAction {
    Keep,
    Set(String),
    Clear,
}

pub fn reconcile_action(
    item: Option<&Attribution>,
    current: Option<&str>,
    now_ms: i64,
) -> Result<ReconcileAction, TokenError> {
    let desired = item
        .filter(|a| a.campaign.is_live_at(now_ms))
        .map(|a| Token::V1(a.campaign.clone()).encode())
        .transpose()?;
    let current = current.filter(|v| !v.trim().is_empty());
    Ok(match (desired, current) {
        (Some(d), Some(c)) if d == c => ReconcileAction::Keep,
        (Some(d), _) => ReconcileAction::Set(d),
        (None, Some(_)) => ReconcileAction::Clear,
        (None, None) => ReconcileAction::Keep,
    })
}

/// The application id of an attribution migrated from a legacy value.
pub const LEGACY_APPLICATION_ID: &str = "legacy";

/// A legacy value (the original solution's bare journey name, which has no expiry and so
/// would stamp for ever) as an attribution that ends `max_age` after `now_ms`: the journey
/// id is the name, as the original solution stored nothing else. `None` for anything else.
pub fn legacy_migration(
    username: &str,
    current: Option<&str>,
    now_ms: i64,
    max_age: crate::window::LookbackWindow,
) -> Option<Attribution> {
    let Ok(Some(Token::Legacy { label })) =
        current.map(Token::decode).transpose().map(Option::flatten)
    else {
        return None;
    };
    Some(Attribution {
        username: username.to_owned(),
        campaign: Campaign {
            application_id: LEGACY_APPLICATION_ID.into(),
            journey_id: label.clone(),
            label,
            touched_at_ms: now_ms,
            expires_at_s: max_age.expires_at_s(now_ms),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attribution(journey: &str, at: i64) -> Attribution {
        Attribution {
            username: "alice".into(),
            campaign: Campaign {
                application_id: "app".into(),
                journey_id: journey.into(),
                label: format!("label {journey}"),
                touched_at_ms: at,
                expires_at_s: at / 1000 + 60,
            },
        }
    }

    fn change(
        kind: ChangeKind,
        ttl: bool,
        old: Option<&Attribution>,
        new: Option<&Attribution>,
    ) -> StreamChange {
        StreamChange {
            kind,
            ttl_delete: ttl,
            old_image: old.cloned().map(Ok),
            new_image: new.cloned().map(Ok),
        }
    }

    #[test]
    fn a_legacy_value_migrates_to_an_attribution_with_an_end() {
        let window: crate::window::LookbackWindow = "7d".parse().unwrap();
        let a = legacy_migration("alice", Some("Spring sale"), 1_000_000, window).unwrap();
        assert_eq!(
            (a.campaign.journey_id.as_str(), a.campaign.label.as_str()),
            ("Spring sale", "Spring sale")
        );
        assert_eq!(a.campaign.expires_at_s, 1_000 + 7 * 86_400);
        // Its token replaces the legacy value, and reconcile then clears it at its end.
        let ReconcileAction::Set(token) =
            reconcile_action(Some(&a), Some("Spring sale"), 1_000_000).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            Token::decode(&token).unwrap(),
            Some(Token::V1(a.campaign.clone()))
        );
        for not_legacy in [None, Some(""), Some("ja1|a|j|1|2|L"), Some("ja9|x")] {
            assert_eq!(
                legacy_migration("alice", not_legacy, 0, window),
                None,
                "{not_legacy:?}"
            );
        }
    }

    #[test]
    fn insert_and_modify_set_the_new_token() {
        let a = attribution("j1", 1_000);
        for kind in [ChangeKind::Insert, ChangeKind::Modify] {
            let SyncAction::Set { username, token } =
                decide(&change(kind, false, None, Some(&a))).unwrap()
            else {
                panic!()
            };
            assert_eq!(username, "alice");
            assert_eq!(
                Token::decode(&token).unwrap(),
                Some(Token::V1(a.campaign.clone()))
            );
        }
    }

    #[test]
    fn ttl_remove_clears_only_the_same_attribution() {
        let old = attribution("j1", 1_000);
        let newer = attribution("j2", 2_000);
        let action = decide(&change(ChangeKind::Remove, true, Some(&old), None)).unwrap();
        let SyncAction::ClearIf { expected, .. } = action else {
            panic!()
        };
        let held_old = Token::V1(old.campaign.clone()).encode().unwrap();
        let held_new = Token::V1(newer.campaign.clone()).encode().unwrap();
        assert!(should_clear(Some(&held_old), &expected));
        assert!(
            !should_clear(Some(&held_new), &expected),
            "a newer attribution is never blanked"
        );
        assert!(!should_clear(Some(""), &expected));
        assert!(!should_clear(None, &expected));
        assert!(!should_clear(Some("LegacyName"), &expected));
    }

    #[test]
    fn reconcile_makes_cognito_hold_exactly_the_live_attribution() {
        let a = attribution("j1", 1_000_000);
        let token = Token::V1(a.campaign.clone()).encode().unwrap();
        let live = 1_000_000;
        let expired = a.campaign.expires_at_ms();
        assert_eq!(
            reconcile_action(Some(&a), None, live).unwrap(),
            ReconcileAction::Set(token.clone())
        );
        assert_eq!(
            reconcile_action(Some(&a), Some(""), live).unwrap(),
            ReconcileAction::Set(token.clone())
        );
        assert_eq!(
            reconcile_action(Some(&a), Some("Old"), live).unwrap(),
            ReconcileAction::Set(token.clone())
        );
        assert_eq!(
            reconcile_action(Some(&a), Some(&token), live).unwrap(),
            ReconcileAction::Keep
        );
        assert_eq!(
            reconcile_action(Some(&a), Some(&token), expired).unwrap(),
            ReconcileAction::Clear
        );
        assert_eq!(
            reconcile_action(None, Some(&token), live).unwrap(),
            ReconcileAction::Clear
        );
        assert_eq!(
            reconcile_action(None, Some(" "), live).unwrap(),
            ReconcileAction::Keep
        );
        assert_eq!(
            reconcile_action(None, None, live).unwrap(),
            ReconcileAction::Keep
        );
    }

    #[test]
    fn a_manual_delete_is_ignored() {
        let a = attribution("j1", 1_000);
        assert_eq!(
            decide(&change(ChangeKind::Remove, false, Some(&a), None)).unwrap(),
            SyncAction::Ignore(IgnoreReason::NotTtlRemove)
        );
    }

    #[test]
    fn bad_images_name_the_image_and_attribute() {
        let err = decide(&change(ChangeKind::Insert, false, None, None)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "NewImage: missing (the stream must be NEW_AND_OLD_IMAGES)"
        );
        let c = StreamChange {
            kind: ChangeKind::Modify,
            ttl_delete: false,
            old_image: Some(Err(ImageError {
                field: "label",
                reason: "missing".into(),
            })),
            new_image: Some(Err(ImageError {
                field: "touched_at",
                reason: "expected N, found BOOL".into(),
            })),
        };
        assert_eq!(
            decide(&c).unwrap_err().to_string(),
            "NewImage: item attribute touched_at: expected N, found BOOL"
        );
        // Only the image the change needs is read: an unreadable OldImage does not stop a
        // MODIFY's projection.
        let c = StreamChange {
            new_image: Some(Ok(attribution("j", 0))),
            ..c
        };
        assert!(matches!(decide(&c), Ok(SyncAction::Set { .. })));
    }
}
