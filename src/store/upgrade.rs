//! Earlier shapes of stored records and how each becomes today's. A record
//! of an old version is read through here and rewritten in the current shape
//! the next time it is written; nothing is lost on the way.
//!
//! - Clients, version 1 → 2: the admin flag `tokens_never_expire` became the
//!   per-client `access_token_ttl` (`Some(0)`: until revoked), and clients
//!   gained `dialect_legacy`.
//! - Clients, version 2 → 3: clients gained `allowed_groups` (none: open
//!   to all) and the flag `require_mfa` (off).
//! - Clients, version 3 → 4: clients gained `userinfo_signed_response_alg`
//!   (none: UserInfo answers plain JSON).
//! - Sessions and authorization codes, version 1 → 2: both gained `amr`,
//!   how the person authenticated; an older one was a password sign-in.

use serde::{Deserialize, Serialize};

use super::codec::{decode_body, Versioned};
use super::records::*;
use super::{StoreError, StoreResult};
use crate::crypto::Digest;

/// Clients as version 1 stored them.
#[derive(Serialize, Deserialize)]
struct ClientV1 {
    client_id: String,
    secret_digest: Option<Digest>,
    client_name: Option<String>,
    redirect_uris: Vec<String>,
    grant_types: Vec<String>,
    response_types: Vec<String>,
    token_endpoint_auth_method: String,
    scope: Option<String>,
    id_token_signed_response_alg: Option<String>,
    post_logout_redirect_uris: Vec<String>,
    owner: Option<u64>,
    created_at: u64,
    registration_digest: Option<Digest>,
    description: Option<String>,
    client_uri: Option<String>,
    flags: FlagsV1,
    dialect: Option<String>,
}

/// Client flags as version 1 stored them.
#[derive(Serialize, Deserialize)]
struct FlagsV1 {
    name_approved: bool,
    verified: bool,
    hide_owner: bool,
    skip_consent: bool,
    password_allowed: bool,
    tokens_never_expire: bool,
    private: bool,
    allowed_users: Vec<u64>,
}

/// Clients as version 2 stored them.
#[derive(Serialize, Deserialize)]
struct ClientV2 {
    client_id: String,
    secret_digest: Option<Digest>,
    client_name: Option<String>,
    redirect_uris: Vec<String>,
    grant_types: Vec<String>,
    response_types: Vec<String>,
    token_endpoint_auth_method: String,
    scope: Option<String>,
    id_token_signed_response_alg: Option<String>,
    post_logout_redirect_uris: Vec<String>,
    owner: Option<u64>,
    created_at: u64,
    registration_digest: Option<Digest>,
    description: Option<String>,
    client_uri: Option<String>,
    flags: FlagsV2,
    dialect: Option<String>,
    dialect_legacy: bool,
    access_token_ttl: Option<u64>,
}

/// Client flags as version 2 stored them.
#[derive(Serialize, Deserialize)]
struct FlagsV2 {
    name_approved: bool,
    verified: bool,
    hide_owner: bool,
    skip_consent: bool,
    password_allowed: bool,
    private: bool,
    allowed_users: Vec<u64>,
}

/// Clients as version 3 stored them.
#[derive(Serialize, Deserialize)]
struct ClientV3 {
    client_id: String,
    secret_digest: Option<Digest>,
    client_name: Option<String>,
    redirect_uris: Vec<String>,
    grant_types: Vec<String>,
    response_types: Vec<String>,
    token_endpoint_auth_method: String,
    scope: Option<String>,
    id_token_signed_response_alg: Option<String>,
    post_logout_redirect_uris: Vec<String>,
    owner: Option<u64>,
    created_at: u64,
    registration_digest: Option<Digest>,
    description: Option<String>,
    client_uri: Option<String>,
    flags: ClientFlags,
    dialect: Option<String>,
    dialect_legacy: bool,
    access_token_ttl: Option<u64>,
    allowed_groups: Vec<String>,
}

impl From<ClientV3> for ClientRecord {
    fn from(old: ClientV3) -> Self {
        ClientRecord {
            client_id: old.client_id,
            secret_digest: old.secret_digest,
            client_name: old.client_name,
            redirect_uris: old.redirect_uris,
            grant_types: old.grant_types,
            response_types: old.response_types,
            token_endpoint_auth_method: old.token_endpoint_auth_method,
            scope: old.scope,
            id_token_signed_response_alg: old.id_token_signed_response_alg,
            userinfo_signed_response_alg: None,
            post_logout_redirect_uris: old.post_logout_redirect_uris,
            owner: old.owner,
            created_at: old.created_at,
            registration_digest: old.registration_digest,
            description: old.description,
            client_uri: old.client_uri,
            flags: old.flags,
            dialect: old.dialect,
            dialect_legacy: old.dialect_legacy,
            access_token_ttl: old.access_token_ttl,
            allowed_groups: old.allowed_groups,
        }
    }
}

impl From<ClientV2> for ClientV3 {
    fn from(old: ClientV2) -> Self {
        ClientV3 {
            client_id: old.client_id,
            secret_digest: old.secret_digest,
            client_name: old.client_name,
            redirect_uris: old.redirect_uris,
            grant_types: old.grant_types,
            response_types: old.response_types,
            token_endpoint_auth_method: old.token_endpoint_auth_method,
            scope: old.scope,
            id_token_signed_response_alg: old.id_token_signed_response_alg,
            post_logout_redirect_uris: old.post_logout_redirect_uris,
            owner: old.owner,
            created_at: old.created_at,
            registration_digest: old.registration_digest,
            description: old.description,
            client_uri: old.client_uri,
            flags: ClientFlags {
                name_approved: old.flags.name_approved,
                verified: old.flags.verified,
                hide_owner: old.flags.hide_owner,
                skip_consent: old.flags.skip_consent,
                password_allowed: old.flags.password_allowed,
                private: old.flags.private,
                allowed_users: old.flags.allowed_users,
                require_mfa: false,
            },
            dialect: old.dialect,
            dialect_legacy: old.dialect_legacy,
            access_token_ttl: old.access_token_ttl,
            allowed_groups: Vec::new(),
        }
    }
}

impl From<ClientV1> for ClientV2 {
    fn from(old: ClientV1) -> Self {
        ClientV2 {
            client_id: old.client_id,
            secret_digest: old.secret_digest,
            client_name: old.client_name,
            redirect_uris: old.redirect_uris,
            grant_types: old.grant_types,
            response_types: old.response_types,
            token_endpoint_auth_method: old.token_endpoint_auth_method,
            scope: old.scope,
            id_token_signed_response_alg: old.id_token_signed_response_alg,
            post_logout_redirect_uris: old.post_logout_redirect_uris,
            owner: old.owner,
            created_at: old.created_at,
            registration_digest: old.registration_digest,
            description: old.description,
            client_uri: old.client_uri,
            flags: FlagsV2 {
                name_approved: old.flags.name_approved,
                verified: old.flags.verified,
                hide_owner: old.flags.hide_owner,
                skip_consent: old.flags.skip_consent,
                password_allowed: old.flags.password_allowed,
                private: old.flags.private,
                allowed_users: old.flags.allowed_users,
            },
            dialect: old.dialect,
            dialect_legacy: false,
            access_token_ttl: old.flags.tokens_never_expire.then_some(0),
        }
    }
}

impl Versioned for ClientRecord {
    const VERSION: u8 = 4;

    fn upgrade(version: u8, body: &[u8]) -> StoreResult<Self> {
        let v3 = |v2: ClientV2| ClientRecord::from(ClientV3::from(v2));
        match version {
            1 => decode_body::<ClientV1>(body).map(|v1| v3(ClientV2::from(v1))),
            2 => decode_body::<ClientV2>(body).map(v3),
            3 => decode_body::<ClientV3>(body).map(ClientRecord::from),
            other => Err(StoreError::Codec(format!(
                "unknown client record version {other}"
            ))),
        }
    }
}

/// Sessions as version 1 stored them.
#[derive(Serialize, Deserialize)]
struct SessionV1 {
    user_id: u64,
    auth_time: u64,
    last_seen: u64,
    expires_at: u64,
}

impl Versioned for SessionRecord {
    const VERSION: u8 = 2;

    fn upgrade(version: u8, body: &[u8]) -> StoreResult<Self> {
        match version {
            1 => decode_body::<SessionV1>(body).map(|old| SessionRecord {
                user_id: old.user_id,
                auth_time: old.auth_time,
                last_seen: old.last_seen,
                expires_at: old.expires_at,
                amr: vec!["pwd".into()],
            }),
            other => Err(StoreError::Codec(format!(
                "unknown session record version {other}"
            ))),
        }
    }
}

/// Authorization codes as version 1 stored them.
#[derive(Serialize, Deserialize)]
struct CodeV1 {
    client_id: String,
    user_id: u64,
    redirect_uri: Option<String>,
    scope: String,
    code_challenge: Option<String>,
    nonce: Option<String>,
    auth_time: u64,
    expires_at: u64,
    grant_id: String,
    redeemed: bool,
}

impl Versioned for CodeRecord {
    const VERSION: u8 = 2;

    fn upgrade(version: u8, body: &[u8]) -> StoreResult<Self> {
        match version {
            1 => decode_body::<CodeV1>(body).map(|old| CodeRecord {
                client_id: old.client_id,
                user_id: old.user_id,
                redirect_uri: old.redirect_uri,
                scope: old.scope,
                code_challenge: old.code_challenge,
                nonce: old.nonce,
                auth_time: old.auth_time,
                amr: vec!["pwd".into()],
                expires_at: old.expires_at,
                grant_id: old.grant_id,
                redeemed: old.redeemed,
            }),
            other => Err(StoreError::Codec(format!(
                "unknown code record version {other}"
            ))),
        }
    }
}

// The kinds that kept their first shape.
impl Versioned for UserRecord {}
impl Versioned for ScopeRecord {}
impl Versioned for TokenRecord {}
impl Versioned for FactorsRecord {}
impl Versioned for GroupRecord {}
impl Versioned for PendingSignInRecord {}
impl Versioned for PasskeyCeremonyRecord {}
impl Versioned for ConsentRecord {}
impl Versioned for KeyRecord {}
impl Versioned for DeviceRecord {}
impl Versioned for InviteRecord {}
impl Versioned for ResetRecord {}
impl Versioned for InitialTokenRecord {}
impl Versioned for LoginRequestRecord {}
impl Versioned for AuditRecord {}
impl Versioned for EmailVerificationRecord {}
impl Versioned for RetiredUserRecord {}
impl Versioned for UpstreamPendingRecord {}
impl Versioned for UpstreamLinkRecord {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::codec::{decode, encode, encode_as};

    fn v1(never_expire: bool) -> ClientV1 {
        ClientV1 {
            client_id: "piictu-app".into(),
            secret_digest: Some([7; 32]),
            client_name: Some("Piictu".into()),
            redirect_uris: vec!["https://a.example/cb".into()],
            grant_types: vec!["password".into()],
            response_types: vec![],
            token_endpoint_auth_method: "client_secret_basic".into(),
            scope: None,
            id_token_signed_response_alg: None,
            post_logout_redirect_uris: vec![],
            owner: Some(3),
            created_at: 1_700_000_000,
            registration_digest: None,
            description: Some("d".into()),
            client_uri: None,
            flags: FlagsV1 {
                name_approved: true,
                verified: false,
                hide_owner: true,
                skip_consent: false,
                password_allowed: true,
                tokens_never_expire: never_expire,
                private: true,
                allowed_users: vec![4, 5],
            },
            dialect: Some("piictu".into()),
        }
    }

    #[test]
    fn a_version_1_client_reads_as_today_with_nothing_lost() {
        let client: ClientRecord = decode(&encode_as(1, &v1(true))).unwrap();
        assert_eq!(client.client_id, "piictu-app");
        assert_eq!(client.secret_digest, Some([7; 32]));
        assert_eq!(client.owner, Some(3));
        assert!(client.flags.name_approved && client.flags.hide_owner);
        assert!(client.flags.password_allowed && client.flags.private);
        assert_eq!(client.flags.allowed_users, [4, 5]);
        assert_eq!(client.dialect.as_deref(), Some("piictu"));
        assert_eq!(client.access_token_ttl, Some(0));
        assert!(!client.dialect_legacy);
        let plain: ClientRecord = decode(&encode_as(1, &v1(false))).unwrap();
        assert_eq!(plain.access_token_ttl, None);
        assert!(plain.allowed_groups.is_empty() && !plain.flags.require_mfa);
    }

    #[test]
    fn a_version_2_client_reads_as_today_open_to_all() {
        let v2 = ClientV2::from(v1(true));
        let client: ClientRecord = decode(&encode_as(2, &v2)).unwrap();
        assert_eq!(client.client_id, "piictu-app");
        assert_eq!(client.access_token_ttl, Some(0));
        assert_eq!(client.flags.allowed_users, [4, 5]);
        assert!(client.allowed_groups.is_empty());
        assert!(!client.flags.require_mfa);
    }

    #[test]
    fn a_version_3_client_reads_as_today_with_plain_userinfo() {
        let mut v3 = ClientV3::from(ClientV2::from(v1(false)));
        v3.allowed_groups = vec!["staff".into()];
        v3.flags.require_mfa = true;
        v3.id_token_signed_response_alg = Some("ES256".into());
        let client: ClientRecord = decode(&encode_as(3, &v3)).unwrap();
        assert_eq!(client.client_id, "piictu-app");
        assert_eq!(client.allowed_groups, ["staff"]);
        assert!(client.flags.require_mfa);
        assert_eq!(
            client.id_token_signed_response_alg.as_deref(),
            Some("ES256")
        );
        assert_eq!(client.userinfo_signed_response_alg, None);
    }

    #[test]
    fn a_version_1_session_and_code_read_as_password_sign_ins() {
        let session = SessionV1 {
            user_id: 3,
            auth_time: 10,
            last_seen: 20,
            expires_at: 30,
        };
        let read: SessionRecord = decode(&encode_as(1, &session)).unwrap();
        assert_eq!((read.user_id, read.auth_time, read.last_seen), (3, 10, 20));
        assert_eq!(read.expires_at, 30);
        assert_eq!(read.amr, ["pwd"]);
        let code = CodeV1 {
            client_id: "webapp".into(),
            user_id: 3,
            redirect_uri: Some("https://a.example/cb".into()),
            scope: "openid".into(),
            code_challenge: Some("c".into()),
            nonce: Some("n".into()),
            auth_time: 10,
            expires_at: 40,
            grant_id: "g".into(),
            redeemed: true,
        };
        let read: CodeRecord = decode(&encode_as(1, &code)).unwrap();
        assert_eq!(read.redirect_uri.as_deref(), Some("https://a.example/cb"));
        assert_eq!(
            (read.nonce.as_deref(), read.grant_id.as_str()),
            (Some("n"), "g")
        );
        assert!(read.redeemed);
        assert_eq!(read.amr, ["pwd"]);
    }

    #[test]
    fn an_upgraded_client_is_written_in_the_current_shape() {
        let client: ClientRecord = decode(&encode_as(1, &v1(true))).unwrap();
        let bytes = encode(&client).unwrap();
        assert_eq!(bytes[0], ClientRecord::VERSION);
        assert_eq!(decode::<ClientRecord>(&bytes).unwrap(), client);
    }
}
