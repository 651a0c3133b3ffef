//! The device pages: where a person types the code a TV or a command-line
//! tool shows, and the page that says it is done.

use maud::{html, Markup};

use super::layout::{csrf_field, layout};

/// The form that takes a user code.
pub fn device_form(action: &str, csrf: &str, user_code: &str, error: Option<&str>) -> Markup {
    layout(
        "Connect a device",
        html! {
            h1 { "Connect a device" }
            p { "Enter the code your device shows." }
            @if let Some(error) = error {
                p.error role="alert" { (error) }
            }
            form method="post" action=(action) {
                (csrf_field(csrf))
                label for="user_code" { "Code" }
                input #user_code type="text" name="user_code" value=(user_code)
                    placeholder="XXXX-XXXX" autocomplete="one-time-code" autocapitalize="characters"
                    spellcheck="false" required autofocus;
                button type="submit" { "Continue" }
            }
        },
    )
}

/// Says the device has its answer.
pub fn device_done(approved: bool) -> Markup {
    layout(
        "Device",
        html! {
            @if approved {
                h1 { "Device approved" }
                p { "You can return to your device; it will sign in shortly." }
            } @else {
                h1 { "Request denied" }
                p { "The device will not get access. You can close this window." }
            }
        },
    )
}
