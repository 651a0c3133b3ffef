//! One log line per request: method, path (never the query, which may carry
//! a token), status and time. Headers and bodies are never logged.

use actix_web::middleware::Logger;

/// The request logger.
pub fn request_logger() -> Logger {
    Logger::new("%{method}xi %U %s %Dms")
        .custom_request_replace("method", |req| req.method().to_string())
}
