#!/usr/bin/env bash
# Install crisissim with every extra into .venv and run the test suite on all cores.
# By default the long checks marked `slow` are left out (under 5 minutes on 2 cores);
# `bash scripts/test.sh -m slow` runs only them, and .ci/run runs both. Other arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[dev]"
export SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy MPLBACKEND=Agg
exec .venv/bin/python -m pytest -n auto -q -m "not slow" "$@"
