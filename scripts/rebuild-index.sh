#!/usr/bin/env bash
# Cron-ready index update: a thin wrapper over the installed `searcher-cron` (quiet when all
# is well, the problem on stderr and a non-zero exit when not, one JSON line per run appended
# to $SEARCHER_LOG). Prefer calling searcher-cron itself from the crontab:
#
#   17 * * * *  cd /srv/searcher && .venv/bin/searcher-cron ~/articles
#
# SEARCHER_CRON names the command (default: searcher-cron beside this repository's .venv,
# else on PATH); SEARCHER_INDEX, SEARCHER_LOG and SEARCHER_WAIT as searcher-cron takes them.
set -uo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
default=searcher-cron
[ -x "$here/.venv/bin/searcher-cron" ] && default="$here/.venv/bin/searcher-cron"
read -r -a command <<< "${SEARCHER_CRON:-$default}"
exec "${command[@]}" "$@"
