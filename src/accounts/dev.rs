//! Development mode's "sign in as any user": a new username makes that user
//! on the spot, and the developer may give extra claims (a JSON object) that
//! ID tokens and UserInfo then carry for that user.

use super::users::{self, check_username, AccountError, NewUser};
use crate::crypto::random::new_id;
use crate::store::{Store, StoreError, UserRecord};

/// Finds or makes `username` and sets its extra claims (`""` clears them).
pub async fn sign_in_as(
    store: &Store,
    username: &str,
    claims: &str,
    iterations: u32,
    now: u64,
) -> Result<UserRecord, AccountError> {
    check_username(username)?;
    let claims = claims.trim();
    let extra = if claims.is_empty() {
        None
    } else {
        match serde_json::from_str::<serde_json::Value>(claims) {
            Ok(serde_json::Value::Object(map)) => Some(serde_json::Value::Object(map).to_string()),
            _ => {
                return Err(AccountError::Invalid(
                    "extra claims must be a JSON object, like {\"role\": \"admin\"}".into(),
                ))
            }
        }
    };
    let mut user = match store.user_by_name(username).await? {
        Some(user) => user,
        None => {
            // Nobody signs in with this password: the user exists for the developer's tests.
            let password = new_id()
                .map_err(|_| AccountError::Store(StoreError::Db("no randomness".into())))?;
            let new = NewUser {
                username: username.to_owned(),
                password: format!("dev-{password}"),
                email: Some(format!("{username}@example.invalid")),
                name: Some(username.to_owned()),
                admin: false,
            };
            users::create(store, new, iterations, now).await?
        }
    };
    user.extra_claims = extra;
    user.updated_at = now;
    store.put_user(&user).await?;
    Ok(user)
}
