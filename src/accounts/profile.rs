//! What a signed-in person changes about themselves: name, email, password;
//! the applications they authorized; their sessions.

use super::users::{check_password, hash_password, AccountError};
use crate::crypto::Digest;
use crate::store::{SessionRecord, Store, UserRecord};

/// An application the person authorized, as the account page lists it.
#[derive(Debug)]
pub struct AuthorizedApp {
    /// The client's id.
    pub client_id: String,
    /// Its name.
    pub client_name: String,
    /// The approved scopes.
    pub scope: String,
    /// When consent was (last) given.
    pub granted_at: u64,
    /// When a token was last issued to it for this person.
    pub last_used: Option<u64>,
}

/// Checks an email address's form (an `@` with something on both sides).
pub fn check_email(email: &str) -> Result<(), AccountError> {
    let ok = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
        });
    if ok {
        Ok(())
    } else {
        Err(AccountError::Invalid(
            "that does not look like an email address".into(),
        ))
    }
}

/// Changes name and email; an empty value clears it.
pub async fn update_profile(
    store: &Store,
    mut user: UserRecord,
    name: &str,
    email: &str,
    now: u64,
) -> Result<UserRecord, AccountError> {
    let name = name.trim();
    let email = email.trim();
    if name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(AccountError::Invalid(
            "a name has at most 100 characters".into(),
        ));
    }
    if !email.is_empty() {
        check_email(email)?;
    }
    let email = (!email.is_empty()).then(|| email.to_owned());
    if email != user.email {
        user.email_verified = false;
    }
    user.email = email;
    user.name = (!name.is_empty()).then(|| name.to_owned());
    user.updated_at = now;
    store.put_user(&user).await?;
    Ok(user)
}

/// Changes the password after checking the current one, and signs out
/// every other session. `Err(Invalid)` names the problem.
#[allow(clippy::too_many_arguments)]
pub async fn change_password(
    store: &Store,
    user: &UserRecord,
    current: &str,
    new: &str,
    iterations: u32,
    passwords: &super::login::PasswordChecker,
    keep_session: &Digest,
    now: u64,
) -> Result<(), AccountError> {
    if passwords
        .verify(store, &user.username, current)
        .await?
        .is_none()
    {
        return Err(AccountError::Invalid(
            "the current password is wrong".into(),
        ));
    }
    check_password(&user.username, new)?;
    let mut user = user.clone();
    let turn = passwords.turn().await;
    user.password_hash = hash_password(new.to_owned(), iterations).await?;
    drop(turn);
    user.updated_at = now;
    store.put_user(&user).await?;
    store
        .remove_sessions_of(user.id, Some(keep_session))
        .await?;
    Ok(())
}

/// The applications a person authorized, newest consent first.
pub async fn authorized_apps(
    store: &Store,
    user_id: u64,
) -> Result<Vec<AuthorizedApp>, AccountError> {
    let mut apps = Vec::new();
    for (client_id, consent) in store.consents_of(user_id).await? {
        let Some(client) = store.client(&client_id).await? else {
            continue;
        };
        apps.push(AuthorizedApp {
            last_used: store.last_issued(user_id, &client_id).await?,
            client_name: client
                .client_name
                .clone()
                .unwrap_or_else(|| client_id.clone()),
            client_id,
            scope: consent.scope,
            granted_at: consent.granted_at,
        });
    }
    apps.sort_by_key(|a| std::cmp::Reverse(a.granted_at));
    Ok(apps)
}

/// Withdraws consent for a client and revokes every token it holds for the person.
pub async fn withdraw(store: &Store, user_id: u64, client_id: &str) -> Result<usize, AccountError> {
    store.remove_consent(user_id, client_id).await?;
    Ok(store.revoke_user_client(user_id, client_id).await?)
}

/// A person's live sessions, most recently used first.
pub async fn live_sessions(
    store: &Store,
    user_id: u64,
    now: u64,
    idle: u64,
) -> Result<Vec<(Digest, SessionRecord)>, AccountError> {
    let mut sessions: Vec<_> = store
        .sessions_of(user_id)
        .await?
        .into_iter()
        .filter(|(_, s)| now < s.expires_at && now < s.last_seen + idle)
        .collect();
    sessions.sort_by_key(|(_, s)| std::cmp::Reverse(s.last_seen));
    Ok(sessions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses_are_checked() {
        assert!(check_email("alice@example.org").is_ok());
        for bad in [
            "alice",
            "@example.org",
            "alice@",
            "alice@example",
            "al ice@example.org",
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }
}
