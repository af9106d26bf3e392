#!/usr/bin/env bash
# Through the services: how long a province's records take from `lifeline import` until every one
# is linked in match-service. Starts ingest-service and match-service on loopback (release build,
# SQLite in a temporary directory), generates IMPORT_PERSONS people with lifeline-datagen (default
# 5,500,000: about 1,000,000 record lines), imports every agency's file with `lifeline import
# --ingest` (IMPORT_PARALLEL files at once, default 2), then waits until ingest's outbox to match
# is empty. Prints the time to stored, the time to linked, the records and persons match holds,
# and where the time went (CPU seconds of each service). Bounded: gives up after
# IMPORT_TIMEOUT_S (default 1800) seconds. Ports 50061/50062, metrics 9111/9112.
#
#   bash bench/import_settle.sh                 # a million records
#   IMPORT_PERSONS=300000 bash bench/import_settle.sh
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${LIFELINE_BIN:-build/release/bin}
PERSONS=${IMPORT_PERSONS:-5500000}
PARALLEL=${IMPORT_PARALLEL:-2}
TIMEOUT_S=${IMPORT_TIMEOUT_S:-1800}
for b in ingest-service match-service lifeline lifeline-datagen; do
  [ -x "$BIN/$b" ] || { echo "import_settle: $BIN/$b is missing; build the release preset" >&2; exit 1; }
done

work=$(mktemp -d /tmp/lifeline-import-settle-XXXXXX)
pids=()
cleanup() {
  if [ ${#pids[@]} -gt 0 ]; then kill -TERM "${pids[@]}" 2>/dev/null || true; wait "${pids[@]}" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
metric() {  # port, name: the value of an unlabelled metric (awk reads to the end: an early exit
  # would fail curl with SIGPIPE, and pipefail the script)
  curl -s "http://127.0.0.1:$1/metrics" | awk -v n="$2" '$1 == n && !found { print $2; found = 1 }'
}
cpu_s() {  # pid: user + system CPU seconds
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / hz }' "/proc/$1/stat"
}

echo "== lifeline-datagen: $PERSONS persons (seed 1, default noise)"
start=$(now)
"$BIN/lifeline-datagen" --out "$work/data" --persons "$PERSONS" --seed 1 --format jsonl \
  --progress off >/dev/null
lines=$(cat "$work"/data/jsonl/*.jsonl | wc -l)
echo "   $lines record lines in $(since "$start") s"

(umask 077; head -c 32 /dev/urandom | base64 > "$work/id_token.key")
# Mutual TLS and caller tokens as in production (throw-away CA and key).
bash scripts/make-dev-pki.sh "$work/secrets"
SEC=(--tls_cert_file="$work/secrets/tls.pem" --tls_key_file="$work/secrets/tls.key"
     --tls_ca_file="$work/secrets/ca.pem" --caller_key_file="$work/secrets/caller.keys")
export LIFELINE_TLS_CERT_FILE="$work/secrets/tls.pem" LIFELINE_TLS_KEY_FILE="$work/secrets/tls.key"
export LIFELINE_TLS_CA_FILE="$work/secrets/ca.pem" LIFELINE_CALLER_KEY_FILE="$work/secrets/caller.keys"
"$BIN/match-service" "${SEC[@]}" --listen_address=127.0.0.1:50062 --metrics_address=127.0.0.1:9112 \
  --data_dir="$work/match" --referral_target=127.0.0.1:1 >"$work/match.log" 2>&1 &
pids+=($!); match_pid=$!
"$BIN/ingest-service" "${SEC[@]}" --listen_address=127.0.0.1:50061 --metrics_address=127.0.0.1:9111 \
  --data_dir="$work/ingest" --match_target=127.0.0.1:50062 \
  --token_secret_file="$work/id_token.key" >"$work/ingest.log" 2>&1 &
pids+=($!); ingest_pid=$!
for port in 50061 50062; do
  "$BIN/lifeline" health --target "127.0.0.1:$port" --wait-s 60 >/dev/null
done

echo "== lifeline import --ingest: every agency's file, $PARALLEL at a time"
start=$(now)
(ls "$work"/data/jsonl/*.jsonl | xargs -P "$PARALLEL" -I{} sh -c '
  f={}; agency=$(basename "$f" .jsonl)
  "'"$BIN"'/lifeline" import --ingest 127.0.0.1:50061 --agency "$agency" --file "$f" \
    --batch-size 1000 --progress off > "'"$work"'/import-$agency.log" 2>&1 ||
    { echo "import of $agency failed:"; tail -5 "'"$work"'/import-$agency.log"; exit 1; }'
 times > "$work/import-times")
stored=$(since "$start")
echo "   stored by ingest after $stored s"

deadline=$(( $(date +%s) + TIMEOUT_S ))
while :; do
  pending=$(metric 9111 lifeline_ingest_outbox_pending)
  if [ "${pending:-x}" = 0 ]; then break; fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "import_settle: still $pending records queued for match after $TIMEOUT_S s" >&2
    exit 1
  fi
  sleep 1
done
linked=$(since "$start")
applied=$(metric 9112 lifeline_match_records_applied_total)
echo "   every record linked in match-service after $linked s (records applied: ${applied:-?})"
import_cpu=$(awk 'NR == 2 { gsub(/[ms]/, " "); print $1 * 60 + $2 + $3 * 60 + $4 }' "$work/import-times")
echo "   CPU seconds: ingest-service $(cpu_s "$ingest_pid"), match-service $(cpu_s "$match_pid"), lifeline import $import_cpu"
echo "   match-service resident: $(awk '/VmRSS/ { printf "%d MiB", $2 / 1024 }' "/proc/$match_pid/status")"
