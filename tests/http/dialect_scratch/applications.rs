//! The application registration endpoints: GET, PUT, PATCH and DELETE under `/applications`.

use reqwest::Method;
use serde_json::{json as body, Value};

use super::login::{bob, kenny};
use super::tokens::{assert_tokens, authorize, exchange, refresh_tokens};
use super::{
    api, app_path, assert_application, bearer, create, get_user, list, new_cool_app, not_json,
    replay, status_of, Session, COOL_CB, DEMO_APP, KENNY, KENNY_PASSWORD, SERVICE_APP,
};
use crate::harness::*;

#[test]
fn get_partial_applications_needs_a_logged_in_session_and_lists_ones_own() {
    replay(|server| {
        let anonymous = server
            .http
            .get(api(server, "/applications"))
            .send()
            .unwrap();
        status_of(anonymous, 401);
        let stale = Session {
            cookie: "gth_ss_no-such-session".into(),
        };
        status_of(stale.get(server, "/applications"), 401);

        let session = kenny(server);
        // The demo's scratch client has no owner: nobody lists it.
        assert!(list(server, &session).is_empty());
        let cool = create(
            server,
            &session,
            &body!({"app_name": "Cool And Good App", "redirect_uris": [COOL_CB]}),
        );
        let nameless = create(server, &session, &body!({"app_name": null}));
        let mut expected = vec![
            (
                assert_application(&cool, true).0,
                body!("Cool And Good App"),
            ),
            (assert_application(&nameless, true).0, Value::Null),
        ];
        expected.sort_by_key(|(id, _)| *id);
        assert_eq!(list(server, &session), expected);

        // Another person's session lists only theirs.
        let theirs = bob(server);
        assert!(list(server, &theirs).is_empty());
        // And kenny2scratch's browser session is the same person.
        let browser = Browser::signed_in_as(server, KENNY, KENNY_PASSWORD);
        assert_eq!(
            json(browser.get(&api(server, "/applications")), 200)
                .as_array()
                .unwrap()
                .len(),
            2
        );
    });
}

#[test]
fn get_application_answers_the_application_object_to_its_owner_only() {
    replay(|server| {
        let session = kenny(server);
        let (client_id, _) = new_cool_app(server, &session);
        let app = json(session.get(server, &app_path(client_id)), 200);
        // Gatehouse keeps a digest of the secret only: shown once, when made.
        assert_eq!(assert_application(&app, false).0, client_id);
        assert_eq!(app["app_name"], "New Cool App");
        assert_eq!(app["flags"], 0);
        assert_eq!(app["redirect_uris"], body!([COOL_CB]));

        let anonymous = server
            .http
            .get(api(server, &app_path(client_id)))
            .send()
            .unwrap();
        status_of(anonymous, 401);
        // No such client ID belonging to you, valid or not.
        status_of(bob(server).get(server, &app_path(client_id)), 404);
        for other in ["/applications/999999999", "/applications/not-a-number"] {
            status_of(session.get(server, other), 404);
        }
        status_of(session.get(server, &app_path(DEMO_APP)), 404);
        status_of(session.get(server, "/applications/webapp"), 404);
    });
}

#[test]
fn create_application_answers_the_new_application_with_its_secret() {
    replay(|server| {
        let session = kenny(server);
        // The document's example: no redirect URIs.
        let app = create(
            server,
            &session,
            &body!({"app_name": "New Cool App", "redirect_uris": []}),
        );
        assert_application(&app, true);
        assert_eq!(app["app_name"], "New Cool App");
        assert_eq!(app["flags"], 0);
        assert_eq!(app["redirect_uris"], body!([]));

        // Empty URIs are silently dropped.
        let with_uris = create(
            server,
            &session,
            &body!({"app_name": "New Cool App", "redirect_uris": ["", COOL_CB, ""]}),
        );
        assert_application(&with_uris, true);
        assert_eq!(with_uris["redirect_uris"], body!([COOL_CB]));

        // null for no name; null for the built-in code page.
        let bare = create(
            server,
            &session,
            &body!({"app_name": null, "redirect_uris": null}),
        );
        assert_application(&bare, true);
        assert_eq!(bare["app_name"], Value::Null);
        assert_eq!(bare["redirect_uris"], body!([]));

        let ids: Vec<u64> = [&app, &with_uris, &bare]
            .iter()
            .map(|a| a["client_id"].as_u64().unwrap())
            .collect();
        let secrets: Vec<&str> = [&app, &with_uris, &bare]
            .iter()
            .map(|a| a["client_secret"].as_str().unwrap())
            .collect();
        assert!(
            ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2],
            "{ids:?}"
        );
        assert!(secrets[0] != secrets[1] && secrets[1] != secrets[2]);
        assert_eq!(list(server, &session).len(), 3);
        // A new client ID is never one the seed already holds.
        assert!(!ids.contains(&DEMO_APP) && !ids.contains(&SERVICE_APP));
    });
}

#[test]
fn create_application_is_400_when_malformed_and_401_without_a_logged_in_session() {
    replay(|server| {
        let session = kenny(server);
        let url = api(server, "/applications");
        status_of(
            not_json(session.request(server, Method::PUT, "/applications")),
            400,
        );
        for malformed in [
            body!([]),
            body!({"app_name": "X", "redirect_uris": "x"}),
            body!({"app_name": "X", "redirect_uris": [5]}),
            body!({"app_name": 5, "redirect_uris": []}),
            body!({"app_name": "X", "redirect_uris": ["not a uri"]}),
        ] {
            let response = session.put(server, "/applications", &malformed);
            assert_eq!(response.status(), 400, "{malformed}");
        }
        let anonymous = server
            .http
            .put(&url)
            .json(&body!({"app_name": "New Cool App", "redirect_uris": [COOL_CB]}))
            .send()
            .unwrap();
        status_of(anonymous, 401);
        assert!(list(server, &session).is_empty());
    });
}

#[test]
fn update_application_replaces_the_name_and_the_redirect_list_and_resets_the_secret() {
    replay(|server| {
        let session = kenny(server);
        let person = Browser::signed_in_as(server, KENNY, KENNY_PASSWORD);
        let (client_id, old_secret) = new_cool_app(server, &session);
        let replaced = ["https://these.will/be", "https://overwritten.not/appended"];

        // The document's example.
        let app = json(
            session.patch(
                server,
                &app_path(client_id),
                &body!({"reset_secret": true, "app_name": "Not So New Cool App",
                        "redirect_uris": replaced}),
            ),
            200,
        );
        let (same_id, new_secret) = assert_application(&app, true);
        assert_eq!(same_id, client_id);
        let new_secret = new_secret.unwrap();
        assert_ne!(new_secret, old_secret);
        assert_eq!(app["app_name"], "Not So New Cool App");
        assert_eq!(app["flags"], 0);
        assert_eq!(app["redirect_uris"], body!(replaced));
        let stored = json(session.get(server, &app_path(client_id)), 200);
        assert_eq!(stored["app_name"], "Not So New Cool App");
        assert_eq!(stored["redirect_uris"], body!(replaced));

        // The old secret is retired, the new one works.
        let code = authorize(server, &person, client_id, None, Some(replaced[1]));
        status_of(
            exchange(server, &(client_id, old_secret), &code, body!("identify")),
            401,
        );
        let tokens = json(
            exchange(server, &(client_id, new_secret), &code, body!("identify")),
            200,
        );
        assert_tokens(server, &tokens);

        // Each field is optional; null unsets the name; no secret unless reset.
        let unnamed = json(
            session.patch(server, &app_path(client_id), &body!({"app_name": null})),
            200,
        );
        assert_application(&unnamed, false);
        assert_eq!(unnamed["app_name"], Value::Null);
        assert_eq!(unnamed["redirect_uris"], body!(replaced));
        let emptied = json(
            session.patch(
                server,
                &app_path(client_id),
                &body!({"reset_secret": false, "redirect_uris": [""]}),
            ),
            200,
        );
        assert_application(&emptied, false);
        assert_eq!(emptied["redirect_uris"], body!([]));
        let unchanged = json(session.patch(server, &app_path(client_id), &body!({})), 200);
        assert_eq!(assert_application(&unchanged, false).0, client_id);
        assert_eq!(unchanged["app_name"], Value::Null);
        assert_eq!(
            json(session.get(server, &app_path(client_id)), 200),
            unchanged
        );
    });
}

#[test]
fn update_application_is_400_when_malformed_401_without_a_session_and_404_when_not_yours() {
    replay(|server| {
        let session = kenny(server);
        let (client_id, _) = new_cool_app(server, &session);
        let path = app_path(client_id);
        status_of(not_json(session.request(server, Method::PATCH, &path)), 400);
        for malformed in [
            body!([]),
            body!({"redirect_uris": "x"}),
            body!({"redirect_uris": [5]}),
            body!({"app_name": 5}),
            body!({"reset_secret": "yes"}),
        ] {
            let response = session.patch(server, &path, &malformed);
            assert_eq!(response.status(), 400, "{malformed}");
        }
        let anonymous = server
            .http
            .patch(api(server, &path))
            .json(&body!({"app_name": "Stolen"}))
            .send()
            .unwrap();
        status_of(anonymous, 401);
        status_of(
            bob(server).patch(server, &path, &body!({"app_name": "Stolen"})),
            404,
        );
        status_of(
            session.patch(server, "/applications/999999999", &body!({"app_name": "X"})),
            404,
        );
        status_of(
            session.patch(server, &app_path(DEMO_APP), &body!({"app_name": "X"})),
            404,
        );

        let app = json(session.get(server, &path), 200);
        assert_eq!(app["app_name"], "New Cool App");
        assert_eq!(app["redirect_uris"], body!([COOL_CB]));
    });
}

#[test]
fn deregister_application_answers_204_and_puts_it_out_of_use() {
    replay(|server| {
        let session = kenny(server);
        let person = Browser::signed_in_as(server, KENNY, KENNY_PASSWORD);
        let app = new_cool_app(server, &session);
        let code = authorize(server, &person, app.0, None, Some(COOL_CB));
        let tokens = json(exchange(server, &app, &code, body!("identify")), 200);
        let path = app_path(app.0);

        let anonymous = server.http.delete(api(server, &path)).send().unwrap();
        status_of(anonymous, 401);
        status_of(bob(server).delete(server, &path), 404);
        status_of(session.delete(server, "/applications/999999999"), 404);
        status_of(session.delete(server, &app_path(DEMO_APP)), 404);

        let deleted = session.delete(server, &path);
        assert_eq!(deleted.status(), 204);
        assert!(deleted.text().unwrap().is_empty());
        status_of(session.get(server, &path), 404);
        assert!(list(server, &session).is_empty());
        status_of(session.delete(server, &path), 404);

        // Its tokens and its secret are out of use.
        status_of(get_user(server, &bearer(&tokens)), 401);
        status_of(refresh_tokens(server, &app, &tokens["refresh_token"]), 401);
    });
}
