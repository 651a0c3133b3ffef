#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it: formatting, lints, then every
# unit and integration test. Installs whatever the tests need first.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> cargo fmt --check"
cargo fmt --check

echo "==> cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets --quiet -- -D warnings

echo "==> cargo test"
cargo test --all-targets
