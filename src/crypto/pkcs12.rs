//! PKCS#12 (RFC 7292) decoding through aws-lc's `PKCS12_get_key_and_certs`: the certificates
//! and the (one) private key of a `.pfx`/`.p12` file, for CryptoAPI's `PFXImportCertStore`.
//!
//! aws-lc handles the PBES1 (3DES/RC2 with SHA-1) and PBES2 (PBKDF2 + AES-CBC) bags and the
//! SHA-1/SHA-2 MACs that `openssl pkcs12 -export` and Windows write. The password is UTF-8 here;
//! aws-lc converts it to the BMPString the key derivation uses, as OpenSSL does.
#![allow(unsafe_code)]

use core::ffi::c_char;
use zeroize::Zeroizing;

use super::sign::SigningKey;

/// What a PKCS#12 file held.
pub struct Pkcs12Contents {
    /// The private key, when the file has one of a type [`SigningKey`] handles.
    pub key: Option<SigningKey>,
    /// Every certificate (DER), in file order.
    pub certs: Vec<Vec<u8>>,
}

/// Why a PKCS#12 file could not be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pkcs12Error {
    /// Not a PKCS#12 structure at all.
    NotPkcs12,
    /// The MAC or a bag did not decrypt with this password.
    BadPassword,
    /// The key decrypted but is not RSA or ECDSA P-256/P-384.
    UnsupportedKey,
}

/// Decodes `der` with `password` (None: no password, which PKCS#12 distinguishes from "").
pub fn parse(der: &[u8], password: Option<&str>) -> Result<Pkcs12Contents, Pkcs12Error> {
    // NUL-terminated copy, wiped on drop; an interior NUL cannot be a PKCS#12 password.
    let pw = match password {
        Some(p) if p.as_bytes().contains(&0) => return Err(Pkcs12Error::BadPassword),
        Some(p) => {
            let mut v = Zeroizing::new(Vec::with_capacity(p.len() + 1));
            v.extend_from_slice(p.as_bytes());
            v.push(0);
            Some(v)
        }
        None => None,
    };
    let pw_ptr: *const c_char = pw.as_ref().map_or(core::ptr::null(), |c| c.as_ptr() as *const c_char);

    // Structure first, so a wrong password and garbage are told apart (aws-lc reports both as
    // a failed decryption).
    if !looks_like_pfx(der) {
        return Err(Pkcs12Error::NotPkcs12);
    }

    // SAFETY: a new empty stack, freed below with its elements.
    let stack = unsafe { aws_lc_sys::OPENSSL_sk_new_null() } as *mut aws_lc_sys::stack_st_X509;
    if stack.is_null() {
        return Err(Pkcs12Error::NotPkcs12);
    }
    let mut cbs = core::mem::MaybeUninit::<aws_lc_sys::CBS>::uninit();
    // SAFETY: CBS_init fully initialises the CBS over `der`, which outlives the call below.
    unsafe { aws_lc_sys::CBS_init(cbs.as_mut_ptr(), der.as_ptr(), der.len()) };
    let mut key: *mut aws_lc_sys::EVP_PKEY = core::ptr::null_mut();
    // SAFETY: every pointer is valid; on success `key` (maybe NULL) and the stack's X509s are ours.
    let ok = unsafe { aws_lc_sys::PKCS12_get_key_and_certs(&mut key, stack, cbs.as_mut_ptr(), pw_ptr) } == 1;

    let mut certs = Vec::new();
    // SAFETY: the stack holds X509 pointers we own; each is encoded and freed once, then the
    // stack itself is freed.
    unsafe {
        let n = aws_lc_sys::OPENSSL_sk_num(stack as *const aws_lc_sys::OPENSSL_STACK);
        for i in 0..n {
            let x = aws_lc_sys::OPENSSL_sk_value(stack as *const aws_lc_sys::OPENSSL_STACK, i) as *mut aws_lc_sys::X509;
            if x.is_null() {
                continue;
            }
            if ok {
                let len = aws_lc_sys::i2d_X509(x, core::ptr::null_mut());
                if len > 0 {
                    let mut buf = vec![0u8; len as usize];
                    let mut out = buf.as_mut_ptr();
                    if aws_lc_sys::i2d_X509(x, &mut out) == len {
                        certs.push(buf);
                    }
                }
            }
            aws_lc_sys::X509_free(x);
        }
        aws_lc_sys::OPENSSL_sk_free(stack as *mut aws_lc_sys::OPENSSL_STACK);
    }
    if !ok {
        if !key.is_null() {
            // SAFETY: owned key, freed once.
            unsafe { aws_lc_sys::EVP_PKEY_free(key) };
        }
        // SAFETY: clears this thread's aws-lc error queue.
        unsafe { aws_lc_sys::ERR_clear_error() };
        return Err(Pkcs12Error::BadPassword);
    }
    let key = if key.is_null() {
        None
    } else {
        // SAFETY: `key` is a valid EVP_PKEY we own; i2d_PrivateKey writes exactly `len` bytes
        // (PKCS#1 for RSA, SEC1 for EC) into the buffer; the key is freed once.
        let der = unsafe {
            let len = aws_lc_sys::i2d_PrivateKey(key, core::ptr::null_mut());
            let mut buf = Zeroizing::new(vec![0u8; len.max(0) as usize]);
            let mut out = buf.as_mut_ptr();
            let written = if len > 0 { aws_lc_sys::i2d_PrivateKey(key, &mut out) } else { -1 };
            aws_lc_sys::EVP_PKEY_free(key);
            aws_lc_sys::ERR_clear_error();
            (written == len && len > 0).then_some(buf)
        };
        Some(der.and_then(|d| SigningKey::from_pem_or_der(&d).ok()).ok_or(Pkcs12Error::UnsupportedKey)?)
    };
    Ok(Pkcs12Contents { key, certs })
}

/// RFC 7292 §4: `PFX ::= SEQUENCE { version INTEGER {v3(3)}, authSafe ContentInfo, macData
/// MacData OPTIONAL }` with authSafe of type data or signedData (RFC 2315 §7).
pub fn looks_like_pfx(der: &[u8]) -> bool {
    use der::{Decode, Reader, SliceReader};
    const DATA: der::asn1::ObjectIdentifier = der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
    const SIGNED: der::asn1::ObjectIdentifier = der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
    let Ok(mut r) = SliceReader::new(der) else { return false };
    let parsed = r.sequence(|r| {
        let version = u8::decode(r)?;
        let oid = r.sequence(|r| {
            let oid = der::asn1::ObjectIdentifier::decode(r)?;
            while !r.is_finished() {
                r.tlv_bytes()?;
            }
            Ok::<_, der::Error>(oid)
        })?;
        while !r.is_finished() {
            r.tlv_bytes()?;
        }
        Ok::<_, der::Error>((version, oid))
    });
    matches!(parsed, Ok((3, oid)) if oid == DATA || oid == SIGNED) && r.is_finished()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(name: &str) -> Vec<u8> {
        std::fs::read(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    #[test]
    fn rsa_and_ecdsa_bundles() {
        for (p12, pem, rsa) in [("server.p12", "server.pem", true), ("server-ecdsa.p12", "server-ecdsa.pem", false)] {
            let c = parse(&data(p12), Some("test")).unwrap_or_else(|e| panic!("{p12}: {e:?}"));
            let leaf = crate::x509::pem::certs_from_pem_or_der(&data(pem)).unwrap().remove(0);
            let ca = crate::x509::pem::certs_from_pem_or_der(&data("ca.pem")).unwrap().remove(0);
            assert_eq!(c.certs.len(), 2);
            assert!(c.certs.contains(&leaf) && c.certs.contains(&ca));
            let key = c.key.unwrap();
            assert_eq!(key.is_rsa(), rsa);
            assert_eq!(key.public_key_spki(), crate::x509::subject_public_key_info(&leaf).ok());
        }
    }

    #[test]
    fn dsa_bundle() {
        // i2d_PrivateKey gives the traditional DSAPrivateKey DER, which the key loader takes too.
        let c = parse(&data("server-dsa.p12"), Some("test")).unwrap();
        let leaf = crate::x509::pem::certs_from_pem_or_der(&data("server-dsa.pem")).unwrap().remove(0);
        let ca = crate::x509::pem::certs_from_pem_or_der(&data("dsa-ca.pem")).unwrap().remove(0);
        assert_eq!(c.certs.len(), 2);
        assert!(c.certs.contains(&leaf) && c.certs.contains(&ca));
        let key = c.key.unwrap();
        assert_eq!(key.key_type(), crate::crypto::sign::KeyType::Dsa);
        assert_eq!(key.public_key_spki(), crate::x509::subject_public_key_info(&leaf).ok());
    }

    #[test]
    fn bad_input() {
        assert_eq!(parse(&data("server.p12"), Some("wrong")).err(), Some(Pkcs12Error::BadPassword));
        assert_eq!(parse(&data("server.p12"), None).err(), Some(Pkcs12Error::BadPassword));
        assert_eq!(parse(&data("server.pem"), Some("test")).err(), Some(Pkcs12Error::NotPkcs12));
        assert_eq!(parse(b"", Some("test")).err(), Some(Pkcs12Error::NotPkcs12));
        let mut cut = data("server.p12");
        cut.truncate(100);
        assert_eq!(parse(&cut, Some("test")).err(), Some(Pkcs12Error::NotPkcs12));
    }
}
