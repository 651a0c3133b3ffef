//! Two instances on one PostgreSQL database, as behind a load balancer
//! (issue 13): what one issues, revokes, redeems, signs in or counts, the
//! other sees at once; a key rotated in the database is published and used
//! by both within `--shared-refresh`; and (`outage`) a database that goes
//! away for a few seconds under load.

mod outage;
mod proxy;

use std::sync::Barrier;
use std::time::{Duration, Instant};

use gatehouse::config::Config;
use openidconnect::core::CoreIdToken;
use openidconnect::Nonce;
use reqwest::blocking::Response;

use crate::harness::*;

/// The issuer both instances share, as behind one public name.
const ISSUER: &str = "http://gatehouse.test";

const WEBAPP_CB: &str = "http://127.0.0.1:9000/cb";

/// Two in-process instances, A and B, of `seed` on one fresh database and
/// one issuer, each with `tweak` applied; answers them and the database's URL.
fn two_instances(seed: &str, tweak: impl Fn(&mut Config)) -> (TestServer, TestServer, String) {
    let url = fresh_database();
    let start = || {
        TestServer::start_with(seed, |c| {
            c.store_url = Some(url.clone());
            c.issuer = Some(ISSUER.to_owned());
            tweak(c);
        })
    };
    let a = start();
    let b = start();
    (a, b, url)
}

/// A people-seed pair (see [`two_instances`]).
fn people_pair() -> (TestServer, TestServer) {
    let (a, b, _) = two_instances(&people_seed(), |_| {});
    (a, b)
}

/// The text of a JSON string member.
fn text(body: &serde_json::Value, member: &str) -> String {
    body[member]
        .as_str()
        .unwrap_or_else(|| panic!("no {member} in {body}"))
        .to_owned()
}

/// Tokens for alice and webapp (an ID token, a refresh token) from a code
/// issued and redeemed on `server`.
fn webapp_tokens(server: &TestServer) -> serde_json::Value {
    let browser = Browser::signed_in(server, "alice");
    let scope = "openid offline_access read write";
    let code = code_for(server, &browser, "webapp", scope, None);
    json(
        exchange(server, "webapp", &code, Some(WEBAPP_CB), None),
        200,
    )
}

#[test]
fn a_token_issued_by_one_instance_introspects_active_on_the_other() {
    let (a, b) = people_pair();
    let token = a.client_token(Some("read"));
    let seen = b.introspect(&token);
    assert_eq!(seen["active"], true, "{seen}");
    assert_eq!(seen["client_id"], CLIENT_ID);
    assert_eq!(seen["scope"], "read");
    assert_eq!(seen["iss"], ISSUER, "{seen}");

    let tokens = webapp_tokens(&a);
    let seen = b.introspect(&text(&tokens, "access_token"));
    assert_eq!(seen["active"], true, "{seen}");
    assert_eq!(seen["username"], "alice");
    assert!(is_active(&b, &text(&tokens, "refresh_token")));
    // Not any string is active there: the answer comes from what A stored.
    assert_eq!(b.introspect("gth_at_never-issued")["active"], false);
}

/// Revokes a token at `server` as `client` (RFC 7009); asserts the 200.
fn revoke(server: &TestServer, client: &str, secret: &str, token: &str) {
    let response = server.post_basic("/oauth/revoke", client, secret, &[("token", token)]);
    assert_eq!(response.status(), 200, "{}", response.text().unwrap());
}

/// The status of UserInfo at `server` for a bearer token.
fn userinfo_status(server: &TestServer, token: &str) -> u16 {
    server
        .http
        .get(server.url("/oauth/userinfo"))
        .bearer_auth(token)
        .send()
        .unwrap()
        .status()
        .as_u16()
}

#[test]
fn a_revocation_on_one_instance_is_seen_by_the_other_on_its_next_request() {
    let (a, b) = people_pair();
    let token = a.client_token(None);
    assert!(is_active(&a, &token));
    revoke(&b, CLIENT_ID, CLIENT_SECRET, &token);
    assert!(!is_active(&a, &token), "A still takes a token B revoked");

    // Revoking the refresh token on B ends its whole grant on A.
    let tokens = webapp_tokens(&a);
    let (access, refresh_token) = (
        text(&tokens, "access_token"),
        text(&tokens, "refresh_token"),
    );
    assert_eq!(userinfo_status(&a, &access), 200);
    revoke(&b, "webapp", "webapp-secret", &refresh_token);
    assert_eq!(userinfo_status(&a, &access), 401);
    assert!(!is_active(&a, &refresh_token));
    oauth_error(
        refresh(&a, "webapp", &refresh_token, None),
        400,
        "invalid_grant",
    );
}

#[test]
fn a_code_redeemed_on_one_instance_is_a_replay_on_the_other_and_revokes_its_tokens() {
    let (a, b) = people_pair();
    let browser = Browser::signed_in(&a, "alice");
    let code = code_for(&a, &browser, "webapp", "read write", None);
    let first = json(exchange(&a, "webapp", &code, Some(WEBAPP_CB), None), 200);
    let (access, refresh_token) = (text(&first, "access_token"), text(&first, "refresh_token"));
    assert!(is_active(&b, &access));

    let again = exchange(&b, "webapp", &code, Some(WEBAPP_CB), None);
    oauth_error(again, 400, "invalid_grant");
    // As on one instance: the replay revokes what the code issued, on both.
    for server in [&a, &b] {
        assert!(!is_active(server, &access));
        assert!(!is_active(server, &refresh_token));
    }
    oauth_error(
        exchange(&a, "webapp", &code, Some(WEBAPP_CB), None),
        400,
        "invalid_grant",
    );
}

/// Sends one code to A and B at the same moment from two threads; answers
/// the winner's token response and the loser's answer, asserting that
/// exactly one of them succeeded and the other was `invalid_grant`.
fn race(a: &TestServer, b: &TestServer, code: &str) -> (serde_json::Value, (u16, String)) {
    let barrier = Barrier::new(2);
    let send = |server: &TestServer| {
        barrier.wait();
        let response = exchange(server, "webapp", code, Some(WEBAPP_CB), None);
        let status = response.status().as_u16();
        (status, response.text().unwrap())
    };
    let answers = std::thread::scope(|s| {
        let left = s.spawn(|| send(a));
        let right = s.spawn(|| send(b));
        [left.join().unwrap(), right.join().unwrap()]
    });
    let won: Vec<_> = answers.iter().filter(|(s, _)| *s == 200).collect();
    assert_eq!(won.len(), 1, "{answers:?}");
    let lost = answers.iter().find(|(s, _)| *s != 200).unwrap().clone();
    assert_eq!(lost.0, 400, "{answers:?}");
    assert!(lost.1.contains("\"invalid_grant\""), "{lost:?}");
    (serde_json::from_str(&won[0].1).unwrap(), lost)
}

/// A code for alice and webapp, issued on A for even rounds, on B for odd.
fn code_of_round(round: u32, pair: [(&TestServer, &Browser); 2], scope: &str) -> String {
    let (server, browser) = pair[(round % 2) as usize];
    code_for(server, browser, "webapp", scope, None)
}

#[test]
fn one_code_sent_to_both_instances_at_once_succeeds_exactly_once_each_time() {
    let (a, b) = people_pair();
    let (on_a, on_b) = (
        Browser::signed_in(&a, "alice"),
        Browser::signed_in(&b, "alice"),
    );
    let started = Instant::now();
    for round in 0..200 {
        let code = code_of_round(round, [(&a, &on_a), (&b, &on_b)], "read");
        let (won, _) = race(&a, &b, &code);
        assert!(won["access_token"].is_string(), "round {round}: {won}");
    }
    eprintln!("200 rounds in {:?}", started.elapsed());
}

/// The loser of a race is told "the tokens issued for it are revoked now",
/// and so they are even when its revocation runs before the winner has
/// stored them: the loser ends the code first, and the winner, finding it
/// ended after storing its tokens, revokes them itself.
#[test]
fn the_loser_of_a_race_for_one_code_revokes_what_the_winner_got() {
    let (a, b) = people_pair();
    let (on_a, on_b) = (
        Browser::signed_in(&a, "alice"),
        Browser::signed_in(&b, "alice"),
    );
    let mut survived = Vec::new();
    for round in 0..50 {
        let code = code_of_round(round, [(&a, &on_a), (&b, &on_b)], "read write");
        let (won, _) = race(&a, &b, &code);
        if is_active(&a, &text(&won, "access_token")) || is_active(&b, &text(&won, "refresh_token"))
        {
            survived.push(round);
        }
    }
    assert!(
        survived.is_empty(),
        "tokens survived a replay in rounds {survived:?}"
    );
}

#[test]
fn a_session_cookie_from_one_instance_signs_in_on_the_other() {
    let (a, b) = people_pair();
    let browser = Browser::signed_in(&a, "alice");
    let session = browser
        .cookie(&a.url("/"), "gh_session")
        .expect("no session cookie after signing in on A");
    // A client that never talked to B, carrying only A's cookie.
    let account_at_b = |cookie: &str| {
        http_client()
            .get(b.url("/account"))
            .header("cookie", format!("gh_session={cookie}"))
            .send()
            .unwrap()
    };
    let page = html_page(account_at_b(&session), 200);
    assert!(page.contains("id=\"username\">alice<"), "{page}");
    // A cookie that no instance issued is no session on B.
    let forged = account_at_b("not-a-session");
    assert_eq!(forged.status(), 302);
    assert!(location(&forged).contains("/login"));
}

/// A sign-in form at `base` fetched ahead, so that the posts that count
/// follow each other quickly (the first lock lasts two seconds).
struct SignInForm {
    base: String,
    browser: Browser,
    csrf: String,
}

impl SignInForm {
    fn at(server: &TestServer) -> Self {
        let browser = Browser::new();
        let page = html_page(browser.get(&server.url("/login")), 200);
        let csrf = Browser::csrf(&page);
        SignInForm {
            base: server.base.clone(),
            browser,
            csrf,
        }
    }

    fn submit(&self, username: &str, password: &str) -> Response {
        self.browser.post_form(
            &format!("{}/login", self.base),
            &[
                ("username", username),
                ("password", password),
                ("csrf_token", &self.csrf),
            ],
        )
    }
}

#[test]
fn wrong_passwords_spread_over_both_instances_are_throttled_together() {
    let (a, b) = people_pair();
    let forms: Vec<SignInForm> = [&a, &a, &a, &b, &b, &a, &b]
        .into_iter()
        .map(SignInForm::at)
        .collect();
    // Three wrong on A, two wrong on B: five, the account's limit.
    for (i, form) in forms[..5].iter().enumerate() {
        let response = form.submit("bob", "not-bobs-password");
        assert_eq!(response.status(), 200, "wrong password {i} was not checked");
    }
    // Now the right password is refused on either.
    for form in &forms[5..] {
        let response = form.submit("bob", "bob-password");
        let retry = header(&response, "retry-after");
        html_page(response, 429);
        let seconds: u64 = retry.parse().expect("a 429 carries Retry-After");
        assert!((1..=2).contains(&seconds), "Retry-After {seconds}");
    }
    // Alice, counted apart, still signs in on both.
    Browser::signed_in(&a, "alice");
    Browser::signed_in(&b, "alice");
}

/// Waits up to `limit` for `done`; answers how long that took.
fn within(limit: Duration, what: &str, mut done: impl FnMut() -> bool) -> Duration {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    started.elapsed()
}

/// The `kid` in an ID token's header.
fn kid_of(id_token: &str) -> String {
    let (header, _) = jwt_parts(id_token);
    text(&header, "kid")
}

/// Asserts that an RS256 ID token of rp-rs256 verifies against the keys
/// the instance at `base` publishes now.
fn verifies_at(base: &str, id_token: &str) {
    let token: CoreIdToken = id_token.parse().unwrap();
    let verifier = verifier_for_issuer(base, ISSUER, "rp-rs256", "RS256");
    if let Err(e) = token.claims(&verifier, &Nonce::new(NONCE.to_owned())) {
        panic!(
            "the ID token does not verify at {base}: {e}; JWKS {}",
            jwks_at(base)
        );
    }
}

/// An RS256 ID token for alice from the instance at `base`.
fn id_token_from(base: &str) -> String {
    let browser = Browser::signed_in_at(base, "alice");
    id_token_of(&rp_tokens(base, &browser, "rp-rs256", "openid profile"))
}

#[test]
fn a_key_rotated_in_the_database_is_published_and_used_by_both_instances() {
    let (a, b, url) = two_instances(&oidc_seed(), |c| c.shared_refresh = 1);
    let old = id_token_from(&a.base);
    let before = kids(&jwks_at(&b.base));
    assert!(before.contains(&kid_of(&old)), "{before:?}");

    // In the database itself: an empty data directory has no running
    // server's control socket to hand the command to.
    let nowhere = tempfile::tempdir().unwrap();
    let data = nowhere.path().to_str().unwrap();
    let (ok, out, err) = run_cli(&["keys", "rotate", "--store", &url, "--data", data], None);
    assert!(ok, "keys rotate failed: {out} {err}");
    let made: Vec<String> = out
        .lines()
        .find_map(|l| l.strip_prefix("new signing keys: "))
        .unwrap_or_else(|| panic!("no new keys named in: {out}"))
        .split(", ")
        .map(str::to_owned)
        .collect();
    assert_eq!(made.len(), 3, "{made:?}");
    assert!(
        made.iter().all(|k| !before.contains(k)),
        "{made:?} {before:?}"
    );

    // With --shared-refresh 1, both publish the new keys within seconds.
    for server in [&b, &a] {
        let waited = within(Duration::from_secs(10), "the new kids in the JWKS", || {
            let now = kids(&jwks_at(&server.base));
            made.iter().all(|k| now.contains(k))
        });
        eprintln!("{} published the new keys after {waited:?}", server.base);
    }
    // A signs with its new key, and B verifies it; and the other way round.
    let from_a = id_token_from(&a.base);
    assert!(made.contains(&kid_of(&from_a)), "{from_a}");
    verifies_at(&b.base, &from_a);
    let from_b = id_token_from(&b.base);
    assert_eq!(kid_of(&from_b), kid_of(&from_a));
    verifies_at(&a.base, &from_b);
    // The token signed before the rotation still verifies on both.
    verifies_at(&a.base, &old);
    verifies_at(&b.base, &old);
}
