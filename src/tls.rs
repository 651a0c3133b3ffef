//! HTTPS of its own: the certificate chain and key from PEM files
//! (`--tls-cert`, `--tls-key`), served with rustls on ring, and read again
//! on SIGHUP: new handshakes get the new certificate, open connections keep
//! theirs, and a file that does not load leaves the old one in place.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::ServerConfig;

/// The ALPN protocol of the TLS-ALPN-01 challenge (RFC 8737 §6.2).
pub const ACME_TLS_ALPN: &[u8] = b"acme-tls/1";

/// Where the certificate and its key are.
#[derive(Debug, Clone)]
pub struct CertFiles {
    /// The certificate chain, PEM, leaf first.
    pub cert: PathBuf,
    /// The private key, PEM (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// Hands every handshake the certificate loaded last.
pub struct Reloading {
    current: RwLock<Arc<CertifiedKey>>,
    files: CertFiles,
    /// TLS-ALPN-01 challenge certificates by domain (RFC 8737), answered
    /// only to handshakes that offer the `acme-tls/1` protocol.
    challenges: RwLock<std::collections::HashMap<String, Arc<CertifiedKey>>>,
    /// Told the leaf's expiry (Unix seconds) at every load, for `/metrics`.
    on_load: Box<dyn Fn(i64) + Send + Sync>,
    /// What the last attempt to obtain a certificate said (ACME), for `/admin`.
    status: RwLock<Option<String>>,
    /// HTTP-01 challenge answers by token (RFC 8555 §8.3), served on the
    /// `--http-redirect` listener.
    http_tokens: RwLock<std::collections::HashMap<String, String>>,
}

impl std::fmt::Debug for Reloading {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reloading")
            .field("files", &self.files)
            .finish_non_exhaustive()
    }
}

/// The leaf certificate's notAfter, in Unix seconds.
fn not_after(key: &CertifiedKey) -> Option<i64> {
    let leaf = key.cert.first()?;
    let (_, parsed) = x509_parser::parse_x509_certificate(leaf.as_ref()).ok()?;
    Some(parsed.validity().not_after.timestamp())
}

impl ResolvesServerCert for Reloading {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let acme = hello
            .alpn()
            .is_some_and(|mut offered| offered.any(|p| p == ACME_TLS_ALPN));
        if acme {
            let name = hello.server_name()?.to_owned();
            return self.challenges.read().ok()?.get(&name).cloned();
        }
        match self.current.read() {
            Ok(current) => Some(current.clone()),
            Err(poisoned) => Some(poisoned.into_inner().clone()),
        }
    }
}

fn load(files: &CertFiles) -> Result<CertifiedKey, String> {
    let named = |path: &Path, e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.cert)
        .map_err(|e| named(&files.cert, &e))?
        .collect::<Result<_, _>>()
        .map_err(|e| named(&files.cert, &e))?;
    if chain.is_empty() {
        return Err(format!("{}: no certificate in it", files.cert.display()));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|e| named(&files.key, &e))?;
    let signer =
        rustls::crypto::ring::sign::any_supported_type(&key).map_err(|e| named(&files.key, &e))?;
    let certified = CertifiedKey::new(chain, signer);
    certified.keys_match().map_err(|e| {
        format!(
            "{} does not belong to {}: {e}",
            files.key.display(),
            files.cert.display()
        )
    })?;
    Ok(certified)
}

impl Reloading {
    /// Answers TLS-ALPN-01 validation for `domain` with this certificate
    /// (`None`: stop answering).
    pub fn set_challenge(&self, domain: &str, cert: Option<CertifiedKey>) {
        if let Ok(mut challenges) = self.challenges.write() {
            match cert {
                Some(cert) => {
                    challenges.insert(domain.to_owned(), Arc::new(cert));
                }
                None => {
                    challenges.remove(domain);
                }
            }
        }
    }

    /// Answers the HTTP-01 challenge `token` with `key_authorization`
    /// (`None`: stop answering).
    pub fn set_http_token(&self, token: &str, key_authorization: Option<String>) {
        if let Ok(mut tokens) = self.http_tokens.write() {
            match key_authorization {
                Some(answer) => {
                    tokens.insert(token.to_owned(), answer);
                }
                None => {
                    tokens.remove(token);
                }
            }
        }
    }

    /// The answer to the HTTP-01 challenge `token`, while one is pending.
    pub fn http_token(&self, token: &str) -> Option<String> {
        self.http_tokens.read().ok()?.get(token).cloned()
    }

    /// Records what the last attempt to obtain a certificate said.
    pub fn set_status(&self, status: String) {
        if let Ok(mut current) = self.status.write() {
            *current = Some(status);
        }
    }

    /// What the last attempt to obtain a certificate said, if one was made.
    pub fn status(&self) -> Option<String> {
        self.status.read().ok().and_then(|s| s.clone())
    }

    /// The leaf certificate's notAfter (Unix seconds) of what is served now.
    pub fn not_after(&self) -> Option<i64> {
        let current = match self.current.read() {
            Ok(current) => current.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        not_after(&current)
    }

    /// Reads the files again; on failure the old certificate stays.
    pub fn reload(&self) -> Result<(), String> {
        let fresh = Arc::new(load(&self.files)?);
        if let Some(at) = not_after(&fresh) {
            (self.on_load)(at);
        }
        match self.current.write() {
            Ok(mut current) => *current = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
        Ok(())
    }
}

/// The TLS configuration for these files, and its reloading resolver;
/// `on_load` hears the certificate's expiry at every load.
pub fn server_config(
    files: CertFiles,
    on_load: impl Fn(i64) + Send + Sync + 'static,
) -> Result<(ServerConfig, Arc<Reloading>), String> {
    let first = Arc::new(load(&files)?);
    configure(files, first, on_load)
}

/// The TLS configuration for a certificate that ACME will obtain into
/// `files`: what is there already if it loads, else a self-signed
/// placeholder for `domain` until the first certificate arrives.
pub fn acme_server_config(
    files: CertFiles,
    domain: &str,
    on_load: impl Fn(i64) + Send + Sync + 'static,
) -> Result<(ServerConfig, Arc<Reloading>), String> {
    let first = match load(&files) {
        Ok(existing) => existing,
        Err(_) => placeholder(domain)?,
    };
    configure(files, Arc::new(first), on_load)
}

/// A self-signed certificate for `domain`, served until ACME delivers.
fn placeholder(domain: &str) -> Result<CertifiedKey, String> {
    let made =
        rcgen::generate_simple_self_signed(vec![domain.to_owned()]).map_err(|e| e.to_string())?;
    certified(made.cert.der().clone(), made.signing_key.serialize_der())
}

/// A rustls certificate from a DER certificate and a PKCS#8 key.
pub fn certified(cert: CertificateDer<'static>, pkcs8: Vec<u8>) -> Result<CertifiedKey, String> {
    let key = PrivateKeyDer::Pkcs8(pkcs8.into());
    let signer = rustls::crypto::ring::sign::any_supported_type(&key).map_err(|e| e.to_string())?;
    Ok(CertifiedKey::new(vec![cert], signer))
}

fn configure(
    files: CertFiles,
    first: Arc<CertifiedKey>,
    on_load: impl Fn(i64) + Send + Sync + 'static,
) -> Result<(ServerConfig, Arc<Reloading>), String> {
    if let Some(at) = not_after(&first) {
        on_load(at);
    }
    let resolver = Arc::new(Reloading {
        current: RwLock::new(first),
        files,
        challenges: RwLock::default(),
        on_load: Box::new(on_load),
        status: RwLock::default(),
        http_tokens: RwLock::default(),
    });
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_cert_resolver(resolver.clone());
    config.alpn_protocols = vec![b"http/1.1".to_vec(), ACME_TLS_ALPN.to_vec()];
    Ok((config, resolver))
}

/// Reloads the certificate whenever the process gets SIGHUP.
pub fn reload_on_sighup(resolver: Arc<Reloading>) -> std::io::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut hangups = signal(SignalKind::hangup())?;
    actix_web::rt::spawn(async move {
        while hangups.recv().await.is_some() {
            match resolver.reload() {
                Ok(()) => log::info!("SIGHUP: reloaded the TLS certificate"),
                Err(e) => log::error!(
                    "SIGHUP: the TLS certificate did not load, keeping the old one: {e}"
                ),
            }
        }
    });
    Ok(())
}
