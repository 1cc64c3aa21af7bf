#!/usr/bin/env bash
# `make bench-peers`: Simpul beside the GraphQL peers (PostGraphile, strawberry-django, the hand-written floor)
# on the peers' PostgreSQL data, in one run, and one combined table. See bench/peers/README.md.
#
#  1. copy the read-only peers folder ($PEERS_SRC) to a writable place ($PEERS_DIR) and run its setup.sh;
#  2. clone this repository at $CURRENT (default HEAD) and at $BASELINE (default 7b29098; BASELINE=none skips it)
#     into $PEERS_DIR/checkouts/, each with its own venv (python3.11 -m venv, pip install -e .);
#  3. load the peers' rows into simpul_peer (current checkout's migrations) and simpul_peer_baseline
#     (the baseline's own migrations) with bench/peers/load.sh: the fingerprints must match peer_data;
#  4. start the peers (their serve.sh) and Simpul three times (bench/peers/serve.sh): simpul on :5105
#     (GRAPHQL_COMPILE=on), simpul-interp on :5106 (GRAPHQL_COMPILE=off), simpul-baseline on :5107,
#     each signed in as kominfo and as staff.karawang (the -staff lines);
#  5. the full matrix with the peers' bench.sh (RUNS=2), then Simpul's SQL counts per database
#     (bench.sh counts SQL for one database per run), then bench/peers/merge.py prints one table;
#  6. stop every server it started (the pids in $PEERS_DIR/run/), also on failure or Ctrl-C.
#
# Knobs (env): RUNS=2 DURATION=10s WARMUP=3s THREADS=1 CONNS=16 SQL_REQS=100 ONLY_QUERIES="Q1 Q4"
#   ONLY_SERVERS="floor simpul" (the matrix and SQL runs; every server is still started)
#   CURRENT=<git ref> (HEAD) | CURRENT=worktree (this working tree and its .venv, uncommitted edits included)
#   BASELINE=<git ref> (7b29098) | BASELINE=none
#   PEERS_SRC=/work/shared/peers PEERS_DIR=/tmp/simpul-peers PYTHON=python3.11
#   REDIS_DB=12 REDIS_DB_BASELINE=13 (Redis databases of the current and baseline servers)
#   SQL_DURATION=0s (wrk in the SQL-count runs: 0s = not run, their req/s are not used) KEEP_SERVERS=1 (leave them up)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
SRC_REPO="$(git -C "$HERE" rev-parse --show-toplevel)"
PEERS_SRC=${PEERS_SRC:-/work/shared/peers}
WORK=${PEERS_DIR:-/tmp/simpul-peers}
PYTHON=${PYTHON:-python3.11}
CURRENT=${CURRENT:-HEAD}
BASELINE=${BASELINE-7b29098}; case "$BASELINE" in ""|none|off|no) BASELINE=;; esac
RUNS=${RUNS:-2}
# The SQL-count runs need no load: wrk refuses a 0s duration and sends nothing, so no cell's wrk backlog (up to
# CONNS requests still running after wrk stops) spills into the next cell's count on the same database.
SQL_DURATION=${SQL_DURATION:-0s}
DB_CURRENT=simpul_peer; DB_BASELINE=simpul_peer_baseline
# Redis databases of their own: a test suite on the same Redis (db 0) bumps the policy revision many times a
# second, and every bump makes a server reload its policy from PostgreSQL on its next request.
REDIS_CURRENT=redis://127.0.0.1:6379/${REDIS_DB:-12}; REDIS_BASELINE=redis://127.0.0.1:6379/${REDIS_DB_BASELINE:-13}
began=$(date +%s)
say() { printf '\n== %s (%ds)\n' "$*" $(( $(date +%s) - began )); }

[ -d "$PEERS_SRC" ] || { echo "no peers folder at $PEERS_SRC (set PEERS_SRC)" >&2; exit 1; }
command -v "$PYTHON" >/dev/null || { echo "$PYTHON not found (set PYTHON)" >&2; exit 1; }
if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  echo "Redis is not listening on 127.0.0.1:6379; start it, e.g.:" >&2
  echo "  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no" >&2; exit 1
fi

say "1. peers: copy $PEERS_SRC -> $WORK, setup.sh"
mkdir -p "$WORK"
[ -x "$WORK/stop.sh" ] && (cd "$WORK" && ./stop.sh >/dev/null)   # servers left over by an interrupted run here
cp -r "$PEERS_SRC/." "$WORK/"; chmod -R u+w "$WORK"
cd "$WORK"
stop_all() {
  if [ "${KEEP_SERVERS:-0}" = 1 ]; then echo "KEEP_SERVERS=1: servers left running; stop them with $WORK/stop.sh"
  else (cd "$WORK" && ./stop.sh) || true; fi
}
trap stop_all EXIT
for port in 5101 5102 5103 5104 5105 5106 5107; do
  if ss -ltnH "sport = :$port" | grep -q .; then
    echo "port $port is taken by a process this harness did not start (another peers copy?): stop it first" >&2; exit 1; fi
done
./setup.sh 2>&1 | grep -v '^WARNING: Location' | tail -3

checkout() {  # name ref -> prints the checkout directory (a clone of this repository at ref, with its venv)
  local name=$1 ref=$2 sha dir stamp
  if [ "$ref" = worktree ]; then
    "$SRC_REPO/.venv/bin/python" -c 'import uvloop, httptools' 2>/dev/null ||
      { echo "CURRENT=worktree needs $SRC_REPO/.venv with uvloop and httptools (make install)" >&2; return 1; }
    echo "$SRC_REPO"; return
  fi
  sha=$(git -C "$SRC_REPO" rev-parse --verify "$ref^{commit}") || { echo "no commit $ref in $SRC_REPO" >&2; return 1; }
  dir="$WORK/checkouts/$name"
  [ -d "$dir/.git" ] || git clone -q --no-checkout "$SRC_REPO" "$dir" >&2
  git -C "$dir" cat-file -e "$sha^{commit}" 2>/dev/null || git -C "$dir" fetch -q "$SRC_REPO" "$sha" >&2
  git -C "$dir" checkout -q --force --detach "$sha" >&2
  git -C "$dir" clean -qfd >&2     # untracked files of another commit (the venv and *.egg-info are ignored files: kept)
  stamp="$(sha256sum "$dir/pyproject.toml" | cut -c1-16) $PYTHON"
  if [ "$(cat "$dir/.venv/.bench-peers" 2>/dev/null)" != "$stamp" ]; then
    echo "   $name: new venv for $(git -C "$dir" rev-parse --short HEAD) (pip install -e .)" >&2
    rm -rf "$dir/.venv"
    "$PYTHON" -m venv "$dir/.venv" >&2
    "$dir/.venv/bin/python" -m pip install -q --upgrade pip 2>&1 | grep -v '^WARNING: Location' >&2 || true
    "$dir/.venv/bin/python" -m pip install -q -e "$dir" 2>&1 | grep -v '^WARNING: Location' >&2 || true
    "$dir/.venv/bin/python" -c 'import uvicorn' || { echo "pip install -e $dir failed" >&2; return 1; }
    echo "$stamp" > "$dir/.venv/.bench-peers"
  fi
  # The peers' uvicorn flags need uvloop and httptools (uvicorn[standard] brings them): only in this bench venv.
  "$dir/.venv/bin/python" -c 'import uvloop, httptools' 2>/dev/null ||
    "$dir/.venv/bin/python" -m pip install -q uvloop httptools 2>&1 | grep -v '^WARNING: Location' >&2 || true
  echo "$dir"
}
describe() { git -C "$1" log -1 --format='%h %cs %s' | awk '{ print (length($0) > 90 ? substr($0, 1, 87) "..." : $0) }'; }

say "2. Simpul checkouts"
CUR_DIR=$(checkout current "$CURRENT"); echo "current ($CURRENT): $(describe "$CUR_DIR")$([ "$CURRENT" = worktree ] && echo ' + uncommitted edits')"
BASE_DIR=
if [ -n "$BASELINE" ]; then BASE_DIR=$(checkout baseline "$BASELINE"); echo "baseline ($BASELINE): $(describe "$BASE_DIR")"; fi

say "3. load peer_data into $DB_CURRENT${BASE_DIR:+ and $DB_BASELINE}"
SIMPUL_REPO="$CUR_DIR" SIMPUL_DB=$DB_CURRENT FORCE_DROP=1 "$HERE/load.sh" 2>&1 | grep -v '^NOTICE:'
if [ -n "$BASE_DIR" ]; then
  SIMPUL_REPO="$BASE_DIR" SIMPUL_DB=$DB_BASELINE FORCE_DROP=1 "$HERE/load.sh" 2>&1 | grep -v '^NOTICE:'
fi

say "4. servers"
CONF="$WORK/run/bench-peers.conf"; mkdir -p run
{ echo "# written by $HERE/run.sh: the peers of servers.conf, then Simpul's lines (bench/peers/serve.sh)"
  grep -vE '^\s*(#|$)' servers.conf | grep -vE '^simpul' ; } > "$CONF"
./serve.sh
export PEERS_DIR="$WORK" CONF
SIMPUL_REPO="$CUR_DIR" SIMPUL_DB=$DB_CURRENT REDIS_URL=$REDIS_CURRENT GRAPHQL_COMPILE=on  "$HERE/serve.sh" simpul 5105
SIMPUL_REPO="$CUR_DIR" SIMPUL_DB=$DB_CURRENT REDIS_URL=$REDIS_CURRENT GRAPHQL_COMPILE=off "$HERE/serve.sh" simpul-interp 5106
if [ -n "$BASE_DIR" ]; then   # its own database and Redis db: it shares nothing with the current checkout
  SIMPUL_REPO="$BASE_DIR" SIMPUL_DB=$DB_BASELINE REDIS_URL=$REDIS_BASELINE "$HERE/serve.sh" simpul-baseline 5107
fi

only() {  # servers of $1 that ONLY_SERVERS (if set) keeps
  local s out=
  for s in $1; do { [ -z "${ONLY_SERVERS:-}" ] || [[ " $ONLY_SERVERS " == *" $s "* ]]; } && out="$out $s"; done
  echo "${out# }"
}
bench() {  # label env... -> runs bench.sh on $CONF, sets LAST to its results/<ts>/table.md
  local label=$1 log; shift
  say "$label"
  log=$(mktemp)
  env "$@" ./bench.sh "$CONF" | tee "$log"
  LAST=$(sed -nE 's/^- raw files: (results\/[^ ]+)\/$/\1/p' "$log" | tail -1)/table.md; rm -f "$log"
  [ -f "$LAST" ] || { echo "bench.sh wrote no table" >&2; exit 1; }
}
bench "5a. the matrix: every server x every query, RUNS=$RUNS" RUNS="$RUNS" DB=peer_data DB_ROLE=peer
MAIN=$LAST; SQLS=()
servers=$(only "simpul simpul-staff simpul-interp simpul-interp-staff")
if [ -n "$servers" ]; then
  bench "5b. SQL per request on $DB_CURRENT ($servers)" RUNS=1 DURATION="$SQL_DURATION" WARMUP="$SQL_DURATION" \
    DB=$DB_CURRENT DB_ROLE=peer ONLY_SERVERS="$servers"
  SQLS+=("$LAST")
fi
servers=$(only "simpul-baseline simpul-baseline-staff")
if [ -n "$BASE_DIR" ] && [ -n "$servers" ]; then
  bench "5c. SQL per request on $DB_BASELINE ($servers)" RUNS=1 DURATION="$SQL_DURATION" WARMUP="$SQL_DURATION" \
    DB=$DB_BASELINE DB_ROLE=peer ONLY_SERVERS="$servers"
  SQLS+=("$LAST")
fi

say "6. combined table"
took=$(( $(date +%s) - began ))
OUT="results/bench-peers-$(date -u +%Y%m%d-%H%M%S).md"
python3 "$HERE/merge.py" "$MAIN" "${SQLS[@]}" \
  --title "Simpul beside the GraphQL peers, $(date -u '+%Y-%m-%d %H:%M') UTC" \
  --note "simpul / simpul-staff: $(describe "$CUR_DIR")$([ "$CURRENT" = worktree ] && echo ' + uncommitted edits'), GRAPHQL_COMPILE=on, :5105; simpul-interp(-staff): the same checkout, GRAPHQL_COMPILE=off, :5106" \
  ${BASE_DIR:+--note "simpul-baseline / simpul-baseline-staff: $(describe "$BASE_DIR"), :5107, own database $DB_BASELINE"} \
  --note "simpul* = signed in as kominfo (every regency: same rows as the peers); *-staff = staff.karawang (32.15: Q1 and Q3 differ by design)" \
  --note "$(nproc) cores shared by wrk, the servers and PostgreSQL; wrk -t${THREADS:-1} -c${CONNS:-16} -d${DURATION:-10s} after a ${WARMUP:-3s} warm-up, RUNS=$RUNS; SQL over ${SQL_REQS:-100} sequential requests (Simpul's: a separate run per database)" \
  --note "raw: $WORK/$(dirname "$MAIN")$(for t in "${SQLS[@]}"; do printf ', %s' "$WORK/$(dirname "$t")"; done); the harness took $((took / 60)) min $((took % 60)) s" \
  | tee "$OUT"
echo
echo "saved: $WORK/$OUT"
