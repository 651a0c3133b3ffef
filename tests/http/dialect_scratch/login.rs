//! The Scratch login endpoints, `PUT` and `POST /login/{username}`, and confirming their code.

use gatehouse::dialects::Dialect;
use reqwest::blocking::Response;
use serde_json::{json as body, Value};

use super::{
    api, extra, fields, not_json, replay, status_of, Session, KENNY, KENNY_PASSWORD, SNIPED,
};
use crate::harness::*;

/// The demo seed's second person, for "not yours".
const BOB: &str = "bob";
const BOB_PASSWORD: &str = "bob-the-builder";

/// Like [`replay`], with servers in development mode.
fn replay_in_dev_mode(check: impl Fn(&TestServer)) {
    let seed = demo_seed_plus(&extra());
    for set in dialect_sets(Dialect::Scratch) {
        println!("replaying in development mode under {set:?}");
        let server = TestServer::start_with(&seed, |c| {
            c.dialects = set.clone();
            c.dev_mode = true;
        });
        check(&server);
    }
}

/// `PUT /login/{username}`; `username` goes into the path as given.
pub(super) fn start_login(server: &TestServer, username: &str) -> Response {
    server
        .http
        .put(api(server, &format!("/login/{username}")))
        .send()
        .unwrap()
}

/// `POST /login/{username}` with a JSON body.
fn finish_login(server: &TestServer, username: &str, request: &Value) -> Response {
    server
        .http
        .post(api(server, &format!("/login/{username}")))
        .json(request)
        .send()
        .unwrap()
}

/// Asserts a Code object for `username`: every field, the code in the
/// document's shape (13 colon-joined groups of 5 hex digits).
fn assert_code_object(code: &Value, username: &str) {
    assert_eq!(fields(code), ["code", "csrf", "username"], "{code}");
    assert_eq!(code["username"], username, "{code}");
    assert!(
        code["csrf"].as_str().is_some_and(|c| c.len() >= 16),
        "{code}"
    );
    let groups: Vec<&str> = code["code"].as_str().unwrap().split(':').collect();
    assert_eq!(groups.len(), 13, "{code}");
    assert!(
        groups
            .iter()
            .all(|g| g.len() == 5 && g.chars().all(|c| c.is_ascii_hexdigit())),
        "{code}"
    );
}

/// Starts a login for `username`; asserts and answers the Code object.
fn code_object(server: &TestServer, username: &str) -> Value {
    let code = json(start_login(server, username), 200);
    assert_code_object(&code, username);
    code
}

/// The `api-login` form of the account page the browser sees: asserts the
/// section and its `code` input; answers the form.
fn api_login_form(server: &TestServer, browser: &Browser) -> String {
    let page = html_page(browser.get(&server.url("/account")), 200);
    assert!(page.contains("id=\"api-login\""), "no api-login on: {page}");
    let form = form_with_action(&page, "/account/api-login").to_owned();
    assert!(
        elements(&form, "input")
            .iter()
            .any(|input| input.get("name").map(String::as_str) == Some("code")),
        "no code input in: {form}"
    );
    form
}

/// The signed-in person enters `code` on their account page.
fn confirm(server: &TestServer, browser: &Browser, code: &str) -> Response {
    let form = api_login_form(server, browser);
    let csrf = hidden_value(&form, "csrf_token").expect("no csrf_token");
    browser.post_form(
        &server.url("/account/api-login"),
        &[("csrf_token", csrf.as_str()), ("code", code)],
    )
}

/// Asserts the account page's answer to a confirmed code.
fn assert_confirmed(server: &TestServer, response: &Response) {
    assert_eq!(response.status(), 303, "the code was not confirmed");
    assert_eq!(location(response), server.url("/account?done=api-login"));
}

/// The session cookie of a 204 from `POST /login/{username}`.
fn session_of(response: Response) -> Session {
    assert_eq!(
        response.status(),
        204,
        "the login did not finish: {:?}",
        response.headers()
    );
    let line = set_cookie(&response, "gh_session").expect("no gh_session cookie");
    assert!(has_attribute(&line, "HttpOnly"), "{line}");
    assert!(has_attribute(&line, "Path=/"), "{line}");
    assert!(response.text().unwrap().is_empty());
    Session {
        cookie: cookie_value(&line),
    }
}

/// The document's four steps: start the login, the person confirms the
/// code (signed in through the normal /login page in their own browser),
/// finish with the CSRF token; answers the logged-in session.
fn log_in(server: &TestServer, username: &str, password: &str) -> Session {
    let code = code_object(server, username);
    let person = Browser::signed_in_as(server, username, password);
    assert_confirmed(
        server,
        &confirm(server, &person, code["code"].as_str().unwrap()),
    );
    session_of(finish_login(
        server,
        username,
        &body!({"csrf": code["csrf"]}),
    ))
}

pub(super) fn kenny(server: &TestServer) -> Session {
    log_in(server, KENNY, KENNY_PASSWORD)
}

pub(super) fn bob(server: &TestServer) -> Session {
    log_in(server, BOB, BOB_PASSWORD)
}

#[test]
fn start_login_answers_a_code_object() {
    replay(|server| {
        let response = start_login(server, SNIPED);
        assert_eq!(
            response
                .headers()
                .get("cache-control")
                .map(|v| v.to_str().unwrap()),
            Some("no-store")
        );
        assert!(response
            .headers()
            .get("content-type")
            .is_some_and(|t| t.to_str().unwrap().starts_with("application/json")));
        let first = json(response, 200);
        assert_code_object(&first, SNIPED);
        let second = code_object(server, SNIPED);
        assert_ne!(first["csrf"], second["csrf"]);
        assert_ne!(first["code"], second["code"]);
        code_object(server, KENNY);
    });
}

#[test]
fn start_login_is_400_for_a_name_invalid_by_scratch_standards_and_404_for_an_unknown_one() {
    replay(|server| {
        let too_long = "a".repeat(21);
        for invalid in ["a", "ab", "bad%20name!", "bad.name", too_long.as_str()] {
            let response = start_login(server, invalid);
            assert_eq!(response.status(), 400, "username {invalid}");
        }
        status_of(start_login(server, "NoSuchScratcher"), 404);
        // Names at the edges of the rule are valid.
        status_of(start_login(server, "abc"), 404);
        status_of(start_login(server, &"a-b_".repeat(5)), 404);
    });
}

#[test]
fn finish_login_is_403_before_the_person_confirms_the_code() {
    replay(|server| {
        let code = code_object(server, KENNY);
        let finish = finish_login(server, KENNY, &body!({"csrf": code["csrf"]}));
        assert!(set_cookie(&finish, "gh_session").is_none());
        status_of(finish, 403);
        // Refused before confirmation, the request still waits for it.
        let person = Browser::signed_in_as(server, KENNY, KENNY_PASSWORD);
        assert_confirmed(
            server,
            &confirm(server, &person, code["code"].as_str().unwrap()),
        );
        session_of(finish_login(server, KENNY, &body!({"csrf": code["csrf"]})));
    });
}

#[test]
fn the_account_page_confirms_a_code_and_a_wrong_code_confirms_nothing() {
    replay(|server| {
        let code = code_object(server, KENNY);
        let code_text = code["code"].as_str().unwrap();
        let person = Browser::signed_in_as(server, KENNY, KENNY_PASSWORD);

        let wrong = confirm(server, &person, "00000:00000:00000");
        let page = html_page(wrong, 400);
        let form = form_with_action(&page, "/account/api-login");
        assert!(has_class(form, "error"), "no error beside the form: {form}");
        assert!(
            visible_text(form).contains("names no sign-in of yours"),
            "{form}"
        );
        // Someone else's code is wrong for this person too.
        let stranger = Browser::signed_in_as(server, BOB, BOB_PASSWORD);
        html_page(confirm(server, &stranger, code_text), 400);
        status_of(
            finish_login(server, KENNY, &body!({"csrf": code["csrf"]})),
            403,
        );

        // As a person may type it: upper case, with spaces around.
        let typed = format!("  {}\n", code_text.to_uppercase());
        let right = confirm(server, &person, &typed);
        assert_confirmed(server, &right);
        let done = html_page(person.get(&location(&right)), 200);
        assert!(visible_text(&done).contains("Sign-in confirmed"), "{done}");
        session_of(finish_login(server, KENNY, &body!({"csrf": code["csrf"]})));
        // Once the login is finished its code confirms nothing.
        html_page(confirm(server, &person, code_text), 400);
    });
}

#[test]
fn finish_login_answers_204_and_the_session_is_logged_in() {
    replay(|server| {
        let code = code_object(server, KENNY);
        let person = Browser::signed_in_as(server, KENNY, KENNY_PASSWORD);
        assert_confirmed(
            server,
            &confirm(server, &person, code["code"].as_str().unwrap()),
        );
        let session = session_of(finish_login(server, KENNY, &body!({"csrf": code["csrf"]})));

        // With that cookie alone the session is logged in.
        assert_eq!(json(session.get(server, "/applications"), 200), body!([]));
        let account = server
            .http
            .get(server.url("/account"))
            .header("cookie", format!("gh_session={}", session.cookie))
            .send()
            .unwrap();
        let page = html_page(account, 200);
        assert!(visible_text(&page).contains(KENNY), "{page}");

        // Each login request works once.
        status_of(
            finish_login(server, KENNY, &body!({"csrf": code["csrf"]})),
            403,
        );
    });
}

#[test]
fn finish_login_is_403_for_a_wrong_csrf_and_400_for_a_malformed_body() {
    replay(|server| {
        let code = code_object(server, KENNY);
        let person = Browser::signed_in_as(server, KENNY, KENNY_PASSWORD);
        assert_confirmed(
            server,
            &confirm(server, &person, code["code"].as_str().unwrap()),
        );

        let other = code_object(server, KENNY);
        for csrf in [body!("not-the-csrf"), body!(""), other["csrf"].clone()] {
            status_of(finish_login(server, KENNY, &body!({"csrf": csrf})), 403);
        }
        // The CSRF token of kenny2scratch's login does not log bob in, and
        // an unknown person is refused alike.
        status_of(
            finish_login(server, BOB, &body!({"csrf": code["csrf"]})),
            403,
        );
        status_of(
            finish_login(server, "NoSuchScratcher", &body!({"csrf": code["csrf"]})),
            403,
        );
        // The username invalid by Scratch standards, and malformed bodies.
        status_of(
            finish_login(server, "a", &body!({"csrf": code["csrf"]})),
            400,
        );
        let url = api(server, &format!("/login/{KENNY}"));
        status_of(not_json(server.http.post(&url)), 400);
        for malformed in [body!({}), body!({"csrf": 5}), body!([code["csrf"]])] {
            status_of(finish_login(server, KENNY, &malformed), 400);
        }

        // None of that spent the confirmed login.
        session_of(finish_login(server, KENNY, &body!({"csrf": code["csrf"]})));
    });
}

#[test]
fn a_login_request_lives_ten_minutes() {
    replay(|server| {
        let person = Browser::signed_in_as(server, KENNY, KENNY_PASSWORD);
        let late_confirmed = code_object(server, KENNY);
        server.clock.advance(601);
        html_page(
            confirm(server, &person, late_confirmed["code"].as_str().unwrap()),
            400,
        );

        let late_finished = code_object(server, KENNY);
        assert_confirmed(
            server,
            &confirm(server, &person, late_finished["code"].as_str().unwrap()),
        );
        server.clock.advance(601);
        status_of(
            finish_login(server, KENNY, &body!({"csrf": late_finished["csrf"]})),
            403,
        );
    });
}

#[test]
fn in_development_mode_finishing_needs_no_confirmation() {
    replay_in_dev_mode(|server| {
        let code = code_object(server, KENNY);
        let session = session_of(finish_login(server, KENNY, &body!({"csrf": code["csrf"]})));
        assert_eq!(json(session.get(server, "/applications"), 200), body!([]));
        // Still once, still with the right CSRF token only.
        status_of(
            finish_login(server, KENNY, &body!({"csrf": code["csrf"]})),
            403,
        );
        code_object(server, KENNY);
        status_of(
            finish_login(server, KENNY, &body!({"csrf": "not-the-csrf"})),
            403,
        );
        status_of(finish_login(server, KENNY, &body!({})), 400);
    });
}
