//! The token at `/api/v0/users/me` (and userinfo): as the bearer_token parameter or in a header.

use reqwest::blocking::Response;

use super::{
    basic, me, me_is_nother_guy, me_refused, post_token, replay, ME_URL, OAUTH_CLIENT_NAME,
    OAUTH_CLIENT_SECRET, OAUTH_CODE, USER_NAME, USER_PASSWORD,
};
use crate::harness::*;

#[test]
fn users_me_takes_the_token_in_every_placement() {
    replay(|server, set| {
        let user = token_answer(post_token(
            server,
            Some(&basic()),
            &[
                ("grant_type", "password"),
                ("client_id", OAUTH_CLIENT_NAME),
                ("username", USER_NAME),
                ("password", USER_PASSWORD),
                ("scope", "api openid profile"),
            ],
        ));
        let token = user["access_token"].as_str().unwrap();
        let user_id = user["user_id"].as_str().unwrap();
        let url = server.url(ME_URL);
        let get = |query: &[(&str, &str)], authorization: Option<String>| {
            let mut request = server.http.get(&url).query(query);
            if let Some(value) = authorization {
                request = request.header("Authorization", value);
            }
            request.send().unwrap()
        };
        // The bearer_token parameter, the header (either case), access_token.
        for response in [
            get(&[("bearer_token", token)], None),
            get(&[], Some(format!("Bearer {token}"))),
            get(&[], Some(format!("bearer {token}"))),
            get(&[("access_token", token)], None),
        ] {
            assert_eq!(me_is_nother_guy(response), user_id, "{set:?}");
        }
        // Two ways at once: 400.
        me_refused(
            get(&[("bearer_token", token)], Some(format!("Bearer {token}"))),
            400,
            "invalid_request",
        );
        me_refused(
            get(&[("bearer_token", token), ("access_token", token)], None),
            400,
            "invalid_request",
        );
        // A bad token (the document's code is no token), none at all.
        me_refused(
            get(&[("bearer_token", OAUTH_CODE)], None),
            401,
            "invalid_token",
        );
        me_refused(
            get(&[], Some(format!("Bearer {OAUTH_CODE}"))),
            401,
            "invalid_token",
        );
        let missing = get(&[], None);
        assert_eq!(missing.status(), 401, "{set:?}");
        assert_eq!(json(missing, 401)["statusCode"], 401, "{set:?}");

        // "for any request": the standard userinfo takes bearer_token too,
        // in the query and in a POST body.
        let info = json(get_userinfo(server, token), 200);
        assert_eq!(info["preferred_username"], USER_NAME, "{set:?}: {info}");
        assert_eq!(info["sub"], user_id, "{set:?}: {info}");
        let posted = server
            .http
            .post(server.url("/oauth/userinfo"))
            .form(&[("bearer_token", token)])
            .send()
            .unwrap();
        assert_eq!(json(posted, 200)["sub"], user_id, "{set:?}");
        // A revoked token is refused.
        let revoked = server.post_form(
            "/oauth/revoke",
            &[
                ("token", token),
                ("client_id", OAUTH_CLIENT_NAME),
                ("client_secret", OAUTH_CLIENT_SECRET),
            ],
        );
        assert_eq!(revoked.status(), 200, "{set:?}");
        me_refused(me(server, token), 401, "invalid_token");
    });
}

fn get_userinfo(server: &TestServer, token: &str) -> Response {
    server
        .http
        .get(server.url("/oauth/userinfo"))
        .query(&[("bearer_token", token)])
        .send()
        .unwrap()
}
