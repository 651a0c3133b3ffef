//! The form body of an OAuth endpoint (RFC 6749 §3.2, Appendix B): it must be
//! `application/x-www-form-urlencoded`, at most 64 KiB, and name no
//! parameter twice (§3.1). A parameter with an empty value counts as absent.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};

use super::page::HtmlError;
use crate::error::Error;

/// The largest body an OAuth endpoint reads.
pub(crate) const BODY_LIMIT: usize = 64 * 1024;

/// The decoded parameters of a form body.
pub(crate) struct OAuthForm {
    params: Vec<(String, String)>,
    json: bool,
}

impl OAuthForm {
    /// The value of a parameter, `None` when absent or empty.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// The value of a required parameter.
    pub(crate) fn required(&self, name: &str) -> Result<&str, Error> {
        self.get(name)
            .ok_or_else(|| Error::InvalidRequest(format!("missing parameter `{name}`").into()))
    }

    /// Every pair, in order.
    pub(crate) fn pairs(&self) -> &[(String, String)] {
        &self.params
    }

    /// Parses a body, refusing repeated parameters.
    pub(crate) fn parse(body: &[u8]) -> Result<Self, Error> {
        Self::from_pairs(decode(body))
    }

    /// Takes decoded pairs (a multipart body's, say), refusing repeats.
    pub(crate) fn from_pairs(params: Vec<(String, String)>) -> Result<Self, Error> {
        if let Some(k) = first_repeated(&params) {
            return Err(Error::InvalidRequest(
                format!("parameter `{k}` is repeated").into(),
            ));
        }
        Ok(OAuthForm {
            params,
            json: false,
        })
    }

    /// Reads a JSON object of scalars as parameters (Doorkeeper's token
    /// endpoint takes one); a nested value is `invalid_request`.
    pub(crate) fn parse_json(body: &[u8]) -> Result<Self, Error> {
        let bad = || Error::InvalidRequest("the JSON body must be an object of strings".into());
        let serde_json::Value::Object(map) = serde_json::from_slice(body).map_err(|_| bad())?
        else {
            return Err(bad());
        };
        let mut params = Vec::with_capacity(map.len());
        for (k, v) in map {
            let value = match v {
                serde_json::Value::String(s) => s,
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => b.to_string(),
                serde_json::Value::Null => continue,
                _ => return Err(bad()),
            };
            params.push((k, value));
        }
        Ok(OAuthForm { params, json: true })
    }

    /// Whether the parameters came as JSON rather than a form.
    pub(crate) fn is_json(&self) -> bool {
        self.json
    }
}

/// The first parameter name that occurs twice, found in one pass (a 64 KiB
/// body of distinct names costs a few thousand hash lookups, not 10⁸
/// comparisons).
pub(crate) fn first_repeated(pairs: &[(String, String)]) -> Option<&str> {
    let mut seen = std::collections::HashSet::with_capacity(pairs.len());
    pairs
        .iter()
        .map(|(k, _)| k.as_str())
        .find(|k| !seen.insert(*k))
}

/// Decodes `application/x-www-form-urlencoded` pairs, repeats included.
pub(crate) fn decode(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn too_large() -> Error {
    Error::PayloadTooLarge("the request body is larger than 64 KiB".into())
}

/// Reads a form body: checks the content type and the size, refuses repeats.
fn read(
    req: &HttpRequest,
    payload: &mut Payload,
) -> Pin<Box<dyn Future<Output = Result<OAuthForm, Error>>>> {
    let body = read_body(req, payload, false);
    Box::pin(async move { OAuthForm::parse(&body.await?.0) })
}

/// A body being read: its bytes, and whether they are JSON.
type BodyFuture = Pin<Box<dyn Future<Output = Result<(web::Bytes, bool), Error>>>>;

/// Reads a form body's bytes after checking its content type and size.
/// With `allow_json`, an `application/json` body is read too; the answer
/// says whether it was JSON.
fn read_body(req: &HttpRequest, payload: &mut Payload, allow_json: bool) -> BodyFuture {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    let declared_length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let payload = web::Payload::from_request(req, payload);
    Box::pin(async move {
        if declared_length.is_some_and(|n| n > BODY_LIMIT) {
            return Err(too_large());
        }
        let json = allow_json && content_type.as_deref() == Some("application/json");
        if content_type.as_deref() != Some("application/x-www-form-urlencoded") && !json {
            return Err(Error::InvalidRequest(
                "the body must be application/x-www-form-urlencoded".into(),
            ));
        }
        let payload = payload
            .await
            .map_err(|_| Error::InvalidRequest("the request body could not be read".into()))?;
        let body = payload
            .to_bytes_limited(BODY_LIMIT)
            .await
            .map_err(|_| too_large())?
            .map_err(|_| Error::InvalidRequest("the request body could not be read".into()))?;
        Ok((body, json))
    })
}

/// The token endpoint's body: a form, or a JSON object when the server
/// speaks a dialect whose clients send one (the handler then checks that
/// the client is one of them).
pub(crate) struct TokenForm(pub(crate) OAuthForm);

impl FromRequest for TokenForm {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let allow_json = req
            .app_data::<web::Data<super::state::AppState>>()
            .is_some_and(|s| !s.provider.hooks.json_token_requests.is_empty());
        let body = read_body(req, payload, allow_json);
        Box::pin(async move {
            let (body, json) = body.await?;
            let form = if json {
                OAuthForm::parse_json(&body)?
            } else {
                OAuthForm::parse(&body)?
            };
            Ok(TokenForm(form))
        })
    }
}

impl FromRequest for OAuthForm {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        read(req, payload)
    }
}

/// A form posted by a person's browser: the same rules, errors shown as pages.
pub(crate) struct PageForm(pub(crate) OAuthForm);

impl FromRequest for PageForm {
    type Error = HtmlError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, HtmlError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let form = read(req, payload);
        Box::pin(async move { form.await.map(PageForm).map_err(HtmlError) })
    }
}

/// A browser's form whose fields may repeat (checkboxes), errors as pages.
pub(crate) struct MultiForm(pub(crate) Vec<(String, String)>);

impl MultiForm {
    /// The first value of a field, `None` when absent or empty.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// Every value of a field.
    pub(crate) fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

impl FromRequest for MultiForm {
    type Error = HtmlError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, HtmlError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_body(req, payload, false);
        Box::pin(async move { Ok(MultiForm(decode(&body.await.map_err(HtmlError)?.0))) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_decoded_and_empty_ones_are_absent() {
        let f = OAuthForm::parse(b"grant_type=client_credentials&scope=a+b%20c&state=").unwrap();
        assert_eq!(f.get("grant_type"), Some("client_credentials"));
        assert_eq!(f.get("scope"), Some("a b c"));
        assert_eq!(f.get("state"), None);
        assert!(f.required("state").is_err());
    }

    #[test]
    fn the_first_repeated_name_is_found_in_a_large_body() {
        let mut body: String = (0..8000).map(|i| format!("k{i}=v&")).collect();
        assert!(OAuthForm::parse(body.as_bytes()).is_ok());
        body.push_str("k17=again");
        let e = OAuthForm::parse(body.as_bytes()).err().unwrap();
        assert!(e.description().contains("`k17`"), "{}", e.description());
    }

    #[test]
    fn a_repeated_parameter_is_invalid_request() {
        let e = OAuthForm::parse(b"scope=a&scope=b").err().unwrap();
        assert_eq!(e.code(), "invalid_request");
    }
}
