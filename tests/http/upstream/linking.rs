//! Linking a provider to a signed-in account, and unlinking it.

use gatehouse::accounts::signup::Signup;

use super::form_by_id;
use crate::harness::*;

#[test]
fn linking_after_signing_in_makes_the_provider_a_way_into_that_account() {
    let fed = Federation::start(Signup::Closed);
    let browser = Browser::signed_in_at(&fed.down.base, "alice");
    let page = html_page(browser.get(&fed.down.url("/account/security")), 200);
    assert!(!page.contains("id=\"linked-up\""));
    let (action, csrf) = form_by_id(&page, "link-up");
    assert_eq!(action, fed.down.url("/login/upstream/up"));
    let start = browser.post_form(&action, &[("csrf_token", &csrf)]);
    assert_eq!(start.status().as_u16(), 303);
    let back = fed.through_upstream(&browser, &location(&start), "bob");
    let linked = browser.get(&back);
    assert_eq!(linked.status().as_u16(), 302);
    assert!(location(&linked).ends_with("/account/security?done=upstream_linked"));
    // Still alice, and the page lists the link with its Unlink button.
    assert_eq!(fed.signed_in_at_down(&browser).as_deref(), Some("alice"));
    let page = html_page(browser.get(&location(&linked)), 200);
    assert!(
        page.contains("id=\"linked-up\"") && page.contains("as bob"),
        "{page}"
    );
    assert!(page.contains("Unlink Upstream") && !page.contains("id=\"link-up\""));
    // Another browser signs in through U as bob and lands in alice's account.
    let elsewhere = Browser::new();
    assert_eq!(
        fed.sign_in_through(&elsewhere, "up", "bob")
            .status()
            .as_u16(),
        303
    );
    assert_eq!(fed.signed_in_at_down(&elsewhere).as_deref(), Some("alice"));

    // Unlinking takes that way in away again.
    let (unlink, csrf) = form_by_id(&page, "linked-up");
    assert_eq!(unlink, fed.down.url("/account/security/upstream/up/unlink"));
    let done = browser.post_form(&unlink, &[("csrf_token", &csrf)]);
    assert_eq!(done.status().as_u16(), 303);
    let page = html_page(browser.get(&location(&done)), 200);
    assert!(
        !page.contains("id=\"linked-up\"") && page.contains("id=\"link-up\""),
        "{page}"
    );
    let after = Browser::new();
    assert_eq!(
        fed.sign_in_through(&after, "up", "bob").status().as_u16(),
        403
    );
    assert_eq!(fed.signed_in_at_down(&after), None);
}

#[test]
fn linking_needs_a_session_and_the_csrf_token() {
    let fed = Federation::start(Signup::Closed);
    let browser = Browser::signed_in_at(&fed.down.base, "alice");
    let refused = browser.post_form(
        &fed.down.url("/login/upstream/up"),
        &[("csrf_token", "forged")],
    );
    assert_eq!(refused.status().as_u16(), 403);
    let stranger = Browser::new();
    let page = html_page(stranger.get(&fed.down.url("/login")), 200);
    let to_login = stranger.post_form(
        &fed.down.url("/login/upstream/up"),
        &[("csrf_token", &Browser::csrf(&page))],
    );
    assert_eq!(to_login.status().as_u16(), 303);
    assert!(
        location(&to_login).contains("/login?next="),
        "{}",
        location(&to_login)
    );
}

#[test]
fn an_account_made_upstream_cannot_unlink_its_only_way_in() {
    let fed = Federation::start(Signup::Open);
    let browser = Browser::new();
    assert_eq!(
        fed.sign_in_through(&browser, "up", "bob").status().as_u16(),
        303
    );
    let page = html_page(browser.get(&fed.down.url("/account/security")), 200);
    assert!(
        page.contains("id=\"linked-up\"") && page.contains("only way to sign in"),
        "{page}"
    );
    assert!(!page.contains("Unlink Upstream"));
    let csrf = Browser::csrf(&page);
    let refused = browser.post_form(
        &fed.down.url("/account/security/upstream/up/unlink"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(refused.status().as_u16(), 400);
    let again = Browser::new();
    assert_eq!(
        fed.sign_in_through(&again, "up", "bob").status().as_u16(),
        303
    );
    assert_eq!(fed.signed_in_at_down(&again).as_deref(), Some("bob"));
}

#[test]
fn a_linked_provider_shows_in_the_export_and_goes_with_the_deleted_account() {
    let fed = Federation::start(Signup::Open);
    // dora (no administrator: the only one may not leave) signs in with
    // her password and her app's code.
    let browser = Browser::new();
    browser.login_with_code(&fed.down, "dora", CAROL_TOTP);
    let page = html_page(browser.get(&fed.down.url("/account/security")), 200);
    let (action, csrf) = form_by_id(&page, "link-up");
    let start = browser.post_form(&action, &[("csrf_token", &csrf)]);
    let back = fed.through_upstream(&browser, &location(&start), "bob");
    assert_eq!(browser.get(&back).status().as_u16(), 302);

    let export: serde_json::Value = browser
        .get(&fed.down.url("/account/export"))
        .json()
        .unwrap();
    let linked = export["linked_providers"].as_array().unwrap();
    assert_eq!(linked.len(), 1, "{export}");
    assert_eq!(linked[0]["provider"], "up");
    assert!(linked[0]["subject"].as_str().is_some_and(|s| !s.is_empty()));

    let page = html_page(browser.get(&fed.down.url("/account/delete")), 200);
    let deleted = browser.post_form(
        &fed.down.url("/account/delete"),
        &[
            ("password", "dora-password"),
            ("csrf_token", &Browser::csrf(&page)),
        ],
    );
    assert_eq!(deleted.status().as_u16(), 200);

    // The link went with the account: bob at U is a newcomer at D now.
    let elsewhere = Browser::new();
    assert_eq!(
        fed.sign_in_through(&elsewhere, "up", "bob")
            .status()
            .as_u16(),
        303
    );
    let now = fed.signed_in_at_down(&elsewhere);
    assert!(now.as_deref().is_some_and(|name| name != "dora"), "{now:?}");
}
