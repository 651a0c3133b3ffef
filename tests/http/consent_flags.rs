//! What the consent page says about an application, as an administrator's
//! flags and its developer's privacy setting decide.

use crate::harness::*;

const WEBAPP_CB: &str = "http://127.0.0.1:9000/cb";

#[test]
fn an_unreviewed_name_is_flagged_until_an_administrator_approves_it() {
    let server = admin_server();
    let album = album_app(&server, "bob", "Photo Album");
    let page = consent_page(&server, "alice", &album, ALBUM_CB);
    assert!(visible_text(&page).contains("Photo Album"));
    assert!(
        visible_text(&page)
            .to_lowercase()
            .contains("name not reviewed"),
        "no warning: {page}"
    );
    set_flags(&server, &album, &["name_approved"]);
    let page = consent_page(&server, "carol", &album, ALBUM_CB);
    assert!(visible_text(&page).contains("Photo Album"));
    assert!(
        !page.to_lowercase().contains("name not reviewed"),
        "still warned: {page}"
    );
}

#[test]
fn a_verified_application_shows_a_check_mark() {
    let server = admin_server();
    let page = consent_page(&server, "alice", "webapp", WEBAPP_CB);
    assert!(!has_class(&page, "verified"), "verified already: {page}");
    set_flags(&server, "webapp", &["verified"]);
    let page = consent_page(&server, "alice", "webapp", WEBAPP_CB);
    assert!(has_class(&page, "verified"), "no check mark: {page}");
    // Unchecking the box takes the mark away.
    set_flags(&server, "webapp", &[]);
    let page = consent_page(&server, "alice", "webapp", WEBAPP_CB);
    assert!(!has_class(&page, "verified"), "still verified: {page}");
}

#[test]
fn an_application_without_a_name_is_called_unnamed() {
    let server = admin_server();
    let page = consent_page(&server, "alice", "nameless", "http://127.0.0.1:9400/cb");
    assert!(
        visible_text(&page).contains("[unnamed application]"),
        "{page}"
    );
}

#[test]
fn consent_names_the_developer_unless_an_administrator_hides_them() {
    let server = admin_server();
    let album = album_app(&server, "bob", "Photo Album");
    let page = consent_page(&server, "alice", &album, ALBUM_CB);
    assert!(visible_text(&page).contains("Registered by bob"), "{page}");
    set_flags(&server, &album, &["hide_owner"]);
    let page = consent_page(&server, "alice", &album, ALBUM_CB);
    assert!(!visible_text(&page).contains("Registered by"), "{page}");
}

#[test]
fn a_first_party_application_skips_the_consent_page() {
    let server = admin_server();
    set_flags(&server, "webapp", &["skip_consent"]);
    let alice = Browser::signed_in(&server, "alice");
    let response = ask(&server, &alice, "webapp", WEBAPP_CB);
    assert_eq!(response.status(), 302, "{}", response.text().unwrap());
    let target = location(&response);
    assert!(target.starts_with(WEBAPP_CB), "{target}");
    let params = query_of(&target);
    assert!(params.contains_key("code"), "no code in {target}");
    assert_eq!(params.get("state").map(String::as_str), Some("xyz"));
}

#[test]
fn a_private_application_is_for_its_owner_and_the_people_listed() {
    let server = admin_server();
    let album = album_app(&server, "bob", "Photo Album");
    let bob = Browser::signed_in(&server, "bob");
    let path = format!("/developer/apps/{album}");
    let csrf = csrf_from(&server, &bob, &path);
    let saved = bob.post_form(
        &server.url(&path),
        &[
            ("csrf_token", &csrf),
            ("name", "Photo Album"),
            ("grant_types", "authorization_code"),
            ("redirect_uris", ALBUM_CB),
            ("private", "on"),
            ("allowed_users", "alice\ncarol"),
        ],
    );
    assert_eq!(saved.status(), 303, "{}", saved.text().unwrap());

    for allowed in ["bob", "alice", "carol"] {
        consent_page(&server, allowed, &album, ALBUM_CB);
    }
    let dave = Browser::signed_in(&server, "dave");
    let response = ask(&server, &dave, &album, ALBUM_CB);
    assert!(
        response.headers().get("location").is_none(),
        "an outsider was redirected"
    );
    let page = html_page(response, 403);
    assert!(visible_text(&page).contains("private"), "{page}");
}
