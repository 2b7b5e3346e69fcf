#!/usr/bin/env bash
# The load-test kit: builds the jar, starts the server from it on the embedded PostgreSQL (a fresh
# temporary working directory per signing algorithm), creates users and a client, runs every
# scenario with wrk on loopback, and writes bench/results/<UTC time>.md and .json.
#
#   bench/run.sh            short: 5 s per scenario; open route, /api/me (and the open route sent the same
#                           requests) and JWKS in 3 interleaved rounds (about 24 minutes in all on 2 cores)
#   bench/run.sh --long     30 s per scenario, one round
#   bench/run.sh --smoke    1 s per scenario, RS256 only, 500 distinct tokens (a check that the kit works)
#   options: --algs "RS256 ES256 EdDSA RS256/jca ES256/jca"   --no-build   --tokens N
#            (an algorithm alone runs with CRYPTO_PROVIDER=auto, the native provider where it loads;
#            ALG/jca with the JDK's providers: the default list compares both in one run)
#   env: BENCH_JAVA_OPTS (JVM options of the server, default the README's run command's:
#        -Xms64m -Xmx128m -XX:+UseSerialGC -XX:SharedArchiveFile=target/jwt-auth-server.jsa; the kit only adds -Xlog:gc to a file, to report GC pauses); BENCH_KEEP=1 keeps the
#        temporary directory (server and GC logs, wrk output, raw records); BENCH_CONNS_REFRESH=N
#        runs N refresh chains instead of 16
#
# Exits 1 when a server logged a Vert.x blocked-thread warning ("has been blocked for"); every
# failed or non-2xx request is counted in the report. Only 127.0.0.1 is ever loaded, and every
# load is bounded in time.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH="$ROOT/bench"
LUA="$BENCH/lua"
TOOLS="$BENCH/tools"
RESULTS="$BENCH/results"

MODE=short
DURATION=5
WARMUP=2
JIT_WARMUP=8       # seconds of open-route load, twice as long of client_credentials (half of it on
                   # /api/me), after each start: C2 needs some 20 s of issuance to settle
ROUNDS=3           # interleaved rounds of open route / /api/me (the ratios take the median round)
COLD_CHUNKS=30     # at most this many 2 s chunks of the 10k-token cold pass
ALGS="RS256 ES256 EdDSA RS256/jca ES256/jca"
TOKENS=10000
BUILD=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --long) MODE=long; DURATION=30; WARMUP=10; JIT_WARMUP=20; ROUNDS=1; COLD_CHUNKS=60 ;;
    --smoke) MODE=smoke; DURATION=1; WARMUP=1; JIT_WARMUP=1; ROUNDS=1; COLD_CHUNKS=4; ALGS=RS256; TOKENS=500
      RESULTS="$BENCH/results/smoke" ;;  # a check, not a measurement: git-ignored, never committed
    --algs) ALGS="$2"; shift ;;
    --tokens) TOKENS="$2"; shift ;;
    --no-build) BUILD=0 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

THREADS=2
CONNS_GET=32       # open route, /api/me, JWKS, introspection, client_credentials
CONNS_REFRESH=${BENCH_CONNS_REFRESH:-16}   # one refresh chain per connection
CONNS_LOGIN=8      # argon2 runs on HASH_WORKERS (= cores) threads; more connections only queue
USERS=16           # login round-robins over these users
USER_PASSWORD='bench-password-1'
ADMIN_PASSWORD='bench-admin-password'
CLIENT_ID=bench-client
CODE_CLIENT_ID=bench-spa            # a public client for the code-flow scenario
CODE_REDIRECT=http://127.0.0.1:9/cb # never called: the tool reads the 303's Location
ARGON2_M=19456 ARGON2_T=2 ARGON2_P=1
CORES=$(nproc)
CLK_TCK=$(getconf CLK_TCK)
JAVA_OPTS_SERVER=${BENCH_JAVA_OPTS--Xms64m -Xmx128m -XX:+UseSerialGC -XX:SharedArchiveFile=target/jwt-auth-server.jsa}

log() { printf '%s bench: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

# --- tools -------------------------------------------------------------------------------------
install_pkg() {
  log "installing $1 from the system's packages"
  if [[ $(id -u) -eq 0 ]]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null
  fi
}
command -v wrk >/dev/null || install_pkg wrk
command -v curl >/dev/null || install_pkg curl
command -v python3 >/dev/null || install_pkg python3
# the interpreter itself, not a version manager's shim in front of it (a pyenv shim spends some
# 0.35 s of CPU on every call, which would land in the scenarios' "other procs")
PYTHON=$(python3 -c 'import sys; print(sys.executable)')
command -v java >/dev/null || die "java (17+) is needed"

# --- state and cleanup -------------------------------------------------------------------------
STAMP=$(date -u +%Y-%m-%dT%H-%M-%SZ)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/jwt-bench.XXXXXX")
# as root the embedded PostgreSQL runs as nobody without capabilities: it must be able to enter
chmod o+x "$WORK"
RAW="$WORK/raw.jsonl"
: >"$RAW"
SERVER_PIDS=()
BG_PIDS=()
KEEP_WORK=${BENCH_KEEP:-0}   # BENCH_KEEP=1 keeps the server logs and raw data

stop_pid() { # pid [datadir]: SIGTERM (the server stops its PostgreSQL), then SIGKILL after 30 s
  local pid=$1 dir=${2:-}
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      log "server $pid did not stop in 30 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true
  # a PostgreSQL orphaned by a killed server: stop it by its own pid file
  if [[ -n $dir && -f $dir/data/pg/postmaster.pid ]]; then
    local pg
    pg=$(head -1 "$dir/data/pg/postmaster.pid")
    if [[ -n $pg ]] && kill -0 "$pg" 2>/dev/null; then
      kill -TERM "$pg" 2>/dev/null || true
    fi
  fi
}

cleanup() {
  local rc=$?
  for pid in "${BG_PIDS[@]:-}"; do [[ -n $pid ]] && kill "$pid" 2>/dev/null || true; done
  for entry in "${SERVER_PIDS[@]:-}"; do
    [[ -n $entry ]] && stop_pid "${entry%%:*}" "${entry#*:}"
  done
  if [[ $rc -ne 0 || $KEEP_WORK -eq 1 ]]; then
    log "server logs and raw data kept in $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- /proc readings ----------------------------------------------------------------------------
cpu_ticks() { # utime+stime of one process (fields 14 and 15 of /proc/<pid>/stat)
  local stat rest
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  rest=${stat##*) }
  read -r -a f <<<"$rest"
  echo $((f[11] + f[12]))
}

thread_ticks() { # PID: the server's CPU ticks by thread group: "eventloop argon2 gc jit other"
  local ev=0 hs=0 gc=0 jit=0 ot=0 f stat comm rest t
  for f in /proc/"$1"/task/*/stat; do
    stat=$(cat "$f" 2>/dev/null) || continue
    comm=${stat#*(}; comm=${comm%)*}
    rest=${stat##*) }
    read -r -a a <<<"$rest"
    t=$((a[11] + a[12]))
    case $comm in
      vert.x-eventloo*) ev=$((ev + t)) ;;
      argon2*) hs=$((hs + t)) ;;
      "GC Thread"* | G1* | "VM Thread"*) gc=$((gc + t)) ;;
      C1* | C2*) jit=$((jit + t)) ;;
      *) ot=$((ot + t)) ;;
    esac
  done
  echo "$ev $hs $gc $jit $ot"
}

pg_ticks() { # CPU of the embedded PostgreSQL: the postmaster and its children
  local dir=$1 pm total=0 p stat rest
  [[ -f $dir/data/pg/postmaster.pid ]] || { echo 0; return; }
  pm=$(head -1 "$dir/data/pg/postmaster.pid")
  total=$(cpu_ticks "$pm")
  for p in $(cat "/proc/$pm/task/$pm/children" 2>/dev/null); do
    total=$((total + $(cpu_ticks "$p")))
  done
  echo "$total"
}

machine_busy_ticks() { # all cores, from /proc/stat: everything but idle and iowait
  local cpu user nice sys idle iowait irq softirq steal _
  read -r cpu user nice sys idle iowait irq softirq steal _ </proc/stat
  echo $((user + nice + sys + irq + softirq + steal))
}

await_quiet() { # before a start-up measurement: until the machine is under 10% busy over 0.5 s (at most 15 s),
  # so that the server just started (JIT compilers still busy after its ready) does not slow the next one's start
  local b0 b1 pct=100
  for _ in $(seq 1 30); do
    b0=$(machine_busy_ticks); sleep 0.5; b1=$(machine_busy_ticks)
    pct=$(((b1 - b0) * 100 / (CORES * CLK_TCK / 2)))
    ((pct < 10)) && break
  done
  log "machine ${pct}% busy before the next start"
}

to_ms() { # "1m2.345s" (bash's times) -> 62345
  [[ $1 =~ ^([0-9]+)m([0-9]+)\.([0-9]+)s$ ]] || { echo 0; return; }
  echo $((BASH_REMATCH[1] * 60000 + BASH_REMATCH[2] * 1000 + 10#${BASH_REMATCH[3]}))
}

children_cpu_ms() { # FILE: CPU ms of the children in a `times` output (its second line), or 0
  local cu=0m0.0s cs=0m0.0s
  [[ -f $1 ]] && { read -r _ _; read -r cu cs; } <"$1"
  echo $(($(to_ms "$cu") + $(to_ms "$cs")))
}

gc_stats() { # GC_LOG FROM_LINE: "pauses total_ms max_ms" of the pauses logged after FROM_LINE
  tail -n +"$(($2 + 1))" "$1" 2>/dev/null | awk '/Pause/ && $NF ~ /ms$/ { v = $NF; sub(/ms$/, "", v); n++; t += v; if (v + 0 > m) m = v + 0 }
    END { printf "%d %.1f %.1f\n", n, t, m }'
}

gc_lines() { wc -l <"$1" 2>/dev/null || echo 0; }

rss_kib() { # field of /proc/<pid>/status: VmRSS or VmHWM
  local key val _
  while read -r key val _; do
    if [[ $key == "$2:" ]]; then echo "$val"; return; fi
  done <"/proc/$1/status" 2>/dev/null
  echo 0
}

# --- server lifecycle --------------------------------------------------------------------------
free_ports() { "$PYTHON" -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])'; }

# start_server LABEL ALG DIR [VAR=value...]: sets PID, AUTH, RES; appends a "server" record
start_server() {
  local label=$1 alg=$2 dir=$3; shift 3
  mkdir -p "$dir"
  local auth_port res_port
  read -r auth_port res_port < <(free_ports)
  local t0 t1
  t0=$(date +%s%N)
  # MANAGEMENT_HTTP_PORT=0: a free port, so the kit never collides with a server already on 9000
  # "ES256/jca": SIGNING_ALG=ES256 with CRYPTO_PROVIDER=jca; "ES256": CRYPTO_PROVIDER=auto
  local provider=auto
  if [[ $alg == */* ]]; then provider=${alg#*/}; fi
  # started as the README's run command starts it (from the repository root, the jar as target/jwt-auth-server.jar,
  # so that the build's class-data-sharing archive applies), with its data and keys in its own folder
  (cd "$ROOT" && exec env DATA_DIR="$dir/data" KEYS_DIR="$dir/keys" \
      HTTP_HOST=127.0.0.1 AUTH_HTTP_PORT="$auth_port" RESOURCE_HTTP_PORT="$res_port" MANAGEMENT_HTTP_PORT=0 \
      SIGNING_ALG="${alg%%/*}" CRYPTO_PROVIDER="$provider" BOOTSTRAP_ADMIN_PASSWORD="$ADMIN_PASSWORD" LOGIN_IP_LIMIT=1000000 LOCKOUT_THRESHOLD=1000 \
      DPOP_PROOF_WINDOW=600 \
      "$@" java -Xlog:gc:file="$dir/gc-$label.log" $JAVA_OPTS_SERVER -jar target/jwt-auth-server.jar >"$dir/server-$label.log" 2>&1) &
  PID=$!
  SERVER_PIDS+=("$PID:$dir")
  GC_LOG="$dir/gc-$label.log"
  AUTH="http://127.0.0.1:$auth_port"
  RES="http://127.0.0.1:$res_port"
  local ok=0
  for _ in $(seq 1 2400); do # 120 s
    kill -0 "$PID" 2>/dev/null || break
    if curl -sf -o /dev/null "$AUTH/health" && curl -sf -o /dev/null "$RES/ready"; then ok=1; break; fi
    sleep 0.05
  done
  t1=$(date +%s%N)
  if [[ $ok -ne 1 ]]; then
    tail -20 "$dir/server-$label.log" >&2
    die "server $label ($alg) did not become ready"
  fi
  local ready_ms
  ready_ms=$(grep -o 'ready in [0-9]* ms' "$dir/server-$label.log" | tail -1 | grep -o '[0-9]*' || echo -1)
  log "server $label ($alg) ready: logged ${ready_ms} ms, process start to ready $(((t1 - t0) / 1000000)) ms"
  printf '{"kind":"server","label":"%s","alg":"%s","ready_ms":%s,"boot_wall_ms":%d}\n' \
    "$label" "$alg" "$ready_ms" $(((t1 - t0) / 1000000)) >>"$RAW"
}

# stop_server PID DIR LABEL ALG: records the RSS high-water mark, GC pauses, the live heap after a
# full GC (jcmd, when the JDK has it) and the RSS after it, blocked-thread warnings and logged errors
stop_server() {
  local pid=$1 dir=$2 label=$3 alg=$4 hwm blocked errors gc live=-1 rss_after=-1
  hwm=$(rss_kib "$pid" VmHWM)
  gc=$(gc_stats "$dir/gc-$label.log" 0)
  if command -v jcmd >/dev/null; then
    if jcmd "$pid" GC.run >/dev/null 2>&1; then
      # every generation's (or G1's whole heap's) "used", not metaspace's; the first line alone is the
      # young generation, which a full GC has just emptied
      live=$(jcmd "$pid" GC.heap_info 2>/dev/null | grep -E 'generation|heap ' | grep -o 'used [0-9]*K' | grep -o '[0-9]*' \
        | awk '{s += $1} END {print (NR ? s : -1)}')
      sleep 0.5
      rss_after=$(rss_kib "$pid" VmRSS)
    fi
  fi
  stop_pid "$pid" "$dir"
  blocked=$(grep -c 'has been blocked for' "$dir/server-$label.log" || true)
  errors=$(grep -c ' ERROR ' "$dir/server-$label.log" || true)
  local gn gt gm
  read -r gn gt gm <<<"$gc"
  printf '{"kind":"server_end","label":"%s","alg":"%s","rss_hwm_kib":%d,"live_heap_after_full_gc_kib":%d,"rss_after_full_gc_kib":%d,"gc_pauses":%d,"gc_pause_total_ms":%s,"gc_pause_max_ms":%s,"blocked_warnings":%d,"errors_logged":%d}\n' \
    "$label" "$alg" "${hwm:-0}" "${live:--1}" "${rss_after:--1}" "$gn" "$gt" "$gm" "$blocked" "$errors" >>"$RAW"
  cp "$dir/server-$label.log" "$WORK/server-${alg//\//-}-$label.log"
  local remaining=()
  for entry in "${SERVER_PIDS[@]}"; do [[ ${entry%%:*} != "$pid" ]] && remaining+=("$entry"); done
  SERVER_PIDS=("${remaining[@]:-}")
}

# --- scenarios ---------------------------------------------------------------------------------
# wrk_json OUTFILE: the BENCH_JSON object printed by the scripts' done()
wrk_json() {
  local line
  line=$(grep '^BENCH_JSON ' "$1" | tail -1) || { cat "$1" >&2; die "wrk printed no result"; }
  echo "${line#BENCH_JSON }"
}

rps_of() { "$PYTHON" -c 'import json,sys; d=json.loads(sys.argv[1]); print(round(d["requests"]/(d["duration_us"]/1e6)))' "$1"; }

# measure ALG NAME EXPECT CONNS URL [wrk args...]: a warm-up run, then the measured run with
# server CPU, PostgreSQL CPU, machine CPU and the server's peak RSS; with PROBE_URL set, a
# low-rate probe on that URL runs beside the measured run and is recorded as NAME_probe.
measure() {
  local alg=$1 name=$2 expect=$3 conns=$4 url=$5; shift 5
  local out="$WORK/${alg//\//-}-$name${ROUND:+-r$ROUND}"
  if [[ ${SKIP_WARMUP:-0} -ne 1 ]]; then
    wrk "$url" -t"$THREADS" -c"$conns" -d"${WARMUP}s" --timeout 10s "$@" >"$out.warmup" 2>&1 || true
  fi
  local c0 p0 m0 c1 p1 m1 w0 w1 l g0 tt0 tt1 sampler probe=""
  # The meters fork nothing while wrk runs: the RSS sampler is one process reading /proc, and wrk's
  # CPU is its own, from `times` in the subshell that ran it (the kit's shell's reaped children
  # would also count every $(...) the readings below fork, some 2 s of CPU per scenario).
  echo 0 >"$out.rss"
  "$PYTHON" "$TOOLS/rss.py" "$PID" "$out.rss" &
  sampler=$!
  BG_PIDS+=("$sampler")
  rm -f "$out.times" "$out.probe.times"
  if [[ -n ${PROBE_URL:-} ]]; then
    (wrk "$PROBE_URL" -t1 -c1 -d"${DURATION}s" --timeout 10s -s "$LUA/probe.lua" >"$out.probe" 2>&1; times >"$out.probe.times") &
    probe=$!
    BG_PIDS+=("$probe")
  fi
  g0=$(gc_lines "$GC_LOG")
  tt0=$(thread_ticks "$PID")
  c0=$(cpu_ticks "$PID"); p0=$(pg_ticks "$DIR"); w0=$(date +%s%N); m0=$(machine_busy_ticks)
  (wrk "$url" -t"$THREADS" -c"$conns" -d"${DURATION}s" --timeout 10s "$@" >"$out.out" 2>&1; rc=$?; times >"$out.times"; exit $rc) \
    || { cat "$out.out" >&2; die "wrk failed in $alg $name"; }
  # the machine's reading first: the readings after it fork
  m1=$(machine_busy_ticks); w1=$(date +%s%N); c1=$(cpu_ticks "$PID"); p1=$(pg_ticks "$DIR")
  tt1=$(thread_ticks "$PID")
  if [[ -n $probe ]]; then wait "$probe" || true; fi
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  l=$(children_cpu_ms "$out.times")
  if [[ -n $probe ]]; then l=$((l + $(children_cpu_ms "$out.probe.times"))); fi
  local json gn gt gm e0 h0 gc0 j0 o0 e1 h1 gc1 j1 o1
  json=$(wrk_json "$out.out")
  read -r e0 h0 gc0 j0 o0 <<<"$tt0"
  read -r e1 h1 gc1 j1 o1 <<<"$tt1"
  read -r gn gt gm <<<"$(gc_stats "$GC_LOG" "$g0")"
  printf '{"kind":"scenario","alg":"%s","name":"%s","round":%d,"expect":%d,"threads":%d,"connections":%d,"duration_s":%d,"window_ms":%d,"server_cpu_ticks":%d,"pg_cpu_ticks":%d,"machine_busy_ticks":%d,"load_generator_cpu_ms":%d,"gc_pauses":%d,"gc_pause_total_ms":%s,"gc_pause_max_ms":%s,"rss_max_kib":%d,"server_threads_ticks":{"eventloop":%d,"argon2":%d,"gc":%d,"jit":%d,"other":%d},"wrk":%s}\n' \
    "$alg" "$name" "${ROUND:-1}" "$expect" "$THREADS" "$conns" "$DURATION" $(((w1 - w0) / 1000000)) $((c1 - c0)) $((p1 - p0)) $((m1 - m0)) \
    "$l" "$gn" "$gt" "$gm" "$(cat "$out.rss")" $((e1 - e0)) $((h1 - h0)) $((gc1 - gc0)) $((j1 - j0)) $((o1 - o0)) \
    "$json" >>"$RAW"
  LAST_RPS=$(rps_of "$json")
  log "$alg $name${ROUND:+ (round $ROUND)}: $LAST_RPS req/s"
  if [[ -n $probe ]]; then
    json=$(wrk_json "$out.probe")
    printf '{"kind":"scenario","alg":"%s","name":"%s_probe","expect":200,"threads":1,"connections":1,"duration_s":%d,"wrk":%s}\n' \
      "$alg" "$name" "$DURATION" "$json" >>"$RAW"
  fi
}

# --- per-server fixtures -----------------------------------------------------------------------
json_field() { "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

login_json() { # user password
  curl -sf "$AUTH/auth/login" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$2\"}" || die "login of $1 failed"
}

prepare() { # ALG: users, client, token sizes, token files in $DIR
  local alg=$1 admin n
  admin=$(login_json admin "$ADMIN_PASSWORD" | json_field access_token)
  for n in $(seq -f '%03g' 1 "$USERS"); do
    curl -sf -o /dev/null "$AUTH/admin/users" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
      -d "{\"username\":\"bench$n\",\"password\":\"$USER_PASSWORD\",\"roles\":[\"user\"]}" || die "creating bench$n failed"
  done
  SECRET=$(curl -sf "$AUTH/admin/clients" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    -d "{\"client_id\":\"$CLIENT_ID\",\"roles\":[\"service\"],\"scopes\":[\"api\"]}" | json_field client_secret) \
    || die "creating the client failed"
  BASIC=$(printf '%s:%s' "$CLIENT_ID" "$SECRET" | base64 -w0)
  curl -sf -o /dev/null "$AUTH/admin/clients" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    -d "{\"client_id\":\"$CODE_CLIENT_ID\",\"token_endpoint_auth_method\":\"none\",\"scope\":\"openid\",\"redirect_uris\":[\"$CODE_REDIRECT\"]}" \
    || die "creating the code-flow client failed"
  USER_TOKEN=$(login_json bench001 "$USER_PASSWORD" | json_field access_token)
  local client_token
  client_token=$(curl -sf -u "$CLIENT_ID:$SECRET" "$AUTH/oauth2/token" -d grant_type=client_credentials \
    | json_field access_token) || die "client_credentials failed"
  printf '{"kind":"token","alg":"%s","login_access_token_bytes":%d,"client_access_token_bytes":%d}\n' \
    "$alg" "${#USER_TOKEN}" "${#client_token}" >>"$RAW"
  log "$alg: issuing $TOKENS distinct access tokens (client_credentials)"
  "$PYTHON" "$TOOLS/tokens.py" client "${AUTH#http://}" "$CLIENT_ID" "$SECRET" "$TOKENS" "$DIR/tokens.txt"
  local per=$((CONNS_REFRESH / THREADS + 2))
  REFRESH_PER_THREAD=$per
  "$PYTHON" "$TOOLS/tokens.py" login "${AUTH#http://}" bench "$USERS" "$USER_PASSWORD" $((per * THREADS)) "$DIR/refresh-warmup.txt"
  "$PYTHON" "$TOOLS/tokens.py" login "${AUTH#http://}" bench "$USERS" "$USER_PASSWORD" $((per * THREADS)) "$DIR/refresh.txt"
}

# me_10k_cold ALG TARGET_RPS: runs the 10k-token script in 2 s chunks until the verified-token caches
# are warm (a chunk reaches 0.8 x the one-token rate and the rate has stopped rising) or COLD_CHUNKS
# chunks; recorded as the cold pass
me_10k_cold() {
  local alg=$1 target=$2 chunk=2 n rps prev=0 list="" t0 t1
  t0=$(date +%s%N)
  for n in $(seq 1 "$COLD_CHUNKS"); do
    wrk "$RES/api/me" -t"$THREADS" -c"$CONNS_GET" -d"${chunk}s" --timeout 10s -s "$LUA/me_many.lua" -- "$DIR/tokens.txt" \
      >"$WORK/${alg//\//-}-me-cold-$n.out" 2>&1 || true
    rps=$(rps_of "$(wrk_json "$WORK/${alg//\//-}-me-cold-$n.out")")
    list="$list${list:+,}$rps"
    # warm: at least 0.8 x the one-token rate, and no longer rising (within 15 % of the last chunk)
    if ((rps * 10 >= target * 8 && rps * 100 <= prev * 115)); then break; fi
    prev=$rps
  done
  t1=$(date +%s%N)
  printf '{"kind":"cold_pass","alg":"%s","name":"me_10k","chunk_s":%d,"chunks_rps":[%s],"wall_ms":%d}\n' \
    "$alg" "$chunk" "$list" $(((t1 - t0) / 1000000)) >>"$RAW"
  log "$alg me_10k cold pass: chunks at [$list] req/s"
}

# me_dpop ALG BEARER_RPS: GET /api/me with a DPoP-bound token and a fresh proof per request, right
# after the same with a Bearer token (the ratio of the two is the proof check's cost). A wrk script
# cannot sign, so DpopProofGen makes the proofs first (ES256, each jti used once), as many as the
# Bearer rate would use in the run plus 30 % (DPoP is slower), at most 250,000; the server takes
# proofs up to DPOP_PROOF_WINDOW=600 s old (start_server), and its replay cache holds them all.
me_dpop() {
  local alg=$1 bearer_rps=$2 secs n warm
  secs=$((DURATION < 10 ? DURATION : 10))
  n=$((bearer_rps * secs * 13 / 10 + 2000)); ((n > 250000)) && n=250000
  warm=$((bearer_rps * WARMUP * 13 / 10 + 1000)); ((warm > 200000)) && warm=200000
  log "$alg: making $warm + $n DPoP proofs"
  java -cp "$JAR" "$TOOLS/DpopProofGen.java" "$AUTH" "$RES" bench002 "$USER_PASSWORD" "$warm" "$THREADS" "$DIR/dpop-warmup" \
    || die "DPoP proof generation failed"
  java -cp "$JAR" "$TOOLS/DpopProofGen.java" "$AUTH" "$RES" bench003 "$USER_PASSWORD" "$n" "$THREADS" "$DIR/dpop" \
    || die "DPoP proof generation failed"
  SKIP_WARMUP=1 DURATION=$WARMUP measure "$alg" dpop_warmup 200 "$CONNS_GET" "$RES/api/me" -s "$LUA/me_dpop.lua" -- "$DIR/dpop-warmup"
  SKIP_WARMUP=1 DURATION=$secs measure "$alg" me_bearer_pair 200 "$CONNS_GET" "$RES/api/me" \
    -H "Authorization: Bearer $USER_TOKEN" -s "$LUA/static.lua"
  SKIP_WARMUP=1 DURATION=$secs measure "$alg" me_dpop 200 "$CONNS_GET" "$RES/api/me" -s "$LUA/me_dpop.lua" -- "$DIR/dpop"
  rm -f "$DIR"/dpop*.txt
}

# code_flow ALG: the code flow as a browser and a public client run it, one flow = GET /oauth2/authorize
# (prompt=login, no cookie), the sign-in form's post (one argon2id hash), the 303's code, POST
# /oauth2/token with the PKCE verifier. wrk cannot follow a redirect or carry hidden fields, so
# bench/tools/CodeFlowBench.java runs CONNS_LOGIN flows at a time with the JDK's HttpClient: a warm-up
# run, then the measured one with the server's and PostgreSQL's CPU. Run right after the login
# scenario: the report gives flows/s ÷ logins/s of the same server.
code_flow() {
  local alg=$1 out="$WORK/$1-code_flow" c0 p0 c1 p1 tt0 tt1 e0 h0 gc0 j0 o0 e1 h1 gc1 j1 o1 json
  java -cp "$JAR" "$TOOLS/CodeFlowBench.java" "$AUTH" "$CODE_CLIENT_ID" "$CODE_REDIRECT" bench "$USERS" "$USER_PASSWORD" \
    "$CONNS_LOGIN" "$WARMUP" >"$out.warmup" 2>&1 || { cat "$out.warmup" >&2; die "code-flow warm-up failed"; }
  tt0=$(thread_ticks "$PID"); c0=$(cpu_ticks "$PID"); p0=$(pg_ticks "$DIR")
  java -cp "$JAR" "$TOOLS/CodeFlowBench.java" "$AUTH" "$CODE_CLIENT_ID" "$CODE_REDIRECT" bench "$USERS" "$USER_PASSWORD" \
    "$CONNS_LOGIN" "$DURATION" >"$out.out" 2>"$out.err" || { cat "$out.out" "$out.err" >&2; die "code-flow scenario failed"; }
  c1=$(cpu_ticks "$PID"); p1=$(pg_ticks "$DIR"); tt1=$(thread_ticks "$PID")
  json=$(tail -1 "$out.out")
  read -r e0 h0 gc0 j0 o0 <<<"$tt0"
  read -r e1 h1 gc1 j1 o1 <<<"$tt1"
  printf '{"kind":"flow","alg":"%s","name":"code_flow","connections":%d,"duration_s":%d,"server_cpu_ticks":%d,"pg_cpu_ticks":%d,"server_threads_ticks":{"eventloop":%d,"argon2":%d,"gc":%d,"jit":%d,"other":%d},"result":%s}\n' \
    "$alg" "$CONNS_LOGIN" "$DURATION" $((c1 - c0)) $((p1 - p0)) $((e1 - e0)) $((h1 - h0)) $((gc1 - gc0)) $((j1 - j0)) $((o1 - o0)) \
    "$json" >>"$RAW"
  log "$alg code_flow: $("$PYTHON" -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["flows_per_s"], "flows/s,", d["failed"], "failed")' "$json")"
}

# --- run ---------------------------------------------------------------------------------------
cd "$ROOT"
if [[ $BUILD -eq 1 ]]; then
  log "building the jar"
  mvn -B -q package -DskipTests
fi
JAR="$ROOT/target/jwt-auth-server.jar"
[[ -f $JAR ]] || die "$JAR is missing (run without --no-build)"

read -r LOAD1 LOAD5 _ </proc/loadavg
B0=$(machine_busy_ticks); sleep 2; B1=$(machine_busy_ticks)
BUSY_BEFORE=$(((B1 - B0) * 100 / (2 * CORES * CLK_TCK)))
log "mode $MODE: ${DURATION} s per scenario after ${WARMUP} s of warm-up; algorithms $ALGS; load average $LOAD1, machine ${BUSY_BEFORE}% busy before start"
log "measuring single-thread ceilings (sign/verify per algorithm and provider, argon2id)"
case $MODE in long) CEIL_S=4 ;; smoke) CEIL_S=1 ;; *) CEIL_S=2 ;; esac
java -cp "$JAR" "$TOOLS/Ceilings.java" "$CEIL_S" "$ARGON2_M" "$ARGON2_T" "$ARGON2_P" $ALGS >"$WORK/ceilings.json" \
  || die "ceiling measurement failed"

FIRST_ALG=${ALGS%% *}
for ALG in $ALGS; do
  DIR="$WORK/${ALG//\//-}"
  start_server first-start "$ALG" "$DIR"
  prepare "$ALG"
  # JIT warm-up of the hot paths before anything is measured
  SKIP_WARMUP=1 DURATION=$JIT_WARMUP measure "$ALG" jit_warmup_ping 200 "$CONNS_GET" "$RES/public/ping" -s "$LUA/static.lua"
  SKIP_WARMUP=1 DURATION=$(((JIT_WARMUP + 1) / 2)) measure "$ALG" jit_warmup_me 200 "$CONNS_GET" "$RES/api/me" \
    -H "Authorization: Bearer $USER_TOKEN" -s "$LUA/static.lua"
  ME_REF=$LAST_RPS
  SKIP_WARMUP=1 DURATION=$((JIT_WARMUP * 2)) measure "$ALG" jit_warmup_issue 200 "$CONNS_GET" "$AUTH/oauth2/token" \
    -H "Authorization: Basic $BASIC" -H 'Content-Type: application/x-www-form-urlencoded' \
    -s "$LUA/static.lua" -- POST grant_type=client_credentials
  # every token verified once per resource verticle instance before the 10k-token rounds
  me_10k_cold "$ALG" "$ME_REF"
  # open route, /api/me (and JWKS) interleaved, so that drift and noise hit them alike
  for ROUND in $(seq 1 "$ROUNDS"); do
    export ROUND
    if [[ $ROUND -gt 1 ]]; then export SKIP_WARMUP=1; fi
    measure "$ALG" open_route 200 "$CONNS_GET" "$RES/public/ping" -s "$LUA/static.lua"
    measure "$ALG" me_1_token 200 "$CONNS_GET" "$RES/api/me" -H "Authorization: Bearer $USER_TOKEN" -s "$LUA/static.lua"
    ME1_RPS=$LAST_RPS
    measure "$ALG" me_10k_tokens 200 "$CONNS_GET" "$RES/api/me" -s "$LUA/me_many.lua" -- "$DIR/tokens.txt"
    # the same two loads sent to the open route: the very requests (the token's header, 10k distinct
    # ones), answered with no validation at all: what /api/me would reach here if checking the token
    # cost nothing (the report's "best here" of target 1)
    measure "$ALG" open_same_1 200 "$CONNS_GET" "$RES/public/ping" -H "Authorization: Bearer $USER_TOKEN" -s "$LUA/static.lua"
    measure "$ALG" open_same_10k 200 "$CONNS_GET" "$RES/public/ping" -s "$LUA/me_many.lua" -- "$DIR/tokens.txt"
    if [[ $ALG == "$FIRST_ALG" ]]; then
      measure "$ALG" jwks 200 "$CONNS_GET" "$AUTH/.well-known/jwks.json" -s "$LUA/static.lua"
      ETAG=$(curl -sf -D - -o /dev/null "$AUTH/.well-known/jwks.json" | tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: //p')
      measure "$ALG" jwks_304 304 "$CONNS_GET" "$AUTH/.well-known/jwks.json" -H "If-None-Match: $ETAG" -s "$LUA/static.lua"
    fi
  done
  unset ROUND SKIP_WARMUP
  me_dpop "$ALG" "$ME1_RPS"
  measure "$ALG" client_credentials 200 "$CONNS_GET" "$AUTH/oauth2/token" \
    -H "Authorization: Basic $BASIC" -H 'Content-Type: application/x-www-form-urlencoded' \
    -s "$LUA/static.lua" -- POST grant_type=client_credentials
  # the warm-up run (as long as the JIT warm-up: the rotation path needs it) consumes its own
  # chains, the measured run starts from fresh logins
  SKIP_WARMUP=1 DURATION=$JIT_WARMUP measure "$ALG" refresh_warmup 200 "$CONNS_REFRESH" "$AUTH/auth/refresh" \
    -s "$LUA/refresh.lua" -- "$DIR/refresh-warmup.txt" "$REFRESH_PER_THREAD"
  SKIP_WARMUP=1 measure "$ALG" refresh 200 "$CONNS_REFRESH" "$AUTH/auth/refresh" \
    -s "$LUA/refresh.lua" -- "$DIR/refresh.txt" "$REFRESH_PER_THREAD"
  if [[ $ALG == "$FIRST_ALG" ]]; then
    measure "$ALG" introspect 200 "$CONNS_GET" "$AUTH/oauth2/introspect" \
      -H "Authorization: Basic $BASIC" -H 'Content-Type: application/x-www-form-urlencoded' \
      -s "$LUA/static.lua" -- POST "token=$USER_TOKEN"
    # the low-rate probe alone first: its latency on an otherwise idle server
    THREADS=1 measure "$ALG" probe_idle 200 1 "$RES/public/ping" -s "$LUA/probe.lua"
    # as long a warm-up as refresh's: at some 70 logins/s, 2 s leave the JIT compiling the login
    # path through the measured run
    SKIP_WARMUP=1 DURATION=$JIT_WARMUP measure "$ALG" login_warmup 200 "$CONNS_LOGIN" "$AUTH/auth/login" \
      -s "$LUA/login.lua" -- bench "$USERS" "$USER_PASSWORD"
    SKIP_WARMUP=1 PROBE_URL="$RES/public/ping" measure "$ALG" login 200 "$CONNS_LOGIN" "$AUTH/auth/login" \
      -s "$LUA/login.lua" -- bench "$USERS" "$USER_PASSWORD"
    code_flow "$ALG"
  fi
  measure "$ALG" open_route_end 200 "$CONNS_GET" "$RES/public/ping" -s "$LUA/static.lua"
  stop_server "$PID" "$DIR" first-start "$ALG"

  if [[ $ALG == "$FIRST_ALG" ]]; then
    # start-up: the same data directory again (no initdb), then a second server on that
    # server's PostgreSQL as an external one (PG_URI)
    await_quiet
    start_server restart "$ALG" "$DIR"
    EMB_PID=$PID
    PG_PORT=$(grep -o 'Embedded PostgreSQL listening on 127.0.0.1:[0-9]*' "$DIR/server-restart.log" | tail -1 | grep -o '[0-9]*$')
    # it shares the keys directory, as scale-out processes do (no key generation at start)
    PG_PASSWORD=$(cat "$DIR/data/pg-credentials/jwtauth.password")
    await_quiet
    start_server external-pg "$ALG" "$WORK/${ALG//\//-}-external" PG_URI="postgresql://jwtauth:$PG_PASSWORD@127.0.0.1:$PG_PORT/jwtauth" \
      KEYS_DIR="$DIR/keys"
    stop_server "$PID" "$WORK/${ALG//\//-}-external" external-pg "$ALG"
    stop_server "$EMB_PID" "$DIR" restart "$ALG"
  fi
done

# --- report ------------------------------------------------------------------------------------
mkdir -p "$RESULTS"
GIT_COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
JAVA_VERSION=$(java -version 2>&1 | head -1)
read -r LOAD1_END _ </proc/loadavg
"$PYTHON" "$TOOLS/report.py" --raw "$RAW" --ceilings "$WORK/ceilings.json" \
  --md "$RESULTS/$STAMP.md" --json "$RESULTS/$STAMP.json" \
  --meta "mode=$MODE" "duration_s=$DURATION" "warmup_s=$WARMUP" "cores=$CORES" "clk_tck=$CLK_TCK" \
  "threads=$THREADS" "git_commit=$GIT_COMMIT" "java=$JAVA_VERSION" "server_java_opts=$JAVA_OPTS_SERVER" \
  "load_average_start=$LOAD1" "machine_busy_before_pct=$BUSY_BEFORE" "load_average_end=$LOAD1_END" "tokens=$TOKENS" "stamp=$STAMP" \
  "wrk=$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
log "report: ${RESULTS#"$ROOT"/}/$STAMP.md and .json"

BLOCKED=$(cat "$WORK"/server-*.log | grep -c 'has been blocked for' || true)
if [[ $BLOCKED -gt 0 ]]; then
  KEEP_WORK=1
  grep -h 'has been blocked for' "$WORK"/server-*.log | head -5 >&2
  die "$BLOCKED Vert.x blocked-thread warning(s) in the server logs"
fi
log "no blocked-thread warnings"
