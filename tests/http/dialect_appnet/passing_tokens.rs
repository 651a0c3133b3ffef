//! The three ways of passing a token to `/stream/0/token`: header, query string, body.

use gatehouse::dialects::Dialect;
use reqwest::blocking::Response;

use super::{access_of, nothing, token_info, user_token, STREAM};
use crate::harness::*;

/// A 401 from `/stream/0/token`: App.net's envelope and `WWW-Authenticate`.
fn unauthenticated(response: Response) {
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert!(challenge.starts_with("Bearer"), "{challenge:?}");
    let body = json(response, 401);
    assert_eq!(body["meta"]["code"], 401, "{body}");
    assert!(
        body["meta"]["error_message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Call requires authentication")),
        "{body}"
    );
}

#[test]
fn the_token_goes_in_the_header_the_query_or_the_body() {
    for_each_set(Dialect::Appnet, &nothing(), |server, set| {
        let tokens = user_token(server, Some("stream"));
        let token = access_of(&tokens);
        let url = server.url("/stream/0/token");
        // "Adding an Authorization header (preferred)":
        // curl -X POST -H "Authorization: Bearer <YOUR ACCESS TOKEN>" -H "X-ADN-Pretty-JSON: 1" \
        //   -H "Content-Type: application/x-www-form-urlencoded" -d "text=Test post"
        let header = server
            .http
            .post(&url)
            .header("Authorization", format!("Bearer {token}"))
            .header("X-ADN-Pretty-JSON", "1")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("text=Test post")
            .send()
            .unwrap();
        token_info(header, STREAM, Some("alice"));
        let get = server
            .http
            .get(&url)
            .header("Authorization", format!("Bearer {token}"))
            .send()
            .unwrap();
        token_info(get, STREAM, Some("alice"));
        // "Add access_token to query string":
        // curl -H "X-ADN-Pretty-JSON: 1" "…?access_token=<YOUR ACCESS TOKEN>"
        let query = server
            .http
            .get(format!("{url}?access_token={token}"))
            .header("X-ADN-Pretty-JSON", "1")
            .send()
            .unwrap();
        token_info(query, STREAM, Some("alice"));
        // "Add access_token to HTTP body": curl -X POST -H "X-ADN-Pretty-JSON: 1"
        //   -H "Content-Type: application/x-www-form-urlencoded" \
        //   -d "text=Test post" -d "access_token=<YOUR ACCESS TOKEN>"
        let body = format!("text=Test post&access_token={token}");
        for method in [
            reqwest::Method::POST,
            reqwest::Method::PUT,
            reqwest::Method::PATCH,
        ] {
            let response = server
                .http
                .request(method.clone(), &url)
                .header("X-ADN-Pretty-JSON", "1")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body.clone())
                .send()
                .unwrap();
            assert_eq!(response.status(), 200, "{set:?} {method}");
            token_info(response, STREAM, Some("alice"));
        }
        // "GET and DELETE do not accept an HTTP body."
        let get_body = server
            .http
            .get(&url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body.clone())
            .send()
            .unwrap();
        unauthenticated(get_body);
        // No token, or one nobody issued.
        unauthenticated(server.http.get(&url).send().unwrap());
        unauthenticated(
            server
                .http
                .get(&url)
                .bearer_auth("gth_at_nonsense")
                .send()
                .unwrap(),
        );
        // Two ways at once is a bad request.
        let twice = server
            .http
            .get(format!("{url}?access_token={token}"))
            .bearer_auth(token)
            .send()
            .unwrap();
        let body = json(twice, 400);
        assert_eq!(body["meta"]["code"], 400, "{body}");
    });
}
