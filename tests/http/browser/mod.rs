//! Real-browser tests: headless Chromium, driven through chromedriver,
//! clicks through the pages as a person would, with a screenshot of every
//! page it visits in `target/screenshots/`. Each test starts its own
//! server and its own browser, so they run side by side with the rest.

mod admin_search;
mod flows;
mod forgot_password;
mod form_post;
mod journey;
mod leaving;
mod passkeys;
mod totp;
mod upstream;

use crate::harness::*;

/// Signs in on the sign-in page the browser shows now, as `username`
/// with the seed's password, taking a screenshot of the filled form.
fn sign_in_here(chrome: &Chrome, username: &str) {
    chrome.sees("Sign in");
    chrome.fill("username", username);
    chrome.fill("password", &format!("{username}-password"));
    chrome.shot("sign-in");
    chrome.press("Sign in");
}
