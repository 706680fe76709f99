#!/usr/bin/env bash
# The mobile binding tests, for real, on their own (./test.sh runs the same tests
# inside its workspace `cargo test`, after sourcing kotlin-tools.sh):
#   1. kotlin-tools.sh installs kotlinc (npm) and JNA (Debian) when missing and puts
#      them on PATH and CLASSPATH, with ELECTIE_REQUIRE_KOTLIN=1 so the Kotlin tests
#      fail, never skip;
#   2. cargo test -p electie-uniffi: the Rust API tests, the Kotlin scripts in
#      tests/bindings/ on the JVM against the compiled library (tests/kotlin.rs), and
#      the generated Swift checked for every exported declaration (tests/swift.rs; no
#      Swift compiler can be installed on these machines).
# To write the bindings out for an app, see this crate's README (uniffi-bindgen).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
started=$SECONDS

printf '\n==> %s\n' "tools: JDK, kotlinc (npm kotlin-compiler), JNA (Debian libjna-java)"
# shellcheck source=kotlin-tools.sh
source bindings/uniffi/kotlin-tools.sh

printf '\n==> %s\n' "cargo test -p electie-uniffi (Rust, Kotlin on the JVM, Swift generated)"
cargo test -p electie-uniffi

printf '\n==> %s\n' "binding tests passed in $((SECONDS - started)) s"
