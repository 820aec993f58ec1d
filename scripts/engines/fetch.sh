#!/usr/bin/env bash
# Fetches Elasticsearch and OpenSearch (their integ-test zips) and the Kafka broker jars from
# Maven Central into .engines/ (or $ENGINES_DIR). Idempotent: an engine already in place is left alone.
# usage: scripts/engines/fetch.sh [elasticsearch] [kafka] [opensearch]   (all when none is named)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/versions.sh"
mkdir -p "$ENGINES_DIR"

fetch_elasticsearch() {
  if [ -x "$ES_HOME/bin/elasticsearch" ]; then echo "elasticsearch $ES_VERSION: present"; return; fi
  local download="$ENGINES_DIR/download"
  mkdir -p "$download"
  mvn -q -B dependency:copy -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip" \
    -DoutputDirectory="$download" -Dmdep.overWriteReleases=true
  rm -rf "$ES_HOME.partial" && mkdir -p "$ES_HOME.partial"
  unzip -q "$download/elasticsearch-$ES_VERSION.zip" -d "$ES_HOME.partial"
  mv "$ES_HOME.partial/elasticsearch-$ES_VERSION" "$ES_HOME" && rm -rf "$ES_HOME.partial" "$download/elasticsearch-$ES_VERSION.zip"
  echo "elasticsearch $ES_VERSION: fetched into $ES_HOME"
}

fetch_opensearch() {
  if [ -x "$OPENSEARCH_HOME/bin/opensearch" ]; then echo "opensearch $OPENSEARCH_VERSION: present"; return; fi
  local download="$ENGINES_DIR/download"
  mkdir -p "$download"
  mvn -q -B dependency:copy -Dartifact="org.opensearch.distribution.integ-test-zip:opensearch:$OPENSEARCH_VERSION:zip" \
    -DoutputDirectory="$download" -Dmdep.overWriteReleases=true
  rm -rf "$OPENSEARCH_HOME.partial" && mkdir -p "$OPENSEARCH_HOME.partial"
  unzip -q "$download/opensearch-$OPENSEARCH_VERSION.zip" -d "$OPENSEARCH_HOME.partial"
  mv "$OPENSEARCH_HOME.partial/opensearch-$OPENSEARCH_VERSION" "$OPENSEARCH_HOME" && rm -rf "$OPENSEARCH_HOME.partial" "$download/opensearch-$OPENSEARCH_VERSION.zip"
  echo "opensearch $OPENSEARCH_VERSION: fetched into $OPENSEARCH_HOME"
}

fetch_kafka() {
  if [ -f "$KAFKA_HOME/libs/.complete" ]; then echo "kafka $KAFKA_VERSION: present"; return; fi
  rm -rf "$KAFKA_HOME/libs"
  mvn -q -B -f "$here/kafka-pom.xml" dependency:copy-dependencies -Dkafka.version="$KAFKA_VERSION" \
    -DincludeScope=runtime -DoutputDirectory="$KAFKA_HOME/libs"
  touch "$KAFKA_HOME/libs/.complete"
  echo "kafka $KAFKA_VERSION: fetched into $KAFKA_HOME"
}

engines=("$@")
[ ${#engines[@]} -eq 0 ] && engines=(elasticsearch kafka opensearch)
for engine in "${engines[@]}"; do
  case "$engine" in
    elasticsearch) fetch_elasticsearch ;;
    kafka) fetch_kafka ;;
    opensearch) fetch_opensearch ;;
    *) echo "unknown engine '$engine' (elasticsearch, kafka or opensearch)" >&2; exit 2 ;;
  esac
done
