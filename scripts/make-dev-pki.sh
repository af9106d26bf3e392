#!/usr/bin/env bash
# Makes the secrets a non-production Lifeline run needs, in DIR (default ./var/secrets), unless
# they are already there: a throw-away CA (ca.pem, ca.key), one certificate for "localhost" and
# 127.0.0.1 that every process presents as server and as client (tls.pem, tls.key; 30 days), and
# a caller key file signing the gateway's caller tokens (caller.keys, one HS256 key). All files
# are owner-only. Production issues certificates from the province's CA instead (k8s/README.md).
#
#   scripts/make-dev-pki.sh [DIR]
set -euo pipefail
DIR=${1:-var/secrets}
umask 077
mkdir -p "$DIR"
if [ ! -s "$DIR/tls.pem" ] || [ ! -s "$DIR/tls.key" ] || [ ! -s "$DIR/ca.pem" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj "/CN=Lifeline development CA" -keyout "$DIR/ca.key" -out "$DIR/ca.pem" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
    -keyout "$DIR/tls.key" -out "$DIR/tls.csr" 2>/dev/null
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=serverAuth,clientAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    > "$DIR/tls.ext"
  openssl x509 -req -in "$DIR/tls.csr" -CA "$DIR/ca.pem" -CAkey "$DIR/ca.key" -CAcreateserial \
    -days 30 -extfile "$DIR/tls.ext" -out "$DIR/tls.pem" 2>/dev/null
  rm -f "$DIR/tls.csr" "$DIR/tls.ext"
fi
if [ ! -s "$DIR/caller.keys" ]; then
  {
    echo "# Caller-token keys (common/auth/key_file.h): the first line signs, every line verifies."
    echo "dev-$(date +%Y%m%d) HS256 hex:$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  } > "$DIR/caller.keys"
fi
