//! Server-rendered pages: functions that take a view and return Markup,
//! all inside one layout. They work without JavaScript.

mod account;
mod admin;
mod code;
mod consent;
mod developer;
mod device;
mod email;
mod error;
mod home;
mod layout;
mod leaving;
mod login;
mod logout;
mod passkeys;
mod security;
mod signup;
mod time;
mod upstream;

pub use time::{rfc3339, rfc3339_seconds};

pub use account::{account, AccountView, AppLine, SessionLine};
pub use admin::{
    admin_apps, admin_group, admin_groups, admin_overview, admin_settings, admin_users, audit,
    link_made, reset_form, AppsView, AuditView, ClientRow, GroupRow, GroupView, GroupsView,
    MemberRow, OverviewView, Paging, SettingsView, UserRow, UsersView,
};
pub use code::{form_post, out_of_band, undelivered, FormPostView, OutOfBandView, UndeliveredView};
pub use consent::{consent, ConsentView, ScopeLine};
pub use developer::{app_form, apps, secret_shown, AppFormView, AppRow};
pub use device::{device_done, device_form};
pub use email::{
    confirm_email, email_verified, forgot_form, forgot_off, forgot_sent, ConfirmView, ForgotView,
};
pub use error::error;
pub use home::{home, HomeView};
pub use layout::{
    csrf_field, layout, layout_for, layout_signed_in, layout_with_script, url_at, Header,
};
pub use leaving::{account_deleted, delete_account, DeleteAccountView};
pub use login::{login, LoginView};
pub use logout::{confirm_logout, signed_out};
pub use passkeys::{
    ceremony, passkey_section, second_factor_button, sign_in_button, CeremonyMode, CeremonyView,
    PasskeyRow, PasskeySectionView,
};
pub use security::{
    recovery_codes, second_factor, security, totp_setup, SecondFactorView, SecurityView,
    TotpSetupView,
};
pub use signup::{signup, SignupView};
pub use upstream::{
    linked_providers, upstream_buttons, upstream_refused, LinkLine, LinkedLine, UpstreamButton,
};
