#!/usr/bin/env bash
# Qingling's two commands, on a fresh clone with only Python 3.11+ and pip:
#   ./ql run     start the whole system in embedded mode with demo data (http://127.0.0.1:8350/)
#   ./ql test    run every test (lint, unit, cross-service in both deployment modes)
# Anything else is passed to the `qingling` command line: ./ql stack up, ./ql openapi export, …
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
VENV=.venv
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || { echo "Qingling needs Python 3.11 or newer (set PYTHON=...)" >&2; exit 1; }
  "$PYTHON" -m venv "$VENV"
fi
# (Re)install when the dependency list changed since the last install.
stamp="$VENV/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -e "$stamp" ]; then
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -e '.[dev]'
  rm -f "$VENV"/.installed-* && touch "$stamp"
fi

command=${1:-run}
[ $# -gt 0 ] && shift
case "$command" in
  test)
    "$VENV/bin/ruff" check .
    "$VENV/bin/ruff" format --check --quiet .
    exec "$VENV/bin/python" -m pytest "$@"
    ;;
  *)
    exec "$VENV/bin/qingling" "$command" "$@"
    ;;
esac
