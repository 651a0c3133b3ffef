//! actix handlers: parse the request, call `oauth`, render the result.
//! One file per endpoint group; `routes` wires them into the App.

mod form;
mod health;
mod introspect;
mod log;
mod revoke;
pub mod state;
mod token;
mod well_known;

use actix_web::{web, HttpRequest};

use crate::error::Error;
pub use log::request_logger;

/// Registers every route of the server.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(only_post("/oauth/token", web::post().to(token::post_token)))
        .service(only_post(
            "/oauth/introspect",
            web::post().to(introspect::post_introspect),
        ))
        .service(only_post(
            "/oauth/revoke",
            web::post().to(revoke::post_revoke),
        ))
        .route(
            "/.well-known/oauth-authorization-server",
            web::get().to(well_known::get_metadata),
        )
        .route(
            "/.well-known/openid-configuration",
            web::get().to(well_known::get_metadata),
        )
        .route("/healthz", web::get().to(health::get_healthz))
        .default_service(web::to(not_found));
}

/// A resource that answers POST and refuses every other method with 405 JSON.
fn only_post(path: &str, route: actix_web::Route) -> actix_web::Resource {
    web::resource(path)
        .route(route)
        .default_service(web::to(|| async {
            Err::<&str, _>(Error::MethodNotAllowed("POST"))
        }))
}

async fn not_found(_req: HttpRequest) -> Result<&'static str, Error> {
    Err(Error::NotFound)
}
