# Sourced by the benchmarks that need the running suite: start_suite PERSONS NAME starts
# scripts/run-local.sh in the background (a generated county of PERSONS people, the gateway's
# rate limit off: a benchmark is not one user), stops it when the script exits, and returns once
# it runs (at most 600 s). The suite's output is in $suite_log.
start_suite() {  # persons, name (for messages and the log file)
  local persons=$1 name=$2
  suite_log=$(mktemp "/tmp/lifeline-$name-XXXXXX.log")
  LIFELINE_RATE_LIMIT=0 DEMO_PERSONS=$persons bash scripts/run-local.sh > "$suite_log" 2>&1 &
  suite_pid=$!
  # TERM: a background job of a script ignores INT; run-local.sh stops its services on either.
  trap 'kill -TERM "$suite_pid" 2>/dev/null || true; wait "$suite_pid" 2>/dev/null || true' EXIT INT TERM
  echo "== starting the suite with $persons generated persons (log: $suite_log)"
  for _ in $(seq 600); do
    grep -q "^== Running" "$suite_log" && return 0
    kill -0 "$suite_pid" 2>/dev/null || { echo "$name: run-local.sh stopped:"; tail -20 "$suite_log"; exit 1; }
    sleep 1
  done
  echo "$name: the suite did not start in 600 s" >&2
  exit 1
}
