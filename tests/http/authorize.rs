//! The authorization endpoint (RFC 6749 §3.1, §4.1.1, §4.2.1; RFC 9207 `iss`;
//! RFC 8252 loopback redirects): sign-in, consent, the answer and its errors.

use std::collections::HashMap;

use reqwest::blocking::Response;

use crate::harness::*;

const WEBAPP_CB: &str = "http://127.0.0.1:9000/cb";
const STATE: &str = "a b&c=d";

/// A webapp code request for `scope`, with the odd state.
fn webapp_query(scope: &str) -> Vec<(&str, &str)> {
    vec![
        ("response_type", "code"),
        ("client_id", "webapp"),
        ("redirect_uri", WEBAPP_CB),
        ("scope", scope),
        ("state", STATE),
    ]
}

/// The parameters of a redirect that starts with `target`, from its query or fragment.
fn redirected(response: &Response, target: &str, in_fragment: bool) -> HashMap<String, String> {
    let status = response.status().as_u16();
    assert!(matches!(status, 302 | 303), "status {status}");
    let to = location(response);
    let separator = if in_fragment { '#' } else { '?' };
    assert!(to.starts_with(&format!("{target}{separator}")), "{to}");
    if in_fragment {
        fragment_of(&to)
    } else {
        query_of(&to)
    }
}

/// Asserts an error page: 400 HTML and no redirect.
fn error_page(response: Response) {
    assert!(response.headers().get("location").is_none());
    html_page(response, 400);
}

#[test]
fn a_signed_out_request_goes_to_sign_in_and_back() {
    let server = people_server(|_| {});
    let browser = Browser::new();
    let query = webapp_query("read");
    let response = browser.authorize(&server, &query);
    assert_eq!(response.status().as_u16(), 302);
    let to = location(&response);
    assert!(to.starts_with(&server.url("/login?next=")), "{to}");
    let next = query_of(&to)["next"].clone();
    assert!(next.starts_with("/oauth/authorize?"), "{next}");
    let carried = query_of(&format!("http://x{next}"));
    for (k, v) in &query {
        assert_eq!(
            carried.get(*k).map(String::as_str),
            Some(*v),
            "{k} in {next}"
        );
    }
    let page = html_page(browser.get(&to), 200);
    let response = browser.post_form(
        &server.url("/login"),
        &[
            ("username", "alice"),
            ("password", "alice-password"),
            ("csrf_token", &Browser::csrf(&page)),
            ("next", &hidden_value(&page, "next").unwrap()),
        ],
    );
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(location(&response), server.url(&next));
    let consent = html_page(browser.get(&location(&response)), 200);
    assert!(consent.contains("Web App"));
}

#[test]
fn the_consent_page_shows_client_destination_and_scopes() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let query = webapp_query("read write messages:net.app.core.pm");
    let page = html_page(browser.authorize(&server, &query), 200);
    for text in [
        "Web App",
        "127.0.0.1:9000",
        "Read your data",
        "Change your data",
        "Send and read your private messages",
        "net.app.core.pm",
    ] {
        assert!(page.contains(text), "{text} missing: {page}");
    }
    let form = form_with_action(&page, "/oauth/authorize");
    let attrs = &elements(form, "form")[0];
    assert!(attrs["method"].eq_ignore_ascii_case("post"));
    assert_eq!(attrs["action"], server.url("/oauth/authorize"));
    let hidden = hidden_inputs(form);
    for (k, v) in &query {
        assert!(
            hidden.contains(&((*k).to_owned(), (*v).to_owned())),
            "{k}={v} not carried: {hidden:?}"
        );
    }
    assert!(!Browser::csrf(form).is_empty());
    let mut decisions: Vec<String> = ["button", "input"]
        .iter()
        .flat_map(|tag| elements(form, tag))
        .filter(|a| a.get("name").map(String::as_str) == Some("decision"))
        .map(|a| a["value"].clone())
        .collect();
    decisions.sort();
    assert_eq!(decisions, ["allow", "deny"]);
}

#[test]
fn allow_redirects_with_code_state_and_iss() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let page = html_page(browser.authorize(&server, &webapp_query("read")), 200);
    let response = browser.decide(&server, &page, "allow");
    assert_eq!(response.status().as_u16(), 303);
    let params = redirected(&response, WEBAPP_CB, false);
    assert!(!params["code"].is_empty());
    assert_eq!(params["state"], STATE);
    assert_eq!(params["iss"], server.base);
}

#[test]
fn deny_redirects_with_access_denied() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let page = html_page(browser.authorize(&server, &webapp_query("read")), 200);
    let response = browser.decide(&server, &page, "deny");
    assert_eq!(response.status().as_u16(), 303);
    let params = redirected(&response, WEBAPP_CB, false);
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["state"], STATE);
    assert_eq!(params["iss"], server.base);
    assert!(!params.contains_key("code"));
}

#[test]
fn a_post_authorization_request_works_like_a_get() {
    let server = people_server(|_| {});
    let browser = Browser::new();
    let query = webapp_query("read");
    let response = browser.post_form(&server.url("/oauth/authorize"), &query);
    assert_eq!(response.status().as_u16(), 303);
    assert!(location(&response).starts_with(&server.url("/login?next=")));
    browser.login(&server, "alice", "alice-password");
    let response = browser.post_form(&server.url("/oauth/authorize"), &query);
    let page = html_page(response, 200);
    assert!(page.contains("Web App"));
}

#[test]
fn consent_is_remembered_for_the_same_or_fewer_scopes() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let page = html_page(browser.authorize(&server, &webapp_query("read write")), 200);
    assert_eq!(
        browser.decide(&server, &page, "allow").status().as_u16(),
        303
    );
    for scope in ["read write", "read"] {
        let response = browser.authorize(&server, &webapp_query(scope));
        assert_eq!(response.status().as_u16(), 302, "{scope}");
        let params = redirected(&response, WEBAPP_CB, false);
        assert!(params.contains_key("code"));
        assert_eq!(params["iss"], server.base);
    }
    let wider = browser.authorize(&server, &webapp_query("read write messages"));
    html_page(wider, 200);
    let mut forced = webapp_query("read");
    forced.push(("prompt", "consent"));
    html_page(browser.authorize(&server, &forced), 200);
    // Another person has consented to nothing.
    let bob = Browser::signed_in(&server, "bob");
    html_page(bob.authorize(&server, &webapp_query("read")), 200);
}

#[test]
fn redirect_uri_may_be_omitted_when_one_is_registered() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let query = [
        ("response_type", "code"),
        ("client_id", "webapp"),
        ("state", "s"),
    ];
    let page = html_page(browser.authorize(&server, &query), 200);
    let params = redirected(&browser.decide(&server, &page, "allow"), WEBAPP_CB, false);
    assert!(params.contains_key("code"));
}

#[test]
fn a_loopback_redirect_uri_may_use_any_port_but_not_another_path() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let pkce = Pkce::new();
    let query = |uri| {
        vec![
            ("response_type", "code"),
            ("client_id", "native"),
            ("redirect_uri", uri),
            ("state", "s"),
            ("code_challenge", pkce.challenge.as_str()),
            ("code_challenge_method", "S256"),
        ]
    };
    let uri = "http://127.0.0.1:53123/callback";
    let page = html_page(browser.authorize(&server, &query(uri)), 200);
    let params = redirected(&browser.decide(&server, &page, "allow"), uri, false);
    let code = &params["code"];
    json(
        exchange(&server, "native", code, Some(uri), Some(&pkce.verifier)),
        200,
    );
    error_page(browser.authorize(&server, &query("http://127.0.0.1:53123/other")));
}

#[test]
fn a_bad_client_or_redirect_uri_gets_an_error_page_never_a_redirect() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    for query in [
        "response_type=code&client_id=webapp&redirect_uri=http://127.0.0.1:9000/elsewhere",
        "response_type=code&client_id=webapp&redirect_uri=https://evil.example/cb",
        "response_type=code&client_id=nobody&redirect_uri=http://127.0.0.1:9000/cb",
        "response_type=code&redirect_uri=http://127.0.0.1:9000/cb",
        "response_type=code&client_id=multi",
    ] {
        error_page(browser.authorize(&server, &pairs(query)));
    }
    // Each of multi's URIs works when named.
    let query = pairs("response_type=code&client_id=multi&redirect_uri=https://b.example/cb");
    html_page(browser.authorize(&server, &query), 200);
}

/// An authorization request for `client` at its registered redirect URI
/// with the odd state, plus `extra` (`k=v&k=v`).
fn ask(server: &TestServer, browser: &Browser, client: &str, extra: &str) -> Response {
    let mut query = vec![
        ("client_id", client),
        ("redirect_uri", redirect_of(client).unwrap()),
        ("state", STATE),
    ];
    query.extend(pairs(extra));
    browser.authorize(server, &query)
}

/// `k=v&k=v` as pairs (values needing no escaping).
fn pairs(query: &str) -> Vec<(&str, &str)> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .collect()
}

#[test]
fn other_errors_go_to_the_redirect_uri_with_state_and_iss() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let challenge = "code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    let plain = format!("response_type=code&{challenge}&code_challenge_method=plain");
    let no_method = format!("response_type=code&{challenge}");
    let cases = [
        ("webapp", "scope=read", "invalid_request"),
        ("webapp", "response_type=magic", "unsupported_response_type"),
        (
            "webapp",
            "response_type=code&scope=read bogus",
            "invalid_scope",
        ),
        ("spa", "response_type=code&scope=read", "invalid_request"),
        ("spa", plain.as_str(), "invalid_request"),
        ("spa", no_method.as_str(), "invalid_request"),
    ];
    for (client, extra, error) in cases {
        let response = ask(&server, &browser, client, extra);
        let params = redirected(&response, redirect_of(client).unwrap(), false);
        assert_eq!(params["error"], error, "{client} {extra}");
        assert_eq!(params["state"], STATE, "{client} {extra}");
        assert_eq!(params["iss"], server.base, "{client} {extra}");
        assert!(!params.contains_key("code"));
    }
    // A token request from a code-only client: the error is in the fragment.
    let response = ask(&server, &browser, "webapp", "response_type=token");
    let params = redirected(&response, WEBAPP_CB, true);
    assert_eq!(params["error"], "unauthorized_client");
    assert_eq!(params["state"], STATE);
    assert_eq!(params["iss"], server.base);
}

#[test]
fn the_implicit_grant_returns_the_token_in_the_fragment() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let cb = redirect_of("implicit").unwrap();
    let response = ask(
        &server,
        &browser,
        "implicit",
        "response_type=token&scope=read",
    );
    let page = html_page(response, 200);
    let response = browser.decide(&server, &page, "allow");
    assert_eq!(response.status().as_u16(), 303);
    assert!(!query_of(&location(&response)).contains_key("code"));
    let params = redirected(&response, cb, true);
    assert!(params["access_token"].starts_with("gth_at_"));
    assert!(params["token_type"].eq_ignore_ascii_case("bearer"));
    assert!(params["expires_in"].parse::<u64>().unwrap() > 0);
    assert!(params["scope"].split(' ').any(|s| s == "read"));
    assert_eq!(params["state"], STATE);
    assert_eq!(params["iss"], server.base);
    assert!(is_active(&server, &params["access_token"]));
    // Its errors come in the fragment too.
    let extra = "response_type=token&scope=bogus";
    let bad = ask(&server, &browser, "implicit", extra);
    let params = redirected(&bad, cb, true);
    assert_eq!(params["error"], "invalid_scope");
    assert_eq!(params["state"], STATE);
    assert_eq!(params["iss"], server.base);
}

#[test]
fn out_of_band_clients_are_shown_a_code_to_copy() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    for (client, redirect_uri) in [("oob", Some(OOB)), ("noredirect", None)] {
        let mut query = vec![
            ("response_type", "code"),
            ("client_id", client),
            ("state", "s"),
        ];
        if let Some(uri) = redirect_uri {
            query.push(("redirect_uri", uri));
        }
        let page = html_page(browser.authorize(&server, &query), 200);
        let response = browser.decide(&server, &page, "allow");
        assert!(response.headers().get("location").is_none());
        let code = shown_code(&html_page(response, 200));
        assert!(!code.is_empty());
        let tokens = json(exchange(&server, client, &code, redirect_uri, None), 200);
        assert!(tokens["access_token"]
            .as_str()
            .unwrap()
            .starts_with("gth_at_"));
    }
}

#[test]
fn discovery_describes_the_authorization_endpoint() {
    let server = people_server(|_| {});
    let doc = json(
        server
            .http
            .get(server.url("/.well-known/openid-configuration"))
            .send()
            .unwrap(),
        200,
    );
    assert_eq!(
        doc["authorization_endpoint"],
        server.url("/oauth/authorize")
    );
    assert_eq!(doc["userinfo_endpoint"], server.url("/oauth/userinfo"));
    let has = |field: &str, value: &str| {
        doc[field]
            .as_array()
            .unwrap_or_else(|| panic!("{field}: {doc}"))
            .contains(&value.into())
    };
    for value in ["code", "token"] {
        assert!(has("response_types_supported", value), "{value}");
    }
    for grant in [
        "authorization_code",
        "refresh_token",
        "password",
        "implicit",
        "client_credentials",
    ] {
        assert!(has("grant_types_supported", grant), "{grant}");
    }
    assert_eq!(
        doc["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(doc["authorization_response_iss_parameter_supported"], true);
}

#[test]
fn pages_carry_the_security_headers() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let responses = [
        browser.get(&server.url("/login")),
        browser.get(&server.url("/")),
        browser.authorize(&server, &webapp_query("read")),
        browser.authorize(&server, &[("client_id", "nobody")]),
    ];
    for response in responses {
        let url = response.url().to_string();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_else(|| panic!("no {name} on {url}"))
        };
        assert_eq!(header("x-frame-options"), "DENY", "{url}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{url}");
        assert_eq!(header("referrer-policy"), "same-origin", "{url}");
        assert!(header("content-security-policy").contains("frame-ancestors 'none'"));
    }
}
