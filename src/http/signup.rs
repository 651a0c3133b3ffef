//! `GET/POST /signup`: creating an account, as the sign-up policy allows.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::form::PageForm;
use super::page::{page, HtmlError};
use super::session::{self, check_csrf};
use super::state::AppState;
use crate::accounts::signup::{SignupError, SignupForm};
use crate::error::Error;
use crate::pages::{self, SignupView};

#[derive(serde::Deserialize)]
pub(crate) struct InviteQuery {
    invite: Option<String>,
}

fn refused(why: &str) -> HtmlError {
    HtmlError(Error::Forbidden(why.to_owned().into()))
}

fn form_page(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    view: SignupView<'_>,
) -> Result<HttpResponse, HtmlError> {
    let (csrf, cookie) = session::csrf(state, req)?;
    let action = format!("{}/signup", state.provider.settings.issuer);
    let view = SignupView {
        action: &action,
        csrf: &csrf,
        mail: state.outbox.enabled(),
        ..view
    };
    session::with_cookie(page(status, pages::signup(&view)), cookie)
}

/// Shows the form, when the policy allows.
pub(crate) async fn get_signup(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<InviteQuery>,
) -> Result<HttpResponse, HtmlError> {
    let provider = &state.provider;
    let invite = query.invite.as_deref();
    match state
        .accounts
        .may_sign_up(provider.policies().signup, invite)
        .await
    {
        Ok(()) => form_page(
            &state,
            &req,
            StatusCode::OK,
            SignupView {
                invite,
                ..SignupView::default()
            },
        ),
        Err(SignupError::NotAllowed(why)) => Err(refused(why)),
        Err(e) => Err(HtmlError(Error::internal(format!("{e:?}")))),
    }
}

/// Creates the account and signs the person in.
pub(crate) async fn post_signup(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let provider = &state.provider;
    let invite = form.get("invite");
    let fields = SignupForm {
        username: form.get("username").unwrap_or(""),
        password: form.get("password").unwrap_or(""),
        email: form.get("email").unwrap_or(""),
        name: form.get("name").unwrap_or(""),
    };
    let (username, email, name) = (fields.username, fields.email, fields.name);
    let created = state
        .accounts
        .sign_up(
            provider.policies().signup,
            invite,
            fields,
            &provider.passwords,
        )
        .await;
    let user = match created {
        Ok(user) => user,
        Err(SignupError::NotAllowed(why)) => return Err(refused(why)),
        Err(SignupError::Field(field, why)) => {
            let view = SignupView {
                invite,
                username,
                email,
                name,
                error: Some((field, &why)),
                ..SignupView::default()
            };
            return form_page(&state, &req, StatusCode::BAD_REQUEST, view);
        }
        Err(SignupError::Store(e)) => return Err(HtmlError(e.into())),
    };
    log::info!("user {} signed up", user.id);
    let how = if invite.is_some() {
        "invitation"
    } else {
        "open sign-up"
    };
    super::audit(
        &state,
        &req,
        "signed_up",
        Some(&user.username),
        None,
        Some(how),
    )
    .await;
    let landing = if super::outbox::send_verification(&state, &req, &user).await? {
        "/account?done=verify-sent"
    } else {
        "/account"
    };
    session::start(
        &state,
        user.id,
        vec![crate::oauth::acr::PWD.into()],
        landing,
    )
    .await
}
