//! Browser sessions: a random cookie whose digest keys the record, with an
//! idle and an absolute lifetime.

use crate::crypto::{new_token, sha256, TokenKind};
use crate::store::{PendingSignInRecord, SessionRecord, Store, StoreError, UserRecord};

/// Only record activity once a minute, to spare the disk.
const TOUCH_EVERY: u64 = 60;

/// How long a sign-in may wait for its second factor.
pub const PENDING_TTL: u64 = 300;

/// Creates a session for `user_id`, who authenticated by `amr` (RFC 8176);
/// answers the cookie value.
pub async fn create(
    store: &Store,
    user_id: u64,
    amr: Vec<String>,
    now: u64,
    absolute: u64,
) -> Result<String, StoreError> {
    let cookie =
        new_token(TokenKind::Session).map_err(|_| StoreError::Db("no randomness".into()))?;
    let record = SessionRecord {
        user_id,
        auth_time: now,
        last_seen: now,
        expires_at: now + absolute,
        amr,
    };
    store
        .insert_session(&sha256(cookie.as_bytes()), &record)
        .await?;
    Ok(cookie)
}

/// The live session a cookie names, and its user; `None` when expired,
/// unknown, or the user is gone or disabled.
pub async fn resolve(
    store: &Store,
    cookie: &str,
    now: u64,
    idle: u64,
) -> Result<Option<(SessionRecord, UserRecord)>, StoreError> {
    let digest = sha256(cookie.as_bytes());
    let Some(mut session) = store.session(&digest).await? else {
        return Ok(None);
    };
    if now >= session.expires_at || now >= session.last_seen + idle {
        return Ok(None);
    }
    let Some(user) = store.user(session.user_id).await?.filter(|u| !u.disabled) else {
        return Ok(None);
    };
    if now >= session.last_seen + TOUCH_EVERY {
        session.last_seen = now;
        store.touch_session(&digest, &session).await?;
    }
    Ok(Some((session, user)))
}

/// Ends the session a cookie names.
pub async fn end(store: &Store, cookie: &str) -> Result<(), StoreError> {
    store.remove_session(&sha256(cookie.as_bytes())).await
}

/// Starts a sign-in that waits for its second factor: `user_id` passed
/// `amr` so far and goes to `next` once done; answers the cookie value.
pub async fn start_pending(
    store: &Store,
    user_id: u64,
    amr: Vec<String>,
    next: &str,
    now: u64,
) -> Result<String, StoreError> {
    let cookie =
        new_token(TokenKind::PendingSignIn).map_err(|_| StoreError::Db("no randomness".into()))?;
    let record = PendingSignInRecord {
        user_id,
        amr,
        next: next.to_owned(),
        expires_at: now + PENDING_TTL,
    };
    store
        .insert_pending_sign_in(&sha256(cookie.as_bytes()), &record)
        .await?;
    Ok(cookie)
}

/// The live waiting sign-in a cookie names, and its user (enabled).
pub async fn pending(
    store: &Store,
    cookie: &str,
    now: u64,
) -> Result<Option<(PendingSignInRecord, UserRecord)>, StoreError> {
    let Some(record) = store.pending_sign_in(&sha256(cookie.as_bytes())).await? else {
        return Ok(None);
    };
    if now >= record.expires_at {
        return Ok(None);
    }
    let user = store.user(record.user_id).await?.filter(|u| !u.disabled);
    Ok(user.map(|user| (record, user)))
}

/// Takes the waiting sign-in a cookie names, once: `None` when another
/// request took it first or it expired.
pub async fn take_pending(
    store: &Store,
    cookie: &str,
    now: u64,
) -> Result<Option<PendingSignInRecord>, StoreError> {
    let taken = store
        .take_pending_sign_in(&sha256(cookie.as_bytes()))
        .await?;
    Ok(taken.filter(|r| now < r.expires_at))
}
