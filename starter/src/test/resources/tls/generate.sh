#!/usr/bin/env bash
# Regenerates the test PKI (valid 100 years; test use only, no secret of any real system):
# a CA, a server certificate for the name server.test (not 127.0.0.1, so that connecting needs
# --tls-server-name) and a client certificate for mTLS. Keys are EC P-256 in PKCS#8.
set -euo pipefail
cd "$(dirname "$0")"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
key ca.key
openssl req -x509 -new -key ca.key -sha256 -days 36500 -subj "/CN=asm-migrate test CA" -out ca.pem
key server.key
openssl req -new -key server.key -subj "/CN=server.test" -out server.csr
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -sha256 -days 36500 \
  -extfile <(printf "subjectAltName=DNS:server.test\nextendedKeyUsage=serverAuth") -out server.pem
key client.key
openssl req -new -key client.key -subj "/CN=asm-migrate-client" -out client.csr
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -sha256 -days 36500 \
  -extfile <(printf "extendedKeyUsage=clientAuth") -out client.pem
rm -f server.csr client.csr ca.srl ca.key
