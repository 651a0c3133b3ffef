//! The UserInfo answer (OpenID Connect Core §5.3): the claims of the token's
//! user as its scope allows, as JSON, or as a JWT signed with the client's
//! `userinfo_signed_response_alg` (§5.3.2), which then also names the
//! issuer and the audience.

use serde_json::{json, Map, Value};

use super::resource::Access;
use super::Provider;
use crate::crypto::jwt::Alg;
use crate::error::{Error, Result};

/// What UserInfo answers.
#[derive(Debug)]
pub enum UserInfo {
    /// The claims as a JSON object (`application/json`).
    Json(Map<String, Value>),
    /// The claims signed as a JWT (`application/jwt`).
    Jwt(String),
}

impl Provider {
    /// The UserInfo answer for a checked access token.
    pub async fn userinfo(&self, access: &Access) -> Result<UserInfo> {
        let Some(user) = &access.user else {
            return Err(Error::InvalidToken("this token acts for no user".into()));
        };
        if !access.scope.contains("openid") {
            return Err(Error::InsufficientScope(
                "userinfo needs a token with the openid scope".into(),
            ));
        }
        let mut claims = self.user_claims(user, &access.scope).await?;
        let Some(alg) = access
            .client
            .userinfo_signed_response_alg
            .as_deref()
            .and_then(Alg::from_name)
        else {
            return Ok(UserInfo::Json(claims));
        };
        let ring = self.key_ring();
        let key = ring
            .signer(alg)
            .ok_or_else(|| Error::internal(format!("no current {} key", alg.name())))?;
        claims.insert("iss".into(), json!(self.settings.issuer));
        claims.insert("aud".into(), json!(access.client.client_id));
        claims.insert("iat".into(), json!(self.clock.now()));
        key.sign_jwt(&claims)
            .map(UserInfo::Jwt)
            .map_err(Error::internal)
    }
}
