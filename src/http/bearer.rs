//! Reading a bearer token from a request (RFC 6750 §2): the
//! `Authorization: Bearer` header (scheme in any case), the form body's
//! `access_token`, or the query's. Using more than one is `invalid_request`.

use actix_web::http::header;
use actix_web::HttpRequest;

use super::form::decode;
use crate::error::Error;

/// The one bearer token a request carries.
pub(crate) fn token(req: &HttpRequest, body: &[u8]) -> Result<String, Error> {
    token_named(req, body, &[], &[])
}

/// The same, also accepting the parameter names a dialect adds (`bearer_token`).
pub(crate) fn token_named(
    req: &HttpRequest,
    body: &[u8],
    extra: &[&str],
    schemes: &[&str],
) -> Result<String, Error> {
    let mut found: Vec<String> = Vec::new();
    for value in req.headers().get_all(header::AUTHORIZATION) {
        let value = value.to_str().map_err(|_| malformed())?.trim();
        // The scheme, then any amount of whitespace (Piictu's sample has
        // two spaces after `OAuth`), then the token.
        if let Some(at) = value.find(|c: char| c.is_ascii_whitespace()) {
            let (scheme, token) = (&value[..at], value[at..].trim());
            let known = scheme.eq_ignore_ascii_case("bearer")
                || schemes.iter().any(|s| scheme.eq_ignore_ascii_case(s));
            if known && !token.is_empty() {
                found.push(token.to_owned());
                continue;
            }
        }
        return Err(malformed());
    }
    let from_pairs = |pairs: Vec<(String, String)>| -> Vec<String> {
        pairs
            .into_iter()
            .filter(|(k, v)| (k == "access_token" || extra.contains(&k.as_str())) && !v.is_empty())
            .map(|(_, v)| v)
            .collect()
    };
    found.extend(from_pairs(decode(req.query_string().as_bytes())));
    let form_body = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    if form_body && req.method() != actix_web::http::Method::GET {
        found.extend(from_pairs(decode(body)));
    }
    match found.len() {
        0 => Err(Error::MissingToken),
        1 => Ok(found.remove(0)),
        _ => Err(Error::InvalidRequest(
            "the access token was sent in more than one way".into(),
        )),
    }
}

fn malformed() -> Error {
    Error::InvalidRequest("the Authorization header is not a Bearer token".into())
}
