//! Dynamic client registration (RFC 7591) and its management protocol
//! (RFC 7592): clients register themselves with JSON metadata, receive a
//! registration access token, and read, update or delete their registration.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::client_metadata::{check_redirect_uri, OOB_REDIRECT};
use super::clients::{NewClient, Rules, SecretChoice};
use super::id_token::alg_for;
use super::Provider;
use crate::crypto::{constant_time_eq, new_token, sha256, TokenKind};
use crate::error::{Error, Result};
use crate::store::{ClientRecord, InitialTokenRecord};

/// Who may register clients at the registration endpoint (RFC 7591 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Registration {
    /// Anyone.
    Open,
    /// Holders of an initial access token made by an administrator.
    #[default]
    Token,
    /// Nobody.
    Closed,
}

impl Registration {
    /// The setting's name, as the flag takes it.
    pub fn name(self) -> &'static str {
        match self {
            Registration::Open => "open",
            Registration::Token => "token",
            Registration::Closed => "closed",
        }
    }
}

impl std::str::FromStr for Registration {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "open" => Ok(Registration::Open),
            "token" => Ok(Registration::Token),
            "closed" => Ok(Registration::Closed),
            other => Err(format!("`{other}`: use open, token or closed")),
        }
    }
}

/// Client metadata as a registering client sends it. Unknown fields are
/// ignored, as RFC 7591 §2 requires.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RegistrationRequest {
    /// Present (and must match) in an RFC 7592 update.
    #[serde(default)]
    pub client_id: Option<String>,
    /// Present (and must match) in an RFC 7592 update, if at all.
    #[serde(default)]
    pub client_secret: Option<String>,
    /// Redirect URIs.
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// How the client authenticates at the token endpoint.
    #[serde(default)]
    pub token_endpoint_auth_method: Option<String>,
    /// Grant types.
    #[serde(default)]
    pub grant_types: Option<Vec<String>>,
    /// Response types.
    #[serde(default)]
    pub response_types: Option<Vec<String>>,
    /// The name shown to people.
    #[serde(default)]
    pub client_name: Option<String>,
    /// The scopes it may request.
    #[serde(default)]
    pub scope: Option<String>,
    /// The ID token signing algorithm.
    #[serde(default)]
    pub id_token_signed_response_alg: Option<String>,
    /// The UserInfo signing algorithm (absent: plain JSON).
    #[serde(default)]
    pub userinfo_signed_response_alg: Option<String>,
    /// Where logout may return to.
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
}

/// The client information response (RFC 7591 §3.2.1, RFC 7592 §3).
#[derive(Serialize)]
pub struct ClientInformation {
    /// The identifier.
    pub client_id: String,
    /// The secret: only when it was just made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// When the client was registered.
    pub client_id_issued_at: u64,
    /// 0: the secret does not expire.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret_expires_at: Option<u64>,
    /// The token for RFC 7592 management: only when it was just made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration_access_token: Option<String>,
    /// Where to manage the registration.
    pub registration_client_uri: String,
    /// The registered metadata.
    #[serde(flatten)]
    pub metadata: Value,
}

impl std::fmt::Debug for ClientInformation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientInformation")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

fn metadata_error(why: impl Into<String>) -> Error {
    Error::InvalidClientMetadata(why.into().into())
}

/// Checks a redirect URI for registration (RFC 8252 §7): https, http on a
/// loopback address, a private-use scheme with a dot (`com.example.app:`),
/// or the out-of-band URN.
pub(crate) fn check_registered_redirect(uri: &str) -> Result<()> {
    check_redirect_uri(uri).map_err(|e| Error::InvalidRedirectUri(e.into()))?;
    if uri == OOB_REDIRECT {
        return Ok(());
    }
    let url = url::Url::parse(uri).map_err(|e| Error::InvalidRedirectUri(e.to_string().into()))?;
    let loopback = matches!(
        url.host_str(),
        Some("127.0.0.1") | Some("[::1]") | Some("localhost")
    );
    let ok = match url.scheme() {
        "https" => true,
        "http" => loopback,
        scheme => scheme.contains('.'),
    };
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidRedirectUri(
            format!("`{uri}`: use https, http on a loopback address, or a private-use scheme such as com.example.app:/cb").into(),
        ))
    }
}

impl Provider {
    /// Checks that registration is allowed: per policy, with an initial access token.
    pub async fn may_register(&self, bearer: Option<&str>) -> Result<()> {
        match self.policies().registration {
            Registration::Open => Ok(()),
            Registration::Closed => Err(Error::Forbidden(
                "dynamic client registration is closed".into(),
            )),
            Registration::Token => {
                let token = bearer.ok_or(Error::MissingToken)?;
                let record = self.store.initial_token(&sha256(token.as_bytes())).await?;
                let now = self.clock.now();
                match record {
                    Some(r) if r.expires_at.is_none_or(|exp| now < exp) => Ok(()),
                    _ => Err(Error::InvalidToken(
                        "unknown or expired initial access token".into(),
                    )),
                }
            }
        }
    }

    /// The new client a registration request describes (RFC 7591 §2).
    fn new_client(request: RegistrationRequest) -> NewClient {
        let mut new = NewClient::new(Rules::Registration);
        new.secret = if request.token_endpoint_auth_method.as_deref() == Some("none") {
            SecretChoice::None
        } else {
            SecretChoice::Generate
        };
        new.registration_token = true;
        new.client_name = request.client_name;
        new.redirect_uris = request.redirect_uris;
        new.grant_types = request.grant_types;
        new.response_types = request.response_types;
        new.token_endpoint_auth_method = request.token_endpoint_auth_method;
        new.scope = request.scope;
        new.id_token_signed_response_alg = request.id_token_signed_response_alg;
        new.userinfo_signed_response_alg = request.userinfo_signed_response_alg;
        new.post_logout_redirect_uris = request.post_logout_redirect_uris;
        new
    }

    fn information(
        &self,
        client: &ClientRecord,
        secret: Option<String>,
        token: Option<String>,
    ) -> ClientInformation {
        let mut metadata = serde_json::json!({
            "redirect_uris": client.redirect_uris,
            "grant_types": client.grant_types,
            "response_types": client.response_types,
            "token_endpoint_auth_method": client.token_endpoint_auth_method,
            "client_name": client.client_name,
            "scope": client.scope,
            "id_token_signed_response_alg": alg_for(client).name(),
            "userinfo_signed_response_alg": client.userinfo_signed_response_alg,
            "post_logout_redirect_uris": client.post_logout_redirect_uris,
        });
        if let Value::Object(map) = &mut metadata {
            map.retain(|_, v| !v.is_null());
        }
        ClientInformation {
            client_id: client.client_id.clone(),
            client_secret_expires_at: client.is_confidential().then_some(0),
            client_secret: secret,
            client_id_issued_at: client.created_at,
            registration_access_token: token,
            registration_client_uri: self.registration_uri(&client.client_id),
            metadata,
        }
    }

    /// Where a client manages its registration.
    pub fn registration_uri(&self, client_id: &str) -> String {
        let mut url = format!("{}/oauth/register/", self.settings.issuer);
        url.extend(url::form_urlencoded::byte_serialize(client_id.as_bytes()));
        url
    }

    /// Registers a new client (RFC 7591 §3).
    pub async fn register(&self, request: RegistrationRequest) -> Result<ClientInformation> {
        let created = self.create_client(Self::new_client(request)).await??;
        log::info!("registered client {}", created.record.client_id);
        Ok(self.information(&created.record, created.secret, created.registration_token))
    }

    /// The client a registration access token manages (RFC 7592 §2).
    pub async fn managed_client(
        &self,
        client_id: &str,
        bearer: Option<&str>,
    ) -> Result<Arc<ClientRecord>> {
        let invalid =
            || Error::InvalidToken("unknown client or wrong registration access token".into());
        let token = bearer.ok_or(Error::MissingToken)?;
        let client = self.store.client(client_id).await?.ok_or_else(invalid)?;
        let presented = sha256(token.as_bytes());
        match client.registration_digest {
            Some(stored) if constant_time_eq(&stored, &presented) => Ok(client),
            _ => Err(invalid()),
        }
    }

    /// Reads a registration (RFC 7592 §2.1).
    pub fn read_registration(&self, client: &ClientRecord) -> ClientInformation {
        self.information(client, None, None)
    }

    /// Replaces a registration's metadata (RFC 7592 §2.2).
    pub async fn update_registration(
        &self,
        client: Arc<ClientRecord>,
        request: RegistrationRequest,
    ) -> Result<ClientInformation> {
        if request.client_id.as_deref() != Some(client.client_id.as_str()) {
            return Err(metadata_error("client_id must be sent and must not change"));
        }
        if let Some(secret) = &request.client_secret {
            let matches = client
                .secret_digest
                .is_some_and(|d| constant_time_eq(&d, &sha256(secret.as_bytes())));
            if !matches {
                return Err(metadata_error("client_secret does not match"));
            }
        }
        if (request.token_endpoint_auth_method.as_deref() == Some("none"))
            != client.secret_digest.is_none()
        {
            return Err(metadata_error(
                "a client cannot switch between public and confidential",
            ));
        }
        let mut record = self.revalidate_client(&client, Self::new_client(request))?;
        record.flags = client.flags.clone();
        record.description = client.description.clone();
        record.client_uri = client.client_uri.clone();
        record.owner = client.owner;
        self.store.put_client(&record).await?;
        Ok(self.information(&record, None, None))
    }

    /// Deletes a registration and every token of the client (RFC 7592 §2.3).
    pub async fn delete_registration(&self, client: &ClientRecord) -> Result<()> {
        self.store.remove_client(&client.client_id).await?;
        log::info!("deleted client {}", client.client_id);
        Ok(())
    }
}

/// Makes an initial access token (`gatehouse registration-token create`).
pub async fn create_initial_token(
    store: &crate::store::Store,
    now: u64,
    ttl: Option<u64>,
) -> Result<String> {
    let token = new_token(TokenKind::InitialAccess).map_err(Error::internal)?;
    let record = InitialTokenRecord {
        created_at: now,
        expires_at: ttl.map(|t| now + t),
    };
    store
        .insert_initial_token(&sha256(token.as_bytes()), &record)
        .await?;
    Ok(token)
}
