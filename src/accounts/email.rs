//! Email addresses proven by a one-time link, and password resets by mail.
//!
//! A verification link is stored as the digest of its token with the user
//! and the address it was sent to; following it (an atomic take) marks the
//! address verified only if it is still the user's address. A reset by
//! mail is an ordinary one-time reset link (`admin::create_reset_valid_for`,
//! used on `/reset`) with a short life, made only for verified addresses:
//! mailing one to an address nobody proved would hand the account to
//! whoever owns the address someone once typed.

use super::admin::create_reset_valid_for;
use super::users::AccountError;
use crate::crypto::{new_token, sha256, TokenKind};
use crate::store::{EmailVerificationRecord, Store, StoreError, UserRecord};

/// How long a verification link works: a day.
pub const VERIFY_TTL: u64 = 24 * 3600;
/// How long a reset link sent by mail works: half an hour.
pub const RESET_BY_MAIL_TTL: u64 = 30 * 60;

fn no_randomness() -> AccountError {
    AccountError::Store(StoreError::Db("no randomness".into()))
}

/// Makes a verification link for the user's current address; answers its
/// token, or `None` when there is no address or it is verified already.
pub async fn start_verification(
    store: &Store,
    user: &UserRecord,
    now: u64,
) -> Result<Option<String>, AccountError> {
    let Some(email) = user.email.as_ref().filter(|_| !user.email_verified) else {
        return Ok(None);
    };
    let token = new_token(TokenKind::EmailVerification).map_err(|_| no_randomness())?;
    let record = EmailVerificationRecord {
        user_id: user.id,
        email: email.clone(),
        expires_at: now + VERIFY_TTL,
    };
    store
        .insert_email_verification(&sha256(token.as_bytes()), &record)
        .await?;
    Ok(Some(token))
}

/// Whether the user's address is still the one the link was made for.
fn still_current(user: &UserRecord, record: &EmailVerificationRecord) -> bool {
    user.id == record.user_id && user.email.as_deref() == Some(record.email.as_str())
}

/// The account and address a live link would verify (for the page that
/// asks to confirm it); `None` when the link is unknown, used, expired,
/// or the address changed since.
pub async fn pending(
    store: &Store,
    token: &str,
    now: u64,
) -> Result<Option<(UserRecord, String)>, AccountError> {
    let Some(record) = store
        .email_verification(&sha256(token.as_bytes()), now)
        .await?
    else {
        return Ok(None);
    };
    Ok(store
        .user(record.user_id)
        .await?
        .filter(|u| still_current(u, &record))
        .map(|u| (u, record.email)))
}

/// Follows a verification link: spends it, and marks the address verified
/// if it is still the user's. `NotFound`: unknown, used or expired;
/// `Invalid`: the address changed since the link was sent.
pub async fn verify(store: &Store, token: &str, now: u64) -> Result<UserRecord, AccountError> {
    let record = store
        .take_email_verification(&sha256(token.as_bytes()), now)
        .await?
        .ok_or(AccountError::NotFound)?;
    let mut user = store
        .user(record.user_id)
        .await?
        .ok_or(AccountError::NotFound)?;
    if !still_current(&user, &record) {
        return Err(AccountError::Invalid(
            "the account's address changed after this link was sent".into(),
        ));
    }
    if !user.email_verified {
        user.email_verified = true;
        user.updated_at = now;
        store.put_user(&user).await?;
    }
    Ok(user)
}

/// Whether a typed address names this stored one (case aside).
fn same_address(typed: &str, stored: &str) -> bool {
    typed.trim().eq_ignore_ascii_case(stored)
}

/// Makes a short-lived reset link for every enabled account whose verified
/// address is `address`; answers each account with its token. An address
/// nobody verified gets none.
pub async fn reset_links(
    store: &Store,
    address: &str,
    now: u64,
) -> Result<Vec<(UserRecord, String)>, AccountError> {
    let mut links = Vec::new();
    for user in store.users().await? {
        let verified = user.email_verified
            && !user.disabled
            && user
                .email
                .as_deref()
                .is_some_and(|e| same_address(address, e));
        if verified {
            let token = create_reset_valid_for(store, user.id, now, RESET_BY_MAIL_TTL).await?;
            links.push((user, token));
        }
    }
    Ok(links)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_addresses_match_without_case_or_spaces() {
        assert!(same_address(" Alice@Example.org ", "alice@example.org"));
        assert!(!same_address("alice@example.org", "alice@example.org.evil"));
        assert!(!same_address("", "alice@example.org"));
    }
}
