//! Email: addresses verified by a one-time link (at sign-up and when
//! changed), password reset by a mailed link, mail throttled, and what the
//! pages say on a server without an SMTP relay. Each test starts its own
//! SMTP sink (aiosmtpd) and its own server.

mod binary;
mod reset;
mod verification;
mod without_mail;

use crate::harness::*;

/// The UserInfo answer and the ID token's claims for `username` through
/// webapp with `openid email`.
fn email_claims(server: &TestServer, username: &str) -> (serde_json::Value, serde_json::Value) {
    let tokens = tokens_for(server, "webapp", username, "openid profile email");
    let info = json(
        server
            .http
            .get(server.url("/oauth/userinfo"))
            .bearer_auth(tokens["access_token"].as_str().unwrap())
            .send()
            .unwrap(),
        200,
    );
    let claims = jwt_claims(tokens["id_token"].as_str().unwrap());
    (info, claims)
}

/// Asserts that UserInfo and the ID token agree that `username`'s address
/// is `email` and its verification is `verified`.
fn assert_email_claims(server: &TestServer, username: &str, email: &str, verified: bool) {
    let (info, claims) = email_claims(server, username);
    for answer in [&info, &claims] {
        assert_eq!(answer["email"], email, "{answer}");
        assert_eq!(answer["email_verified"], verified, "{answer}");
    }
}

/// Asserts that a page answers a used, expired or unknown link: 400.
fn assert_link_refused(response: reqwest::blocking::Response) {
    let page = html_page(response, 400);
    assert!(page.contains("used, expired or unknown"), "{page}");
}
