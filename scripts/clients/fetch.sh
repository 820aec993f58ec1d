#!/usr/bin/env bash
# Puts in place the real clients the shipper tests drive that are not Debian packages we can
# install: Debian's rsyslog (it conflicts with the installed syslog-ng, so it is unpacked into a
# folder of its own, never installed) and a tiny program logging through log4j2's Syslog appender
# (built with Maven from test/e2e/fixtures/log4j2-syslog). Into $ENGINES_DIR/clients; idempotent.
# Prints nothing but errors on success. usage: scripts/clients/fetch.sh [rsyslog] [log4j2-syslog]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
. "$root/scripts/engines/versions.sh"
clients="$ENGINES_DIR/clients"
mkdir -p "$clients"

fetch_rsyslog() {
  local home="$clients/rsyslog"
  [ -f "$home/.complete" ] && return
  local download; download="$(mktemp -d)"
  # rsyslog with its Elasticsearch output, and the two libraries of its own that are not installed here.
  (cd "$download" && apt-get download rsyslog rsyslog-elasticsearch libestr0 libfastjson4 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true)
  ls "$download"/rsyslog_*.deb >/dev/null 2>&1 || { echo "apt-get download rsyslog failed" >&2; rm -rf "$download"; exit 1; }
  rm -rf "$home" && mkdir -p "$home"
  for deb in "$download"/*.deb; do dpkg -x "$deb" "$home"; done
  rm -rf "$download"
  touch "$home/.complete"
}

fetch_log4j2_syslog() {
  local home="$clients/log4j2-syslog" fixture="$root/test/e2e/fixtures/log4j2-syslog" sources
  # Built again whenever the fixture's sources change.
  sources="$(cd "$fixture" && find . -type f | sort | xargs sha256sum | sha256sum | cut -d' ' -f1)"
  [ "$(cat "$home/.complete" 2>/dev/null)" = "$sources" ] && return
  rm -rf "$home"
  mvn -q -B -f "$fixture/pom.xml" compile dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$home/lib" -Doutput="$home" >&2
  echo "$sources" > "$home/.complete"
}

wanted=("$@")
[ ${#wanted[@]} -eq 0 ] && wanted=(rsyslog log4j2-syslog)
for client in "${wanted[@]}"; do
  case "$client" in
    rsyslog) fetch_rsyslog ;;
    log4j2-syslog) fetch_log4j2_syslog ;;
    *) echo "unknown client '$client' (rsyslog or log4j2-syslog)" >&2; exit 2 ;;
  esac
done
