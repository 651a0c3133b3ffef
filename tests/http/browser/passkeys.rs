//! Passkeys in a real browser, with Chromium's virtual authenticator: a
//! person adds one on the security page, signs in with it alone (no
//! username, no password), uses it as the second factor after the
//! password, and removes it; the ID tokens say how they signed in.

use super::sign_in_here;
use crate::harness::*;

const WEBAPP_CB: &str = "http://127.0.0.1:9000/cb";

/// Adds a passkey named `name` on the security page of a signed-in
/// browser; the first one brings recovery codes.
fn add_passkey(server: &TestServer, chrome: &Chrome, name: &str, first: bool) {
    chrome.go(&server.url("/account/security"));
    chrome.fill("name", name);
    chrome.press("Add a passkey");
    chrome.sees("Your browser will ask for your screen lock");
    chrome.press("Create the passkey");
    if first {
        chrome.sees("Your recovery codes");
        chrome.click("#continue");
    }
    chrome.sees("The passkey is added.");
}

/// Runs webapp's code flow in the browser (already signed in, so only the
/// consent page shows) and answers the ID token's claims.
fn id_token_claims(server: &TestServer, chrome: &Chrome) -> serde_json::Value {
    chrome.go(&server.url(
        "/oauth/authorize?response_type=code&client_id=webapp\
         &redirect_uri=http%3A%2F%2F127.0.0.1%3A9000%2Fcb\
         &scope=openid%20profile&state=xyz&nonce=n-1",
    ));
    chrome.click("button[name=decision][value=allow]");
    let landed = chrome.arrives_at(&format!("{WEBAPP_CB}?code="));
    let code = query_of(&landed)["code"].clone();
    let body = json(
        server.post_basic(
            "/oauth/token",
            "webapp",
            "webapp-secret",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", WEBAPP_CB),
            ],
        ),
        200,
    );
    jwt_claims(&id_token_of(&body))
}

fn sign_out(server: &TestServer, chrome: &Chrome) {
    chrome.go(&server.url("/"));
    chrome.press("Sign out");
    chrome.sees("Sign in");
}

fn amr(claims: &serde_json::Value) -> Vec<String> {
    claims["amr"]
        .as_array()
        .unwrap_or_else(|| panic!("no amr in {claims}"))
        .iter()
        .map(|m| m.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_person_adds_a_passkey_and_signs_in_with_it_alone() {
    let server = localhost_server(|_| {});
    let chrome = Chrome::start("passkey-sign-in");
    let authenticator = chrome.add_authenticator();
    chrome.go(&server.url("/login"));
    sign_in_here(&chrome, "alice");
    chrome.sees("Signed in as alice");

    add_passkey(&server, &chrome, "Laptop", true);
    assert!(chrome.text_of("#passkey-list").contains("Laptop"));
    // The README's picture: the whole page, header to passkeys.
    chrome.viewport(1024, 1400);
    chrome.shot("security-page");
    let stored = chrome.authenticator_credentials(&authenticator);
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(
        stored[0]["isResidentCredential"], true,
        "a passkey must be discoverable: {stored:?}"
    );
    assert_eq!(stored[0]["rpId"], "localhost");

    sign_out(&server, &chrome);
    chrome.go(&server.url("/login"));
    chrome.press("Sign in with a passkey");
    chrome.sees("Your browser will ask for the passkey");
    chrome.shot("ceremony");
    chrome.press("Use my passkey");
    chrome.sees("Signed in as alice");

    // A passkey that verified its user is two factors in one.
    let claims = id_token_claims(&server, &chrome);
    let methods = amr(&claims);
    assert!(methods.contains(&"hwk".to_owned()), "{claims}");
    assert!(methods.contains(&"mfa".to_owned()), "{claims}");
    assert!(!methods.contains(&"pwd".to_owned()), "{claims}");
    assert_eq!(claims["acr"], "mfa");

    // Its last use shows on the security page.
    chrome.go(&server.url("/account/security"));
    assert!(chrome.text_of("#passkey-list").contains("last used"));
}

#[test]
fn a_passkey_is_the_second_factor_after_the_password() {
    let server = localhost_server(|_| {});
    let chrome = Chrome::start("passkey-second-factor");
    chrome.add_authenticator();
    chrome.go(&server.url("/login"));
    sign_in_here(&chrome, "alice");
    add_passkey(&server, &chrome, "Phone", true);
    sign_out(&server, &chrome);

    chrome.go(&server.url("/login"));
    sign_in_here(&chrome, "alice");
    chrome.sees("One more step");
    chrome.shot("second-factor-prompt");
    chrome.press("Use a passkey instead");
    chrome.press("Use my passkey");
    chrome.sees("Signed in as alice");

    let methods = amr(&id_token_claims(&server, &chrome));
    for method in ["pwd", "hwk", "mfa"] {
        assert!(methods.contains(&method.to_owned()), "{methods:?}");
    }
}

#[test]
fn a_renamed_then_removed_passkey_no_longer_signs_in() {
    let server = localhost_server(|_| {});
    let chrome = Chrome::start("passkey-remove");
    chrome.add_authenticator();
    chrome.go(&server.url("/login"));
    sign_in_here(&chrome, "alice");
    add_passkey(&server, &chrome, "Old laptop", true);

    chrome.fill("name", "Work laptop");
    chrome.press("Rename");
    chrome.sees("The passkey is renamed.");
    assert!(chrome.text_of("#passkey-list").contains("Work laptop"));

    // A wrong password removes nothing.
    chrome.fill("password", "not-the-password");
    chrome.press("Remove");
    chrome.sees("the password is not right");
    chrome.go(&server.url("/account/security"));
    assert!(chrome.text_of("#passkey-list").contains("Work laptop"));

    chrome.fill("password", "alice-password");
    chrome.press("Remove");
    chrome.sees("The passkey is removed.");
    assert!(!chrome.text().contains("Work laptop"));

    // The authenticator still holds it, but the server no longer knows it.
    sign_out(&server, &chrome);
    chrome.go(&server.url("/login"));
    chrome.press("Sign in with a passkey");
    chrome.press("Use my passkey");
    chrome.sees("That passkey is not known here.");
}

#[test]
fn a_passkey_confirms_deleting_the_account() {
    let server = localhost_server(|_| {});
    let chrome = Chrome::start("passkey-delete");
    chrome.add_authenticator();
    chrome.go(&server.url("/login"));
    sign_in_here(&chrome, "bob");
    add_passkey(&server, &chrome, "Phone", true);

    chrome.go(&server.url("/account/delete"));
    chrome.press("Confirm with a passkey instead");
    chrome.sees("Your account is deleted as soon as one of your passkeys answers.");
    chrome.press("Delete my account");
    chrome.sees("Your account is deleted");

    // Neither the password nor the passkey signs in any more.
    chrome.go(&server.url("/login"));
    sign_in_here(&chrome, "bob");
    chrome.sees("Wrong username or password.");
    chrome.press("Sign in with a passkey");
    chrome.press("Use my passkey");
    chrome.sees("That passkey is not known here.");
}
