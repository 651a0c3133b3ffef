//! Password reset by mail: `/password/forgot` answers the same whatever the
//! address; a verified address gets a link that works once, for half an
//! hour, and ends every session; an unverified one gets nothing.

use std::time::Duration;

use super::assert_link_refused;
use crate::harness::*;

/// Asks for a reset link for `address` in a fresh browser; answers the
/// status and the body.
fn ask_for_reset(server: &TestServer, address: &str) -> (u16, String) {
    let browser = Browser::new();
    let form = html_page(browser.get(&server.url("/password/forgot")), 200);
    assert!(
        elements(&form, "input")
            .iter()
            .any(|a| a.get("name").map(String::as_str) == Some("email")),
        "{form}"
    );
    let response = browser.post_form(
        &server.url("/password/forgot"),
        &[("csrf_token", &Browser::csrf(&form)), ("email", address)],
    );
    let status = response.status().as_u16();
    (status, response.text().unwrap())
}

/// Sets a new password through a reset link; answers the response.
fn set_password(server: &TestServer, link: &str, password: &str) -> reqwest::blocking::Response {
    let browser = Browser::new();
    let form = html_page(browser.get(link), 200);
    let token = hidden_value(&form, "token").expect("a hidden token");
    browser.post_form(
        &server.url("/reset"),
        &[
            ("csrf_token", &Browser::csrf(&form)),
            ("token", &token),
            ("new_password", password),
        ],
    )
}

#[test]
fn the_answer_is_the_same_whether_or_not_an_account_has_the_address() {
    let sink = MailSink::start();
    let server = mail_server(&sink, |_| {});
    verify_address(&server, &sink, "alice", "alice@example.org");
    let (unknown_status, unknown) = ask_for_reset(&server, "nobody@example.org");
    let (known_status, known) = ask_for_reset(&server, "Alice@Example.org");
    assert_eq!((unknown_status, known_status), (200, 200));
    assert_eq!(unknown, known);
    assert!(
        known.contains("If an account has this address, a link is on its way"),
        "{known}"
    );
    // Only the known address gets a letter (its second: the first verified it).
    let letter = sink.wait_for_nth("alice@example.org", 2);
    assert!(letter.header("Subject").contains("Reset your password"));
    assert!(letter.body.contains("30 minutes"), "{}", letter.body);
    std::thread::sleep(Duration::from_millis(500));
    assert!(sink.letters_to("nobody@example.org").is_empty());
    assert_eq!(sink.letters().len(), 2);
}

#[test]
fn a_mailed_link_resets_the_password_once_and_ends_every_session() {
    let sink = MailSink::start();
    let server = mail_server(&sink, |_| {});
    let signed_in = verify_address(&server, &sink, "alice", "alice@example.org");
    assert_eq!(signed_in.get(&server.url("/account")).status(), 200);
    ask_for_reset(&server, "alice@example.org");
    let link = sink.wait_for_nth("alice@example.org", 2).link("/reset");
    assert!(
        link.starts_with(&server.url("/reset?token=gth_pr_")),
        "{link}"
    );

    let response = set_password(&server, &link, "through-the-looking-glass");
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), server.url("/login"));
    // The session from before is over; the old password is refused.
    let account = signed_in.get(&server.url("/account"));
    assert_eq!(account.status(), 302);
    assert!(location(&account).starts_with(&server.url("/login")));
    assert_sign_in_refused(&server, "alice", "alice-password");
    Browser::new().login(&server, "alice", "through-the-looking-glass");
    // The link works once.
    assert_link_refused(Browser::new().get(&link));
}

#[test]
fn a_mailed_link_stops_working_after_half_an_hour() {
    let sink = MailSink::start();
    let server = mail_server(&sink, |_| {});
    verify_address(&server, &sink, "alice", "alice@example.org");
    ask_for_reset(&server, "alice@example.org");
    let link = sink.wait_for_nth("alice@example.org", 2).link("/reset");
    server.clock.advance(31 * 60);
    assert_link_refused(Browser::new().get(&link));
    Browser::new().login(&server, "alice", "alice-password");
}

#[test]
fn an_unverified_address_gets_no_link() {
    let sink = MailSink::start();
    let server = mail_server(&sink, |_| {});
    let (status, answer) = ask_for_reset(&server, "bob@example.org");
    assert_eq!(status, 200);
    assert!(answer.contains("a link is on its way"), "{answer}");
    // A letter that did go would arrive well within this.
    verify_address(&server, &sink, "alice", "alice@example.org");
    std::thread::sleep(Duration::from_millis(500));
    assert!(sink.letters_to("bob@example.org").is_empty());
}

#[test]
fn a_malformed_address_is_explained_beside_the_form() {
    let sink = MailSink::start();
    let server = mail_server(&sink, |_| {});
    let (status, page) = ask_for_reset(&server, "not an address");
    assert_eq!(status, 400);
    assert!(
        page.contains("does not look like an email address"),
        "{page}"
    );
}

#[test]
fn asking_again_and_again_sends_only_a_few_letters() {
    let sink = MailSink::start();
    let server = mail_server(&sink, |_| {});
    verify_address(&server, &sink, "alice", "alice@example.org");
    let answers: Vec<String> = (0..6)
        .map(|_| ask_for_reset(&server, "alice@example.org").1)
        .collect();
    assert!(answers.windows(2).all(|w| w[0] == w[1]));
    // Three letters to one address in quick succession (the verification
    // was the first), then the throttle holds the rest back.
    sink.wait_for_nth("alice@example.org", 3);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(sink.letters_to("alice@example.org").len(), 3);
}

#[test]
fn the_sign_in_page_links_to_the_forgotten_password_form() {
    let server = people_server(|_| {});
    let page = html_page(Browser::new().get(&server.url("/login")), 200);
    let link = elements(&page, "a")
        .into_iter()
        .find(|a| a.get("id").map(String::as_str) == Some("forgot"))
        .unwrap_or_else(|| panic!("no forgot link: {page}"));
    assert_eq!(link["href"], server.url("/password/forgot"));
}
