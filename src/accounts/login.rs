//! Checking a username and password, off the async workers, with the same
//! cost whether or not the account exists.

use super::users::AccountError;
use crate::crypto::password;
use crate::store::{Store, UserRecord};

/// Answers the user when the password is right and the account enabled.
/// `dummy_hash` is verified against for an unknown user so that both take as long.
pub async fn verify(
    store: &Store,
    username: &str,
    password: &str,
    dummy_hash: &str,
) -> Result<Option<UserRecord>, AccountError> {
    let user = store.user_by_name(username).await?;
    let hash = user
        .as_ref()
        .map_or_else(|| dummy_hash.to_owned(), |u| u.password_hash.clone());
    let password = password.to_owned();
    let ok = tokio::task::spawn_blocking(move || password::verify(&password, &hash))
        .await
        .unwrap_or(false);
    Ok(user.filter(|u| ok && !u.disabled))
}
