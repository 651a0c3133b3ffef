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
