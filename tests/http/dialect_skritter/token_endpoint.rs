//! Other OAuth Communications and the two Python examples, at `/api/v0/oauth2/token`.

use reqwest::blocking::Response;
use serde_json::Value;

use super::{
    assert_user_packet, basic, credentials, getting_authorization_via_proxy,
    logging_in_using_a_password, me, me_refused, oauth_code, post_token, replay, EXPIRES_IN,
    OAUTH_CLIENT_NAME, OAUTH_CLIENT_SECRET, OAUTH_CODE, REDIRECT_URI, TOKEN_URL, USER_NAME,
    USER_PASSWORD,
};
use crate::harness::*;

/// A GET of the token endpoint with the parameters in the query.
fn get_token(
    server: &TestServer,
    authorization: Option<&str>,
    params: &[(&str, &str)],
) -> Response {
    let mut request = server.http.get(server.url(TOKEN_URL)).query(params);
    if let Some(value) = authorization {
        request = request.header("AUTHORIZATION", value);
    }
    request.send().unwrap()
}

/// Asserts a JSONP answer `name({...});` and answers the JSON inside.
fn jsonp(response: Response, name: &str, status: u16) -> Value {
    assert_eq!(response.status(), status);
    let content_type = header(&response, "content-type");
    assert!(
        content_type.starts_with("application/javascript"),
        "{content_type}"
    );
    let text = response.text().unwrap();
    let inner = text
        .strip_prefix(&format!("{name}("))
        .and_then(|t| t.strip_suffix(");"))
        .unwrap_or_else(|| panic!("not {name}(…);: {text}"));
    serde_json::from_str(inner).unwrap()
}

#[test]
fn getting_authorization_via_proxy_replays_the_python_example() {
    replay(|server, set| {
        // The example as printed: OAUTH_CODE = '8eac0f0300e0fb4aa11870055ad932',
        // a code this server never issued.
        let response = getting_authorization_via_proxy(server, OAUTH_CODE);
        oauth_error(response, 400, "invalid_grant");

        // "upon their return to the redirect_uri given, get the code from the
        // GET parameter"
        let code = oauth_code(server);
        let packet = token_answer(getting_authorization_via_proxy(server, &code));
        assert_user_packet(&packet, set);
        assert!(packet.get("used_recovery").is_none(), "{set:?}: {packet}");
        // print packet.get('access_token')
        let token = packet["access_token"].as_str().unwrap();
        let info = server.introspect_as(OAUTH_CLIENT_NAME, OAUTH_CLIENT_SECRET, token);
        assert_eq!(info["active"], true, "{set:?}: {info}");
        assert_eq!(info["username"], USER_NAME, "{set:?}: {info}");
        assert_eq!(packet["user_id"], info["sub"], "{set:?}");

        // "Once exchanged, the code is invalid."
        oauth_error(
            getting_authorization_via_proxy(server, &code),
            400,
            "invalid_grant",
        );
        // "Is checked against the one set in your client account."
        let code = oauth_code(server);
        let other = server.post_form(
            TOKEN_URL,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", OAUTH_CLIENT_NAME),
                ("client_secret", OAUTH_CLIENT_SECRET),
                ("redirect_uri", "https://mysite.com/elsewhere"),
                ("code", &code),
            ],
        );
        oauth_error(other, 400, "invalid_grant");
    });
}

#[test]
fn logging_in_using_a_password_replays_the_python_example() {
    replay(|server, set| {
        // credentials = "basic %s" % b64encode(...), as AUTHORIZATION; then
        // the prose's "prepend 'basic: '", and the usual capital B.
        for prefix in ["basic ", "basic: ", "Basic "] {
            let value = credentials(prefix, OAUTH_CLIENT_NAME, OAUTH_CLIENT_SECRET);
            let packet = token_answer(logging_in_using_a_password(server, Some(&value)));
            assert_user_packet(&packet, set);
            // "used_recovery: true if grant_type was "password" and user used
            // a recovery password"
            assert_eq!(packet["used_recovery"], false, "{set:?}: {packet}");
            let token = packet["access_token"].as_str().unwrap();
            let info = server.introspect_as(OAUTH_CLIENT_NAME, OAUTH_CLIENT_SECRET, token);
            assert_eq!(info["username"], USER_NAME, "{set:?} {prefix:?}: {info}");
            assert_eq!(packet["user_id"], info["sub"], "{set:?} {prefix:?}");
        }

        // "'password' grant_type requests must always provide the client
        // secret through HTTP headers": as a POST parameter it is refused,
        // with or without the header.
        let with_secret = [
            ("grant_type", "password"),
            ("client_id", OAUTH_CLIENT_NAME),
            ("client_secret", OAUTH_CLIENT_SECRET),
            ("username", USER_NAME),
            ("password", USER_PASSWORD),
        ];
        oauth_error(
            post_token(server, None, &with_secret),
            400,
            "invalid_request",
        );
        oauth_error(
            post_token(server, Some(&basic()), &with_secret),
            400,
            "invalid_request",
        );
        // No secret at all, a wrong secret, a wrong password.
        oauth_error(
            logging_in_using_a_password(server, None),
            401,
            "invalid_client",
        );
        let wrong = credentials("basic ", OAUTH_CLIENT_NAME, "...");
        oauth_error(
            logging_in_using_a_password(server, Some(&wrong)),
            401,
            "invalid_client",
        );
        let bad_password = post_token(
            server,
            Some(&basic()),
            &[
                ("grant_type", "password"),
                ("client_id", OAUTH_CLIENT_NAME),
                ("username", USER_NAME),
                ("password", "..."),
            ],
        );
        oauth_error(bad_password, 400, "invalid_grant");
    });
}

#[test]
fn refresh_token_and_client_credentials_grants_answer_as_the_document_says() {
    replay(|server, set| {
        let first = token_answer(logging_in_using_a_password(server, Some(&basic())));
        let user_id = first["user_id"].as_str().unwrap();
        // 'refresh_token', the secret as a POST parameter…
        let refreshed = token_answer(post_token(
            server,
            None,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", OAUTH_CLIENT_NAME),
                ("client_secret", OAUTH_CLIENT_SECRET),
                ("refresh_token", first["refresh_token"].as_str().unwrap()),
            ],
        ));
        assert_user_packet(&refreshed, set);
        assert_eq!(refreshed["user_id"], user_id, "{set:?}");
        assert!(
            refreshed.get("used_recovery").is_none(),
            "{set:?}: {refreshed}"
        );
        assert_ne!(refreshed["access_token"], first["access_token"]);
        // …or through the header.
        let again = token_answer(post_token(
            server,
            Some(&basic()),
            &[
                ("grant_type", "refresh_token"),
                ("client_id", OAUTH_CLIENT_NAME),
                (
                    "refresh_token",
                    refreshed["refresh_token"].as_str().unwrap(),
                ),
            ],
        ));
        assert_user_packet(&again, set);
        assert_eq!(again["user_id"], user_id, "{set:?}");

        // 'client_credentials': "user_id (all but "client_credentials")".
        for authorization in [None, Some(basic())] {
            let mut params = vec![
                ("grant_type", "client_credentials"),
                ("client_id", OAUTH_CLIENT_NAME),
            ];
            if authorization.is_none() {
                params.push(("client_secret", OAUTH_CLIENT_SECRET));
            }
            let app = token_answer(post_token(server, authorization.as_deref(), &params));
            assert!(app["access_token"].is_string(), "{set:?}: {app}");
            assert_eq!(app["token_type"], "bearer", "{set:?}: {app}");
            assert_eq!(app["expires_in"], EXPIRES_IN, "{set:?}: {app}");
            assert_eq!(app["scope"], "api", "{set:?}: {app}");
            assert!(app.get("user_id").is_none(), "{set:?}: {app}");
            assert!(app.get("used_recovery").is_none(), "{set:?}: {app}");
            assert!(app.get("refresh_token").is_none(), "{set:?}: {app}");
            // It acts for nobody.
            me_refused(
                me(server, app["access_token"].as_str().unwrap()),
                401,
                "invalid_token",
            );
        }
    });
}

#[test]
fn the_token_endpoint_answers_get_with_query_parameters() {
    replay(|server, set| {
        // "GET or POST http://legacy.skritter.com/api/v0/oauth2/token"
        let app = token_answer(get_token(
            server,
            Some(&basic()),
            &[
                ("grant_type", "client_credentials"),
                ("client_id", OAUTH_CLIENT_NAME),
            ],
        ));
        assert_eq!(app["token_type"], "bearer", "{set:?}: {app}");
        assert!(app.get("user_id").is_none(), "{set:?}: {app}");

        let user = token_answer(get_token(
            server,
            Some(&basic()),
            &[
                ("grant_type", "password"),
                ("client_id", OAUTH_CLIENT_NAME),
                ("username", USER_NAME),
                ("password", USER_PASSWORD),
            ],
        ));
        assert_user_packet(&user, set);
        assert_eq!(user["used_recovery"], false, "{set:?}: {user}");

        let refreshed = token_answer(get_token(
            server,
            Some(&basic()),
            &[
                ("grant_type", "refresh_token"),
                ("client_id", OAUTH_CLIENT_NAME),
                ("refresh_token", user["refresh_token"].as_str().unwrap()),
            ],
        ));
        assert_user_packet(&refreshed, set);
        assert_eq!(refreshed["user_id"], user["user_id"], "{set:?}");

        let code = oauth_code(server);
        let exchanged = token_answer(get_token(
            server,
            Some(&basic()),
            &[
                ("grant_type", "authorization_code"),
                ("client_id", OAUTH_CLIENT_NAME),
                ("redirect_uri", REDIRECT_URI),
                ("code", &code),
            ],
        ));
        assert_user_packet(&exchanged, set);
        assert_eq!(exchanged["user_id"], user["user_id"], "{set:?}");
    });
}

#[test]
fn a_callback_wraps_the_answer_as_jsonp_and_a_bad_name_is_refused() {
    replay(|server, set| {
        // "callback: optional function name that will receive the JSON
        // formatted response", on POST…
        let posted = jsonp(
            post_token(
                server,
                Some(&basic()),
                &[
                    ("grant_type", "password"),
                    ("client_id", OAUTH_CLIENT_NAME),
                    ("username", USER_NAME),
                    ("password", USER_PASSWORD),
                    ("callback", "handleToken"),
                ],
            ),
            "handleToken",
            200,
        );
        assert_user_packet(&posted, set);
        assert_eq!(posted["used_recovery"], false, "{set:?}");
        // …and on GET, with a dotted name.
        let got = jsonp(
            get_token(
                server,
                Some(&basic()),
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", OAUTH_CLIENT_NAME),
                    ("callback", "skritter.handlers.done"),
                ],
            ),
            "skritter.handlers.done",
            200,
        );
        assert_eq!(got["token_type"], "bearer", "{set:?}: {got}");
        // Errors reach the callback too, with their status.
        let error = jsonp(
            post_token(
                server,
                None,
                &[
                    ("grant_type", "password"),
                    ("client_id", OAUTH_CLIENT_NAME),
                    ("client_secret", OAUTH_CLIENT_SECRET),
                    ("username", USER_NAME),
                    ("password", USER_PASSWORD),
                    ("callback", "cb"),
                ],
            ),
            "cb",
            400,
        );
        assert_eq!(error["error"], "invalid_request", "{set:?}: {error}");
        // A callback that is not a function name is refused as plain JSON.
        for bad in ["alert(1)", "a b", "cb;evil()", "1cb", "x-y"] {
            let refused = post_token(
                server,
                Some(&basic()),
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", OAUTH_CLIENT_NAME),
                    ("callback", bad),
                ],
            );
            let body = oauth_error(refused, 400, "invalid_request");
            assert!(body.get("access_token").is_none(), "{set:?} {bad}: {body}");
        }
    });
}
