//! The domain error: one enum whose variants are the RFC error codes, and its
//! single mapping to an HTTP response (RFC 6749 §5.2, RFC 6750 §3, RFC 7009 §2.2.1).

use std::borrow::Cow;
use std::fmt;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// A human-readable explanation sent as `error_description`.
pub type Description = Cow<'static, str>;

/// Everything that can go wrong while serving a protocol request.
#[derive(Debug)]
pub enum Error {
    /// RFC 6749 §5.2 `invalid_request`: a parameter is missing, repeated, or malformed.
    InvalidRequest(Description),
    /// RFC 6749 §5.2 `invalid_client`: client authentication failed.
    InvalidClient(Description),
    /// RFC 6749 §5.2 `invalid_grant`: the grant or refresh token is invalid, expired or revoked.
    InvalidGrant(Description),
    /// RFC 6749 §5.2 `invalid_grant`, with the reason the core found (a
    /// dialect that answers each reason differently maps it).
    Grant(GrantFailure),
    /// RFC 6749 §5.2 `unauthorized_client`: the client may not use this grant.
    UnauthorizedClient(Description),
    /// RFC 6749 §5.2 `unsupported_grant_type`: the server does not know this grant.
    UnsupportedGrantType(Description),
    /// RFC 6749 §5.2 `invalid_scope`: the scope is unknown or exceeds what is allowed.
    InvalidScope(Description),
    /// RFC 6749 §4.1.2.1 `access_denied`: the person or the server refused.
    AccessDenied(Description),
    /// RFC 6749 §4.1.2.1 `unsupported_response_type`.
    UnsupportedResponseType(Description),
    /// OpenID Connect Core §3.1.2.6 `login_required` (for `prompt=none`).
    LoginRequired(Description),
    /// OpenID Connect Core §3.1.2.6 `interaction_required`: `prompt=none`,
    /// but the person must do something first (show a second factor).
    InteractionRequired(Description),
    /// OpenID Connect Core §3.1.2.6 `consent_required` (for `prompt=none`).
    ConsentRequired(Description),
    /// HTTP 403 with `access_denied`: the request is understood and refused
    /// (a form without its CSRF token, registration closed).
    Forbidden(Description),
    /// RFC 8628 §3.5 `authorization_pending`: the person has not answered yet.
    AuthorizationPending,
    /// RFC 8628 §3.5 `slow_down`: polling too fast; the interval grew by 5 s.
    SlowDown,
    /// RFC 8628 §3.5 `expired_token`: the device code has expired.
    ExpiredToken,
    /// RFC 7591 §3.2.2 `invalid_redirect_uri`.
    InvalidRedirectUri(Description),
    /// RFC 7591 §3.2.2 `invalid_client_metadata`.
    InvalidClientMetadata(Description),
    /// RFC 7009 §2.2.1 `unsupported_token_type`: the server cannot handle this token type.
    UnsupportedTokenType(Description),
    /// RFC 6750 §3.1 `invalid_token`: the access token is unknown, expired or revoked.
    InvalidToken(Description),
    /// RFC 6750 §3.1: the request carries no token at all (the challenge
    /// then names no error).
    MissingToken,
    /// RFC 6750 §3.1 `insufficient_scope`: the token lacks a scope the resource needs.
    InsufficientScope(Description),
    /// HTTP 429 `temporarily_unavailable` (RFC 6749 §4.1.2.1): too many
    /// failed attempts; retry after this many seconds.
    Throttled(u64),
    /// HTTP 405: the endpoint does not answer this method (the `Allow` value is given).
    MethodNotAllowed(&'static str),
    /// HTTP 413: the request body exceeds the limit.
    PayloadTooLarge(Description),
    /// HTTP 404: no such resource.
    NotFound,
    /// RFC 6749 §5.2 `server_error`: a failure inside the server; the cause is logged, never sent.
    Internal(String),
    /// HTTP 503 `temporarily_unavailable` (RFC 6749 §4.1.2.1): the database
    /// cannot be reached now; the cause is logged, never sent.
    Unavailable(String),
}

impl Error {
    /// The wire string of the error code.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidRequest(_) => "invalid_request",
            Error::InvalidClient(_) => "invalid_client",
            Error::InvalidGrant(_) | Error::Grant(_) => "invalid_grant",
            Error::UnauthorizedClient(_) => "unauthorized_client",
            Error::UnsupportedGrantType(_) => "unsupported_grant_type",
            Error::InvalidScope(_) => "invalid_scope",
            Error::UnsupportedTokenType(_) => "unsupported_token_type",
            Error::AccessDenied(_) | Error::Forbidden(_) => "access_denied",
            Error::AuthorizationPending => "authorization_pending",
            Error::InvalidRedirectUri(_) => "invalid_redirect_uri",
            Error::InvalidClientMetadata(_) => "invalid_client_metadata",
            Error::SlowDown => "slow_down",
            Error::ExpiredToken => "expired_token",
            Error::UnsupportedResponseType(_) => "unsupported_response_type",
            Error::LoginRequired(_) => "login_required",
            Error::InteractionRequired(_) => "interaction_required",
            Error::ConsentRequired(_) => "consent_required",
            Error::InvalidToken(_) => "invalid_token",
            Error::InsufficientScope(_) => "insufficient_scope",
            Error::MissingToken => "invalid_request",
            Error::Throttled(_) => "temporarily_unavailable",
            Error::MethodNotAllowed(_) => "invalid_request",
            Error::PayloadTooLarge(_) => "invalid_request",
            Error::NotFound => "not_found",
            Error::Internal(_) => "server_error",
            Error::Unavailable(_) => "temporarily_unavailable",
        }
    }

    /// The description sent to the client (never the internal cause).
    pub fn description(&self) -> Cow<'_, str> {
        match self {
            Error::InvalidRequest(d)
            | Error::InvalidClient(d)
            | Error::InvalidGrant(d)
            | Error::UnauthorizedClient(d)
            | Error::UnsupportedGrantType(d)
            | Error::InvalidScope(d)
            | Error::UnsupportedTokenType(d)
            | Error::InvalidToken(d)
            | Error::InsufficientScope(d)
            | Error::PayloadTooLarge(d) => Cow::Borrowed(d.as_ref()),
            Error::AccessDenied(d)
            | Error::Forbidden(d)
            | Error::UnsupportedResponseType(d)
            | Error::LoginRequired(d)
            | Error::InteractionRequired(d)
            | Error::ConsentRequired(d)
            | Error::InvalidRedirectUri(d)
            | Error::InvalidClientMetadata(d) => Cow::Borrowed(d.as_ref()),
            Error::Throttled(after) => Cow::Owned(format!(
                "too many failed attempts; try again in {after} seconds"
            )),
            Error::MethodNotAllowed(allow) => {
                Cow::Owned(format!("method not allowed; use {allow}"))
            }
            Error::Grant(reason) => Cow::Borrowed(reason.description()),
            Error::NotFound => Cow::Borrowed("no such resource"),
            Error::AuthorizationPending => Cow::Borrowed("the person has not answered yet"),
            Error::SlowDown => Cow::Borrowed("polling too fast; the interval grew by 5 seconds"),
            Error::ExpiredToken => Cow::Borrowed("the device code has expired"),
            Error::MissingToken => Cow::Borrowed("an access token is required"),
            Error::Internal(_) => Cow::Borrowed("the server could not complete the request"),
            Error::Unavailable(_) => {
                Cow::Borrowed("the server cannot reach its database now; try again shortly")
            }
        }
    }

    /// Wraps any displayable failure as an internal error.
    pub fn internal(cause: impl fmt::Display) -> Self {
        Error::Internal(cause.to_string())
    }
}

/// Why a grant was refused, for the answers that tell the reasons apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantFailure {
    /// No such code or token, spent already, or another client's.
    Unknown,
    /// It existed but has expired.
    Expired,
    /// The scopes the client confirmed are not those the person allowed.
    ScopeMismatch,
}

impl GrantFailure {
    /// The reason in words, sent as `error_description`.
    pub fn description(self) -> &'static str {
        match self {
            GrantFailure::Unknown => "the grant is unknown, used, or another client's",
            GrantFailure::Expired => "the grant has expired",
            GrantFailure::ScopeMismatch => "the confirmed scopes are not those the person allowed",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.description())
    }
}

impl std::error::Error for Error {}

/// The seconds a client is asked to wait while the database is unreachable.
pub const RETRY_WHEN_UNAVAILABLE: &str = "5";

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    error_description: &'a str,
}

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        match self {
            Error::InvalidClient(_) | Error::InvalidToken(_) | Error::MissingToken => {
                StatusCode::UNAUTHORIZED
            }
            Error::InsufficientScope(_) => StatusCode::FORBIDDEN,
            Error::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            Error::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Error::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::InvalidRequest(_)
            | Error::InvalidGrant(_)
            | Error::Grant(_)
            | Error::UnauthorizedClient(_)
            | Error::UnsupportedGrantType(_)
            | Error::InvalidScope(_)
            | Error::UnsupportedTokenType(_)
            | Error::UnsupportedResponseType(_)
            | Error::LoginRequired(_)
            | Error::InteractionRequired(_)
            | Error::ConsentRequired(_)
            | Error::AuthorizationPending
            | Error::SlowDown
            | Error::ExpiredToken
            | Error::InvalidRedirectUri(_)
            | Error::InvalidClientMetadata(_)
            | Error::AccessDenied(_) => StatusCode::BAD_REQUEST,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Error::Internal(cause) => log::error!("internal error: {cause}"),
            Error::Unavailable(cause) => log::error!("{cause}"),
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        response
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::PRAGMA, "no-cache"));
        match self {
            // RFC 6749 §5.2 and RFC 9110 §15.5.2: a 401 names the scheme to use.
            Error::InvalidClient(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"gatehouse\""));
            }
            // RFC 6750 §3: the error travels in the challenge too.
            Error::InvalidToken(_) | Error::InsufficientScope(_) => {
                let challenge = format!(
                    "Bearer realm=\"gatehouse\", error=\"{}\", error_description=\"{}\"",
                    self.code(),
                    self.description().replace(['"', '\\'], "'")
                );
                if let Ok(value) = HeaderValue::from_str(&challenge) {
                    response.insert_header((header::WWW_AUTHENTICATE, value));
                }
            }
            Error::MissingToken => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"gatehouse\""));
            }
            Error::MethodNotAllowed(allow) => {
                response.insert_header((header::ALLOW, *allow));
            }
            Error::Throttled(after) => {
                response.insert_header((header::RETRY_AFTER, after.to_string()));
            }
            Error::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, RETRY_WHEN_UNAVAILABLE));
            }
            Error::InvalidRequest(_)
            | Error::InvalidGrant(_)
            | Error::Grant(_)
            | Error::UnauthorizedClient(_)
            | Error::UnsupportedGrantType(_)
            | Error::InvalidScope(_)
            | Error::UnsupportedTokenType(_)
            | Error::AccessDenied(_)
            | Error::Forbidden(_)
            | Error::UnsupportedResponseType(_)
            | Error::LoginRequired(_)
            | Error::InteractionRequired(_)
            | Error::ConsentRequired(_)
            | Error::AuthorizationPending
            | Error::SlowDown
            | Error::ExpiredToken
            | Error::InvalidRedirectUri(_)
            | Error::InvalidClientMetadata(_)
            | Error::PayloadTooLarge(_)
            | Error::NotFound
            | Error::Internal(_) => {}
        }
        response.json(ErrorBody {
            error: self.code(),
            error_description: &self.description(),
        })
    }
}

/// A shorthand for results whose error is the domain [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
