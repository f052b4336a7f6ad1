//! The canonical username: one key per Cognito user, the same in every touch source, in
//! both projections and in the operator commands.
//!
//! It is the Cognito username as the source gives it, without surrounding whitespace; in
//! a case-insensitive user pool (`UsernameConfiguration.CaseSensitive = false`, the
//! console's default) also lowercased, since "Alice" and "alice" sign in as the same user
//! there and must be one item, or newest-wins fails across them. Aliases (an email or a
//! phone number a user signs in with) are not usernames: a source must carry the username.

/// How the user pool compares usernames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UsernameRule {
    /// The pool ignores case (`CaseSensitive = false`). Default: case-sensitive, as a pool
    /// created through the API without `UsernameConfiguration` is.
    pub case_insensitive: bool,
}

impl UsernameRule {
    pub const CASE_SENSITIVE: Self = Self {
        case_insensitive: false,
    };
    pub const CASE_INSENSITIVE: Self = Self {
        case_insensitive: true,
    };

    /// The canonical form of `raw`; `None` when nothing is left of it.
    pub fn canonical(self, raw: &str) -> Option<String> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return None;
        }
        Some(if self.case_insensitive {
            trimmed.to_lowercase()
        } else {
            trimmed.to_owned()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trimmed_always_lowercased_only_in_a_case_insensitive_pool() {
        let s = UsernameRule::CASE_SENSITIVE;
        let i = UsernameRule::CASE_INSENSITIVE;
        assert_eq!(s.canonical(" Alice\t").as_deref(), Some("Alice"));
        assert_eq!(i.canonical(" Alice\t").as_deref(), Some("alice"));
        assert_eq!(i.canonical("ZOË").as_deref(), Some("zoë"));
        assert_eq!(i.canonical("名前").as_deref(), Some("名前"));
        assert_eq!(s.canonical("  "), None);
        assert_eq!(UsernameRule::default(), s);
    }
}
