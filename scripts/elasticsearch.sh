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
#
# A two-node cluster (two JVMs that discover each other), for failover tests and for trying
# replicas; indices built for it should have one replica (KB_ELASTICSEARCH_REPLICAS=1):
#
#   scripts/elasticsearch.sh cluster start    # starts the nodes not running, waits for green
#                                             # with every node; prints the URLs, comma-separated
#   scripts/elasticsearch.sh cluster status   # one line per node: URL, pid, up|down
#   scripts/elasticsearch.sh cluster stop
#
# Cluster settings: KB_ES_CLUSTER_PORTS (9280,9281: HTTP ports, one per node; transport on
# port + 100), KB_ES_CLUSTER_HEAP (320m per node). Data and logs live under
# $KB_ES_HOME/cluster-<first port>/node-<port>.
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

# -- a cluster of several nodes on this machine ---------------------------------------------
CLUSTER_PORTS="${KB_ES_CLUSTER_PORTS:-9280,9281}"
CLUSTER_HEAP="${KB_ES_CLUSTER_HEAP:-320m}"
IFS=',' read -r -a NODE_PORTS <<< "$CLUSTER_PORTS"
CLUSTER_RUN="$ES_BASE/cluster-${NODE_PORTS[0]}"
CLUSTER_NAME="regkb-cluster-${NODE_PORTS[0]}"

node_dir() { echo "$CLUSTER_RUN/node-$1"; }

node_pid() {
  local pidfile
  pidfile="$(node_dir "$1")/es.pid"
  [ -f "$pidfile" ] || return 1
  local pid
  pid="$(cat "$pidfile")"
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

cluster_urls() {
  local urls=() port
  for port in "${NODE_PORTS[@]}"; do urls+=("http://127.0.0.1:$port"); done
  (IFS=','; echo "${urls[*]}")
}

cluster_green() {
  # green with every node, asked of any node that answers
  local port
  for port in "${NODE_PORTS[@]}"; do
    if curl -fsS "http://127.0.0.1:$port/_cluster/health?wait_for_status=green&wait_for_nodes=${#NODE_PORTS[@]}&timeout=1s" \
        >/dev/null 2>&1; then
      return 0
    fi
  done
  return 1
}

start_node() {
  local port="$1" dir seeds masters p
  dir="$(node_dir "$port")"
  seeds=""; masters=""
  for p in "${NODE_PORTS[@]}"; do
    seeds="${seeds:+$seeds,}127.0.0.1:$((p + 100))"
    masters="${masters:+$masters,}regkb-$p"
  done
  mkdir -p "$dir/data" "$dir/logs"
  rm -f "$dir/es.pid"
  RUN="$dir"  # as_user gives this folder to the unprivileged user
  log "starting node regkb-$port on http://127.0.0.1:$port (heap $CLUSTER_HEAP)"
  as_user ES_JAVA_HOME="$(java_home)" ES_JAVA_OPTS="-Xms$CLUSTER_HEAP -Xmx$CLUSTER_HEAP" \
    "$DIST/bin/elasticsearch" -d -p "$dir/es.pid" \
    -Enode.name="regkb-$port" -Ecluster.name="$CLUSTER_NAME" \
    -Enetwork.host=127.0.0.1 -Ehttp.port="$port" -Etransport.port=$((port + 100)) \
    -Ediscovery.seed_hosts="$seeds" -Ecluster.initial_master_nodes="$masters" \
    -Expack.security.enabled=false -Ecluster.routing.allocation.disk.threshold_enabled=false \
    -Epath.data="$dir/data" -Epath.logs="$dir/logs" \
    -Eaction.destructive_requires_name=false >/dev/null
}

cluster_start() {
  if [ "${#NODE_PORTS[@]}" -lt 2 ]; then log "KB_ES_CLUSTER_PORTS needs two ports or more"; exit 2; fi
  fetch
  chmod -R a+rX "$DIST"
  mkdir -p "$CLUSTER_RUN"
  local port starting=()
  for port in "${NODE_PORTS[@]}"; do
    if node_pid "$port" >/dev/null; then continue; fi
    if curl -sS "http://127.0.0.1:$port/_cluster/health" -o /dev/null 2>/dev/null; then
      log "port $port is taken by a process this script did not start"; exit 1
    fi
    start_node "$port" &  # the nodes boot side by side: each `-d` returns once its node is up
    starting+=("$!")
  done
  local pid
  for pid in "${starting[@]}"; do wait "$pid" || log "a node failed to start (see its log)"; done
  for _ in $(seq 1 180); do
    if cluster_green; then log "cluster ready"; cluster_urls; return 0; fi
    sleep 1
  done
  log "cluster not green with ${#NODE_PORTS[@]} nodes after 180 s; last log lines:"
  for port in "${NODE_PORTS[@]}"; do
    tail -n 20 "$(node_dir "$port")/logs/$CLUSTER_NAME.log" >&2 2>/dev/null || true
  done
  exit 1
}

cluster_stop() {
  local port pid
  for port in "${NODE_PORTS[@]}"; do
    if pid="$(node_pid "$port")"; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
      kill -9 "$pid" 2>/dev/null || true
      log "stopped node regkb-$port"
    fi
    rm -f "$(node_dir "$port")/es.pid"
  done
}

cluster_status() {
  local port pid up=0
  for port in "${NODE_PORTS[@]}"; do
    if pid="$(node_pid "$port")"; then
      echo "http://127.0.0.1:$port pid=$pid up"; up=$((up + 1))
    else
      echo "http://127.0.0.1:$port pid=- down"
    fi
  done
  [ "$up" -gt 0 ] || return 1
  for port in "${NODE_PORTS[@]}"; do
    curl -fsS "http://127.0.0.1:$port/_cluster/health?timeout=1s" 2>/dev/null && { echo; return 0; }
  done
  return 0
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  cluster)
    case "${2:-}" in
      start) cluster_start ;;
      stop) cluster_stop ;;
      status) cluster_status ;;
      *) echo "usage: $0 cluster start|stop|status" >&2; exit 2 ;;
    esac ;;
  *) echo "usage: $0 start|stop|status | cluster start|stop|status" >&2; exit 2 ;;
esac
