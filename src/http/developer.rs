//! `/developer/apps`: the developer dashboard (signed-in people). Every
//! change is a POST with a CSRF token; a validation error shows the form
//! again with the problem beside the field, and saves nothing.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::form::{MultiForm, PageForm};
use super::page::{page, redirect, HtmlError};
use super::session::{self, check_csrf, signed_in};
use super::state::AppState;
use crate::oauth::developer::{AppForm, FieldError};
use crate::oauth::{ClientRecord, UserRecord};
use crate::pages::{self, AppFormView, AppRow};

/// A dashboard page with the signed-in header (which carries the CSRF token).
fn with_csrf(
    state: &AppState,
    req: &HttpRequest,
    user: &UserRecord,
    build: impl FnOnce(&pages::Header<'_>) -> maud::Markup,
    status: StatusCode,
) -> Result<HttpResponse, HtmlError> {
    let (csrf, cookie) = session::csrf(state, req)?;
    let header = super::header::of(state, user, &csrf);
    session::with_cookie(page(status, build(&header)), cookie)
}

fn read_form(form: &MultiForm) -> AppForm {
    AppForm {
        name: form.get("name").unwrap_or("").to_owned(),
        description: form.get("description").unwrap_or("").to_owned(),
        homepage: form.get("homepage").unwrap_or("").to_owned(),
        redirect_uris: form.get("redirect_uris").unwrap_or("").to_owned(),
        public: form.get("type") == Some("public"),
        grant_types: form.all("grant_types"),
        private: form.get("private") == Some("on"),
        allowed_users: form.get("allowed_users").unwrap_or("").to_owned(),
    }
}

fn form_of(app: &ClientRecord) -> AppForm {
    AppForm {
        name: app.client_name.clone().unwrap_or_default(),
        description: app.description.clone().unwrap_or_default(),
        homepage: app.client_uri.clone().unwrap_or_default(),
        redirect_uris: app.redirect_uris.join("\n"),
        public: !app.is_confidential(),
        grant_types: app.grant_types.clone(),
        private: app.flags.private,
        allowed_users: String::new(),
    }
}

fn form_page(
    state: &AppState,
    req: &HttpRequest,
    user: &UserRecord,
    app: Option<&ClientRecord>,
    form: &AppForm,
    error: Option<&FieldError>,
    notice: Option<&str>,
) -> Result<HttpResponse, HtmlError> {
    let issuer = &state.provider.settings.issuer;
    // A form shown again with a problem is the answer to a bad request.
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    with_csrf(
        state,
        req,
        user,
        |header| {
            pages::app_form(&AppFormView {
                header: Some(header),
                issuer,
                csrf: header.csrf,
                client_id: app.map(|a| a.client_id.as_str()),
                confidential: app.is_some_and(ClientRecord::is_confidential),
                name: &form.name,
                description: &form.description,
                homepage: &form.homepage,
                redirect_uris: &form.redirect_uris,
                public: form.public,
                grant_types: &form.grant_types,
                private: form.private,
                allowed_users: &form.allowed_users,
                error: error.map(|FieldError(f, why)| (*f, why.as_str())),
                notice,
            })
        },
        status,
    )
}

/// Lists the developer's applications.
pub(crate) async fn get_apps(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, HtmlError> {
    let user = signed_in!(state, req, "/developer/apps");
    let apps = state.provider.apps_of(&user).await?;
    let rows: Vec<AppRow> = apps
        .iter()
        .map(|a| AppRow {
            client_id: &a.client_id,
            name: a.client_name.as_deref().unwrap_or(&a.client_id),
            confidential: a.is_confidential(),
        })
        .collect();
    let notice = req
        .query_string()
        .contains("done=deleted")
        .then_some("The application is deleted; its tokens no longer work.");
    with_csrf(
        &state,
        &req,
        &user,
        |header| pages::apps(header, &rows, notice),
        StatusCode::OK,
    )
}

/// The empty form for a new application.
pub(crate) async fn get_new_app(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, HtmlError> {
    let user = signed_in!(state, req, "/developer/apps/new");
    let form = AppForm {
        grant_types: vec!["authorization_code".into(), "refresh_token".into()],
        ..AppForm::default()
    };
    form_page(&state, &req, &user, None, &form, None, None)
}

/// Creates an application and shows its secret once.
pub(crate) async fn post_new_app(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: MultiForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let user = signed_in!(state, req, "/developer/apps/new");
    let fields = read_form(&form);
    match state.provider.create_app(&user, &fields).await? {
        Ok((app, secret)) => {
            log::info!("user {} created client {}", user.id, app.client_id);
            audit_app(&state, &req, "client_created", &user, &app.client_id).await;
            with_csrf(
                &state,
                &req,
                &user,
                |header| pages::secret_shown(header, &app.client_id, secret.as_deref()),
                StatusCode::CREATED,
            )
        }
        Err(problem) => form_page(&state, &req, &user, None, &fields, Some(&problem), None),
    }
}

/// Records what `user` did to the application `app`.
async fn audit_app(
    state: &AppState,
    req: &HttpRequest,
    event: &'static str,
    user: &UserRecord,
    app: &str,
) {
    super::audit(state, req, event, Some(&user.username), Some(app), None).await;
}

/// The edit page of an owned application.
pub(crate) async fn get_app(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, HtmlError> {
    let user = signed_in!(state, req, "/developer/apps");
    let app = state.provider.owned_app(&user, &path).await?;
    let notice = req
        .query_string()
        .contains("done=saved")
        .then_some("Saved.");
    {
        let mut form = form_of(&app);
        form.allowed_users = state.provider.allowed_usernames(&app).await?;
        form_page(&state, &req, &user, Some(&app), &form, None, notice)
    }
}

/// Saves an edit.
pub(crate) async fn post_app(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    form: MultiForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let user = signed_in!(state, req, "/developer/apps");
    let app = state.provider.owned_app(&user, &path).await?;
    let fields = read_form(&form);
    match state.provider.update_app(&app, &fields).await? {
        Ok(()) => {
            audit_app(&state, &req, "client_changed", &user, &app.client_id).await;
            Ok(redirect(
                true,
                &format!(
                    "{}/developer/apps/{}?done=saved",
                    state.provider.settings.issuer, app.client_id
                ),
            ))
        }
        Err(problem) => form_page(
            &state,
            &req,
            &user,
            Some(&app),
            &fields,
            Some(&problem),
            None,
        ),
    }
}

/// Resets the secret and shows the new one once.
pub(crate) async fn post_reset_secret(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let user = signed_in!(state, req, "/developer/apps");
    let app = state.provider.owned_app(&user, &path).await?;
    let secret = state.provider.reset_secret(&app).await?;
    audit_app(&state, &req, "client_secret_reset", &user, &app.client_id).await;
    with_csrf(
        &state,
        &req,
        &user,
        |header| pages::secret_shown(header, &app.client_id, Some(&secret)),
        StatusCode::OK,
    )
}

/// Deletes an application.
pub(crate) async fn post_delete_app(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let user = signed_in!(state, req, "/developer/apps");
    let app = state.provider.owned_app(&user, &path).await?;
    state.provider.delete_app(&app).await?;
    log::info!("user {} deleted client {}", user.id, app.client_id);
    audit_app(&state, &req, "client_deleted", &user, &app.client_id).await;
    Ok(redirect(
        true,
        &format!(
            "{}/developer/apps?done=deleted",
            state.provider.settings.issuer
        ),
    ))
}
