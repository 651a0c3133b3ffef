//! A person signs in to one Gatehouse through another: the button on D's
//! sign-in page, U's sign-in and consent pages, and back to D signed in.

use gatehouse::accounts::signup::Signup;

use crate::harness::*;

#[test]
fn a_person_signs_in_through_another_gatehouse_with_the_button() {
    let fed = Federation::start(Signup::Open);
    let chrome = Chrome::start("upstream-sign-in");
    chrome.go(&fed.down.url("/login?next=/account"));
    chrome.sees("Or sign in with");
    chrome.shot("buttons");
    chrome.click("#upstream-up");
    // U's own sign-in page, then its consent page for D's client.
    chrome.arrives_at(&fed.up.url("/login"));
    chrome.sees("Sign in");
    chrome.fill("username", "bob");
    chrome.fill("password", "bob-password");
    chrome.shot("upstream-sign-in");
    chrome.press("Sign in");
    chrome.sees("Downstream");
    chrome.shot("upstream-consent");
    chrome.click("button[name=decision][value=allow]");
    // Back at D, signed in to the account made for bob, where `next` said.
    chrome.arrives_at(&fed.down.url("/account"));
    chrome.sees("Signed in as bob");
    chrome.shot("signed-in");
    chrome.go(&fed.down.url("/account/security"));
    chrome.sees("Sign in through another provider");
    chrome.sees("Upstream as bob");
    chrome.shot("security");
}
