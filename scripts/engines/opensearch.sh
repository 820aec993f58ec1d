#!/usr/bin/env bash
# Starts or stops a single-node OpenSearch on 127.0.0.1 for tests and development (see search-engine.sh).
#   scripts/engines/opensearch.sh start [--port N] [--dir DIR]   prints its URL when it answers
#   scripts/engines/opensearch.sh stop [--dir DIR]
# DIR (default .engines/run/opensearch) holds its config, data, logs and pid. Heap: OPENSEARCH_HEAP (default 512m).
exec bash "$(dirname "$0")/search-engine.sh" opensearch "$@"
