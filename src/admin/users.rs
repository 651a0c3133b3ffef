//! `gatehouse user add|list|passwd|remove`.

use serde::Serialize;

use super::{fail, AdminError};
use crate::accounts::users::{self, NewUser};
use crate::store::Store;

/// A user as `user list --json` prints it.
#[derive(Debug, Serialize)]
pub struct UserLine {
    /// The stable id (the OpenID `sub`).
    pub sub: String,
    /// The sign-in name.
    pub username: String,
    /// The email address.
    pub email: Option<String>,
    /// The display name.
    pub name: Option<String>,
    /// Administrator or not.
    pub admin: bool,
    /// Disabled or not.
    pub disabled: bool,
}

/// Creates a user; answers the new `sub`.
pub async fn add(
    store: &Store,
    user: NewUser,
    iterations: u32,
    now: u64,
) -> Result<String, AdminError> {
    let record = users::create(store, user, iterations, now)
        .await
        .map_err(fail)?;
    Ok(record.id.to_string())
}

/// Lists every user.
pub async fn list(store: &Store) -> Result<Vec<UserLine>, AdminError> {
    Ok(store
        .users()
        .await
        .map_err(fail)?
        .into_iter()
        .map(|u| UserLine {
            sub: u.id.to_string(),
            username: u.username,
            email: u.email,
            name: u.name,
            admin: u.admin,
            disabled: u.disabled,
        })
        .collect())
}

/// Sets a user's password.
pub async fn passwd(
    store: &Store,
    username: &str,
    password: String,
    iterations: u32,
    now: u64,
) -> Result<(), AdminError> {
    users::set_password(store, username, password, iterations, now)
        .await
        .map_err(fail)
}

/// Removes a user for good: their sessions and tokens end, and the
/// username and `sub` are never given to anyone again.
pub async fn remove(store: &Store, username: &str, now: u64) -> Result<(), AdminError> {
    if store.remove_user(username, now).await.map_err(fail)? {
        Ok(())
    } else {
        Err(AdminError(format!("no user named `{username}`")))
    }
}
