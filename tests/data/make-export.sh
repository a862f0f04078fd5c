#!/bin/sh
# Regenerates the export-suite fixtures (tests/export.rs): a CA of its own (RSA-2048) and a
# localhost server certificate with a 512-bit RSA key, the size an export server may use for the
# key exchange directly (no temporary key, no ServerKeyExchange). Valid ~74 years.
set -eu
cd "$(dirname "$0")"
openssl req -x509 -newkey rsa:2048 -nodes -keyout export-ca.key -out export-ca.pem -subj "/CN=openschannel export test CA" \
  -days 27000 -addext basicConstraints=critical,CA:TRUE 2>/dev/null
openssl req -newkey rsa:512 -nodes -keyout server-512.key -out server-512.csr -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' > export-ext.cnf
openssl x509 -req -in server-512.csr -CA export-ca.pem -CAkey export-ca.key -CAcreateserial -out server-512.pem -days 27000 \
  -extfile export-ext.cnf 2>/dev/null
rm -f server-512.csr export-ca.srl export-ca.key export-ext.cnf
