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
    "preferred_username",
];

/// The claims about `user` that `scope` allows, always with `sub`.
pub fn for_scope(user: &UserRecord, scope: &ScopeSet) -> Map<String, Value> {
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
                .filter(|(k, _)| !PROTECTED.contains(&k.as_str())),
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
    claims
}
