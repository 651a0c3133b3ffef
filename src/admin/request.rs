//! The admin commands as requests: one type that the command line builds,
//! that travels over the control socket when a server holds the database,
//! and that [`execute`] carries out against a store either way. The answer
//! is JSON, which the command line prints.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{clients, fail, users, AdminError};
use crate::accounts::users::NewUser;
use crate::store::Store;

/// One admin command and its arguments.
#[derive(Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Request {
    /// `user add`.
    UserAdd {
        /// The sign-in name.
        username: String,
        /// The password in clear (hashed before it is stored).
        password: String,
        /// The email address.
        email: Option<String>,
        /// The display name.
        name: Option<String>,
        /// An administrator.
        admin: bool,
    },
    /// `user list`.
    UserList,
    /// `user passwd`.
    UserPasswd {
        /// Whose password.
        username: String,
        /// The new password in clear.
        password: String,
    },
    /// `user remove`.
    UserRemove {
        /// Who.
        username: String,
    },
    /// `client add`.
    ClientAdd(clients::AddClient),
    /// `client list`.
    ClientList,
    /// `client remove`.
    ClientRemove {
        /// Which client.
        client_id: String,
    },
    /// `keys rotate`.
    KeysRotate,
    /// `invite create`.
    InviteCreate {
        /// Seconds until it expires.
        ttl: u64,
    },
    /// `registration-token create`.
    RegistrationTokenCreate {
        /// Seconds until it expires, if ever.
        ttl: Option<u64>,
    },
    /// `backup`: the answer is followed by the backup's bytes (see `control.rs`).
    Backup,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never a password: only the command's name.
        let value = serde_json::to_value(self).unwrap_or(Value::Null);
        f.debug_struct("Request")
            .field("command", &value["command"])
            .finish_non_exhaustive()
    }
}

/// Carries out a request against `store` at time `now`, new passwords
/// hashed with `iterations`; answers what the command line prints.
pub async fn execute(
    store: &Store,
    request: Request,
    iterations: u32,
    now: u64,
) -> Result<Value, AdminError> {
    let (event, target) = request.audit_name();
    let answer = run(store, request, iterations, now).await?;
    // Every command that changes something leaves an audit record.
    if !event.ends_with("_list") {
        let record = crate::store::AuditRecord {
            at: now,
            actor: Some("cli".into()),
            client_ip: None,
            event: event.into(),
            target,
            detail: None,
        };
        store.insert_audit(&record).await.map_err(fail)?;
    }
    Ok(answer)
}

impl Request {
    /// The command's audit event name and its target.
    fn audit_name(&self) -> (&'static str, Option<String>) {
        match self {
            Request::UserAdd { username, .. } => ("cli_user_add", Some(username.clone())),
            Request::UserList => ("cli_user_list", None),
            Request::UserPasswd { username, .. } => ("cli_user_passwd", Some(username.clone())),
            Request::UserRemove { username } => ("cli_user_remove", Some(username.clone())),
            Request::ClientAdd(add) => ("cli_client_add", add.client_id.clone()),
            Request::ClientList => ("cli_client_list", None),
            Request::ClientRemove { client_id } => ("cli_client_remove", Some(client_id.clone())),
            Request::KeysRotate => ("cli_keys_rotate", None),
            Request::InviteCreate { .. } => ("cli_invite_create", None),
            Request::RegistrationTokenCreate { .. } => ("cli_registration_token_create", None),
            Request::Backup => ("cli_backup", None),
        }
    }
}

async fn run(
    store: &Store,
    request: Request,
    iterations: u32,
    now: u64,
) -> Result<Value, AdminError> {
    Ok(match request {
        Request::UserAdd {
            username,
            password,
            email,
            name,
            admin,
        } => {
            let user = NewUser {
                username,
                password,
                email,
                name,
                admin,
            };
            json!({ "sub": users::add(store, user, iterations, now).await? })
        }
        Request::UserList => serde_json::to_value(users::list(store).await?).map_err(fail)?,
        Request::UserPasswd { username, password } => {
            users::passwd(store, &username, password, iterations, now).await?;
            json!({})
        }
        Request::UserRemove { username } => {
            users::remove(store, &username, now).await?;
            json!({})
        }
        Request::ClientAdd(add) => {
            serde_json::to_value(clients::add(store, add, now).await?).map_err(fail)?
        }
        Request::ClientList => serde_json::to_value(clients::list(store).await?).map_err(fail)?,
        Request::ClientRemove { client_id } => {
            clients::remove(store, &client_id).await?;
            json!({})
        }
        Request::KeysRotate => {
            json!({ "made": crate::oauth::keys::rotate(store, now).await.map_err(fail)? })
        }
        Request::InviteCreate { ttl } => json!({
            "token": crate::accounts::signup::create_invite(store, now, ttl).await.map_err(fail)?
        }),
        Request::RegistrationTokenCreate { ttl } => json!({
            "token": crate::oauth::register::create_initial_token(store, now, ttl).await.map_err(fail)?
        }),
        Request::Backup => {
            return Err(AdminError(
                "a backup is a file, not an answer: use admin::control::backup".into(),
            ))
        }
    })
}
