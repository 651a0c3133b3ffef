//! Signing in through the provider: the buttons, the first request, a
//! first-time identity, sign-up closed, plain OAuth 2.0, `amr`, the second
//! factor, and the config file.

use gatehouse::accounts::signup::Signup;

use super::form_by_id;
use crate::harness::*;

#[test]
fn the_sign_in_page_shows_a_button_per_provider_that_keeps_next() {
    let fed = Federation::start(Signup::Closed);
    let page = html_page(
        fed.down
            .http
            .get(fed.down.url("/login?next=/account"))
            .send()
            .unwrap(),
        200,
    );
    let links = elements(&page, "a");
    let href = |id: &str| {
        links
            .iter()
            .find(|a| a.get("id").map(String::as_str) == Some(id))
            .map(|a| unescape(&a["href"]))
            .unwrap_or_else(|| panic!("no #{id} in {page}"))
    };
    assert_eq!(
        href("upstream-up"),
        fed.down.url("/login/upstream/up?next=%2Faccount")
    );
    assert_eq!(
        href("upstream-plain"),
        fed.down.url("/login/upstream/plain?next=%2Faccount")
    );
    assert!(page.contains("Upstream") && page.contains("Plain OAuth"));
    // A server with no provider shows no such section.
    let plain = html_page(fed.up.http.get(fed.up.url("/login")).send().unwrap(), 200);
    assert!(!plain.contains("upstream-"), "{plain}");
    // An unknown provider is a 404 page, not a redirect.
    let unknown = fed
        .down
        .http
        .get(fed.down.url("/login/upstream/nope"))
        .header("accept", "text/html")
        .send()
        .unwrap();
    assert_eq!(unknown.status().as_u16(), 404);
}

#[test]
fn the_flow_starts_with_pkce_state_and_nonce_and_a_browser_bound_cookie() {
    let fed = Federation::start(Signup::Closed);
    let browser = Browser::new();
    let start = browser.get(&fed.down.url("/login/upstream/up"));
    assert_eq!(start.status().as_u16(), 302);
    let cookie = set_cookie(&start, "gh_upstream").expect("the flow's cookie");
    assert!(
        has_attribute(&cookie, "HttpOnly") && has_attribute(&cookie, "SameSite=Lax"),
        "{cookie}"
    );
    assert!(cookie_value(&cookie).starts_with("gth_us_"));
    let to = location(&start);
    assert!(to.starts_with(&fed.up.url("/oauth/authorize?")), "{to}");
    let q = query_of(&to);
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], DOWN_CLIENT);
    assert_eq!(
        q["redirect_uri"],
        fed.down.url("/login/upstream/up/callback")
    );
    assert_eq!(q["scope"], "openid profile email");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["code_challenge"].len(), 43);
    assert!(q["state"].len() >= 22 && q["nonce"].len() >= 22);
    // Plain OAuth 2.0 asks for its own scope and sends no nonce.
    let plain = location(&browser.get(&fed.down.url("/login/upstream/plain")));
    let q = query_of(&plain);
    assert_eq!(q["scope"], "profile");
    assert!(!q.contains_key("nonce") && q.contains_key("code_challenge"));
}

#[test]
fn a_first_time_identity_gets_an_account_when_sign_up_is_open_and_keeps_it() {
    let fed = Federation::start(Signup::Open);
    let browser = Browser::new();
    let back = fed.to_callback(&browser, "up", "bob", "/account");
    let done = browser.get(&back);
    assert_eq!(done.status().as_u16(), 303);
    assert_eq!(location(&done), fed.down.url("/account"));
    assert_eq!(fed.signed_in_at_down(&browser).as_deref(), Some("bob"));
    // The answer is single use: the same callback again is refused.
    assert_eq!(browser.get(&back).status().as_u16(), 400);
    // A later sign-in through the provider lands in the same account, not a new one.
    let later = Browser::new();
    assert_eq!(
        fed.sign_in_through(&later, "up", "bob").status().as_u16(),
        303
    );
    assert_eq!(fed.signed_in_at_down(&later).as_deref(), Some("bob"));
    // The account has no password that anything could guess.
    let page = html_page(later.get(&fed.down.url("/login")), 200);
    let wrong = later.post_form(
        &fed.down.url("/login"),
        &[
            ("username", "bob"),
            ("password", ""),
            ("csrf_token", &Browser::csrf(&page)),
        ],
    );
    assert_eq!(
        wrong.status().as_u16(),
        200,
        "an empty password signs nobody in"
    );
}

#[test]
fn a_name_taken_here_gives_the_new_account_another() {
    let fed = Federation::start(Signup::Open);
    let browser = Browser::new();
    assert_eq!(
        fed.sign_in_through(&browser, "up", "carol")
            .status()
            .as_u16(),
        303
    );
    assert_eq!(fed.signed_in_at_down(&browser).as_deref(), Some("carol"));
    // The plain provider is another provider: the same person there is a
    // second identity, which gets its own account with a free name.
    let other = Browser::new();
    assert_eq!(
        fed.sign_in_through(&other, "plain", "carol")
            .status()
            .as_u16(),
        303
    );
    assert_eq!(fed.signed_in_at_down(&other).as_deref(), Some("carol-2"));
}

#[test]
fn a_policy_that_wants_a_second_factor_sends_a_new_account_to_enrol() {
    let fed = Federation::start(Signup::Open);
    let admin = Browser::signed_in_at(&fed.down.base, "alice");
    let page = html_page(admin.get(&fed.down.url("/admin")), 200);
    let set = admin.post_form(
        &fed.down.url("/admin/settings"),
        &[
            ("signup", "open"),
            ("registration", "token"),
            ("second_factor", "everyone"),
            ("csrf_token", &Browser::csrf(&page)),
        ],
    );
    assert_eq!(set.status().as_u16(), 303);
    let browser = Browser::new();
    let done = fed.sign_in_through(&browser, "up", "bob");
    assert_eq!(done.status().as_u16(), 303);
    let to = location(&done);
    assert!(
        to.starts_with(&fed.down.url("/account/security?enrol=1")),
        "{to}"
    );
    let page = html_page(browser.get(&to), 200);
    assert!(page.contains("id=\"must-enrol\""), "{page}");
}

#[test]
fn the_same_email_address_links_nothing() {
    // carol at U has alice's address at D: never alice's account.
    let closed = Federation::start(Signup::Closed);
    let browser = Browser::new();
    let refused = closed.sign_in_through(&browser, "up", "carol");
    assert_eq!(refused.status().as_u16(), 403);
    assert_eq!(closed.signed_in_at_down(&browser), None);
    let open = Federation::start(Signup::Open);
    let browser = Browser::new();
    assert_eq!(
        open.sign_in_through(&browser, "up", "carol")
            .status()
            .as_u16(),
        303
    );
    assert_eq!(open.signed_in_at_down(&browser).as_deref(), Some("carol"));
}

#[test]
fn sign_up_closed_refuses_with_a_page_and_signs_nobody_in() {
    let fed = Federation::start(Signup::Closed);
    let browser = Browser::new();
    let response = fed.sign_in_through(&browser, "up", "bob");
    let page = html_page(response, 403);
    assert!(page.contains("sign-up is closed"), "{page}");
    assert!(
        page.contains("link Upstream on your security page"),
        "{page}"
    );
    assert_eq!(fed.signed_in_at_down(&browser), None);
}

#[test]
fn plain_oauth2_signs_in_through_the_user_info_url() {
    let fed = Federation::start(Signup::Open);
    let browser = Browser::new();
    let response = fed.sign_in_through(&browser, "plain", "bob");
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(fed.signed_in_at_down(&browser).as_deref(), Some("bob"));
    let again = Browser::new();
    assert_eq!(
        fed.sign_in_through(&again, "plain", "bob")
            .status()
            .as_u16(),
        303
    );
    assert_eq!(fed.signed_in_at_down(&again).as_deref(), Some("bob"));
}

#[test]
fn an_upstream_sign_in_says_fed_in_amr_and_never_pwd() {
    let fed = Federation::start(Signup::Open);
    let browser = Browser::new();
    assert_eq!(
        fed.sign_in_through(&browser, "up", "bob").status().as_u16(),
        303
    );
    let claims = fed.id_token_at_down(&browser);
    assert_eq!(claims["amr"], serde_json::json!(["fed"]), "{claims}");
    assert_eq!(claims["acr"], "1fa");
    assert_eq!(claims["preferred_username"], "bob");
}

#[test]
fn the_second_factor_still_applies_after_the_provider() {
    let fed = Federation::start(Signup::Closed);
    // dora signs in with her password and app, and links U's bob.
    let browser = Browser::new();
    browser.login_with_code(&fed.down, "dora", CAROL_TOTP);
    let page = html_page(browser.get(&fed.down.url("/account/security")), 200);
    let (action, csrf) = form_by_id(&page, "link-up");
    let start = browser.post_form(&action, &[("csrf_token", &csrf)]);
    let back = fed.through_upstream(&browser, &location(&start), "bob");
    assert_eq!(browser.get(&back).status().as_u16(), 302);
    // Through U, the sign-in stops at the second-factor prompt.
    let later = Browser::new();
    let back = fed.to_callback(&later, "up", "bob", "/account");
    let asked = later.get(&back);
    assert_eq!(asked.status().as_u16(), 302);
    assert_eq!(location(&asked), fed.down.url("/login/second-factor"));
    assert_eq!(fed.signed_in_at_down(&later), None);
    let done = later.send_code(&fed.down, &next_code(&fed.down, CAROL_TOTP));
    assert_eq!(done.status().as_u16(), 303);
    assert_eq!(location(&done), fed.down.url("/account"));
    assert_eq!(fed.signed_in_at_down(&later).as_deref(), Some("dora"));
    let claims = fed.id_token_at_down(&later);
    assert_eq!(
        claims["amr"],
        serde_json::json!(["fed", "otp", "mfa"]),
        "{claims}"
    );
}

#[test]
fn the_config_file_names_the_providers_and_no_secret_reaches_a_log() {
    let up = TestServer::start_with(&upstream_seed(), |c| {
        c.addr = "127.0.0.2:0".parse().unwrap()
    });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gatehouse.toml");
    std::fs::write(
        &file,
        format!(
            "signup = \"open\"\n\n[[upstream]]\nname = \"up\"\nlabel = \"Upstream\"\nissuer = \"{}\"\n\
             client_id = \"{DOWN_CLIENT}\"\nclient_secret = \"{DOWN_SECRET}\"\n",
            up.base
        ),
    )
    .unwrap();
    let (ok, out, err) = run_cli(&["config", "check", file.to_str().unwrap()], None);
    assert!(ok, "{err}");
    assert!(
        out.contains("[[upstream]] up") && !out.contains(DOWN_SECRET),
        "{out}"
    );
    // The binary, with every log line on, signs bob in through U.
    let down = BinServer::spawn(
        &dir.path().join("db"),
        &["--config", file.to_str().unwrap()],
        &[("RUST_LOG", "debug")],
    );
    let browser = Browser::new();
    let page = html_page(browser.get(&down.url("/login")), 200);
    assert!(page.contains("id=\"upstream-up\""), "{page}");
    let start = browser.get(&down.url("/login/upstream/up"));
    let flow_cookie = cookie_value(&set_cookie(&start, "gh_upstream").unwrap());
    let back = through_upstream_at(&browser, &up.base, &down.base, &location(&start), "bob");
    let done = browser.get(&back);
    assert_eq!(done.status().as_u16(), 303);
    let session = cookie_value(&set_cookie(&done, "gh_session").unwrap());
    let account = html_page(browser.get(&down.url("/account")), 200);
    assert!(account.contains("Signed in as"), "{account}");
    let q = query_of(&back);
    let secrets = [DOWN_SECRET, &q["code"], &q["state"], &flow_cookie, &session];
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let lines = loop {
        let lines = down.log_lines();
        if lines.iter().any(|l| l.contains("GET /account ")) || std::time::Instant::now() > deadline
        {
            break lines;
        }
        std::thread::yield_now();
    };
    assert!(
        lines.iter().any(|l| l.contains("GET /account ")),
        "{lines:?}"
    );
    for line in &lines {
        for secret in secrets {
            assert!(!line.contains(secret), "a secret in the log: {line}");
        }
    }
    // A table that names neither mode stops the start with its reason.
    std::fs::write(
        &file,
        "[[upstream]]\nname = \"x\"\nclient_id = \"c\"\nclient_secret = \"s\"\n",
    )
    .unwrap();
    let (ok, _, err) = run_cli(&["config", "check", file.to_str().unwrap()], None);
    assert!(!ok && err.contains("issuer"), "{err}");
}
