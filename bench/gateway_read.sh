#!/usr/bin/env bash
# The gateway's read path under load (issue #14's goal: GET /v1/clues/{id} at 10,000 requests/s
# or more with p99 at most 20 ms, wrk -c64, on this 2-core machine), and its overhead against
# calling match-service directly in the same run. Starts the suite with scripts/run-local.sh
# (release build, secured as in production, a generated county of READ_PERSONS people, default
# 50,000, the gateway's rate limit off), then, each for READ_SECONDS (default 20) with 64
# connections: wrk through the gateway over every clue of the county in turn
# (bench/clue_ids.lua), lifeline-getclue-load against match-service directly over the same clues,
# the same tool against gRPC's health check (the floor that gRPC with mutual TLS sets on this
# machine, with no store behind it), and wrk on a 50-clue list page. Bounded: start-up gives up
# after 600 s.
#
#   bash bench/gateway_read.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PERSONS=${READ_PERSONS:-50000}
SECONDS_RUN=${READ_SECONDS:-20}
BIN=${LIFELINE_BIN:-build/release/bin}
GW=http://127.0.0.1:8080
TOKEN=demo-procurator-token
command -v wrk >/dev/null || { echo "gateway_read: wrk is missing (apt-get install wrk)" >&2; exit 1; }
[ -x "$BIN/lifeline-getclue-load" ] || { echo "gateway_read: build lifeline-getclue-load (release preset)" >&2; exit 1; }
# shellcheck source=bench/suite_in_background.sh
source bench/suite_in_background.sh
start_suite "$PERSONS" gateway-read

ids=$(mktemp /tmp/lifeline-clue-ids-XXXXXX)
token=""
while :; do
  page=$(curl -sf -H "Authorization: Bearer $TOKEN" "$GW/v1/clues?page_size=100&page_token=$token")
  echo "$page" | python3 -c 'import json,sys; [print(c["clueId"]) for c in json.load(sys.stdin).get("clues", [])]' >> "$ids"
  token=$(echo "$page" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("nextPageToken", ""))')
  [ -n "$token" ] || break
done
echo "== GET /v1/clues/{id} through the gateway over $(wc -l < "$ids") clues: wrk -t2 -c64 -d${SECONDS_RUN}s"
CLUE_IDS_FILE=$ids wrk -t2 -c64 -d"${SECONDS_RUN}s" --latency -s bench/clue_ids.lua \
  -H "Authorization: Bearer $TOKEN" "$GW" |
  tee /tmp/lifeline-gateway-read-wrk.txt | grep -E "Requests/sec|99%|50%|Non-2xx|Socket errors" || true
gateway_rps=$(awk '/Requests\/sec/ {print $2}' /tmp/lifeline-gateway-read-wrk.txt)

echo "== MatchService.GetClue directly (mutual TLS, caller token), the same clues: 64 connections, ${SECONDS_RUN}s"
export LIFELINE_TLS_CERT_FILE=var/secrets/tls.pem LIFELINE_TLS_KEY_FILE=var/secrets/tls.key
export LIFELINE_TLS_CA_FILE=var/secrets/ca.pem LIFELINE_CALLER_KEY_FILE=var/secrets/caller.keys
direct=$("$BIN/lifeline-getclue-load" --target 127.0.0.1:50052 --clue "$(paste -sd, "$ids")" \
  --connections 64 --seconds "$SECONDS_RUN")
echo "$direct"
direct_rps=$(echo "$direct" | sed -E 's/.* = ([0-9]+) calls\/s.*/\1/')
python3 -c "print('== gateway/direct throughput ratio: %.2f' % (float('$gateway_rps') / float('$direct_rps')))"

echo "== grpc.health.v1.Health/Check on match-service (mutual TLS, no store): 64 connections, ${SECONDS_RUN}s"
"$BIN/lifeline-getclue-load" --target 127.0.0.1:50052 --health --connections 64 --seconds "$SECONDS_RUN"

echo "== GET /v1/clues?page_size=50 through the gateway: wrk -t2 -c64 -d${SECONDS_RUN}s"
wrk -t2 -c64 -d"${SECONDS_RUN}s" --latency -H "Authorization: Bearer $TOKEN" \
  "$GW/v1/clues?page_size=50" | grep -E "Requests/sec|99%|50%|Non-2xx|Socket errors" || true
rm -f "$ids"
