#!/usr/bin/env bash
# Cron-ready index update: quiet when all is well, the problem on stderr and a non-zero exit
# when not, and one JSON line per run appended to a log.
#
#   scripts/rebuild-index.sh [searcher index options and paths...]
#   e.g. in crontab:  17 * * * *  cd /srv/searcher && scripts/rebuild-index.sh ~/articles
#
# Environment: SEARCHER_INDEX (the index, default ./index), SEARCHER_LOG (default
# index/update.log beside it), SEARCHER_WAIT (seconds to wait for another writer, default
# 600), SEARCHER_CMD (how to run searcher, default "python3 -m searcher").
# Incremental by default; pass --rebuild for a full rebuild (swapped in atomically).
set -uo pipefail

index=${SEARCHER_INDEX:-index}
log=${SEARCHER_LOG:-$index/update.log}
read -r -a command <<< "${SEARCHER_CMD:-python3 -m searcher}"
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT

summary=$("${command[@]}" index --index "$index" --json --wait "${SEARCHER_WAIT:-600}" "$@" \
  2>"$errors")
status=$?
[ -n "$summary" ] || summary='{}'
mkdir -p "$(dirname "$log")"
printf '{"time": "%s", "exit": %d, "summary": %s}\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  "$status" "$summary" >> "$log"
if [ "$status" -ne 0 ]; then
  cat "$errors" >&2
  echo "rebuild-index: searcher index exited $status (log: $log)" >&2
fi
exit "$status"
