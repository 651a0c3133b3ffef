//! Forms that only our own pages can submit: a state-changing POST whose
//! `Origin` (or, without one, `Sec-Fetch-Site`) names another site is
//! refused with an error page even when its CSRF token is valid, and a CSRF
//! token issued in one session fails in another.

use reqwest::blocking::Response;

use crate::harness::*;

/// Every state-changing form a browser posts, as (path, extra fields).
const FORMS: &[(&str, &[(&str, &str)])] = &[
    (
        "/login",
        &[("username", "root"), ("password", "root-password")],
    ),
    ("/logout", &[]),
    (
        "/signup",
        &[("username", "mallory"), ("password", "mallory-password")],
    ),
    (
        "/oauth/authorize",
        &[
            ("response_type", "code"),
            ("client_id", "webapp"),
            ("redirect_uri", "http://127.0.0.1:9000/cb"),
            ("scope", "read"),
            ("decision", "allow"),
        ],
    ),
    ("/device", &[("user_code", "ABCD-EFGH")]),
    (
        "/account/profile",
        &[("name", "Mallory"), ("email", "m@evil.example")],
    ),
    (
        "/account/password",
        &[
            ("current_password", "root-password"),
            ("new_password", "evil-password-1"),
        ],
    ),
    ("/account/apps/withdraw", &[("client_id", "webapp")]),
    ("/account/sessions/end", &[]),
    ("/account/api-login", &[("code", "00000")]),
    ("/account/delete", &[("password", "root-password")]),
    (
        "/developer/apps",
        &[
            ("client_name", "Evil"),
            ("redirect_uris", "https://evil.example/cb"),
        ],
    ),
    ("/developer/apps/webapp", &[("client_name", "Evil")]),
    ("/developer/apps/webapp/secret", &[]),
    ("/developer/apps/webapp/delete", &[]),
    (
        "/admin/users",
        &[("username", "mallory"), ("password", "mallory-password")],
    ),
    ("/admin/users/2/admin", &[]),
    ("/admin/apps/webapp/flags", &[("skip_consent", "on")]),
    (
        "/admin/settings",
        &[("signup", "open"), ("registration", "open")],
    ),
    ("/admin/invites", &[]),
    (
        "/reset",
        &[("token", "gth_pr_x"), ("password", "evil-password-1")],
    ),
    ("/password/forgot", &[("email", "root@example.org")]),
    ("/email/verify", &[("token", "gth_ev_x")]),
    ("/account/email/verify", &[]),
];

/// Posts `fields` plus a valid CSRF token of `browser`'s session, with `header`.
fn post_with(
    server: &TestServer,
    browser: &Browser,
    path: &str,
    fields: &[(&str, &str)],
    header: (&str, &str),
) -> Response {
    let csrf = csrf_from(server, browser, "/account");
    let mut form = vec![("csrf_token", csrf.as_str())];
    form.extend_from_slice(fields);
    browser
        .http
        .post(server.url(path))
        .header(header.0, header.1)
        .form(&form)
        .send()
        .unwrap()
}

/// Asserts the error page for a form from another site.
fn refused(response: Response, path: &str) {
    let page = html_page(response, 403);
    assert!(page.contains("another site"), "{path}: {page}");
}

#[test]
fn every_form_posted_from_a_foreign_origin_is_refused_and_changes_nothing() {
    let server = admin_server();
    let root = Browser::signed_in(&server, "root");
    for (path, fields) in FORMS {
        refused(
            post_with(
                &server,
                &root,
                path,
                fields,
                ("origin", "https://evil.example"),
            ),
            path,
        );
        refused(
            post_with(
                &server,
                &root,
                path,
                fields,
                ("sec-fetch-site", "cross-site"),
            ),
            path,
        );
        refused(
            post_with(&server, &root, path, fields, ("origin", "null")),
            path,
        );
    }
    // Nothing changed: still signed in, the profile, the client and the policies as they were.
    let account = html_page(root.get(&server.url("/account")), 200);
    assert!(!account.contains("Mallory"), "{account}");
    let users = html_page(root.get(&server.url("/admin/users")), 200);
    assert!(users.contains("root"), "{users}");
    assert!(!users.contains("mallory"), "{users}");
    let admin = html_page(root.get(&server.url("/admin/apps")), 200);
    assert!(!admin.contains("Evil"), "{admin}");
    let flags = row_with(&admin, "/admin/apps/webapp/flags");
    assert!(
        !flags.contains("name=\"skip_consent\" value=\"on\" checked"),
        "{flags}"
    );
    assert_eq!(
        server
            .post_basic(
                "/oauth/token",
                "webapp",
                "webapp-secret",
                &[("grant_type", "refresh_token"), ("refresh_token", "x")]
            )
            .status(),
        400,
        "webapp's secret still works"
    );
}

#[test]
fn a_form_from_our_own_origin_still_works() {
    let server = admin_server();
    let root = Browser::signed_in(&server, "root");
    let own = server.base.clone();
    let response = post_with(
        &server,
        &root,
        "/account/profile",
        &[("name", "Root Admin"), ("email", "root@example.org")],
        ("origin", &own),
    );
    assert_eq!(response.status(), 303);
    let response = post_with(
        &server,
        &root,
        "/account/profile",
        &[("name", "Root Again"), ("email", "root@example.org")],
        ("sec-fetch-site", "same-origin"),
    );
    assert_eq!(response.status(), 303);
    let account = html_page(root.get(&server.url("/account")), 200);
    assert!(account.contains("Root Again"), "{account}");
}

#[test]
fn a_csrf_token_from_one_session_fails_in_another() {
    let server = admin_server();
    let alice = Browser::signed_in(&server, "alice");
    let token = csrf_from(&server, &alice, "/account");
    // Bob's browser holds alice's CSRF cookie (as a cookie injected from a
    // sibling host would) but his own session: the token no longer fits.
    let bob = Browser::signed_in(&server, "bob");
    let csrf_cookie = alice.cookie(&server.base, "gh_csrf").unwrap();
    let bob_session = bob.cookie(&server.base, "gh_session").unwrap();
    let response = server
        .http
        .post(server.url("/account/profile"))
        .header(
            "cookie",
            format!("gh_csrf={csrf_cookie}; gh_session={bob_session}"),
        )
        .form(&[
            ("csrf_token", token.as_str()),
            ("name", "Hijacked"),
            ("email", "bob@example.org"),
        ])
        .send()
        .unwrap();
    let page = html_page(response, 403);
    assert!(page.contains("security token"), "{page}");
    let account = html_page(bob.get(&server.url("/account")), 200);
    assert!(!account.contains("Hijacked"), "{account}");
    // The same token with alice's own cookies works.
    let response = alice.post_form(
        &server.url("/account/profile"),
        &[
            ("csrf_token", token.as_str()),
            ("name", "Alice L."),
            ("email", "alice@example.org"),
        ],
    );
    assert_eq!(response.status(), 303);
}

#[test]
fn a_token_from_before_the_sign_in_fails_after_it() {
    let server = admin_server();
    let browser = Browser::new();
    let before = csrf_from(&server, &browser, "/login");
    browser.login(&server, "alice", "alice-password");
    let response = browser.post_form(
        &server.url("/account/profile"),
        &[
            ("csrf_token", before.as_str()),
            ("name", "Stale"),
            ("email", "alice@example.org"),
        ],
    );
    assert_eq!(response.status(), 403);
}
