#!/usr/bin/env bash
# Reproduce every number and figure of the lab write-ups and check them: the steps live in
# run_all.py (so that Windows needs only Python); this runs it with the same flags.
#
#   bash run_all.sh                       # full run -> runs/reproduce/, compared with results/
#   bash run_all.sh --smoke               # capped loops -> runs/smoke/ (about a minute)
#   bash run_all.sh --seeds               # the seed sweeps behind README's seed tables
#   bash run_all.sh --update-reference    # maintainers: rewrite results/ and the README tables
#
# SMOKE=1 is the same as --smoke; PYTHON picks the interpreter (default: python, else python3).
set -euo pipefail
cd "$(dirname "$0")"
py="${PYTHON:-$(command -v python || command -v python3)}"
exec "$py" run_all.py "$@"
