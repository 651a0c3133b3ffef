//! actix handlers: parse the request, call `oauth`, render the result.
//! One file per endpoint group; `routes` wires them into the App.

mod account;
mod admin;
mod assets;
mod authorize;
pub(crate) mod bearer;
mod client_addr;
mod cors;
mod dev;
mod developer;
mod device;
mod email;
pub(crate) mod form;
mod header;
mod health;
mod introspect;
mod leaving;
mod log;
mod login;
pub mod outbox;
mod page;
mod passkeys;
pub mod plain;
mod register;
mod revoke;
mod second_factor;
mod security;
pub(crate) mod session;
mod signup;
pub mod state;
pub(crate) mod token;
mod upstream;
mod userinfo;
mod well_known;

use actix_web::http::Method;
use actix_web::{web, HttpRequest};

use crate::error::Error;
pub(crate) use authorize::get_authorize;
pub(crate) use client_addr::client_ip;
pub(crate) use dev::banner as dev_banner;
pub(crate) use form::BODY_LIMIT;
pub use health::count_request;
pub use log::request_line;
pub(crate) use userinfo::scopes_header;

/// Registers every route of the server.
pub fn routes(cfg: &mut web::ServiceConfig) {
    // actix tries resources in the order they are registered, and a path
    // with a `{segment}` costs a regex match: the routes that load
    // balancers and clients call most come first.
    cfg.route("/healthz", web::get().to(health::get_healthz))
        .route("/readyz", web::get().to(health::get_readyz));
    cfg.service(
        web::resource("/oauth/token")
            .route(web::post().to(token::post_token_body))
            .route(web::method(Method::OPTIONS).to(cors::preflight_token))
            .default_service(web::to(|| not_allowed("POST"))),
    );
    open_cors(
        cfg,
        "/oauth/introspect",
        "POST",
        vec![web::post().to(introspect::post_introspect)],
    );
    open_cors(
        cfg,
        "/oauth/revoke",
        "POST",
        vec![web::post().to(revoke::post_revoke)],
    );
    open_cors(
        cfg,
        "/oauth/userinfo",
        "GET, POST",
        vec![
            web::get().to(userinfo::userinfo),
            web::post().to(userinfo::userinfo),
        ],
    );
    cfg.service(
        web::resource("/oauth/device_authorization")
            .route(web::post().to(device::post_device_authorization))
            .default_service(web::to(|| not_allowed("POST"))),
    )
    .service(
        web::resource("/device")
            .route(web::get().to(device::get_device))
            .route(web::post().to(device::post_device)),
    );
    cfg.service(
        web::resource("/oauth/register")
            .route(web::post().to(register::post_register))
            .default_service(web::to(|| not_allowed("POST"))),
    )
    .service(
        web::resource("/oauth/register/{client_id}")
            .route(web::get().to(register::get_registration))
            .route(web::put().to(register::put_registration))
            .route(web::delete().to(register::delete_registration))
            .default_service(web::to(|| not_allowed("GET, PUT, DELETE"))),
    );
    open_cors(
        cfg,
        "/oauth/jwks",
        "GET",
        vec![web::get().to(well_known::get_jwks)],
    );
    for path in [
        "/.well-known/oauth-authorization-server",
        "/.well-known/openid-configuration",
    ] {
        open_cors(
            cfg,
            path,
            "GET",
            vec![web::get().to(well_known::get_metadata)],
        );
    }
    // The authorization endpoint and the pages answer no CORS at all.
    cfg.service(
        web::resource("/oauth/authorize")
            .route(web::get().to(authorize::get_authorize))
            .route(web::post().to(authorize::post_authorize)),
    )
    .service(
        web::resource("/login")
            .route(web::get().to(login::get_login))
            .route(web::post().to(login::post_login)),
    )
    .route("/login/dev", web::post().to(login::post_dev_login))
    .service(
        web::resource("/login/second-factor")
            .route(web::get().to(second_factor::get_second_factor))
            .route(web::post().to(second_factor::post_second_factor)),
    )
    .configure(upstream::routes)
    .route("/account/security", web::get().to(security::get_security))
    .service(
        web::resource("/account/security/totp")
            .route(web::get().to(security::get_totp_setup))
            .route(web::post().to(security::post_totp_setup)),
    )
    .route(
        "/account/security/totp/remove",
        web::post().to(security::post_totp_remove),
    )
    .route(
        "/account/security/recovery",
        web::post().to(security::post_recovery_codes),
    )
    .service(
        web::resource("/logout")
            .route(web::get().to(login::get_logout))
            .route(web::post().to(login::post_logout)),
    )
    .route("/", web::get().to(login::get_home))
    .service(
        web::resource("/signup")
            .route(web::get().to(signup::get_signup))
            .route(web::post().to(signup::post_signup)),
    )
    .configure(email::routes)
    .configure(passkeys::routes)
    .service(
        web::resource("/developer/apps")
            .route(web::get().to(developer::get_apps))
            .route(web::post().to(developer::post_new_app)),
    )
    .route("/developer/apps/new", web::get().to(developer::get_new_app))
    .service(
        web::resource("/developer/apps/{client_id}")
            .route(web::get().to(developer::get_app))
            .route(web::post().to(developer::post_app)),
    )
    .route(
        "/developer/apps/{client_id}/secret",
        web::post().to(developer::post_reset_secret),
    )
    .route(
        "/developer/apps/{client_id}/delete",
        web::post().to(developer::post_delete_app),
    )
    .configure(admin::routes)
    .route("/account", web::get().to(account::get_account))
    .route("/account/profile", web::post().to(account::post_profile))
    .route("/account/password", web::post().to(account::post_password))
    .route(
        "/account/apps/withdraw",
        web::post().to(account::post_withdraw),
    )
    .route(
        "/account/api-login",
        web::post().to(account::post_api_login),
    )
    .route(
        "/account/sessions/end",
        web::post().to(account::post_end_sessions),
    )
    .route("/account/export", web::get().to(leaving::get_export))
    .service(
        web::resource("/account/delete")
            .route(web::get().to(leaving::get_delete))
            .route(web::post().to(leaving::post_delete)),
    )
    .route(
        "/account/delete/passkey",
        web::post().to(leaving::post_delete_passkey),
    )
    .route(
        "/account/delete/passkey/finish",
        web::post().to(leaving::post_delete_passkey_finish),
    )
    .route("/static/style.css", web::get().to(assets::get_style))
    .route(
        "/static/passkey.js",
        web::get().to(assets::get_passkey_script),
    )
    .route("/metrics", web::get().to(health::get_metrics))
    .default_service(web::to(not_found));
}

/// Records an audit event for a request, from the client address it came from.
pub(crate) async fn audit(
    state: &state::AppState,
    req: &HttpRequest,
    event: &'static str,
    actor: Option<&str>,
    target: Option<&str>,
    detail: Option<&str>,
) {
    let event = crate::oauth::audit::AuditEvent {
        event,
        actor,
        client_ip: client_ip(state, req),
        target,
        detail,
    };
    state.provider.audit(event).await;
}

/// The routes of the separate `--metrics-addr` listener.
pub fn metrics_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(health::get_metrics_open))
        .default_service(web::to(not_found));
}

/// Registers a resource open to every origin (CORS, preflight included);
/// methods other than `routes` get 405 JSON naming `allow`.
fn open_cors(
    cfg: &mut web::ServiceConfig,
    path: &str,
    allow: &'static str,
    routes: Vec<actix_web::Route>,
) {
    let mut resource =
        web::resource(path).route(web::method(Method::OPTIONS).to(cors::preflight_any));
    for route in routes {
        resource = resource.route(route);
    }
    cfg.service(
        resource
            .default_service(web::to(move || not_allowed(allow)))
            .wrap(actix_web::middleware::from_fn(cors::any_origin)),
    );
}

async fn not_allowed(allow: &'static str) -> Result<&'static str, Error> {
    Err(Error::MethodNotAllowed(allow))
}

/// 404: a page for a browser, RFC 6749-style JSON for everyone else.
async fn not_found(req: HttpRequest) -> actix_web::HttpResponse {
    use actix_web::ResponseError;
    let wants_html = req
        .headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if wants_html {
        page::HtmlError(Error::NotFound).error_response()
    } else {
        Error::NotFound.error_response()
    }
}
