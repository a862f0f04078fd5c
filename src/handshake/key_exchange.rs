//! Ephemeral key exchange (ECDHE, RFC 8422; DHE, RFC 5246 §7.4.3) and the signature over its
//! parameters, for both sides. RSA key exchange stays in the client and server modules.

use zeroize::Zeroizing;

use super::HandshakeData;
use crate::crypto::kx::{DhKeyShare, DhParams, EcdhKeyShare, NamedGroup};
use crate::crypto::rsa::RsaPrivateKey;
use crate::crypto::sign::{self, SignatureScheme, SigningKey};
use crate::engine::error::Error;
use crate::msgs::codec::{put_prefixed, put_u16, Prefix, Reader};
use crate::suites::{CipherSuite, Export, KeyExchange};
use crate::x509;
use pkcs1::der::{Decode, Encode};

/// Our half of an ephemeral exchange, kept until the peer's half arrives.
pub enum Ephemeral {
    Ecdh(EcdhKeyShare),
    Dh(DhKeyShare),
}

/// Groups we offer and accept, best first (X25519 first, as every current stack does).
pub const GROUPS: [NamedGroup; 3] = [NamedGroup::X25519, NamedGroup::Secp256r1, NamedGroup::Secp384r1];

/// Signature schemes a TLS 1.2 client offers, best first. SHA-1 stays last for old servers.
pub const OFFERED_SCHEMES: [SignatureScheme; 10] = [
    SignatureScheme::EcdsaP256Sha256,
    SignatureScheme::EcdsaP384Sha384,
    SignatureScheme::RsaPssRsaeSha256,
    SignatureScheme::RsaPssRsaeSha384,
    SignatureScheme::RsaPssRsaeSha512,
    SignatureScheme::RsaPkcs1Sha256,
    SignatureScheme::RsaPkcs1Sha384,
    SignatureScheme::RsaPkcs1Sha512,
    SignatureScheme::EcdsaSha1,
    SignatureScheme::RsaPkcs1Sha1,
];

/// DSA schemes, offered after [`OFFERED_SCHEMES`] only by a client that offers a DHE_DSS suite
/// (they are off unless named, so a default ClientHello does not mention DSA).
pub const DSA_SCHEMES: [SignatureScheme; 2] = [SignatureScheme::DsaSha256, SignatureScheme::DsaSha1];

/// Smallest DH prime a client accepts from a server: 2048 bits (Logjam; RFC 7919 §1 notes
/// 1024-bit groups are within reach of precomputation).
pub const MIN_DH_BITS: usize = 2048;

/// Smallest DH prime a client accepts for an export DHE suite (the export limit is the maximum).
const EXPORT_MIN_DH_BITS: usize = 512;

/// The TLS 1.2 code points of [`OFFERED_SCHEMES`], then of [`DSA_SCHEMES`] when `dsa`.
pub fn offered_scheme_ids(dsa: bool) -> Vec<u16> {
    let dsa_schemes: &[SignatureScheme] = if dsa { &DSA_SCHEMES } else { &[] };
    OFFERED_SCHEMES.iter().chain(dsa_schemes).filter_map(|s| s.id()).collect()
}

/// The code points of [`GROUPS`].
pub fn group_ids() -> Vec<u16> {
    GROUPS.iter().map(|g| g.id()).collect()
}

/// Server: our preferred group among the client's; without supported_groups the client is
/// assumed to support P-256 (RFC 8422 §4 leaves it to the server; every ECC stack has P-256).
pub fn choose_group(peer_groups: &[u16]) -> Option<NamedGroup> {
    if peer_groups.is_empty() {
        return Some(NamedGroup::Secp256r1);
    }
    GROUPS.iter().copied().find(|g| peer_groups.contains(&g.id()))
}

/// Server: how to sign with `key` for this client. Before TLS 1.2 the scheme is fixed by the
/// key type; in TLS 1.2 it is our best that the client lists, or SHA-1 when the client sent
/// no signature_algorithms (RFC 5246 §7.4.1.4.1).
pub fn choose_scheme(key: &SigningKey, tls12: bool, peer_schemes: &[u16]) -> Option<SignatureScheme> {
    if !tls12 {
        Some(SignatureScheme::legacy_for(key.key_type()))
    } else if peer_schemes.is_empty() {
        Some(SignatureScheme::tls12_default_for(key.key_type()))
    } else {
        key.schemes().iter().copied().find(|s| s.id().is_some_and(|id| peer_schemes.contains(&id)))
    }
}

/// Server: makes our ephemeral share and returns the signed ServerKeyExchange body.
pub fn server_key_exchange(
    hs: &mut HandshakeData,
    kx: KeyExchange,
    group: Option<NamedGroup>,
    key: &SigningKey,
    scheme: SignatureScheme,
) -> Result<Vec<u8>, Error> {
    let mut params = Vec::new();
    let share = match kx {
        KeyExchange::EcdheRsa | KeyExchange::EcdheEcdsa => {
            let group = group.ok_or(Error::Internal("ECDHE without a group"))?;
            let share = EcdhKeyShare::generate(group).ok_or(Error::Internal("ECDH key generation failed"))?;
            params.push(3); // ECCurveType named_curve (RFC 8422 §5.4)
            put_u16(&mut params, group.id());
            put_prefixed(&mut params, Prefix::U8, |o| o.extend_from_slice(share.public_key()));
            hs.kx_bits = Some(group.bits());
            Ephemeral::Ecdh(share)
        }
        KeyExchange::DheRsa | KeyExchange::DheDss => {
            let group = dh_group(hs.suite()?);
            let bits = prime_bits(&group.p);
            hs.kx_bits = Some(bits);
            let share = DhKeyShare::generate(&group, bits as usize).ok_or(Error::Internal("DH key generation failed"))?;
            put_prefixed(&mut params, Prefix::U16, |o| o.extend_from_slice(&group.p));
            put_prefixed(&mut params, Prefix::U16, |o| o.extend_from_slice(&group.g));
            put_prefixed(&mut params, Prefix::U16, |o| o.extend_from_slice(share.public_key()));
            Ephemeral::Dh(share)
        }
        KeyExchange::Rsa => return Err(Error::Internal("no ServerKeyExchange for RSA key exchange")),
    };
    let signature = key.sign(scheme, &hs.signed_params(&params)).ok_or(Error::Internal("signing ServerKeyExchange failed"))?;
    let mut body = params;
    if let Some(id) = scheme.id().filter(|_| hs.is_tls12()) {
        put_u16(&mut body, id);
    }
    put_prefixed(&mut body, Prefix::U16, |o| o.extend_from_slice(&signature));
    hs.ephemeral = Some(share);
    Ok(body)
}

/// Client: parses ServerKeyExchange, checks its signature with the server certificate's key,
/// and prepares our share for the server's parameters.
pub fn read_server_key_exchange(hs: &mut HandshakeData, kx: KeyExchange, body: &[u8]) -> Result<(), Error> {
    let mut r = Reader::new(body);
    let (share, peer_public) = match kx {
        KeyExchange::EcdheRsa | KeyExchange::EcdheEcdsa => {
            if r.u8()? != 3 {
                return Err(Error::IllegalParameter("only named curves are supported"));
            }
            let id = r.u16()?;
            let group = NamedGroup::from_id(id)
                .filter(|g| GROUPS.contains(g))
                .ok_or(Error::IllegalParameter("server chose a group we did not offer"))?;
            let point = r.vec_u8()?;
            hs.kx_bits = Some(group.bits());
            (Ephemeral::Ecdh(EcdhKeyShare::generate(group).ok_or(Error::Internal("ECDH key generation failed"))?), point)
        }
        KeyExchange::DheRsa | KeyExchange::DheDss => {
            let p = strip_zeros(r.vec_u16()?);
            let g = strip_zeros(r.vec_u16()?);
            let ys = r.vec_u16()?;
            let group = DhParams { p: p.to_vec(), g: g.to_vec() };
            let bits = prime_bits(p);
            hs.kx_bits = Some(bits);
            // An export suite caps the group (and its 512-bit floor is all it can ask for);
            // every other suite has the Logjam floor.
            let (min_bits, max_bits) = match hs.suite()?.export.max_kx_bits() {
                Some(max) => (EXPORT_MIN_DH_BITS, max),
                None => (MIN_DH_BITS, u32::MAX),
            };
            if bits > max_bits {
                return Err(Error::HandshakeFailure("server DH group is larger than the export limit"));
            }
            let share = DhKeyShare::generate(&group, min_bits).ok_or(Error::HandshakeFailure("server DH group is too small or invalid"))?;
            (Ephemeral::Dh(share), ys)
        }
        KeyExchange::Rsa => return Err(Error::UnexpectedMessage("ServerKeyExchange with RSA key exchange")),
    };
    let params = &body[..r.consumed()];
    let scheme = if hs.is_tls12() {
        let id = r.u16()?;
        SignatureScheme::from_id(id)
            .filter(|s| OFFERED_SCHEMES.contains(s) || (kx == KeyExchange::DheDss && DSA_SCHEMES.contains(s)))
            .ok_or(Error::IllegalParameter("server signed with a scheme we did not offer"))?
    } else {
        SignatureScheme::legacy_for(kx.cert_key())
    };
    let signature = r.vec_u16()?;
    r.expect_empty()?;
    if scheme.key_type() != kx.cert_key() {
        return Err(Error::IllegalParameter("signature scheme does not fit the key exchange"));
    }
    let leaf = hs.peer_certs.first().ok_or(Error::Internal("no server certificate"))?;
    let spki = x509::subject_public_key_info(leaf).map_err(Error::Certificate)?;
    if !sign::verify(scheme, &spki, &hs.signed_params(params), signature) {
        return Err(Error::BadSignature);
    }
    hs.peer_kx_public = peer_public.to_vec();
    hs.ephemeral = Some(share);
    Ok(())
}

/// Server, RSA export suites: the ServerKeyExchange carrying `temp`'s modulus and exponent
/// (ServerRSAParams, RFC 2246 §7.4.3), signed with the certificate key. Export suites end at
/// TLS 1.0, so the signature is always the MD5+SHA-1 form without an algorithm id.
pub fn server_rsa_export_key_exchange(hs: &mut HandshakeData, temp: &RsaPrivateKey, key: &SigningKey) -> Result<Vec<u8>, Error> {
    let der = temp.public_key_pkcs1().ok_or(Error::Internal("temporary RSA key unusable"))?;
    let public = pkcs1::RsaPublicKeyRef::from_der(&der).map_err(|_| Error::Internal("temporary RSA key unusable"))?;
    let mut body = Vec::new();
    put_prefixed(&mut body, Prefix::U16, |o| o.extend_from_slice(public.modulus.as_bytes()));
    put_prefixed(&mut body, Prefix::U16, |o| o.extend_from_slice(public.public_exponent.as_bytes()));
    let signature =
        key.sign(SignatureScheme::RsaPkcs1Md5Sha1, &hs.signed_params(&body)).ok_or(Error::Internal("signing ServerKeyExchange failed"))?;
    put_prefixed(&mut body, Prefix::U16, |o| o.extend_from_slice(&signature));
    hs.kx_bits = Some(temp.bits());
    Ok(body)
}

/// Smallest temporary RSA key a client accepts: 512 bits, the export size (anything shorter
/// could not carry the premaster in PKCS#1 v1.5).
const MIN_TEMP_RSA_BITS: u32 = 512;

/// Client, RSA export suites: checks the server's temporary RSA key against the certificate
/// key's signature and the suite's size limit (`max_bits`: 512, or 1024 for EXPORT1024), and
/// keeps it (as a PKCS#1 `RSAPublicKey`) to encrypt the premaster to. A key over the limit is
/// `handshake_failure`, as OpenSSL reports it; a bad signature `decrypt_error`.
pub fn read_rsa_export_key_exchange(hs: &mut HandshakeData, max_bits: u32, body: &[u8]) -> Result<(), Error> {
    let mut r = Reader::new(body);
    let modulus = strip_zeros(r.vec_u16()?);
    let exponent = strip_zeros(r.vec_u16()?);
    let params = &body[..r.consumed()];
    let signature = r.vec_u16()?;
    r.expect_empty()?;
    let bits = prime_bits(modulus);
    if bits > max_bits {
        return Err(Error::HandshakeFailure("temporary RSA key longer than the export limit"));
    }
    if bits < MIN_TEMP_RSA_BITS {
        return Err(Error::IllegalParameter("temporary RSA key too short"));
    }
    let leaf = hs.peer_certs.first().ok_or(Error::Internal("no server certificate"))?;
    let spki = x509::subject_public_key_info(leaf).map_err(Error::Certificate)?;
    if !sign::verify(SignatureScheme::RsaPkcs1Md5Sha1, &spki, &hs.signed_params(params), signature) {
        return Err(Error::BadSignature);
    }
    let der = pkcs1::RsaPublicKeyRef {
        modulus: pkcs1::UintRef::new(modulus).map_err(|_| Error::IllegalParameter("bad temporary RSA modulus"))?,
        public_exponent: pkcs1::UintRef::new(exponent).map_err(|_| Error::IllegalParameter("bad temporary RSA exponent"))?,
    }
    .to_der()
    .map_err(|_| Error::IllegalParameter("bad temporary RSA key"))?;
    hs.kx_bits = Some(bits);
    hs.peer_kx_public = der;
    Ok(())
}

/// Client: our ClientKeyExchange body and the premaster secret.
pub fn client_key_exchange(hs: &mut HandshakeData) -> Result<(Vec<u8>, Zeroizing<Vec<u8>>), Error> {
    let mut body = Vec::new();
    let premaster = match hs.ephemeral.take().ok_or(Error::Internal("no ephemeral share"))? {
        Ephemeral::Ecdh(share) => {
            put_prefixed(&mut body, Prefix::U8, |o| o.extend_from_slice(share.public_key()));
            share.agree(&hs.peer_kx_public)
        }
        Ephemeral::Dh(share) => {
            put_prefixed(&mut body, Prefix::U16, |o| o.extend_from_slice(share.public_key()));
            share.agree(&hs.peer_kx_public)
        }
    };
    Ok((body, premaster.ok_or(Error::IllegalParameter("invalid server key share"))?))
}

/// Server: the premaster secret from the client's ClientKeyExchange.
pub fn read_client_key_exchange(hs: &mut HandshakeData, body: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
    let mut r = Reader::new(body);
    let premaster = match hs.ephemeral.take().ok_or(Error::Internal("no ephemeral share"))? {
        Ephemeral::Ecdh(share) => {
            let point = r.vec_u8()?;
            r.expect_empty()?;
            share.agree(point)
        }
        Ephemeral::Dh(share) => {
            let y = r.vec_u16()?;
            r.expect_empty()?;
            share.agree(y)
        }
    };
    premaster.ok_or(Error::IllegalParameter("invalid client key share"))
}

/// Server: the finite-field group for a DHE suite: ffdhe2048; for the DHE-DSS EXPORT1024 suite
/// (key exchange of at most 1024 bits) RFC 2409's 1024-bit Oakley group 2; for the 40-bit export
/// DHE suite (at most 512 bits) our 512-bit group.
fn dh_group(suite: &CipherSuite) -> DhParams {
    match suite.export {
        Export::Export1024 => DhParams::oakley_group2(),
        Export::Export40 => DhParams::export512(),
        Export::None => DhParams::ffdhe2048(),
    }
}

/// Bit length of a big-endian number without leading zero bytes.
fn prime_bits(p: &[u8]) -> u32 {
    p.first().map_or(0, |top| (p.len() as u32 - 1) * 8 + (8 - top.leading_zeros()))
}

fn strip_zeros(mut v: &[u8]) -> &[u8] {
    while let [0, rest @ ..] = v {
        v = rest;
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_choice_follows_our_preference() {
        assert_eq!(choose_group(&[24, 23, 29]), Some(NamedGroup::X25519));
        assert_eq!(choose_group(&[24]), Some(NamedGroup::Secp384r1));
        assert_eq!(choose_group(&[]), Some(NamedGroup::Secp256r1));
        assert_eq!(choose_group(&[25, 30]), None, "P-521 and X448 only: no ECDHE");
    }

    #[test]
    fn prime_bits_counts_from_the_top_bit() {
        assert_eq!(prime_bits(&DhParams::ffdhe2048().p), 2048);
        assert_eq!(prime_bits(&[0x01, 0xff]), 9);
        assert_eq!(prime_bits(&[]), 0);
    }

    #[test]
    fn strip_zeros_keeps_the_value() {
        assert_eq!(strip_zeros(&[0, 0, 5, 0]), &[5, 0]);
        assert_eq!(strip_zeros(&[0]), &[] as &[u8]);
    }
}
