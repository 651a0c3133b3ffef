//! Redirect URIs: exact matching against the registered ones (with RFC 8252
//! §7.3's loopback port exception), and building authorization responses
//! in the query or the fragment with `state` and `iss` (RFC 9207).

use url::Url;

use super::client_metadata::OOB_REDIRECT;
use crate::error::{Error, Result};
use crate::store::ClientRecord;

/// Where an authorization response goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Destination {
    /// A verified redirect URI.
    Uri(Url),
    /// Show the result on a page for the person to copy.
    OutOfBand,
}

/// The verified redirect target of a request: where to go, and what the
/// request said (which the token request must repeat).
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// Where responses go.
    pub destination: Destination,
    /// The `redirect_uri` parameter as sent, if it was.
    pub requested: Option<String>,
}

fn is_loopback(url: &Url) -> bool {
    url.scheme() == "http"
        && matches!(
            url.host_str(),
            Some("127.0.0.1") | Some("[::1]") | Some("localhost")
        )
}

/// Whether `requested` matches `registered`: exactly, or for a loopback IP
/// redirect, exactly but for the port.
fn matches(registered: &str, requested: &str) -> bool {
    if registered == requested {
        return true;
    }
    let (Ok(reg), Ok(req)) = (Url::parse(registered), Url::parse(requested)) else {
        return false;
    };
    if !is_loopback(&reg) || !is_loopback(&req) {
        return false;
    }
    let (mut reg, mut req) = (reg, req);
    let _ = reg.set_port(None);
    let _ = req.set_port(None);
    reg == req
}

/// Verifies the `redirect_uri` of an authorization request for `client`.
/// A failure here must be shown to the person, never redirected.
pub fn verify(client: &ClientRecord, requested: Option<&str>) -> Result<Target> {
    let destination_of = |uri: &str| -> Result<Destination> {
        if uri == OOB_REDIRECT {
            return Ok(Destination::OutOfBand);
        }
        Url::parse(uri)
            .map(Destination::Uri)
            .map_err(|_| Error::InvalidRequest("redirect_uri is not a valid URI".into()))
    };
    match requested {
        Some(uri) => {
            if client.redirect_uris.iter().any(|r| matches(r, uri)) {
                Ok(Target {
                    destination: destination_of(uri)?,
                    requested: Some(uri.to_owned()),
                })
            } else {
                Err(Error::InvalidRequest(
                    "Please contact the website that sent you here and let them know that there is a problem with the Redirect URI. (redirect_uri is not registered for this client)".into(),
                ))
            }
        }
        None => match client.redirect_uris.as_slice() {
            [] => Ok(Target {
                destination: Destination::OutOfBand,
                requested: None,
            }),
            [only] => Ok(Target {
                destination: destination_of(only)?,
                requested: None,
            }),
            _ => Err(Error::InvalidRequest(
                "redirect_uri is required: the client registered several".into(),
            )),
        },
    }
}

/// A redirect URI the request chose that no registration names (a dialect's
/// legacy clients only): absolute http(s), without a fragment.
pub fn unregistered(uri: &str) -> Option<Target> {
    let url = Url::parse(uri).ok()?;
    let usable = matches!(url.scheme(), "http" | "https") && url.fragment().is_none();
    usable.then(|| Target {
        destination: Destination::Uri(url),
        requested: Some(uri.to_owned()),
    })
}

/// Where the parameters of a response travel (`response_mode`: OAuth 2.0
/// Multiple Response Type Encoding Practices §2.1 and the Form Post
/// Response Mode).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    /// In the query (the code flow's default).
    Query,
    /// In the fragment (the default whenever a token is in the answer).
    Fragment,
    /// In a form the browser posts to the redirect URI.
    FormPost,
}

impl Mode {
    /// The names `response_mode` accepts, as discovery lists them.
    pub const NAMES: [&'static str; 3] = ["query", "fragment", "form_post"];

    /// Parses a `response_mode` value.
    pub fn parse(raw: &str) -> Option<Mode> {
        match raw {
            "query" => Some(Mode::Query),
            "fragment" => Some(Mode::Fragment),
            "form_post" => Some(Mode::FormPost),
            _ => None,
        }
    }
}

/// An authorization response on its way to the client.
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    /// Send the browser here.
    Redirect(Url),
    /// Have the browser post these fields to `action` (Form Post Response Mode).
    FormPost {
        /// The redirect URI, as registered.
        action: Url,
        /// The response parameters, in order.
        fields: Vec<(String, String)>,
    },
}

/// Builds the response carrying `params`, then `state` and `iss`.
pub fn build(
    base: &Url,
    mode: Mode,
    params: &[(&str, &str)],
    state: Option<&str>,
    issuer: &str,
) -> Response {
    let mut url = base.clone();
    let all = params
        .iter()
        .copied()
        .chain(state.map(|s| ("state", s)))
        .chain(std::iter::once(("iss", issuer)));
    match mode {
        Mode::Query => {
            url.query_pairs_mut().extend_pairs(all);
        }
        Mode::Fragment => {
            let fragment = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(all)
                .finish();
            url.set_fragment(Some(&fragment));
        }
        Mode::FormPost => {
            return Response::FormPost {
                action: url,
                fields: all.map(|(k, v)| (k.to_owned(), v.to_owned())).collect(),
            };
        }
    }
    Response::Redirect(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(uris: &[&str]) -> ClientRecord {
        ClientRecord {
            client_id: "c".into(),
            secret_digest: None,
            client_name: None,
            redirect_uris: uris.iter().map(|s| s.to_string()).collect(),
            grant_types: vec![],
            response_types: vec![],
            token_endpoint_auth_method: "none".into(),
            scope: None,
            id_token_signed_response_alg: None,
            userinfo_signed_response_alg: None,
            post_logout_redirect_uris: vec![],
            owner: None,
            created_at: 0,
            registration_digest: None,
            dialect: None,
            dialect_legacy: false,
            access_token_ttl: None,
            allowed_groups: Vec::new(),
            description: None,
            client_uri: None,
            flags: Default::default(),
        }
    }

    #[test]
    fn only_exact_matches_pass() {
        let c = client(&["https://app.example/cb"]);
        assert!(verify(&c, Some("https://app.example/cb")).is_ok());
        for bad in [
            "https://app.example/cb/",
            "https://app.example/cb?x=1",
            "https://app.example:444/cb",
            "http://app.example/cb",
        ] {
            assert!(verify(&c, Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn loopback_redirects_may_change_the_port_only() {
        let c = client(&["http://127.0.0.1/callback"]);
        assert!(verify(&c, Some("http://127.0.0.1:53123/callback")).is_ok());
        assert!(verify(&c, Some("http://127.0.0.1:53123/other")).is_err());
        assert!(verify(&c, Some("http://127.0.0.2:53123/callback")).is_err());
    }

    #[test]
    fn an_omitted_redirect_uri_needs_exactly_one_registered() {
        let one = verify(&client(&["https://a/cb"]), None).unwrap();
        assert_eq!(one.requested, None);
        assert!(verify(&client(&["https://a/cb", "https://b/cb"]), None).is_err());
        assert_eq!(
            verify(&client(&[]), None).unwrap().destination,
            Destination::OutOfBand
        );
        assert_eq!(
            verify(&client(&[OOB_REDIRECT]), Some(OOB_REDIRECT))
                .unwrap()
                .destination,
            Destination::OutOfBand
        );
    }

    #[test]
    fn responses_carry_state_and_iss_in_query_or_fragment() {
        let base = Url::parse("https://a.example/cb?keep=1").unwrap();
        let redirect = |mode| match build(
            &base,
            mode,
            &[("code", "x")],
            Some("a b&c"),
            "https://id.example",
        ) {
            Response::Redirect(url) => url,
            other => panic!("{other:?}"),
        };
        let q = redirect(Mode::Query);
        assert_eq!(
            q.as_str(),
            "https://a.example/cb?keep=1&code=x&state=a+b%26c&iss=https%3A%2F%2Fid.example"
        );
        assert_eq!(
            redirect(Mode::Fragment).fragment(),
            Some("code=x&state=a+b%26c&iss=https%3A%2F%2Fid.example")
        );
    }

    #[test]
    fn a_form_post_keeps_the_redirect_uri_and_carries_every_field() {
        let base = Url::parse("https://a.example/cb?keep=1").unwrap();
        let answer = build(
            &base,
            Mode::FormPost,
            &[("code", "x")],
            Some("s"),
            "https://id",
        );
        let fields = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            answer,
            Response::FormPost {
                action: base.clone(),
                fields: fields(&[("code", "x"), ("state", "s"), ("iss", "https://id")]),
            }
        );
    }

    #[test]
    fn response_modes_parse_by_their_exact_names() {
        assert_eq!(Mode::parse("form_post"), Some(Mode::FormPost));
        assert_eq!(Mode::parse("query"), Some(Mode::Query));
        assert_eq!(Mode::parse("fragment"), Some(Mode::Fragment));
        assert_eq!(Mode::parse("FORM_POST"), None);
        assert_eq!(Mode::parse("jwt"), None);
    }
}
