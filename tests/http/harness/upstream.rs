//! Two Gatehouse instances: U plays the provider people sign in through
//! (at 127.0.0.2, so that the two servers' cookies never mix in one
//! browser), D signs them in through it (at 127.0.0.1). D names U twice: as
//! an OpenID Connect issuer (`up`) and as a plain OAuth 2.0 provider
//! (`plain`, whose user-info URL is U's Skritter-dialect `/api/v0/users/me`,
//! which any access token reads without `openid`, as GitHub's `/user` does).

use gatehouse::accounts::signup::Signup;
use gatehouse::accounts::upstream::ProviderConfig;
use reqwest::blocking::Response;

use super::*;

/// D's client at U.
pub(crate) const DOWN_CLIENT: &str = "downstream";
pub(crate) const DOWN_SECRET: &str = "downstream-secret";

/// U's people: bob signs in through U; carol is a second person there,
/// with the address D's alice has.
pub(crate) fn upstream_seed() -> String {
    serde_json::json!({
        "users": [
            {"username": "bob", "password": "bob-password", "email": "bob@example.org",
             "name": "Bob Upstream"},
            // carol's address at U is alice's at D: it must link nothing.
            {"username": "carol", "password": "carol-password", "email": "alice@example.org"}
        ],
        "clients": [
            {"client_id": DOWN_CLIENT, "client_secret": DOWN_SECRET, "client_name": "Downstream",
             // Loopback redirect URIs may vary the port (RFC 8252 §7.3): D's
             // ephemeral port needs no registration of its own.
             "redirect_uris": ["http://127.0.0.1/login/upstream/up/callback",
                               "http://127.0.0.1/login/upstream/plain/callback"],
             "grant_types": ["authorization_code"],
             "token_endpoint_auth_method": "client_secret_basic",
             "scope": "openid profile email"}
        ]
    })
    .to_string()
}

/// D's application, for the ID tokens D issues after an upstream sign-in.
pub(crate) const DOWN_APP: &str = "app";
const DOWN_APP_SECRET: &str = "app-secret";
const DOWN_APP_REDIRECT: &str = "http://127.0.0.1:9000/cb";

/// D's people: alice (an admin) has an account with a password; dora also has an
/// authenticator app (key [`CAROL_TOTP`]).
fn downstream_seed() -> String {
    serde_json::json!({
        "users": [{"username": "alice", "password": "alice-password", "email": "alice@example.org",
                   "admin": true},
                  {"username": "dora", "password": "dora-password", "totp_secret": CAROL_TOTP}],
        "clients": [{"client_id": DOWN_APP, "client_secret": DOWN_APP_SECRET,
                     "redirect_uris": [DOWN_APP_REDIRECT], "grant_types": ["authorization_code"],
                     "scope": "openid profile"}]
    })
    .to_string()
}

/// U and D, with D's sign-up policy.
pub(crate) struct Federation {
    pub(crate) up: TestServer,
    pub(crate) down: TestServer,
}

/// The `[[upstream]]` tables D runs with, pointing at U's `base`.
pub(crate) fn providers_at(base: &str) -> Vec<ProviderConfig> {
    let oidc = serde_json::json!({
        "name": "up", "label": "Upstream", "issuer": base,
        "client_id": DOWN_CLIENT, "client_secret": DOWN_SECRET,
    });
    let plain = serde_json::json!({
        "name": "plain", "label": "Plain OAuth",
        "authorization_url": format!("{base}/oauth/authorize"),
        "token_url": format!("{base}/oauth/token"),
        "userinfo_url": format!("{base}/api/v0/users/me"),
        "client_id": DOWN_CLIENT, "client_secret": DOWN_SECRET,
        "scope": "profile", "token_endpoint_auth_method": "client_secret_post",
    });
    [oidc, plain]
        .iter()
        .map(|p| ProviderConfig::parse(&p.to_string()).unwrap())
        .collect()
}

impl Federation {
    /// Starts U, then D with `signup` and U as its two providers.
    pub(crate) fn start(signup: Signup) -> Self {
        let up = TestServer::start_with(&upstream_seed(), |c| {
            c.addr = "127.0.0.2:0".parse().unwrap();
            c.dialects = vec!["skritter".parse().unwrap()];
        });
        let providers = providers_at(&up.base);
        let down = TestServer::start_with(&downstream_seed(), move |c| {
            c.signup = signup;
            c.upstreams = providers;
        });
        Federation { up, down }
    }

    /// Sends `browser` from D's `/login/upstream/{name}` (with `next`) to U,
    /// signs `person` in there when U asks, allows on U's consent page,
    /// and answers U's redirect back to D (not followed yet).
    pub(crate) fn to_callback(
        &self,
        browser: &Browser,
        name: &str,
        person: &str,
        next: &str,
    ) -> String {
        let start = browser.get(&format!(
            "{}/login/upstream/{name}?next={}",
            self.down.base,
            url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        ));
        assert_eq!(start.status().as_u16(), 302, "{}", start.text().unwrap());
        self.through_upstream(browser, &location(&start), person)
    }

    /// Follows an authorization URL at U as `person`; answers the callback URL.
    pub(crate) fn through_upstream(
        &self,
        browser: &Browser,
        authorize: &str,
        person: &str,
    ) -> String {
        through_upstream_at(browser, &self.up.base, &self.down.base, authorize, person)
    }

    /// The whole round: answers D's response to the callback.
    pub(crate) fn sign_in_through(&self, browser: &Browser, name: &str, person: &str) -> Response {
        let back = self.to_callback(browser, name, person, "/account");
        browser.get(&back)
    }

    /// The claims of the ID token D issues to its application for the
    /// person signed in at D in `browser` (consenting when asked).
    pub(crate) fn id_token_at_down(&self, browser: &Browser) -> Value {
        let pkce = Pkce::new();
        let query = [
            ("response_type", "code"),
            ("client_id", DOWN_APP),
            ("redirect_uri", DOWN_APP_REDIRECT),
            ("scope", "openid profile"),
            ("state", "s"),
            ("nonce", "n"),
            ("code_challenge", pkce.challenge.as_str()),
            ("code_challenge_method", "S256"),
        ];
        let mut response = browser.authorize_at(&self.down.base, &query);
        if response.status().as_u16() == 200 {
            let page = response.text().unwrap();
            response = browser.decide_at(&self.down.base, &page, "allow");
        }
        let code = query_of(&location(&response))["code"].clone();
        let tokens = json(
            self.down.post_basic(
                "/oauth/token",
                DOWN_APP,
                DOWN_APP_SECRET,
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", DOWN_APP_REDIRECT),
                    ("code_verifier", &pkce.verifier),
                ],
            ),
            200,
        );
        jwt_claims(tokens["id_token"].as_str().unwrap())
    }

    /// The username D's `/account` page shows as signed in, or `None` when
    /// it sends the browser to sign in.
    pub(crate) fn signed_in_at_down(&self, browser: &Browser) -> Option<String> {
        let response = browser.get(&self.down.url("/account"));
        if response.status().is_redirection() {
            return None;
        }
        let page = html_page(response, 200);
        let rest = page.split("id=\"username\">").nth(1)?;
        Some(unescape(rest.split('<').next()?))
    }
}

/// Follows an authorization URL at the provider `up` as `person` (signing
/// in and consenting when asked); answers the callback URL at `down`.
pub(crate) fn through_upstream_at(
    browser: &Browser,
    up: &str,
    down: &str,
    authorize: &str,
    person: &str,
) -> String {
    assert!(
        authorize.starts_with(&format!("{up}/oauth/authorize?")),
        "{authorize}"
    );
    let mut response = browser.get(authorize);
    if response.status().as_u16() == 302 && location(&response).contains("/login") {
        browser.login_at(up, person, &format!("{person}-password"));
        response = browser.get(authorize);
    }
    if response.status().as_u16() == 200 {
        let page = response.text().unwrap();
        response = browser.decide_at(up, &page, "allow");
    }
    assert!(response.status().is_redirection(), "{}", response.status());
    let back = location(&response);
    assert!(
        back.starts_with(&format!("{down}/login/upstream/")),
        "{back}"
    );
    back
}
