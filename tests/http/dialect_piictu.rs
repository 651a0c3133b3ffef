//! piictu-auth.txt replayed, in its order: the `curl -i … -F` access token
//! request for fede/tomato, its answer (the access token, every field of
//! the user object, `"scope": "read write"`), "the access token is good
//! until is deleted it from the database" (a client lifetime of 0, set in
//! the seed or on /admin), and the `-H "Authorization: OAuth  <token>"`
//! call, here at `GET /v2/users/me`. Each replay runs with the piictu
//! dialect alone and with skritter, mastodon, scratch and piictu.

use gatehouse::dialects::Dialect;
use reqwest::blocking::multipart::Form;
use reqwest::blocking::Response;
use serde_json::{json, Value};

use crate::harness::*;

const ACCESS_TOKEN_URL: &str = "/oauth/access_token";
const ME_URL: &str = "/v2/users/me";
/// The sample's `-F client_id=xxxxxxxxxxxxxxxxxx`, a client whose tokens are
/// good until deleted.
const CLIENT_ID: &str = "xxxxxxxxxxxxxxxxxx";
/// The sample's `-F client_secret=xxxxxxxxxxxxxxxxxxxxxxxxxxxxx`.
const CLIENT_SECRET: &str = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
/// A client whose access tokens live 120 seconds.
const SHORT_ID: &str = "piictu-120";
const SHORT_SECRET: &str = "piictu-120-secret";
/// A client with the server's default lifetime, for the admin page to change.
const ADMIN_SET_ID: &str = "piictu-admin-set";
const ADMIN_SET_SECRET: &str = "piictu-admin-set-secret";
/// The sample call's token, and the sample answer's: tokens this server never issued.
const SAMPLE_CALL_TOKEN: &str = "e57807eb99f8c29f60a27a75a80fec6e";
const SAMPLE_ANSWER_TOKEN: &str =
    "90197bad499dee9438f8513153e6ee2df1a01fcf4cfa1d10775075510b2a24bb";
/// Every field of the sample answer's `user`, in its order.
const USER_FIELDS: [&str; 23] = [
    "avatar_url",
    "bio",
    "created_at",
    "current_sign_in_at",
    "current_sign_in_ip",
    "followers_count",
    "friends_count",
    "fullname",
    "last_sign_in_at",
    "last_sign_in_ip",
    "likes_count",
    "original_avatar_url",
    "photos_count",
    "prev_visited_notification_seq",
    "push_tokens",
    "replies_count",
    "streams_count",
    "timezone",
    "updated_at",
    "username",
    "id",
    "services",
    "email",
];

/// fede/tomato, Fede Tomato, fede@piictu.com, and three piictu clients.
fn extra() -> Value {
    let client = |id: &str, secret: &str, name: &str, ttl: Option<u64>| {
        let mut client = json!({
            "client_id": id, "client_secret": secret, "client_name": name,
            "grant_types": ["password"], "token_endpoint_auth_method": "client_secret_post",
            "dialect": "piictu"
        });
        if let Some(ttl) = ttl {
            client["access_token_ttl"] = json!(ttl);
        }
        client
    };
    json!({
        "users": [{"username": "fede", "password": "tomato", "name": "Fede Tomato",
                   "email": "fede@piictu.com"}],
        "clients": [
            client(CLIENT_ID, CLIENT_SECRET, "Piictu", Some(0)),
            client(SHORT_ID, SHORT_SECRET, "Piictu (short tokens)", Some(120)),
            client(ADMIN_SET_ID, ADMIN_SET_SECRET, "Piictu (set on /admin)", None)
        ]
    })
}

/// Runs `check` with the piictu dialect alone, then with its dev-like set.
fn replay(check: impl Fn(&TestServer, &[Dialect])) {
    for_each_set(Dialect::Piictu, &extra(), check);
}

/// The sample request as `curl -F` sends it (multipart/form-data), for a
/// client, a password and any extra fields.
fn curl_f(
    server: &TestServer,
    client: (&str, &str),
    password: &str,
    extra: &[(&str, &str)],
) -> Response {
    let mut form = Form::new()
        .text("grant_type", "password")
        .text("client_id", client.0.to_owned())
        .text("client_secret", client.1.to_owned())
        .text("username", "fede")
        .text("password", password.to_owned());
    for (k, v) in extra {
        form = form.text(k.to_string(), v.to_string());
    }
    server
        .http
        .post(server.url(ACCESS_TOKEN_URL))
        .multipart(form)
        .send()
        .unwrap()
}

/// The sample request, exactly: `-F grant_type=password -F client_id=…
/// -F client_secret=… -F username=fede -F password=tomato`.
fn sample_request(server: &TestServer) -> Response {
    curl_f(server, (CLIENT_ID, CLIENT_SECRET), "tomato", &[])
}

fn token_of(body: &Value) -> String {
    body["access_token"].as_str().unwrap().to_owned()
}

/// `GET /v2/users/me` with this `Authorization` value.
fn me(server: &TestServer, authorization: &str) -> Response {
    server
        .http
        .get(server.url(ME_URL))
        .header("Authorization", authorization)
        .send()
        .unwrap()
}

/// The sample call's header: `OAuth`, two spaces, the token.
fn oauth(token: &str) -> String {
    format!("OAuth  {token}")
}

/// Asserts an RFC 6750 refusal at `/v2/users/me`.
fn me_refused(response: Response) {
    let challenge = header(&response, "www-authenticate");
    let body = json(response, 401);
    assert_eq!(body["error"], "invalid_token", "{body}");
    assert!(challenge.starts_with("Bearer"), "{challenge}");
}

fn introspect(server: &TestServer, client: (&str, &str), token: &str) -> Value {
    json(
        server.post_form(
            "/oauth/introspect",
            &[
                ("token", token),
                ("client_id", client.0),
                ("client_secret", client.1),
            ],
        ),
        200,
    )
}

/// A timestamp as the sample writes them: RFC 3339 in UTC.
fn is_utc_timestamp(value: &Value) -> bool {
    value.as_str().is_some_and(|s| {
        s.len() >= 20
            && s.ends_with('Z')
            && s.as_bytes()[4] == b'-'
            && s.as_bytes()[10] == b'T'
            && s[..4].bytes().all(|b| b.is_ascii_digit())
    })
}

/// Asserts the user object has every field of the sample answer, with the
/// values Gatehouse has for fede (and null, zero or empty for what it keeps
/// nothing of), and no other field.
fn assert_fede(user: &Value, set: &[Dialect]) {
    let object = user
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {user}"));
    for field in USER_FIELDS {
        assert!(object.contains_key(field), "{set:?}: no {field} in {user}");
    }
    assert_eq!(object.len(), USER_FIELDS.len(), "{set:?}: {user}");
    for field in [
        "avatar_url",
        "current_sign_in_at",
        "current_sign_in_ip",
        "last_sign_in_at",
        "last_sign_in_ip",
        "original_avatar_url",
        "timezone",
    ] {
        assert!(user[field].is_null(), "{set:?}: {field} in {user}");
    }
    for field in [
        "followers_count",
        "friends_count",
        "likes_count",
        "photos_count",
        "prev_visited_notification_seq",
        "replies_count",
        "streams_count",
    ] {
        assert_eq!(user[field], 0, "{set:?}: {field} in {user}");
    }
    for field in ["push_tokens", "services"] {
        assert_eq!(user[field], json!([]), "{set:?}: {field} in {user}");
    }
    assert_eq!(user["bio"], "", "{set:?}");
    assert!(is_utc_timestamp(&user["created_at"]), "{set:?}: {user}");
    assert!(is_utc_timestamp(&user["updated_at"]), "{set:?}: {user}");
    assert_eq!(user["fullname"], "Fede Tomato", "{set:?}");
    assert_eq!(user["username"], "fede", "{set:?}");
    assert_eq!(user["email"], "fede@piictu.com", "{set:?}");
    let id = user["id"]
        .as_str()
        .unwrap_or_else(|| panic!("id is no string: {user}"));
    assert!(!id.is_empty(), "{set:?}");
}

#[test]
fn the_curl_f_request_answers_the_token_every_user_field_and_read_write() {
    replay(|server, set| {
        let body = token_answer(sample_request(server));
        assert!(token_of(&body).starts_with("gth_at_"), "{set:?}: {body}");
        assert_eq!(body["scope"], "read write", "{set:?}: {body}");
        assert_fede(&body["user"], set);
        // The user's id is the one the token acts for.
        let info = introspect(server, (CLIENT_ID, CLIENT_SECRET), &token_of(&body));
        assert_eq!(info["active"], true, "{set:?}: {info}");
        assert_eq!(body["user"]["id"], info["sub"], "{set:?}");
        assert_eq!(info["username"], "fede", "{set:?}");
    });
}

#[test]
fn a_token_is_good_until_it_is_deleted_when_the_lifetime_is_zero() {
    replay(|server, set| {
        let body = token_answer(sample_request(server));
        assert!(body.get("expires_in").is_none(), "{set:?}: {body}");
        let token = token_of(&body);
        // Past an hour (the default lifetime), and past ten years.
        for advance in [3601, 10 * 365 * 24 * 3600] {
            server.clock.advance(advance);
            let info = introspect(server, (CLIENT_ID, CLIENT_SECRET), &token);
            assert_eq!(info["active"], true, "{set:?}: {info}");
            assert!(info.get("exp").is_none(), "{set:?}: {info}");
            assert_eq!(json(me(server, &oauth(&token)), 200)["username"], "fede");
        }
        // "until is deleted it from the database": revocation ends it.
        let revoked = server.post_form(
            "/oauth/revoke",
            &[
                ("token", token.as_str()),
                ("client_id", CLIENT_ID),
                ("client_secret", CLIENT_SECRET),
            ],
        );
        assert_eq!(revoked.status(), 200, "{set:?}");
        let info = introspect(server, (CLIENT_ID, CLIENT_SECRET), &token);
        assert_eq!(info["active"], false, "{set:?}: {info}");
        me_refused(me(server, &oauth(&token)));
    });
}

#[test]
fn a_client_with_a_lifetime_of_120_seconds_gets_expires_in_120() {
    replay(|server, set| {
        let body = token_answer(curl_f(server, (SHORT_ID, SHORT_SECRET), "tomato", &[]));
        assert_eq!(body["expires_in"], 120, "{set:?}: {body}");
        assert_eq!(body["scope"], "read write", "{set:?}: {body}");
        assert_fede(&body["user"], set);
        let token = token_of(&body);
        // A second of room: the test clock runs with the system's, and
        // a loaded machine may take one between issue and introspection.
        server.clock.advance(118);
        let info = introspect(server, (SHORT_ID, SHORT_SECRET), &token);
        assert_eq!(info["active"], true, "{set:?}: {info}");
        server.clock.advance(3);
        let info = introspect(server, (SHORT_ID, SHORT_SECRET), &token);
        assert_eq!(info["active"], false, "{set:?}: {info}");
        me_refused(me(server, &oauth(&token)));
    });
}

#[test]
fn the_admin_page_sets_the_lifetime_to_until_revoked() {
    replay(|server, set| {
        let client = (ADMIN_SET_ID, ADMIN_SET_SECRET);
        let before = token_answer(curl_f(server, client, "tomato", &[]));
        assert_eq!(before["expires_in"], 3600, "{set:?}: {before}");

        // The demo seed's administrator marks it on /admin; the form replaces
        // every field, so the dialect is sent again.
        let alice = Browser::signed_in_as(server, "alice", "alice-wonderland");
        let csrf = csrf_from(server, &alice, "/admin");
        let saved = alice.post_form(
            &server.url(&format!("/admin/apps/{ADMIN_SET_ID}/flags")),
            &[
                ("csrf_token", csrf.as_str()),
                ("access_token_ttl", "0"),
                ("dialect", "piictu"),
            ],
        );
        assert_done(server, &saved);
        let page = html_page(alice.get(&server.url("/admin/apps")), 200);
        let ttl = elements(&page, "input")
            .into_iter()
            .find(|e| e.get("id").map(String::as_str) == Some(&*format!("ttl-{ADMIN_SET_ID}")))
            .unwrap_or_else(|| panic!("no lifetime field for {ADMIN_SET_ID}"));
        assert_eq!(ttl.get("value").map(String::as_str), Some("0"), "{set:?}");

        let after = token_answer(curl_f(server, client, "tomato", &[]));
        assert!(after.get("expires_in").is_none(), "{set:?}: {after}");
        assert_eq!(after["scope"], "read write", "{set:?}: {after}");
        assert_fede(&after["user"], set);
        // The old token keeps its hour; the new one outlives it.
        server.clock.advance(3601);
        let old = introspect(server, client, &token_of(&before));
        assert_eq!(old["active"], false, "{set:?}: {old}");
        let new = introspect(server, client, &token_of(&after));
        assert_eq!(new["active"], true, "{set:?}: {new}");
    });
}

#[test]
fn urlencoded_bodies_work_too_and_a_wrong_password_is_invalid_grant() {
    replay(|server, set| {
        let fields = [
            ("grant_type", "password"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("username", "fede"),
            ("password", "tomato"),
        ];
        let body = token_answer(server.post_form(ACCESS_TOKEN_URL, &fields));
        assert_eq!(body["scope"], "read write", "{set:?}: {body}");
        assert!(body.get("expires_in").is_none(), "{set:?}: {body}");
        assert_fede(&body["user"], set);

        let wrong = curl_f(server, (CLIENT_ID, CLIENT_SECRET), "potato", &[]);
        oauth_error(wrong, 400, "invalid_grant");
        let mut fields = fields;
        fields[4].1 = "potato";
        oauth_error(
            server.post_form(ACCESS_TOKEN_URL, &fields),
            400,
            "invalid_grant",
        );
        // A wrong client secret is the client's fault.
        let bad_client = curl_f(
            server,
            (CLIENT_ID, "yyyyyyyyyyyyyyyyyyyyyyyyyyyyy"),
            "tomato",
            &[],
        );
        oauth_error(bad_client, 401, "invalid_client");
    });
}

#[test]
fn v2_users_me_takes_the_oauth_scheme_with_any_whitespace() {
    replay(|server, set| {
        let body = token_answer(sample_request(server));
        let token = token_of(&body);
        // -H "Authorization: OAuth  <token>", as the sample has it; then a
        // tab, one space, Bearer.
        for authorization in [
            oauth(&token),
            format!("OAuth\t{token}"),
            format!("OAuth {token}"),
            format!("Bearer {token}"),
        ] {
            let response = me(server, &authorization);
            assert_eq!(header(&response, "cache-control"), "no-store");
            let user = json(response, 200);
            assert_eq!(user, body["user"], "{set:?}: {authorization:?}");
            assert_fede(&user, set);
        }
        // The sample's own tokens were never issued here; no token at all.
        me_refused(me(server, &oauth(SAMPLE_CALL_TOKEN)));
        me_refused(me(server, &oauth(SAMPLE_ANSWER_TOKEN)));
        let missing = server.http.get(server.url(ME_URL)).send().unwrap();
        assert_eq!(missing.status(), 401, "{set:?}");
        // The standard userinfo takes the OAuth scheme too.
        let openid = token_answer(curl_f(
            server,
            (CLIENT_ID, CLIENT_SECRET),
            "tomato",
            &[("scope", "openid profile")],
        ));
        let info = json(
            server
                .http
                .get(server.url("/oauth/userinfo"))
                .header("Authorization", oauth(&token_of(&openid)))
                .send()
                .unwrap(),
            200,
        );
        assert_eq!(info["preferred_username"], "fede", "{set:?}: {info}");
        assert_eq!(info["sub"], body["user"]["id"], "{set:?}");
    });
}

#[test]
fn a_piictu_client_asking_no_scope_gets_exactly_read_write() {
    replay(|server, set| {
        for client in [
            (CLIENT_ID, CLIENT_SECRET),
            (SHORT_ID, SHORT_SECRET),
            (ADMIN_SET_ID, ADMIN_SET_SECRET),
        ] {
            let body = token_answer(curl_f(server, client, "tomato", &[]));
            assert_eq!(body["scope"], "read write", "{set:?} {}: {body}", client.0);
            let info = introspect(server, client, &token_of(&body));
            assert_eq!(info["scope"], "read write", "{set:?} {}: {info}", client.0);
        }
        // Asking for one of them gets that one; other dialects' scopes
        // (mastodon's follow, skritter's api) are not piictu's.
        let read = token_answer(curl_f(
            server,
            (CLIENT_ID, CLIENT_SECRET),
            "tomato",
            &[("scope", "read")],
        ));
        assert_eq!(read["scope"], "read", "{set:?}: {read}");
        for other in ["follow", "api", "identify"] {
            let response = curl_f(
                server,
                (CLIENT_ID, CLIENT_SECRET),
                "tomato",
                &[("scope", other)],
            );
            oauth_error(response, 400, "invalid_scope");
        }
    });
}
