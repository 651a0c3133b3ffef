#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it: formatting, lints, then every
# unit and integration test. Installs whatever the tests need first.
set -euo pipefail
cd "$(dirname "$0")/.."

# Installs Debian packages (as root, or with sudo) unless `$1` and `$2`,
# the commands they bring, are both on the PATH already.
need() {
    local first=$1 second=$2
    shift 2
    if command -v "$first" >/dev/null && command -v "$second" >/dev/null; then
        return
    fi
    install_packages "$@"
}

# Installs Debian packages (as root, or with sudo).
install_packages() {
    echo "==> installing $*"
    local as_root=()
    if [ "$(id -u)" -ne 0 ]; then
        if ! command -v sudo >/dev/null; then
            echo "$* are missing, and installing them needs root or sudo" >&2
            exit 1
        fi
        as_root=(sudo)
    fi
    "${as_root[@]}" apt-get update -qq
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

# Passkeys (webauthn-rs) build against OpenSSL: its headers, found
# through pkg-config.
if ! pkg-config --exists openssl 2>/dev/null; then
    install_packages pkg-config libssl-dev
fi

# The browser tests (tests/http/browser) drive headless Chromium through
# chromedriver.
need chromium chromedriver chromium chromium-driver
chromium --version
chromedriver --version

# The ACME tests (tests/http/acme.rs) obtain certificates from Pebble, the
# ACME test server, with pebble-challtestsrv as its DNS.
need pebble pebble-challtestsrv pebble

# The mail tests (tests/http/email, and the browser's forgot-password test)
# deliver to aiosmtpd, an SMTP server that stores what it gets in a maildir.
need aiosmtpd aiosmtpd python3-aiosmtpd

# The PostgreSQL adapter's tests (tests/http/store_postgres.rs) run against
# a throwaway cluster on loopback that pg_virtualenv (postgresql-common)
# creates for the test run (in a temporary directory, `-t`, so a cluster
# left by another run never clashes) and removes afterwards.
need pg_virtualenv psql postgresql

# The systemd unit in examples/deploy is checked where systemd is at hand
# (ExecStart pointed at the built binary, since verify wants it to exist).
if command -v systemd-analyze >/dev/null; then
    echo "==> systemd-analyze verify examples/deploy/gatehouse.service"
    cargo build --quiet --bin gatehouse
    unit_dir=$(mktemp -d)
    sed "s|/usr/local/bin/gatehouse|$PWD/target/debug/gatehouse|" \
        examples/deploy/gatehouse.service >"$unit_dir/gatehouse.service"
    systemd-analyze verify "$unit_dir/gatehouse.service"
    rm -rf "$unit_dir"
fi

# Licenses, banned crates and sources of the dependency graph (deny.toml).
# `cargo deny`'s advisories check is left out: it needs the RustSec
# database from GitHub, which these machines cannot reach.
if ! command -v cargo-deny >/dev/null; then
    echo "==> installing cargo-deny (from crates.io)"
    cargo install cargo-deny --locked --quiet
fi
echo "==> cargo deny check bans licenses sources"
cargo deny --log-level error check bans licenses sources

echo "==> cargo fmt --check"
cargo fmt --check

echo "==> cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets --quiet -- -D warnings

echo "==> cargo test (with a throwaway PostgreSQL from pg_virtualenv)"
pg_virtualenv -t cargo test --all-targets

# The same integration suite again with every server it starts on the
# PostgreSQL store (each on a fresh database of its own; see
# tests/http/harness/postgres.rs). What only the embedded store has
# (backups of its files, the previous store format) skips itself there.
echo "==> the integration suite again, every server on PostgreSQL"
TEST_STORE=postgres pg_virtualenv -t cargo test --test http
