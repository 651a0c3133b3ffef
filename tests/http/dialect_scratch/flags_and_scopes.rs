//! The AppFlags an administrator sets on /admin, the scope `identify`, the routes only when asked.

use gatehouse::dialects::Dialect;
use serde_json::json as body;

use super::login::{kenny, start_login};
use super::tokens::{
    allow, assert_tokens, authorize, consent, consent_scopes, exchange, refresh_tokens,
};
use super::{
    api, app_path, app_without_redirect, extra, list, new_cool_app, replay, status_of, ADMIN,
    ADMIN_PASSWORD, COOL_CB, DEMO_APP, DEMO_SECRET, KENNY, KENNY_PASSWORD,
};
use crate::harness::*;

/// The scopes of other dialects and of the demo seed: never granted here.
const FOREIGN_SCOPES: [&str; 4] = ["basic", "read", "api", "write"];

// ---- AppFlags ----

/// Saves an application's flags on /admin as the administrator: the
/// checked boxes, and `dialect=scratch` (the form replaces the dialect
/// too, and a scratch application must stay one).
fn set_app_flags(server: &TestServer, admin: &Browser, client_id: u64, checked: &[&str]) {
    let mut form: Vec<(&str, &str)> = checked.iter().map(|f| (*f, "on")).collect();
    form.push(("dialect", "scratch"));
    form.push(("access_token_ttl", ""));
    let response = admin_post(
        server,
        admin,
        &format!("/admin/apps/{client_id}/flags"),
        &form,
    );
    assert_done(server, &response);
}

#[test]
fn the_app_flags_are_the_bits_an_administrator_sets_on_admin() {
    replay(|server| {
        let session = kenny(server);
        let person = Browser::signed_in_as(server, KENNY, KENNY_PASSWORD);
        let app = new_cool_app(server, &session);
        let admin = Browser::signed_in_as(server, ADMIN, ADMIN_PASSWORD);

        // The application's form on /admin: the three boxes, and the
        // dialect chosen.
        let page = html_page(admin.get(&server.url("/admin/apps")), 200);
        let form = form_with_action(&page, &format!("/admin/apps/{}/flags", app.0));
        let boxes: Vec<String> = elements(form, "input")
            .into_iter()
            .filter(|i| i.get("type").map(String::as_str) == Some("checkbox"))
            .filter_map(|i| i.get("name").cloned())
            .collect();
        for name in ["name_approved", "verified", "hide_owner"] {
            assert!(boxes.iter().any(|b| b == name), "no {name} in: {form}");
        }
        let chosen = elements(form, "option")
            .into_iter()
            .find(|o| o.contains_key("selected"))
            .and_then(|o| o.get("value").cloned());
        assert_eq!(chosen.as_deref(), Some("scratch"), "{form}");

        let flags = || json(session.get(server, &app_path(app.0)), 200)["flags"].clone();
        let consent_text = || visible_text(&consent(server, &person, app.0, None, Some(COOL_CB)));
        assert_eq!(flags(), 0);
        let text = consent_text();
        assert!(text.contains("name not reviewed"), "{text}");
        assert!(!text.contains("Verified"), "{text}");
        assert!(text.contains(&format!("Registered by {KENNY}")), "{text}");

        set_app_flags(
            server,
            &admin,
            app.0,
            &["name_approved", "verified", "hide_owner"],
        );
        assert_eq!(flags(), 1 | 2 | 4);
        let text = consent_text();
        assert!(!text.contains("name not reviewed"), "{text}");
        assert!(text.contains("✓ Verified"), "{text}");
        assert!(!text.contains("Registered by"), "{text}");

        for (checked, bits) in [
            (&["name_approved"][..], 1),
            (&["verified"][..], 2),
            (&["hide_owner"][..], 4),
            (&["name_approved", "hide_owner"][..], 1 | 4),
            (&[][..], 0),
        ] {
            set_app_flags(server, &admin, app.0, checked);
            assert_eq!(flags(), bits, "checked {checked:?}");
        }

        // Still a scratch application, listed and working.
        assert_eq!(list(server, &session).len(), 1);
        let code = authorize(server, &person, app.0, None, Some(COOL_CB));
        assert_tokens(
            server,
            &json(exchange(server, &app, &code, body!("identify")), 200),
        );
    });
}

// ---- Scopes ----

#[test]
fn an_application_asking_no_scope_is_granted_exactly_identify() {
    replay(|server| {
        let session = kenny(server);
        let person = Browser::signed_in_as(server, KENNY, KENNY_PASSWORD);
        let made = app_without_redirect(server, &session);
        let demo = (DEMO_APP, DEMO_SECRET.to_owned());
        for app in [made, demo] {
            let page = consent(server, &person, app.0, None, None);
            assert_eq!(consent_scopes(&page), ["identify"], "consent for {}", app.0);
            let code = allow(server, &person, &page, None);
            // The document's request, as is.
            let tokens = json(exchange(server, &app, &code, body!("identify")), 200);
            assert_tokens(server, &tokens);
            let info = server.introspect(tokens["access_token"].as_str().unwrap());
            assert_eq!(info["scope"], "identify", "{info}");
            for foreign in FOREIGN_SCOPES {
                assert!(
                    !info["scope"].as_str().unwrap().contains(foreign),
                    "{foreign} in {info}"
                );
            }
            // And refreshing keeps it so.
            let fresh = json(refresh_tokens(server, &app, &tokens["refresh_token"]), 200);
            assert_eq!(fresh["scopes"], body!(["identify"]));
        }
    });
}

#[test]
fn the_dialect_routes_exist_only_when_asked_for() {
    let seed = demo_seed_plus(&extra());
    let server = TestServer::start_with(&seed, |c| c.dialects = vec![Dialect::Skritter]);
    let browser = Browser::signed_in_as(&server, KENNY, KENNY_PASSWORD);
    status_of(browser.get(&api(&server, "/applications")), 404);
    status_of(start_login(&server, KENNY), 404);
    let page = html_page(browser.get(&server.url("/account")), 200);
    assert!(!page.contains("id=\"api-login\""), "{page}");
}
