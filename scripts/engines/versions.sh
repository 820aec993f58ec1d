# Engine versions and shared helpers of the scripts in this folder (sourced). All engines are
# taken from Maven Central.
ES_VERSION="${ES_VERSION:-9.2.4}"
KAFKA_VERSION="${KAFKA_VERSION:-4.1.1}"
OPENSEARCH_VERSION="${OPENSEARCH_VERSION:-3.3.2}"
# Elasticsearch 9 and OpenSearch 3 need Java 21 or newer; Kafka 4 runs on 17.
ES_JAVA_HOME="${ES_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
OPENSEARCH_JAVA_HOME="${OPENSEARCH_JAVA_HOME:-$ES_JAVA_HOME}"
KAFKA_JAVA_HOME="${KAFKA_JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}"
ENGINES_DIR="${ENGINES_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.engines}"
ES_HOME="$ENGINES_DIR/elasticsearch-$ES_VERSION"
KAFKA_HOME="$ENGINES_DIR/kafka-$KAFKA_VERSION"
OPENSEARCH_HOME="$ENGINES_DIR/opensearch-$OPENSEARCH_VERSION"
# A free TCP port on 127.0.0.1 (the OS picks it; released again for the engine).
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# `<command> [--port N] [--dir DIR]` into $command, $port and $dir (default: $ENGINES_DIR/run/$1).
parse_engine_args() {
  local engine="$1"; shift
  command="${1:-}"; shift || true
  port=""; dir="$ENGINES_DIR/run/$engine"
  while [ $# -gt 0 ]; do
    case "$1" in
      --port) port="$2"; shift 2 ;;
      --dir) dir="$2"; shift 2 ;;
      *) echo "unknown option $1" >&2; exit 2 ;;
    esac
  done
}

# Stops the engine whose pid is in $dir/pid: TERM, up to 30 s to finish, then KILL.
stop_engine() {
  local engine="$1"
  [ -f "$dir/pid" ] || { echo "$engine: not running (no $dir/pid)"; return 0; }
  local pid; pid="$(cat "$dir/pid")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$dir/pid"
  echo "$engine: stopped"
}
