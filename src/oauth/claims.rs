//! OpenID Connect standard claims by scope (Core §5.4): what UserInfo answers
//! and, later, what ID tokens carry.

use serde_json::{json, Map, Value};

use super::scope::ScopeSet;
use crate::store::UserRecord;

/// Claims that custom claims never replace.
const PROTECTED: &[&str] = &[
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "azp",
    "at_hash",
    "c_hash",
    "preferred_username",
];

/// Standard claims that only their scope releases (OpenID Connect Core
/// §5.4); a development-mode custom claim of one of these names obeys the
/// same rule.
const BY_SCOPE: &[(&str, &[&str])] = &[
    (
        "profile",
        &[
            "name",
            "family_name",
            "given_name",
            "middle_name",
            "nickname",
            "profile",
            "picture",
            "website",
            "gender",
            "birthdate",
            "zoneinfo",
            "locale",
            "updated_at",
        ],
    ),
    ("email", &["email", "email_verified"]),
    ("address", &["address"]),
    ("phone", &["phone_number", "phone_number_verified"]),
];

/// Whether `scope` releases a claim of this name.
fn released(claim: &str, scope: &ScopeSet) -> bool {
    BY_SCOPE
        .iter()
        .find(|(_, claims)| claims.contains(&claim))
        .is_none_or(|(needs, _)| scope.contains(needs))
}

/// The claims about `user`, a member of `groups`, that `scope` allows,
/// always with `sub`.
pub fn for_scope(user: &UserRecord, groups: &[String], scope: &ScopeSet) -> Map<String, Value> {
    let mut claims = Map::new();
    // Development mode's custom claims first, so that no protocol claim set
    // below can be replaced by them.
    if let Some(Ok(Value::Object(extra))) = user
        .extra_claims
        .as_deref()
        .map(serde_json::from_str::<Value>)
    {
        claims.extend(
            extra
                .into_iter()
                .filter(|(k, _)| !PROTECTED.contains(&k.as_str()) && released(k, scope)),
        );
    }
    claims.insert("sub".into(), json!(user.id.to_string()));
    if scope.contains("profile") {
        claims.insert("preferred_username".into(), json!(user.username));
        claims.insert("updated_at".into(), json!(user.updated_at));
        if let Some(name) = &user.name {
            claims.insert("name".into(), json!(name));
        }
    }
    if scope.contains("email") {
        if let Some(email) = &user.email {
            claims.insert("email".into(), json!(email));
            claims.insert("email_verified".into(), json!(user.email_verified));
        }
    }
    // A development-mode custom `groups` claim stands in for real groups.
    if scope.contains("groups") && !claims.contains_key("groups") {
        claims.insert("groups".into(), json!(groups));
    }
    claims
}

impl super::Provider {
    /// The claims about `user` that `scope` allows, groups included when
    /// the scope asks for them (UserInfo and ID tokens answer the same).
    pub async fn user_claims(
        &self,
        user: &UserRecord,
        scope: &ScopeSet,
    ) -> crate::error::Result<Map<String, Value>> {
        let groups = if scope.contains("groups") {
            crate::accounts::groups::names_of(&self.store, user.id)
                .await
                .map_err(crate::accounts::users::AccountError::into_error)?
        } else {
            Vec::new()
        };
        Ok(for_scope(user, &groups, scope))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(extra: &str) -> UserRecord {
        UserRecord {
            id: 7,
            username: "dev".into(),
            password_hash: String::new(),
            email: Some("dev@example.invalid".into()),
            email_verified: false,
            name: Some("Dev".into()),
            admin: false,
            disabled: false,
            created_at: 0,
            updated_at: 0,
            extra_claims: Some(extra.into()),
        }
    }

    #[test]
    fn custom_claims_of_a_scoped_name_need_that_scope() {
        let u = user(r#"{"email": "boss@example.org", "role": "admin", "sub": "x"}"#);
        let without = for_scope(&u, &[], &ScopeSet::parse("openid").unwrap());
        assert!(without.get("email").is_none());
        assert_eq!(without["role"], "admin");
        assert_eq!(without["sub"], "7");
        let with = for_scope(&u, &[], &ScopeSet::parse("openid email").unwrap());
        assert_eq!(with["email"], "dev@example.invalid");
    }
}
