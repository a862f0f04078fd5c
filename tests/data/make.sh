#!/bin/sh
# Regenerates the engine test fixtures: a CA and two localhost server certificates (RSA-2048 and
# ECDSA P-256) valid ~74 years.
set -eu
cd "$(dirname "$0")"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -subj "/CN=openschannel test CA" \
  -days 27000 -addext basicConstraints=critical,CA:TRUE 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' > ext.cnf
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 27000 -extfile ext.cnf 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server-ecdsa.key -out server.csr \
  -subj "/CN=localhost" 2>/dev/null
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server-ecdsa.pem -days 27000 -extfile ext.cnf 2>/dev/null
rm -f server.csr ca.srl ca.key ext.cnf
# PKCS#12 bundles (leaf + key + CA, password "test") for PFXImportCertStore; regenerate them after
# the certificates above: AES-256-CBC/PBKDF2 with an HMAC-SHA256 MAC (OpenSSL 3 defaults).
openssl pkcs12 -export -in server.pem -inkey server.key -certfile ca.pem -name "openschannel test server" \
  -passout pass:test -out server.p12
openssl pkcs12 -export -in server-ecdsa.pem -inkey server-ecdsa.key -certfile ca.pem \
  -name "openschannel test server (ECDSA)" -passout pass:test -out server-ecdsa.p12
chmod 644 server.p12 server-ecdsa.p12
# stores/root/ca.pem -> ../../ca.pem: the ROOT system store of the C tests (OPENSCHANNEL_STORE_DIR).
