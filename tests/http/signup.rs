//! Sign-up at /signup: closed by default, open, or by single-use invitation.

use gatehouse::accounts::signup::Signup;

use crate::harness::*;

fn signup_form(browser: &Browser, url: &str) -> String {
    let page = html_page(browser.get(url), 200);
    Browser::csrf(&page)
}

fn submit(
    browser: &Browser,
    url: &str,
    csrf: &str,
    fields: &[(&str, &str)],
) -> reqwest::blocking::Response {
    let mut form = vec![("csrf_token", csrf)];
    form.extend_from_slice(fields);
    browser.post_form(url, &form)
}

#[test]
fn sign_up_is_closed_by_default() {
    let server = people_server(|_| {});
    let page = html_page(Browser::new().get(&server.url("/signup")), 403);
    assert!(page.contains("Sign-up is closed"));
}

#[test]
fn open_sign_up_creates_an_account_and_signs_it_in() {
    let server = people_server(|c| c.signup = Signup::Open);
    let browser = Browser::new();
    let csrf = signup_form(&browser, &server.url("/signup"));
    let response = submit(
        &browser,
        &server.url("/signup"),
        &csrf,
        &[
            ("username", "carol"),
            ("password", "carol-is-here"),
            ("email", "carol@example.org"),
            ("name", "Carol"),
        ],
    );
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), server.url("/account"));
    let account = html_page(browser.get(&server.url("/account")), 200);
    assert!(account.contains("carol@example.org"));
    // And the new account signs in elsewhere.
    Browser::new().login(&server, "carol", "carol-is-here");
}

/// Fields sent, the id of the error shown, and words it says.
type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);

#[test]
fn bad_sign_up_fields_are_explained_and_nothing_is_created() {
    let server = people_server(|c| c.signup = Signup::Open);
    let browser = Browser::new();
    let url = server.url("/signup");
    let csrf = signup_form(&browser, &url);
    let cases: [Case; 5] = [
        (
            &[("username", "bad name"), ("password", "long-enough-1")],
            "username-error",
            "letters, digits",
        ),
        (
            &[("username", "dave"), ("password", "short")],
            "password-error",
            "at least 8 characters",
        ),
        (
            &[("username", "dave1234"), ("password", "DAVE1234")],
            "password-error",
            "must not be the username",
        ),
        (
            &[("username", "alice"), ("password", "long-enough-1")],
            "username-error",
            "taken",
        ),
        (
            &[
                ("username", "dave"),
                ("password", "long-enough-1"),
                ("email", "nope"),
            ],
            "email-error",
            "email address",
        ),
    ];
    for (fields, id, words) in cases {
        let page = html_page(submit(&browser, &url, &csrf, fields), 400);
        assert!(page.contains(id), "{id} missing for {fields:?}");
        assert!(page.contains(words), "{words} missing for {fields:?}");
    }
    // None of them created an account.
    let fresh = Browser::new();
    let page = html_page(fresh.get(&server.url("/login")), 200);
    let csrf = Browser::csrf(&page);
    let attempt = fresh.post_form(
        &server.url("/login"),
        &[
            ("csrf_token", &csrf),
            ("username", "dave"),
            ("password", "long-enough-1"),
        ],
    );
    assert!(html_page(attempt, 200).contains("Wrong username or password"));
}

#[test]
fn sign_up_refuses_a_post_without_its_csrf_token() {
    let server = people_server(|c| c.signup = Signup::Open);
    let response = Browser::new().post_form(
        &server.url("/signup"),
        &[("username", "erin"), ("password", "erin-password")],
    );
    assert_eq!(response.status(), 403);
}

#[test]
fn an_invitation_works_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("db");
    let (ok, out, err) = run_cli(
        &["invite", "create", "--data", data.to_str().unwrap()],
        None,
    );
    assert!(ok, "{err}");
    let path = out.trim().to_owned();
    assert!(path.starts_with("/signup?invite=gth_in_"), "{path}");
    let server = BinServer::spawn(&data, &["--signup", "invite"], &[]);

    let browser = Browser::new();
    // Without an invitation there is no form.
    assert_eq!(browser.get(&server.url("/signup")).status(), 403);
    let page = html_page(browser.get(&server.url(&path)), 200);
    let csrf = Browser::csrf(&page);
    let invite = hidden_value(&page, "invite").unwrap();
    let fields = |name: &'static str| {
        vec![
            ("username", name),
            ("password", "invited-person"),
            ("invite", invite.as_str()),
        ]
    };
    let first = submit(&browser, &server.url("/signup"), &csrf, &fields("frank"));
    assert_eq!(first.status(), 303);
    let other = Browser::new();
    let csrf = Browser::csrf(&html_page(other.get(&server.url("/login")), 200));
    let second = submit(&other, &server.url("/signup"), &csrf, &fields("grace"));
    assert_eq!(second.status(), 403);
    assert_eq!(other.get(&server.url(&path)).status(), 403);
}
