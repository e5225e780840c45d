#!/usr/bin/env bash
# A local single-node Elasticsearch for development and CI: start | stop | status.
#
# Fetches the Elasticsearch integration-test distribution with Maven (cached in ~/.m2 and
# $KB_ES_HOME after the first run), runs it as an unprivileged user on 127.0.0.1 with security
# off and a small heap, and waits until the cluster answers.
#
#   scripts/elasticsearch.sh start      # prints the URL when ready
#   scripts/elasticsearch.sh status
#   scripts/elasticsearch.sh stop
#
# Settings: KB_ES_PORT (9200), KB_ES_VERSION (8.19.21), KB_ES_HOME (/var/cache/regkb-elasticsearch as root,
# else ~/.cache/regkb/elasticsearch),
# KB_ES_HEAP (512m), KB_ES_USER (regkb-es, used when running as root).
set -euo pipefail

PORT="${KB_ES_PORT:-9200}"
VERSION="${KB_ES_VERSION:-8.19.21}"
if [ "$(id -u)" = "0" ]; then DEFAULT_BASE=/var/cache/regkb-elasticsearch; else DEFAULT_BASE="$HOME/.cache/regkb/elasticsearch"; fi
ES_BASE="${KB_ES_HOME:-$DEFAULT_BASE}"
HEAP="${KB_ES_HEAP:-512m}"
ES_USER="${KB_ES_USER:-regkb-es}"
DIST="$ES_BASE/elasticsearch-$VERSION"
RUN="$ES_BASE/run-$PORT"
PIDFILE="$RUN/es.pid"
URL="http://127.0.0.1:$PORT"

log() { echo "elasticsearch.sh: $*" >&2; }

healthy() {
  curl -fsS "$URL/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1
}

fetch() {
  [ -x "$DIST/bin/elasticsearch" ] && return 0
  mkdir -p "$ES_BASE"
  log "fetching Elasticsearch $VERSION with Maven (first run only)"
  local artifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$VERSION:zip"
  # run from $ES_BASE: without a project, Maven writes its unpack markers under the working
  # directory (a literal "${project.basedir}/target"), which must not be the checkout
  if ! (cd "$ES_BASE" && mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:unpack \
      -Dartifact="$artifact" -DoutputDirectory="$ES_BASE" >&2); then
    log "unpack failed; trying dependency:get + unzip"
    mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:get \
      -Dartifact="$artifact" -Dtransitive=false >&2
    local zip="$HOME/.m2/repository/org/elasticsearch/distribution/integ-test-zip/elasticsearch/$VERSION/elasticsearch-$VERSION.zip"
    (cd "$ES_BASE" && unzip -q -o "$zip")
  fi
  chmod -R a+rx "$DIST/bin"
  [ -f "$DIST/bin/elasticsearch" ] || { log "no elasticsearch in $DIST"; exit 1; }
}

java_home() {
  if [ -n "${ES_JAVA_HOME:-}" ]; then echo "$ES_JAVA_HOME"; return; fi
  local java
  java="$(readlink -f "$(command -v java)")" || { log "java not found (need Java 17+)"; exit 1; }
  dirname "$(dirname "$java")"
}

as_user() {
  if [ "$(id -u)" = "0" ]; then
    id "$ES_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$ES_USER"
    chown -R "$ES_USER" "$DIST" "$RUN"
    runuser -u "$ES_USER" -- env "$@"
  else
    env "$@"
  fi
}

start() {
  if healthy; then log "already running"; echo "$URL"; return 0; fi
  fetch
  mkdir -p "$RUN/data" "$RUN/logs"
  chmod -R a+rX "$DIST"
  rm -f "$PIDFILE"
  log "starting on $URL (heap $HEAP)"
  as_user ES_JAVA_HOME="$(java_home)" ES_JAVA_OPTS="-Xms$HEAP -Xmx$HEAP" \
    "$DIST/bin/elasticsearch" -d -p "$PIDFILE" \
    -Ediscovery.type=single-node -Enetwork.host=127.0.0.1 -Ehttp.port="$PORT" \
    -Etransport.port=$((PORT + 100)) \
    -Expack.security.enabled=false -Ecluster.routing.allocation.disk.threshold_enabled=false \
    -Epath.data="$RUN/data" -Epath.logs="$RUN/logs" -Ecluster.name="regkb-$PORT" \
    -Eaction.destructive_requires_name=false >/dev/null
  for _ in $(seq 1 120); do
    if healthy; then log "ready"; echo "$URL"; return 0; fi
    sleep 1
  done
  log "not ready after 120 s; last log lines:"
  tail -n 40 "$RUN/logs/regkb-$PORT.log" >&2 2>/dev/null || true
  exit 1
}

stop() {
  if [ -f "$PIDFILE" ]; then
    local pid
    pid="$(cat "$PIDFILE")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$PIDFILE"
    log "stopped"
  else
    log "not running (no pid file)"
  fi
}

status() {
  if healthy; then
    echo "running: $URL"
    curl -fsS "$URL/_cluster/health?pretty" || true
  else
    echo "not running"
    return 1
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
