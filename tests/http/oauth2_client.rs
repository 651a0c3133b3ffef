//! A strict third-party client, the `oauth2` crate, runs the whole
//! authorization-code flow with PKCE S256 and a refresh against the server.

use oauth2::basic::{BasicClient, BasicErrorResponseType, BasicTokenType};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
    RedirectUrl, RequestTokenError, Scope, TokenResponse, TokenUrl,
};

use crate::harness::*;

/// Clicks through sign-in and consent for an authorization URL the crate
/// built; answers the redirect's query parameters.
fn click_through(
    server: &TestServer,
    url: &url::Url,
    redirect: &str,
) -> std::collections::HashMap<String, String> {
    let browser = Browser::signed_in(server, "alice");
    let response = browser.get(url.as_str());
    let page = html_page(response, 200);
    let response = browser.decide(server, &page, "allow");
    assert_eq!(response.status().as_u16(), 303);
    let to = location(&response);
    assert!(to.starts_with(&format!("{redirect}?")), "{to}");
    query_of(&to)
}

#[test]
fn the_oauth2_crate_completes_a_confidential_flow_with_pkce_and_refresh() {
    let server = people_server(|_| {});
    let redirect = redirect_of("webapp").unwrap();
    let client = BasicClient::new(ClientId::new("webapp".into()))
        .set_client_secret(ClientSecret::new("webapp-secret".into()))
        .set_auth_type(AuthType::BasicAuth)
        .set_auth_uri(AuthUrl::new(server.url("/oauth/authorize")).unwrap())
        .set_token_uri(TokenUrl::new(server.url("/oauth/token")).unwrap())
        .set_redirect_uri(RedirectUrl::new(redirect.into()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state) = client
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("read".into()))
        .add_scope(Scope::new("write".into()))
        .set_pkce_challenge(challenge)
        .url();
    let params = click_through(&server, &url, redirect);
    assert_eq!(&params["state"], state.secret());
    assert_eq!(params["iss"], server.base);
    let http = http_client();
    let token = client
        .exchange_code(AuthorizationCode::new(params["code"].clone()))
        .set_pkce_verifier(verifier)
        .request(&http)
        .unwrap();
    assert_eq!(*token.token_type(), BasicTokenType::Bearer);
    assert!(token.access_token().secret().starts_with("gth_at_"));
    assert!(token.expires_in().unwrap().as_secs() > 0);
    let scopes: Vec<String> = token
        .scopes()
        .unwrap()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert!(scopes.contains(&"read".to_owned()) && scopes.contains(&"write".to_owned()));
    let refresh = token.refresh_token().expect("a refresh token");
    let refreshed = client
        .exchange_refresh_token(refresh)
        .request(&http)
        .unwrap();
    assert_ne!(
        refreshed.access_token().secret(),
        token.access_token().secret()
    );
    let rotated = refreshed.refresh_token().expect("a rotated refresh token");
    assert_ne!(rotated.secret(), refresh.secret());
    assert!(is_active(&server, refreshed.access_token().secret()));
}

#[test]
fn the_oauth2_crate_completes_a_public_flow_and_reads_errors() {
    let server = people_server(|_| {});
    let redirect = redirect_of("spa").unwrap();
    let client = BasicClient::new(ClientId::new("spa".into()))
        .set_auth_uri(AuthUrl::new(server.url("/oauth/authorize")).unwrap())
        .set_token_uri(TokenUrl::new(server.url("/oauth/token")).unwrap())
        .set_redirect_uri(RedirectUrl::new(redirect.into()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state) = client
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("openid".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();
    let params = click_through(&server, &url, redirect);
    assert_eq!(&params["state"], state.secret());
    let http = http_client();
    let code = AuthorizationCode::new(params["code"].clone());
    let verifier_copy = oauth2::PkceCodeVerifier::new(verifier.secret().clone());
    let token = client
        .exchange_code(code.clone())
        .set_pkce_verifier(verifier)
        .request(&http)
        .unwrap();
    assert_eq!(*token.token_type(), BasicTokenType::Bearer);
    // openid without offline_access: no refresh token.
    assert!(token.refresh_token().is_none());
    let userinfo = http
        .get(server.url("/oauth/userinfo"))
        .bearer_auth(token.access_token().secret())
        .send()
        .unwrap();
    assert_eq!(json(userinfo, 200)["preferred_username"], "alice");
    let again = client
        .exchange_code(code)
        .set_pkce_verifier(verifier_copy)
        .request(&http);
    match again {
        Err(RequestTokenError::ServerResponse(error)) => {
            assert_eq!(*error.error(), BasicErrorResponseType::InvalidGrant);
        }
        other => panic!("a reused code was not invalid_grant: {other:?}"),
    }
}
