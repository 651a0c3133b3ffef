//! Deleting one's own account. The store removes the account and everything
//! that acts for it in one transaction and keeps the username and id
//! retired (see `store::embedded::leaving`), so nobody can later take over
//! what the person left behind in other applications.

use super::users::AccountError;
use crate::store::{AccountRemoval, Store, UserRecord};

/// How the person proved, just now, that it is them asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    /// They typed their current password (checked and throttled like a sign-in).
    Password,
    /// One of their passkeys answered a ceremony made for this step.
    Passkey,
}

/// Whether the person may delete their account: the last enabled
/// administrator may not, or nobody could administer the server.
pub async fn may_leave(store: &Store, user: &UserRecord) -> Result<(), AccountError> {
    if !user.admin {
        return Ok(());
    }
    let other_admins = store
        .users()
        .await?
        .iter()
        .filter(|u| u.admin && !u.disabled && u.id != user.id)
        .count();
    if other_admins == 0 {
        return Err(AccountError::Invalid(
            "You are the only administrator of this server, so your account cannot be deleted: \
             make someone else an administrator first."
                .into(),
        ));
    }
    Ok(())
}

/// Deletes the account of `user`, who proved it is them by `proof`: ends
/// every session, revokes every token, code and device grant, forgets
/// consents, factors, group memberships and pending links, and retires the
/// username and `sub` for good. Durable when it returns.
pub async fn delete(
    store: &Store,
    user: &UserRecord,
    proof: Proof,
    now: u64,
) -> Result<AccountRemoval, AccountError> {
    let (Proof::Password | Proof::Passkey) = proof;
    may_leave(store, user).await?;
    store
        .remove_account(user.id, now)
        .await?
        .ok_or(AccountError::NotFound)
}

/// The words that explain why a username cannot be used, when a deleted
/// account held it.
pub fn retired_name(username: &str) -> String {
    format!(
        "the username `{username}` belonged to an account that was deleted, \
         and is never given to anyone else"
    )
}
