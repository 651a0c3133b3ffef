//! Applications a signed-in developer owns: create, edit, reset the secret,
//! delete. The dashboard pages in `http/developer.rs` call these.

use std::sync::Arc;

use super::clients::{NewClient, Rules, SecretChoice};
use super::register::check_registered_redirect;
use super::Provider;
use crate::crypto::{new_token, sha256, TokenKind};
use crate::error::{Error, Result};
use crate::store::{ClientRecord, UserRecord};

/// Grant types a developer may choose, with whether each is the risky kind.
pub const CHOOSABLE_GRANTS: &[(&str, &str, bool)] = &[
    ("authorization_code", "Authorization code (sign-in through the browser)", false),
    ("refresh_token", "Refresh tokens (stay signed in)", false),
    ("client_credentials", "Client credentials (the app acts for itself)", false),
    ("urn:ietf:params:oauth:grant-type:device_code", "Device flow (TVs and command-line tools)", false),
    ("implicit", "Implicit: tokens in the browser's address bar. Only for old single-page apps; use the code flow with PKCE instead.", true),
    ("password", "Password: the app sees the person's password. Only for trusted first-party apps; an administrator must also allow it.", true),
];

/// What the create and edit forms send.
#[derive(Debug, Clone, Default)]
pub struct AppForm {
    /// The name.
    pub name: String,
    /// What it does.
    pub description: String,
    /// Its home page.
    pub homepage: String,
    /// Redirect URIs, one per line.
    pub redirect_uris: String,
    /// Public (no secret) rather than confidential.
    pub public: bool,
    /// Chosen grant types.
    pub grant_types: Vec<String>,
    /// Only the owner and `allowed_users` may authorize it.
    pub private: bool,
    /// Usernames, one per line, who may authorize a private application.
    pub allowed_users: String,
}

/// A change a dialect's app API makes to an owned application; the
/// dialect checks the values it takes (ScratchOAuth2's `PATCH`).
#[derive(Debug, Clone, Default)]
pub struct AppEdit {
    /// A new name (`Some(None)`: no name).
    pub name: Option<Option<String>>,
    /// New redirect URIs.
    pub redirect_uris: Option<Vec<String>>,
    /// Whether to make a new secret (answered once).
    pub reset_secret: bool,
}

/// A form field that is not acceptable: its name and the problem.
#[derive(Debug)]
pub struct FieldError(pub &'static str, pub String);

fn field(name: &'static str, why: impl Into<String>) -> FieldError {
    FieldError(name, why.into())
}

/// Checks a form and builds the record's editable parts onto `record`.
fn apply(form: &AppForm, record: &mut ClientRecord) -> std::result::Result<(), FieldError> {
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(field("name", "a name has 1 to 100 characters"));
    }
    if form.description.chars().count() > 1000 {
        return Err(field(
            "description",
            "a description has at most 1000 characters",
        ));
    }
    let homepage = form.homepage.trim();
    if !homepage.is_empty()
        && !matches!(
            url::Url::parse(homepage)
                .map(|u| u.scheme().to_owned())
                .as_deref(),
            Ok("https" | "http")
        )
    {
        return Err(field("homepage", "the home page must be an http(s) URL"));
    }
    let uris: Vec<String> = form
        .redirect_uris
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    for uri in &uris {
        check_registered_redirect(uri)
            .map_err(|e| field("redirect_uris", e.description().into_owned()))?;
    }
    if let Some(unknown) = form
        .grant_types
        .iter()
        .find(|g| !CHOOSABLE_GRANTS.iter().any(|(n, _, _)| n == g))
    {
        return Err(field(
            "grant_types",
            format!("unknown grant type `{unknown}`"),
        ));
    }
    if form.grant_types.is_empty() {
        return Err(field("grant_types", "choose at least one grant type"));
    }
    let has = |g: &str| form.grant_types.iter().any(|x| x == g);
    if (has("authorization_code") || has("implicit")) && uris.is_empty() {
        return Err(field(
            "redirect_uris",
            "sign-in through the browser needs at least one redirect URI",
        ));
    }
    if form.public && has("client_credentials") {
        return Err(field(
            "grant_types",
            "a public application cannot use client credentials",
        ));
    }
    let mut response_types = Vec::new();
    if has("authorization_code") {
        response_types.push("code".to_owned());
    }
    if has("implicit") {
        response_types.push("token".to_owned());
    }
    record.client_name = Some(name.to_owned());
    record.description =
        (!form.description.trim().is_empty()).then(|| form.description.trim().to_owned());
    record.client_uri = (!homepage.is_empty()).then(|| homepage.to_owned());
    record.redirect_uris = uris;
    record.grant_types = form.grant_types.clone();
    record.response_types = response_types;
    Ok(())
}

/// The record a new application's form is checked onto.
fn draft_record(owner: &UserRecord, public: bool) -> ClientRecord {
    ClientRecord {
        client_id: String::new(),
        secret_digest: None,
        client_name: None,
        redirect_uris: Vec::new(),
        grant_types: Vec::new(),
        response_types: Vec::new(),
        token_endpoint_auth_method: if public {
            "none"
        } else {
            "client_secret_basic"
        }
        .to_owned(),
        scope: None,
        id_token_signed_response_alg: None,
        userinfo_signed_response_alg: None,
        post_logout_redirect_uris: Vec::new(),
        owner: Some(owner.id),
        created_at: 0,
        registration_digest: None,
        dialect: None,
        dialect_legacy: false,
        access_token_ttl: None,
        allowed_groups: Vec::new(),
        description: None,
        client_uri: None,
        flags: Default::default(),
    }
}

impl Provider {
    /// Sets who may authorize the application; an unknown username is a field error.
    async fn apply_privacy(
        &self,
        form: &AppForm,
        record: &mut ClientRecord,
    ) -> Result<std::result::Result<(), FieldError>> {
        let mut ids = Vec::new();
        for name in form
            .allowed_users
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            match self.store.user_by_name(name).await? {
                Some(user) => ids.push(user.id),
                None => {
                    return Ok(Err(field(
                        "allowed_users",
                        format!("no user named `{name}`"),
                    )))
                }
            }
        }
        record.flags.private = form.private;
        record.flags.allowed_users = ids;
        Ok(Ok(()))
    }

    /// The usernames a private application lists, one per line.
    pub async fn allowed_usernames(&self, app: &ClientRecord) -> Result<String> {
        let mut names = Vec::new();
        for id in &app.flags.allowed_users {
            if let Some(user) = self.store.user(*id).await? {
                names.push(user.username);
            }
        }
        Ok(names.join("\n"))
    }

    /// The applications `owner` registered, by name.
    pub async fn apps_of(&self, owner: &UserRecord) -> Result<Vec<ClientRecord>> {
        let mut apps: Vec<ClientRecord> = self
            .store
            .clients()
            .await?
            .into_iter()
            .filter(|c| c.owner == Some(owner.id))
            .collect();
        apps.sort_by(|a, b| a.client_name.cmp(&b.client_name));
        Ok(apps)
    }

    /// The application `client_id` if `owner` owns it.
    pub async fn owned_app(
        &self,
        owner: &UserRecord,
        client_id: &str,
    ) -> Result<Arc<ClientRecord>> {
        self.store
            .client(client_id)
            .await?
            .filter(|c| c.owner == Some(owner.id))
            .ok_or(Error::NotFound)
    }

    /// Registers an application; answers it and its secret (shown once).
    pub async fn create_app(
        &self,
        owner: &UserRecord,
        form: &AppForm,
    ) -> Result<std::result::Result<(ClientRecord, Option<String>), FieldError>> {
        // The form's own rules fill a draft; the one path for new clients
        // then holds it to the registration rules and stores it.
        let mut draft = NewClient::new(Rules::Registration);
        let mut record = draft_record(owner, form.public);
        if let Err(e) = apply(form, &mut record) {
            return Ok(Err(e));
        }
        if let Err(e) = self.apply_privacy(form, &mut record).await? {
            return Ok(Err(e));
        }
        draft.secret = if form.public {
            SecretChoice::None
        } else {
            SecretChoice::Generate
        };
        draft.token_endpoint_auth_method = Some(record.token_endpoint_auth_method);
        draft.client_name = record.client_name;
        draft.description = record.description;
        draft.client_uri = record.client_uri;
        draft.redirect_uris = record.redirect_uris;
        draft.grant_types = Some(record.grant_types);
        draft.response_types = Some(record.response_types);
        draft.owner = record.owner;
        draft.flags = record.flags;
        match self.create_client(draft).await? {
            Ok(created) => Ok(Ok((created.record, created.secret))),
            Err(e) => Ok(Err(FieldError(e.field, e.problem))),
        }
    }

    /// Saves an edit of an owned application (its type does not change).
    pub async fn update_app(
        &self,
        app: &ClientRecord,
        form: &AppForm,
    ) -> Result<std::result::Result<(), FieldError>> {
        let mut record = app.clone();
        let form = AppForm {
            public: !app.is_confidential(),
            ..form.clone()
        };
        if let Err(e) = apply(&form, &mut record) {
            return Ok(Err(e));
        }
        if let Err(e) = self.apply_privacy(&form, &mut record).await? {
            return Ok(Err(e));
        }
        self.store.put_client(&record).await?;
        Ok(Ok(()))
    }

    /// Gives a confidential application a new secret; the old one stops working at once.
    pub async fn reset_secret(&self, app: &ClientRecord) -> Result<String> {
        if !app.is_confidential() {
            return Err(Error::InvalidRequest(
                "a public application has no secret".into(),
            ));
        }
        let secret = new_token(TokenKind::ClientSecret).map_err(Error::internal)?;
        let mut record = app.clone();
        record.secret_digest = Some(sha256(secret.as_bytes()));
        self.store.put_client(&record).await?;
        Ok(secret)
    }

    /// Applies a dialect's edit to an owned application; answers the record
    /// as saved and the new secret, if one was made.
    pub async fn edit_app(
        &self,
        app: &ClientRecord,
        edit: AppEdit,
    ) -> Result<(ClientRecord, Option<String>)> {
        let mut record = app.clone();
        if let Some(name) = edit.name {
            record.client_name = name;
        }
        if let Some(uris) = edit.redirect_uris {
            record.redirect_uris = uris;
        }
        let secret = if edit.reset_secret {
            let secret = new_token(TokenKind::ClientSecret).map_err(Error::internal)?;
            record.secret_digest = Some(sha256(secret.as_bytes()));
            Some(secret)
        } else {
            None
        };
        self.store.put_client(&record).await?;
        Ok((record, secret))
    }

    /// Deletes an application; its tokens stop working at once.
    pub async fn delete_app(&self, app: &ClientRecord) -> Result<()> {
        self.store.remove_client(&app.client_id).await?;
        Ok(())
    }
}
