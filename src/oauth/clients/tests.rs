use super::*;
use crate::store::Store;

fn registering(uris: &[&str], grants: &[&str]) -> NewClient {
    let mut new = NewClient::new(Rules::Registration);
    new.redirect_uris = uris.iter().map(|u| u.to_string()).collect();
    new.grant_types = Some(grants.iter().map(|g| g.to_string()).collect());
    new
}

#[test]
fn registration_refuses_plain_http_redirects_but_the_operator_may_use_them() {
    let e = registering(&["http://app.example/cb"], &["authorization_code"])
        .validate(None, 0)
        .unwrap_err();
    assert_eq!(e.field, "redirect_uris");
    let mut operator = registering(&["http://app.example/cb"], &["authorization_code"]);
    operator.rules = Rules::Operator;
    assert!(operator.validate(None, 0).is_ok());
}

#[test]
fn a_browser_grant_needs_a_redirect_uri_unless_the_code_is_shown() {
    let e = registering(&[], &["authorization_code"])
        .validate(None, 0)
        .unwrap_err();
    assert_eq!(e.field, "redirect_uris");
    let mut shown = registering(&[], &["authorization_code"]);
    shown.rules = Rules::RegistrationShowingCode;
    assert!(shown.validate(None, 0).is_ok());
}

#[test]
fn grant_and_response_types_must_agree_for_registration() {
    let mut new = registering(&["https://app.example/cb"], &["authorization_code"]);
    new.response_types = Some(vec!["token".into()]);
    assert_eq!(new.validate(None, 0).unwrap_err().field, "response_types");
}

#[test]
fn only_the_operator_sets_operator_fields() {
    let mut new = registering(&["https://app.example/cb"], &["authorization_code"]);
    new.allowed_groups = vec!["staff".into()];
    assert_eq!(new.validate(None, 0).unwrap_err().field, "allowed_groups");
    let mut new = registering(&["https://app.example/cb"], &["authorization_code"]);
    new.access_token_ttl = Some(0);
    assert!(new.validate(None, 0).is_err());
}

#[test]
fn a_generated_secret_is_made_only_when_stored() {
    let valid = registering(&["https://app.example/cb"], &["authorization_code"])
        .validate(None, 0)
        .unwrap();
    assert!(valid.record.secret_digest.is_none());
    assert!(valid.generate_secret);
    assert_eq!(valid.given_id(), None);
}

#[test]
fn a_public_client_cannot_have_a_secret() {
    let mut new = registering(&["https://app.example/cb"], &["authorization_code"]);
    new.token_endpoint_auth_method = Some("none".into());
    assert_eq!(
        new.clone().validate(None, 0).unwrap_err().field,
        "client_secret"
    );
    new.secret = SecretChoice::None;
    assert!(new.validate(None, 0).is_ok());
}

fn operator(id: &str, name: &str) -> NewClient {
    let mut new = NewClient::new(Rules::Operator);
    new.client_id = ClientIdChoice::Given(id.into());
    new.client_name = Some(name.into());
    new.grant_types = Some(vec!["client_credentials".into()]);
    new
}

#[actix_web::test]
async fn a_taken_id_is_refused_and_the_client_it_names_stays() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), 1 << 20).unwrap();
    let first = create(&store, operator("app", "First").validate(None, 1).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(first.secret.is_some_and(|s| s.starts_with("gth_cs_")));
    let taken = create(&store, operator("app", "Second").validate(None, 2).unwrap())
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(taken.field, "client_id");
    let kept = store.client("app").await.unwrap().unwrap();
    assert_eq!(kept.client_name.as_deref(), Some("First"));
}

#[actix_web::test]
async fn the_seed_replaces_its_client_but_keeps_what_an_administrator_set() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), 1 << 20).unwrap();
    let mut seeded = operator("app", "First");
    seeded.existing = Existing::ReplaceKeepingAdminFields;
    create(&store, seeded.clone().validate(None, 1).unwrap())
        .await
        .unwrap()
        .unwrap();
    let mut marked = (*store.client("app").await.unwrap().unwrap()).clone();
    marked.flags.verified = true;
    store.put_client(&marked).await.unwrap();
    seeded.client_name = Some("Renamed".into());
    create(&store, seeded.validate(None, 9).unwrap())
        .await
        .unwrap()
        .unwrap();
    let now = store.client("app").await.unwrap().unwrap();
    assert_eq!(now.client_name.as_deref(), Some("Renamed"));
    assert!(now.flags.verified);
    assert_eq!(now.created_at, 1);
}

#[actix_web::test]
async fn counter_ids_skip_a_number_a_seed_holds() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), 1 << 20).unwrap();
    let next = store.next_id().await.unwrap() + 1;
    create(
        &store,
        operator(&next.to_string(), "Seeded")
            .validate(None, 1)
            .unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    let mut counted = registering(&[], &["authorization_code"]);
    counted.rules = Rules::RegistrationShowingCode;
    counted.client_id = ClientIdChoice::Counter;
    let made = create(&store, counted.validate(None, 2).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_ne!(made.record.client_id, next.to_string());
    assert!(made.record.client_id.parse::<u64>().unwrap() > next);
    let seeded = store.client(&next.to_string()).await.unwrap().unwrap();
    assert_eq!(seeded.client_name.as_deref(), Some("Seeded"));
}
