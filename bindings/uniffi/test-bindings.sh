#!/usr/bin/env bash
# The mobile binding tests, for real. Installs what they need when it is missing
# (idempotent: a second run installs nothing), then:
#   1. cargo test -p electie-uniffi --test kotlin with kotlinc and JNA present, so the
#      Kotlin scripts in tests/bindings/ run on the JVM against the compiled library
#      (they fail, never skip, here: ELECTIE_REQUIRE_KOTLIN=1);
#   2. generates the Kotlin and Swift bindings with the workspace's uniffi-bindgen
#      (library mode) into target/uniffi/ and checks that the Swift files exist and
#      declare the exported API (no Swift compiler can be installed on these machines).
# Needs: cargo, and either network access to npm and Debian's archive or the tools
# already installed. Everything it installs goes to target/tools/ (Kotlin) and Debian's
# usual places (JNA, and a JDK or npm only when absent).
set -euo pipefail

crate_dir=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$crate_dir/../.." && pwd)
cd "$root"

target_dir=${CARGO_TARGET_DIR:-$root/target}
tools=${ELECTIE_TOOLS_DIR:-$target_dir/tools}
kotlin_version=${ELECTIE_KOTLIN_VERSION:-2.4.20}
jna_jar=/usr/share/java/jna.jar

step() { printf '\n==> %s\n' "$*"; }
fail() { printf 'test-bindings.sh: %s\n' "$*" >&2; exit 1; }
started=$SECONDS

apt_updated=
apt_install() { # packages...
  local sudo=
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail "need root (or sudo) to apt-get install $*"
    sudo=sudo
  fi
  if [ -z "$apt_updated" ]; then
    $sudo apt-get update -qq || fail "apt-get update failed"
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" \
    || fail "apt-get install $* failed"
}

step "tools: JDK, kotlinc (npm kotlin-compiler $kotlin_version), JNA (Debian libjna-java)"
command -v java >/dev/null 2>&1 || apt_install default-jdk-headless
command -v java >/dev/null 2>&1 || fail "java is still missing"

# kotlinc: one already on PATH wins; otherwise the project-local npm install.
if ! command -v kotlinc >/dev/null 2>&1; then
  kotlin_bin=$tools/kotlin/node_modules/kotlin-compiler/bin
  if [ ! -x "$kotlin_bin/kotlinc" ]; then
    command -v npm >/dev/null 2>&1 || apt_install npm
    mkdir -p "$tools/kotlin"
    npm install --prefix "$tools/kotlin" --no-save --no-audit --no-fund --loglevel=error \
      "kotlin-compiler@$kotlin_version" || fail "npm install kotlin-compiler@$kotlin_version failed"
  fi
  [ -x "$kotlin_bin/kotlinc" ] || fail "kotlinc not found in $kotlin_bin after installing"
  export PATH="$kotlin_bin:$PATH"
fi
kotlinc -version 2>&1 | grep -q kotlinc-jvm || fail "kotlinc does not run: $(kotlinc -version 2>&1 | tail -1)"
echo "kotlinc: $(command -v kotlinc) ($(kotlinc -version 2>&1 | grep -o 'kotlinc-jvm [^ ]*'))"

[ -f "$jna_jar" ] || apt_install libjna-java
[ -f "$jna_jar" ] || fail "$jna_jar is still missing"
export CLASSPATH="$jna_jar${CLASSPATH:+:$CLASSPATH}"
echo "JNA: $(readlink -f "$jna_jar")"

step "Kotlin tests on the JVM (cargo test -p electie-uniffi --test kotlin, Kotlin required)"
# Only the Kotlin target: the crate's Rust tests run in the workspace's cargo test.
export ELECTIE_REQUIRE_KOTLIN=1
cargo test -p electie-uniffi --test kotlin

step "generate Kotlin and Swift bindings (uniffi-bindgen, library mode)"
cargo build -p electie-uniffi
case "$(uname -s)" in
  Darwin) library=$target_dir/debug/libelectie_uniffi.dylib ;;
  *) library=$target_dir/debug/libelectie_uniffi.so ;;
esac
[ -f "$library" ] || fail "$library was not built"
out=$target_dir/uniffi
rm -rf "$out/kotlin" "$out/swift"
cargo run -q -p electie-uniffi-bindgen -- generate --no-format --library "$library" --language kotlin --out-dir "$out/kotlin"
cargo run -q -p electie-uniffi-bindgen -- generate --no-format --library "$library" --language swift --out-dir "$out/swift"

step "check the Swift bindings declare the exported API"
swift=$out/swift/ElectieTerminal.swift
for file in "$swift" "$out/swift/ElectieTerminalFFI.h" "$out/swift/ElectieTerminalFFI.modulemap"; do
  [ -s "$file" ] || fail "missing generated file $file"
done
# The generated files are not formatted here (no swift-format), so declarations are
# compared with all whitespace removed.
expect() { # declaration, file
  grep -qF -- "${1//[[:space:]]/}" <(tr -d '[:space:]' < "$2") \
    || fail "$(basename "$2") does not declare: $1"
}
while IFS= read -r declaration; do
  [ -n "$declaration" ] && expect "$declaration" "$swift"
done <<'DECLARATIONS'
open class GatewayConfig: GatewayConfigProtocol
public static func fromJson(json: String) throws -> GatewayConfig
open func parties() -> [BallotParty]
open func party(partyId: Int64) -> BallotParty?
open func texts() -> ElectionTexts
open func electionId() -> String
open func maxCandidates() -> UInt32
open func pollingPlaceId() -> Int64
open func gatewayPublicKeyPem() -> String?
open func validate(ballot: Ballot) throws
open func rejection(ballot: Ballot) -> String?
open class TerminalKeyPair: TerminalKeyPairProtocol
public static func generate() throws -> TerminalKeyPair
public static func generateWithBits(bits: UInt32) throws -> TerminalKeyPair
public static func fromPrivateKeyPem(pem: String) throws -> TerminalKeyPair
open func publicKeyPem() -> String
open func privateKeyPem() -> String
open class VoteSealer: VoteSealerProtocol
public convenience init(config: GatewayConfig, terminalKeys: TerminalKeyPair, gatewayPublicKeyPem: String) throws
open func sealTokenCheck(token: String) throws -> SealedPayload
open func sealVote(token: String, ballot: Ballot) throws -> SealedPayload
public struct Ballot: Equatable, Hashable
public var partyId: Int64?
public var candidateIds: [Int64]
public struct BallotParty: Equatable, Hashable
public var candidates: [BallotCandidate]
public struct BallotCandidate: Equatable, Hashable
public var displayName: String
public struct ElectionTexts: Equatable, Hashable
public struct LocalizedText: Equatable, Hashable
public struct SealedPayload: Equatable, Hashable
public var encryptedMessage: String
public var encryptedObject: String
public enum TerminalError: Swift.Error
case InvalidConfig(message: String)
case VoteRejected(message: String)
case InvalidKey(message: String)
case SealFailed(message: String)
public func blankBallot() -> Ballot
public func partyBallot(partyId: Int64, candidateIds: [Int64]) -> Ballot
public func sealedPayloadToJson(payload: SealedPayload) -> String
DECLARATIONS
expect 'module ElectieTerminalFFI' "$out/swift/ElectieTerminalFFI.modulemap"
expect 'uniffi_electie_uniffi_fn_constructor_gatewayconfig_from_json' "$out/swift/ElectieTerminalFFI.h"
expect 'uniffi_electie_uniffi_fn_method_votesealer_seal_vote' "$out/swift/ElectieTerminalFFI.h"
kotlin=$out/kotlin/sk/electie/terminal/electie_uniffi.kt
[ -s "$kotlin" ] || fail "missing generated file $kotlin"
expect 'package sk.electie.terminal' "$kotlin"
expect 'sealed class TerminalException(message: String)' "$kotlin"
echo "Swift: $(wc -l < "$swift") lines in $swift, every exported declaration found"
echo "Kotlin: $kotlin"

step "binding tests passed in $((SECONDS - started)) s"
