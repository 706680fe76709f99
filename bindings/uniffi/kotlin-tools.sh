# Installs what the Kotlin binding tests need when it is missing, and puts it on PATH
# and CLASSPATH of the shell that sources it (idempotent: a second run installs
# nothing). Sourced by test-bindings.sh and by ./test.sh before the workspace tests, so
# that `cargo test --workspace` runs the Kotlin tests in the same build.
#   kotlinc: one already on PATH wins; otherwise npm's kotlin-compiler into
#            $ELECTIE_TOOLS_DIR (default target/tools/kotlin);
#   JNA:     Debian's libjna-java; a JDK from Debian only when java is absent.
# Needs network access to npm and Debian's archive unless the tools are installed.

kotlin_tools_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tools=${ELECTIE_TOOLS_DIR:-${CARGO_TARGET_DIR:-$kotlin_tools_root/target}/tools}
kotlin_version=${ELECTIE_KOTLIN_VERSION:-2.4.20}
jna_jar=/usr/share/java/jna.jar
kotlin_tools_fail() { printf 'kotlin-tools.sh: %s\n' "$*" >&2; exit 1; }

apt_updated=
apt_install() { # packages...
  local sudo=
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || kotlin_tools_fail "need root (or sudo) to apt-get install $*"
    sudo=sudo
  fi
  if [ -z "$apt_updated" ]; then
    $sudo apt-get update -qq || kotlin_tools_fail "apt-get update failed"
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" \
    || kotlin_tools_fail "apt-get install $* failed"
}

command -v java >/dev/null 2>&1 || apt_install default-jdk-headless
command -v java >/dev/null 2>&1 || kotlin_tools_fail "java is still missing"

# kotlinc: one already on PATH wins; otherwise the project-local npm install.
if ! command -v kotlinc >/dev/null 2>&1; then
  kotlin_bin=$tools/kotlin/node_modules/kotlin-compiler/bin
  if [ ! -x "$kotlin_bin/kotlinc" ]; then
    command -v npm >/dev/null 2>&1 || apt_install npm
    mkdir -p "$tools/kotlin"
    npm install --prefix "$tools/kotlin" --no-save --no-audit --no-fund --loglevel=error \
      "kotlin-compiler@$kotlin_version" || kotlin_tools_fail "npm install kotlin-compiler@$kotlin_version failed"
  fi
  [ -x "$kotlin_bin/kotlinc" ] || kotlin_tools_fail "kotlinc not found in $kotlin_bin after installing"
  export PATH="$kotlin_bin:$PATH"
fi
kotlinc -version 2>&1 | grep -q kotlinc-jvm || kotlin_tools_fail "kotlinc does not run: $(kotlinc -version 2>&1 | tail -1)"
echo "kotlinc: $(command -v kotlinc) ($(kotlinc -version 2>&1 | grep -o 'kotlinc-jvm [^ ]*'))"

[ -f "$jna_jar" ] || apt_install libjna-java
[ -f "$jna_jar" ] || kotlin_tools_fail "$jna_jar is still missing"
export CLASSPATH="$jna_jar${CLASSPATH:+:$CLASSPATH}"
echo "JNA: $(readlink -f "$jna_jar")"
export ELECTIE_REQUIRE_KOTLIN=1
