//! Obtaining Authorization: `/api/v0/oauth2/authorize` with response_type code and token.

use super::{
    assert_user_packet, authorize, code_redirect, getting_authorization_via_proxy, me,
    me_is_nother_guy, post_token, replay, signed_in, AUTHORIZE_URL, EXPIRES_IN, LEGACY_CLIENT,
    LEGACY_SECRET, OAUTH_CLIENT_NAME, PLAIN_CLIENT, REDIRECT_URI,
};
use crate::harness::*;

#[test]
fn authorize_with_response_type_code_returns_the_code_state_and_user_id() {
    replay(|server, set| {
        let browser = signed_in(server);
        // "state: returned unmodified as part of the response if provided"
        let state = "my state/1 & more";
        let (back, params) = code_redirect(server, &browser, state);
        assert!(back.starts_with(REDIRECT_URI), "{set:?}: {back}");
        assert!(params["code"].is_string(), "{set:?}: {back}");
        assert_eq!(params["state"], state, "{set:?}: {back}");
        let user_id = params["user_id"].as_str().unwrap().to_owned();
        assert!(params.get("access_token").is_none(), "{set:?}: {back}");

        // "user_id: User id for the logged in user."
        let packet = token_answer(getting_authorization_via_proxy(
            server,
            params["code"].as_str().unwrap(),
        ));
        assert_eq!(packet["user_id"], user_id.as_str(), "{set:?}");
        let token = packet["access_token"].as_str().unwrap();
        assert_eq!(me_is_nother_guy(me(server, token)), user_id, "{set:?}");

        // "redirect_uri: optional": the client's one is used; and without a
        // state none comes back.
        let back = location(&authorize(
            server,
            &browser,
            &[("response_type", "code"), ("client_id", OAUTH_CLIENT_NAME)],
        ));
        assert!(back.starts_with(REDIRECT_URI), "{set:?}: {back}");
        let params = query_of(&back);
        assert!(
            params.contains_key("code") && !params.contains_key("state"),
            "{back}"
        );
        assert_eq!(params["user_id"], user_id, "{set:?}: {back}");

        // "If it does not match the setting for your client account, the
        // authorization attempt will be rejected": a page, not a redirect.
        let response = browser
            .http
            .get(server.url(AUTHORIZE_URL))
            .query(&[
                ("response_type", "code"),
                ("client_id", OAUTH_CLIENT_NAME),
                ("redirect_uri", "https://mysite.com/elsewhere"),
                ("state", "s1"),
            ])
            .send()
            .unwrap();
        assert!(response.headers().get("location").is_none(), "{set:?}");
        html_page(response, 400);
    });
}

#[test]
fn response_type_token_answers_in_the_fragment_without_a_refresh_token() {
    replay(|server, set| {
        let browser = signed_in(server);
        let back = location(&authorize(
            server,
            &browser,
            &[
                ("response_type", "token"),
                ("client_id", OAUTH_CLIENT_NAME),
                ("redirect_uri", REDIRECT_URI),
                ("state", "t1"),
            ],
        ));
        assert!(back.starts_with(REDIRECT_URI), "{set:?}: {back}");
        assert!(
            query_of(&back).is_empty(),
            "{set:?}: nothing in the query: {back}"
        );
        let answer = fragment_of(&back);
        assert!(answer["access_token"].starts_with("gth_at_"), "{back}");
        assert_eq!(answer["token_type"], "bearer", "{set:?}: {back}");
        assert_eq!(answer["expires_in"], EXPIRES_IN.to_string(), "{back}");
        assert_eq!(answer["scope"], "api", "{set:?}: {back}");
        assert_eq!(answer["state"], "t1", "{set:?}: {back}");
        assert_eq!(answer["iss"], server.base, "{set:?}: {back}");
        // RFC 9700 §2.1.2 wins over the document for a normal client.
        assert!(!answer.contains_key("refresh_token"), "{set:?}: {back}");
        let user_id = &answer["user_id"];
        assert_eq!(
            &me_is_nother_guy(me(server, &answer["access_token"])),
            user_id,
            "{set:?}"
        );
    });
}

#[test]
fn a_legacy_client_gets_the_token_in_the_query_with_a_refresh_token() {
    replay(|server, set| {
        let browser = signed_in(server);
        // The client has no redirect URI set, so the request's is used.
        let back = location(&authorize(
            server,
            &browser,
            &[
                ("response_type", "token"),
                ("client_id", LEGACY_CLIENT),
                ("redirect_uri", REDIRECT_URI),
                ("state", "t2"),
            ],
        ));
        assert!(back.starts_with(REDIRECT_URI), "{set:?}: {back}");
        let url = url::Url::parse(&back).unwrap();
        assert!(url.fragment().is_none(), "{set:?}: {back}");
        // "Note that this response is in the form of a GET request".
        let answer = query_of(&back);
        assert!(answer["access_token"].starts_with("gth_at_"), "{back}");
        assert!(answer["refresh_token"].starts_with("gth_rt_"), "{back}");
        assert_eq!(answer["expires_in"], EXPIRES_IN.to_string(), "{back}");
        assert_eq!(answer["token_type"], "bearer", "{set:?}: {back}");
        assert_eq!(answer["state"], "t2", "{set:?}: {back}");
        assert_eq!(answer["scope"], "api", "{set:?}: {back}");
        let user_id = answer["user_id"].clone();
        assert_eq!(
            me_is_nother_guy(me(server, &answer["access_token"])),
            user_id,
            "{set:?}"
        );
        // The refresh token works at the token endpoint.
        let refreshed = token_answer(post_token(
            server,
            None,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", LEGACY_CLIENT),
                ("client_secret", LEGACY_SECRET),
                ("refresh_token", &answer["refresh_token"]),
            ],
        ));
        assert_user_packet(&refreshed, set);
        assert_eq!(refreshed["user_id"], user_id.as_str(), "{set:?}");

        // The code flow takes the request's redirect_uri too.
        let back = location(&authorize(
            server,
            &browser,
            &[
                ("response_type", "code"),
                ("client_id", LEGACY_CLIENT),
                ("redirect_uri", REDIRECT_URI),
            ],
        ));
        assert!(back.starts_with(REDIRECT_URI), "{set:?}: {back}");
        assert_eq!(query_of(&back)["user_id"], user_id, "{set:?}: {back}");

        // "as long as it's a valid URI": a fragment, another scheme, or no
        // redirect_uri at all get an error page.
        for redirect in [
            Some("https://mysite.com/skritterapi/getcode#x"),
            Some("javascript:alert(1)"),
            Some("not a uri"),
            None,
        ] {
            let mut query = vec![("response_type", "token"), ("client_id", LEGACY_CLIENT)];
            if let Some(uri) = redirect {
                query.push(("redirect_uri", uri));
            }
            let response = browser
                .http
                .get(server.url(AUTHORIZE_URL))
                .query(&query)
                .send()
                .unwrap();
            assert!(
                response.headers().get("location").is_none(),
                "{set:?}: {redirect:?} redirected"
            );
            html_page(response, 400);
        }
    });
}

#[test]
fn a_client_without_redirect_uris_that_is_not_legacy_gets_an_error_page() {
    replay(|server, set| {
        let browser = signed_in(server);
        for response_type in ["token", "code"] {
            let response = browser
                .http
                .get(server.url(AUTHORIZE_URL))
                .query(&[
                    ("response_type", response_type),
                    ("client_id", PLAIN_CLIENT),
                    ("redirect_uri", REDIRECT_URI),
                    ("state", "t3"),
                ])
                .send()
                .unwrap();
            assert!(
                response.headers().get("location").is_none(),
                "{set:?}: {response_type} redirected to {}",
                header(&response, "location")
            );
            html_page(response, 400);
        }
    });
}
