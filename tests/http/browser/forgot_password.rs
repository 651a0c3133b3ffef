//! A person who forgot the password: asks for a link on the sign-in page,
//! reads it in the mail, sets a new password, signs in with it.

use crate::harness::*;

#[test]
fn a_person_resets_a_forgotten_password_by_mail() {
    let sink = MailSink::start();
    let server = mail_server(&sink, |_| {});
    // Only verified addresses get reset links: alice verifies hers first.
    verify_address(&server, &sink, "alice", "alice@example.org");

    let chrome = Chrome::start("forgot-password");
    chrome.go(&server.url("/login"));
    chrome.click("#forgot");
    chrome.sees("Forgot your password?");
    assert_eq!(chrome.url(), server.url("/password/forgot"));
    chrome.fill("email", "alice@example.org");
    chrome.shot("asked");
    chrome.press("Send me a link");
    chrome.sees("If an account has this address, a link is on its way.");
    chrome.shot("on-its-way");

    let link = sink.wait_for_nth("alice@example.org", 2).link("/reset");
    chrome.go(&link);
    chrome.sees("Choose a new password");
    chrome.fill("new_password", "through-the-looking-glass");
    chrome.shot("new-password");
    chrome.press("Set password");
    chrome.arrives_at(&server.url("/login"));

    chrome.sees("Sign in");
    chrome.fill("username", "alice");
    chrome.fill("password", "through-the-looking-glass");
    chrome.press("Sign in");
    chrome.sees("Signed in as alice");
    chrome.shot("signed-in");

    // The link worked once.
    chrome.go(&link);
    chrome.sees("used, expired or unknown");
}
