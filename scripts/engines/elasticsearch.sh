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
  mkdir -p "$dir/data" "$dir/logs" "$dir/tmp"
  rm -rf "$dir/config" && cp -r "$ES_HOME/config" "$dir/config"
  cat > "$dir/config/elasticsearch.yml" <<YML
cluster.name: logflow-test
node.name: logflow-test-node
discovery.type: single-node
network.host: 127.0.0.1
http.port: $port
transport.port: 0
path.data: $dir/data
path.logs: $dir/logs
# Loopback only, for tests: no TLS or users. The test disk may be fuller than a server's.
xpack.security.enabled: false
cluster.routing.allocation.disk.threshold_enabled: false
action.destructive_requires_name: false
YML
  echo "-Xms${ES_HEAP:-512m}" > "$dir/config/jvm.options.d/heap.options"
  echo "-Xmx${ES_HEAP:-512m}" >> "$dir/config/jvm.options.d/heap.options"
  local run=()
  if [ "$(id -u)" = 0 ]; then
    id "$ENGINE_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$ENGINE_USER"
    chown -R "$ENGINE_USER" "$dir"
    run=(runuser -u "$ENGINE_USER" --)
  fi
  rm -f "$dir/pid"
  ES_PATH_CONF="$dir/config" ES_JAVA_HOME="$ES_JAVA_HOME" ES_TMPDIR="$dir/tmp" \
    "${run[@]}" "$ES_HOME/bin/elasticsearch" -d -p "$dir/pid" > "$dir/start.out" 2>&1 || {
      echo "elasticsearch: failed to start:" >&2; cat "$dir/start.out" >&2; tail -n 30 "$dir/logs/"*.log >&2 2>/dev/null || true; exit 1; }
  local url="http://127.0.0.1:$port"
  for _ in $(seq 1 240); do
    if curl -fsS "$url/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1; then echo "$url"; return 0; fi
    sleep 0.5
  done
  echo "elasticsearch: no answer at $url after 120 s" >&2
  tail -n 40 "$dir/logs/logflow-test.log" >&2 2>/dev/null || true
  stop >&2; exit 1
}

case "$command" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop [--port N] [--dir DIR]" >&2; exit 2 ;;
esac
