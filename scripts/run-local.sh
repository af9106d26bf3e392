#!/usr/bin/env bash
# Starts the whole suite on loopback with SQLite under ./var, generates a synthetic county with
# lifeline-datagen (DEMO_PERSONS people, default 50,000; DEMO_NOISE for its noise level;
# DEMO_DATA=hand loads the small hand-written set in tools/demo-data instead), submits every agency's records through the
# gateway, approves the strongest clue as a procurator would, prints the clues and the resulting
# 1+N plan, and scores what Lifeline found against the generator's truth (lifeline eval). Then
# keeps running until Ctrl-C (or exits at once with DEMO_EXIT=1).
#
# Ports: gateway HTTP 8080; gRPC ingest 50051, match 50052, referral 50053, partner-sim 50054,
# gateway 50055; /metrics on 9101-9105 in the same order. State: ./var (wiped at start unless
# DEMO_KEEP=1). LIFELINE_RATE_LIMIT sets the gateway's requests per second per principal (default
# 50; 0 turns the limit off, for benchmarks).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${LIFELINE_BIN:-build/release/bin}
VAR=${LIFELINE_VAR:-var}
DATA=tools/demo-data
PERSONS=${DEMO_PERSONS:-50000}
for b in ingest-service match-service referral-service gateway partner-sim lifeline lifeline-datagen; do
  [ -x "$BIN/$b" ] || { echo "run-local: $BIN/$b is missing; run 'make build' first" >&2; exit 1; }
done

if [ "${DEMO_KEEP:-0}" != 1 ]; then rm -rf "$VAR"; fi
mkdir -p "$VAR"/{run,log,secrets}
if [ ! -s "$VAR/secrets/id_token.key" ]; then
  (umask 077; head -c 32 /dev/urandom | base64 > "$VAR/secrets/id_token.key")
fi
# Every process speaks mutual TLS and the gateway signs caller tokens, as in production, with a
# throw-away CA and key made here; the lifeline tool's direct gRPC calls use them through the
# environment.
bash scripts/make-dev-pki.sh "$VAR/secrets"
SEC=(--tls_cert_file="$VAR/secrets/tls.pem" --tls_key_file="$VAR/secrets/tls.key"
     --tls_ca_file="$VAR/secrets/ca.pem" --caller_key_file="$VAR/secrets/caller.keys")
export LIFELINE_TLS_CERT_FILE="$VAR/secrets/tls.pem" LIFELINE_TLS_KEY_FILE="$VAR/secrets/tls.key"
export LIFELINE_TLS_CA_FILE="$VAR/secrets/ca.pem" LIFELINE_CALLER_KEY_FILE="$VAR/secrets/caller.keys"

pids=()
stop_all() {
  trap - INT TERM EXIT
  if [ ${#pids[@]} -gt 0 ]; then
    echo
    echo "run-local: stopping ${#pids[@]} processes"
    kill -TERM "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
}
trap stop_all INT TERM EXIT

start() {  # name, args...
  local name=$1; shift
  "$BIN/$name" "${SEC[@]}" "$@" >"$VAR/log/$name.log" 2>&1 &
  pids+=($!)
}

start partner-sim --listen_address=127.0.0.1:50054 --metrics_address=127.0.0.1:9104 \
  --received_file="$VAR/partner-sim/received.jsonl" --referral_target=127.0.0.1:50053 --auto_accept=true
start referral-service --listen_address=127.0.0.1:50053 --metrics_address=127.0.0.1:9103 \
  --data_dir="$VAR/referral" --partner_inbox_override=127.0.0.1:50054
start match-service --listen_address=127.0.0.1:50052 --metrics_address=127.0.0.1:9102 \
  --data_dir="$VAR/match" --referral_target=127.0.0.1:50053
start ingest-service --listen_address=127.0.0.1:50051 --metrics_address=127.0.0.1:9101 \
  --data_dir="$VAR/ingest" --match_target=127.0.0.1:50052 \
  --token_secret_file="$VAR/secrets/id_token.key"
start gateway --http_address=127.0.0.1:8080 --listen_address=127.0.0.1:50055 \
  --metrics_address=127.0.0.1:9105 --tokens_file=config/demo-tokens.yaml \
  --audit_file="$VAR/gateway/audit.jsonl" --audit_index_file="$VAR/gateway/audit-index.db" \
  --rate_limit_per_second="${LIFELINE_RATE_LIMIT:-50}"

cli() { "$BIN/lifeline" --gateway 127.0.0.1:8080 "$@"; }
for port in 50051 50052 50053 50054 50055; do
  if ! cli health --target "127.0.0.1:$port" --wait-s 20 >/dev/null; then
    echo "run-local: the service on port $port did not become healthy; logs in $VAR/log/" >&2
    exit 1
  fi
done
echo "== Lifeline is up: gateway http://127.0.0.1:8080, logs in $VAR/log/"

export LIFELINE_TOKEN=demo-procurator-token
if [ "${DEMO_DATA:-generated}" = hand ]; then
  echo
  echo "== Agencies submit their batches (hand-written set, tools/demo-data)"
  for f in "$DATA"/[0-9][0-9]-*.json; do
    agency=$(basename "$f" .json); agency=${agency#[0-9][0-9]-}
    cli --token "demo-submitter-${agency//_/-}-token" submit --agency "$agency" --file "$f"
  done
  echo
  echo "== Clues found (procurator's view)"
  cli clues --wait-for 3 --wait-s 30
else
  echo
  NOISE=${DEMO_NOISE:-default}
  echo "== lifeline-datagen writes a synthetic county of $PERSONS people (seed 1, $NOISE noise)"
  "$BIN/lifeline-datagen" --out "$VAR/datagen" --persons "$PERSONS" --seed 1 --noise "$NOISE" \
    --format both
  echo
  echo "== Each agency submits its records through the gateway (batches of 1,000)"
  for f in "$VAR"/datagen/jsonl/*.jsonl; do
    agency=$(basename "$f" .jsonl)
    cli --token "demo-submitter-${agency//_/-}-token" submit --agency "$agency" --file "$f" \
      --batch-size 1000
  done
  echo
  echo "== match-service links the records and scores every person; waiting for it to settle"
  mkdir -p "$VAR/eval"
  last=-1; stable=0; n=0
  for _ in $(seq 1 120); do
    # match-service may be too busy to answer in time while it catches up: just ask again.
    if ! cli export clues --out "$VAR/eval/clues.csv" >/dev/null 2>&1; then sleep 2; continue; fi
    n=$(( $(wc -l < "$VAR/eval/clues.csv") - 1 ))
    if [ "$n" -eq "$last" ]; then stable=$((stable + 1)); else stable=0; fi
    [ "$stable" -ge 3 ] && break
    last=$n
    sleep 2
  done
  echo "$n clues"
  echo
  echo "== Clues found (procurator's view), best first"
  # Through a file, not a pipe into head: with pipefail, head closing the pipe early killed the
  # CLI with SIGPIPE and the whole demo with it.
  cli clues > "$VAR/clues.txt"
  head -n 16 "$VAR/clues.txt"
  echo "(all $n in $VAR/clues.txt)"
fi
top=$(cli clues | awk 'NR==2 {print $2}')
echo
echo "== The strongest clue, with its evidence"
cli clue "$top"

echo
echo "== Before deciding, the procurator asks the village committee to confirm the family's hardship"
cli verify "$top" --department village_committee \
  --question "Is the family in hardship since the crime (income, who lives in the household)?"
cli verifications --clue "$top" --wait-answered-s 30

echo
# The suggested amount (wage x months by category, hardship and special groups) is above the
# 10,000-yuan approval threshold, so the chief procurator signs it off with a note.
echo "== The chief procurator approves the suggested amount; referral-service opens the 1+N plan"
LIFELINE_TOKEN=demo-chief-procurator-token cli review "$top" --approve --suggested \
  --reason "suggested amount; family verified by the town government"
cli plan --clue "$top" --wait-s 30
echo
echo "== Partner departments received (partner-sim, auto-accepting):"
sleep 1
grep -c '"referral"' "$VAR/partner-sim/received.jsonl" | xargs -I{} echo "{} referral(s) delivered"
cli plan --clue "$top"
echo
echo "== The admins' check: deliveries parked after their attempts (none while every department answers)"
LIFELINE_TOKEN=demo-admin-token cli undeliverable

if [ "${DEMO_DATA:-generated}" != hand ]; then
  echo
  echo "== How good is it? lifeline eval scores the links and clues against the generator's truth"
  cli export links --match 127.0.0.1:50052 --out "$VAR/eval/links.csv" >/dev/null
  cli export clues --out "$VAR/eval/clues.csv" >/dev/null
  cli eval --truth "$VAR/datagen/truth" --links "$VAR/eval/links.csv" --clues "$VAR/eval/clues.csv"
fi

echo
echo "== Before changing the rules: what would a higher bar for high-tier clues (90 -> 100) do?"
sed 's/^  high: 90$/  high: 100/' config/eligibility.yaml > "$VAR/eligibility-candidate.yaml"
cli rules preview "$VAR/eligibility-candidate.yaml"

if [ "${DEMO_EXIT:-0}" = 1 ]; then exit 0; fi
echo
echo "== Running. Try: LIFELINE_TOKEN=demo-procurator-token $BIN/lifeline clues"
echo "   Review console: http://127.0.0.1:8080/console/ (sign in with demo-procurator-token,"
echo "   demo-partner-legal-aid-token or demo-auditor-token; config/demo-tokens.yaml lists them all)"
echo "   Metrics: curl -s 127.0.0.1:9101/metrics | grep grpc_server_handled_total"
echo "   Press Ctrl-C to stop."
wait
