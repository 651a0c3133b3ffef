//! An authenticator app in a real browser: the administrator requires a
//! second factor for everyone, a person is sent to set one up right after
//! the password, scans (reads) the key, turns the app on with a code, keeps
//! the recovery codes, and signs in again with a code and then with a
//! recovery code; a used code and a used recovery code are refused.

use super::sign_in_here;
use crate::harness::*;

fn sign_out(server: &TestServer, chrome: &Chrome) {
    chrome.go(&server.url("/"));
    chrome.press("Sign out");
    chrome.sees("Sign in");
}

#[test]
fn the_policy_sends_a_person_to_set_up_an_app_and_codes_then_sign_in() {
    let server = TestServer::start();
    let chrome = Chrome::start("totp");
    chrome.go(&server.url("/login"));
    sign_in_here(&chrome, "alice");
    chrome.go(&server.url("/admin/settings"));
    chrome.click("select[name=second_factor] option[value=everyone]");
    chrome.press("Save settings");
    chrome.sees("required for everyone");
    sign_out(&server, &chrome);

    // Right after the password: enrol first.
    chrome.go(&server.url("/login"));
    sign_in_here(&chrome, "alice");
    chrome.sees("Your administrator requires a second factor.");
    chrome.shot("must-enrol");
    chrome.click("#setup-totp");
    chrome.sees("Scan this code with the app");
    chrome.shot("qr-code");
    let secret = chrome.text_of("#totp-secret");
    chrome.fill("code", "000000");
    chrome.press("Turn it on");
    chrome.sees("not right");
    chrome.fill("code", &next_code(&server, &secret));
    chrome.press("Turn it on");
    chrome.sees("Your recovery codes");
    let codes: Vec<String> = chrome
        .text_of("#recovery-codes")
        .lines()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(codes.len(), 10, "{codes:?}");
    chrome.shot("recovery-codes");
    chrome.click("#continue");
    sign_out(&server, &chrome);

    // A code from the app.
    chrome.go(&server.url("/login"));
    sign_in_here(&chrome, "alice");
    chrome.sees("One more step");
    let code = next_code(&server, &secret);
    chrome.fill("code", &code);
    chrome.press("Sign in");
    chrome.sees("Signed in as alice");
    sign_out(&server, &chrome);

    // The same code again, within its window: refused.
    chrome.go(&server.url("/login"));
    sign_in_here(&chrome, "alice");
    chrome.fill("code", &code);
    chrome.press("Sign in");
    chrome.sees("That code is not right.");

    // A recovery code works, once.
    chrome.fill("code", &codes[0]);
    chrome.press("Sign in");
    chrome.sees("Signed in as alice");
    sign_out(&server, &chrome);
    chrome.go(&server.url("/login"));
    sign_in_here(&chrome, "alice");
    chrome.fill("code", &codes[0]);
    chrome.press("Sign in");
    chrome.sees("That code is not right.");
}
