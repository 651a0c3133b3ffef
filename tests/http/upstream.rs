//! Sign-in through another provider, against a second Gatehouse instance
//! playing the provider (see `harness/upstream.rs`).

use gatehouse::config::Signup;

use crate::harness::*;

/// The form of `page` whose id is `id`, or the first form inside the
/// element of that id: its action and its CSRF token.
fn form_by_id(page: &str, id: &str) -> (String, String) {
    let start = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {page}"));
    let tag = page[..start].rfind('<').unwrap();
    let open = if page[tag..].starts_with("<form") {
        tag
    } else {
        start + page[start..].find("<form").unwrap()
    };
    let form = &page[open..];
    let form = &form[..form.find("</form>").unwrap()];
    let action = form
        .split("action=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    (unescape(action), Browser::csrf(form))
}

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
fn a_forged_state_is_refused_and_spends_the_sign_in() {
    let fed = Federation::start(Signup::Open);
    let browser = Browser::new();
    let back = fed.to_callback(&browser, "up", "bob", "/account");
    let mut forged = url::Url::parse(&back).unwrap();
    let pairs: Vec<(String, String)> = forged
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "state" {
                "forged".into()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    forged.query_pairs_mut().clear().extend_pairs(pairs);
    let page = html_page(browser.get(forged.as_str()), 400);
    assert!(
        page.contains("does not belong to the sign-in this browser started"),
        "{page}"
    );
    assert_eq!(fed.signed_in_at_down(&browser), None);
    // The waiting sign-in is gone: the genuine answer comes too late.
    assert_eq!(browser.get(&back).status().as_u16(), 400);
    assert_eq!(fed.signed_in_at_down(&browser), None);
}

#[test]
fn an_answer_brought_by_another_browser_signs_nobody_in() {
    let fed = Federation::start(Signup::Open);
    // The attacker gets an answer for their own sign-in and hands the link on.
    let attacker = Browser::new();
    let back = fed.to_callback(&attacker, "up", "carol", "/account");
    let victim = Browser::new();
    let page = html_page(victim.get(&back), 400);
    assert!(page.contains("not started in this browser"), "{page}");
    assert_eq!(fed.signed_in_at_down(&victim), None);
}

#[test]
fn a_code_obtained_for_another_pending_sign_in_is_refused() {
    // The first sign-in's code, delivered with the second's state: its ID
    // token carries the first nonce and its PKCE challenge is the first's.
    // U refuses the exchange (the verifier), before the nonce is compared;
    // the nonce check itself is unit-tested in accounts/upstream/id_token.rs.
    let fed = Federation::start(Signup::Open);
    let browser = Browser::new();
    let first = fed.to_callback(&browser, "up", "bob", "/account");
    let second = location(&browser.get(&fed.down.url("/login/upstream/up")));
    let code = query_of(&first)["code"].clone();
    let state = query_of(&second)["state"].clone();
    let mut crossed = url::Url::parse(&fed.down.url("/login/upstream/up/callback")).unwrap();
    crossed
        .query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &state)
        .append_pair("iss", &fed.up.base);
    let page = html_page(browser.get(crossed.as_str()), 403);
    assert!(page.contains("invalid_grant"), "{page}");
    assert_eq!(fed.signed_in_at_down(&browser), None);
}

#[test]
fn a_refusal_at_the_provider_shows_a_page() {
    let fed = Federation::start(Signup::Open);
    let browser = Browser::signed_in_at(&fed.up.base, "bob");
    let start = browser.get(&fed.down.url("/login/upstream/up"));
    let consent = browser.get(&location(&start));
    let consent = html_page(consent, 200);
    let denied = browser.decide_at(&fed.up.base, &consent, "deny");
    let back = location(&denied);
    assert_eq!(query_of(&back)["error"], "access_denied");
    let page = html_page(browser.get(&back), 403);
    assert!(
        page.contains("refused the sign-in (access_denied)"),
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
fn the_config_file_names_the_providers_and_check_never_shows_a_secret() {
    let up = TestServer::start_with(&seed(), |c| c.addr = "127.0.0.2:0".parse().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gatehouse.toml");
    std::fs::write(
        &file,
        format!(
            "signup = \"open\"\n\n[[upstream]]\nname = \"up\"\nlabel = \"Upstream\"\nissuer = \"{}\"\n\
             client_id = \"{DOWN_CLIENT}\"\nclient_secret = \"very-secret-value\"\n",
            up.base
        ),
    )
    .unwrap();
    let (ok, out, err) = run_cli(&["config", "check", file.to_str().unwrap()], None);
    assert!(ok, "{err}");
    assert!(
        out.contains("[[upstream]] up") && !out.contains("very-secret-value"),
        "{out}"
    );
    let server = BinServer::spawn(
        &dir.path().join("db"),
        &["--config", file.to_str().unwrap()],
        &[],
    );
    let page = html_page(http_client().get(server.url("/login")).send().unwrap(), 200);
    assert!(page.contains("id=\"upstream-up\""), "{page}");
    assert!(server
        .log_lines()
        .iter()
        .all(|l| !l.contains("very-secret-value")));
    // A table that names neither mode stops the start with its reason.
    std::fs::write(
        &file,
        "[[upstream]]\nname = \"x\"\nclient_id = \"c\"\nclient_secret = \"s\"\n",
    )
    .unwrap();
    let (ok, _, err) = run_cli(&["config", "check", file.to_str().unwrap()], None);
    assert!(!ok && err.contains("issuer"), "{err}");
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
fn an_answer_that_names_another_issuer_or_none_is_refused() {
    // U promises `iss` in its answers (RFC 9207), so D insists on it.
    let fed = Federation::start(Signup::Open);
    for iss in [Some("https://evil.example"), None] {
        let browser = Browser::new();
        let back = fed.to_callback(&browser, "up", "bob", "/account");
        let mut changed = url::Url::parse(&back).unwrap();
        let pairs: Vec<(String, String)> = changed
            .query_pairs()
            .filter(|(k, _)| k != "iss")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        {
            let mut q = changed.query_pairs_mut();
            q.clear().extend_pairs(pairs);
            if let Some(iss) = iss {
                q.append_pair("iss", iss);
            }
        }
        let page = html_page(browser.get(changed.as_str()), 502);
        assert!(page.contains("issuer (RFC 9207)"), "{page}");
        assert_eq!(fed.signed_in_at_down(&browser), None);
    }
}
