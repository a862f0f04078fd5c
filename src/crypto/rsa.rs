//! RSA for the key exchange: constant-time private decryption (server) and public encryption
//! (client), both through aws-lc.
//!
//! The rsa crate is not used for private keys: RUSTSEC-2023-0071 (Marvin) is unfixed and it runs
//! at 0.17x OpenSSL here (shared/docs/crates.md). aws-lc's safe API reports bad PKCS#1 padding as
//! an error, which is itself an oracle, so we decrypt with RSA_NO_PADDING and check the padding
//! ourselves without data-dependent branches (RFC 5246 §7.4.7.1).
#![allow(unsafe_code)]

use core::ptr::NonNull;
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroizing;

/// Length of the RSA-encrypted premaster secret (RFC 2246 §7.4.7.1).
pub const PREMASTER_LEN: usize = 48;

/// An RSA private key held by aws-lc.
pub struct RsaPrivateKey {
    rsa: NonNull<aws_lc_sys::RSA>,
}

// SAFETY: aws-lc's RSA objects are safe to use from several threads at once for private-key
// operations (blinding state is internally locked), and we never mutate the key after creation.
unsafe impl Send for RsaPrivateKey {}
// SAFETY: as above; `&RsaPrivateKey` only reaches RSA_decrypt/RSA_sign/RSA_sign_pss_mgf1 (which
// lock their shared blinding state) and read-only accessors.
unsafe impl Sync for RsaPrivateKey {}

impl Drop for RsaPrivateKey {
    fn drop(&mut self) {
        // SAFETY: `rsa` came from RSA_private_key_from_bytes and is freed exactly once; RSA_free
        // wipes the key material.
        unsafe { aws_lc_sys::RSA_free(self.rsa.as_ptr()) }
    }
}

impl RsaPrivateKey {
    /// Parses a PKCS#1 `RSAPrivateKey` DER and checks the key's consistency.
    pub fn from_pkcs1_der(der: &[u8]) -> Option<Self> {
        // SAFETY: the pointer/length pair describes `der`, which outlives the call; aws-lc copies.
        let raw = unsafe { aws_lc_sys::RSA_private_key_from_bytes(der.as_ptr(), der.len()) };
        let rsa = NonNull::new(raw)?;
        let key = RsaPrivateKey { rsa };
        // SAFETY: `rsa` is a valid key object owned by `key`.
        if unsafe { aws_lc_sys::RSA_check_key(key.rsa.as_ptr()) } != 1 {
            return None;
        }
        Some(key)
    }

    /// A fresh key of `bits` bits with exponent 65537, for the temporary keys of RSA export
    /// suites (512 or 1024 bits). aws-lc generates keys from 256 bits up (multiples of 128);
    /// only `RSA_generate_key_fips` insists on 2048.
    pub fn generate(bits: u32) -> Option<Self> {
        // SAFETY: RSA_new returns an owned, empty key or null.
        let rsa = NonNull::new(unsafe { aws_lc_sys::RSA_new() })?;
        let key = RsaPrivateKey { rsa };
        // SAFETY: BN_new returns an owned bignum or null; it is freed below on every path.
        let e = unsafe { aws_lc_sys::BN_new() };
        if e.is_null() {
            return None;
        }
        // SAFETY: `e` is a valid bignum; `key.rsa` a valid empty key; no callback. The key is
        // owned by `key` (freed on drop), `e` is freed once after use.
        let ok = unsafe {
            let ok = aws_lc_sys::BN_set_word(e, 65537) == 1
                && aws_lc_sys::RSA_generate_key_ex(key.rsa.as_ptr(), bits as core::ffi::c_int, e, core::ptr::null_mut()) == 1;
            aws_lc_sys::BN_free(e);
            ok
        };
        ok.then_some(key)
    }

    /// Modulus length in bits.
    pub fn bits(&self) -> u32 {
        // SAFETY: valid key object.
        unsafe { aws_lc_sys::RSA_bits(self.rsa.as_ptr()) }
    }

    /// Modulus length in bytes.
    pub fn modulus_len(&self) -> usize {
        // SAFETY: valid key object.
        unsafe { aws_lc_sys::RSA_size(self.rsa.as_ptr()) as usize }
    }

    /// Decrypts an encrypted premaster secret and returns either it or `fallback`, chosen in
    /// constant time: any padding or version failure yields `fallback`, which the caller made
    /// random (RFC 5246 §7.4.7.1, Bleichenbacher 1998, ROBOT 2017).
    ///
    /// `client_version` is the version from the ClientHello; the premaster must start with it.
    pub fn decrypt_premaster(
        &self,
        ciphertext: &[u8],
        client_version: [u8; 2],
        fallback: &[u8; PREMASTER_LEN],
    ) -> Zeroizing<[u8; PREMASTER_LEN]> {
        let k = self.modulus_len();
        let mut out = Zeroizing::new(*fallback);
        // A wrong length is visible on the wire, so branching on it leaks nothing.
        if ciphertext.len() != k || k < PREMASTER_LEN + 11 {
            return out;
        }
        let Some(em) = self.raw_decrypt(ciphertext) else {
            return out;
        };
        let good = pkcs1_type2_premaster_ok(&em, client_version);
        let msg = &em[k - PREMASTER_LEN..];
        for (o, m) in out.iter_mut().zip(msg) {
            *o = u8::conditional_select(o, m, good);
        }
        out
    }
}

impl RsaPrivateKey {
    /// The raw RSA private operation on a full-width block (`ciphertext.len()` = modulus length),
    /// padding left to the caller. None only for ciphertext >= modulus, which anyone can compute
    /// from the public key, so that failure leaks nothing.
    fn raw_decrypt(&self, ciphertext: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let k = self.modulus_len();
        let mut em = Zeroizing::new(vec![0u8; k]);
        let mut em_len = 0usize;
        // SAFETY: `em` has room for k bytes (max_out = k); input pointer/length describe `ciphertext`.
        let ok = unsafe {
            aws_lc_sys::RSA_decrypt(
                self.rsa.as_ptr(),
                &mut em_len,
                em.as_mut_ptr(),
                em.len(),
                ciphertext.as_ptr(),
                ciphertext.len(),
                aws_lc_sys::RSA_NO_PADDING,
            )
        };
        (ok == 1 && em_len == k).then_some(em)
    }

    /// SSL 2.0 CLIENT-MASTER-KEY: decrypts the SECRET-KEY-DATA, whose length the cipher kind
    /// fixes, and returns it or `fallback` (same length, random), chosen in constant time like
    /// [`RsaPrivateKey::decrypt_premaster`]. The second value is set, also without branching,
    /// when the padding is good and its last eight bytes are 0x03: the client could speak SSL 3.0
    /// or later (RFC 2246 Appendix E.2 version-rollback detection).
    pub fn decrypt_ssl2_key(&self, ciphertext: &[u8], fallback: &[u8]) -> (Zeroizing<Vec<u8>>, Choice) {
        let k = self.modulus_len();
        let n = fallback.len();
        let mut out = Zeroizing::new(fallback.to_vec());
        // Lengths are visible on the wire: branching on them leaks nothing. The padding string
        // is at least 8 bytes (PKCS#1 v1.5).
        if ciphertext.len() != k || k < n + 11 {
            return (out, Choice::from(0));
        }
        let Some(em) = self.raw_decrypt(ciphertext) else {
            return (out, Choice::from(0));
        };
        let sep = k - n - 1;
        let mut good = em[0].ct_eq(&0) & em[1].ct_eq(&2) & em[sep].ct_eq(&0);
        for b in &em[2..sep] {
            good &= !b.ct_eq(&0);
        }
        let mut rollback = good;
        for b in &em[sep - 8..sep] {
            rollback &= b.ct_eq(&3);
        }
        for (o, m) in out.iter_mut().zip(&em[sep + 1..]) {
            *o = u8::conditional_select(o, m, good);
        }
        (out, rollback)
    }

    /// RSASSA-PKCS1-v1_5 signature over an already computed `digest` (RFC 8017 §8.2.1). For
    /// [`RsaHash::Md5Sha1`] the 36-byte MD5||SHA-1 digest is padded without a DigestInfo, the
    /// TLS 1.0/1.1 form (RFC 2246 §7.4.3). aws-lc blinds the private operation. None when the
    /// digest length does not match `hash` or the key is too small.
    pub fn sign_pkcs1(&self, hash: RsaHash, digest: &[u8]) -> Option<Vec<u8>> {
        if digest.len() != hash.digest_len() {
            return None;
        }
        let mut out = vec![0u8; self.modulus_len()];
        let mut out_len: core::ffi::c_uint = 0;
        // SAFETY: `out` holds RSA_size bytes, the maximum RSA_sign writes; the digest pointer/length
        // describe `digest`; the key is valid and RSA_sign is safe on a shared key (see Sync above).
        let ok =
            unsafe { aws_lc_sys::RSA_sign(hash.nid(), digest.as_ptr(), digest.len(), out.as_mut_ptr(), &mut out_len, self.rsa.as_ptr()) };
        if ok != 1 {
            return None;
        }
        out.truncate(out_len as usize);
        Some(out)
    }

    /// RSASSA-PSS signature over `digest` with MGF1 of the same hash and a salt as long as the
    /// hash, as TLS requires for rsa_pss_rsae_* (RFC 8446 §4.2.3). None for [`RsaHash::Md5Sha1`],
    /// a wrong digest length, or a key too small for the hash.
    pub fn sign_pss(&self, hash: RsaHash, digest: &[u8]) -> Option<Vec<u8>> {
        let md = hash.md()?;
        if digest.len() != hash.digest_len() {
            return None;
        }
        let mut out = vec![0u8; self.modulus_len()];
        let mut out_len = 0usize;
        // SAFETY: `out` has room for max_out = RSA_size bytes; `md` is a static EVP_MD; the digest
        // pointer/length describe `digest`; the key is valid and safe to share (see Sync above).
        let ok = unsafe {
            aws_lc_sys::RSA_sign_pss_mgf1(
                self.rsa.as_ptr(),
                &mut out_len,
                out.as_mut_ptr(),
                out.len(),
                digest.as_ptr(),
                digest.len(),
                md,
                md,
                aws_lc_sys::RSA_PSS_SALTLEN_DIGEST,
            )
        };
        if ok != 1 {
            return None;
        }
        out.truncate(out_len);
        Some(out)
    }

    /// The public half as a PKCS#1 `RSAPublicKey` DER (RFC 8017 A.1.1).
    pub fn public_key_pkcs1(&self) -> Option<Vec<u8>> {
        let mut buf: *mut u8 = core::ptr::null_mut();
        let mut len = 0usize;
        // SAFETY: valid key; on success aws-lc stores a fresh OPENSSL_malloc'd buffer in `buf`.
        if unsafe { aws_lc_sys::RSA_public_key_to_bytes(&mut buf, &mut len, self.rsa.as_ptr()) } != 1 || buf.is_null() {
            return None;
        }
        // SAFETY: `buf` points to `len` initialised bytes owned by us until the free below.
        let der = unsafe { core::slice::from_raw_parts(buf, len) }.to_vec();
        // SAFETY: frees the buffer allocated by RSA_public_key_to_bytes, once.
        unsafe { aws_lc_sys::OPENSSL_free(buf.cast()) };
        Some(der)
    }
}

/// The temporary RSA keys of one server credential for export suites (RFC 2246 §7.4.3): made
/// on first use and then reused for every handshake of the credential, as Schannel did.
#[derive(Default)]
pub struct TemporaryRsaKeys {
    bits512: std::sync::OnceLock<Option<std::sync::Arc<RsaPrivateKey>>>,
    bits1024: std::sync::OnceLock<Option<std::sync::Arc<RsaPrivateKey>>>,
}

impl TemporaryRsaKeys {
    /// The credential's temporary key of `bits` (512 or 1024), generated on the first call.
    /// None for any other size or when generation fails.
    pub fn get(&self, bits: u32) -> Option<std::sync::Arc<RsaPrivateKey>> {
        let cell = match bits {
            512 => &self.bits512,
            1024 => &self.bits1024,
            _ => return None,
        };
        cell.get_or_init(|| RsaPrivateKey::generate(bits).map(std::sync::Arc::new)).clone()
    }
}

/// The digest under an RSA signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RsaHash {
    /// MD5(m) || SHA-1(m), 36 bytes, signed without a DigestInfo (TLS 1.0/1.1 only).
    Md5Sha1,
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl RsaHash {
    /// Digest length in bytes.
    pub const fn digest_len(self) -> usize {
        match self {
            RsaHash::Md5Sha1 => 36,
            RsaHash::Sha1 => 20,
            RsaHash::Sha256 => 32,
            RsaHash::Sha384 => 48,
            RsaHash::Sha512 => 64,
        }
    }

    fn nid(self) -> core::ffi::c_int {
        match self {
            RsaHash::Md5Sha1 => aws_lc_sys::NID_md5_sha1,
            RsaHash::Sha1 => aws_lc_sys::NID_sha1,
            RsaHash::Sha256 => aws_lc_sys::NID_sha256,
            RsaHash::Sha384 => aws_lc_sys::NID_sha384,
            RsaHash::Sha512 => aws_lc_sys::NID_sha512,
        }
    }

    /// The EVP_MD for PSS; MD5-SHA1 has no PSS form.
    fn md(self) -> Option<*const aws_lc_sys::EVP_MD> {
        // SAFETY: the EVP_* getters return pointers to static, immutable digest descriptions.
        unsafe {
            match self {
                RsaHash::Md5Sha1 => None,
                RsaHash::Sha1 => Some(aws_lc_sys::EVP_sha1()),
                RsaHash::Sha256 => Some(aws_lc_sys::EVP_sha256()),
                RsaHash::Sha384 => Some(aws_lc_sys::EVP_sha384()),
                RsaHash::Sha512 => Some(aws_lc_sys::EVP_sha512()),
            }
        }
    }
}

/// Verifies an RSASSA-PKCS1-v1_5 signature over `digest` with the PKCS#1 `RSAPublicKey`
/// `pkcs1_der`. Used for the TLS 1.0/1.1 MD5||SHA-1 form, which aws-lc-rs cannot express; aws-lc
/// re-encodes the expected block and compares, so no lenient parsing of the signature.
/// Keys of 1024..=8192 bits, like [`crate::crypto::signature::verify`].
pub fn verify_pkcs1(pkcs1_der: &[u8], hash: RsaHash, digest: &[u8], sig: &[u8]) -> bool {
    if digest.len() != hash.digest_len() {
        return false;
    }
    // SAFETY: pointer/length describe `pkcs1_der`; aws-lc copies what it needs.
    let raw = unsafe { aws_lc_sys::RSA_public_key_from_bytes(pkcs1_der.as_ptr(), pkcs1_der.len()) };
    let Some(rsa) = NonNull::new(raw) else {
        return false;
    };
    // SAFETY: valid key object.
    let bits = unsafe { aws_lc_sys::RSA_bits(rsa.as_ptr()) };
    // SAFETY: the digest and signature pointer/length pairs describe live slices; valid key.
    let ok = (1024..=8192).contains(&bits)
        && unsafe { aws_lc_sys::RSA_verify(hash.nid(), digest.as_ptr(), digest.len(), sig.as_ptr(), sig.len(), rsa.as_ptr()) } == 1;
    // SAFETY: frees the object created above, once.
    unsafe { aws_lc_sys::RSA_free(rsa.as_ptr()) };
    ok
}

/// Constant-time check of `00 02 PS(nonzero, >= 8) 00 version(2) random(46)` for a 48-byte message.
fn pkcs1_type2_premaster_ok(em: &[u8], client_version: [u8; 2]) -> Choice {
    let k = em.len();
    let sep = k - PREMASTER_LEN - 1;
    let mut good = em[0].ct_eq(&0) & em[1].ct_eq(&2) & em[sep].ct_eq(&0);
    for b in &em[2..sep] {
        good &= !b.ct_eq(&0);
    }
    good &= em[sep + 1].ct_eq(&client_version[0]);
    good &= em[sep + 2].ct_eq(&client_version[1]);
    good
}

/// Encrypts `msg` with PKCS#1 v1.5 type-2 padding under the public key `pkcs1_der`
/// (an `RSAPublicKey`). Returns None for an unusable key.
#[cfg(not(fuzzing))]
pub fn public_encrypt_pkcs1(pkcs1_der: &[u8], msg: &[u8]) -> Option<Vec<u8>> {
    public_encrypt(pkcs1_der, msg, aws_lc_sys::RSA_PKCS1_PADDING)
}

/// Fuzzing builds only: the same block, `00 02 PS 00 msg` (RFC 8017 §7.2.1), with the nonzero
/// padding bytes PS from `random`'s deterministic stream so that a recorded ClientKeyExchange
/// replays (aws-lc draws PS from its own generator); aws-lc does the raw RSA operation.
#[cfg(fuzzing)]
pub fn public_encrypt_pkcs1(pkcs1_der: &[u8], msg: &[u8]) -> Option<Vec<u8>> {
    // SAFETY: pointer/length describe `pkcs1_der`; aws-lc copies what it needs.
    let rsa = NonNull::new(unsafe { aws_lc_sys::RSA_public_key_from_bytes(pkcs1_der.as_ptr(), pkcs1_der.len()) })?;
    // SAFETY: valid key object, freed once right after.
    let k = unsafe {
        let k = aws_lc_sys::RSA_size(rsa.as_ptr()) as usize;
        aws_lc_sys::RSA_free(rsa.as_ptr());
        k
    };
    if msg.len() + 11 > k {
        return None;
    }
    let mut em = Zeroizing::new(vec![0u8; k]);
    em[1] = 2;
    let ps = k - msg.len() - 3;
    crate::crypto::random::fill(&mut em[2..2 + ps]);
    for b in &mut em[2..2 + ps] {
        *b |= (*b == 0) as u8;
    }
    em[k - msg.len()..].copy_from_slice(msg);
    public_encrypt_raw(pkcs1_der, &em)
}

/// Raw RSA public operation on a full-width block (`msg` as long as the modulus, numerically
/// below it). Only for tests that craft malformed PKCS#1 blocks (Bleichenbacher variants): TLS
/// never sends an unpadded block.
pub fn public_encrypt_raw(pkcs1_der: &[u8], msg: &[u8]) -> Option<Vec<u8>> {
    public_encrypt(pkcs1_der, msg, aws_lc_sys::RSA_NO_PADDING)
}

fn public_encrypt(pkcs1_der: &[u8], msg: &[u8], padding: core::ffi::c_int) -> Option<Vec<u8>> {
    // SAFETY: pointer/length describe `pkcs1_der`; aws-lc copies what it needs.
    let raw = unsafe { aws_lc_sys::RSA_public_key_from_bytes(pkcs1_der.as_ptr(), pkcs1_der.len()) };
    let rsa = NonNull::new(raw)?;
    // SAFETY: valid key object.
    let k = unsafe { aws_lc_sys::RSA_size(rsa.as_ptr()) } as usize;
    let mut out = vec![0u8; k];
    let mut out_len = 0usize;
    // SAFETY: `out` has room for k bytes; aws-lc draws padding from its own RNG.
    let ok = unsafe { aws_lc_sys::RSA_encrypt(rsa.as_ptr(), &mut out_len, out.as_mut_ptr(), out.len(), msg.as_ptr(), msg.len(), padding) };
    // SAFETY: frees the object created above, once.
    unsafe { aws_lc_sys::RSA_free(rsa.as_ptr()) };
    if ok != 1 {
        return None;
    }
    out.truncate(out_len);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_keys_are_made_once_and_decrypt_a_premaster() {
        let keys = TemporaryRsaKeys::default();
        let k512 = keys.get(512).unwrap();
        assert_eq!(k512.bits(), 512);
        assert!(std::sync::Arc::ptr_eq(&k512, &keys.get(512).unwrap()), "reused, not regenerated");
        assert_eq!(keys.get(1024).unwrap().bits(), 1024);
        assert!(keys.get(768).is_none());
        let public = k512.public_key_pkcs1().unwrap();
        let mut premaster = [7u8; PREMASTER_LEN];
        premaster[..2].copy_from_slice(&[3, 1]);
        let enc = public_encrypt_pkcs1(&public, &premaster).unwrap();
        assert_eq!(enc.len(), 64);
        assert_eq!(*k512.decrypt_premaster(&enc, [3, 1], &[0; PREMASTER_LEN]), premaster);
    }

    #[test]
    fn padding_check_accepts_only_well_formed_blocks() {
        let mut em = vec![0x11u8; 128];
        em[0] = 0;
        em[1] = 2;
        let sep = 128 - 49;
        em[sep] = 0;
        em[sep + 1] = 3;
        em[sep + 2] = 1;
        assert!(bool::from(pkcs1_type2_premaster_ok(&em, [3, 1])));
        assert!(!bool::from(pkcs1_type2_premaster_ok(&em, [3, 0])), "version mismatch");
        let mut bad = em.clone();
        bad[1] = 1;
        assert!(!bool::from(pkcs1_type2_premaster_ok(&bad, [3, 1])));
        let mut bad = em.clone();
        bad[10] = 0;
        assert!(!bool::from(pkcs1_type2_premaster_ok(&bad, [3, 1])), "zero inside PS");
        let mut bad = em;
        bad[sep] = 1;
        assert!(!bool::from(pkcs1_type2_premaster_ok(&bad, [3, 1])), "no separator");
    }
}
