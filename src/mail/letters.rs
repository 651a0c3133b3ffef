//! What the server writes to people: the plain-text letters that carry a
//! verification or password-reset link. Each letter names the account and
//! the server, says how long the link works, and what to do if the person
//! did not ask for it.

use std::fmt;

/// A letter: its subject and plain-text body. The body carries a secret
/// link, so `Debug` shows only the subject.
#[derive(Clone, PartialEq, Eq)]
pub struct Letter {
    /// The subject line.
    pub subject: String,
    /// The plain-text body (ASCII when the names in it are).
    pub body: String,
}

impl fmt::Debug for Letter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Letter")
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

/// The letter that confirms an address: `link` works for `hours`.
pub fn verification(server: &str, username: &str, link: &str, hours: u64) -> Letter {
    Letter {
        subject: format!("Confirm your email address for {server}"),
        body: format!(
            "Hello {username},\n\
             \n\
             this address was given for the account {username} at {server}.\n\
             To confirm that it is yours, open this link within {hours} hours:\n\
             \n\
             {link}\n\
             \n\
             If you did not give it, ignore this mail: the address stays unconfirmed.\n"
        ),
    }
}

/// The letter that resets a password: `link` works once, for `minutes`.
pub fn reset(server: &str, username: &str, link: &str, minutes: u64) -> Letter {
    Letter {
        subject: format!("Reset your password for {server}"),
        body: format!(
            "Hello {username},\n\
             \n\
             someone asked to reset the password of the account {username} at {server}.\n\
             To choose a new password, open this link within {minutes} minutes.\n\
             It works once, and using it signs the account out everywhere:\n\
             \n\
             {link}\n\
             \n\
             If you did not ask, ignore this mail: your password stays as it is.\n"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_letter_never_shows_its_link_in_debug() {
        let letter = reset(
            "id.example",
            "alice",
            "https://id.example/reset?token=gth_pr_x",
            30,
        );
        assert!(letter.body.contains("gth_pr_x") && letter.body.contains("30 minutes"));
        assert!(!format!("{letter:?}").contains("gth_pr_x"));
    }
}
