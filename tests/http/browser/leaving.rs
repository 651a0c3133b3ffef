//! A person leaves: from the account page to the deletion page, types the
//! password, confirms, and is signed out with their account gone.

use super::sign_in_here;
use crate::harness::*;

#[test]
fn a_person_deletes_their_account() {
    let server = people_server(|_| {});
    let chrome = Chrome::start("leaving");
    chrome.go(&server.url("/account"));
    sign_in_here(&chrome, "alice");
    chrome.sees("Signed in as alice");
    chrome.click("#delete");
    chrome.sees("Delete your account");
    assert_eq!(chrome.url(), server.url("/account/delete"));
    chrome.sees("This cannot be undone.");

    // A wrong password first: nothing happens.
    chrome.fill("password", "not-my-password");
    chrome.press("Delete my account");
    chrome.sees("The password is not right; your account is unchanged.");
    chrome.shot("wrong-password");

    chrome.fill("password", "alice-password");
    chrome.shot("confirm");
    chrome.press("Delete my account");
    chrome.sees("Your account is deleted");
    chrome.shot("deleted");

    // Signed out: the account page asks for a sign-in, which fails.
    chrome.go(&server.url("/account"));
    sign_in_here(&chrome, "alice");
    chrome.sees("Wrong username or password");
}
