//! App.net, as appnet-auth.txt describes it: `/oauth/authenticate` and
//! `/oauth/authorize` for the web flows, `/oauth/access_token` for tokens;
//! its scopes, with `basic` always granted and extended scopes such as
//! `messages:net.app.core.pm`; the token in the header, the query or the
//! body; and its error messages. `X-OAuth-Scopes`, the error placement
//! (query, fragment, JSON) and the password flow only with permission come
//! from the core.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};

use crate::error::Error;
use crate::http::form::OAuthForm;
use crate::http::state::AppState;
use crate::oauth::client_metadata::GRANT_TYPES;
use crate::store::ScopeRecord;

/// App.net's scopes.
pub fn scopes() -> Vec<ScopeRecord> {
    [
        ("basic", "See basic information about you", true),
        ("stream", "Read your stream", false),
        ("write_post", "Create posts as you", false),
        ("follow", "Add or remove follows and mutes", false),
        (
            "update_profile",
            "Update your name, images and profile",
            false,
        ),
        (
            "public_messages",
            "Send and receive public messages as you",
            false,
        ),
        (
            "messages",
            "Send and receive public and private messages as you",
            false,
        ),
        ("files", "Manage your files", false),
    ]
    .into_iter()
    .map(|(name, description, always)| ScopeRecord {
        name: name.into(),
        description: description.into(),
        default: false,
        always,
    })
    .collect()
}

/// Registers the dialect's routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/oauth/authenticate",
        web::get().to(crate::http::get_authorize),
    )
    .route("/oauth/access_token", web::post().to(post_access_token));
}

/// The document's answer to a request it cannot read as a token request.
fn unknown_grant() -> HttpResponse {
    Error::UnsupportedGrantType("Unknown grant type".into()).error_response()
}

async fn post_access_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    // "Please make sure … you're sending your request with a Content-type of
    // application/x-www-form-urlencoded not application/json."
    let urlencoded = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    if !urlencoded {
        return unknown_grant();
    }
    let form = match OAuthForm::parse(&body) {
        Ok(form) => form,
        Err(e) => return e.error_response(),
    };
    if !form
        .get("grant_type")
        .is_some_and(|g| GRANT_TYPES.contains(&g))
    {
        return unknown_grant();
    }
    crate::http::token::post_token(state, req, form).await
}
