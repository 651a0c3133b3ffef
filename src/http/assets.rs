//! `/static/…`: the stylesheet and the passkey script, compiled into the
//! binary so one file is all that has to be deployed.

use actix_web::http::header;
use actix_web::HttpResponse;

const STYLE: &str = include_str!("../../static/style.css");
const PASSKEY_SCRIPT: &str = include_str!("../../static/passkey.js");

/// Serves the stylesheet with a day of caching.
pub(crate) async fn get_style() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(STYLE)
}

/// Serves the passkey ceremony's script with a day of caching.
pub(crate) async fn get_passkey_script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(PASSKEY_SCRIPT)
}
