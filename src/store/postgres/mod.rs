//! The PostgreSQL adapter (`--store postgres://…`): several instances share
//! one database. A pool of connections (deadpool) over tokio-postgres, with
//! TLS as the URL's `sslmode` says (rustls on ring, Mozilla's roots), and
//! the schema's migrations applied at start (`migrate.rs`). The record
//! operations arrive kind by kind behind the store's port; until `Store`
//! becomes the enum over both adapters, this one is reached directly.

mod audit;
mod clients;
mod conn;
mod devices;
mod directory;
mod email;
mod factors;
mod failure;
mod groups;
mod keys;
mod leaving;
mod logins;
mod migrate;
mod passkeys;
mod people;
mod sessions;
mod sweep;
mod throttle;
mod tokens;
mod upstream;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres_rustls::MakeRustlsConnect;

pub use migrate::MIGRATIONS;

use super::{StoreError, StoreResult};

/// How long a request waits for a connection, or for a new one to open,
/// before it fails with a clear error instead of hanging.
const WAIT: Duration = Duration::from_secs(5);
/// The longest a statement may run before the server cancels it.
const STATEMENT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a connection may go without the server acknowledging what
/// was sent before it counts as broken.
const STALL: Duration = Duration::from_secs(10);
/// Connections per instance.
const POOL_SIZE: usize = 16;

/// A database failure as the store reports it; the text names what failed
/// (never a value: statements carry only digests and ids). A server that
/// cannot be reached is [`StoreError::Unavailable`] (see `failure.rs`).
pub(crate) fn db_err(e: impl std::fmt::Display + 'static) -> StoreError {
    // The driver's own text is only "db error": the server's message and
    // SQLSTATE say what happened (never a value: its detail line, which
    // may quote one, is left out).
    let server = (&e as &dyn std::any::Any)
        .downcast_ref::<tokio_postgres::Error>()
        .and_then(|e| e.as_db_error())
        .map(|db| format!(" ({}: {})", db.code().code(), db.message()))
        .unwrap_or_default();
    let text = format!("PostgreSQL: {e}{server}");
    failure::classify(&e, text)
}

/// One parameter of a statement.
pub(crate) type Param<'a> = &'a (dyn tokio_postgres::types::ToSql + Sync);

/// A stored number (ids, Unix seconds) as PostgreSQL's BIGINT; ours never
/// come near `i64::MAX`.
pub(crate) fn i64_of(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The store on a PostgreSQL database.
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let status = self.pool.status();
        f.debug_struct("PgStore")
            .field("size", &status.size)
            .field("available", &status.available)
            .finish()
    }
}

/// The TLS client for database connections: rustls on ring with
/// Mozilla's trust anchors. `sslmode=disable` never uses it; `prefer`
/// (tokio-postgres's default) uses it when the server offers TLS;
/// `require` insists.
fn tls() -> StoreResult<MakeRustlsConnect> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(db_err)?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

impl PgStore {
    /// Opens a pool on the database `url` (`postgres://user:pass@host:port/db`,
    /// with `?sslmode=…`) and applies any migration not yet applied.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let mut config = tokio_postgres::Config::from_str(url)
            .map_err(|e| StoreError::Db(format!("--store: not a PostgreSQL URL: {e}")))?;
        // A database that stops answering fails requests within bounds
        // instead of holding them: a connection attempt after WAIT, a
        // statement after STATEMENT_TIMEOUT (the server cancels it), and a
        // connection whose packets go unanswered (a dropped network rather
        // than a refused connection) after STALL. The URL's own settings win.
        // (CockroachDB also takes `statement_timeout` through `options`.)
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(WAIT);
        }
        if config.get_options().is_none() {
            config.options(format!(
                "-c statement_timeout={}",
                STATEMENT_TIMEOUT.as_millis()
            ));
        }
        config.keepalives_idle(Duration::from_secs(30));
        config.tcp_user_timeout(STALL);
        let manager = Manager::from_config(
            config,
            tls()?,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(WAIT))
            .create_timeout(Some(WAIT))
            .build()
            .map_err(db_err)?;
        let store = PgStore { pool };
        store.migrate().await?;
        Ok(store)
    }

    /// A connection from the pool.
    pub(crate) async fn client_conn(&self) -> StoreResult<conn::Conn> {
        self.pool.get().await.map(conn::Conn).map_err(db_err)
    }

    /// The record `query` selects by a digest, with the bytes it is
    /// stored as (the old value of a compare-and-swap).
    pub(in crate::store) async fn record_by_digest<T: crate::store::codec::Versioned>(
        &self,
        query: &str,
        digest: &crate::crypto::Digest,
    ) -> StoreResult<Option<(Vec<u8>, T)>> {
        let row = self
            .client_conn()
            .await?
            .query_opt(query, &[&digest.as_slice() as Param<'_>])
            .await
            .map_err(db_err)?;
        row.map(|row| {
            let bytes: Vec<u8> = row.get(0);
            crate::store::codec::decode(&bytes).map(|record| (bytes, record))
        })
        .transpose()
    }

    /// Stores (or replaces) a short-lived record under a digest in `table`
    /// (a name of ours, never input), with its expiry for the sweeper.
    pub(in crate::store) async fn put_expiring<T: crate::store::codec::Versioned>(
        &self,
        table: &'static str,
        digest: &crate::crypto::Digest,
        expires_at: u64,
        record: &T,
    ) -> StoreResult<()> {
        let statement = format!(
            "INSERT INTO {table} (digest, expires_at, record) VALUES ($1, $2, $3) \
             ON CONFLICT (digest) DO UPDATE \
             SET expires_at = EXCLUDED.expires_at, record = EXCLUDED.record"
        );
        self.client_conn()
            .await?
            .execute(
                statement.as_str(),
                &[
                    &digest.as_slice() as Param<'_>,
                    &i64_of(expires_at),
                    &crate::store::codec::encode(record)?,
                ],
            )
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// Whether the database answers (for `/healthz` and `/readyz`).
    pub async fn ping(&self) -> StoreResult<()> {
        self.client_conn()
            .await?
            .simple_query("SELECT 1")
            .await
            .map(|_| ())
            .map_err(db_err)
    }

    /// Applies the migrations this database lacks; answers the versions
    /// this call applied (none when another instance did, or had).
    pub async fn migrate(&self) -> StoreResult<Vec<u32>> {
        let mut client = self.client_conn().await?;
        migrate::apply(&mut client).await
    }

    /// The versions applied to this database, in order.
    pub async fn applied_migrations(&self) -> StoreResult<Vec<u32>> {
        let client = self.client_conn().await?;
        migrate::applied(&client).await
    }
}
