//! The PostgreSQL adapter against a real server: the schema's migrations
//! are applied once, by whichever of several instances starting together
//! gets there first; a database that cannot be reached is a clear error
//! within seconds, never a hang.

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use gatehouse::store::{Store, POSTGRES_MIGRATIONS as MIGRATIONS};

use crate::harness::*;

#[test]
fn five_instances_starting_at_once_apply_each_migration_once() {
    let url = fresh_database();
    let barrier = Arc::new(Barrier::new(5));
    let starts: Vec<_> = (0..5)
        .map(|_| {
            let (url, barrier) = (url.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                block_on(async {
                    let store = Store::connect(&url).await.unwrap();
                    // What this instance's own start applied: a second
                    // call by the same instance applies nothing.
                    let again = store.migrate().await.unwrap();
                    (store.applied_migrations().await.unwrap(), again)
                })
            })
        })
        .collect();
    let all: Vec<u32> = MIGRATIONS.iter().map(|(v, _, _)| *v).collect();
    for start in starts {
        let (applied, again) = start.join().unwrap();
        assert_eq!(applied, all);
        assert!(again.is_empty(), "{again:?}");
    }
    // The schema is there once: its tables answer.
    let store = block_on(Store::connect(&url)).unwrap();
    block_on(store.ping()).unwrap();
    let output = std::process::Command::new("psql")
        .arg(&url)
        .args(["-tAc", "SELECT count(*) FROM gatehouse_migrations"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        all.len().to_string()
    );
}

#[test]
fn a_database_that_does_not_answer_is_a_clear_error_soon() {
    let started = Instant::now();
    // Nothing listens on port 1.
    let error = block_on(Store::connect(
        "postgres://gatehouse:secret@127.0.0.1:1/gatehouse?sslmode=disable",
    ))
    .unwrap_err()
    .to_string();
    assert!(error.contains("PostgreSQL"), "{error}");
    assert!(!error.contains("secret"), "the password leaked: {error}");
    assert!(started.elapsed() < Duration::from_secs(15));

    let error = block_on(Store::connect("mysql://somewhere/else"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("not a PostgreSQL URL"), "{error}");
}

use gatehouse::store::{CodeRecord, Redemption, Rotation, RotationOutcome, TokenKind, TokenRecord};

fn code() -> CodeRecord {
    CodeRecord {
        client_id: "webapp".into(),
        user_id: 7,
        redirect_uri: Some("http://127.0.0.1:9000/cb".into()),
        scope: "openid".into(),
        code_challenge: None,
        nonce: None,
        auth_time: 1,
        amr: vec!["pwd".into()],
        expires_at: u64::MAX / 4,
        grant_id: "grant-1".into(),
        redeemed: false,
    }
}

fn refresh_token(grant: &str) -> TokenRecord {
    TokenRecord {
        kind: TokenKind::Refresh,
        client_id: "webapp".into(),
        user_id: Some(7),
        scope: "openid offline_access".into(),
        issued_at: 1,
        expires_at: None,
        grant_id: Some(grant.into()),
        auth_time: Some(1),
        rotated: None,
    }
}

#[test]
fn one_code_sent_to_two_instances_at_once_is_redeemed_exactly_once() {
    block_on(async {
        let (a, b) = two_stores(&fresh_database()).await;
        for round in 0..200u32 {
            let mut digest = [0u8; 32];
            digest[..4].copy_from_slice(&round.to_be_bytes());
            a.insert_code(&digest, &code()).await.unwrap();
            let (x, y) = (a.clone(), b.clone());
            let (left, right) = both(async move { x.redeem_code(&digest).await }, async move {
                y.redeem_code(&digest).await
            })
            .await;
            let fresh = [left.unwrap(), right.unwrap()]
                .iter()
                .filter(|r| matches!(r, Redemption::Fresh(_)))
                .count();
            assert_eq!(fresh, 1, "round {round}");
            // Afterwards both see a replay.
            assert!(matches!(
                b.redeem_code(&digest).await.unwrap(),
                Redemption::Replayed(_)
            ));
        }
        assert!(matches!(
            a.redeem_code(&[9; 32]).await.unwrap(),
            Redemption::Unknown
        ));
    });
}

#[test]
fn one_refresh_token_rotated_on_two_instances_at_once_rotates_once() {
    block_on(async {
        let (a, b) = two_stores(&fresh_database()).await;
        for round in 0..100u32 {
            let mut digest = [1u8; 32];
            digest[..4].copy_from_slice(&round.to_be_bytes());
            let grant = format!("grant-{round}");
            a.insert_tokens(&[(digest, refresh_token(&grant))])
                .await
                .unwrap();
            let rotation = |n: u8| Rotation {
                at: 2,
                sealed_successor: vec![n; 8],
            };
            let (x, y) = (a.clone(), b.clone());
            let (left, right) = both(
                async move { x.rotate_token(&digest, rotation(1)).await },
                async move { y.rotate_token(&digest, rotation(2)).await },
            )
            .await;
            let outcomes = [left.unwrap(), right.unwrap()];
            let won = outcomes
                .iter()
                .filter(|o| matches!(o, RotationOutcome::Rotated(_)))
                .count();
            assert_eq!(won, 1, "round {round}");
            // The loser saw the winner's rotation.
            assert!(outcomes.iter().any(|o| matches!(
                o,
                RotationOutcome::AlreadyRotated(t) if t.rotated.is_some()
            )));
            // Revoking the family on B removes what A stored.
            assert_eq!(b.revoke_grant(&grant).await.unwrap(), 1);
            assert!(a.token(&digest).await.unwrap().is_none());
        }
    });
}
