//! The PostgreSQL adapter against a real server: the schema's migrations
//! are applied once, by whichever of several instances starting together
//! gets there first; a database that cannot be reached is a clear error
//! within seconds, never a hang.

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use gatehouse::store::postgres::{PgStore, MIGRATIONS};

use crate::harness::*;

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

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
                    let store = PgStore::connect(&url).await.unwrap();
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
    let store = block_on(PgStore::connect(&url)).unwrap();
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
    let error = block_on(PgStore::connect(
        "postgres://gatehouse:secret@127.0.0.1:1/gatehouse?sslmode=disable",
    ))
    .unwrap_err()
    .to_string();
    assert!(error.contains("PostgreSQL"), "{error}");
    assert!(!error.contains("secret"), "the password leaked: {error}");
    assert!(started.elapsed() < Duration::from_secs(15));

    let error = block_on(PgStore::connect("mysql://somewhere/else"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("not a PostgreSQL URL"), "{error}");
}
