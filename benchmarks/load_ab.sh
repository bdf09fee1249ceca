#!/usr/bin/env bash
# Load A/B on a machine whose speed drifts: the server of commit BASE and of the working tree, alternating.
#
#   benchmarks/load_ab.sh BASE [ROUNDS] [LEVELS]      e.g. benchmarks/load_ab.sh 62eb399 2 32
#
# Each round runs benchmarks/load_wrk.py (answer cache off, 2 repeats of 15 s) first on a git worktree of BASE,
# then on this checkout, both against this checkout's benchmark knowledge base, so the two sides share the
# machine's state of the moment. Prints one median line per side and round. Needs wrk (apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
base="${1:?usage: benchmarks/load_ab.sh BASE [ROUNDS] [LEVELS]}"
rounds="${2:-2}"
levels="${3:-32}"
here="$PWD"
python="$here/.venv/bin/python"
data="$(cd .. && pwd)/shared/data"
worktree="$(mktemp -d -t healthqa-ab-XXXXXX)"
git worktree add --detach --quiet "$worktree" "$base"
trap 'git -C "$here" worktree remove --force "$worktree"' EXIT
for round in $(seq 1 "$rounds"); do
  for side in base this; do
    if [ "$side" = base ]; then dir="$worktree"; else dir="$here"; fi
    (cd "$dir" && PYTHONPATH="$dir/src:$dir/benchmarks" "$python" benchmarks/load_wrk.py \
      --kb "$here/benchmarks/.cache/kb.db" --data "$data" --levels "$levels" --repeats 2 --duration 15 \
      --answer-cache 0 2>/dev/null | grep median | sed "s/^/$side ($([ "$side" = base ] && echo "$base" || echo working tree)), round $round: /")
  done
done
