//! Which local account an upstream identity is. A known link signs its
//! account in; a link asked for by a signed-in person links to them; an
//! unknown identity makes an account only when sign-up is open. An email
//! address never links anything: only a signed-in person's own request does.

use super::Identity;
use crate::accounts::profile::check_email;
use crate::accounts::signup::Signup;
use crate::accounts::users::check_username;
use crate::store::{LinkOutcome, Store, StoreError, UpstreamLinkRecord, UserRecord};

/// What an upstream identity comes to.
#[derive(Debug)]
pub enum Outcome {
    /// A linked account: sign it in.
    SignIn(UserRecord),
    /// A new account was made for it (sign-up is open): sign it in.
    Created(UserRecord),
    /// Linked to the signed-in person who asked (or was linked already).
    Linked(UserRecord),
    /// Unknown, and sign-up is not open: nobody is signed in.
    SignupClosed,
    /// The linked account is disabled.
    Disabled,
    /// The upstream account is linked to another local account.
    LinkedElsewhere,
    /// The person has another account of this provider linked.
    ProviderTaken,
}

/// A username for a new account from the name the provider gave: its
/// usable characters, then `-2`, `-3`, … when taken.
fn candidates(identity: &Identity) -> Vec<String> {
    let base: String = identity
        .username
        .as_deref()
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .take(56)
        .collect();
    let base = if base.is_empty() {
        "user".to_owned()
    } else {
        base
    };
    let mut names = vec![base.clone()];
    names.extend((2..=20).map(|n| format!("{base}-{n}")));
    names
}

/// Makes an account without a password for `identity`: its username
/// from the provider's, its address kept as verified only when the provider
/// says so (an OpenID Connect `email_verified`).
async fn create_account(
    store: &Store,
    identity: &Identity,
    now: u64,
) -> Result<UserRecord, StoreError> {
    let email = identity
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| check_email(e).is_ok())
        .map(str::to_owned);
    let mut names = candidates(identity);
    let suffix =
        crate::crypto::random::new_id().map_err(|_| StoreError::Db("no randomness".into()))?;
    names.push(format!("user-{}", &suffix[..10]).to_lowercase());
    for username in names {
        if check_username(&username).is_err() {
            continue;
        }
        let record = UserRecord {
            id: 0,
            username,
            // No password: `crypto::password::verify` never accepts an empty hash.
            password_hash: String::new(),
            email_verified: identity.email_verified && email.is_some(),
            email: email.clone(),
            name: identity.name.clone(),
            admin: false,
            disabled: false,
            created_at: now,
            updated_at: now,
            extra_claims: None,
        };
        if let Some(user) = store.create_user(record).await? {
            return Ok(user);
        }
    }
    Err(StoreError::Db(
        "no free username for the new account".into(),
    ))
}

/// Decides what `identity` at `provider` comes to, and links or creates as needed.
pub async fn resolve(
    store: &Store,
    provider: &str,
    identity: &Identity,
    link_user: Option<u64>,
    signup: Signup,
    now: u64,
) -> Result<Outcome, StoreError> {
    let link = |user_id| UpstreamLinkRecord {
        user_id,
        provider: provider.to_owned(),
        subject: identity.subject.clone(),
        upstream_name: identity.username.clone(),
        linked_at: now,
    };
    let known = store.upstream_link(provider, &identity.subject).await?;
    if let Some(user_id) = link_user {
        let Some(user) = store.user(user_id).await?.filter(|u| !u.disabled) else {
            return Ok(Outcome::Disabled);
        };
        return Ok(match known {
            Some(k) if k.user_id == user_id => Outcome::Linked(user),
            Some(_) => Outcome::LinkedElsewhere,
            None => match store.link_upstream(&link(user_id)).await? {
                LinkOutcome::Linked => Outcome::Linked(user),
                LinkOutcome::SubjectTaken(_) => Outcome::LinkedElsewhere,
                LinkOutcome::ProviderTaken => Outcome::ProviderTaken,
            },
        });
    }
    if let Some(k) = known {
        return Ok(match store.user(k.user_id).await? {
            Some(user) if !user.disabled => Outcome::SignIn(user),
            _ => Outcome::Disabled,
        });
    }
    if signup != Signup::Open {
        return Ok(Outcome::SignupClosed);
    }
    let user = create_account(store, identity, now).await?;
    match store.link_upstream(&link(user.id)).await? {
        LinkOutcome::Linked => Ok(Outcome::Created(user)),
        // Another request linked the same identity a moment ago: that
        // account is theirs; this new one stays unused.
        LinkOutcome::SubjectTaken(_) | LinkOutcome::ProviderTaken => Ok(Outcome::LinkedElsewhere),
    }
}

/// Whether the person may unlink `provider`: not when it is their only way
/// in (no password, no passkey and no other linked provider).
pub async fn may_unlink(
    store: &Store,
    user: &UserRecord,
    provider: &str,
) -> Result<bool, StoreError> {
    if !user.password_hash.is_empty() {
        return Ok(true);
    }
    if store
        .factors(user.id)
        .await?
        .is_some_and(|f| !f.passkeys.is_empty())
    {
        return Ok(true);
    }
    let links = store.upstream_links_of(user.id).await?;
    Ok(links.iter().any(|l| l.provider != provider))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(username: Option<&str>) -> Identity {
        Identity {
            subject: "1".into(),
            username: username.map(str::to_owned),
            email: None,
            email_verified: false,
            name: None,
        }
    }

    #[test]
    fn usernames_come_from_the_providers_with_unusable_characters_dropped() {
        let names = candidates(&identity(Some("Bob Smith!")));
        assert_eq!(names[0], "BobSmith");
        assert_eq!(names[1], "BobSmith-2");
        assert_eq!(candidates(&identity(None))[0], "user");
        assert_eq!(candidates(&identity(Some("ñ")))[0], "user");
    }
}
