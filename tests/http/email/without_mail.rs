//! A server without `--smtp-url`: reset by email is off and the pages say
//! so; addresses cannot be verified; the admin's reset links still work
//! (tests/http/admin.rs runs them on such a server).

use gatehouse::accounts::signup::Signup;

use crate::harness::*;

#[test]
fn the_forgot_page_says_reset_by_email_is_off() {
    let server = people_server(|c| c.signup = Signup::Open);
    let browser = Browser::new();
    let page = html_page(browser.get(&server.url("/password/forgot")), 200);
    assert!(
        page.contains("Password reset by email is not available on this server"),
        "{page}"
    );
    assert!(page.contains("Ask an administrator"), "{page}");
    let login = html_page(browser.get(&server.url("/login")), 200);
    let response = browser.post_form(
        &server.url("/password/forgot"),
        &[
            ("csrf_token", &Browser::csrf(&login)),
            ("email", "alice@example.org"),
        ],
    );
    let page = html_page(response, 200);
    assert!(page.contains("not available on this server"), "{page}");
}

#[test]
fn sign_up_and_the_account_page_say_addresses_cannot_be_verified() {
    let server = people_server(|c| c.signup = Signup::Open);
    let signup = html_page(Browser::new().get(&server.url("/signup")), 200);
    assert!(signup.contains("cannot be verified here"), "{signup}");
    let alice = Browser::signed_in(&server, "alice");
    let account = html_page(alice.get(&server.url("/account")), 200);
    assert!(
        account.contains("cannot be: this server sends no mail"),
        "{account}"
    );
    assert!(!account.contains("Send the link again"), "{account}");
    // Asking anyway changes nothing.
    let response = alice.post_form(
        &server.url("/account/email/verify"),
        &[("csrf_token", &Browser::csrf(&account))],
    );
    assert_eq!(location(&response), server.url("/account"));
}

#[test]
fn a_verification_form_without_its_csrf_token_is_refused() {
    let server = people_server(|_| {});
    let response = Browser::new().post_form(&server.url("/email/verify"), &[("token", "gth_ev_x")]);
    html_page(response, 403);
    let response = Browser::new().post_form(
        &server.url("/password/forgot"),
        &[("email", "alice@example.org")],
    );
    html_page(response, 403);
}

#[test]
fn an_unknown_verification_link_is_a_page_not_an_error() {
    let server = people_server(|_| {});
    for path in [
        "/email/verify",
        "/email/verify?token=",
        "/email/verify?token=gth_ev_nope",
    ] {
        let page = html_page(Browser::new().get(&server.url(path)), 400);
        assert!(page.contains("used, expired or unknown"), "{page}");
    }
}
