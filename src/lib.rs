//! Gatehouse: an OAuth 2.0 and OpenID Connect provider in one binary with an
//! embedded database. `start` builds and runs the server; `main.rs` and the
//! integration tests both go through it.

pub mod accounts;
pub mod acme;
pub mod admin;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod dev_guide;
pub mod dialect_name;
pub mod dialects;
pub mod error;
pub mod http;
pub mod logging;
pub mod mail;
pub mod metrics;
pub mod oauth;
pub mod pages;
pub mod scope_set;
pub mod seed;
pub mod settings;
pub mod store;
pub mod tls;

use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::{web, App, HttpServer};

use crate::config::Config;
use crate::http::state::AppState;
use crate::oauth::{scope::Scopes, Provider, Settings};
use crate::store::Store;

/// A server that is listening.
pub struct Running {
    /// The bound address (the real port when port 0 was asked for).
    pub addr: SocketAddr,
    /// The issuer it announces.
    pub issuer: String,
    /// Stops the server (gracefully with `stop(true)`).
    pub handle: ServerHandle,
    /// Where `/metrics` is served apart from the main address, if it is.
    pub metrics_addr: Option<SocketAddr>,
    server: Server,
    metrics_server: Option<ServerHandle>,
    redirect_server: Option<ServerHandle>,
    control_socket: std::path::PathBuf,
    store: Store,
}

impl Running {
    /// Serves until stopped (SIGINT, SIGTERM or the handle), then flushes the database.
    pub async fn wait(self) -> std::io::Result<()> {
        let served = self.server.await;
        if let Some(metrics) = self.metrics_server {
            metrics.stop(true).await;
        }
        if let Some(plain) = self.redirect_server {
            plain.stop(true).await;
        }
        // Admin commands find no server here any more: they open the database.
        let _ = std::fs::remove_file(&self.control_socket);
        if let Err(e) = self.store.flush_blocking() {
            log::error!("final flush failed: {e}");
        }
        log::info!("stopped");
        served
    }
}

/// Why the server could not start.
#[derive(Debug)]
pub struct StartError(pub String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartError {}

/// Starts a small one-worker server beside the main one (`--metrics-addr`,
/// `--http-redirect`) at `at` with `data` and `routes`; answers where it
/// listens and its handle.
fn side_listener<T: Send + Sync + 'static>(
    flag: &str,
    at: SocketAddr,
    data: web::Data<T>,
    routes: fn(&mut web::ServiceConfig),
) -> Result<(SocketAddr, ServerHandle), StartError> {
    let listener = TcpListener::bind(at)
        .map_err(|e| StartError(format!("{flag}: cannot listen on {at}: {e}")))?;
    let bound = listener
        .local_addr()
        .map_err(|e| StartError(e.to_string()))?;
    let server = HttpServer::new(move || App::new().app_data(data.clone()).configure(routes))
        .workers(1)
        .listen(listener)
        .map_err(|e| StartError(format!("{flag} {bound}: {e}")))?
        .run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    Ok((bound, handle))
}

/// Reads the keys and policies from a shared store every `interval`, so
/// that what another instance changed is used here too.
fn spawn_shared_refresh(state: web::Data<AppState>, interval: Duration, defaults: oauth::Policies) {
    actix_web::rt::spawn(async move {
        let mut ticker = actix_web::rt::time::interval(interval);
        ticker.tick().await;
        loop {
            ticker.tick().await;
            if let Err(e) = state.provider.refresh_shared(defaults).await {
                log::warn!("reading keys and policies from the store failed: {e}");
            }
        }
    });
}

/// Opens the store, applies the seed, binds, and starts serving.
pub async fn start(config: Config) -> Result<Running, StartError> {
    dialects::check(&config.dialects).map_err(StartError)?;
    let store = match &config.store_url {
        // The data directory still holds the control socket and the ACME
        // account and certificates.
        Some(url) => {
            std::fs::create_dir_all(&config.data).map_err(|e| {
                StartError(format!("the data directory {}: {e}", config.data.display()))
            })?;
            Store::connect(url).await
        }
        None => Store::open(&config.data, config.cache_bytes),
    }
    .map_err(|e| StartError(e.to_string()))?;
    if let Some(path) = &config.seed {
        let seed = seed::load(path).map_err(|e| StartError(e.to_string()))?;
        seed.apply(path, &store, config.pbkdf2_iterations, config.clock.now())
            .await
            .map_err(|e| StartError(e.to_string()))?;
        log::info!("applied seed file {}", path.display());
    }
    if config.demo_seed {
        let seed = seed::demo().map_err(|e| StartError(e.to_string()))?;
        seed.apply(
            std::path::Path::new("demo seed"),
            &store,
            config.pbkdf2_iterations,
            config.clock.now(),
        )
        .await
        .map_err(|e| StartError(e.to_string()))?;
    }
    let stored_scopes = store
        .scopes()
        .await
        .map_err(|e| StartError(e.to_string()))?;
    let dialect_scopes = config
        .dialects
        .iter()
        .flat_map(|d| d.scopes().into_iter().map(|s| (d.name().to_owned(), s)))
        .collect();
    let scopes = Scopes::new(stored_scopes, dialect_scopes);
    let now = config.clock.now();
    oauth::keys::ensure(&store, now, &config.preset_keys)
        .await
        .map_err(|e| StartError(format!("signing keys: {e}")))?;
    // An administrator's choice on the admin page outlives the flags' defaults.
    let default_policies = oauth::Policies {
        signup: config.signup,
        registration: config.registration,
        second_factor: Default::default(),
    };
    let policies = oauth::Policies::stored(&store, default_policies)
        .await
        .map_err(|e| StartError(e.to_string()))?;
    let keys = oauth::keys::KeyRing::load(&store, now, config.id_token_ttl)
        .await
        .map_err(|e| StartError(format!("signing keys: {e}")))?;

    let listener = TcpListener::bind(config.addr)
        .map_err(|e| StartError(format!("cannot listen on {}: {e}", config.addr)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| StartError(e.to_string()))?;
    let metrics = std::sync::Arc::new(metrics::Metrics::with_grants(
        oauth::client_metadata::GRANT_TYPES,
    ));
    let on_load = {
        let metrics = metrics.clone();
        move |not_after| metrics.certificate_loaded(not_after)
    };
    let mut acme_task = None;
    let tls =
        match (&config.tls_cert, &config.tls_key) {
            (None, None) if config.acme_domain.is_some() => {
                let domain = config.acme_domain.clone().unwrap_or_default();
                let (tls_config, resolver) =
                    tls::acme_server_config(acme::files(&config.data), &domain, on_load)
                        .map_err(|e| StartError(format!("TLS: {e}")))?;
                acme_task = Some((
                    acme::AcmeSettings {
                        domain,
                        email: config.acme_email.clone(),
                        directory: config.acme_directory.clone(),
                        ca: config.acme_ca.clone(),
                        check_interval: config.acme_check_interval,
                        http01: config.http_redirect.is_some(),
                    },
                    resolver.clone(),
                ));
                Some((tls_config, resolver))
            }
            (Some(_), Some(_)) if config.acme_domain.is_some() => return Err(StartError(
                "--acme-domain obtains the certificate itself: leave --tls-cert and --tls-key out"
                    .into(),
            )),
            (Some(cert), Some(key)) => Some(
                tls::server_config(
                    tls::CertFiles {
                        cert: cert.clone(),
                        key: key.clone(),
                    },
                    on_load,
                )
                .map_err(|e| StartError(format!("TLS: {e}")))?,
            ),
            (None, None) => None,
            _ => {
                return Err(StartError(
                    "--tls-cert and --tls-key go together: give both or neither".into(),
                ))
            }
        };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let issuer = config
        .issuer
        .clone()
        .unwrap_or_else(|| format!("{scheme}://{addr}"))
        .trim_end_matches('/')
        .to_owned();
    match url::Url::parse(&issuer) {
        Ok(url)
            if matches!(url.scheme(), "http" | "https")
                && url.query().is_none()
                && url.fragment().is_none() => {}
        _ => {
            return Err(StartError(format!(
                "--issuer {issuer}: must be an http(s) URL without query or fragment"
            )))
        }
    }
    let mail = mail::Mailer::from_config(&config, &issuer).map_err(StartError)?;
    let upstreams =
        accounts::upstream::Upstreams::new(config.upstreams.clone()).map_err(StartError)?;
    let metadata = oauth::discovery::metadata(&issuer, &scopes).to_string();
    let state = web::Data::new(AppState {
        provider: Provider {
            store: store.clone(),
            scopes,
            settings: Settings {
                issuer: issuer.clone(),
                access_token_ttl: config.access_token_ttl,
                refresh_token_ttl: config.refresh_token_ttl,
                code_ttl: config.code_ttl,
                rotate_confidential_refresh: config.rotate_confidential_refresh,
                refresh_grace: config.refresh_grace,
                session_idle: config.session_idle,
                session_absolute: config.session_absolute,
                pbkdf2_iterations: config.pbkdf2_iterations,
                id_token_ttl: config.id_token_ttl,
                dev_mode: config.dev_mode,
                device_code_ttl: config.device_code_ttl,
                device_interval: config.device_interval,
                audit_log: config.audit_log,
            },
            clock: config.clock.clone(),
            throttle: accounts::throttle::Throttle::default().kept_in(&store, "sign-in"),
            passwords: accounts::login::PasswordChecker::new(
                config.pbkdf2_iterations,
                config.hash_concurrency,
            ),
            keys: std::sync::RwLock::new(std::sync::Arc::new(keys)),
            policies: std::sync::RwLock::new(policies),
            hooks: dialects::hooks(&config.dialects),
            metrics: metrics.clone(),
        },
        metadata: metadata.into(),
        trusted_proxies: config.trusted_proxies.clone(),
        metrics_token: config.metrics_token.clone(),
        tls: tls.as_ref().map(|(_, resolver)| resolver.clone()),
        outbox: http::outbox::Outbox::new(mail, |t| t.kept_in(&store, "mail")),
        accounts: accounts::Accounts::new(
            store.clone(),
            config.clock.clone(),
            accounts::service::AccountSettings {
                issuer: issuer.clone(),
                pbkdf2_iterations: config.pbkdf2_iterations,
                session_idle: config.session_idle,
                session_absolute: config.session_absolute,
            },
            accounts::passkeys::Passkeys::for_issuer(&issuer),
            upstreams,
        ),
    });
    let state_for_metrics = state.clone();
    let control = admin::control::serve(state.clone().into_inner(), &config.data).map_err(|e| {
        StartError(format!(
            "the control socket in {}: {e}",
            config.data.display()
        ))
    })?;

    store::sweep::spawn(
        store.clone(),
        config.clock.clone(),
        Duration::from_secs(config.sweep_interval.max(1)),
        store::sweep::Retention {
            audit: config.audit_retention_days.saturating_mul(24 * 3600),
            throttle: accounts::throttle::FORGET_AFTER,
        },
        {
            let metrics = metrics.clone();
            move |removed| metrics.swept(removed)
        },
    );
    if state.provider.shares_store() {
        spawn_shared_refresh(
            state.clone(),
            Duration::from_secs(config.shared_refresh.max(1)),
            default_policies,
        );
    }
    let count_requests = config.metrics_addr.is_some() || config.metrics_token.is_some();

    let dev_mode = config.dev_mode;
    let spoken = config.dialects.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            // The request log costs a few percent of a core; skip it when
            // info lines would be dropped anyway.
            .wrap(actix_web::middleware::Condition::new(
                log::log_enabled!(target: "gatehouse::request", log::Level::Info),
                actix_web::middleware::from_fn(http::request_line),
            ))
            .wrap(actix_web::middleware::Condition::new(
                dev_mode,
                actix_web::middleware::from_fn(http::dev_banner),
            ))
            .wrap(actix_web::middleware::Condition::new(
                count_requests,
                actix_web::middleware::from_fn(http::count_request),
            ))
            .configure(|cfg| dialects::routes(&spoken, cfg))
            .configure(http::routes)
    })
    .shutdown_timeout(10);
    let mut server = match tls {
        Some((tls_config, resolver)) => {
            tls::reload_on_sighup(resolver)
                .map_err(|e| StartError(format!("cannot watch for SIGHUP: {e}")))?;
            server.listen_rustls_0_23(listener, tls_config)
        }
        None => server.listen(listener),
    }
    .map_err(|e| StartError(format!("cannot listen on {addr}: {e}")))?;
    if let Some(workers) = config.workers {
        server = server.workers(workers);
    }
    let server = server.run();
    if let Some((settings, resolver)) = acme_task {
        acme::maintain(settings, config.data.clone(), resolver);
    }
    let redirect_server = match (config.http_redirect, &state_for_metrics.tls) {
        (Some(at), Some(tls)) => {
            let plain = web::Data::new(http::plain::PlainState {
                issuer: issuer.clone(),
                tls: tls.clone(),
            });
            let (_, handle) = side_listener("--http-redirect", at, plain, http::plain::plain_routes)?;
            Some(handle)
        }
        (Some(_), None) => {
            return Err(StartError(
                "--http-redirect sends plain HTTP to HTTPS: give --tls-cert/--tls-key or --acme-domain too".into(),
            ))
        }
        (None, _) => None,
    };
    let (metrics_addr, metrics_server) = match config.metrics_addr {
        Some(at) => {
            let (bound, handle) = side_listener(
                "--metrics-addr",
                at,
                state_for_metrics.clone(),
                http::metrics_routes,
            )?;
            (Some(bound), Some(handle))
        }
        None => (None, None),
    };
    log::info!(
        "gatehouse {} listening on {scheme}://{addr} (issuer {issuer})",
        env!("CARGO_PKG_VERSION")
    );
    http::outbox::announce(&config, &state_for_metrics.outbox);
    if let Some(bound) = metrics_addr {
        log::info!("metrics on http://{bound}/metrics");
    }
    log::debug!(
        "admin commands reach this server through {}",
        control.display()
    );
    Ok(Running {
        addr,
        issuer,
        handle: server.handle(),
        metrics_addr,
        server,
        metrics_server,
        redirect_server,
        control_socket: control,
        store,
    })
}
