//! Storing a validated client: its identifier and secrets are made here,
//! and the provider's door to it.

use super::{bad, ClientIdChoice, Existing, NewClient, SecretChoice, ValidClient};
use crate::crypto::random::new_id;
use crate::crypto::{new_token, sha256, TokenKind};
use crate::error::{Error, Result};
use crate::oauth::client_metadata::MetadataError;
use crate::oauth::Provider;
use crate::store::{ClientRecord, Store};

/// A stored new client and the secrets made for it, shown exactly once.
pub struct CreatedClient {
    /// The record as stored.
    pub record: ClientRecord,
    /// The client secret, when one was made here.
    pub secret: Option<String>,
    /// The RFC 7592 registration access token, when one was asked for.
    pub registration_token: Option<String>,
}

impl std::fmt::Debug for CreatedClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedClient")
            .field("client_id", &self.record.client_id)
            .finish_non_exhaustive()
    }
}

/// A validation failure as RFC 7591 §3.2.2 names it.
impl From<MetadataError> for Error {
    fn from(e: MetadataError) -> Self {
        match e.field {
            "redirect_uris" | "post_logout_redirect_uris" => {
                Error::InvalidRedirectUri(e.problem.into())
            }
            _ => Error::InvalidClientMetadata(e.to_string().into()),
        }
    }
}

/// Stores a validated client: makes its identifier and secrets, and
/// refuses (or, for the seed, replaces) one whose identifier is taken.
/// A store failure is the outer error; a taken identifier the inner one.
pub async fn create(
    store: &Store,
    valid: ValidClient,
) -> Result<std::result::Result<CreatedClient, MetadataError>> {
    let mut record = valid.record;
    let secret = if valid.generate_secret {
        let secret = new_token(TokenKind::ClientSecret).map_err(Error::internal)?;
        record.secret_digest = Some(sha256(secret.as_bytes()));
        Some(secret)
    } else {
        None
    };
    let registration_token = if valid.registration_token {
        let token = new_token(TokenKind::Registration).map_err(Error::internal)?;
        record.registration_digest = Some(sha256(token.as_bytes()));
        Some(token)
    } else {
        None
    };
    match valid.client_id {
        ClientIdChoice::Given(_) => match valid.existing {
            Existing::Refuse => {
                if !store.insert_new_client(&record).await? {
                    return Ok(Err(bad(
                        "client_id",
                        format!("a client `{}` already exists", record.client_id),
                    )));
                }
            }
            Existing::ReplaceKeepingAdminFields => {
                if let Some(old) = store.client(&record.client_id).await? {
                    // The seed describes the client; an administrator's flags stay.
                    record.created_at = old.created_at;
                    record.owner = old.owner;
                    record.flags = old.flags.clone();
                    // What the seed leaves unsaid, an administrator may have set.
                    if record.dialect.is_none() {
                        record.dialect = old.dialect.clone();
                    }
                    record.dialect_legacy |= old.dialect_legacy;
                    if record.access_token_ttl.is_none() {
                        record.access_token_ttl = old.access_token_ttl;
                    }
                }
                store.put_client(&record).await?;
            }
        },
        ClientIdChoice::Random => {
            record.client_id = new_id().map_err(Error::internal)?;
            store.put_client(&record).await?;
        }
        // Integer ids come from the store's counter; one that a seed or
        // another client already holds is skipped, never overwritten.
        ClientIdChoice::Counter => loop {
            record.client_id = store.next_id().await?.to_string();
            if store.insert_new_client(&record).await? {
                break;
            }
        },
    }
    Ok(Ok(CreatedClient {
        record,
        secret,
        registration_token,
    }))
}

/// A failure of [`create`] in words for an operator (the seed, `gatehouse
/// client add`): an internal error's cause itself, which a client never sees.
pub fn operator_message(e: Error) -> String {
    match e {
        Error::Internal(cause) => cause,
        other => other.to_string(),
    }
}

impl Provider {
    /// Validates and stores a new client: the one way clients come to be
    /// while the server runs. A store failure is the outer error; a field
    /// the rules refuse (or a taken identifier) the inner one.
    pub async fn create_client(
        &self,
        new: NewClient,
    ) -> Result<std::result::Result<CreatedClient, MetadataError>> {
        match new.validate(Some(&self.scopes), self.clock.now()) {
            Ok(valid) => create(&self.store, valid).await,
            Err(e) => Ok(Err(e)),
        }
    }

    /// Validates a new description of an existing client under its rules,
    /// keeping its identifier, secrets and registration time; the caller
    /// carries over what else it keeps and stores the record (RFC 7592 update).
    pub fn revalidate_client(
        &self,
        old: &ClientRecord,
        mut new: NewClient,
    ) -> std::result::Result<ClientRecord, MetadataError> {
        new.client_id = ClientIdChoice::Given(old.client_id.clone());
        new.secret = if old.is_confidential() {
            SecretChoice::Generate
        } else {
            SecretChoice::None
        };
        new.registration_token = false;
        let mut record = new.validate(Some(&self.scopes), old.created_at)?.record;
        record.secret_digest = old.secret_digest;
        record.registration_digest = old.registration_digest;
        Ok(record)
    }
}
