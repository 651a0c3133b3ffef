//! The one path by which a client comes to exist: a [`NewClient`] names the
//! fields a new client has and the [`Rules`] it is held to, is validated
//! once (RFC 7591 §2 metadata, RFC 8252 §7 redirect URIs, the house's
//! rules), becomes a `ClientRecord`, and is stored by [`create`]. Dynamic
//! registration, the developer dashboard, the dialects' app APIs, the seed
//! and `gatehouse client add` all go through it.

mod create;

pub use create::{create, operator_message, CreatedClient};

use super::authorize::ResponseType;
use super::client_metadata::{
    check_redirect_uri, MetadataError, AUTH_METHODS, GRANT_TYPES, RESPONSE_TYPES,
};
use super::register::check_registered_redirect;
use super::scope::{ScopeSet, Scopes};
use crate::crypto::sha256;
use crate::store::{ClientFlags, ClientRecord};

/// Which rules a new client is held to: what its describer may set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rules {
    /// A client that registers itself, a developer or a dialect's app API:
    /// RFC 8252 §7 redirect URIs, grant and response types that agree
    /// (RFC 7591 §2.1), a redirect URI for the browser grants, only known
    /// scopes, and none of the operator's fields (legacy behaviour, token
    /// lifetime, groups).
    Registration,
    /// As `Registration`, except that a browser grant may have no redirect
    /// URI: the server then shows the code on a page (ScratchOAuth2).
    RegistrationShowingCode,
    /// The operator (seed file, `gatehouse client add`): any absolute
    /// redirect URI without a fragment, and the operator's fields.
    Operator,
}

/// How the new client's identifier is chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientIdChoice {
    /// This identifier.
    Given(String),
    /// A random identifier.
    Random,
    /// The next number of the store's counter (ScratchOAuth2's integer ids);
    /// a number a seed already holds is skipped.
    Counter,
}

/// Where the new client's secret comes from.
#[derive(Clone, PartialEq, Eq)]
pub enum SecretChoice {
    /// A public client: no secret (`token_endpoint_auth_method: none`).
    None,
    /// A fresh random secret, answered once.
    Generate,
    /// A secret the operator wrote down (the seed file).
    Given(String),
}

impl std::fmt::Debug for SecretChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SecretChoice::None => "None",
            SecretChoice::Generate => "Generate",
            SecretChoice::Given(_) => "Given(…)",
        })
    }
}

/// What happens when a client with the chosen identifier exists already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Refuse: the identifier is taken.
    Refuse,
    /// Replace its description, keeping what an administrator set since
    /// (owner, flags, and the dialect fields the description leaves unsaid):
    /// the seed, applied at every start.
    ReplaceKeepingAdminFields,
}

/// A client about to be created: its fields, and how it is made.
#[derive(Debug, Clone)]
pub struct NewClient {
    /// The rules it is held to.
    pub rules: Rules,
    /// How its identifier is chosen.
    pub client_id: ClientIdChoice,
    /// What happens when the identifier is taken.
    pub existing: Existing,
    /// Where its secret comes from.
    pub secret: SecretChoice,
    /// Whether it gets an RFC 7592 registration access token.
    pub registration_token: bool,
    /// The name shown to people.
    pub client_name: Option<String>,
    /// Redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Grant types (default `authorization_code`).
    pub grant_types: Option<Vec<String>>,
    /// Response types (default `code` for the code grant).
    pub response_types: Option<Vec<String>>,
    /// Authentication method (default `client_secret_basic`).
    pub token_endpoint_auth_method: Option<String>,
    /// The scopes it may request.
    pub scope: Option<String>,
    /// The ID token signing algorithm.
    pub id_token_signed_response_alg: Option<String>,
    /// The UserInfo signing algorithm; `None`: plain JSON.
    pub userinfo_signed_response_alg: Option<String>,
    /// Where logout may return to.
    pub post_logout_redirect_uris: Vec<String>,
    /// The user who registered it.
    pub owner: Option<u64>,
    /// What it does, in words.
    pub description: Option<String>,
    /// Its home page.
    pub client_uri: Option<String>,
    /// Administrator flags (privacy and who may authorize it).
    pub flags: ClientFlags,
    /// The dialect it belongs to.
    pub dialect: Option<String>,
    /// The dialect's behaviour that RFC 9700 forbids (operator only).
    pub dialect_legacy: bool,
    /// Its access token lifetime in seconds; 0: until revoked (operator only).
    pub access_token_ttl: Option<u64>,
    /// Only members of these groups may authorize it (operator only).
    pub allowed_groups: Vec<String>,
}

impl NewClient {
    /// A client with no fields set yet, held to `rules`, with a random
    /// identifier and a generated secret.
    pub fn new(rules: Rules) -> Self {
        NewClient {
            rules,
            client_id: ClientIdChoice::Random,
            existing: Existing::Refuse,
            secret: SecretChoice::Generate,
            registration_token: false,
            client_name: None,
            redirect_uris: Vec::new(),
            grant_types: None,
            response_types: None,
            token_endpoint_auth_method: None,
            scope: None,
            id_token_signed_response_alg: None,
            userinfo_signed_response_alg: None,
            post_logout_redirect_uris: Vec::new(),
            owner: None,
            description: None,
            client_uri: None,
            flags: ClientFlags::default(),
            dialect: None,
            dialect_legacy: false,
            access_token_ttl: None,
            allowed_groups: Vec::new(),
        }
    }

    /// Validates the fields; `scopes` (when given) are the scopes a
    /// registering client may name.
    pub fn validate(
        self,
        scopes: Option<&Scopes>,
        now: u64,
    ) -> std::result::Result<ValidClient, MetadataError> {
        let registration = self.rules != Rules::Operator;
        if let ClientIdChoice::Given(id) = &self.client_id {
            if id.is_empty() || id.chars().any(char::is_control) {
                return Err(bad(
                    "client_id",
                    "must be non-empty, without control characters",
                ));
            }
        }
        if registration {
            for (field, uri) in self
                .redirect_uris
                .iter()
                .map(|u| ("redirect_uris", u))
                .chain(
                    self.post_logout_redirect_uris
                        .iter()
                        .map(|u| ("post_logout_redirect_uris", u)),
                )
            {
                check_registered_redirect(uri).map_err(|e| bad(field, e.description()))?;
            }
            if self.dialect_legacy {
                return Err(bad("dialect_legacy", "only the operator sets it"));
            }
            if self.access_token_ttl.is_some() {
                return Err(bad("access_token_ttl", "only the operator sets it"));
            }
            if !self.allowed_groups.is_empty() {
                return Err(bad("allowed_groups", "only the operator limits groups"));
            }
        }
        let grant_types = self
            .grant_types
            .unwrap_or_else(|| vec!["authorization_code".into()]);
        if let Some(g) = grant_types
            .iter()
            .find(|g| !GRANT_TYPES.contains(&g.as_str()))
        {
            return Err(bad("grant_types", format!("unknown grant type `{g}`")));
        }
        let has = |g: &str| grant_types.iter().any(|x| x == g);
        let response_types = self.response_types.unwrap_or_else(|| {
            if has("authorization_code") {
                vec!["code".into()]
            } else {
                Vec::new()
            }
        });
        // The values of a response type come in any order (RFC 6749 §3.1.1):
        // each is kept by its canonical name.
        let mut response_types = response_types;
        for r in &mut response_types {
            match ResponseType::parse(r).map(ResponseType::name) {
                Some(name) if RESPONSE_TYPES.contains(&name) => *r = name.to_owned(),
                _ => {
                    return Err(bad(
                        "response_types",
                        format!("unknown response type `{r}`"),
                    ))
                }
            }
        }
        if registration {
            agree(&grant_types, &response_types)?;
            let browser = has("authorization_code") || has("implicit");
            if browser
                && self.redirect_uris.is_empty()
                && self.rules != Rules::RegistrationShowingCode
            {
                return Err(bad(
                    "redirect_uris",
                    "redirect_uris is required for this grant",
                ));
            }
        }
        let method = self
            .token_endpoint_auth_method
            .unwrap_or_else(|| "client_secret_basic".into());
        if !AUTH_METHODS.contains(&method.as_str()) {
            return Err(bad(
                "token_endpoint_auth_method",
                format!(
                    "unknown method `{method}`; use one of {}",
                    AUTH_METHODS.join(", ")
                ),
            ));
        }
        let secret_digest = match (&self.secret, method.as_str()) {
            (SecretChoice::None, "none") => None,
            (_, "none") => {
                return Err(bad(
                    "client_secret",
                    "a public client (method `none`) has no secret",
                ))
            }
            (SecretChoice::None, _) => {
                return Err(bad(
                    "client_secret",
                    format!("required for token_endpoint_auth_method `{method}`"),
                ))
            }
            (SecretChoice::Given(s), _) if s.len() < 8 => {
                return Err(bad("client_secret", "must be at least 8 characters"))
            }
            (SecretChoice::Given(s), _) => Some(sha256(s.as_bytes())),
            // Made when the client is stored.
            (SecretChoice::Generate, _) => None,
        };
        for uri in self.redirect_uris.iter() {
            check_redirect_uri(uri).map_err(|p| bad("redirect_uris", p))?;
        }
        for uri in self.post_logout_redirect_uris.iter() {
            check_redirect_uri(uri).map_err(|p| bad("post_logout_redirect_uris", p))?;
        }
        if let Some(scope) = &self.scope {
            let parsed =
                ScopeSet::parse(scope).map_err(|e| bad("scope", e.description().into_owned()))?;
            if let (true, Some(known)) = (registration, scopes) {
                if let Some(unknown) = parsed.iter().find(|s| !known.knows(s)) {
                    return Err(bad("scope", format!("unknown scope `{unknown}`")));
                }
            }
        }
        if self.dialect_legacy && self.dialect.is_none() {
            return Err(bad(
                "dialect_legacy",
                "only a client of a dialect can be a legacy client of it",
            ));
        }
        for (field, alg) in [
            (
                "id_token_signed_response_alg",
                &self.id_token_signed_response_alg,
            ),
            (
                "userinfo_signed_response_alg",
                &self.userinfo_signed_response_alg,
            ),
        ] {
            let Some(alg) = alg else { continue };
            if crate::crypto::jwt::Alg::from_name(alg).is_none() {
                return Err(bad(field, format!("`{alg}`: use RS256, ES256 or EdDSA")));
            }
        }
        let client_id = match &self.client_id {
            ClientIdChoice::Given(id) => id.clone(),
            ClientIdChoice::Random | ClientIdChoice::Counter => String::new(),
        };
        Ok(ValidClient {
            record: ClientRecord {
                client_id,
                secret_digest,
                client_name: self.client_name,
                redirect_uris: self.redirect_uris,
                grant_types,
                response_types,
                token_endpoint_auth_method: method,
                scope: self.scope,
                id_token_signed_response_alg: self.id_token_signed_response_alg,
                userinfo_signed_response_alg: self.userinfo_signed_response_alg,
                post_logout_redirect_uris: self.post_logout_redirect_uris,
                owner: self.owner,
                created_at: now,
                registration_digest: None,
                dialect: self.dialect,
                dialect_legacy: self.dialect_legacy,
                access_token_ttl: self.access_token_ttl,
                allowed_groups: self.allowed_groups,
                description: self.description,
                client_uri: self.client_uri,
                flags: self.flags,
            },
            client_id: self.client_id,
            existing: self.existing,
            generate_secret: self.secret == SecretChoice::Generate,
            registration_token: self.registration_token,
        })
    }
}

/// RFC 7591 §2.1: grant and response types must agree. A response type
/// with `code` needs the authorization_code grant, one with `token` or
/// `id_token` the implicit grant (a hybrid one both), and each grant needs
/// a response type that uses it.
fn agree(
    grant_types: &[String],
    response_types: &[String],
) -> std::result::Result<(), MetadataError> {
    let has = |g: &str| grant_types.iter().any(|x| x == g);
    let parsed: Vec<ResponseType> = response_types
        .iter()
        .filter_map(|r| ResponseType::parse(r))
        .collect();
    for r in &parsed {
        let implicit = r.has_token() || r.has_id_token();
        for (used, needs) in [(r.has_code(), "authorization_code"), (implicit, "implicit")] {
            if used && !has(needs) {
                return Err(bad(
                    "response_types",
                    format!("response type `{}` needs the {needs} grant", r.name()),
                ));
            }
        }
    }
    if has("authorization_code") && !parsed.iter().any(|r| r.has_code()) {
        return Err(bad(
            "response_types",
            "the authorization_code grant needs a response type with `code`",
        ));
    }
    if has("implicit") && !parsed.iter().any(|r| r.has_token() || r.has_id_token()) {
        return Err(bad(
            "response_types",
            "the implicit grant needs a response type with `token` or `id_token`",
        ));
    }
    Ok(())
}

fn bad(field: &'static str, problem: impl Into<String>) -> MetadataError {
    MetadataError {
        field,
        problem: problem.into(),
    }
}

/// A validated new client, ready for [`create`].
#[derive(Debug, Clone)]
pub struct ValidClient {
    record: ClientRecord,
    client_id: ClientIdChoice,
    existing: Existing,
    generate_secret: bool,
    registration_token: bool,
}

impl ValidClient {
    /// The record as it will be stored (before its identifier and secrets are made).
    pub fn record(&self) -> &ClientRecord {
        &self.record
    }

    /// The identifier, when it was given rather than made.
    pub fn given_id(&self) -> Option<&str> {
        match &self.client_id {
            ClientIdChoice::Given(id) => Some(id),
            ClientIdChoice::Random | ClientIdChoice::Counter => None,
        }
    }
}

#[cfg(test)]
mod tests;
