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
#   server-dsa.pem / server-dsa.key  DSA 2048-bit (q 256 bits) leaf for the DHE-DSS suites, own key
#                               in OpenSSL's traditional "DSA PRIVATE KEY" PEM, CN=localhost, SAN
#                               DNS:localhost + IP:127.0.0.1, SHA-256, signed by ca, 10 years
#   server-dsa.p8.key           the same DSA key as PKCS#8 ("PRIVATE KEY")
# Every RSA server leaf uses server.key.
#
# Client authentication (issue 5):
#   client.pem / client.key     CN=openschannel test client, EKU clientAuth only, signed by ca
#                               (own RSA key)
#   client.p12                  client.pem + client.key + ca.pem, PKCS#12, password "test"
#   client-untrusted.pem        the same client identity (client.key) signed by other-ca
# More bad server leaves (all CN=localhost with the SAN of server.pem, key server.key):
#   notyetvalid.pem             signed by ca, validity entirely in the future (2045..2046)
#   wrongusage.pem              signed by ca, EKU clientAuth only (no serverAuth)
#   md5.pem                     signed by ca with md5WithRSAEncryption
#   subca.pem                   a CA (no pathlen) signed by int, whose pathlen:0 forbids it
#   toolong.pem                 leaf signed by subca
#   toolong-chain.pem           toolong.pem, subca.pem, int.pem (path length exceeded)
# Revocation (CRLs made with `openssl ca -gencrl`, no clock faking):
#   revoked.pem                 signed by ca, its serial listed in ca.crl
#   int-revoked.pem             a CA (pathlen:0) signed by ca, its serial listed in ca.crl
#   server-intrev.pem           leaf signed by int-revoked
#   chain-intrev.pem            server-intrev.pem followed by int-revoked.pem
#   ca.crl                      ca's CRL (PEM), valid 2015..+10 years, lists revoked.pem and
#                               int-revoked.pem
#   ca-stale.crl                ca's CRL listing nothing, lastUpdate 2015-01-01, nextUpdate
#                               2016-01-01 (stale: `-crl_lastupdate`/`-crl_nextupdate`)
#   int.crl                     int's CRL, fresh, lists nothing (covers server-int.pem)
#   int-revoked.crl             int-revoked's CRL, fresh, lists nothing (covers server-intrev.pem)
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
       server-ecdsa.pem server-ecdsa.key
       server-dsa.pem server-dsa.key server-dsa.p8.key
       client.pem client.key client.p12 client-untrusted.pem
       notyetvalid.pem wrongusage.pem md5.pem subca.pem toolong.pem toolong-chain.pem
       revoked.pem int-revoked.pem server-intrev.pem chain-intrev.pem
       ca.crl ca-stale.crl int.crl int-revoked.crl"

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

[client_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer

[wrongusage_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer

[subca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
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

# DSA leaf (DHE-DSS suites), same extensions as the ECDSA one (a signing-only key).
run openssl genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:2048 -pkeyopt dsa_paramgen_q_bits:256 \
    -out dsa.params
run openssl genpkey -paramfile dsa.params -out server-dsa.p8.key
run openssl dsa -in server-dsa.p8.key -out server-dsa.key
run openssl req -new -sha256 -key server-dsa.p8.key -subj "/O=openschannel tests/CN=localhost" -out dsa.csr
sign ca dsa.csr server-dsa.pem ecdsa_ext -days 3650

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

# --- issue 5: client certificates, more bad leaves, revocation -------------------

# Client identity: own key, clientAuth only; PKCS#12 with the root as its chain.
newkey client.key
run openssl req -new -key client.key -subj "/O=openschannel tests/CN=openschannel test client" -out client.csr
sign ca client.csr client.pem client_ext -days 3650
sign other-ca client.csr client-untrusted.pem client_ext -days 3650
run openssl pkcs12 -export -in client.pem -inkey client.key -certfile ca.pem \
    -name "openschannel test client" -passout pass:test -out client.p12

# Wrong purpose and an MD5 signature (OpenSSL 3 still signs with MD5 from the
# CLI; only TLS peers refuse to use such a certificate below @SECLEVEL=0).
sign ca server.csr wrongusage.pem wrongusage_ext -days 3650
run openssl x509 -req -md5 -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
    -extfile ext.cnf -extensions server_ext -out md5.pem -days 3650

# Path too long: int (pathlen:0) -> subca -> leaf.
newkey subca.key
run openssl req -new -key subca.key -subj "/O=openschannel tests/CN=openschannel test sub CA" -out subca.csr
sign int subca.csr subca.pem subca_ext -days 3650
sign subca server.csr toolong.pem server_ext -days 3650
cat toolong.pem subca.pem int.pem >toolong-chain.pem

# Not yet valid: `openssl ca` takes fixed dates (see expired.pem above).
run openssl ca -batch -notext -config ca.cnf -in server.csr -out notyetvalid.pem \
    -startdate 20450101000000Z -enddate 20460101000000Z \
    -extfile ext.cnf -extensions server_ext

# mkca NAME CERT KEY: an `openssl ca` database and NAME.cnf for another issuer
# (CRLs need the database: `-gencrl` lists what `-revoke` marked).
mkca() {
    mkdir -p "$1.db/new"
    : >"$1.db/index.txt"
    echo 2000 >"$1.db/serial"
    echo 01 >"$1.db/crlnumber"
    cat >"$1.cnf" <<CNF
[ca]
default_ca = test_ca
[test_ca]
dir = $work/$1.db
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = $work/$2
private_key = $work/$3
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
crl_extensions = crl_ext
[policy_any]
organizationName = optional
commonName = supplied
[crl_ext]
authorityKeyIdentifier = keyid:always
CNF
}
# The root's database for revocation is its own (ca.cnf above keeps no
# crlnumber, and expired.pem's entry stays as it was).
mkca root ca.pem ca.key
mkca int int.pem int.key

# gencrl CNF OUT [dates]: a CRL (PEM, v2 with authorityKeyIdentifier and a
# CRL number); fresh ones start 2015-01-01 so that a skewed clock still
# accepts them.
gencrl() {
    cnf=$1 outf=$2
    shift 2
    run openssl ca -batch -gencrl -config "$cnf" -out "$outf" "$@"
}

# The stale CRL first, while nothing is revoked: its window ended in 2016.
gencrl root.cnf ca-stale.crl -crl_lastupdate 20150101000000Z -crl_nextupdate 20160101000000Z

# Revoked leaf and revoked intermediate (with a leaf of its own).
run openssl ca -batch -notext -config root.cnf -in server.csr -out revoked.pem -days 3650 \
    -extfile ext.cnf -extensions server_ext
newkey int-revoked.key
run openssl req -new -key int-revoked.key -subj "/O=openschannel tests/CN=openschannel revoked intermediate CA" \
    -out int-revoked.csr
run openssl ca -batch -notext -config root.cnf -in int-revoked.csr -out int-revoked.pem -days 3650 \
    -extfile ext.cnf -extensions int_ext
run openssl ca -batch -config root.cnf -revoke revoked.pem -crl_reason keyCompromise
run openssl ca -batch -config root.cnf -revoke int-revoked.pem -crl_reason cACompromise
gencrl root.cnf ca.crl -crl_lastupdate 20150101000000Z -crldays 3650

mkca intrev int-revoked.pem int-revoked.key
sign int-revoked server.csr server-intrev.pem server_ext -days 3650
cat server-intrev.pem int-revoked.pem >chain-intrev.pem
gencrl intrev.cnf int-revoked.crl -crl_lastupdate 20150101000000Z -crldays 3650
gencrl int.cnf int.crl -crl_lastupdate 20150101000000Z -crldays 3650

for f in $files; do
    [ -s "$f" ] || { echo "make-pki.sh: $f was not produced" >&2; exit 1; }
done
chmod 600 ./*.key
for f in $files; do
    mv -f "$f" "$out/$f"
done
