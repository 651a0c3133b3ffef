//! The benchmark's ceiling: bare actix-web doing the least that Gatehouse's
//! routes do, so `scripts/bench.sh` can say what share of the framework's
//! own rate each route reaches on the same machine in the same run.
//! `GET /get` answers a fixed JSON body (the ceiling of `/healthz`);
//! `POST /post` parses a form body and answers a fixed JSON body shaped like
//! a token response (the ceiling of the token and introspection routes).
//!
//!     cargo run --release --example bench_ceiling -- 127.0.0.1:18081

use std::collections::HashMap;

use actix_web::{web, App, HttpResponse, HttpServer};

async fn get() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(r#"{"status":"ok"}"#)
}

async fn post(form: web::Form<HashMap<String, String>>) -> HttpResponse {
    if form.is_empty() {
        return HttpResponse::BadRequest()
            .content_type("application/json")
            .body(r#"{"error":"invalid_request"}"#);
    }
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header(("Cache-Control", "no-store"))
        .body(r#"{"access_token":"gth_at_0000000000000000000000000000000000000000000","token_type":"Bearer","expires_in":3600,"scope":"read"}"#)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18081".to_owned());
    HttpServer::new(|| {
        App::new()
            .route("/get", web::get().to(get))
            .route("/post", web::post().to(post))
    })
    .bind(&addr)?
    .run()
    .await
}
