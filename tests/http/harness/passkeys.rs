//! Passkeys in tests: a server reached as `http://localhost:PORT` (WebAuthn
//! refuses IP addresses as the relying party), and Chromium's virtual
//! authenticator, added through the WebDriver WebAuthn extension
//! (WebAuthn Level 2 §11), which holds discoverable credentials and
//! verifies its user.

use fantoccini::wd::WebDriverCompatibleCommand;
use serde_json::{json, Value};

use super::*;

/// A people-seed server whose issuer is `http://localhost:PORT`; its
/// `base` (and so `url`) uses that name too.
pub(crate) fn localhost_server(tweak: impl FnOnce(&mut Config)) -> TestServer {
    // Bind to learn a free port, then let the server take it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = TestServer::start_with(&people_seed(), |config| {
        config.addr = format!("127.0.0.1:{port}").parse().unwrap();
        config.issuer = Some(format!("http://localhost:{port}"));
        tweak(config);
    });
    server.base = format!("http://localhost:{port}");
    server
}

/// One call of the WebDriver WebAuthn extension: a path under
/// `/session/{id}/webauthn/`, and a body to POST (none: GET).
#[derive(Debug)]
struct WebAuthnCommand {
    path: String,
    body: Option<Value>,
}

impl WebDriverCompatibleCommand for WebAuthnCommand {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/webauthn/{}",
            session_id.unwrap_or_default(),
            self.path
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        match &self.body {
            Some(body) => (http::Method::POST, Some(body.to_string())),
            None => (http::Method::GET, None),
        }
    }
}

impl Chrome {
    fn webauthn(&self, path: String, body: Option<Value>) -> Value {
        self.run_command(WebAuthnCommand { path, body })
    }

    /// Adds a virtual platform authenticator that keeps discoverable
    /// credentials and verifies its user (a device with a screen lock);
    /// answers its id.
    pub(crate) fn add_authenticator(&self) -> String {
        let answer = self.webauthn(
            "authenticator".into(),
            Some(json!({
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": true,
                "hasUserVerification": true,
                "isUserConsenting": true,
                "isUserVerified": true,
            })),
        );
        answer
            .as_str()
            .unwrap_or_else(|| panic!("no authenticator id in {answer}"))
            .to_owned()
    }

    /// The credentials the virtual authenticator `id` holds.
    pub(crate) fn authenticator_credentials(&self, id: &str) -> Vec<Value> {
        let answer = self.webauthn(format!("authenticator/{id}/credentials"), None);
        answer.as_array().cloned().unwrap_or_default()
    }
}
