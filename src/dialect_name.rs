//! The names of the provider dialects Gatehouse can speak: the value the
//! settings parse from `--dialect` and hold. What each dialect does lives in
//! `dialects/`, which re-exports this type; keeping the name here lets the
//! settings hold it without importing the layer above the core.

use std::fmt;
use std::str::FromStr;

/// A provider whose API Gatehouse can speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Skritter (skritter-oauth2.txt).
    Skritter,
    /// Mastodon, through Doorkeeper (mastodon-doorkeeper-oauth.txt).
    Mastodon,
    /// Piictu (piictu-auth.txt).
    Piictu,
    /// ScratchOAuth2 (scratch-oauth2.txt).
    Scratch,
    /// App.net (appnet-auth.txt).
    Appnet,
}

impl Dialect {
    /// Every dialect, in the order `gatehouse serve --help` lists them.
    pub const ALL: [Dialect; 5] = [
        Dialect::Skritter,
        Dialect::Mastodon,
        Dialect::Piictu,
        Dialect::Scratch,
        Dialect::Appnet,
    ];

    /// The name the flag takes.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Skritter => "skritter",
            Dialect::Mastodon => "mastodon",
            Dialect::Piictu => "piictu",
            Dialect::Scratch => "scratch",
            Dialect::Appnet => "appnet",
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Dialect {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Dialect::ALL
            .into_iter()
            .find(|d| d.name() == s.trim())
            .ok_or_else(|| format!("`{s}`: use one of skritter, mastodon, piictu, scratch, appnet"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_unknown_ones_are_refused() {
        assert_eq!("mastodon".parse::<Dialect>().unwrap(), Dialect::Mastodon);
        assert_eq!(" appnet ".parse::<Dialect>().unwrap(), Dialect::Appnet);
        let e = "myspace".parse::<Dialect>().unwrap_err();
        assert!(e.contains("myspace") && e.contains("skritter"), "{e}");
    }

    #[test]
    fn every_name_parses_back_to_its_dialect() {
        for d in Dialect::ALL {
            assert_eq!(d.name().parse::<Dialect>().unwrap(), d);
            assert_eq!(d.to_string(), d.name());
        }
    }
}
