//! The frame every page shares.

use maud::{html, Markup, DOCTYPE};

/// Wraps a page body with the document head and the site header.
pub fn layout(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Gatehouse" }
                link rel="stylesheet" href="/static/style.css";
            }
            body {
                header.site { a href="/" { "Gatehouse" } }
                main { (body) }
            }
        }
    }
}

/// Like `layout`, for the few pages that run a script of ours (served
/// from `/static`; such pages get a Content-Security-Policy that allows
/// `script-src 'self'`, every other page allows no script at all).
pub fn layout_with_script(title: &str, script: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Gatehouse" }
                link rel="stylesheet" href="/static/style.css";
                script src=(script) defer {}
            }
            body {
                header.site { a href="/" { "Gatehouse" } }
                main { (body) }
            }
        }
    }
}

/// The hidden CSRF field every form carries.
pub fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name="csrf_token" value=(token); }
}

/// An absolute URL on this server: the issuer, then each path segment
/// percent-encoded (an id never changes the path's shape).
pub fn url_at(issuer: &str, segments: &[&str]) -> String {
    match url::Url::parse(issuer) {
        Ok(mut url) => {
            if let Ok(mut path) = url.path_segments_mut() {
                path.pop_if_empty().extend(segments);
            }
            url.into()
        }
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod url_tests {
    use super::url_at;

    #[test]
    fn segments_are_encoded_one_by_one() {
        assert_eq!(
            url_at("https://id.example", &["admin", "apps", "a b/c?d", "flags"]),
            "https://id.example/admin/apps/a%20b%2Fc%3Fd/flags"
        );
        assert_eq!(
            url_at("https://id.example/sso", &["developer", "apps"]),
            "https://id.example/sso/developer/apps"
        );
    }
}
