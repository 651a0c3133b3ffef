//! How authorization answers travel (`response_mode`: query, fragment,
//! form_post) and the hybrid response types of OpenID Connect Core §3.3,
//! whose ID tokens carry `c_hash` (and `at_hash` with a token).

use std::collections::HashMap;

use openidconnect::core::CoreIdToken;
use openidconnect::{
    AccessToken, AccessTokenHash, AuthorizationCode, AuthorizationCodeHash, Nonce,
};
use serde_json::Value;

use gatehouse::oauth::register::Registration;

use crate::harness::*;

/// A request of rp-hybrid (scope `openid profile`, state `xyz`), plus `extra`.
fn hybrid_query<'a>(
    response_type: &'a str,
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut query = vec![
        ("response_type", response_type),
        ("client_id", "rp-hybrid"),
        ("redirect_uri", oidc_redirect("rp-hybrid")),
        ("scope", "openid profile"),
        ("state", "xyz"),
    ];
    query.extend_from_slice(extra);
    query
}

/// Runs a request of rp-hybrid through consent; answers the response.
fn allowed(server: &TestServer, query: &[(&str, &str)]) -> reqwest::blocking::Response {
    let browser = Browser::signed_in(server, "alice");
    let page = html_page(browser.authorize(server, query), 200);
    browser.decide(server, &page, "allow")
}

/// The fragment of a redirect to rp-hybrid, which must carry no query.
fn fragment(response: &reqwest::blocking::Response) -> HashMap<String, String> {
    let to = location(response);
    let start = format!("{}#", oidc_redirect("rp-hybrid"));
    assert!(to.starts_with(&start), "{to}");
    fragment_of(&to)
}

/// The claims of an rp-hybrid ID token, verified by the `openidconnect` crate.
fn verified(server: &TestServer, raw: &str) -> (CoreIdToken, Value) {
    let token: CoreIdToken = raw.parse().unwrap();
    let verifier = verifier_at(&server.base, "rp-hybrid", "RS256");
    if let Err(e) = token.claims(&verifier, &Nonce::new(NONCE.to_owned())) {
        panic!("the hybrid ID token does not verify: {e}");
    }
    (token, jwt_claims(raw))
}

/// What `c_hash` must be for `code` in `token`, and `at_hash` for `access`.
fn expected_hashes(
    server: &TestServer,
    token: &CoreIdToken,
    code: &str,
    access: Option<&str>,
) -> (String, Option<String>) {
    let verifier = verifier_at(&server.base, "rp-hybrid", "RS256");
    let (alg, key) = (
        token.signing_alg().unwrap(),
        token.signing_key(&verifier).unwrap(),
    );
    let code = AuthorizationCodeHash::from_code(&AuthorizationCode::new(code.to_owned()), alg, key);
    let access = access.map(|a| {
        AccessTokenHash::from_token(&AccessToken::new(a.to_owned()), alg, key)
            .unwrap()
            .to_string()
    });
    (code.unwrap().to_string(), access)
}

/// Sends a code of rp-hybrid to the token endpoint.
fn redeem(server: &TestServer, code: &str) -> reqwest::blocking::Response {
    server.post_basic(
        "/oauth/token",
        "rp-hybrid",
        "rp-hybrid-secret",
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", oidc_redirect("rp-hybrid")),
        ],
    )
}

/// Exchanges a code of rp-hybrid; answers the token response.
fn exchange(server: &TestServer, code: &str) -> Value {
    token_answer(redeem(server, code))
}

/// The fields of the form-post page, checking the page's promises: it posts
/// to the redirect URI, its one script runs by the response's CSP nonce,
/// it has a button for browsers without scripts, and it is never stored.
fn posted_fields(response: reqwest::blocking::Response) -> HashMap<String, String> {
    let policy = header(&response, "content-security-policy");
    assert_eq!(header(&response, "cache-control"), "no-store");
    let page = html_page(response, 200);
    let form = form_with_action(&page, oidc_redirect("rp-hybrid"));
    let forms = elements(form, "form");
    assert_eq!(forms[0]["method"], "post", "{form}");
    assert_eq!(forms[0]["action"], oidc_redirect("rp-hybrid"));
    assert!(!elements(form, "button").is_empty(), "no button: {form}");
    let scripts = elements(&page, "script");
    assert_eq!(scripts.len(), 1, "{page}");
    let nonce = &scripts[0]["nonce"];
    assert!(nonce.len() >= 16, "{nonce}");
    assert!(
        policy.contains(&format!("script-src 'nonce-{nonce}'")),
        "{policy}"
    );
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    hidden_inputs(form).into_iter().collect()
}

#[test]
fn form_post_posts_the_code_state_and_iss_to_the_redirect_uri() {
    let server = oidc_server(|_| {});
    let response = allowed(
        &server,
        &hybrid_query("code", &[("response_mode", "form_post")]),
    );
    let fields = posted_fields(response);
    assert_eq!(fields["state"], "xyz");
    assert_eq!(fields["iss"], server.base);
    assert!(!fields.contains_key("access_token"), "{fields:?}");
    let tokens = exchange(&server, &fields["code"]);
    assert!(tokens["access_token"].is_string(), "{tokens}");
}

#[test]
fn each_page_gets_a_nonce_of_its_own() {
    let server = oidc_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let query = hybrid_query("code", &[("response_mode", "form_post")]);
    let page = html_page(browser.authorize(&server, &query), 200);
    let nonce_of = |response: reqwest::blocking::Response| {
        let page = html_page(response, 200);
        elements(&page, "script")[0]["nonce"].clone()
    };
    let first = nonce_of(browser.decide(&server, &page, "allow"));
    // Consent is remembered: the second request answers at once.
    let second = nonce_of(browser.authorize(&server, &query));
    assert_ne!(first, second);
}

#[test]
fn form_post_carries_errors_too() {
    let server = oidc_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let query = [
        ("response_type", "code"),
        ("client_id", "rp-hybrid"),
        ("redirect_uri", oidc_redirect("rp-hybrid")),
        ("scope", "openid admin"),
        ("state", "xyz"),
        ("response_mode", "form_post"),
    ];
    let fields = posted_fields(browser.authorize(&server, &query));
    assert_eq!(fields["error"], "invalid_scope", "{fields:?}");
    assert_eq!(fields["state"], "xyz");
    assert!(!fields.contains_key("code"));

    let denied = allowed_denied(&server);
    assert_eq!(denied["error"], "access_denied", "{denied:?}");
}

/// Runs a form_post request to consent and denies it; answers the fields.
fn allowed_denied(server: &TestServer) -> HashMap<String, String> {
    let browser = Browser::signed_in(server, "alice");
    let query = hybrid_query("code", &[("response_mode", "form_post")]);
    let page = html_page(browser.authorize(server, &query), 200);
    posted_fields(browser.decide(server, &page, "deny"))
}

#[test]
fn a_code_may_travel_in_the_fragment_when_asked() {
    let server = oidc_server(|_| {});
    let response = allowed(
        &server,
        &hybrid_query("code", &[("response_mode", "fragment")]),
    );
    let params = fragment(&response);
    assert_eq!(params["state"], "xyz");
    assert!(exchange(&server, &params["code"])["access_token"].is_string());
}

#[test]
fn a_token_never_travels_in_the_query_and_unknown_modes_are_refused() {
    let server = oidc_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    for (response_type, mode) in [
        ("code token", "query"),
        ("code id_token", "query"),
        ("code", "jwt"),
        ("code", "FORM_POST"),
    ] {
        let query = hybrid_query(response_type, &[("response_mode", mode), ("nonce", NONCE)]);
        let response = browser.authorize(&server, &query);
        let to = location(&response);
        // The error goes where the type's default mode puts it.
        let params = if response_type == "code" {
            assert!(
                to.starts_with(&format!("{}?", oidc_redirect("rp-hybrid"))),
                "{to}"
            );
            query_of(&to)
        } else {
            fragment(&response)
        };
        assert_eq!(
            params["error"], "invalid_request",
            "{response_type} {mode}: {to}"
        );
        assert!(
            params["error_description"].contains("response_mode"),
            "{to}"
        );
        assert!(!params.contains_key("code"), "{to}");
    }
}

#[test]
fn code_id_token_answers_a_code_and_an_id_token_with_its_c_hash() {
    let server = oidc_server(|_| {});
    let query = hybrid_query("code id_token", &[("nonce", NONCE)]);
    let params = fragment(&allowed(&server, &query));
    assert_eq!(params["state"], "xyz");
    assert!(!params.contains_key("access_token"), "{params:?}");
    let code = &params["code"];
    let (token, claims) = verified(&server, &params["id_token"]);
    let (c_hash, _) = expected_hashes(&server, &token, code, None);
    assert_eq!(claims["c_hash"], c_hash, "{claims}");
    assert!(claims.get("at_hash").is_none(), "{claims}");
    assert_eq!(claims["nonce"], NONCE);
    assert_eq!(claims["preferred_username"], "alice");

    // The code is a real one: it buys tokens, and an ID token for the same person.
    let tokens = exchange(&server, code);
    let back = jwt_claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(back["sub"], claims["sub"]);
    assert_eq!(back["nonce"], NONCE);
}

#[test]
fn code_id_token_token_answers_all_three_with_both_hashes() {
    let server = oidc_server(|_| {});
    // The values of response_type come in any order.
    let query = hybrid_query("token code id_token", &[("nonce", NONCE)]);
    let params = fragment(&allowed(&server, &query));
    let (code, access) = (&params["code"], &params["access_token"]);
    assert_eq!(params["token_type"], "Bearer");
    assert!(!params.contains_key("refresh_token"), "{params:?}");
    let (token, claims) = verified(&server, &params["id_token"]);
    let (c_hash, at_hash) = expected_hashes(&server, &token, code, Some(access));
    assert_eq!(claims["c_hash"], c_hash, "{claims}");
    assert_eq!(claims["at_hash"], at_hash.unwrap(), "{claims}");
    assert_eq!(userinfo_at(&server.base, access)["sub"], claims["sub"]);
    assert!(exchange(&server, code)["access_token"].is_string());
}

#[test]
fn code_token_needs_no_nonce_and_a_replayed_code_revokes_its_front_channel_token() {
    let server = oidc_server(|_| {});
    let params = fragment(&allowed(&server, &hybrid_query("code token", &[])));
    assert!(!params.contains_key("id_token"), "{params:?}");
    let (code, access) = (&params["code"], &params["access_token"]);
    assert_eq!(
        server.introspect_as("rp-hybrid", "rp-hybrid-secret", access)["active"],
        true
    );
    assert!(exchange(&server, code)["access_token"].is_string());
    let replay = redeem(&server, code);
    oauth_error(replay, 400, "invalid_grant");
    assert_eq!(
        server.introspect_as("rp-hybrid", "rp-hybrid-secret", access)["active"],
        false
    );
}

#[test]
fn hybrid_types_with_an_id_token_need_a_nonce() {
    let server = oidc_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    for response_type in ["code id_token", "code id_token token"] {
        let response = browser.authorize(&server, &hybrid_query(response_type, &[]));
        let params = fragment(&response);
        assert_eq!(params["error"], "invalid_request", "{response_type}");
        assert!(params["error_description"].contains("nonce"), "{params:?}");
        assert!(!params.contains_key("code"));
    }
}

#[test]
fn a_client_gets_only_the_hybrid_types_it_registered() {
    let server = oidc_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let query = vec![
        ("response_type", "code id_token"),
        ("client_id", "rp-rs256"),
        ("redirect_uri", oidc_redirect("rp-rs256")),
        ("scope", "openid"),
        ("state", "xyz"),
        ("nonce", NONCE),
    ];
    let response = browser.authorize(&server, &query);
    let to = location(&response);
    assert!(
        to.starts_with(&format!("{}#", oidc_redirect("rp-rs256"))),
        "{to}"
    );
    assert_eq!(fragment_of(&to)["error"], "unauthorized_client", "{to}");
}

#[test]
fn discovery_lists_every_response_type_and_mode() {
    let server = oidc_server(|_| {});
    let doc = get_json(&server.url("/.well-known/openid-configuration"));
    let listed = |name: &str| -> Vec<String> {
        doc[name]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    for t in [
        "code",
        "code id_token",
        "code token",
        "code id_token token",
        "id_token token",
    ] {
        assert!(
            listed("response_types_supported").contains(&t.to_owned()),
            "{t}"
        );
    }
    assert_eq!(
        listed("response_modes_supported"),
        ["query", "fragment", "form_post"]
    );
    assert!(listed("claims_supported").contains(&"c_hash".to_owned()));
}

#[test]
fn registration_keeps_response_types_by_their_canonical_names_and_checks_grants() {
    let server = oidc_server(|c| c.registration = Registration::Open);
    let register = |body: Value| {
        server
            .http
            .post(server.url("/oauth/register"))
            .json(&body)
            .send()
            .unwrap()
    };
    let created = json(
        register(serde_json::json!({
            "redirect_uris": ["https://app.example/cb"],
            "grant_types": ["authorization_code", "implicit"],
            "response_types": ["id_token code", "token id_token code"],
        })),
        201,
    );
    assert_eq!(
        created["response_types"],
        serde_json::json!(["code id_token", "code id_token token"])
    );
    let refused = register(serde_json::json!({
        "redirect_uris": ["https://app.example/cb"],
        "grant_types": ["authorization_code"],
        "response_types": ["code", "code token"],
    }));
    let error = oauth_error(refused, 400, "invalid_client_metadata");
    assert!(
        error["error_description"]
            .as_str()
            .unwrap()
            .contains("implicit"),
        "{error}"
    );
}
