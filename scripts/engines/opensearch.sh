#!/usr/bin/env bash
# Starts or stops a single-node OpenSearch on 127.0.0.1 for tests and development (the same
# steps as elasticsearch.sh; OpenSearch's names for its files and variables).
#   scripts/engines/opensearch.sh start [--port N] [--dir DIR]   prints its URL when it answers
#   scripts/engines/opensearch.sh stop [--dir DIR]
# DIR (default .engines/run/opensearch) holds its config, data, logs and pid. A free port is
# picked when none is given. Heap: OPENSEARCH_HEAP (default 512m). Run fetch.sh first.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/versions.sh"
command="${1:-}"; shift || true
port=""; dir="$ENGINES_DIR/run/opensearch"
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
# OpenSearch refuses to run as root: as root, run it as a system user made for the purpose.
ENGINE_USER="logflow-engine"

stop() {
  [ -f "$dir/pid" ] || { echo "opensearch: not running (no $dir/pid)"; return 0; }
  local pid; pid="$(cat "$dir/pid")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$dir/pid"
  echo "opensearch: stopped"
}

start() {
  [ -x "$OPENSEARCH_HOME/bin/opensearch" ] || { echo "opensearch $OPENSEARCH_VERSION is not fetched: run scripts/engines/fetch.sh opensearch" >&2; exit 1; }
  if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    echo "opensearch: already running, pid $(cat "$dir/pid")" >&2; exit 1
  fi
  port="${port:-$(free_port)}"
  mkdir -p "$dir"
  # Where OpenSearch keeps its files: DIR, unless (as root) the engine user cannot reach it,
  # e.g. a checkout under a private folder; then a folder of its own under /var/tmp.
  local work="$dir" run=() home="$OPENSEARCH_HOME"
  if [ "$(id -u)" = 0 ]; then
    id "$ENGINE_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$ENGINE_USER"
    run=(runuser -u "$ENGINE_USER" --)
    local shared="/var/tmp/logflow-engines"
    if ! "${run[@]}" test -x "$home/bin/opensearch"; then
      mkdir -p "$shared" && chmod 755 "$shared"
      home="$shared/opensearch-$OPENSEARCH_VERSION"
      [ -x "$home/bin/opensearch" ] || { rm -rf "$home.partial" && cp -r "$OPENSEARCH_HOME" "$home.partial" && mv "$home.partial" "$home"; }
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
  cat > "$work/config/opensearch.yml" <<YML
cluster.name: logflow-test
node.name: logflow-test-node
discovery.type: single-node
network.host: 127.0.0.1
http.port: $port
transport.port: 0
path.data: $work/data
path.logs: $work/logs
# Loopback only, for tests (the integ-test zip has no security plugin: no TLS or users). The
# test disk may be fuller than a server's.
cluster.routing.allocation.disk.threshold_enabled: false
action.destructive_requires_name: false
YML
  # jvm.options names its GC log, heap dumps and error file relative to the installation, which
  # the engine user may not write to: under DIR instead.
  sed -i -e "s|file=logs/|file=$work/logs/|; s|-Xloggc:logs/|-Xloggc:$work/logs/|; s|HeapDumpPath=data|HeapDumpPath=$work/data|; s|ErrorFile=logs/|ErrorFile=$work/logs/|" "$work/config/jvm.options"
  echo "-Xms${OPENSEARCH_HEAP:-512m}" > "$work/config/jvm.options.d/heap.options"
  echo "-Xmx${OPENSEARCH_HEAP:-512m}" >> "$work/config/jvm.options.d/heap.options"
  [ "$(id -u)" = 0 ] && chown -R "$ENGINE_USER" "$work"
  rm -f "$dir/pid" "$work/pid"
  OPENSEARCH_PATH_CONF="$work/config" OPENSEARCH_JAVA_HOME="$OPENSEARCH_JAVA_HOME" OPENSEARCH_TMPDIR="$work/tmp" \
    "${run[@]}" "$home/bin/opensearch" -d -p "$work/pid" > "$dir/start.out" 2>&1 || {
      echo "opensearch: failed to start:" >&2; cat "$dir/start.out" >&2; tail -n 30 "$work/logs/"*.log >&2 2>/dev/null || true; exit 1; }
  [ "$work" = "$dir" ] || cp "$work/pid" "$dir/pid"
  local url="http://127.0.0.1:$port"
  for _ in $(seq 1 240); do
    if curl -fsS "$url/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1; then echo "$url"; return 0; fi
    sleep 0.5
  done
  echo "opensearch: no answer at $url after 120 s" >&2
  tail -n 40 "$work/logs/logflow-test.log" >&2 2>/dev/null || true
  stop >&2; exit 1
}

case "$command" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop [--port N] [--dir DIR]" >&2; exit 2 ;;
esac
