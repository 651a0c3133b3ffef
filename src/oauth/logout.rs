//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): which
//! client asks, whether its `post_logout_redirect_uri` is registered, and
//! whether its `id_token_hint` names the signed-in user.

use std::sync::Arc;

use url::Url;

use super::Provider;
use crate::error::Result;
use crate::store::ClientRecord;

/// A logout request after checking.
#[derive(Debug, Default)]
pub struct LogoutRequest {
    /// The client that asked, if it can be told.
    pub client: Option<Arc<ClientRecord>>,
    /// Where to send the person afterwards, only if registered for the client.
    pub redirect: Option<Url>,
    /// The user the `id_token_hint` names, when its signature is ours.
    pub hinted_sub: Option<String>,
}

impl Provider {
    /// Checks the parameters of a logout request. An ID token hint may have
    /// expired (it usually has); only its signature and issuer matter.
    pub async fn check_logout(
        &self,
        id_token_hint: Option<&str>,
        client_id: Option<&str>,
        post_logout_redirect_uri: Option<&str>,
        state: Option<&str>,
    ) -> Result<LogoutRequest> {
        let hint = id_token_hint
            .and_then(|t| self.key_ring().verify(t))
            .filter(|claims| {
                claims.get("iss").and_then(|i| i.as_str()) == Some(self.settings.issuer.as_str())
            });
        let hinted_client = hint.as_ref().and_then(|c| c.get("aud")).and_then(|aud| {
            aud.as_str()
                .map(str::to_owned)
                .or_else(|| aud.get(0)?.as_str().map(str::to_owned))
        });
        let client_id = hinted_client.as_deref().or(client_id);
        let client = match client_id {
            Some(id) => self.store.client(id).await?,
            None => None,
        };
        let redirect = match (&client, post_logout_redirect_uri) {
            (Some(client), Some(uri))
                if client.post_logout_redirect_uris.iter().any(|r| r == uri) =>
            {
                Url::parse(uri).ok().map(|mut url| {
                    if let Some(state) = state {
                        url.query_pairs_mut().append_pair("state", state);
                    }
                    url
                })
            }
            _ => None,
        };
        Ok(LogoutRequest {
            client,
            redirect,
            hinted_sub: hint.and_then(|c| c.get("sub")?.as_str().map(str::to_owned)),
        })
    }
}
