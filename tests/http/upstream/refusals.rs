//! Answers that sign nobody in: a forged state, another browser's answer,
//! a crossed code, a refusal at the provider, another issuer.

use gatehouse::accounts::signup::Signup;

use crate::harness::*;

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
    // the nonce check has its own test below.
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

#[test]
fn an_id_token_with_another_nonce_is_refused() {
    // The browser carries the request to U, so it can change the nonce on
    // the way: U then signs an ID token with the changed one, and D, which
    // remembers what it sent, refuses it (state and PKCE stay right).
    let fed = Federation::start(Signup::Open);
    let browser = Browser::new();
    let start = browser.get(&fed.down.url("/login/upstream/up?next=/account"));
    let mut authorize = url::Url::parse(&location(&start)).unwrap();
    let pairs: Vec<(String, String)> = authorize
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "nonce" {
                "a-nonce-of-the-attacker".into()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    assert!(pairs.iter().any(|(k, _)| k == "nonce"), "{authorize}");
    authorize.query_pairs_mut().clear().extend_pairs(pairs);
    let back = fed.through_upstream(&browser, authorize.as_str(), "bob");
    let page = html_page(browser.get(&back), 400);
    assert!(
        page.contains("nonce is not the one this sign-in sent"),
        "{page}"
    );
    assert_eq!(fed.signed_in_at_down(&browser), None);
}
