#!/usr/bin/env bash
# Starts or stops a single-node Elasticsearch on 127.0.0.1 for tests and development.
#   scripts/engines/elasticsearch.sh start [--port N] [--dir DIR]   prints its URL when it answers
#   scripts/engines/elasticsearch.sh stop [--dir DIR]
# DIR (default .engines/run/elasticsearch) holds its config, data, logs and pid. A free port is
# picked when none is given. Heap: ES_HEAP (default 512m). Run fetch.sh first.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/versions.sh"
command="${1:-}"; shift || true
port=""; dir="$ENGINES_DIR/run/elasticsearch"
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
# Elasticsearch refuses to run as root: as root, run it as a system user made for the purpose.
ENGINE_USER="logflow-engine"

stop() {
  [ -f "$dir/pid" ] || { echo "elasticsearch: not running (no $dir/pid)"; return 0; }
  local pid; pid="$(cat "$dir/pid")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$dir/pid"
  echo "elasticsearch: stopped"
}

start() {
  [ -x "$ES_HOME/bin/elasticsearch" ] || { echo "elasticsearch $ES_VERSION is not fetched: run scripts/engines/fetch.sh elasticsearch" >&2; exit 1; }
  if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    echo "elasticsearch: already running, pid $(cat "$dir/pid")" >&2; exit 1
  fi
  port="${port:-$(free_port)}"
  mkdir -p "$dir"
  # Where Elasticsearch keeps its files: DIR, unless (as root) the engine user cannot reach it,
  # e.g. a checkout under a private folder; then a folder of its own under /var/tmp.
  local work="$dir" run=() home="$ES_HOME"
  if [ "$(id -u)" = 0 ]; then
    id "$ENGINE_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$ENGINE_USER"
    run=(runuser -u "$ENGINE_USER" --)
    local shared="/var/tmp/logflow-engines"
    if ! "${run[@]}" test -x "$home/bin/elasticsearch"; then
      mkdir -p "$shared" && chmod 755 "$shared"
      home="$shared/elasticsearch-$ES_VERSION"
      [ -x "$home/bin/elasticsearch" ] || { rm -rf "$home.partial" && cp -r "$ES_HOME" "$home.partial" && mv "$home.partial" "$home"; }
    fi
    chown -R "$ENGINE_USER" "$dir"
    if ! "${run[@]}" test -w "$dir"; then
      mkdir -p "$shared" && chmod 755 "$shared"
      work="$shared/run-$(printf '%s' "$dir" | md5sum | cut -c1-12)"
      mkdir -p "$work"
    fi
  fi
  mkdir -p "$work/data" "$work/logs" "$work/tmp"
  rm -rf "$work/config" && cp -r "$home/config" "$work/config"
  cat > "$work/config/elasticsearch.yml" <<YML
cluster.name: logflow-test
node.name: logflow-test-node
discovery.type: single-node
network.host: 127.0.0.1
http.port: $port
transport.port: 0
path.data: $work/data
path.logs: $work/logs
# Loopback only, for tests: no TLS or users. The test disk may be fuller than a server's.
xpack.security.enabled: false
cluster.routing.allocation.disk.threshold_enabled: false
action.destructive_requires_name: false
YML
  echo "-Xms${ES_HEAP:-512m}" > "$work/config/jvm.options.d/heap.options"
  echo "-Xmx${ES_HEAP:-512m}" >> "$work/config/jvm.options.d/heap.options"
  [ "$(id -u)" = 0 ] && chown -R "$ENGINE_USER" "$work"
  rm -f "$dir/pid" "$work/pid"
  ES_PATH_CONF="$work/config" ES_JAVA_HOME="$ES_JAVA_HOME" ES_TMPDIR="$work/tmp" \
    "${run[@]}" "$home/bin/elasticsearch" -d -p "$work/pid" > "$dir/start.out" 2>&1 || {
      echo "elasticsearch: failed to start:" >&2; cat "$dir/start.out" >&2; tail -n 30 "$work/logs/"*.log >&2 2>/dev/null || true; exit 1; }
  [ "$work" = "$dir" ] || cp "$work/pid" "$dir/pid"
  local url="http://127.0.0.1:$port"
  for _ in $(seq 1 240); do
    if curl -fsS "$url/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1; then echo "$url"; return 0; fi
    sleep 0.5
  done
  echo "elasticsearch: no answer at $url after 120 s" >&2
  tail -n 40 "$work/logs/logflow-test.log" >&2 2>/dev/null || true
  stop >&2; exit 1
}

case "$command" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop [--port N] [--dir DIR]" >&2; exit 2 ;;
esac
