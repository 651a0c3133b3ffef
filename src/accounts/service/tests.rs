//! The service reads its own clock and settings, and refuses what the
//! server is not set up for.

use super::*;
use crate::accounts::upstream::Upstreams;

/// A service over a fresh store with a manual clock: sessions idle out
/// after 100 seconds and end after 1000; no passkeys, no upstreams.
fn service() -> (tempfile::TempDir, Accounts, Clock) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), 1 << 20).unwrap();
    let clock = Clock::manual();
    let settings = AccountSettings {
        issuer: "http://127.0.0.1:1".into(),
        pbkdf2_iterations: 1000,
        session_idle: 100,
        session_absolute: 1000,
    };
    let upstreams = Upstreams::new(Vec::new()).unwrap();
    let accounts = Accounts::new(store, clock.clone(), settings, None, upstreams);
    (dir, accounts, clock)
}

async fn alice(accounts: &Accounts) -> UserRecord {
    let new = NewUser {
        username: "alice".into(),
        password: "correct horse battery".into(),
        email: None,
        name: None,
        admin: false,
    };
    accounts.create_user(new).await.unwrap()
}

#[actix_web::test]
async fn a_session_lives_by_the_service_clock_and_idle_lifetime() {
    let (_dir, accounts, clock) = service();
    let user = alice(&accounts).await;
    let cookie = accounts
        .create_session(user.id, vec!["pwd".into()])
        .await
        .unwrap();
    let (session, who) = accounts.current_session(&cookie).await.unwrap().unwrap();
    assert_eq!((who.id, session.amr), (user.id, vec!["pwd".to_owned()]));
    clock.advance(101);
    assert!(accounts.current_session(&cookie).await.unwrap().is_none());
}

#[actix_web::test]
async fn ending_all_sessions_ends_every_session_of_the_person_only() {
    let (_dir, accounts, _clock) = service();
    let user = alice(&accounts).await;
    let first = accounts.create_session(user.id, Vec::new()).await.unwrap();
    let second = accounts.create_session(user.id, Vec::new()).await.unwrap();
    assert_eq!(accounts.end_all_sessions(user.id).await.unwrap(), 2);
    assert!(accounts.current_session(&first).await.unwrap().is_none());
    assert!(accounts.current_session(&second).await.unwrap().is_none());
    assert_eq!(accounts.end_all_sessions(user.id).await.unwrap(), 0);
}

#[actix_web::test]
async fn a_pending_sign_in_is_taken_once() {
    let (_dir, accounts, _clock) = service();
    let user = alice(&accounts).await;
    let cookie = accounts
        .start_pending(user.id, vec!["pwd".into()], "/account")
        .await
        .unwrap();
    let (pending, who) = accounts.pending(&cookie).await.unwrap().unwrap();
    assert_eq!((pending.next.as_str(), who.id), ("/account", user.id));
    assert!(accounts.take_pending(&cookie).await.unwrap().is_some());
    assert!(accounts.take_pending(&cookie).await.unwrap().is_none());
    assert!(accounts.pending(&cookie).await.unwrap().is_none());
}

#[actix_web::test]
async fn passkey_operations_are_refused_without_a_relying_party() {
    let (_dir, accounts, _clock) = service();
    let user = alice(&accounts).await;
    assert!(!accounts.passkeys_offered());
    assert!(matches!(
        accounts.require_passkeys(),
        Err(AccountError::Invalid(_))
    ));
    assert!(matches!(
        accounts.start_passkey_sign_in("/").await,
        Err(AccountError::Invalid(_))
    ));
    assert!(matches!(
        accounts
            .start_passkey_check(user.id, crate::store::PasskeyPurpose::Confirm)
            .await,
        Err(AccountError::Invalid(_))
    ));
}

#[actix_web::test]
async fn without_upstreams_the_security_page_lists_none_and_unknown_names_have_no_label() {
    let (_dir, accounts, _clock) = service();
    let user = alice(&accounts).await;
    let section = accounts.upstream_section(&user).await.unwrap();
    assert!(section.linked.is_empty() && section.unlinked.is_empty());
    assert_eq!(accounts.upstream_label("github"), None);
    assert!(matches!(
        accounts
            .begin_upstream("github", "http://x/cb", "/", None)
            .await,
        Err(crate::accounts::upstream::UpstreamError::UnknownProvider)
    ));
}
