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
// SAFETY: as above; `&RsaPrivateKey` only reaches RSA_decrypt/RSA_size.
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
        // Fails only for ciphertext >= modulus, which anyone can compute from the public key.
        if ok != 1 || em_len != k {
            return out;
        }
        let good = pkcs1_type2_premaster_ok(&em, client_version);
        let msg = &em[k - PREMASTER_LEN..];
        for (o, m) in out.iter_mut().zip(msg) {
            *o = u8::conditional_select(o, m, good);
        }
        out
    }
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
pub fn public_encrypt_pkcs1(pkcs1_der: &[u8], msg: &[u8]) -> Option<Vec<u8>> {
    // SAFETY: pointer/length describe `pkcs1_der`; aws-lc copies what it needs.
    let raw = unsafe { aws_lc_sys::RSA_public_key_from_bytes(pkcs1_der.as_ptr(), pkcs1_der.len()) };
    let rsa = NonNull::new(raw)?;
    // SAFETY: valid key object.
    let k = unsafe { aws_lc_sys::RSA_size(rsa.as_ptr()) } as usize;
    let mut out = vec![0u8; k];
    let mut out_len = 0usize;
    // SAFETY: `out` has room for k bytes; aws-lc draws padding from its own RNG.
    let ok = unsafe {
        aws_lc_sys::RSA_encrypt(
            rsa.as_ptr(),
            &mut out_len,
            out.as_mut_ptr(),
            out.len(),
            msg.as_ptr(),
            msg.len(),
            aws_lc_sys::RSA_PKCS1_PADDING,
        )
    };
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
