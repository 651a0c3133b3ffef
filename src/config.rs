//! The configuration the server runs with: a value, never a global. For
//! `gatehouse serve` it is built by `settings.rs` from flags, variables,
//! the config file and defaults; tests build it directly.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::accounts::signup::Signup;
use crate::clock::Clock;
use crate::crypto::password::DEFAULT_ITERATIONS;
use crate::oauth::register::Registration;

/// Every setting the server runs with.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen; port 0 picks a free one.
    pub addr: SocketAddr,
    /// The sled database directory.
    pub data: PathBuf,
    /// The issuer URL; `None` means `http://<bound address>`.
    pub issuer: Option<String>,
    /// A seed file applied at start.
    pub seed: Option<PathBuf>,
    /// The sled page cache bound, in bytes.
    pub cache_bytes: u64,
    /// Access token lifetime in seconds.
    pub access_token_ttl: u64,
    /// Refresh token lifetime in seconds (0: never expires).
    pub refresh_token_ttl: u64,
    /// Authorization code lifetime in seconds.
    pub code_ttl: u64,
    /// A session ends after this many idle seconds.
    pub session_idle: u64,
    /// A session ends this many seconds after sign-in, active or not.
    pub session_absolute: u64,
    /// Whether confidential clients get a new refresh token on every use
    /// (public clients always do).
    pub rotate_confidential_refresh: bool,
    /// Seconds during which a just-rotated refresh token may be presented
    /// again and answer the same new pair (0: off).
    pub refresh_grace: u64,
    /// PBKDF2 iteration count for new password hashes.
    pub pbkdf2_iterations: u32,
    /// Seconds between sweeps of expired records.
    pub sweep_interval: u64,
    /// Seconds between reads of keys and policies from a shared store.
    pub shared_refresh: u64,
    /// HTTP worker threads; `None` means one per core.
    pub workers: Option<usize>,
    /// Password hashes that may run at once; more sign-ins wait their turn.
    pub hash_concurrency: usize,
    /// Addresses of reverse proxies whose forwarding headers are believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// A separate address that serves `/metrics` to whoever reaches it.
    pub metrics_addr: Option<SocketAddr>,
    /// A bearer token that opens `/metrics` on the main address.
    pub metrics_token: Option<String>,
    /// The database URL (`--store`); `None`: the embedded store in `data`.
    pub store_url: Option<String>,
    /// How log lines look.
    pub log_format: crate::logging::LogFormat,
    /// The TLS certificate chain (PEM); with `tls_key`, the server speaks HTTPS.
    pub tls_cert: Option<PathBuf>,
    /// The TLS private key (PEM).
    pub tls_key: Option<PathBuf>,
    /// Obtain the certificate by ACME for this domain (instead of the files).
    pub acme_domain: Option<String>,
    /// The ACME account's contact address.
    pub acme_email: Option<String>,
    /// The ACME directory.
    pub acme_directory: String,
    /// An extra root (PEM) for the ACME directory's TLS (a test CA).
    pub acme_ca: Option<PathBuf>,
    /// Seconds between checks of the ACME certificate's age.
    pub acme_check_interval: u64,
    /// A plain-HTTP listener (port 80) that redirects to HTTPS and answers
    /// ACME's HTTP-01 challenges.
    pub http_redirect: Option<SocketAddr>,
    /// Days the audit trail keeps an event.
    pub audit_retention_days: u64,
    /// Whether audit events are also written as log lines.
    pub audit_log: bool,
    /// The SMTP relay that mail goes through (`--smtp-url`); `None`: no mail.
    pub smtp_url: Option<crate::mail::SmtpUrl>,
    /// The address mail comes from (`--smtp-from`).
    pub smtp_from: Option<String>,
    /// The relay's password, when it is not in `smtp_url`.
    pub smtp_password: Option<crate::mail::SmtpPassword>,
    /// Providers to sign in through (`[[upstream]]` tables of the config file).
    pub upstreams: Vec<crate::accounts::upstream::ProviderConfig>,
    /// The source of the current time (a manual clock in tests).
    pub clock: Clock,
    /// ID token lifetime in seconds.
    pub id_token_ttl: u64,
    /// Device code lifetime in seconds.
    pub device_code_ttl: u64,
    /// The minimum device polling interval in seconds.
    pub device_interval: u64,
    /// The dynamic client registration policy.
    pub registration: Registration,
    /// Who may create an account at `/signup`.
    pub signup: Signup,
    /// Provider dialects spoken beside the standard endpoints.
    pub dialects: Vec<crate::dialect_name::Dialect>,
    /// Development mode (`gatehouse dev`): never for a public server.
    pub dev_mode: bool,
    /// Apply the compiled-in demo seed (development mode).
    pub demo_seed: bool,
    /// Private keys (PKCS#8) to install on first start instead of making new
    /// ones; for tests, where making an RSA key each time is slow.
    pub preset_keys: Vec<(crate::crypto::jwt::Alg, Vec<u8>)>,
}

impl Config {
    /// The defaults, listening on `addr` with the database in `data`.
    pub fn new(addr: SocketAddr, data: PathBuf) -> Self {
        Config {
            addr,
            data,
            issuer: None,
            seed: None,
            cache_bytes: 32 * 1024 * 1024,
            access_token_ttl: 3600,
            refresh_token_ttl: 30 * 24 * 3600,
            code_ttl: 60,
            session_idle: 8 * 3600,
            session_absolute: 7 * 24 * 3600,
            rotate_confidential_refresh: true,
            refresh_grace: 0,
            pbkdf2_iterations: DEFAULT_ITERATIONS,
            sweep_interval: 60,
            shared_refresh: 60,
            workers: None,
            hash_concurrency: std::thread::available_parallelism().map_or(2, |n| n.get()),
            trusted_proxies: Vec::new(),
            metrics_addr: None,
            metrics_token: None,
            store_url: None,
            log_format: crate::logging::LogFormat::Text,
            tls_cert: None,
            tls_key: None,
            acme_domain: None,
            acme_email: None,
            acme_directory: "https://acme-v02.api.letsencrypt.org/directory".into(),
            acme_ca: None,
            acme_check_interval: 3600,
            http_redirect: None,
            audit_retention_days: 90,
            audit_log: false,
            smtp_url: None,
            smtp_from: None,
            smtp_password: None,
            upstreams: Vec::new(),
            clock: Clock::system(),
            id_token_ttl: 3600,
            device_code_ttl: 600,
            device_interval: 5,
            registration: Registration::Token,
            signup: Signup::Closed,
            dialects: Vec::new(),
            dev_mode: false,
            demo_seed: false,
            preset_keys: Vec::new(),
        }
    }
}
