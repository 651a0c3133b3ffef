//! A person's browser: a cookie jar that never follows redirects.

use reqwest::blocking::{Client, Response};
use serde_json::Value;

use super::*;

/// A person's browser: keeps cookies, never follows redirects.
pub(crate) struct Browser {
    pub(crate) http: Client,
    jar: std::sync::Arc<reqwest::cookie::Jar>,
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

impl Browser {
    /// A browser with an empty cookie jar.
    pub(crate) fn new() -> Self {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let http = Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        Browser { http, jar }
    }

    /// A browser in which `username` has signed in (password `<username>-password`).
    pub(crate) fn signed_in(server: &TestServer, username: &str) -> Self {
        let browser = Self::new();
        browser.login(server, username, &format!("{username}-password"));
        browser
    }

    /// A browser in which `username` has signed in with `password`.
    pub(crate) fn signed_in_as(server: &TestServer, username: &str, password: &str) -> Self {
        let browser = Self::new();
        browser.login(server, username, password);
        browser
    }

    /// GETs a URL.
    pub(crate) fn get(&self, url: &str) -> Response {
        self.http.get(url).send().unwrap()
    }

    /// POSTs a form to a URL.
    pub(crate) fn post_form(&self, url: &str, form: &[(&str, &str)]) -> Response {
        self.http.post(url).form(form).send().unwrap()
    }

    /// The value of the cookie `name` this browser would send to `url`.
    pub(crate) fn cookie(&self, url: &str, name: &str) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let header = self.jar.cookies(&url::Url::parse(url).unwrap())?;
        header
            .to_str()
            .unwrap()
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_owned())
    }

    /// The CSRF token a page's form carries (`name="csrf_token" value="…"`).
    pub(crate) fn csrf(html: &str) -> String {
        hidden_value(html, "csrf_token").unwrap_or_else(|| panic!("no csrf_token in: {html}"))
    }

    /// Signs in through the sign-in form; asserts the 303.
    pub(crate) fn login(&self, server: &TestServer, username: &str, password: &str) {
        let page = html_page(self.get(&server.url("/login")), 200);
        let csrf = Self::csrf(&page);
        let response = self.post_form(
            &server.url("/login"),
            &[
                ("username", username),
                ("password", password),
                ("csrf_token", &csrf),
            ],
        );
        assert_eq!(
            response.status().as_u16(),
            303,
            "{}",
            response.text().unwrap()
        );
    }

    /// A GET authorization request with these query parameters.
    pub(crate) fn authorize(&self, server: &TestServer, query: &[(&str, &str)]) -> Response {
        self.http
            .get(server.url("/oauth/authorize"))
            .query(query)
            .send()
            .unwrap()
    }

    /// Submits the consent form of `consent_page` with `decision` (`allow`
    /// or `deny`), re-sending every hidden input of the form.
    pub(crate) fn decide(
        &self,
        server: &TestServer,
        consent_page: &str,
        decision: &str,
    ) -> Response {
        let form = form_with_action(consent_page, "/oauth/authorize");
        let mut fields = hidden_inputs(form);
        fields.push(("decision".to_owned(), decision.to_owned()));
        self.http
            .post(server.url("/oauth/authorize"))
            .form(&fields)
            .send()
            .unwrap()
    }
}

/// Runs an authorization-code request for `client` in a signed-in browser,
/// allowing on the consent page if one is shown; answers the code. Uses the
/// client's registered redirect URI and state `xyz`.
pub(crate) fn code_for(
    server: &TestServer,
    browser: &Browser,
    client: &str,
    scope: &str,
    pkce: Option<&Pkce>,
) -> String {
    let mut query = vec![
        ("response_type", "code"),
        ("client_id", client),
        ("scope", scope),
        ("state", "xyz"),
    ];
    if let Some(uri) = redirect_of(client) {
        query.push(("redirect_uri", uri));
    }
    if let Some(pkce) = pkce {
        query.push(("code_challenge", &pkce.challenge));
        query.push(("code_challenge_method", "S256"));
    }
    let response = browser.authorize(server, &query);
    let response = match response.status().as_u16() {
        200 => {
            let page = response.text().unwrap();
            browser.decide(server, &page, "allow")
        }
        302 | 303 => response,
        other => panic!("authorize answered {other}: {}", response.text().unwrap()),
    };
    let target = delivered_to(response);
    let params = query_of(&target);
    assert_eq!(
        params.get("state").map(String::as_str),
        Some("xyz"),
        "{target}"
    );
    params
        .get("code")
        .unwrap_or_else(|| panic!("no code in {target}"))
        .clone()
}

/// Where an authorization answer sends the browser: the `Location` of a
/// redirect, or (development mode, nothing listening there) the page's
/// "Go there anyway" link.
pub(crate) fn delivered_to(response: Response) -> String {
    if response.status().is_redirection() {
        return location(&response);
    }
    let page = html_page(response, 200);
    let link = elements(&page, "a")
        .into_iter()
        .find(|a| a.get("id").map(String::as_str) == Some("continue"))
        .unwrap_or_else(|| panic!("neither a redirect nor an undelivered answer: {page}"));
    unescape(&link["href"])
}

/// Signs `username` in, authorizes `client` for `scope` (with PKCE) and
/// exchanges the code; answers the token response.
pub(crate) fn tokens_for(server: &TestServer, client: &str, username: &str, scope: &str) -> Value {
    let browser = Browser::signed_in(server, username);
    let pkce = Pkce::new();
    let code = code_for(server, &browser, client, scope, Some(&pkce));
    json(
        exchange(
            server,
            client,
            &code,
            redirect_of(client),
            Some(&pkce.verifier),
        ),
        200,
    )
}

/// The space-separated tokens of a `scope` value, as a sorted list.
pub(crate) fn scope_set(scope: &Value) -> Vec<String> {
    let mut tokens: Vec<String> = scope
        .as_str()
        .unwrap_or_else(|| panic!("scope is not a string: {scope}"))
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    tokens.sort();
    tokens
}
