//! What an administrator does to accounts: disable, make admin, and
//! one-time password-reset links.

use super::users::{check_password, hash_password, AccountError};
use crate::crypto::{new_token, sha256, TokenKind};
use crate::store::{ResetRecord, Store, StoreError};

/// How long a password-reset link works: a day.
const RESET_TTL: u64 = 24 * 3600;

/// Disables or enables a user; disabling ends their sessions (their tokens
/// stop working because the user is disabled).
pub async fn set_disabled(
    store: &Store,
    user_id: u64,
    disabled: bool,
    now: u64,
) -> Result<(), AccountError> {
    let mut user = store.user(user_id).await?.ok_or(AccountError::NotFound)?;
    user.disabled = disabled;
    user.updated_at = now;
    store.put_user(&user).await?;
    if disabled {
        store.remove_sessions_of(user_id, None).await?;
    }
    Ok(())
}

/// Grants or withdraws the admin role.
pub async fn set_admin(
    store: &Store,
    user_id: u64,
    admin: bool,
    now: u64,
) -> Result<(), AccountError> {
    let mut user = store.user(user_id).await?.ok_or(AccountError::NotFound)?;
    user.admin = admin;
    user.updated_at = now;
    store.put_user(&user).await?;
    Ok(())
}

/// Makes a one-time password-reset link for a user; answers its token.
pub async fn create_reset(store: &Store, user_id: u64, now: u64) -> Result<String, AccountError> {
    create_reset_valid_for(store, user_id, now, RESET_TTL).await
}

/// Makes a one-time password-reset link that works for `ttl` seconds.
pub async fn create_reset_valid_for(
    store: &Store,
    user_id: u64,
    now: u64,
    ttl: u64,
) -> Result<String, AccountError> {
    store.user(user_id).await?.ok_or(AccountError::NotFound)?;
    let token = new_token(TokenKind::PasswordReset)
        .map_err(|_| AccountError::Store(StoreError::Db("no randomness".into())))?;
    let record = ResetRecord {
        user_id,
        expires_at: now + ttl,
        used: false,
    };
    store
        .insert_reset(&sha256(token.as_bytes()), &record)
        .await?;
    Ok(token)
}

/// Whether a reset link still works.
pub async fn reset_usable(store: &Store, token: &str, now: u64) -> Result<bool, AccountError> {
    Ok(store
        .usable_reset(&sha256(token.as_bytes()), now)
        .await?
        .is_some())
}

/// Uses a reset link: checks the new password, spends the link, sets the
/// password and ends every session of the user.
pub async fn use_reset(
    store: &Store,
    token: &str,
    new_password: &str,
    iterations: u32,
    now: u64,
) -> Result<(), AccountError> {
    let digest = sha256(token.as_bytes());
    let reset = store
        .usable_reset(&digest, now)
        .await?
        .ok_or(AccountError::NotFound)?;
    let user = store
        .user(reset.user_id)
        .await?
        .ok_or(AccountError::NotFound)?;
    check_password(&user.username, new_password)?;
    let hash = hash_password(new_password.to_owned(), iterations).await?;
    if store.spend_reset(&digest, now).await?.is_none() {
        return Err(AccountError::NotFound);
    }
    let mut user = user;
    user.password_hash = hash;
    user.updated_at = now;
    store.put_user(&user).await?;
    store.remove_sessions_of(user.id, None).await?;
    Ok(())
}
