//! Second factors as a person's authenticator app would: codes computed by
//! an independent RFC 6238 implementation, enrolment through the security
//! page, and sign-in with a code after the password.

use totp_rs::{Algorithm, TOTP};

use super::*;

/// The TOTP key that second-factor seeds give `carol`, in base32.
pub(crate) const CAROL_TOTP: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// The code an authenticator app shows at `now` for a base32 key.
pub(crate) fn totp_code(secret_b32: &str, now: u64) -> String {
    let secret = data_encoding::BASE32_NOPAD
        .decode(secret_b32.trim_end_matches('=').as_bytes())
        .unwrap();
    TOTP::new_unchecked(Algorithm::SHA1, 6, 1, 30, secret).generate(now)
}

/// The code for `secret_b32` in the server's next 30-second step, moving
/// its clock there first, so that no step is used twice.
pub(crate) fn next_code(server: &TestServer, secret_b32: &str) -> String {
    server.clock.advance(30);
    totp_code(secret_b32, server.clock.now())
}

impl Browser {
    /// Sends the password on the sign-in form; answers the response (a 303
    /// to the second-factor prompt for a person with a factor).
    pub(crate) fn send_password(
        &self,
        server: &TestServer,
        username: &str,
        password: &str,
    ) -> Response {
        let page = html_page(self.get(&server.url("/login")), 200);
        self.post_form(
            &server.url("/login"),
            &[
                ("username", username),
                ("password", password),
                ("csrf_token", &Self::csrf(&page)),
            ],
        )
    }

    /// Sends a code on the second-factor prompt; answers the response.
    pub(crate) fn send_code(&self, server: &TestServer, code: &str) -> Response {
        let page = html_page(self.get(&server.url("/login/second-factor")), 200);
        self.post_form(
            &server.url("/login/second-factor"),
            &[("code", code), ("csrf_token", &Self::csrf(&page))],
        )
    }

    /// Signs in with the password and then an app code for `secret_b32`.
    pub(crate) fn login_with_code(&self, server: &TestServer, username: &str, secret_b32: &str) {
        let response = self.send_password(server, username, &format!("{username}-password"));
        assert_eq!(response.status().as_u16(), 303);
        assert!(location(&response).ends_with("/login/second-factor"));
        let response = self.send_code(server, &next_code(server, secret_b32));
        assert_eq!(
            response.status().as_u16(),
            303,
            "{}",
            response.text().unwrap()
        );
    }

    /// Enrols an authenticator app on the security page of this signed-in
    /// browser; answers the key (base32) and the recovery codes shown.
    pub(crate) fn enrol_totp(&self, server: &TestServer) -> (String, Vec<String>) {
        let page = html_page(self.get(&server.url("/account/security/totp")), 200);
        let secret = hidden_value(&page, "secret").expect("the key in the form");
        let response = self.post_form(
            &server.url("/account/security/totp"),
            &[
                ("secret", &secret),
                ("code", &next_code(server, &secret)),
                ("csrf_token", &Self::csrf(&page)),
            ],
        );
        let page = html_page(response, 200);
        (secret, recovery_codes_in(&page))
    }
}

/// The recovery codes a page lists.
pub(crate) fn recovery_codes_in(page: &str) -> Vec<String> {
    let list = page
        .split("id=\"recovery-codes\"")
        .nth(1)
        .and_then(|rest| rest.split("</ol>").next())
        .unwrap_or_else(|| panic!("no recovery codes in {page}"));
    list.split("<code>")
        .skip(1)
        .filter_map(|c| c.split("</code>").next())
        .map(str::to_owned)
        .collect()
}
