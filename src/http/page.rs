//! Responses for people: pages with the security headers every page sends,
//! and `HtmlError`, which shows a domain error as a page.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, HttpResponseBuilder, ResponseError};
use maud::Markup;

use crate::error::Error;
use crate::pages;

/// No script at all; styles only from our own origin; never framed.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
                   frame-ancestors 'none'; base-uri 'none'";

/// The policy of the pages that run a passkey ceremony: our own script
/// from `/static`, nothing inline, and otherwise as strict as `CSP`.
const CSP_WITH_SCRIPT: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
                               img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'";

/// Adds the headers every page carries.
pub(crate) fn secure(builder: &mut HttpResponseBuilder) -> &mut HttpResponseBuilder {
    builder
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        // Never a referrer to another site. `no-referrer` would also make
        // browsers send `Origin: null` on our own forms (Fetch §3.1), which
        // the same-origin check of every POST must be able to read.
        .insert_header((header::REFERRER_POLICY, "same-origin"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
}

/// A page with a status.
pub(crate) fn page(status: StatusCode, markup: Markup) -> HttpResponse {
    secure(&mut HttpResponse::build(status))
        .content_type("text/html; charset=utf-8")
        .body(markup.into_string())
}

/// A page that runs our own script (`script-src 'self'`): only the
/// passkey ceremony's.
pub(crate) fn page_with_script(status: StatusCode, markup: Markup) -> HttpResponse {
    secure(&mut HttpResponse::build(status))
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP_WITH_SCRIPT))
        .content_type("text/html; charset=utf-8")
        .body(markup.into_string())
}

/// A page whose one inline script the policy allows by `nonce` (the
/// form-post answer's), otherwise as strict as every page.
pub(crate) fn page_with_nonce(status: StatusCode, markup: Markup, nonce: &str) -> HttpResponse {
    let policy = format!(
        "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'self'; \
         img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'"
    );
    secure(&mut HttpResponse::build(status))
        .insert_header((header::CONTENT_SECURITY_POLICY, policy))
        .content_type("text/html; charset=utf-8")
        .body(markup.into_string())
}

/// A redirect for a browser: 303 after a POST (RFC 9700 §4.12), 302 after a GET.
pub(crate) fn redirect(after_post: bool, location: &str) -> HttpResponse {
    let status = if after_post {
        StatusCode::SEE_OTHER
    } else {
        StatusCode::FOUND
    };
    secure(&mut HttpResponse::build(status))
        .insert_header((header::LOCATION, location))
        .finish()
}

/// An account operation's failure as a page: a missing record is 404,
/// refused input 400 with its reason, anything else a server error.
pub(crate) fn account_error(e: crate::accounts::users::AccountError) -> HtmlError {
    use crate::accounts::users::AccountError;
    match e {
        AccountError::NotFound => HtmlError(Error::NotFound),
        AccountError::Invalid(why) => HtmlError(Error::InvalidRequest(why.into())),
        AccountError::Store(e) => HtmlError(e.into()),
        other => HtmlError(Error::internal(other)),
    }
}

/// A domain error shown to a person as a page.
#[derive(Debug)]
pub(crate) struct HtmlError(pub(crate) Error);

impl std::fmt::Display for HtmlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl From<Error> for HtmlError {
    fn from(e: Error) -> Self {
        HtmlError(e)
    }
}

impl From<crate::accounts::users::AccountError> for HtmlError {
    fn from(e: crate::accounts::users::AccountError) -> Self {
        account_error(e)
    }
}

impl From<crate::oauth::StoreError> for HtmlError {
    fn from(e: crate::oauth::StoreError) -> Self {
        HtmlError(e.into())
    }
}

impl ResponseError for HtmlError {
    fn status_code(&self) -> StatusCode {
        self.0.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let title = match status.as_u16() {
            400 => "Bad request",
            401 => "Not signed in",
            403 => "Forbidden",
            404 => "Not found",
            405 => "Method not allowed",
            413 => "Too large",
            429 => "Too many attempts",
            503 => "Temporarily unavailable",
            _ => "Something went wrong",
        };
        let detail = match &self.0 {
            Error::Internal(cause) => {
                log::error!("internal error: {cause}");
                "The server could not complete the request. Please try again later.".to_owned()
            }
            Error::Unavailable(cause) => {
                log::error!("{cause}");
                "The server cannot reach its database just now. Please try again in a moment."
                    .to_owned()
            }
            other => other.description().into_owned(),
        };
        let mut response = page(status, pages::error(status.as_u16(), title, &detail));
        if let Error::Throttled(after) = &self.0 {
            if let Ok(value) = header::HeaderValue::from_str(&after.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        if let Error::Unavailable(_) = &self.0 {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                header::HeaderValue::from_static(crate::error::RETRY_WHEN_UNAVAILABLE),
            );
        }
        response
    }
}
