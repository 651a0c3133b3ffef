//! Longer journeys across the person-facing pages: a newcomer signs up,
//! builds an application in the dashboard, uses it and withdraws its
//! access; an administrator verifies an application and people see it on
//! the consent page; a person edits their profile. Also the screenshots in
//! the README, made on demand.

use std::path::PathBuf;

use gatehouse::accounts::signup::Signup;

use super::sign_in_here;
use crate::harness::*;

/// Where erin's application sends people back to (nothing listens there).
const ERIN_CB: &str = "http://127.0.0.1:9400/cb";
/// Where `webapp` of the admin seed sends people back to.
const WEBAPP_CB: &str = "http://127.0.0.1:9000/cb";

/// The form that saves `client_id`'s flags on the admin page.
fn flags_form(client_id: &str) -> String {
    format!("form[action$=\"/admin/apps/{client_id}/flags\"]")
}

/// `client_id` asks for `scope` (spaces as `%20`) with state `s1`; the
/// redirect URI is given already form-encoded.
fn authorize_url(server: &TestServer, client_id: &str, redirect_uri: &str, scope: &str) -> String {
    server.url(&format!(
        "/oauth/authorize?response_type=code&client_id={client_id}\
         &redirect_uri={redirect_uri}&scope={scope}&state=s1"
    ))
}

/// Introspects `token` with the credentials of the client it was issued to.
fn introspect_with(server: &TestServer, id: &str, secret: &str, token: &str) -> serde_json::Value {
    json(
        server.post_basic("/oauth/introspect", id, secret, &[("token", token)]),
        200,
    )
}

#[test]
fn a_new_member_signs_up_builds_an_app_and_withdraws_it() {
    let server = TestServer::start_with(&admin_seed(), |c| c.signup = Signup::Open);
    let chrome = Chrome::start("journey-member");

    chrome.go(&server.url("/signup"));
    chrome.sees("Create an account");
    chrome.fill("username", "erin");
    chrome.fill("password", "erin-password-1");
    chrome.shot("sign-up");
    chrome.press("Create account");
    assert_eq!(
        chrome.arrives_at(&server.url("/account")),
        server.url("/account")
    );
    chrome.sees("Signed in as erin");
    chrome.shot("account-new");

    chrome.go(&server.url("/developer/apps/new"));
    chrome.sees("New application");
    chrome.fill("name", "Erin's Album");
    chrome.fill("redirect_uris", ERIN_CB);
    // The defaults: the code flow with refresh tokens, confidential.
    for grant in ["authorization_code", "refresh_token"] {
        assert!(chrome.is_checked(&format!("input[name=grant_types][value={grant}]")));
    }
    for grant in ["client_credentials", "implicit", "password"] {
        assert!(!chrome.is_checked(&format!("input[name=grant_types][value={grant}]")));
    }
    assert!(chrome.is_checked("input[name=type][value=confidential]"));
    chrome.shot("new-app");
    chrome.press("Create application");
    let secret = chrome.text_of("#client_secret");
    let id = chrome.text_of("#client_id");
    assert!(!id.is_empty() && !secret.is_empty(), "{id:?} {secret:?}");
    chrome.sees("shown only this once");
    chrome.shot("credentials");

    chrome.go(&authorize_url(
        &server,
        &id,
        "http%3A%2F%2F127.0.0.1%3A9400%2Fcb",
        "read",
    ));
    chrome.sees("Authorize Erin's Album");
    assert_eq!(chrome.text_of(".app-name"), "Erin's Album");
    chrome.sees("Read your data");
    chrome.shot("consent");
    chrome.press("Allow");
    let landed = chrome.arrives_at(&format!("{ERIN_CB}?code="));
    chrome.shot("redirected");
    let params = query_of(&landed);
    assert_eq!(params["state"], "s1");

    let tokens = json(
        server.post_basic(
            "/oauth/token",
            &id,
            &secret,
            &[
                ("grant_type", "authorization_code"),
                ("code", &params["code"]),
                ("redirect_uri", ERIN_CB),
            ],
        ),
        200,
    );
    let access = tokens["access_token"].as_str().unwrap();
    assert!(!access.is_empty());
    let info = introspect_with(&server, &id, &secret, access);
    assert_eq!(info["active"], true, "{info}");

    chrome.go(&server.url("/account"));
    chrome.sees("Authorized applications");
    let apps = chrome.text_of("#apps");
    assert!(apps.contains("Erin's Album"), "{apps}");
    assert!(apps.contains("read"), "{apps}");
    chrome.show("#apps");
    chrome.shot("account-authorized");
    chrome.press("Withdraw access");
    chrome.sees("Access withdrawn");
    let apps = chrome.text_of("#apps");
    assert!(!apps.contains("Erin's Album"), "{apps}");
    assert!(
        apps.contains("You have not authorized any application."),
        "{apps}"
    );
    chrome.show("#apps");
    chrome.shot("account-withdrawn");

    let info = introspect_with(&server, &id, &secret, access);
    assert_eq!(info["active"], false, "{info}");
}

#[test]
fn an_administrator_verifies_an_app_and_consent_shows_the_check_mark() {
    let server = admin_server();
    let form = flags_form("webapp");
    {
        let root = Chrome::start("journey-verify-root");
        root.go(&server.url("/admin/apps"));
        sign_in_here(&root, "root");
        root.arrives_at(&server.url("/admin/apps"));
        root.sees("Applications");
        let verified = format!("{form} input[name=verified]");
        assert!(!root.is_checked(&verified));
        root.show(&form);
        root.shot("admin");
        root.click(&verified);
        assert!(root.is_checked(&verified));
        root.shot("ticked");
        root.click(&format!("{form} button[type=submit]"));
        root.arrives_at(&server.url("/admin/apps?done="));
        root.sees("Saved the application's flags.");
        assert!(root.is_checked(&verified));
        root.show(&form);
        root.shot("saved");
    }

    let alice = Chrome::start("journey-verify-alice");
    alice.go(&authorize_url(
        &server,
        "webapp",
        "http%3A%2F%2F127.0.0.1%3A9000%2Fcb",
        "read",
    ));
    sign_in_here(&alice, "alice");
    alice.sees("Authorize Web App");
    assert!(alice.text_of(".verified").contains("Verified"));
    alice.sees("Read your data");
    alice.sees("127.0.0.1:9000");
    alice.shot("consent");
    // Verified is not first-party: she is asked, not sent on.
    assert!(!alice.url().starts_with(WEBAPP_CB));

    alice.go(&server.url("/admin"));
    alice.sees("administrators");
    let page = alice.text();
    assert!(page.contains("403"), "{page}");
    assert!(!page.contains("Save flags"), "{page}");
    alice.shot("admin-forbidden");
}

#[test]
fn the_account_page_changes_the_profile() {
    let server = admin_server();
    let chrome = Chrome::start("journey-profile");
    chrome.go(&server.url("/account"));
    sign_in_here(&chrome, "alice");
    chrome.arrives_at(&server.url("/account"));
    chrome.sees("Signed in as alice");
    chrome.shot("account");
    chrome.fill("name", "Alice Kingsleigh");
    chrome.press("Save profile");
    chrome.sees("Your profile is saved.");
    assert_eq!(chrome.value_of("name"), "Alice Kingsleigh");
    assert_eq!(chrome.value_of("email"), "alice@example.org");
    chrome.shot("saved");

    // It stays saved: a fresh load shows it too.
    chrome.go(&server.url("/account"));
    chrome.sees("Signed in as alice");
    assert_eq!(chrome.value_of("name"), "Alice Kingsleigh");
    chrome.shot("reloaded");
}

/// `docs/screenshots/<name>.png` in the repository.
fn readme_shot(chrome: &Chrome, name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let to = dir.join(format!("{name}.png"));
    std::fs::copy(chrome.shot(name), &to).unwrap();
    to
}

/// Makes the README's screenshots: run with
/// `cargo test --test http make_readme_screenshots -- --ignored`.
#[test]
#[ignore = "writes docs/screenshots/; run by hand"]
fn make_readme_screenshots() {
    let server = admin_server();
    set_flags(&server, "webapp", &["verified", "name_approved"]);

    let chrome = Chrome::start("readme");
    chrome.viewport(800, 700);
    chrome.go(&authorize_url(
        &server,
        "webapp",
        "http%3A%2F%2F127.0.0.1%3A9000%2Fcb",
        "openid%20profile%20read",
    ));
    sign_in_here(&chrome, "alice");
    chrome.sees("Authorize Web App");
    chrome.sees("Read your data");
    assert!(chrome.text_of(".verified").contains("Verified"));
    println!("{}", readme_shot(&chrome, "consent").display());

    let browser = Browser::signed_in(&server, "alice");
    let (album, _) = dashboard_app(
        &server,
        &browser,
        &[
            ("name", "Photo Album"),
            (
                "description",
                "Shares the photos you choose with your family.",
            ),
            ("homepage", "https://album.example/"),
            ("type", "confidential"),
            ("grant_types", "authorization_code"),
            ("grant_types", "refresh_token"),
            ("redirect_uris", ALBUM_CB),
        ],
    );
    dashboard_app(
        &server,
        &browser,
        &[
            ("name", "Recipe Box"),
            ("type", "public"),
            ("grant_types", "authorization_code"),
            ("redirect_uris", "http://127.0.0.1:8123/callback"),
        ],
    );
    chrome.go(&server.url(&format!("/developer/apps/{album}")));
    chrome.sees("Edit Photo Album");
    chrome.shot("dashboard-edit");
    chrome.go(&server.url("/developer/apps"));
    chrome.sees("Recipe Box");
    chrome.sees("Photo Album");
    println!("{}", readme_shot(&chrome, "dashboard").display());
}
