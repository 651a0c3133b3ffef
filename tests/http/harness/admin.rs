//! The seed and helpers for the admin pages and the application flags an
//! administrator sets: an administrator `root`, four ordinary people and a
//! few clients; posting admin forms; reading links and text off pages.

use reqwest::blocking::Response;
use serde_json::Value;

use super::*;

/// The redirect URI of applications made in the developer dashboard here.
pub(crate) const ALBUM_CB: &str = "https://album.example/cb";

/// The seed for the admin tests: `root` is the only administrator; alice,
/// bob, carol and dave are ordinary people (password `<name>-password`).
/// `webapp` has a name, `nameless` has none; `service` makes client tokens.
pub(crate) fn admin_seed() -> String {
    let person = |name: &str, admin: bool| {
        serde_json::json!({
            "username": name, "password": format!("{name}-password"),
            "email": format!("{name}@example.org"), "admin": admin
        })
    };
    serde_json::json!({
        "users": [
            person("root", true),
            person("alice", false),
            person("bob", false),
            person("carol", false),
            person("dave", false)
        ],
        "clients": [
            {"client_id": "webapp", "client_secret": "webapp-secret", "client_name": "Web App",
             "redirect_uris": ["http://127.0.0.1:9000/cb"],
             "grant_types": ["authorization_code", "refresh_token"],
             "scope": "openid profile email read write"},
            {"client_id": "nameless", "client_secret": "nameless-secret",
             "redirect_uris": ["http://127.0.0.1:9400/cb"],
             "grant_types": ["authorization_code"], "scope": "read"},
            {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "client_name": "Service",
             "grant_types": ["client_credentials"], "scope": "read"}
        ],
        "scopes": [
            {"name": "read", "description": "Read your data", "default": true},
            {"name": "write", "description": "Change your data"}
        ]
    })
    .to_string()
}

/// A server with the admin seed and the default configuration (sign-up
/// closed, registration by token).
pub(crate) fn admin_server() -> TestServer {
    TestServer::start_with(&admin_seed(), |_| {})
}

/// The CSRF token of a page the browser can see.
pub(crate) fn csrf_from(server: &TestServer, browser: &Browser, path: &str) -> String {
    Browser::csrf(&html_page(browser.get(&server.url(path)), 200))
}

/// POSTs an admin form as `browser`, with the CSRF token of the admin page.
pub(crate) fn admin_post(
    server: &TestServer,
    browser: &Browser,
    path: &str,
    fields: &[(&str, &str)],
) -> Response {
    let csrf = csrf_from(server, browser, "/admin");
    let mut form = vec![("csrf_token", csrf.as_str())];
    form.extend_from_slice(fields);
    browser.post_form(&server.url(path), &form)
}

/// Asserts the admin's answer to a change: 303 back to an admin page
/// (`/admin/users`, `/admin/apps`, …) with `?done=…`.
pub(crate) fn assert_done(server: &TestServer, response: &Response) {
    assert_eq!(response.status(), 303, "the change was not accepted");
    let target = location(response);
    assert!(
        target.starts_with(&server.url("/admin")) && target.contains("?done="),
        "redirected to {target}"
    );
}

/// Signs root in and POSTs an admin form; asserts the 303 back with `?done=…`.
pub(crate) fn as_root(server: &TestServer, path: &str, fields: &[(&str, &str)]) {
    let root = Browser::signed_in(server, "root");
    let response = admin_post(server, &root, path, fields);
    if response.status() != 303 {
        panic!(
            "{path} answered {}: {}",
            response.status(),
            response.text().unwrap()
        );
    }
    assert_done(server, &response);
}

/// Sets exactly these flags of an application as root (`name_approved`,
/// `verified`, `hide_owner`, `skip_consent`, `password_allowed`); every
/// flag not named is sent unchecked, that is, absent.
pub(crate) fn set_flags(server: &TestServer, client_id: &str, flags: &[&str]) {
    let fields: Vec<(&str, &str)> = flags.iter().map(|f| (*f, "on")).collect();
    as_root(server, &format!("/admin/apps/{client_id}/flags"), &fields);
}

/// Sets the sign-up and registration policies as root.
pub(crate) fn set_policies(server: &TestServer, signup: &str, registration: &str) {
    as_root(
        server,
        "/admin/settings",
        &[("signup", signup), ("registration", registration)],
    );
}

/// Introspects a token with `webapp`'s credentials.
pub(crate) fn introspect_as_webapp(server: &TestServer, token: &str) -> Value {
    json(
        server.post_basic(
            "/oauth/introspect",
            "webapp",
            "webapp-secret",
            &[("token", token)],
        ),
        200,
    )
}

/// Signs `username` in, gets `webapp` tokens for `read`; answers the
/// access token and the user's `sub` from its introspection.
pub(crate) fn access_and_sub(server: &TestServer, username: &str) -> (String, String) {
    let tokens = tokens_for(server, "webapp", username, "read");
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let info = introspect_as_webapp(server, &access);
    assert_eq!(info["active"], true, "{info}");
    let sub = info["sub"]
        .as_str()
        .unwrap_or_else(|| panic!("no sub in {info}"))
        .to_owned();
    (access, sub)
}

/// The numeric id of a person, from a token's introspection.
pub(crate) fn sub_of(server: &TestServer, username: &str) -> String {
    access_and_sub(server, username).1
}

/// A sign-in attempt in a fresh browser; answers the response.
pub(crate) fn try_sign_in(server: &TestServer, username: &str, password: &str) -> Response {
    let browser = Browser::new();
    let csrf = csrf_from(server, &browser, "/login");
    browser.post_form(
        &server.url("/login"),
        &[
            ("csrf_token", &csrf),
            ("username", username),
            ("password", password),
        ],
    )
}

/// Asserts a sign-in is refused with the sign-in page's usual words.
pub(crate) fn assert_sign_in_refused(server: &TestServer, username: &str, password: &str) {
    let response = try_sign_in(server, username, password);
    let status = response.status().as_u16();
    let page = response.text().unwrap();
    assert_ne!(status, 303, "{username} signed in with {password}");
    assert!(page.contains("Wrong username or password"), "{page}");
}

/// Creates an application in the developer dashboard; answers (client_id, secret).
pub(crate) fn dashboard_app(
    server: &TestServer,
    browser: &Browser,
    fields: &[(&str, &str)],
) -> (String, Option<String>) {
    let csrf = csrf_from(server, browser, "/developer/apps/new");
    let mut form = vec![("csrf_token", csrf.as_str())];
    form.extend_from_slice(fields);
    let page = html_page(
        browser.post_form(&server.url("/developer/apps"), &form),
        201,
    );
    let id = text_between(&page, "id=\"client_id\">", "<")
        .unwrap_or_else(|| panic!("no client_id on: {page}"));
    let secret = text_between(&page, "id=\"client_secret\">", "<");
    (id, secret)
}

/// An application `owner` makes in the dashboard for browser sign-in,
/// redirecting to [`ALBUM_CB`]; answers its client_id.
pub(crate) fn album_app(server: &TestServer, owner: &str, name: &str) -> String {
    let browser = Browser::signed_in(server, owner);
    dashboard_app(
        server,
        &browser,
        &[
            ("name", name),
            ("type", "confidential"),
            ("grant_types", "authorization_code"),
            ("redirect_uris", ALBUM_CB),
        ],
    )
    .0
}

/// The text between the first `start` and the next `end` after it.
pub(crate) fn text_between(page: &str, start: &str, end: &str) -> Option<String> {
    let at = page.find(start)? + start.len();
    Some(page[at..at + page[at..].find(end)?].to_owned())
}

/// The path of a link on a page that begins with `prefix` (such as
/// `/reset?token=`), whether written as a path or an absolute URL.
pub(crate) fn link_path(page: &str, prefix: &str) -> String {
    let at = page
        .find(prefix)
        .unwrap_or_else(|| panic!("no link {prefix}… on: {page}"));
    let rest = &page[at..];
    let end = rest
        .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>'))
        .unwrap_or(rest.len());
    unescape(&rest[..end])
}

/// The words a person reads on a page: tags removed, entities undone,
/// runs of white space made one space.
pub(crate) fn visible_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                text.push(' ');
            }
            '>' if in_tag => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    unescape(&text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether some element of the page has `class` among its classes.
pub(crate) fn has_class(html: &str, class: &str) -> bool {
    let mut rest = html;
    while let Some(at) = rest.find("class=") {
        rest = &rest[at + "class=".len()..];
        let value = match rest.chars().next() {
            Some(quote @ ('"' | '\'')) => {
                let inner = &rest[1..];
                &inner[..inner.find(quote).unwrap_or(inner.len())]
            }
            _ => {
                &rest[..rest
                    .find(|c: char| c.is_whitespace() || c == '>')
                    .unwrap_or(rest.len())]
            }
        };
        if value.split_whitespace().any(|c| c == class) {
            return true;
        }
    }
    false
}

/// The table row (or list item) of a page that contains `needle`.
pub(crate) fn row_with<'a>(page: &'a str, needle: &str) -> &'a str {
    let at = page
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} is not on: {page}"));
    for (tag, close) in [("tr", "</tr>"), ("li", "</li>")] {
        let start = [format!("<{tag}>"), format!("<{tag} ")]
            .iter()
            .filter_map(|open| page[..at].rfind(open.as_str()))
            .max();
        let end = page[at..].find(close).map(|e| at + e);
        if let (Some(start), Some(end)) = (start, end) {
            // The nearest opening before must not be closed before `needle`.
            if !page[start..at].contains(close) {
                return &page[start..end];
            }
        }
    }
    panic!("{needle} is in no table row or list item on: {page}");
}

/// An authorization-code request (with PKCE and state `xyz`) in a browser.
pub(crate) fn ask(
    server: &TestServer,
    browser: &Browser,
    client_id: &str,
    redirect_uri: &str,
) -> Response {
    let pkce = Pkce::new();
    browser.authorize(
        server,
        &[
            ("response_type", "code"),
            ("client_id", client_id),
            ("redirect_uri", redirect_uri),
            ("scope", "read"),
            ("state", "xyz"),
            ("code_challenge", &pkce.challenge),
            ("code_challenge_method", "S256"),
        ],
    )
}

/// The consent page `username` sees for an application; asserts it is one.
pub(crate) fn consent_page(
    server: &TestServer,
    username: &str,
    client_id: &str,
    redirect_uri: &str,
) -> String {
    let browser = Browser::signed_in(server, username);
    let page = html_page(ask(server, &browser, client_id, redirect_uri), 200);
    form_with_action(&page, "/oauth/authorize");
    page
}
