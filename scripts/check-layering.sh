#!/usr/bin/env bash
# Keeps the layering of STYLE.md true: domain/ code is free of transport code (it may use the
# generated data messages, *.pb.h, as value types, never gRPC stubs, Asio or Beast), services do
# not include each other, and common/ includes no service.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
report() { echo "layering: $*" >&2; fail=1; }

services=(ingest-service match-service referral-service gateway)
while IFS= read -r f; do
  if grep -nE '#include [<"](grpcpp/|grpc/|boost/asio|boost/beast|.*\.grpc\.pb\.h)' "$f"; then
    report "$f: domain/ must not include gRPC, Asio or Beast"
  fi
done < <(git ls-files -co --exclude-standard -- '*/domain/*.h' '*/domain/*.cc')

for svc in "${services[@]}"; do
  for other in "${services[@]}"; do
    [ "$svc" = "$other" ] && continue
    if git ls-files -co --exclude-standard -- "$svc" | grep -E '\.(h|cc)$' |
        xargs -r grep -lE "#include \"$other/" ; then
      report "$svc includes code of $other"
    fi
  done
done

if git ls-files -co --exclude-standard -- common | grep -E '\.(h|cc)$' |
    xargs -r grep -lE '#include "(ingest-service|match-service|referral-service|gateway|tools)/'; then
  report "common/ includes a service or tool"
fi

if [ $fail -ne 0 ]; then exit 1; fi
echo "layering: ok"
