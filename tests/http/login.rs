//! Signing in and out at /login and /logout: the form, CSRF (double submit),
//! the session cookie, `next`, throttling and session lifetimes.

use reqwest::blocking::Response;

use crate::harness::*;

/// POSTs the sign-in form with the CSRF token of a freshly loaded page.
fn submit_login(
    server: &TestServer,
    browser: &Browser,
    username: &str,
    password: &str,
) -> Response {
    let page = html_page(browser.get(&server.url("/login")), 200);
    browser.post_form(
        &server.url("/login"),
        &[
            ("username", username),
            ("password", password),
            ("csrf_token", &Browser::csrf(&page)),
        ],
    )
}

/// The `Retry-After` of a throttled sign-in, asserting the 429 page.
fn retry_after(response: Response) -> u64 {
    let value = response
        .headers()
        .get("retry-after")
        .expect("a 429 carries Retry-After")
        .to_str()
        .unwrap()
        .to_owned();
    html_page(response, 429);
    let seconds: u64 = value.parse().expect("Retry-After is whole seconds");
    assert!(seconds > 0);
    seconds
}

/// Whether the start page names `username` as signed in.
fn home_shows(server: &TestServer, browser: &Browser, username: &str) -> bool {
    html_page(browser.get(&server.url("/")), 200).contains(username)
}

#[test]
fn the_login_page_is_a_form_with_a_csrf_token_bound_to_its_cookie() {
    let server = people_server(|_| {});
    let browser = Browser::new();
    let response = browser.get(&server.url("/login?next=/some/path"));
    let cookie = set_cookie(&response, "gh_csrf").expect("the page sets gh_csrf");
    assert!(has_attribute(&cookie, "HttpOnly"), "{cookie}");
    assert!(has_attribute(&cookie, "SameSite=Lax"), "{cookie}");
    let page = html_page(response, 200);
    let form = form_with_action(&page, "/login");
    let attrs = &elements(form, "form")[0];
    assert!(attrs["method"].eq_ignore_ascii_case("post"), "{form}");
    assert_eq!(attrs["action"], server.url("/login"));
    let names: Vec<String> = elements(form, "input")
        .into_iter()
        .filter_map(|a| a.get("name").cloned())
        .collect();
    for name in ["username", "password", "csrf_token", "next"] {
        assert!(names.contains(&name.to_owned()), "no input {name}: {form}");
    }
    assert_eq!(hidden_value(form, "next").as_deref(), Some("/some/path"));
    // The form's token is derived from the cookie (and the session), not a copy of it.
    let token = Browser::csrf(form);
    assert!(token.len() >= 43, "{token}");
    assert_ne!(token, cookie_value(&cookie));
}

#[test]
fn the_login_page_reuses_the_csrf_cookie_the_browser_has() {
    let server = people_server(|_| {});
    let browser = Browser::new();
    let first = html_page(browser.get(&server.url("/login")), 200);
    let cookie = browser.cookie(&server.base, "gh_csrf").unwrap();
    let second = html_page(browser.get(&server.url("/login")), 200);
    assert_eq!(browser.cookie(&server.base, "gh_csrf").unwrap(), cookie);
    assert_eq!(Browser::csrf(&first), Browser::csrf(&second));
}

#[test]
fn right_credentials_start_a_session_and_go_to_next() {
    let server = people_server(|_| {});
    let browser = Browser::new();
    let page = html_page(browser.get(&server.url("/login?next=/some/path")), 200);
    let response = browser.post_form(
        &server.url("/login"),
        &[
            ("username", "alice"),
            ("password", "alice-password"),
            ("csrf_token", &Browser::csrf(&page)),
            ("next", &hidden_value(&page, "next").unwrap()),
        ],
    );
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(location(&response), server.url("/some/path"));
    let cookie = set_cookie(&response, "gh_session").expect("a session cookie");
    assert!(!cookie_value(&cookie).is_empty());
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(has_attribute(&cookie, attribute), "{attribute}: {cookie}");
    }
    assert!(!has_attribute(&cookie, "Secure"), "{cookie}");
    assert!(home_shows(&server, &browser, "alice"));
}

#[test]
fn without_next_sign_in_returns_to_the_start_page() {
    let server = people_server(|_| {});
    let response = submit_login(&server, &Browser::new(), "alice", "alice-password");
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(location(&response), server.url("/"));
}

#[test]
fn a_next_that_leaves_the_server_is_replaced_by_the_start_page() {
    let server = people_server(|_| {});
    for next in ["https://evil.example/", "//evil.example", "/\\evil.example"] {
        let browser = Browser::new();
        let page = html_page(browser.get(&server.url("/login")), 200);
        let response = browser.post_form(
            &server.url("/login"),
            &[
                ("username", "alice"),
                ("password", "alice-password"),
                ("csrf_token", &Browser::csrf(&page)),
                ("next", next),
            ],
        );
        assert_eq!(response.status().as_u16(), 303, "{next}");
        assert_eq!(location(&response), server.url("/"), "{next}");
    }
}

#[test]
fn the_cookies_are_secure_and_host_prefixed_when_the_issuer_is_https() {
    let server = people_server(|c| c.issuer = Some("https://id.example.org".into()));
    let response = server.http.get(server.url("/login")).send().unwrap();
    assert!(set_cookie(&response, "gh_csrf").is_none());
    let csrf_cookie = set_cookie(&response, "__Host-gh_csrf").unwrap();
    assert!(has_attribute(&csrf_cookie, "Secure"), "{csrf_cookie}");
    assert!(has_attribute(&csrf_cookie, "Path=/"), "{csrf_cookie}");
    assert!(
        !csrf_cookie.to_ascii_lowercase().contains("domain="),
        "{csrf_cookie}"
    );
    let page = html_page(response, 200);
    let form = form_with_action(&page, "/login");
    assert_eq!(
        elements(form, "form")[0]["action"],
        "https://id.example.org/login"
    );
    let csrf = cookie_value(&csrf_cookie);
    let response = server
        .http
        .post(server.url("/login"))
        .header("Cookie", format!("__Host-gh_csrf={csrf}"))
        .form(&[
            ("username", "alice"),
            ("password", "alice-password"),
            ("csrf_token", &Browser::csrf(form)),
        ])
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(location(&response), "https://id.example.org/");
    // Signing in renews the CSRF cookie too.
    let renewed = set_cookie(&response, "__Host-gh_csrf").unwrap();
    assert_ne!(cookie_value(&renewed), csrf);
    let cookie = set_cookie(&response, "__Host-gh_session").unwrap();
    for attribute in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(has_attribute(&cookie, attribute), "{attribute}: {cookie}");
    }
}

#[test]
fn a_wrong_password_and_an_unknown_user_get_the_same_answer() {
    let server = people_server(|_| {});
    let browser = Browser::new();
    let wrong = submit_login(&server, &browser, "alice", "not-her-password");
    assert!(set_cookie(&wrong, "gh_session").is_none());
    let wrong = html_page(wrong, 200);
    let unknown = submit_login(&server, &browser, "zelda", "alice-password");
    assert!(set_cookie(&unknown, "gh_session").is_none());
    let unknown = html_page(unknown, 200);
    assert!(wrong.contains("Wrong username or password"), "{wrong}");
    assert_eq!(wrong.replace("alice", "X"), unknown.replace("zelda", "X"));
    assert!(!home_shows(&server, &browser, "alice"));
}

#[test]
fn a_login_without_or_with_a_wrong_csrf_token_is_forbidden() {
    let server = people_server(|_| {});
    let browser = Browser::new();
    html_page(browser.get(&server.url("/login")), 200);
    let cases: [&[(&str, &str)]; 2] = [
        &[("username", "alice"), ("password", "alice-password")],
        &[
            ("username", "alice"),
            ("password", "alice-password"),
            ("csrf_token", "forged-token-forged-token-forged"),
        ],
    ];
    for form in cases {
        let response = browser.post_form(&server.url("/login"), form);
        assert!(set_cookie(&response, "gh_session").is_none());
        html_page(response, 403);
    }
    assert!(!home_shows(&server, &browser, "alice"));
}

#[test]
fn five_wrong_passwords_lock_the_username_until_retry_after_passes() {
    let server = people_server(|_| {});
    let browser = Browser::new();
    for _ in 0..5 {
        let page = html_page(submit_login(&server, &browser, "alice", "guess"), 200);
        assert!(page.contains("Wrong username or password"));
    }
    let locked = submit_login(&server, &browser, "alice", "alice-password");
    assert!(set_cookie(&locked, "gh_session").is_none());
    let wait = retry_after(locked);
    server.clock.advance(wait);
    let response = submit_login(&server, &browser, "alice", "alice-password");
    assert_eq!(response.status().as_u16(), 303);
}

#[test]
fn an_unknown_username_is_throttled_like_a_known_one() {
    let server = people_server(|_| {});
    let browser = Browser::new();
    for _ in 0..5 {
        html_page(submit_login(&server, &browser, "zelda", "guess"), 200);
    }
    let wait = retry_after(submit_login(&server, &browser, "zelda", "guess"));
    server.clock.advance(wait);
    html_page(submit_login(&server, &browser, "zelda", "guess"), 200);
}

#[test]
fn twenty_failures_from_one_address_lock_every_username() {
    let server = people_server(|_| {});
    let browser = Browser::new();
    for i in 0..20 {
        let username = format!("user{}", i % 10);
        html_page(submit_login(&server, &browser, &username, "guess"), 200);
    }
    let wait = retry_after(submit_login(&server, &browser, "alice", "alice-password"));
    server.clock.advance(wait);
    let response = submit_login(&server, &browser, "alice", "alice-password");
    assert_eq!(response.status().as_u16(), 303);
}

#[test]
fn logout_ends_the_session_and_its_cookie_no_longer_works() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let old = browser.cookie(&server.base, "gh_session").unwrap();
    let replay = |cookie: &str| {
        server
            .http
            .get(server.url("/"))
            .header("Cookie", format!("gh_session={cookie}"))
            .send()
            .unwrap()
    };
    assert!(html_page(replay(&old), 200).contains("alice"));
    let home = html_page(browser.get(&server.url("/")), 200);
    assert!(home.contains("alice"));
    let response = browser.post_form(
        &server.url("/logout"),
        &[("csrf_token", &Browser::csrf(&home))],
    );
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(location(&response), server.url("/login"));
    assert!(!home_shows(&server, &browser, "alice"));
    assert!(!html_page(replay(&old), 200).contains("alice"));
    let authorize = server
        .http
        .get(server.url("/oauth/authorize?response_type=code&client_id=webapp&state=s"))
        .header("Cookie", format!("gh_session={old}"))
        .send()
        .unwrap();
    assert_eq!(authorize.status().as_u16(), 302);
    assert!(location(&authorize).starts_with(&server.url("/login?next=")));
}

#[test]
fn logout_without_a_csrf_token_is_forbidden() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    html_page(browser.post_form(&server.url("/logout"), &[]), 403);
    assert!(home_shows(&server, &browser, "alice"));
}

/// Whether a webapp authorization request in `browser` is sent to sign in.
fn authorize_asks_to_sign_in(server: &TestServer, browser: &Browser) -> bool {
    let response = browser.authorize(
        server,
        &[
            ("response_type", "code"),
            ("client_id", "webapp"),
            ("scope", "read"),
            ("state", "s"),
        ],
    );
    match response.status().as_u16() {
        302 => location(&response).starts_with(&server.url("/login?next=")),
        _ => false,
    }
}

#[test]
fn an_idle_session_ends_after_eight_hours() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    assert!(!authorize_asks_to_sign_in(&server, &browser));
    server.clock.advance(8 * 3600 + 1);
    assert!(authorize_asks_to_sign_in(&server, &browser));
    assert!(!home_shows(&server, &browser, "alice"));
}

#[test]
fn activity_keeps_a_session_alive_until_its_absolute_end() {
    let server = people_server(|c| {
        c.session_idle = 100;
        c.session_absolute = 250;
    });
    let browser = Browser::signed_in(&server, "alice");
    server.clock.advance(90);
    assert!(!authorize_asks_to_sign_in(&server, &browser));
    server.clock.advance(90);
    assert!(!authorize_asks_to_sign_in(&server, &browser));
    server.clock.advance(90);
    assert!(authorize_asks_to_sign_in(&server, &browser));
}
