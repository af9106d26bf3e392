#!/usr/bin/env bash
# Through the running services: how long a new agency record takes to reach an updated clue
# (issue #13's goal: within 5 s). Starts the whole suite with scripts/run-local.sh (release
# build, loopback, a generated county of LATENCY_PERSONS people, default 50,000, under ./var),
# adds the hand-written story records (tools/demo-data) through the gateway, then
# LATENCY_SAMPLES times (default 30) sends the rural revitalization bureau's record of the injured
# victim again, alternately retracted and restored, and times from the POST until GET
# /v1/clues/{id} shows the clue withdrawn or pending again. Prints every sample and the
# percentiles. Bounded: each sample gives up after 30 s, start-up after 600 s. Needs curl and
# python3.
#
#   bash bench/clue_latency.sh
#   LATENCY_PERSONS=200000 LATENCY_SAMPLES=50 bash bench/clue_latency.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SAMPLES=${LATENCY_SAMPLES:-30}
PERSONS=${LATENCY_PERSONS:-50000}
GW=http://127.0.0.1:8080
# shellcheck source=bench/suite_in_background.sh
source bench/suite_in_background.sh
start_suite "$PERSONS" clue-latency

now_ms() { date +%s%3N; }
post() {  # token, path, body
  curl -sf -X POST -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
    --data-binary "$3" "$GW$2" > /dev/null
}

echo "== adding the hand-written story records"
for f in tools/demo-data/0*.json; do
  agency=$(basename "$f" .json | cut -d- -f2-)
  token="demo-submitter-${agency//_/-}-token"
  post "$token" "/v1/agencies/$agency/batches" "$(cat "$f")"
done

# The injured victim of the story (masked ID 3415**********5281): her clue's id.
clue=""
for _ in $(seq 300); do
  clue=$(curl -sf -H "Authorization: Bearer demo-procurator-token" "$GW/v1/clues?page_size=500" |
    python3 -c 'import json, sys
for c in json.load(sys.stdin).get("clues", []):
    if c.get("personIdMasked") == "3415**********5281": print(c["clueId"]); break')
  [ -n "$clue" ] && break
  sleep 0.1
done
[ -n "$clue" ] || { echo "clue_latency: the story victim's clue did not appear" >&2; exit 1; }
echo "   the victim's clue: $clue"

status_of() {
  curl -sf -H "Authorization: Bearer demo-procurator-token" "$GW/v1/clues/$clue" |
    grep -o '"status": *"CLUE_STATUS_[A-Z_]*"' | head -1 | grep -o 'CLUE_STATUS_[A-Z_]*'
}

record='"source_record_id": "PM-341523-0915", "record_date": "2024-03-01",
  "person": {"name": "刘芳", "id_number": "341523198106065281", "sex": "SEX_FEMALE",
             "household_id": "RR-341523-0915", "region_code": "341523"},
  "poverty_monitoring": {"category": "CATEGORY_SUDDEN_HARDSHIP", "risk_cause": "RISK_CAUSE_ACCIDENT",
                         "start_date": "2023-03-01"}'
results=()
echo "== $SAMPLES samples: POST the record (retracted / restored) -> the clue's status changes"
for i in $(seq "$SAMPLES"); do
  version=$((i + 1))
  if [ $((i % 2)) -eq 1 ]; then
    body="{\"batch_id\": \"latency-$$-$i\", \"records\": [{\"source_record_id\": \"PM-341523-0915\", \"version\": $version, \"record_date\": \"2024-03-01\", \"retracted\": true}]}"
    want=CLUE_STATUS_WITHDRAWN
  else
    body="{\"batch_id\": \"latency-$$-$i\", \"records\": [{\"version\": $version, $record}]}"
    want=CLUE_STATUS_PENDING_REVIEW
  fi
  start=$(now_ms)
  post demo-submitter-rural-revitalization-token /v1/agencies/rural_revitalization/batches "$body"
  deadline=$((start + 30000))
  while [ "$(status_of)" != "$want" ]; do
    [ "$(now_ms)" -lt "$deadline" ] || { echo "clue_latency: sample $i: no $want after 30 s" >&2; exit 1; }
    sleep 0.01
  done
  ms=$(($(now_ms) - start))
  results+=("$ms")
  printf '   sample %2d  %-26s %6d ms\n' "$i" "$want" "$ms"
done
printf '%s\n' "${results[@]}" | sort -n | awk '
  { v[NR] = $1 }
  END {

    printf "== %d samples: p50 %d ms, p90 %d ms, p99 %d ms, max %d ms\n", NR,
      v[int(NR * 0.5 + 0.5)], v[int(NR * 0.9 + 0.5)], v[int(NR * 0.99 + 0.5)], v[NR]
  }'
