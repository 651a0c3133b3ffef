//! A PostgreSQL server for the tests of the PostgreSQL adapter: the one
//! `./scripts/test.sh` starts with `pg_virtualenv` (a throwaway cluster on
//! loopback, removed afterwards), named by the `PG*` variables it sets, or
//! any server named by `GATEHOUSE_TEST_POSTGRES`. Each test gets a fresh,
//! empty database of its own on it.

use std::process::Command;

/// The server's URL (its `postgres` database).
pub(crate) fn postgres_url() -> String {
    if let Ok(url) = std::env::var("GATEHOUSE_TEST_POSTGRES") {
        return url;
    }
    let var = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| {
            panic!(
                "no PostgreSQL for the tests: run them with ./scripts/test.sh \
                 (it starts one with pg_virtualenv), under `pg_virtualenv`, or \
                 with GATEHOUSE_TEST_POSTGRES=postgres://…"
            )
        })
    };
    format!(
        "postgres://{}:{}@{}:{}/postgres?sslmode=disable",
        var("PGUSER"),
        var("PGPASSWORD"),
        var("PGHOST"),
        var("PGPORT")
    )
}

/// A new empty database for one test; answers its URL.
pub(crate) fn fresh_database() -> String {
    let server = postgres_url();
    let mut bytes = [0u8; 8];
    gatehouse::crypto::random::fill(&mut bytes).unwrap();
    let name = format!(
        "gatehouse_test_{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    let output = Command::new("psql")
        .arg(&server)
        .args(["-v", "ON_ERROR_STOP=1", "-qc"])
        .arg(format!("CREATE DATABASE {name}"))
        .output()
        .expect("psql (Debian's postgresql-client) is needed");
    assert!(
        output.status.success(),
        "CREATE DATABASE failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut url = url::Url::parse(&server).unwrap();
    url.set_path(&format!("/{name}"));
    url.into()
}

/// Whether this run puts every test server on PostgreSQL instead of the
/// embedded store (`TEST_STORE=postgres`, the test command's
/// second pass over the suite).
pub(crate) fn on_postgres() -> bool {
    std::env::var("TEST_STORE").is_ok_and(|v| v == "postgres")
}

/// In a PostgreSQL run, the database of the server whose data directory is
/// `data`: one per directory, made on first use, so that a server started
/// again on the same directory finds what the first one stored.
pub(crate) fn database_for(data: &std::path::Path) -> Option<String> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static BY_DIR: OnceLock<Mutex<HashMap<std::path::PathBuf, String>>> = OnceLock::new();
    if !on_postgres() {
        return None;
    }
    let mut map = BY_DIR.get_or_init(Default::default).lock().unwrap();
    Some(
        map.entry(data.to_path_buf())
            .or_insert_with(fresh_database)
            .clone(),
    )
}

/// Skips the calling test in a PostgreSQL run, for what only the embedded
/// store has (its files, its lock, its offline commands): answers whether
/// to skip, having said so on stderr.
pub(crate) fn embedded_only(what: &str) -> bool {
    if on_postgres() {
        eprintln!("skipped on PostgreSQL: {what}");
    }
    on_postgres()
}

/// Runs a future to its end on a runtime of its own (the store's tests are
/// plain `#[test]`s).
pub(crate) fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// Two instances: two stores, each with its own pool, on the database `url`.
pub(crate) async fn two_stores(url: &str) -> (gatehouse::store::Store, gatehouse::store::Store) {
    let a = gatehouse::store::Store::connect(url).await.unwrap();
    let b = gatehouse::store::Store::connect(url).await.unwrap();
    (a, b)
}

/// Runs two operations at the same moment, as two instances would.
pub(crate) async fn both<T: Send + 'static>(
    a: impl std::future::Future<Output = T> + Send + 'static,
    b: impl std::future::Future<Output = T> + Send + 'static,
) -> (T, T) {
    let (a, b) = (tokio::spawn(a), tokio::spawn(b));
    (a.await.unwrap(), b.await.unwrap())
}
