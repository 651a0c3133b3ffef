//! Scope: the document names none; its clients ask for none.

use serde_json::json;

use super::{
    authorize, basic, getting_authorization_via_proxy, logging_in_using_a_password, oauth_code,
    post_token, replay, signed_in, OAUTH_CLIENT_NAME, OAUTH_CLIENT_SECRET, REDIRECT_URI,
};
use crate::harness::*;

#[test]
fn a_skritter_client_asking_no_scope_gets_exactly_api() {
    replay(|server, set| {
        let mut scopes = Vec::new();
        let password = token_answer(logging_in_using_a_password(server, Some(&basic())));
        scopes.push((
            "password",
            password["scope"].clone(),
            password["access_token"].clone(),
        ));
        let app = token_answer(post_token(
            server,
            None,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", OAUTH_CLIENT_NAME),
                ("client_secret", OAUTH_CLIENT_SECRET),
            ],
        ));
        scopes.push((
            "client_credentials",
            app["scope"].clone(),
            app["access_token"].clone(),
        ));
        let code = token_answer(getting_authorization_via_proxy(server, &oauth_code(server)));
        scopes.push((
            "authorization_code",
            code["scope"].clone(),
            code["access_token"].clone(),
        ));
        let browser = signed_in(server);
        let back = location(&authorize(
            server,
            &browser,
            &[
                ("response_type", "token"),
                ("client_id", OAUTH_CLIENT_NAME),
                ("redirect_uri", REDIRECT_URI),
            ],
        ));
        let implicit = fragment_of(&back);
        scopes.push((
            "implicit",
            json!(implicit["scope"]),
            json!(implicit["access_token"]),
        ));
        for (how, scope, token) in &scopes {
            assert_eq!(scope, "api", "{set:?} {how}: not read, basic or identify");
            let info = server.introspect_as(
                OAUTH_CLIENT_NAME,
                OAUTH_CLIENT_SECRET,
                token.as_str().unwrap(),
            );
            assert_eq!(info["scope"], "api", "{set:?} {how}: {info}");
        }
        // Other dialects' scopes, and the seed's, are not this client's.
        for other in ["read", "basic", "identify", "stream"] {
            let response = post_token(
                server,
                None,
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", OAUTH_CLIENT_NAME),
                    ("client_secret", OAUTH_CLIENT_SECRET),
                    ("scope", other),
                ],
            );
            oauth_error(response, 400, "invalid_scope");
        }
    });
}
