#!/bin/sh
# Regenerates the signing-key fixtures used by the unit tests in src/crypto/sign.rs.
#
# Run from anywhere: `sh src/crypto/testdata/make.sh`. Needs the `openssl` CLI (tested with
# OpenSSL 3.0). Keys are fresh on every run; the tests only rely on the relationships below.
#
#   rsa.p1.pem      RSA-2048, PKCS#1 ("RSA PRIVATE KEY")
#   rsa.p8.pem      the same key, PKCS#8 ("PRIVATE KEY")
#   rsa.spki.der    its SubjectPublicKeyInfo
#   p256.sec1.pem   P-256, SEC1 ("EC PRIVATE KEY", named curve)
#   p256.p8.pem     the same key, PKCS#8
#   p256.spki.der   its SubjectPublicKeyInfo (uncompressed point)
#   p384.sec1.der   P-384, SEC1 DER
#   p384.p8.der     the same key, PKCS#8 DER
#   p384.spki.der   its SubjectPublicKeyInfo
#   p521.p8.pem     P-521 (unsupported curve)
#   ed25519.p8.pem  Ed25519 (unsupported key type)
#   rsa.enc.pem     rsa.p8.pem encrypted with password "test" ("ENCRYPTED PRIVATE KEY")
#   msg.bin         the message signed below
#   *.sig           OpenSSL's signatures over msg.bin:
#     rsa.pkcs1.sha256.sig   openssl dgst -sha256 (RSASSA-PKCS1-v1_5, deterministic)
#     rsa.pss.sha256.sig     PSS, MGF1-SHA256, salt = hash length (TLS 1.2 rsa_pss_rsae_sha256)
#     rsa.md5sha1.sig        TLS 1.0 form: PKCS#1 type 1 over MD5(m)||SHA1(m), no DigestInfo
#     p256.sha256.sig        ECDSA P-256 SHA-256, DER Ecdsa-Sig-Value
#     p256.sha1.sig          ECDSA P-256 SHA-1
#     p384.sha384.sig        ECDSA P-384 SHA-384
set -eu

OUT=$(cd "$(dirname "$0")" && pwd)
cd "$OUT"

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.p8.pem 2>/dev/null
openssl rsa -in rsa.p8.pem -traditional -out rsa.p1.pem 2>/dev/null
openssl pkey -in rsa.p8.pem -pubout -outform DER -out rsa.spki.der
openssl pkcs8 -topk8 -in rsa.p8.pem -passout pass:test -out rsa.enc.pem

openssl ecparam -name prime256v1 -genkey -noout -param_enc named_curve -out p256.sec1.pem
openssl pkcs8 -topk8 -nocrypt -in p256.sec1.pem -out p256.p8.pem
openssl pkey -in p256.sec1.pem -pubout -outform DER -out p256.spki.der

openssl ecparam -name secp384r1 -genkey -noout -param_enc named_curve -outform DER -out p384.sec1.der
openssl pkcs8 -topk8 -nocrypt -inform DER -in p384.sec1.der -outform DER -out p384.p8.der
openssl pkey -inform DER -in p384.p8.der -pubout -outform DER -out p384.spki.der

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out p521.p8.pem 2>/dev/null
openssl genpkey -algorithm ED25519 -out ed25519.p8.pem

printf 'openschannel ServerKeyExchange params' > msg.bin
openssl dgst -sha256 -sign rsa.p8.pem -out rsa.pkcs1.sha256.sig msg.bin
openssl dgst -sha256 -sign rsa.p8.pem -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest \
    -sigopt rsa_mgf1_md:sha256 -out rsa.pss.sha256.sig msg.bin
{ openssl dgst -md5 -binary msg.bin; openssl dgst -sha1 -binary msg.bin; } > md5sha1.bin
openssl pkeyutl -sign -inkey rsa.p8.pem -in md5sha1.bin -pkeyopt rsa_padding_mode:pkcs1 -out rsa.md5sha1.sig
rm md5sha1.bin
openssl dgst -sha256 -sign p256.sec1.pem -out p256.sha256.sig msg.bin
openssl dgst -sha1 -sign p256.sec1.pem -out p256.sha1.sig msg.bin
openssl dgst -sha384 -sign p384.p8.der -keyform DER -out p384.sha384.sig msg.bin

echo "fixtures written to $OUT"
