#!/usr/bin/env bash
# Starts or stops a single-node Elasticsearch on 127.0.0.1 for tests and development (see search-engine.sh).
#   scripts/engines/elasticsearch.sh start [--port N] [--dir DIR]   prints its URL when it answers
#   scripts/engines/elasticsearch.sh stop [--dir DIR]
# DIR (default .engines/run/elasticsearch) holds its config, data, logs and pid. Heap: ES_HEAP (default 512m).
exec bash "$(dirname "$0")/search-engine.sh" elasticsearch "$@"
