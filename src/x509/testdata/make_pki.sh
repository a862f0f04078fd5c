#!/bin/sh
# Regenerates the chain-policy and revocation fixtures in src/x509/testdata/pki/
# (used by the tests in verify.rs, policy.rs and crl.rs).
#
# Run from anywhere: `sh src/x509/testdata/make_pki.sh`. Needs the `openssl`
# CLI (tested with OpenSSL 3.0). Keys and CRL times are fresh on every run, so
# every file changes; the tests depend only on the structure below. CRL
# thisUpdate is the time of the run (`openssl ca -gencrl` cannot set it), so
# the tests use a `now` of 2030-01-01, after any plausible run and before
# the fresh CRLs' nextUpdate (run + 100 years) but after the stale ones'
# (run + 1 hour).
#
# Every CA has its own `openssl ca` database, because -gencrl lists every
# revoked entry of the database whatever its issuer.
#
# Certificates (all RSA-2048/sha256, valid 2000-01-01 .. 2100-01-01 unless
# said otherwise; end-entities have SAN DNS:<name>.example.com):
#   root            self-signed CA, keyCertSign+cRLSign
#   ca1             CA under root, no pathlen
#   ca2             CA under ca1, pathlen:0
#   good            under ca2; KU digitalSignature+keyEncipherment,
#                   EKU serverAuth+clientAuth. Path: good, ca2, ca1, root
#   expired         like good, valid 2000-01-01 .. 2001-01-01
#   not_yet_valid   like good, valid 2098-01-01 .. 2199-01-01
#   wrong_eku       EKU emailProtection only                  -> WrongUsage
#   server_only     EKU serverAuth only (fails ClientAuth)
#   no_eku          no EKU, KU digitalSignature (any purpose)
#   any_eku         EKU anyExtendedKeyUsage
#   ku_kex          KU keyEncipherment only, EKU serverAuth+clientAuth
#                   (a server's RSA key-exchange key; not a client's key)
#   ku_nonrep       KU nonRepudiation only                    -> WrongUsage
#   md5             good's profile, signed md5WithRSAEncryption
#   sub_ca          CA under ca2, which has pathlen:0
#   too_long        end-entity under sub_ca                   -> PathTooLong
#   critical        end-entity with critical 1.3.6.1.4.1.55555.1
#                                                 -> UnknownCriticalExtension
#   revoked         like good; listed in ca2's CRLs
#   with_cdp        like good, plus cRLDistributionPoints
#                   URI:http://crl.example/ca2.crl
#   ca_email        CA under root with EKU emailProtection
#   under_email     serverAuth end-entity under ca_email      -> WrongUsage
#   ca_revoked      CA under root, listed in root's CRL
#   under_revoked   end-entity under ca_revoked
#   ec_root         P-256 self-signed CA, ecdsa-with-SHA256
#   ec_inter        P-256 CA under ec_root
#   ec_leaf         P-256 end-entity under ec_inter
# CRLs (fresh: nextUpdate = run + 36500 days; stale: run + 1 hour):
#   crl/root.crl    DER, by root, lists ca_revoked
#   crl/ca1.pem     PEM, by ca1, empty
#   crl/ca2.crl     PEM, by ca2, lists revoked
#   crl/ec_inter.der  DER, by ec_inter (ECDSA), empty
#   stale/ca2.crl   PEM, by ca2, lists revoked, already past nextUpdate
#   stale/root.crl  PEM, by root, lists ca_revoked, past nextUpdate
#   scoped/ca2_dp.crl   fresh, by ca2, lists revoked; issuing distribution
#                   point fullName URI:http://crl.example/ca2.crl, onlyUser
#   scoped/ca2_cas.crl  fresh, by ca2, lists revoked; onlyCA
set -eu

OUT=$(cd "$(dirname "$0")" && pwd)/pki
mkdir -p "$OUT/crl" "$OUT/stale"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

cat > ca.cnf <<'EOF'
[ ca ]
default_ca = testca
[ testca ]
dir = .
database = ./$ENV::CADB.txt
crlnumber = ./$ENV::CADB.num
new_certs_dir = ./newcerts
serial = ./serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
crl_extensions = crl_ext
[ crl_ext ]
authorityKeyIdentifier = keyid:always
[ crl_idp_dp ]
authorityKeyIdentifier = keyid:always
issuingDistributionPoint = critical, @idp_dp
[ idp_dp ]
fullname = URI:http://crl.example/ca2.crl
onlyuser = TRUE
[ crl_idp_ca ]
authorityKeyIdentifier = keyid:always
issuingDistributionPoint = critical, @idp_ca
[ idp_ca ]
onlyCA = TRUE
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
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_ca_pathlen0 ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_ca_email ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
extendedKeyUsage = emailProtection
[ v3_good ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = DNS:$ENV::LEAFNAME.example.com
[ v3_wrong_eku ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = emailProtection
subjectAltName = DNS:$ENV::LEAFNAME.example.com
[ v3_server_only ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:$ENV::LEAFNAME.example.com
[ v3_no_eku ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
subjectAltName = DNS:$ENV::LEAFNAME.example.com
[ v3_any_eku ]
basicConstraints = critical, CA:FALSE
extendedKeyUsage = anyExtendedKeyUsage
subjectAltName = DNS:$ENV::LEAFNAME.example.com
[ v3_ku_kex ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = DNS:$ENV::LEAFNAME.example.com
[ v3_ku_nonrep ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, nonRepudiation
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = DNS:$ENV::LEAFNAME.example.com
[ v3_with_cdp ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = DNS:$ENV::LEAFNAME.example.com
crlDistributionPoints = URI:http://crl.example/ca2.crl
[ v3_critical ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = DNS:$ENV::LEAFNAME.example.com
1.3.6.1.4.1.55555.1 = critical, ASN1:UTF8String:must be understood
EOF
mkdir newcerts
echo 2000 > serial
export LEAFNAME=unused CADB=db_unused

rsa_key() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null; }
ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# db NAME: select NAME's own CA database (created on first use).
db() {
    export CADB="db_$1"
    [ -f "$CADB.txt" ] || : > "$CADB.txt"
    [ -f "$CADB.num" ] || echo 01 > "$CADB.num"
}

# issue NAME ISSUER|self EXTENSIONS START END MD
issue() {
    name=$1 issuer=$2 ext=$3 start=$4 end=$5 md=$6
    [ -f "$name.key" ] || rsa_key "$name.key"
    export LEAFNAME="$name"
    openssl req -new -config ca.cnf -key "$name.key" -subj "/O=openschannel test/CN=openschannel pki $name" -out "$name.csr"
    if [ "$issuer" = self ]; then
        signer="-selfsign -keyfile $name.key"
        db "$name"
    else
        signer="-cert $issuer.pem -keyfile $issuer.key"
        db "$issuer"
    fi
    # shellcheck disable=SC2086
    openssl ca -batch -config ca.cnf $signer -in "$name.csr" -out "$name.pem" \
        -extensions "$ext" -startdate "$start" -enddate "$end" -md "$md" \
        -notext -preserveDN 2>/dev/null
}

# revoke NAME ISSUER
revoke() {
    db "$2"
    openssl ca -config ca.cnf -cert "$2.pem" -keyfile "$2.key" -revoke "$1.pem" -crl_reason keyCompromise 2>/dev/null
}

# crl ISSUER OUTFILE FORMAT VALIDITY-OPTION
crl() {
    db "$1"
    openssl ca -config ca.cnf -cert "$1.pem" -keyfile "$1.key" -gencrl $4 -md sha256 -out "$1.crl.pem" 2>/dev/null
    openssl crl -in "$1.crl.pem" -outform "$3" -out "$2"
}

A=20000101000000Z
Z=21000101000000Z

issue root self v3_root $A $Z sha256
issue ca1 root v3_ca $A $Z sha256
issue ca2 ca1 v3_ca_pathlen0 $A $Z sha256
issue good ca2 v3_good $A $Z sha256
issue expired ca2 v3_good $A 20010101000000Z sha256
issue not_yet_valid ca2 v3_good 20980101000000Z 21990101000000Z sha256
issue wrong_eku ca2 v3_wrong_eku $A $Z sha256
issue server_only ca2 v3_server_only $A $Z sha256
issue no_eku ca2 v3_no_eku $A $Z sha256
issue any_eku ca2 v3_any_eku $A $Z sha256
issue ku_kex ca2 v3_ku_kex $A $Z sha256
issue ku_nonrep ca2 v3_ku_nonrep $A $Z sha256
issue md5 ca2 v3_good $A $Z md5
issue sub_ca ca2 v3_ca $A $Z sha256
issue too_long sub_ca v3_good $A $Z sha256
issue critical ca2 v3_critical $A $Z sha256
issue revoked ca2 v3_good $A $Z sha256
issue with_cdp ca2 v3_with_cdp $A $Z sha256
issue ca_email root v3_ca_email $A $Z sha256
issue under_email ca_email v3_good $A $Z sha256
issue ca_revoked root v3_ca $A $Z sha256
issue under_revoked ca_revoked v3_good $A $Z sha256
ec_key ec_root.key
issue ec_root self v3_root $A $Z sha256
ec_key ec_inter.key
issue ec_inter ec_root v3_ca $A $Z sha256
ec_key ec_leaf.key
issue ec_leaf ec_inter v3_good $A $Z sha256

revoke revoked ca2
revoke ca_revoked root

crl root "$OUT/crl/root.crl" DER "-crldays 36500"
crl ca1 "$OUT/crl/ca1.pem" PEM "-crldays 36500"
crl ca2 "$OUT/crl/ca2.crl" PEM "-crldays 36500"
crl ec_inter "$OUT/crl/ec_inter.der" DER "-crldays 36500"
crl ca2 "$OUT/stale/ca2.crl" PEM "-crlhours 1"
crl root "$OUT/stale/root.crl" PEM "-crlhours 1"
mkdir -p "$OUT/scoped"
crl ca2 "$OUT/scoped/ca2_dp.crl" PEM "-crldays 36500 -crlexts crl_idp_dp"
crl ca2 "$OUT/scoped/ca2_cas.crl" PEM "-crldays 36500 -crlexts crl_idp_ca"

for c in root ca1 ca2 good expired not_yet_valid wrong_eku server_only no_eku any_eku \
         ku_kex ku_nonrep md5 sub_ca too_long critical revoked with_cdp ca_email under_email \
         ca_revoked under_revoked ec_root ec_inter ec_leaf; do
    # Strip anything but the PEM block so the fixtures are canonical.
    openssl x509 -in "$c.pem" -out "$OUT/$c.pem"
done

echo "fixtures written to $OUT"
