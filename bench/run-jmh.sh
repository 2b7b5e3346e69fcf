#!/usr/bin/env bash
# JMH micro-benchmarks (not part of the default build or test run): raw sign/verify per algorithm and crypto provider (CRYPTO_PROVIDER jca and native),
# argon2id at the configured parameters, and the project's own sign
# (AccessTokens.issue) and verify (TokenVerifier.verify, cache off and hot) paths.
#
#   bench/run-jmh.sh                 Java 17 (the java on PATH)
#   bench/run-jmh.sh --jdk25         and again with the Java 25 at $JDK25_HOME
#                                    (default /usr/lib/jvm/temurin-25-jdk-amd64), when it exists
#   options: --only REGEX (benchmarks to run)   --no-build
#   env: JMH_OPTS (default "-f 1 -wi 2 -i 3 -w 1s -r 2s"), JDK25=1 (same as --jdk25)
#
# Writes bench/results/<UTC time>-jmh.md and -jmh.json (plus JMH's raw JSON per JDK).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RESULTS="$ROOT/bench/results"
JDK25_HOME=${JDK25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
WITH25=${JDK25:-0}
ONLY=""
BUILD=1
OPTS=${JMH_OPTS:--f 1 -wi 2 -i 3 -w 1s -r 2s}
while [[ $# -gt 0 ]]; do
  case "$1" in
    --jdk25) WITH25=1 ;;
    --only) ONLY="$2"; shift ;;
    --no-build) BUILD=0 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "run-jmh.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

log() { printf '%s jmh: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

cd "$ROOT"
if [[ $BUILD -eq 1 ]]; then
  log "installing the main artifact and building bench/jmh/target/benchmarks.jar"
  mvn -B -q install -DskipTests
  mvn -B -q -f bench/jmh/pom.xml package
fi
JAR="$ROOT/bench/jmh/target/benchmarks.jar"
[[ -f $JAR ]] || { echo "run-jmh.sh: $JAR is missing (run without --no-build)" >&2; exit 1; }

STAMP=$(date -u +%Y-%m-%dT%H-%M-%SZ)
mkdir -p "$RESULTS"
read -r LOAD1 _ </proc/loadavg

run_with() { # label java-binary
  local out="$RESULTS/$STAMP-jmh-$1-raw.json"
  log "running with $("$2" -version 2>&1 | head -1) ($OPTS${ONLY:+, only $ONLY})"
  # shellcheck disable=SC2086
  "$2" -jar "$JAR" $OPTS -rf json -rff "$out" ${ONLY:+"$ONLY"} >"$RESULTS/.jmh-$1.log" 2>&1 \
    || { tail -30 "$RESULTS/.jmh-$1.log" >&2; exit 1; }
  rm -f "$RESULTS/.jmh-$1.log"
  echo "$out"
}

RAW17=$(run_with java17 java)
RAW25=""
if [[ $WITH25 -eq 1 ]]; then
  if [[ -x $JDK25_HOME/bin/java ]]; then
    RAW25=$(run_with java25 "$JDK25_HOME/bin/java")
  else
    log "no Java 25 at $JDK25_HOME: skipped"
  fi
fi
read -r LOAD1_END _ </proc/loadavg

python3 "$ROOT/bench/tools/jmh_report.py" --java17 "$RAW17" ${RAW25:+--java25 "$RAW25"} \
  --md "$RESULTS/$STAMP-jmh.md" --json "$RESULTS/$STAMP-jmh.json" \
  --meta "stamp=$STAMP" "jmh_opts=$OPTS" "cores=$(nproc)" "load_average_start=$LOAD1" "load_average_end=$LOAD1_END" \
  "git_commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
log "report: bench/results/$STAMP-jmh.md and .json"
