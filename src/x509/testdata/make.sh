#!/bin/sh
# Regenerates the X.509 test fixtures used by the unit tests in src/x509/.
#
# Run from anywhere: `sh src/x509/testdata/make.sh`. Needs the `openssl` CLI
# (tested with OpenSSL 3.0). Keys are fresh on every run, so every file changes;
# the tests only depend on the structure described below, never on key bytes.
#
# `openssl ca` is used (rather than `openssl x509 -req`) because it is the only
# OpenSSL 3.0 command that accepts explicit notBefore/notAfter dates, which we
# need for "valid until 2100", "expired in 2001" and "not valid before 2098".
#
# Layout:
#   root            RSA-2048 self-signed CA, 2000-01-01 .. 2100-01-01, sha256
#   inter           CA signed by root, pathlen:0
#   leaf            signed by inter; SAN www.example.com, *.example.org,
#                   127.0.0.1, ::1; CN www.example.com
#   leaf_sha1       like leaf but signed with sha1WithRSAEncryption
#   leaf_md5        like leaf but signed with md5WithRSAEncryption (unsupported)
#   leaf_expired    valid 2000-01-01 .. 2001-01-01
#   leaf_future     valid 2098-01-01 .. 2199-01-01 (not yet valid)
#   leaf_cn_only    no subjectAltName; CN cnonly.example.com
#   leaf_san_no_dns SAN with only an email address; CN www.example.com
#   evil            issued by *leaf* (which has cA:FALSE) -> NotCa
#   inter_rekeyed   same name as inter, other key (leaf's signature fails)
#   inter2 / leaf_deep   CA under inter (violates inter's pathlen:0) -> NotCa
#   other_root / other_leaf   an unrelated, untrusted hierarchy
#   selfsigned      self-signed end-entity (cA:FALSE), SAN pinned.example.com
#   ec_root / ec_leaf   P-384 CA (ecdsa-with-SHA384) issuing a P-256 leaf
#                   with ecdsa-with-SHA256
#   bundle.pem      root, inter, leaf with junk text and a key block between
#   leaf.der        leaf in DER
#   leaf.key        PKCS#8 PEM ("PRIVATE KEY"), leaf.pk8.der its DER
#   leaf.rsa.key    PKCS#1 PEM ("RSA PRIVATE KEY"), leaf.rsa.der its DER
#   ec_leaf.key     PKCS#8 EC key (must be rejected as UnsupportedKey)
set -eu

OUT=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

cat > ca.cnf <<'EOF'
[ ca ]
default_ca = testca
[ testca ]
dir = .
database = ./index.txt
new_certs_dir = ./newcerts
serial = ./serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
[ policy_any ]
commonName = supplied
organizationName = optional
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ v3_root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_inter ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_inter2 ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
[ v3_leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = DNS:www.example.com, DNS:*.example.org, IP:127.0.0.1, IP:::1
[ v3_cn_only ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
[ v3_san_no_dns ]
basicConstraints = critical, CA:FALSE
subjectAltName = email:someone@example.com
[ v3_evil ]
basicConstraints = critical, CA:FALSE
subjectAltName = DNS:www.victim.test
[ v3_self ]
basicConstraints = critical, CA:FALSE
subjectAltName = DNS:pinned.example.com
EOF
mkdir newcerts
: > index.txt
echo 1000 > serial

rsa_key() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null; }
ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:"$2" -out "$1" 2>/dev/null; }

# issue NAME SUBJECT_CN ISSUER_NAME|self EXTENSIONS START END MD
issue() {
    name=$1 cn=$2 issuer=$3 ext=$4 start=$5 end=$6 md=$7
    [ -f "$name.key" ] || rsa_key "$name.key"
    openssl req -new -config ca.cnf -key "$name.key" -subj "/O=openschannel test/CN=$cn" -out "$name.csr"
    if [ "$issuer" = self ]; then
        signer="-selfsign -keyfile $name.key"
    else
        signer="-cert $issuer.pem -keyfile $issuer.key"
    fi
    # shellcheck disable=SC2086
    openssl ca -batch -config ca.cnf $signer -in "$name.csr" -out "$name.pem" \
        -extensions "$ext" -startdate "$start" -enddate "$end" -md "$md" \
        -notext -preserveDN 2>/dev/null
}

LONG_AGO=20000101000000Z
FAR=21000101000000Z

issue root "openschannel test root" self v3_root $LONG_AGO $FAR sha256
issue inter "openschannel test intermediate" root v3_inter $LONG_AGO $FAR sha256
issue leaf "www.example.com" inter v3_leaf $LONG_AGO $FAR sha256
cp leaf.key leaf_sha1.key
issue leaf_sha1 "www.example.com" inter v3_leaf $LONG_AGO $FAR sha1
cp leaf.key leaf_md5.key
issue leaf_md5 "www.example.com" inter v3_leaf $LONG_AGO $FAR md5
cp leaf.key leaf_expired.key
issue leaf_expired "www.example.com" inter v3_leaf $LONG_AGO 20010101000000Z sha256
cp leaf.key leaf_future.key
issue leaf_future "www.example.com" inter v3_leaf 20980101000000Z 21990101000000Z sha256
cp leaf.key leaf_cn_only.key
issue leaf_cn_only "cnonly.example.com" inter v3_cn_only $LONG_AGO $FAR sha256
cp leaf.key leaf_san_no_dns.key
issue leaf_san_no_dns "www.example.com" inter v3_san_no_dns $LONG_AGO $FAR sha256
issue evil "www.victim.test" leaf v3_evil $LONG_AGO $FAR sha256
issue inter_rekeyed "openschannel test intermediate" root v3_inter $LONG_AGO $FAR sha256
issue inter2 "openschannel test intermediate 2" inter v3_inter2 $LONG_AGO $FAR sha256
issue leaf_deep "deep.example.com" inter2 v3_leaf $LONG_AGO $FAR sha256
issue other_root "openschannel other root" self v3_root $LONG_AGO $FAR sha256
issue other_leaf "www.example.com" other_root v3_leaf $LONG_AGO $FAR sha256
issue selfsigned "pinned.example.com" self v3_self $LONG_AGO $FAR sha256
ec_key ec_root.key P-384
issue ec_root "openschannel ec root" self v3_root $LONG_AGO $FAR sha384
ec_key ec_leaf.key P-256
issue ec_leaf "ec.example.com" ec_root v3_leaf $LONG_AGO $FAR sha256

for c in root inter leaf leaf_sha1 leaf_md5 leaf_expired leaf_future leaf_cn_only \
         leaf_san_no_dns evil inter_rekeyed inter2 leaf_deep other_root other_leaf selfsigned ec_root ec_leaf; do
    # Strip anything but the PEM block so the fixtures are canonical.
    openssl x509 -in "$c.pem" -out "$OUT/$c.pem"
done
openssl x509 -in leaf.pem -outform DER -out "$OUT/leaf.der"

# Keys of the leaf in every container the loader accepts.
openssl pkey -in leaf.key -out "$OUT/leaf.key"
openssl pkey -in leaf.key -outform DER -out "$OUT/leaf.pk8.der"
openssl rsa -in leaf.key -traditional -out "$OUT/leaf.rsa.key" 2>/dev/null
openssl rsa -in leaf.key -traditional -outform DER -out "$OUT/leaf.rsa.der" 2>/dev/null
openssl pkey -in ec_leaf.key -out "$OUT/ec_leaf.key"

# A bundle the way people really write them: comments, blank lines, a key
# block that must be ignored, CRLF line endings on one certificate.
{
    echo "# openschannel test bundle"
    echo "subject=/O=openschannel test/CN=openschannel test root"
    cat "$OUT/root.pem"
    echo
    echo "some junk between blocks -----"
    cat "$OUT/leaf.key"
    sed 's/$/\r/' "$OUT/inter.pem"
    echo "trailing junk"
    cat "$OUT/leaf.pem"
    echo "-----BEGIN GARBAGE-----"
} > "$OUT/bundle.pem"

echo "fixtures written to $OUT"
