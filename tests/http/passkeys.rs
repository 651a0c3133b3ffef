//! Passkeys over plain HTTP (the ceremonies themselves run in Chromium, in
//! browser/passkeys.rs): which pages may run a script, what the browser is
//! asked for, and that forged, replayed or misplaced answers change nothing.

use crate::harness::*;

/// The `data-options` JSON of the ceremony page's form.
fn ceremony_options(page: &str) -> serde_json::Value {
    let form = elements(page, "form")
        .into_iter()
        .find(|f| f.get("id").map(String::as_str) == Some("passkey-form"))
        .unwrap_or_else(|| panic!("no ceremony form in {page}"));
    serde_json::from_str(&form["data-options"]).unwrap()
}

fn csp(response: &reqwest::blocking::Response) -> String {
    header(response, "content-security-policy")
}

/// Starts adding a passkey in a signed-in browser; answers the page.
fn start_adding(server: &TestServer, browser: &Browser, name: &str) -> (u16, String, String) {
    let security = html_page(browser.get(&server.url("/account/security")), 200);
    let response = browser.post_form(
        &server.url("/account/security/passkeys"),
        &[("name", name), ("csrf_token", &Browser::csrf(&security))],
    );
    let status = response.status().as_u16();
    let policy = csp(&response);
    (status, policy, response.text().unwrap())
}

#[test]
fn only_the_ceremony_page_may_run_a_script_and_only_ours() {
    let server = localhost_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let (status, policy, page) = start_adding(&server, &browser, "Laptop");
    assert_eq!(status, 200, "{page}");
    assert!(policy.contains("script-src 'self'"), "{policy}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert!(
        page.contains(r#"<script src="/static/passkey.js" defer>"#),
        "{page}"
    );

    // Discoverable, user-verified, for this host, without attestation.
    let options = ceremony_options(&page);
    let key = &options["publicKey"];
    assert_eq!(key["rp"]["id"], "localhost", "{options}");
    assert_eq!(key["user"]["name"], "alice");
    assert_eq!(key["authenticatorSelection"]["residentKey"], "required");
    assert_eq!(key["authenticatorSelection"]["requireResidentKey"], true);
    assert_eq!(
        key["authenticatorSelection"]["userVerification"],
        "required"
    );
    assert!(key["challenge"].as_str().is_some_and(|c| c.len() >= 43));

    // Every other page keeps no script at all.
    for path in ["/login", "/account/security", "/account"] {
        let response = browser.get(&server.url(path));
        assert_eq!(response.status().as_u16(), 200, "{path}");
        let policy = csp(&response);
        assert!(policy.contains("default-src 'none'"), "{path}: {policy}");
        assert!(!policy.contains("script-src"), "{path}: {policy}");
    }

    let script = server
        .http
        .get(server.url("/static/passkey.js"))
        .send()
        .unwrap();
    assert_eq!(script.status().as_u16(), 200);
    assert!(header(&script, "content-type").starts_with("text/javascript"));
    assert!(script.text().unwrap().contains("navigator.credentials"));
}

#[test]
fn the_sign_in_page_offers_a_passkey_as_a_plain_form() {
    let server = localhost_server(|_| {});
    let browser = Browser::new();
    let login = html_page(browser.get(&server.url("/login?next=/account")), 200);
    let form = form_with_action(&login, "/login/passkey");
    assert!(form.contains("Sign in with a passkey"), "{login}");
    let response = browser.post_form(
        &server.url("/login/passkey"),
        &[("next", "/account"), ("csrf_token", &Browser::csrf(&login))],
    );
    assert_eq!(response.status().as_u16(), 200);
    assert!(csp(&response).contains("script-src 'self'"));
    let page = response.text().unwrap();
    let options = ceremony_options(&page);
    // Any passkey of this site: no list of credentials, and no autofill.
    assert!(options["publicKey"]["allowCredentials"]
        .as_array()
        .is_none_or(|list| list.is_empty()));
    assert_eq!(options["publicKey"]["userVerification"], "required");
    assert!(
        options.get("mediation").is_none_or(|m| m.is_null()),
        "{options}"
    );
}

#[test]
fn forged_or_replayed_answers_change_nothing() {
    let server = localhost_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let (_, _, page) = start_adding(&server, &browser, "Laptop");
    let ceremony = hidden_value(&page, "ceremony").unwrap();
    assert!(ceremony.starts_with("gth_pk_"));
    let csrf = Browser::csrf(&page);
    let finish = server.url("/account/security/passkeys/finish");

    let forged = r#"{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"attestationObject":"AAAA","clientDataJSON":"AAAA"}}"#;
    let response = browser.post_form(
        &finish,
        &[
            ("ceremony", &ceremony),
            ("credential", forged),
            ("csrf_token", &csrf),
        ],
    );
    assert_eq!(response.status().as_u16(), 400);
    assert!(response.text().unwrap().contains("could not be verified"));

    // The ceremony was spent by that attempt.
    let response = browser.post_form(
        &finish,
        &[
            ("ceremony", &ceremony),
            ("credential", forged),
            ("csrf_token", &csrf),
        ],
    );
    assert_eq!(response.status().as_u16(), 400);
    assert!(response.text().unwrap().contains("expired"));

    // Garbage and unknown ceremonies, too, are a clear 400.
    for (ceremony, credential) in [("gth_pk_nothing", forged), ("", ""), ("x", "not json")] {
        let response = browser.post_form(
            &finish,
            &[
                ("ceremony", ceremony),
                ("credential", credential),
                ("csrf_token", &csrf),
            ],
        );
        assert_eq!(response.status().as_u16(), 400, "{ceremony} {credential}");
    }
    let security = html_page(browser.get(&server.url("/account/security")), 200);
    assert!(!security.contains("passkey-list"), "{security}");

    // Signing in with a made-up answer signs nobody in.
    let stranger = Browser::new();
    let login = html_page(stranger.get(&server.url("/login")), 200);
    let page = stranger
        .post_form(
            &server.url("/login/passkey"),
            &[("next", "/account"), ("csrf_token", &Browser::csrf(&login))],
        )
        .text()
        .unwrap();
    let assertion = r#"{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"authenticatorData":"AAAA","clientDataJSON":"AAAA","signature":"AAAA","userHandle":"AAAAAAAAAAAAAAAAAAAAAA"}}"#;
    let response = stranger.post_form(
        &server.url("/login/passkey/finish"),
        &[
            ("ceremony", &hidden_value(&page, "ceremony").unwrap()),
            ("credential", assertion),
            ("csrf_token", &Browser::csrf(&page)),
        ],
    );
    assert_eq!(response.status().as_u16(), 400);
    assert!(response.text().unwrap().contains("not known here"));
    let account = stranger.get(&server.url("/account"));
    assert_eq!(account.status().as_u16(), 302, "still sent to sign in");
}

#[test]
fn a_ceremony_is_for_its_own_purpose_and_person() {
    let server = localhost_server(|_| {});
    let alice = Browser::signed_in(&server, "alice");
    let (_, _, page) = start_adding(&server, &alice, "Laptop");
    let ceremony = hidden_value(&page, "ceremony").unwrap();

    // Bob cannot finish alice's registration.
    let bob = Browser::signed_in(&server, "bob");
    let bob_page = html_page(bob.get(&server.url("/account/security")), 200);
    let response = bob.post_form(
        &server.url("/account/security/passkeys/finish"),
        &[
            ("ceremony", &ceremony),
            ("credential", "{}"),
            ("csrf_token", &Browser::csrf(&bob_page)),
        ],
    );
    assert_eq!(response.status().as_u16(), 400);
    assert!(response.text().unwrap().contains("someone else"));

    // A registration cannot be finished as a sign-in.
    let (_, _, page) = start_adding(&server, &alice, "Laptop");
    let stranger = Browser::new();
    let login = html_page(stranger.get(&server.url("/login")), 200);
    let assertion = r#"{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"authenticatorData":"AAAA","clientDataJSON":"AAAA","signature":"AAAA","userHandle":null}}"#;
    let response = stranger.post_form(
        &server.url("/login/passkey/finish"),
        &[
            ("ceremony", &hidden_value(&page, "ceremony").unwrap()),
            ("credential", assertion),
            ("csrf_token", &Browser::csrf(&login)),
        ],
    );
    assert_eq!(response.status().as_u16(), 400);
    assert_eq!(stranger.get(&server.url("/account")).status().as_u16(), 302);
}

#[test]
fn names_are_checked_and_unknown_passkeys_are_404() {
    let server = localhost_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let (status, _, page) = start_adding(&server, &browser, "   ");
    assert_eq!(status, 400);
    assert!(page.contains("Give the passkey a name"), "{page}");
    let (status, _, _) = start_adding(&server, &browser, &"x".repeat(65));
    assert_eq!(status, 400);

    let security = html_page(browser.get(&server.url("/account/security")), 200);
    let csrf = Browser::csrf(&security);
    let rename = browser.post_form(
        &server.url("/account/security/passkeys/bm9uZQ/rename"),
        &[("name", "Phone"), ("csrf_token", &csrf)],
    );
    assert_eq!(rename.status().as_u16(), 404);
    let remove = browser.post_form(
        &server.url("/account/security/passkeys/bm9uZQ/remove"),
        &[("password", "alice-password"), ("csrf_token", &csrf)],
    );
    assert_eq!(remove.status().as_u16(), 404);
    // Without the form's token nothing starts.
    let response = browser.post_form(
        &server.url("/account/security/passkeys"),
        &[("name", "Laptop")],
    );
    assert_eq!(response.status().as_u16(), 403);
}

#[test]
fn passkeys_need_a_domain_name() {
    // The usual test server's issuer is http://127.0.0.1:PORT.
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let security = html_page(browser.get(&server.url("/account/security")), 200);
    assert!(security.contains("Passkeys need this server to be reached by a domain name"));
    assert!(!security.contains("add-passkey"));
    let login = html_page(Browser::new().get(&server.url("/login")), 200);
    assert!(!login.contains("/login/passkey"), "{login}");
    let account = html_page(browser.get(&server.url("/account")), 200);
    let response = browser.post_form(
        &server.url("/login/passkey"),
        &[("csrf_token", &Browser::csrf(&account))],
    );
    assert_eq!(response.status().as_u16(), 400);
    assert!(response.text().unwrap().contains("domain name"));
}
