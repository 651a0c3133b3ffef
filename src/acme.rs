//! Certificates by ACME (RFC 8555) for `--acme-domain`, with the
//! TLS-ALPN-01 challenge (RFC 8737) answered on the HTTPS port itself.
//! The account key and the certificate live in `acme/` in the data
//! directory; a background task obtains the first certificate and renews it
//! once less than a third of its lifetime is left; a failure is logged and
//! the certificate in use stays.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use instant_acme::{
    Account, AccountCredentials, AuthorizationStatus, ChallengeType, Identifier, NewAccount,
    NewOrder, OrderStatus, RetryPolicy,
};

use crate::tls::{CertFiles, Reloading};

/// What `--acme-*` says.
#[derive(Debug, Clone)]
pub struct AcmeSettings {
    /// The name to certify.
    pub domain: String,
    /// The contact address for the ACME account.
    pub email: Option<String>,
    /// The ACME directory URL.
    pub directory: String,
    /// An extra root certificate (PEM) the directory's TLS is signed by
    /// (a test CA such as Pebble's).
    pub ca: Option<PathBuf>,
    /// Seconds between checks of the certificate's age.
    pub check_interval: u64,
    /// Validate with HTTP-01 on the `--http-redirect` listener (port 80)
    /// instead of TLS-ALPN-01 on the HTTPS port.
    pub http01: bool,
}

/// Where the certificate and key obtained for `data` are kept.
pub fn files(data: &Path) -> CertFiles {
    let dir = data.join("acme");
    CertFiles {
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
    }
}

/// Writes `contents` to `path` through a temporary file (owner-only).
fn write_private(path: &Path, contents: &[u8]) -> Result<(), String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let partial = path.with_extension("partial");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&partial)
        .map_err(|e| format!("{}: {e}", partial.display()))?;
    file.write_all(contents)
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("{}: {e}", partial.display()))?;
    std::fs::rename(&partial, path).map_err(|e| format!("{}: {e}", path.display()))
}

async fn account(settings: &AcmeSettings, dir: &Path) -> Result<Account, String> {
    let builder = || {
        match &settings.ca {
            Some(ca) => Account::builder_with_root(ca),
            None => Account::builder(),
        }
        .map_err(|e| format!("ACME client: {e}"))
    };
    let saved = dir.join("account.json");
    if let Ok(text) = std::fs::read_to_string(&saved) {
        let credentials: AccountCredentials =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", saved.display()))?;
        return builder()?
            .from_credentials(credentials)
            .await
            .map_err(|e| format!("ACME account: {e}"));
    }
    let contact: Vec<String> = settings
        .email
        .iter()
        .map(|email| format!("mailto:{email}"))
        .collect();
    let contact: Vec<&str> = contact.iter().map(String::as_str).collect();
    let (account, credentials) = builder()?
        .create(
            &NewAccount {
                contact: &contact,
                terms_of_service_agreed: true,
                only_return_existing: false,
            },
            settings.directory.clone(),
            None,
        )
        .await
        .map_err(|e| format!("ACME account: {e}"))?;
    let text = serde_json::to_string(&credentials).map_err(|e| e.to_string())?;
    write_private(&saved, text.as_bytes())?;
    Ok(account)
}

/// The TLS-ALPN-01 certificate for `domain` and a key authorization digest.
fn challenge_cert(domain: &str, digest: &[u8]) -> Result<rustls::sign::CertifiedKey, String> {
    let mut params =
        rcgen::CertificateParams::new(vec![domain.to_owned()]).map_err(|e| e.to_string())?;
    params.custom_extensions = vec![rcgen::CustomExtension::new_acme_identifier(digest)];
    let key = rcgen::KeyPair::generate().map_err(|e| e.to_string())?;
    let cert = params.self_signed(&key).map_err(|e| e.to_string())?;
    crate::tls::certified(cert.der().clone(), key.serialize_der())
}

/// Obtains a certificate for the domain and installs it.
async fn obtain(settings: &AcmeSettings, data: &Path, resolver: &Reloading) -> Result<(), String> {
    let dir = data.join("acme");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let account = account(settings, &dir).await?;
    let identifiers = [Identifier::Dns(settings.domain.clone())];
    let mut order = account
        .new_order(&NewOrder::new(&identifiers))
        .await
        .map_err(|e| format!("ACME order: {e}"))?;
    let mut tokens = Vec::new();
    let mut authorizations = order.authorizations();
    while let Some(authz) = authorizations.next().await {
        let mut authz = authz.map_err(|e| format!("ACME authorization: {e}"))?;
        match authz.status {
            AuthorizationStatus::Valid => continue,
            AuthorizationStatus::Pending => {}
            other => return Err(format!("ACME authorization is {other:?}")),
        }
        let kind = if settings.http01 {
            ChallengeType::Http01
        } else {
            ChallengeType::TlsAlpn01
        };
        let mut challenge = authz
            .challenge(kind.clone())
            .ok_or_else(|| format!("the ACME server offers no {kind:?} challenge"))?;
        let key_authorization = challenge.key_authorization();
        if settings.http01 {
            tokens.push(challenge.token.clone());
            resolver.set_http_token(
                &challenge.token,
                Some(key_authorization.as_str().to_owned()),
            );
        } else {
            let digest = key_authorization.digest();
            resolver.set_challenge(
                &settings.domain,
                Some(challenge_cert(&settings.domain, digest.as_ref())?),
            );
        }
        challenge
            .set_ready()
            .await
            .map_err(|e| format!("ACME challenge: {e}"))?;
    }
    let patience = RetryPolicy::new().timeout(Duration::from_secs(120));
    let status = order.poll_ready(&patience).await;
    resolver.set_challenge(&settings.domain, None);
    for token in &tokens {
        resolver.set_http_token(token, None);
    }
    match status.map_err(|e| format!("ACME order: {e}"))? {
        OrderStatus::Ready => {}
        other => return Err(format!("the ACME order is {other:?}, not ready")),
    }
    let key_pem = order
        .finalize()
        .await
        .map_err(|e| format!("ACME finalize: {e}"))?;
    let chain_pem = order
        .poll_certificate(&patience)
        .await
        .map_err(|e| format!("ACME certificate: {e}"))?;
    let files = files(data);
    write_private(&files.key, key_pem.as_bytes())?;
    write_private(&files.cert, chain_pem.as_bytes())?;
    resolver.reload()
}

/// Whether the certificate served now needs replacing at Unix time `now`:
/// none yet (the placeholder), or less than a third of its life left.
fn due(resolver: &Reloading, data: &Path, now: i64) -> bool {
    if !files(data).cert.exists() {
        return true;
    }
    let Some(not_after) = resolver.not_after() else {
        return true;
    };
    let issued = std::fs::metadata(files(data).cert)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(now, |d| i64::try_from(d.as_secs()).unwrap_or(now));
    let life = (not_after - issued).max(1);
    not_after - now < life / 3
}

/// Keeps a certificate for the domain: obtains the first one, then renews.
pub fn maintain(settings: AcmeSettings, data: PathBuf, resolver: Arc<Reloading>) {
    actix_web::rt::spawn(async move {
        loop {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
            if due(&resolver, &data, now) {
                match obtain(&settings, &data, &resolver).await {
                    Ok(()) => {
                        log::info!("ACME: obtained a certificate for {}", settings.domain);
                        resolver.set_status(format!(
                            "obtained a certificate for {} at {}",
                            settings.domain,
                            crate::pages::rfc3339_seconds(u64::try_from(now).unwrap_or(0))
                        ));
                    }
                    Err(e) => {
                        log::error!(
                            "ACME: no new certificate for {} ({e}); the current one stays",
                            settings.domain
                        );
                        resolver.set_status(format!(
                            "the last attempt ({}) failed: {e}; the current certificate stays",
                            crate::pages::rfc3339_seconds(u64::try_from(now).unwrap_or(0))
                        ));
                    }
                }
            }
            actix_web::rt::time::sleep(Duration::from_secs(settings.check_interval.max(1))).await;
        }
    });
}
