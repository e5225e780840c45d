#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs the test dependencies and Chromium,
# starts a local Elasticsearch node (scripts/elasticsearch.sh), runs ruff, the strict check of
# the bundled entries and pytest, stops
# the node (the cluster tests start and stop a two-node cluster themselves).
# Extra arguments go to pytest, e.g. scripts/test.sh -k contract -x
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -e ".[test]"

# A real browser for the web tests (Debian's chromium; Playwright drives it, nothing is
# downloaded by Playwright itself). Installing needs root; otherwise the browser tests skip
# unless KB_REQUIRE_BROWSER=1.
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "test.sh: could not install chromium" >&2
fi

export KB_ES_PORT="${KB_ES_PORT:-9250}"
es_url="$(scripts/elasticsearch.sh start)"
# tests/reliability/test_es_cluster.py starts a two-node cluster of its own on these ports
# and stops it; the trap also stops it should pytest die first
export KB_ES_CLUSTER_PORTS="${KB_ES_CLUSTER_PORTS:-9280,9281}"
export KB_REQUIRE_ES_CLUSTER="${KB_REQUIRE_ES_CLUSTER:-1}"
trap 'scripts/elasticsearch.sh stop; scripts/elasticsearch.sh cluster stop' EXIT
export KB_TEST_ELASTICSEARCH_URL="$es_url"
export KB_REQUIRE_ELASTICSEARCH="${KB_REQUIRE_ELASTICSEARCH:-1}"

python3 -m ruff check .
# every bundled entry citable: document-level sources, summaries in both languages, verified
python3 -m kb.cli check --strict
python3 -m pytest "$@"
