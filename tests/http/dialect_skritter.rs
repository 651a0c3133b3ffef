//! skritter-oauth2.txt replayed, in its order: "Obtaining Authorization"
//! (`/api/v0/oauth2/authorize`, response_type code and token, the legacy
//! query answer and the request's redirect_uri), "Other OAuth
//! Communications" (the four grants at `/api/v0/oauth2/token`, GET or POST,
//! the `callback`), "Passing Your Secret Through HTTP Headers", the two
//! Python examples as written, and the token "as the bearer_token parameter
//! for any request, or in an HTTP header" at `/api/v0/users/me`. Each replay
//! runs with the skritter dialect alone and with the set `gatehouse dev`
//! enables.

use base64::Engine;
use gatehouse::dialects::Dialect;
use reqwest::blocking::Response;
use serde_json::{json, Value};

use crate::harness::*;

const AUTHORIZE_URL: &str = "/api/v0/oauth2/authorize";
const TOKEN_URL: &str = "/api/v0/oauth2/token";
const ME_URL: &str = "/api/v0/users/me";
// The document's own names and values.
const REDIRECT_URI: &str = "https://mysite.com/skritterapi/getcode";
const OAUTH_CODE: &str = "8eac0f0300e0fb4aa11870055ad932";
const OAUTH_CLIENT_NAME: &str = "notherGuy";
/// "get from client page": a code-like value, as the document's code is.
const OAUTH_CLIENT_SECRET: &str = "3fd1c0a59b2e4d7f8a6c0e1b2d3f4a5b";
const USER_NAME: &str = "notherGuy";
/// "get from user input, don't store it".
const USER_PASSWORD: &str = "c4a1e9f07b3d";
/// A client with `dialect_legacy` and no redirect URI: "If redirections are
/// on but your client account has no redirect URI set, this value is used".
const LEGACY_CLIENT: &str = "notherGuyLegacy";
const LEGACY_SECRET: &str = "9b8a7c6d5e4f30211f2e3d4c5b6a7980";
/// The same registration without `dialect_legacy`.
const PLAIN_CLIENT: &str = "notherGuyPlain";
const PLAIN_SECRET: &str = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
/// The core's default access token lifetime.
const EXPIRES_IN: u64 = 3600;

/// The document's client and user, and the two clients without a redirect
/// URI, all of the skritter dialect.
fn extra() -> Value {
    let grants = [
        "authorization_code",
        "implicit",
        "refresh_token",
        "password",
        "client_credentials",
    ];
    json!({
        "users": [{"username": USER_NAME, "password": USER_PASSWORD, "name": "Nother Guy",
                   "email": "notherguy@example.org"}],
        "clients": [
            {"client_id": OAUTH_CLIENT_NAME, "client_secret": OAUTH_CLIENT_SECRET,
             "client_name": "Nother Guy's app", "redirect_uris": [REDIRECT_URI],
             "grant_types": grants, "response_types": ["code", "token"], "dialect": "skritter"},
            {"client_id": LEGACY_CLIENT, "client_secret": LEGACY_SECRET,
             "client_name": "Nother Guy's old app", "redirect_uris": [],
             "grant_types": grants, "response_types": ["code", "token"],
             "dialect": "skritter", "dialect_legacy": true},
            {"client_id": PLAIN_CLIENT, "client_secret": PLAIN_SECRET,
             "client_name": "Nother Guy's plain app", "redirect_uris": [],
             "grant_types": grants, "response_types": ["code", "token"], "dialect": "skritter"}
        ]
    })
}

/// Runs `check` with the skritter dialect alone, then with the dev set.
fn replay(check: impl Fn(&TestServer, &[Dialect])) {
    for_each_set(Dialect::Skritter, &extra(), check);
}

/// `GET /api/v0/oauth2/authorize?…` in a browser where the document's user
/// has signed in, allowing on the consent page if one is shown.
fn authorize(server: &TestServer, browser: &Browser, query: &[(&str, &str)]) -> Response {
    let response = browser
        .http
        .get(server.url(AUTHORIZE_URL))
        .query(query)
        .send()
        .unwrap();
    match response.status().as_u16() {
        200 => {
            let page = html_page(response, 200);
            browser.decide(server, &page, "allow")
        }
        _ => response,
    }
}

fn signed_in(server: &TestServer) -> Browser {
    Browser::signed_in_as(server, USER_NAME, USER_PASSWORD)
}

/// The redirect of a `response_type=code` authorization of the document's
/// client: its query parameters (code, state, user_id).
fn code_redirect(server: &TestServer, browser: &Browser, state: &str) -> (String, Value) {
    let back = location(&authorize(
        server,
        browser,
        &[
            ("response_type", "code"),
            ("client_id", OAUTH_CLIENT_NAME),
            ("redirect_uri", REDIRECT_URI),
            ("state", state),
        ],
    ));
    let params = query_of(&back);
    (back, json!(params))
}

/// A fresh code for the document's client.
fn oauth_code(server: &TestServer) -> String {
    let (_, params) = code_redirect(server, &signed_in(server), "s1");
    params["code"].as_str().unwrap().to_owned()
}

/// The document's first Python example: `urllib2.Request(url, data)` with
/// `data = urllib.urlencode(params)`, a POST of the form.
fn getting_authorization_via_proxy(server: &TestServer, code: &str) -> Response {
    let params = [
        ("grant_type", "authorization_code"),
        ("client_id", OAUTH_CLIENT_NAME),
        ("client_secret", OAUTH_CLIENT_SECRET),
        ("redirect_uri", REDIRECT_URI),
        ("code", code),
    ];
    server.post_form(TOKEN_URL, &params)
}

/// `b64encode("%s:%s" % (OAUTH_CLIENT_NAME, OAUTH_CLIENT_SECRET))` after
/// `prefix` (the example's `basic `, the prose's `basic: `).
fn credentials(prefix: &str, id: &str, secret: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
    format!("{prefix}{encoded}")
}

/// The example's header value, `"basic %s" % credentials`.
fn basic() -> String {
    credentials("basic ", OAUTH_CLIENT_NAME, OAUTH_CLIENT_SECRET)
}

/// A POST to the token endpoint, with `AUTHORIZATION` when given (spelled as
/// the example's `request.add_header('AUTHORIZATION', credentials)`).
fn post_token(
    server: &TestServer,
    authorization: Option<&str>,
    params: &[(&str, &str)],
) -> Response {
    let mut request = server.http.post(server.url(TOKEN_URL)).form(params);
    if let Some(value) = authorization {
        request = request.header("AUTHORIZATION", value);
    }
    request.send().unwrap()
}

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

/// The document's second Python example, with the given header value.
fn logging_in_using_a_password(server: &TestServer, authorization: Option<&str>) -> Response {
    let params = [
        ("grant_type", "password"),
        ("client_id", OAUTH_CLIENT_NAME),
        ("username", USER_NAME),
        ("password", USER_PASSWORD),
    ];
    post_token(server, authorization, &params)
}

/// Asserts the token endpoint's JSON answer: status, JSON, `no-store`.
fn packet(response: Response) -> Value {
    let content_type = header(&response, "content-type");
    assert_eq!(header(&response, "cache-control"), "no-store");
    let body = json(response, 200);
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    body
}

fn header(response: &Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// The fields the document's token response names, for a user's token.
fn assert_user_packet(packet: &Value, set: &[Dialect]) {
    assert!(
        packet["access_token"]
            .as_str()
            .unwrap()
            .starts_with("gth_at_"),
        "{set:?}: {packet}"
    );
    assert!(packet["refresh_token"].is_string(), "{set:?}: {packet}");
    assert_eq!(packet["expires_in"], EXPIRES_IN, "{set:?}: {packet}");
    assert_eq!(packet["token_type"], "bearer", "{set:?}: {packet}");
    assert!(packet["user_id"].is_string(), "{set:?}: {packet}");
    assert_eq!(packet["scope"], "api", "{set:?}: {packet}");
}

/// `GET /api/v0/users/me?bearer_token=…`.
fn me(server: &TestServer, token: &str) -> Response {
    server
        .http
        .get(server.url(ME_URL))
        .query(&[("bearer_token", token)])
        .send()
        .unwrap()
}

/// Asserts `/api/v0/users/me` names the document's user; answers user_id.
fn me_is_nother_guy(response: Response) -> String {
    let body = json(response, 200);
    assert_eq!(body["statusCode"], 200, "{body}");
    assert_eq!(body["username"], USER_NAME, "{body}");
    assert_eq!(body["name"], "Nother Guy", "{body}");
    body["user_id"].as_str().unwrap().to_owned()
}

/// Asserts Skritter's error shape at `/api/v0/users/me`.
fn me_refused(response: Response, status: u16, error: &str) {
    let challenge = header(&response, "www-authenticate");
    let body = json(response, status);
    assert_eq!(body["statusCode"], status, "{body}");
    assert_eq!(body["error"], error, "{body}");
    assert!(body["message"].is_string(), "{body}");
    if status == 401 {
        assert!(challenge.starts_with("Bearer"), "{challenge}");
    }
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

// Obtaining Authorization

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
        let packet = packet(getting_authorization_via_proxy(
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
        let refreshed = packet(post_token(
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

// Other OAuth Communications, and the examples

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
        let packet = packet(getting_authorization_via_proxy(server, &code));
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
            let packet = packet(logging_in_using_a_password(server, Some(&value)));
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
        let first = packet(logging_in_using_a_password(server, Some(&basic())));
        let user_id = first["user_id"].as_str().unwrap();
        // 'refresh_token', the secret as a POST parameter…
        let refreshed = packet(post_token(
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
        let again = packet(post_token(
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
            let app = packet(post_token(server, authorization.as_deref(), &params));
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
        let app = packet(get_token(
            server,
            Some(&basic()),
            &[
                ("grant_type", "client_credentials"),
                ("client_id", OAUTH_CLIENT_NAME),
            ],
        ));
        assert_eq!(app["token_type"], "bearer", "{set:?}: {app}");
        assert!(app.get("user_id").is_none(), "{set:?}: {app}");

        let user = packet(get_token(
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

        let refreshed = packet(get_token(
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
        let exchanged = packet(get_token(
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

// "include it as the "bearer_token" parameter for any request, or in an
// HTTP header"

#[test]
fn users_me_takes_the_token_in_every_placement() {
    replay(|server, set| {
        let user = packet(post_token(
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

// Scope: the document names none; its clients ask for none.

#[test]
fn a_skritter_client_asking_no_scope_gets_exactly_api() {
    replay(|server, set| {
        let mut scopes = Vec::new();
        let password = packet(logging_in_using_a_password(server, Some(&basic())));
        scopes.push((
            "password",
            password["scope"].clone(),
            password["access_token"].clone(),
        ));
        let app = packet(post_token(
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
        let code = packet(getting_authorization_via_proxy(server, &oauth_code(server)));
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
