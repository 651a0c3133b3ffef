//! Verification: a one-time link at sign-up and when the address changes;
//! `email_verified` in UserInfo and the ID token follows it.

use gatehouse::accounts::signup::Signup;

use super::{assert_email_claims, assert_link_refused};
use crate::harness::*;

fn sign_up(server: &TestServer, browser: &Browser, username: &str, email: &str) -> String {
    let page = html_page(browser.get(&server.url("/signup")), 200);
    let response = browser.post_form(
        &server.url("/signup"),
        &[
            ("csrf_token", &Browser::csrf(&page)),
            ("username", username),
            ("password", &format!("{username}-password")),
            ("email", email),
        ],
    );
    assert_eq!(response.status(), 303);
    location(&response)
}

#[test]
fn sign_up_mails_a_link_that_verifies_the_address_once() {
    let sink = MailSink::start();
    let server = mail_server(&sink, |c| c.signup = Signup::Open);
    let browser = Browser::new();
    let form = html_page(browser.get(&server.url("/signup")), 200);
    assert!(form.contains("We mail a link to confirm it"), "{form}");
    let landed = sign_up(&server, &browser, "carol", "carol@example.org");
    assert_eq!(landed, server.url("/account?done=verify-sent"));
    let account = html_page(browser.get(&landed), 200);
    assert!(account.contains("is on its way"), "{account}");
    assert!(account.contains("not verified yet"), "{account}");
    assert_email_claims(&server, "carol", "carol@example.org", false);

    let letter = sink.wait_for("carol@example.org");
    assert!(
        letter.header("From").contains("<gatehouse@example.org>"),
        "{letter:?}"
    );
    assert!(letter
        .header("Subject")
        .contains("Confirm your email address"));
    assert!(letter.body.contains("carol"), "{}", letter.body);
    let link = letter.link("/email/verify");
    assert!(
        link.starts_with(&server.url("/email/verify?token=gth_ev_")),
        "{link}"
    );

    // Opening the link asks to confirm; only the button verifies.
    let confirm = html_page(Browser::new().get(&link), 200);
    assert!(confirm.contains("carol@example.org"), "{confirm}");
    assert_email_claims(&server, "carol", "carol@example.org", false);
    let done = html_page(follow_verification(&Browser::new(), &link), 200);
    assert!(done.contains("is verified"), "{done}");
    assert_email_claims(&server, "carol", "carol@example.org", true);
    let account = html_page(browser.get(&server.url("/account")), 200);
    assert!(account.contains("This address is verified."), "{account}");

    // The link works once.
    assert_link_refused(Browser::new().get(&link));
    let token = query_of(&link)["token"].clone();
    let page = html_page(Browser::new().get(&server.url("/password/forgot")), 200);
    let again = browser.post_form(
        &server.url("/email/verify"),
        &[("csrf_token", &Browser::csrf(&page)), ("token", &token)],
    );
    let status = again.status().as_u16();
    html_page(again, status);
    assert!(
        matches!(status, 400 | 403),
        "a reused link answered {status}"
    );
}

#[test]
fn a_changed_address_is_unverified_until_its_own_link_is_followed() {
    let sink = MailSink::start();
    let server = mail_server(&sink, |_| {});
    let browser = verify_address(&server, &sink, "alice", "alice@example.org");
    assert_email_claims(&server, "alice", "alice@example.org", true);

    let page = html_page(browser.get(&server.url("/account")), 200);
    let response = browser.post_form(
        &server.url("/account/profile"),
        &[
            ("csrf_token", &Browser::csrf(&page)),
            ("name", "Alice Liddell"),
            ("email", "alice@wonder.example"),
        ],
    );
    assert_eq!(response.status(), 303);
    assert_eq!(
        location(&response),
        server.url("/account?done=profile-verify")
    );
    assert_email_claims(&server, "alice", "alice@wonder.example", false);
    let link = sink.wait_for("alice@wonder.example").link("/email/verify");
    html_page(follow_verification(&Browser::new(), &link), 200);
    assert_email_claims(&server, "alice", "alice@wonder.example", true);
}

#[test]
fn a_link_for_an_old_address_does_not_verify_the_new_one() {
    let sink = MailSink::start();
    let server = mail_server(&sink, |_| {});
    let browser = Browser::signed_in(&server, "bob");
    let page = html_page(browser.get(&server.url("/account")), 200);
    let csrf = Browser::csrf(&page);
    let response = browser.post_form(
        &server.url("/account/email/verify"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(location(&response), server.url("/account?done=verify-sent"));
    let old_link = sink.wait_for("bob@example.org").link("/email/verify");

    let response = browser.post_form(
        &server.url("/account/profile"),
        &[
            ("csrf_token", &csrf),
            ("name", "Bob"),
            ("email", "bob@elsewhere.example"),
        ],
    );
    assert_eq!(response.status(), 303);
    // The old link no longer opens, and nothing is verified.
    assert_link_refused(Browser::new().get(&old_link));
    assert_email_claims(&server, "bob", "bob@elsewhere.example", false);
}

#[test]
fn sending_the_link_again_is_throttled_per_address() {
    let sink = MailSink::start();
    let server = mail_server(&sink, |_| {});
    let browser = Browser::signed_in(&server, "bob");
    let page = html_page(browser.get(&server.url("/account")), 200);
    assert!(page.contains("Send the link again"), "{page}");
    let csrf = Browser::csrf(&page);
    let answers: Vec<String> = (0..6)
        .map(|_| {
            location(&browser.post_form(
                &server.url("/account/email/verify"),
                &[("csrf_token", &csrf)],
            ))
        })
        .collect();
    let sent = answers
        .iter()
        .filter(|a| a.ends_with("done=verify-sent"))
        .count();
    assert_eq!(sent, 3, "{answers:?}");
    assert!(answers[5].ends_with("done=verify-wait"), "{answers:?}");
    sink.wait_for_nth("bob@example.org", 3);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(sink.letters_to("bob@example.org").len(), 3);
    let notice = html_page(browser.get(&answers[5]), 200);
    assert!(notice.contains("wait a few minutes"), "{notice}");
}
