//! The authenticator-app second factor (RFC 6238): enrolment on the security
//! page, the code after the password, single use, recovery codes,
//! throttling, removal, the policy, `acr_values`, and `amr` in ID tokens.

use serde_json::Value;

use crate::harness::*;

const RP: &str = "rp";
const RP_CB: &str = "http://127.0.0.1:9400/cb";

/// alice has no factor, carol an app from the seed, dave is an admin.
fn seed() -> String {
    serde_json::json!({
        "users": [
            {"username": "alice", "password": "alice-password", "email": "alice@example.org"},
            {"username": "carol", "password": "carol-password", "totp_secret": CAROL_TOTP},
            {"username": "dave", "password": "dave-password", "admin": true}
        ],
        "clients": [
            {"client_id": RP, "client_secret": "rp-secret", "client_name": "Relying Party",
             "redirect_uris": [RP_CB], "grant_types": ["authorization_code"],
             "scope": "openid profile"},
            {"client_id": "pw", "client_secret": "pw-secret", "client_name": "Password",
             "grant_types": ["password"], "scope": "openid"},
            {"client_id": "tv", "token_endpoint_auth_method": "none", "client_name": "TV",
             "grant_types": ["urn:ietf:params:oauth:grant-type:device_code"], "scope": "openid"}
        ]
    })
    .to_string()
}

fn server() -> TestServer {
    TestServer::start_with(&seed(), |_| {})
}

/// An authorization request of `rp` with `extra` parameters.
fn ask(
    server: &TestServer,
    browser: &Browser,
    extra: &[(&str, &str)],
) -> reqwest::blocking::Response {
    let mut query = vec![
        ("response_type", "code"),
        ("client_id", RP),
        ("redirect_uri", RP_CB),
        ("scope", "openid profile"),
        ("state", "xyz"),
        ("nonce", "n1"),
    ];
    query.extend_from_slice(extra);
    browser.authorize(server, &query)
}

/// The ID token claims after `browser` authorizes `rp` (allowing consent).
fn id_claims(server: &TestServer, browser: &Browser) -> Value {
    let mut response = ask(server, browser, &[]);
    if response.status().as_u16() == 200 {
        response = browser.decide(server, &response.text().unwrap(), "allow");
    }
    let to = location(&response);
    assert!(to.starts_with(RP_CB), "{to}");
    let code = query_of(&to)["code"].clone();
    let body = json(
        server.post_basic(
            "/oauth/token",
            RP,
            "rp-secret",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", RP_CB),
            ],
        ),
        200,
    );
    jwt_claims(body["id_token"].as_str().unwrap())
}

fn signed_in(server: &TestServer, browser: &Browser) -> bool {
    browser.get(&server.url("/account")).status().as_u16() == 200
}

#[test]
fn enrolment_shows_a_qr_code_and_the_key_and_needs_a_right_code() {
    let server = server();
    let alice = Browser::signed_in(&server, "alice");
    let page = html_page(alice.get(&server.url("/account/security")), 200);
    assert!(page.contains("id=\"setup-totp\""), "{page}");
    let page = html_page(alice.get(&server.url("/account/security/totp")), 200);
    let qr = elements(&page, "img")
        .into_iter()
        .find(|img| img.get("id").map(String::as_str) == Some("totp-qr"))
        .expect("a QR code");
    assert!(
        qr["src"].starts_with("data:image/svg+xml;base64,"),
        "{qr:?}"
    );
    let secret = hidden_value(&page, "secret").unwrap();
    assert!(page.contains(&format!("<code id=\"totp-secret\">{secret}</code>")));
    let csrf = Browser::csrf(&page);

    let wrong = totp_code(&secret, server.clock.now() + 3600);
    let response = alice.post_form(
        &server.url("/account/security/totp"),
        &[("secret", &secret), ("code", &wrong), ("csrf_token", &csrf)],
    );
    let page = html_page(response, 400);
    assert!(page.contains("not right"), "{page}");
    let page = html_page(alice.get(&server.url("/account/security")), 200);
    assert!(
        page.contains("id=\"setup-totp\""),
        "a wrong code enrolled nothing"
    );

    let response = alice.post_form(
        &server.url("/account/security/totp"),
        &[
            ("secret", &secret),
            ("code", &totp_code(&secret, server.clock.now())),
            ("csrf_token", &csrf),
        ],
    );
    let page = html_page(response, 200);
    let codes = recovery_codes_in(&page);
    assert_eq!(codes.len(), 10, "{page}");
    let mut distinct = codes.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 10);
    let page = html_page(alice.get(&server.url("/account/security")), 200);
    assert!(!page.contains("id=\"setup-totp\""));
    assert!(page.contains("10 unused recovery codes"), "{page}");
}

#[test]
fn sign_in_asks_for_a_code_after_the_password_and_only_a_right_one_signs_in() {
    let server = server();
    let carol = Browser::new();
    let response = carol.send_password(&server, "carol", "carol-password");
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(location(&response), server.url("/login/second-factor"));
    assert!(set_cookie(&response, "gh_session").is_none_or(|c| cookie_value(&c).is_empty()));
    assert!(
        !signed_in(&server, &carol),
        "the password alone signs nobody in"
    );

    let page = html_page(carol.get(&server.url("/login/second-factor")), 200);
    let inputs = elements(&page, "input");
    assert!(inputs
        .iter()
        .any(|i| i.get("name").map(String::as_str) == Some("code")));

    let wrong = totp_code(CAROL_TOTP, server.clock.now() + 3600);
    let page = html_page(carol.send_code(&server, &wrong), 401);
    assert!(page.contains("not right"));
    assert!(!signed_in(&server, &carol));

    let response = carol.send_code(&server, &next_code(&server, CAROL_TOTP));
    assert_eq!(response.status().as_u16(), 303);
    assert!(signed_in(&server, &carol));
}

#[test]
fn a_code_is_accepted_once_only() {
    let server = server();
    let code = next_code(&server, CAROL_TOTP);
    let first = Browser::new();
    first.send_password(&server, "carol", "carol-password");
    assert_eq!(first.send_code(&server, &code).status().as_u16(), 303);
    let second = Browser::new();
    second.send_password(&server, "carol", "carol-password");
    let page = html_page(second.send_code(&server, &code), 401);
    assert!(page.contains("not right"), "a replayed code: {page}");
    assert!(!signed_in(&server, &second));
}

#[test]
fn a_recovery_code_signs_in_once() {
    let server = server();
    let alice = Browser::signed_in(&server, "alice");
    let (_, codes) = alice.enrol_totp(&server);
    let again = Browser::new();
    again.send_password(&server, "alice", "alice-password");
    let response = again.send_code(&server, &codes[3].to_uppercase());
    assert_eq!(
        response.status().as_u16(),
        303,
        "typed in capitals still counts"
    );
    let page = html_page(again.get(&server.url("/account/security")), 200);
    assert!(page.contains("9 unused recovery codes"), "{page}");

    let third = Browser::new();
    third.send_password(&server, "alice", "alice-password");
    html_page(third.send_code(&server, &codes[3]), 401);
    assert!(!signed_in(&server, &third));
}

#[test]
fn wrong_codes_are_throttled_like_passwords() {
    let server = server();
    let carol = Browser::new();
    carol.send_password(&server, "carol", "carol-password");
    let wrong = totp_code(CAROL_TOTP, server.clock.now() + 3600);
    for _ in 0..5 {
        html_page(carol.send_code(&server, &wrong), 401);
    }
    // A right code (the next step's, within the allowed skew), at once.
    let right = totp_code(CAROL_TOTP, server.clock.now() + 30);
    let response = carol.send_code(&server, &right);
    assert_eq!(
        response.status().as_u16(),
        429,
        "locked even for a right code"
    );
    assert!(!header(&response, "retry-after").is_empty());
    assert!(!signed_in(&server, &carol));
}

#[test]
fn the_id_token_says_how_the_person_signed_in() {
    let server = server();
    let alice = Browser::signed_in(&server, "alice");
    let claims = id_claims(&server, &alice);
    assert_eq!(claims["amr"], serde_json::json!(["pwd"]));
    assert_eq!(claims["acr"], "1fa");

    let carol = Browser::new();
    carol.login_with_code(&server, "carol", CAROL_TOTP);
    let claims = id_claims(&server, &carol);
    assert_eq!(claims["amr"], serde_json::json!(["pwd", "otp", "mfa"]));
    assert_eq!(claims["acr"], "mfa");

    let discovery = json(
        server
            .http
            .get(server.url("/.well-known/openid-configuration"))
            .send()
            .unwrap(),
        200,
    );
    assert_eq!(
        discovery["acr_values_supported"],
        serde_json::json!(["1fa", "mfa"])
    );
    let claims_supported = discovery["claims_supported"].as_array().unwrap();
    assert!(claims_supported.contains(&Value::from("amr")));
}

#[test]
fn acr_values_mfa_asks_for_a_second_factor_the_session_has_not_shown() {
    let server = server();
    let alice = Browser::signed_in(&server, "alice");
    let silent = ask(
        &server,
        &alice,
        &[("acr_values", "mfa"), ("prompt", "none")],
    );
    let to = location(&silent);
    assert!(to.starts_with(RP_CB), "{to}");
    assert_eq!(query_of(&to)["error"], "interaction_required");
    assert!(!query_of(&to).contains_key("code"));

    let response = ask(&server, &alice, &[("acr_values", "mfa")]);
    let to = location(&response);
    assert!(
        to.starts_with(&server.url("/login/second-factor?next=")),
        "{to}"
    );
    // alice has no factor yet: she is sent to set one up, then back.
    let response = alice.get(&to);
    let enrol = location(&response);
    assert!(
        enrol.starts_with(&server.url("/account/security?enrol=1&next=")),
        "{enrol}"
    );
    alice.enrol_totp(&server);
    let response = ask(&server, &alice, &[("acr_values", "mfa")]);
    let response = if response.status().as_u16() == 200 {
        alice.decide(&server, &response.text().unwrap(), "allow")
    } else {
        response
    };
    let to = location(&response);
    assert!(
        query_of(&to).contains_key("code"),
        "enrolling proved the factor: {to}"
    );
}

#[test]
fn a_password_only_session_steps_up_with_a_code() {
    let server = server();
    // alice signs in with her password here, then sets up an app elsewhere.
    let laptop = Browser::signed_in(&server, "alice");
    let phone = Browser::signed_in(&server, "alice");
    let (secret, _) = phone.enrol_totp(&server);

    let response = ask(&server, &laptop, &[("acr_values", "mfa")]);
    let to = location(&response);
    assert!(
        to.starts_with(&server.url("/login/second-factor?next=")),
        "{to}"
    );
    let response = laptop.get(&to);
    assert_eq!(location(&response), server.url("/login/second-factor"));
    let response = laptop.send_code(&server, &next_code(&server, &secret));
    assert_eq!(response.status().as_u16(), 303);
    let back = location(&response);
    assert!(
        back.starts_with(&server.url("/oauth/authorize?")),
        "back to the request: {back}"
    );
    assert_eq!(
        id_claims(&server, &laptop)["amr"],
        serde_json::json!(["pwd", "otp", "mfa"])
    );
}

#[test]
fn the_policy_sends_people_without_a_factor_to_enrol() {
    let server = server();
    let dave = Browser::new();
    // dave (an admin) has no factor; the policy is optional so far.
    dave.login(&server, "dave", "dave-password");
    let page = html_page(dave.get(&server.url("/admin")), 200);
    let response = dave.post_form(
        &server.url("/admin/settings"),
        &[
            ("signup", "closed"),
            ("registration", "token"),
            ("second_factor", "everyone"),
            ("csrf_token", &Browser::csrf(&page)),
        ],
    );
    assert_eq!(response.status().as_u16(), 303);

    let alice = Browser::new();
    let response = alice.send_password(&server, "alice", "alice-password");
    let to = location(&response);
    assert!(
        to.starts_with(&server.url("/account/security?enrol=1")),
        "{to}"
    );
    let page = html_page(alice.get(&to), 200);
    assert!(page.contains("id=\"must-enrol\""), "{page}");
    let response = ask(&server, &alice, &[]);
    assert!(
        location(&response).contains("/login/second-factor"),
        "no code without a factor"
    );
    alice.enrol_totp(&server);
    let claims = id_claims(&server, &alice);
    assert_eq!(claims["acr"], "mfa");
}

#[test]
fn approving_a_device_needs_the_second_factor_the_policy_wants() {
    let server = server();
    let dave = Browser::signed_in(&server, "dave");
    let page = html_page(dave.get(&server.url("/admin/settings")), 200);
    let response = dave.post_form(
        &server.url("/admin/settings"),
        &[
            ("signup", "closed"),
            ("registration", "token"),
            ("second_factor", "everyone"),
            ("csrf_token", &Browser::csrf(&page)),
        ],
    );
    assert_eq!(response.status().as_u16(), 303);
    let pair = json(
        server.post_form(
            "/oauth/device_authorization",
            &[("client_id", "tv"), ("scope", "openid")],
        ),
        200,
    );
    let user_code = pair["user_code"].as_str().unwrap();

    // alice signed in with her password only: sent to a second factor,
    // then (having none) to set one up, before any consent.
    let alice = Browser::new();
    alice.send_password(&server, "alice", "alice-password");
    let form = html_page(alice.get(&server.url("/device")), 200);
    let csrf = Browser::csrf(&form);
    let typed = [("user_code", user_code), ("csrf_token", csrf.as_str())];
    let response = alice.post_form(&server.url("/device"), &typed);
    assert_eq!(response.status().as_u16(), 303);
    let to = location(&response);
    assert!(
        to.contains("/login/second-factor?next=%2Fdevice%3Fuser_code%3D"),
        "{to}"
    );
    let enrol = location(&alice.get(&to));
    assert!(enrol.contains("/account/security?enrol=1"), "{enrol}");
    let answer = [
        ("user_code", user_code),
        ("decision", "allow"),
        ("csrf_token", csrf.as_str()),
    ];
    let refused = alice.post_form(&server.url("/device"), &answer);
    assert_eq!(
        refused.status().as_u16(),
        303,
        "no approval without a factor"
    );
    let poll = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("device_code", pair["device_code"].as_str().unwrap()),
        ("client_id", "tv"),
    ];
    oauth_error(
        server.post_form("/oauth/token", &poll),
        400,
        "authorization_pending",
    );

    alice.enrol_totp(&server);
    let form = html_page(alice.get(&server.url("/device")), 200);
    let csrf = Browser::csrf(&form);
    let consent = alice.post_form(
        &server.url("/device"),
        &[("user_code", user_code), ("csrf_token", csrf.as_str())],
    );
    assert_eq!(consent.status().as_u16(), 200);
    let done = alice.post_form(
        &server.url("/device"),
        &[
            ("user_code", user_code),
            ("decision", "allow"),
            ("csrf_token", csrf.as_str()),
        ],
    );
    assert_eq!(done.status().as_u16(), 200);
    let tokens = json(server.post_form("/oauth/token", &poll), 200);
    assert!(tokens["access_token"].is_string(), "{tokens}");
}

#[test]
fn a_client_marked_so_needs_a_second_factor() {
    let server = server();
    let dave = Browser::signed_in(&server, "dave");
    let page = html_page(dave.get(&server.url("/admin")), 200);
    let response = dave.post_form(
        &server.url(&format!("/admin/apps/{RP}/flags")),
        &[("require_mfa", "on"), ("csrf_token", &Browser::csrf(&page))],
    );
    assert_eq!(response.status().as_u16(), 303);
    let alice = Browser::signed_in(&server, "alice");
    let response = ask(&server, &alice, &[]);
    assert!(location(&response).contains("/login/second-factor"));
    let carol = Browser::new();
    carol.login_with_code(&server, "carol", CAROL_TOTP);
    assert_eq!(id_claims(&server, &carol)["acr"], "mfa");
}

#[test]
fn removing_the_app_needs_the_password_and_a_current_code() {
    let server = server();
    let carol = Browser::new();
    carol.login_with_code(&server, "carol", CAROL_TOTP);
    let remove = |password: &str, code: &str| {
        let page = html_page(carol.get(&server.url("/account/security")), 200);
        carol.post_form(
            &server.url("/account/security/totp/remove"),
            &[
                ("password", password),
                ("code", code),
                ("csrf_token", &Browser::csrf(&page)),
            ],
        )
    };
    html_page(
        remove("wrong-password", &next_code(&server, CAROL_TOTP)),
        400,
    );
    html_page(remove("carol-password", "000000"), 400);
    let page = html_page(carol.get(&server.url("/account/security")), 200);
    assert!(!page.contains("id=\"setup-totp\""), "still enrolled");
    let response = remove("carol-password", &next_code(&server, CAROL_TOTP));
    assert_eq!(response.status().as_u16(), 303);
    let page = html_page(carol.get(&server.url("/account/security")), 200);
    assert!(page.contains("id=\"setup-totp\""), "{page}");
    // The password alone signs carol in now.
    let again = Browser::new();
    let response = again.send_password(&server, "carol", "carol-password");
    assert!(!location(&response).contains("second-factor"));
}

#[test]
fn the_password_grant_refuses_an_account_with_a_second_factor() {
    let server = server();
    let form = |user: &str| {
        let password = format!("{user}-password");
        server.post_basic(
            "/oauth/token",
            "pw",
            "pw-secret",
            &[
                ("grant_type", "password"),
                ("username", user),
                ("password", &password),
                ("scope", "openid"),
            ],
        )
    };
    let body = json(form("alice"), 200);
    assert!(body["access_token"].is_string());
    oauth_error(form("carol"), 400, "invalid_grant");
}
