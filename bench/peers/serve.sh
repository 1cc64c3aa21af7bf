#!/usr/bin/env bash
# Start one Simpul server for the peers' benchmark (adapted copy of the peers' peers/simpul/serve.sh; see
# bench/peers/README.md), sign in as two demo accounts and write two servers.conf lines:
#
#   bench/peers/serve.sh NAME PORT           start NAME on :PORT, then write the lines NAME and NAME-staff
#   bench/peers/serve.sh tokens NAME PORT    only sign in again and rewrite the lines (tokens live 8 h)
#
# Env: SIMPUL_REPO (checkout with .venv, required), PEERS_DIR (the writable copy of the peers; pids go to
#      $PEERS_DIR/run/NAME.pid so its stop.sh stops them too, log in run/NAME.log), SIMPUL_DB (simpul_peer),
#      CONF (file the lines go to, default $PEERS_DIR/run/bench-peers.conf), QUERIES (query folder of the
#      lines, default queries/simpul of the peers), REDIS_URL (redis://127.0.0.1:6379/0),
#      GRAPHQL_COMPILE (passed to the server only when set: on / off / verify).
#
# What changed from the peers' copy: the app is server.asgi:app (core.asgi:app only for checkouts that
# predate server/); any name and port; the server's environment is only what is listed below (env -i),
# so nothing of the caller's shell (make exports PLATFORM_ENV=development) reaches it.
set -euo pipefail
MODE=start; if [ "${1:-}" = tokens ]; then MODE=tokens; shift; fi
NAME=${1:?usage: serve.sh [tokens] NAME PORT}; PORT=${2:?usage: serve.sh [tokens] NAME PORT}
REPO=${SIMPUL_REPO:?set SIMPUL_REPO to a Simpul checkout with its .venv}
PEERS=${PEERS_DIR:?set PEERS_DIR to the writable copy of the peers}
DB=${SIMPUL_DB:-simpul_peer}
CONF=${CONF:-$PEERS/run/bench-peers.conf}
QUERIES=${QUERIES:-queries/simpul}
URL="http://127.0.0.1:$PORT/graphql"
cd "$PEERS"; mkdir -p run

start() {
  local pidf="run/$NAME.pid"
  if [ -f "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; then
    echo "$NAME already running (pid $(cat "$pidf")): stop it first ($PEERS/stop.sh)" >&2; exit 1; fi
  if ss -ltnH "sport = :$PORT" | grep -q .; then echo "port $PORT busy, not starting $NAME" >&2; exit 1; fi
  [ -x "$REPO/.venv/bin/uvicorn" ] || { echo "no uvicorn in $REPO/.venv" >&2; exit 1; }
  "$REPO/.venv/bin/python" -c 'import uvloop, httptools' 2>/dev/null ||
    { echo "uvloop/httptools missing in $REPO/.venv (pip install uvloop httptools)" >&2; exit 1; }
  local app=server.asgi:app; [ -f "$REPO/server/asgi.py" ] || app=core.asgi:app
  local compile=(); [ -n "${GRAPHQL_COMPILE:-}" ] && compile=(GRAPHQL_COMPILE="$GRAPHQL_COMPILE")
  ( cd "$REPO" && exec env -i PATH="$PATH" HOME="$HOME" LANG=C.UTF-8 \
      PLATFORM_ENV=production SECRET_KEY="${SECRET_KEY:-peers-bench-secret-2f6c1e0b9a7d4c83b5e1}" \
      DATABASE_URL="postgres://peer:peer@127.0.0.1:5432/$DB" REDIS_URL="${REDIS_URL-redis://127.0.0.1:6379/0}" \
      WORKERS=1 "${compile[@]}" \
      .venv/bin/uvicorn "$app" --host 127.0.0.1 --port "$PORT" --workers 1 \
      --no-access-log --log-level warning --loop uvloop --http httptools ) > "run/$NAME.log" 2>&1 &
  echo $! > "$pidf"
  echo "started $NAME pid $! on :$PORT ($app, db $DB${GRAPHQL_COMPILE:+, GRAPHQL_COMPILE=$GRAPHQL_COMPILE}, $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?'))"
  for i in $(seq 120); do
    if curl -sf -m 2 -H 'Content-Type: application/json' -d '{"query":"{ __typename }"}' "$URL" | grep -q '"__typename"'; then
      echo "$NAME ready on :$PORT"; return; fi
    kill -0 "$(cat "$pidf")" 2>/dev/null || break
    sleep 0.5
  done
  echo "$NAME NOT ready (see $PEERS/run/$NAME.log):" >&2; tail -20 "run/$NAME.log" >&2; exit 1
}

token() {  # username -> token (Simpul's login mutation)
  local out
  out=$(curl -s -m 20 -H 'Content-Type: application/json' \
    -d "{\"query\":\"mutation { login(username: \\\"$1\\\", password: \\\"demo-password\\\") { token } }\"}" "$URL")
  python3 -c 'import json,sys; print(json.loads(sys.argv[1])["data"]["login"]["token"])' "$out" 2>/dev/null ||
    { echo "sign-in of $1 on $URL failed: $out" >&2; exit 1; }
}

set_line() {  # name token -> (re)write that line of $CONF
  local line="$1 | $URL | Authorization: Bearer $2 | $QUERIES"
  touch "$CONF"
  python3 - "$CONF" "$1" "$line" <<'PY'
import re, sys
conf, name, line = sys.argv[1:]
lines = open(conf).read().splitlines()
pattern = re.compile(rf"^{re.escape(name)} *\|")
if any(pattern.match(l) for l in lines):
    lines = [line if pattern.match(l) else l for l in lines]
else:
    lines.append(line)
open(conf, "w").write("\n".join(lines) + "\n")
PY
}

[ $MODE = tokens ] || start
admin=$(token kominfo); staff=$(token staff.karawang)
set_line "$NAME" "$admin"; set_line "$NAME-staff" "$staff"
grep -E "^$NAME(-staff)? *\|" "$CONF" | sed -E 's/(Bearer [^.]{6})[^ |]*/\1.../'
