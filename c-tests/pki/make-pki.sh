#!/bin/sh
# make-pki.sh OUTDIR — test PKI for the interop suite and the examples.
#
# Creates, with the openssl CLI only (RSA-2048, SHA-256, one leaf key shared by
# every leaf certificate):
#   ca.pem / ca.key             root CA (the trust anchor the tests pass as --cafile)
#   server.pem / server.key     CN=localhost, SAN DNS:localhost + IP:127.0.0.1, signed by ca, 10 years
#   int.pem / int.key           intermediate CA signed by ca
#   server-int.pem              same leaf identity, signed by the intermediate
#   chain.pem                   server-int.pem followed by int.pem (leaf first)
#   expired.pem                 signed by ca, validity entirely in the past (2015..2016)
#   wrongname.pem               signed by ca, CN/SAN wrong.example
#   untrusted.pem               signed by other-ca (not in ca.pem)
#   other-ca.pem / other-ca.key the second, untrusted root
#   server-ecdsa.pem / server-ecdsa.key  ECDSA P-256 leaf (own key, SEC1 PEM), CN=localhost,
#                               SAN DNS:localhost + IP:127.0.0.1, signed by ca, 10 years
# Every RSA leaf uses server.key.
#
# Idempotent: when OUTDIR already holds every file, nothing is done.
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
out=$1

files="ca.pem ca.key server.pem server.key int.pem int.key server-int.pem chain.pem
       expired.pem wrongname.pem untrusted.pem other-ca.pem other-ca.key
       server-ecdsa.pem server-ecdsa.key"

complete=1
for f in $files; do
    [ -s "$out/$f" ] || complete=0
done
[ "$complete" = 1 ] && exit 0

command -v openssl >/dev/null 2>&1 || { echo "make-pki.sh: openssl not found" >&2; exit 1; }

mkdir -p "$out"
# Build in a scratch directory next to OUTDIR, then move into place, so an
# interrupted run never leaves a half-made set that looks complete.
work=$(mktemp -d "$out/.pki.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cd "$work"

# openssl writes progress dots and "writing new private key" to stderr; keep
# it only for failures.
log=$work/openssl.log
run() {
    if ! "$@" >>"$log" 2>&1; then
        echo "make-pki.sh: failed: $*" >&2
        cat "$log" >&2
        exit 1
    fi
}

newkey() { run openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1"; }

cat >ext.cnf <<'CNF'
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[int_ext]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[server_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer

[ecdsa_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer

[wrongname_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.example
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
CNF

# Self-signed roots.
newkey ca.key
run openssl req -new -x509 -sha256 -days 3650 -key ca.key -out ca.pem \
    -subj "/O=openschannel tests/CN=openschannel test root CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
newkey other-ca.key
run openssl req -new -x509 -sha256 -days 3650 -key other-ca.key -out other-ca.pem \
    -subj "/O=openschannel tests/CN=openschannel untrusted root CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"

# One key for every leaf.
newkey server.key

# sign ISSUER_PREFIX CSR OUT EXT [extra x509 args]
sign() {
    issuer=$1 csr=$2 outf=$3 ext=$4
    shift 4
    run openssl x509 -req -sha256 -in "$csr" -CA "$issuer.pem" -CAkey "$issuer.key" \
        -CAcreateserial -extfile ext.cnf -extensions "$ext" -out "$outf" "$@"
}

run openssl req -new -key server.key -subj "/O=openschannel tests/CN=localhost" -out server.csr
run openssl req -new -key server.key -subj "/O=openschannel tests/CN=wrong.example" -out wrong.csr

sign ca server.csr server.pem server_ext -days 3650
sign ca wrong.csr wrongname.pem wrongname_ext -days 3650
sign other-ca server.csr untrusted.pem server_ext -days 3650

# ECDSA P-256 leaf with its own key, signed by the same (RSA) root.
run openssl ecparam -name prime256v1 -genkey -noout -out server-ecdsa.key
run openssl req -new -key server-ecdsa.key -subj "/O=openschannel tests/CN=localhost" -out ecdsa.csr
sign ca ecdsa.csr server-ecdsa.pem ecdsa_ext -days 3650

# Intermediate CA and a leaf under it.
newkey int.key
run openssl req -new -key int.key -subj "/O=openschannel tests/CN=openschannel test intermediate CA" -out int.csr
sign ca int.csr int.pem int_ext -days 3650
sign int server.csr server-int.pem server_ext -days 3650
cat server-int.pem int.pem >chain.pem

# Expired leaf: `openssl x509 -req` in OpenSSL 3.0 cannot set dates in the
# past, so use a minimal `openssl ca` database with fixed start/end dates.
mkdir -p cadb/new
: >cadb/index.txt
echo 1000 >cadb/serial
cat >ca.cnf <<CNF
[ca]
default_ca = test_ca
[test_ca]
dir = $work/cadb
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
certificate = $work/ca.pem
private_key = $work/ca.key
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
[policy_any]
organizationName = optional
commonName = supplied
CNF
run openssl ca -batch -notext -config ca.cnf -in server.csr -out expired.pem \
    -startdate 20150101000000Z -enddate 20160101000000Z \
    -extfile ext.cnf -extensions server_ext

for f in $files; do
    [ -s "$f" ] || { echo "make-pki.sh: $f was not produced" >&2; exit 1; }
done
chmod 600 ./*.key
for f in $files; do
    mv -f "$f" "$out/$f"
done
