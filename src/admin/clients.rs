//! `gatehouse client add|list|remove`.

use serde::Serialize;

use super::{fail, AdminError};
use crate::oauth::clients::{self, ClientIdChoice, Rules, SecretChoice};
use crate::store::{ClientRecord, Store};

/// A new client and its secret, shown exactly once.
#[derive(Serialize)]
pub struct NewClient {
    /// The generated or chosen identifier.
    pub client_id: String,
    /// The secret; `None` for a public client.
    pub client_secret: Option<String>,
}

impl std::fmt::Debug for NewClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewClient")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// A client as `client list --json` prints it.
#[derive(Debug, Serialize)]
pub struct ClientLine {
    /// The identifier.
    pub client_id: String,
    /// The name.
    pub client_name: Option<String>,
    /// Confidential (has a secret) or public.
    pub confidential: bool,
    /// Grant types.
    pub grant_types: Vec<String>,
    /// Redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Allowed scopes.
    pub scope: Option<String>,
}

/// What `client add` is told.
#[derive(Debug, Default, Serialize, serde::Deserialize)]
pub struct AddClient {
    /// A chosen id; a random one when `None`.
    pub client_id: Option<String>,
    /// The name.
    pub client_name: Option<String>,
    /// Redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Grant types; RFC 7591's default when empty.
    pub grant_types: Vec<String>,
    /// Allowed scopes.
    pub scope: Option<String>,
    /// A public client (no secret, auth method `none`).
    pub public: bool,
}

/// Registers a client; answers its id and (for a confidential one) its new secret.
pub async fn add(store: &Store, add: AddClient, now: u64) -> Result<NewClient, AdminError> {
    let mut new = clients::NewClient::new(Rules::Operator);
    new.client_id = match add.client_id {
        Some(id) => ClientIdChoice::Given(id),
        None => ClientIdChoice::Random,
    };
    new.secret = if add.public {
        SecretChoice::None
    } else {
        SecretChoice::Generate
    };
    new.client_name = add.client_name;
    new.redirect_uris = add.redirect_uris;
    new.grant_types = (!add.grant_types.is_empty()).then_some(add.grant_types);
    new.token_endpoint_auth_method = Some(
        if add.public {
            "none"
        } else {
            "client_secret_basic"
        }
        .into(),
    );
    new.scope = add.scope;
    let valid = new.validate(None, now).map_err(fail)?;
    let created = clients::create(store, valid)
        .await
        .map_err(|e| AdminError(clients::operator_message(e)))?;
    // The fields passed validation: what `create` refuses is a taken id.
    let created = created.map_err(|e| AdminError(e.problem))?;
    Ok(NewClient {
        client_id: created.record.client_id,
        client_secret: created.secret,
    })
}

/// Lists every client.
pub async fn list(store: &Store) -> Result<Vec<ClientLine>, AdminError> {
    Ok(store
        .clients()
        .await
        .map_err(fail)?
        .into_iter()
        .map(|c: ClientRecord| ClientLine {
            confidential: c.is_confidential(),
            client_id: c.client_id,
            client_name: c.client_name,
            grant_types: c.grant_types,
            redirect_uris: c.redirect_uris,
            scope: c.scope,
        })
        .collect())
}

/// Removes a client.
pub async fn remove(store: &Store, client_id: &str) -> Result<(), AdminError> {
    if store.remove_client(client_id).await.map_err(fail)? {
        Ok(())
    } else {
        Err(AdminError(format!("no client `{client_id}`")))
    }
}
