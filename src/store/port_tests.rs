//! The port's single-use steps on the embedded adapter, raced from two
//! threads with runtimes of their own, as two workers of one server race.
//! The PostgreSQL adapter's twins race two instances on one database
//! (tests/http/store_postgres.rs).

use std::sync::{Arc, Barrier};

use super::{CodeRecord, Redemption, Rotation, RotationOutcome, Store, TokenKind, TokenRecord};

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// Runs `step` on two threads released at the same moment.
fn race<T, F>(store: &Store, step: F) -> (T, T)
where
    T: Send + 'static,
    F: Fn(Store) -> T + Send + Clone + 'static,
{
    let barrier = Arc::new(Barrier::new(2));
    let run = |store: Store, barrier: Arc<Barrier>, step: F| {
        std::thread::spawn(move || {
            barrier.wait();
            step(store)
        })
    };
    let a = run(store.clone(), barrier.clone(), step.clone());
    let b = run(store.clone(), barrier, step);
    (a.join().unwrap(), b.join().unwrap())
}

fn code() -> CodeRecord {
    CodeRecord {
        client_id: "webapp".into(),
        user_id: 7,
        redirect_uri: None,
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

#[test]
fn two_concurrent_redemptions_of_one_code_succeed_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), 1 << 20).unwrap();
    for _ in 0..200 {
        block_on(store.insert_code(&[4; 32], &code())).unwrap();
        let (a, b) = race(&store, |s| block_on(s.redeem_code(&[4; 32])).unwrap());
        let fresh = [&a, &b]
            .iter()
            .filter(|r| matches!(r, Redemption::Fresh(_)))
            .count();
        assert_eq!(fresh, 1, "{a:?} {b:?}");
        assert!(matches!(
            block_on(store.redeem_code(&[4; 32])).unwrap(),
            Redemption::Replayed(_)
        ));
    }
}

#[test]
fn two_concurrent_rotations_of_one_refresh_token_rotate_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), 1 << 20).unwrap();
    let token = TokenRecord {
        kind: TokenKind::Refresh,
        client_id: "webapp".into(),
        user_id: Some(7),
        scope: "openid offline_access".into(),
        issued_at: 1,
        expires_at: None,
        grant_id: Some("grant-1".into()),
        auth_time: Some(1),
        rotated: None,
    };
    for round in 0..200u8 {
        let digest = [round; 32];
        block_on(store.insert_tokens(&[(digest, token.clone())])).unwrap();
        let (a, b) = race(&store, move |s| {
            let rotation = Rotation {
                at: 2,
                sealed_successor: vec![1; 8],
            };
            block_on(s.rotate_token(&digest, rotation)).unwrap()
        });
        let rotated = [&a, &b]
            .iter()
            .filter(|o| matches!(o, RotationOutcome::Rotated(_)))
            .count();
        assert_eq!(rotated, 1, "round {round}: {a:?} {b:?}");
        assert!([&a, &b]
            .iter()
            .any(|o| matches!(o, RotationOutcome::AlreadyRotated(t) if t.rotated.is_some())));
    }
}
