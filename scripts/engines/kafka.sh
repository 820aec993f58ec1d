#!/usr/bin/env bash
# Starts or stops a single-node Kafka (KRaft: broker and controller in one process, no
# ZooKeeper) on 127.0.0.1 for tests and development.
#   scripts/engines/kafka.sh start [--port N] [--dir DIR]   prints its bootstrap address when it serves
#     (started again without --port in a DIR it ran in before, it keeps its ports and data;
#     a DIR whose server.properties the caller wrote, e.g. with TLS and SASL listeners beside
#     the PLAINTEXT one, is started with it)
# KAFKA_SCRAM_USERS: SCRAM users the first start creates, space-separated, each as Kafka's
#   storage tool takes it: 'SCRAM-SHA-512=[name=alice,password=secret]'.
#   scripts/engines/kafka.sh stop [--dir DIR]
# DIR (default .engines/run/kafka) holds its config, data, log and pid. Free ports are picked
# when none is given. Heap: KAFKA_HEAP (default 512m). Run fetch.sh first.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/versions.sh"
parse_engine_args kafka "$@"
java_bin="$KAFKA_JAVA_HOME/bin/java"
classpath="$KAFKA_HOME/libs/*"

stop() { stop_engine kafka; }

start() {
  [ -f "$KAFKA_HOME/libs/.complete" ] || { echo "kafka $KAFKA_VERSION is not fetched: run scripts/engines/fetch.sh kafka" >&2; exit 1; }
  if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    echo "kafka: already running, pid $(cat "$dir/pid")" >&2; exit 1
  fi
  mkdir -p "$dir/data"
  # A restart in the same DIR keeps its ports and data (the broker comes back where clients left it).
  if [ -f "$dir/server.properties" ] && [ -z "$port" ]; then
    port="$(sed -n 's/^advertised.listeners=\(.*,\)\{0,1\}PLAINTEXT:\/\/127.0.0.1:\([0-9]*\).*/\2/p' "$dir/server.properties")"
  else
    port="${port:-$(free_port)}"
    local controller; controller="$(free_port)"
    cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
# One node: internal topics cannot have more replicas than that, or consumer groups never get
# a coordinator ("The group coordinator is not available").
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Tests start consumers one after another: rebalance at once instead of waiting 3 s.
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
PROPS
  fi
  [ -f "$dir/log4j2.properties" ] || cat > "$dir/log4j2.properties" <<PROPS
rootLogger.level=INFO
rootLogger.appenderRef.out.ref=out
appender.out.type=File
appender.out.name=out
appender.out.fileName=$dir/server.log
appender.out.layout.type=PatternLayout
appender.out.layout.pattern=[%d] %p %m (%c)%n
logger.kafka.name=kafka
logger.kafka.level=INFO
logger.apache.name=org.apache.kafka
logger.apache.level=WARN
PROPS
  if [ ! -f "$dir/data/meta.properties" ]; then
    local cluster; cluster="$("$java_bin" -cp "$classpath" kafka.tools.StorageTool random-uuid)"
    local scram=(); for user in ${KAFKA_SCRAM_USERS:-}; do scram+=(--add-scram "$user"); done
    "$java_bin" -cp "$classpath" -Dlog4j2.configurationFile="$dir/log4j2.properties" \
      kafka.tools.StorageTool format -t "$cluster" -c "$dir/server.properties" "${scram[@]}" > "$dir/format.out" 2>&1 \
      || { echo "kafka: formatting storage failed:" >&2; cat "$dir/format.out" >&2; exit 1; }
  fi
  rm -f "$dir/server.log"
  nohup "$java_bin" -Xms"${KAFKA_HEAP:-512m}" -Xmx"${KAFKA_HEAP:-512m}" -XX:+UseSerialGC \
    -Dlog4j2.configurationFile="$dir/log4j2.properties" -cp "$classpath" kafka.Kafka "$dir/server.properties" \
    > "$dir/server.out" 2>&1 < /dev/null &
  echo $! > "$dir/pid"
  for _ in $(seq 1 240); do
    if grep -q "Kafka Server started" "$dir/server.log" 2>/dev/null; then echo "127.0.0.1:$port"; return 0; fi
    kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
    sleep 0.5
  done
  echo "kafka: not serving on 127.0.0.1:$port" >&2
  tail -n 40 "$dir/server.out" "$dir/server.log" >&2 2>/dev/null || true
  stop >&2; exit 1
}

case "$command" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop [--port N] [--dir DIR]" >&2; exit 2 ;;
esac
