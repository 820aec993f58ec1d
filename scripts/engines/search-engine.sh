#!/usr/bin/env bash
# Starts or stops a single-node Elasticsearch or OpenSearch on 127.0.0.1 for tests and
# development; elasticsearch.sh and opensearch.sh call it. The two differ only in names (of
# their binary, config file and environment variables) and in Elasticsearch's security switch.
#   scripts/engines/search-engine.sh elasticsearch|opensearch start [--port N] [--dir DIR]   prints its URL when it answers
#   scripts/engines/search-engine.sh elasticsearch|opensearch stop [--dir DIR]
# DIR (default .engines/run/<engine>) holds its config, data, logs and pid. A free port is
# picked when none is given. Heap: ES_HEAP or OPENSEARCH_HEAP (default 512m). Run fetch.sh first.
# ENGINE_EXTRA_CONFIG=FOLDER (Elasticsearch, for the security tests): the files in FOLDER
# (certificates, users, roles) are copied into the engine's config folder, where Elasticsearch
# reads them from, and FOLDER/settings.yml replaces the line that turns security off. The engine
# then counts as up once it answers on https (any status, as it wants credentials), and its
# https:// URL is printed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/versions.sh"
engine="${1:-}"; shift || true
case "$engine" in
  elasticsearch)
    engine_home="$ES_HOME"; version="$ES_VERSION"; java_home="$ES_JAVA_HOME"; prefix="ES"; heap="${ES_HEAP:-512m}"
    security="xpack.security.enabled: false" ;;
  opensearch)
    engine_home="$OPENSEARCH_HOME"; version="$OPENSEARCH_VERSION"; java_home="$OPENSEARCH_JAVA_HOME"; prefix="OPENSEARCH"; heap="${OPENSEARCH_HEAP:-512m}"
    security="" ;;
  *) echo "usage: $0 elasticsearch|opensearch start|stop [--port N] [--dir DIR]" >&2; exit 2 ;;
esac
parse_engine_args "$engine" "$@"
# Both refuse to run as root: as root, run it as a system user made for the purpose.
ENGINE_USER="logflow-engine"

stop() { stop_engine "$engine"; }

start() {
  [ -x "$engine_home/bin/$engine" ] || { echo "$engine $version is not fetched: run scripts/engines/fetch.sh $engine" >&2; exit 1; }
  if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    echo "$engine: already running, pid $(cat "$dir/pid")" >&2; exit 1
  fi
  port="${port:-$(free_port)}"
  mkdir -p "$dir"
  # Where the engine keeps its files: DIR, unless (as root) the engine user cannot reach it,
  # e.g. a checkout under a private folder; then a folder of its own under /var/tmp.
  local work="$dir" run=() home="$engine_home"
  if [ "$(id -u)" = 0 ]; then
    id "$ENGINE_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$ENGINE_USER"
    run=(runuser -u "$ENGINE_USER" --)
    local shared="/var/tmp/logflow-engines"
    if ! "${run[@]}" test -x "$home/bin/$engine"; then
      mkdir -p "$shared" && chmod 755 "$shared"
      home="$shared/$engine-$version"
      [ -x "$home/bin/$engine" ] || { rm -rf "$home.partial" && cp -r "$engine_home" "$home.partial" && mv "$home.partial" "$home"; }
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
  local scheme="http"
  if [ -n "${ENGINE_EXTRA_CONFIG:-}" ]; then
    cp -r "$ENGINE_EXTRA_CONFIG"/. "$work/config/"
    security="$(cat "$ENGINE_EXTRA_CONFIG/settings.yml")"; scheme="https"
  fi
  cat > "$work/config/$engine.yml" <<YML
cluster.name: logflow-test
node.name: logflow-test-node
discovery.type: single-node
network.host: 127.0.0.1
http.port: $port
transport.port: 0
path.data: $work/data
path.logs: $work/logs
# Loopback only, for tests: no TLS or users unless ENGINE_EXTRA_CONFIG gives them (the OpenSearch integ-test zip has no security
# plugin). The test disk may be fuller than a server's.
$security
cluster.routing.allocation.disk.threshold_enabled: false
action.destructive_requires_name: false
YML
  # jvm.options names its GC log, heap dumps and error file relative to the installation, which
  # the engine user may not write to: under DIR instead.
  sed -i -e "s|file=logs/|file=$work/logs/|; s|-Xloggc:logs/|-Xloggc:$work/logs/|; s|HeapDumpPath=data|HeapDumpPath=$work/data|; s|ErrorFile=logs/|ErrorFile=$work/logs/|" "$work/config/jvm.options"
  echo "-Xms$heap" > "$work/config/jvm.options.d/heap.options"
  echo "-Xmx$heap" >> "$work/config/jvm.options.d/heap.options"
  [ "$(id -u)" = 0 ] && chown -R "$ENGINE_USER" "$work"
  rm -f "$dir/pid" "$work/pid"
  # runuser passes the environment on.
  env "${prefix}_PATH_CONF=$work/config" "${prefix}_JAVA_HOME=$java_home" "${prefix}_TMPDIR=$work/tmp" \
    "${run[@]}" "$home/bin/$engine" -d -p "$work/pid" > "$dir/start.out" 2>&1 || {
      echo "$engine: failed to start:" >&2; cat "$dir/start.out" >&2; tail -n 30 "$work/logs/"*.log >&2 2>/dev/null || true; exit 1; }
  # A link, not a copy: the engine writes its pid file during its start-up, after the launcher
  # has returned (seconds later on a busy machine), and `stop` must find it from DIR.
  [ "$work" = "$dir" ] || ln -sfn "$work/pid" "$dir/pid"
  local url="$scheme://127.0.0.1:$port"
  for _ in $(seq 1 240); do
    if [ "$scheme" = https ]; then
      [ "$(curl -ks -o /dev/null -w '%{http_code}' "$url/" 2>/dev/null)" != 000 ] && { echo "$url"; return 0; }
    elif curl -fsS "$url/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1; then echo "$url"; return 0; fi
    sleep 0.5
  done
  echo "$engine: no answer at $url after 120 s" >&2
  tail -n 40 "$work/logs/logflow-test.log" >&2 2>/dev/null || true
  stop >&2; exit 1
}

case "$command" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 elasticsearch|opensearch start|stop [--port N] [--dir DIR]" >&2; exit 2 ;;
esac
