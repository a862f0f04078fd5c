#!/bin/sh
# Regenerates the DSA engine fixtures (DHE-DSS suites), valid ~74 years. The CA of make.sh keeps no
# key, so the DSA leaf has its own DSA root, which also exercises dsa-with-sha256 chain checks:
#   dsa-ca.pem        self-signed DSA-2048 (q 256 bits) root, signed dsa-with-SHA256
#   server-dsa.pem    CN=localhost, SAN DNS:localhost + IP:127.0.0.1, DSA-2048, signed by dsa-ca
#                     with dsa-with-SHA256
#   server-dsa.key    its key, OpenSSL's traditional "DSA PRIVATE KEY" PEM
#   server-dsa.p8.key the same key, PKCS#8 ("PRIVATE KEY")
#   server-dsa-sha1.pem  the same leaf identity signed by dsa-ca with dsa-with-SHA1
#   server-dsa.p12    server-dsa.pem + its key + dsa-ca.pem, PKCS#12, password "test"
set -eu
cd "$(dirname "$0")"
openssl genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:2048 -pkeyopt dsa_paramgen_q_bits:256 \
  -out dsa.params 2>/dev/null
openssl genpkey -paramfile dsa.params -out dsa-ca.key
openssl req -x509 -sha256 -key dsa-ca.key -out dsa-ca.pem -subj "/CN=openschannel test DSA CA" -days 27000 \
  -addext basicConstraints=critical,CA:TRUE 2>/dev/null
openssl genpkey -paramfile dsa.params -out server-dsa.p8.key
openssl dsa -in server-dsa.p8.key -out server-dsa.key 2>/dev/null
openssl req -new -sha256 -key server-dsa.p8.key -out server.csr -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' > ext.cnf
openssl x509 -req -sha256 -in server.csr -CA dsa-ca.pem -CAkey dsa-ca.key -CAcreateserial -out server-dsa.pem \
  -days 27000 -extfile ext.cnf 2>/dev/null
openssl x509 -req -sha1 -in server.csr -CA dsa-ca.pem -CAkey dsa-ca.key -CAcreateserial -out server-dsa-sha1.pem \
  -days 27000 -extfile ext.cnf 2>/dev/null
rm -f server.csr dsa-ca.srl dsa-ca.key dsa.params ext.cnf
# PKCS#12 bundle (leaf + key + DSA root, password "test") for PFXImportCertStore, as make.sh does.
openssl pkcs12 -export -in server-dsa.pem -inkey server-dsa.key -certfile dsa-ca.pem \
  -name "openschannel test server (DSA)" -passout pass:test -out server-dsa.p12
chmod 644 server-dsa.p12
