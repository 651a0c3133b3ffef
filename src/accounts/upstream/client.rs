//! The outbound HTTP side: the configured providers, their discovery
//! documents and key sets (cached), the code exchange (RFC 6749 §4.1.3)
//! and the user-info call.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use serde_json::Value;

use super::{ProviderConfig, UpstreamError};

/// How long a discovery document or key set is trusted before it is fetched again.
const CACHE_SECONDS: u64 = 3600;
/// How long any call to a provider may take.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The largest answer read from a provider.
const MAX_BODY: usize = 256 * 1024;

/// Where a provider's endpoints are.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// The authorization endpoint.
    pub authorization: String,
    /// The token endpoint.
    pub token: String,
    /// The user-info endpoint (plain OAuth 2.0: the account's URL).
    pub userinfo: Option<String>,
    /// The key set (OpenID Connect).
    pub jwks: Option<String>,
    /// The issuer exactly as its discovery document writes it, which ID
    /// tokens and RFC 9207's `iss` must repeat (OpenID Connect).
    pub issuer: Option<String>,
    /// The provider promises `iss` in every authorization answer (RFC 9207 §3).
    pub iss_required: bool,
}

/// A cached value and when it was fetched.
type Cached<T> = RwLock<Option<(Arc<T>, u64)>>;

/// One configured provider and what was learnt about it.
#[derive(Debug)]
pub struct Upstream {
    /// Its settings.
    pub config: ProviderConfig,
    endpoints: Cached<Endpoints>,
    keys: Cached<Value>,
}

/// Every configured provider, with one HTTP client for all of them.
#[derive(Debug)]
pub struct Upstreams {
    providers: Vec<Upstream>,
    http: reqwest::Client,
}

fn provider_err(what: &str, e: impl std::fmt::Display) -> UpstreamError {
    UpstreamError::Provider(format!("{what}: {e}"))
}

fn read<T: Clone>(cell: &Cached<T>, now: u64) -> Option<Arc<T>> {
    let guard = match cell.read() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    guard
        .as_ref()
        .filter(|(_, at)| now < at.saturating_add(CACHE_SECONDS))
        .map(|(v, _)| v.clone())
}

fn write<T>(cell: &Cached<T>, value: Arc<T>, now: u64) {
    match cell.write() {
        Ok(mut g) => *g = Some((value, now)),
        Err(poisoned) => *poisoned.into_inner() = Some((value, now)),
    }
}

/// The JSON object of a response, or why not (status, size, shape).
async fn json_of(
    mut response: reqwest::Response,
    what: &str,
) -> Result<(u16, Value), UpstreamError> {
    let status = response.status().as_u16();
    // Read in chunks: a provider that sends no length is cut off at the limit.
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| provider_err(what, e))? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_BODY {
            return Err(provider_err(what, "the answer is too large"));
        }
    }
    match serde_json::from_slice(&body) {
        Ok(value @ Value::Object(_)) => Ok((status, value)),
        _ => Err(provider_err(
            what,
            format!("HTTP {status}, not a JSON object"),
        )),
    }
}

fn text(value: &Value, name: &str) -> Option<String> {
    value.get(name).and_then(Value::as_str).map(str::to_owned)
}

impl Upstreams {
    /// The providers of the settings; an error when two share a name or the
    /// HTTP client cannot be made.
    pub fn new(configs: Vec<ProviderConfig>) -> Result<Self, String> {
        super::config::check_unique(&configs)?;
        for c in &configs {
            c.check()?;
        }
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            // A provider's endpoints answer directly; a redirect is not followed.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("gatehouse/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("the HTTP client for [[upstream]]: {e}"))?;
        let providers = configs
            .into_iter()
            .map(|config| Upstream {
                config,
                endpoints: RwLock::new(None),
                keys: RwLock::new(None),
            })
            .collect();
        Ok(Upstreams { providers, http })
    }

    /// Every configured provider, in the order of the config file.
    pub fn all(&self) -> impl Iterator<Item = &ProviderConfig> {
        self.providers.iter().map(|p| &p.config)
    }

    /// The provider of this name.
    pub fn get(&self, name: &str) -> Result<&Upstream, UpstreamError> {
        self.providers
            .iter()
            .find(|p| p.config.name == name)
            .ok_or(UpstreamError::UnknownProvider)
    }

    /// The provider's endpoints: from the config (plain OAuth 2.0) or its
    /// discovery document, fetched at most once an hour.
    pub async fn endpoints(
        &self,
        up: &Upstream,
        now: u64,
    ) -> Result<Arc<Endpoints>, UpstreamError> {
        let c = &up.config;
        let Some(issuer) = &c.issuer else {
            return Ok(Arc::new(Endpoints {
                authorization: c.authorization_url.clone().unwrap_or_default(),
                token: c.token_url.clone().unwrap_or_default(),
                userinfo: c.userinfo_url.clone(),
                jwks: None,
                issuer: None,
                iss_required: false,
            }));
        };
        if let Some(hit) = read(&up.endpoints, now) {
            return Ok(hit);
        }
        let what = "discovery";
        let url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let response = self
            .http
            .get(&url)
            .send()
            .await
            .map_err(|e| provider_err(what, e))?;
        let (status, doc) = json_of(response, what).await?;
        if status != 200 {
            return Err(provider_err(what, format!("HTTP {status}")));
        }
        // OpenID Connect Discovery §4.3: the document's issuer is the one
        // asked (a trailing slash in the config file aside).
        let found = text(&doc, "issuer").unwrap_or_default();
        if found.trim_end_matches('/') != issuer.trim_end_matches('/') {
            return Err(provider_err(what, "its issuer is not the configured one"));
        }
        let endpoint = |name: &str| -> Result<String, UpstreamError> {
            let value = text(&doc, name).ok_or_else(|| provider_err(what, format!("no {name}")))?;
            match url::Url::parse(&value) {
                Ok(u) if matches!(u.scheme(), "https" | "http") => Ok(value),
                _ => Err(provider_err(what, format!("{name} is not a URL"))),
            }
        };
        let endpoints = Arc::new(Endpoints {
            authorization: endpoint("authorization_endpoint")?,
            token: endpoint("token_endpoint")?,
            userinfo: endpoint("userinfo_endpoint").ok(),
            jwks: Some(endpoint("jwks_uri")?),
            issuer: Some(found.clone()),
            iss_required: doc
                .get("authorization_response_iss_parameter_supported")
                .and_then(Value::as_bool)
                == Some(true),
        });
        write(&up.endpoints, endpoints.clone(), now);
        Ok(endpoints)
    }

    /// The provider's key set; fetched again when `kid` is not in the cached one.
    pub async fn keys(
        &self,
        up: &Upstream,
        endpoints: &Endpoints,
        kid: Option<&str>,
        now: u64,
    ) -> Result<Arc<Value>, UpstreamError> {
        let has_kid = |jwks: &Value| {
            kid.is_none_or(|kid| {
                jwks.get("keys")
                    .and_then(Value::as_array)
                    .is_some_and(|keys| {
                        keys.iter()
                            .any(|k| k.get("kid").and_then(Value::as_str) == Some(kid))
                    })
            })
        };
        if let Some(hit) = read(&up.keys, now).filter(|k| has_kid(k)) {
            return Ok(hit);
        }
        let what = "the key set";
        let url = endpoints
            .jwks
            .as_deref()
            .ok_or_else(|| provider_err(what, "no jwks_uri"))?;
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| provider_err(what, e))?;
        let (status, jwks) = json_of(response, what).await?;
        if status != 200 {
            return Err(provider_err(what, format!("HTTP {status}")));
        }
        let jwks = Arc::new(jwks);
        write(&up.keys, jwks.clone(), now);
        Ok(jwks)
    }

    /// Exchanges a code at the token endpoint; answers the token response.
    pub async fn exchange(
        &self,
        up: &Upstream,
        endpoints: &Endpoints,
        code: &str,
        redirect_uri: &str,
        verifier: &str,
    ) -> Result<Value, UpstreamError> {
        let c = &up.config;
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", verifier),
        ];
        let mut request = self
            .http
            .post(&endpoints.token)
            .header(reqwest::header::ACCEPT, "application/json");
        if c.secret_in_body() {
            form.push(("client_id", &c.client_id));
            form.push(("client_secret", &c.client_secret));
        } else {
            // RFC 6749 §2.3.1: each part form-urlencoded, then Basic.
            let enc =
                |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
            request = request.basic_auth(enc(&c.client_id), Some(enc(&c.client_secret)));
        }
        let what = "the code exchange";
        let response = request
            .form(&form)
            .send()
            .await
            .map_err(|e| provider_err(what, e))?;
        let (status, body) = json_of(response, what).await?;
        if let Some(error) = text(&body, "error") {
            return Err(UpstreamError::Denied(error.chars().take(64).collect()));
        }
        if status != 200 || text(&body, "access_token").is_none() {
            return Err(provider_err(
                what,
                format!("HTTP {status} without an access token"),
            ));
        }
        Ok(body)
    }

    /// The account an access token reads at the user-info URL.
    pub async fn userinfo(&self, url: &str, access_token: &str) -> Result<Value, UpstreamError> {
        let what = "the user info";
        let response = self
            .http
            .get(url)
            .bearer_auth(access_token)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| provider_err(what, e))?;
        let (status, body) = json_of(response, what).await?;
        if status != 200 {
            return Err(provider_err(what, format!("HTTP {status}")));
        }
        Ok(body)
    }
}
