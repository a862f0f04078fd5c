#!/bin/sh
# gen_pkcs12_seeds.sh: writes fuzz/corpus/pkcs12/ with `openssl pkcs12 -export` (OpenSSL 3):
# RSA, ECDSA P-256/P-384, Ed25519 and DSA keys (the last two are key types the provider
# refuses: NTE_BAD_ALGID), with a password, an empty password and no encryption at all,
# modern (PBES2/PBKDF2/AES-256-CBC, SHA-256 MAC) and legacy (-legacy: RC2-40/3DES, SHA-1 MAC)
# algorithms, certificate-only and key-only files, and no MAC. Each seed is
# `[selector][PKCS#12 DER]` (fuzz/src/lib.rs `pkcs12`: bits 0-1 the password, bit 2 through
# PFXImportCertStore). Most use one PBKDF iteration (-iter 1 -nomaciter) so a fuzz run spends its
# time in the parser, not in key derivation; two keep OpenSSL's default 2048 iterations.
# Keys and files are new on every run; the committed corpus was generated once.
#
#   sh fuzz/gen_pkcs12_seeds.sh
set -eu
cd "$(dirname "$0")/.."
data=tests/data
out=fuzz/corpus/pkcs12
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$tmp/p384.key" 2>/dev/null
openssl genpkey -algorithm ED25519 -out "$tmp/ed25519.key" 2>/dev/null
openssl genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:1024 -out "$tmp/dsa.param" 2>/dev/null
openssl genpkey -paramfile "$tmp/dsa.param" -out "$tmp/dsa.key" 2>/dev/null
for k in p384 ed25519 dsa; do
    openssl req -new -x509 -key "$tmp/$k.key" -subj "/CN=pkcs12-$k" -days 3650 -out "$tmp/$k.pem" 2>/dev/null
done

# seed NAME SELECTOR openssl-pkcs12-export-arguments...
seed() {
    name=$1 selector=$2
    shift 2
    openssl pkcs12 -export "$@" -out "$tmp/$name.p12"
    printf "\\$(printf %03o "$selector")" >"$out/$name"
    cat "$tmp/$name.p12" >>"$out/$name"
}
# Selectors: 0 password "test", 1 none (NULL), 2 "", 3 "wrong"; +4 through PFXImportCertStore.
fast="-iter 1 -nomaciter"
rsa="-in $data/server.pem -inkey $data/server.key -certfile $data/ca.pem"
p256="-in $data/server-ecdsa.pem -inkey $data/server-ecdsa.key -certfile $data/ca.pem"
seed rsa-modern 0 $rsa $fast -passout pass:test
seed rsa-modern-import 4 $rsa $fast -passout pass:test
seed rsa-modern-default-iter 0 $rsa -passout pass:test
seed rsa-legacy 0 $rsa $fast -legacy -passout pass:test
seed rsa-legacy-import 4 $rsa $fast -legacy -passout pass:test
seed rsa-empty-password 2 $rsa $fast -passout pass:
seed rsa-empty-password-import 6 $rsa $fast -passout pass:
seed rsa-wrong-password 3 $rsa $fast -passout pass:test
seed rsa-unencrypted-nomac 1 $rsa -keypbe NONE -certpbe NONE -nomac -passout pass:
seed rsa-unencrypted-nomac-import 5 $rsa -keypbe NONE -certpbe NONE -nomac -passout pass:
seed rsa-aes128-sha1mac 0 $rsa $fast -keypbe AES-128-CBC -certpbe AES-128-CBC -macalg sha1 -passout pass:test
seed rsa-3des-sha512mac 0 $rsa $fast -keypbe DES-EDE3-CBC -certpbe DES-EDE3-CBC -macalg sha512 -passout pass:test
seed p256-modern 0 $p256 $fast -passout pass:test
seed p256-legacy-import 4 $p256 $fast -legacy -passout pass:test
seed p256-default-iter-import 4 $p256 -passout pass:test
seed p384-modern 0 -in "$tmp/p384.pem" -inkey "$tmp/p384.key" $fast -passout pass:test
seed p384-legacy-import 4 -in "$tmp/p384.pem" -inkey "$tmp/p384.key" $fast -legacy -passout pass:test
seed ed25519-modern 0 -in "$tmp/ed25519.pem" -inkey "$tmp/ed25519.key" $fast -passout pass:test
seed dsa-legacy-import 4 -in "$tmp/dsa.pem" -inkey "$tmp/dsa.key" $fast -legacy -passout pass:test
seed certs-only 0 -in $data/server.pem -certfile $data/ca.pem -nokeys $fast -passout pass:test
seed key-only-import 4 -inkey $data/server.key -nocerts $fast -passout pass:test
seed rsa-friendly-name 0 $rsa $fast -name "server key" -caname "test ca" -passout pass:test
ls "$out" | wc -l | xargs echo "pkcs12 seeds:"
