"""A bounded schemathesis run over every operation in /openapi.json: no server error, and
every answer conforms to the schema the document gives for it.

Fixed seed and a fixed number of examples per operation, so the run is repeatable and takes
well under a minute; the app runs in process on an index of the bundled entries.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error, response_schema_conformance  # noqa: E402

from api.app import create_app  # noqa: E402
from api.deps import get_kb  # noqa: E402
from kb.config import get_settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = 8  # per operation
SEED = 19

_home = Path(tempfile.mkdtemp(prefix="regkb-fuzz-"))


def _app():
    """The app on its own KB_HOME with the bundled entries indexed (built once, here)."""
    os.environ["KB_HOME"] = str(_home)
    os.environ["KB_BACKEND"] = "embedded"
    env = {**os.environ}
    subprocess.run([sys.executable, "-m", "kb.cli", "index"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    get_settings.cache_clear()
    get_kb.cache_clear()
    return create_app()


schema = schemathesis.openapi.from_asgi("/openapi.json", _app())
os.environ.pop("KB_HOME", None)  # the settings are read; other tests set their own


@schema.parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@pytest.mark.filterwarnings("ignore")
def test_no_server_error_and_schema_conformance(case) -> None:  # type: ignore[no-untyped-def]
    case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])
