//! ECDSA on P-256 and P-384 over a caller-computed digest, through aws-lc.
//!
//! aws-lc-rs binds each ECDSA key to one hash (P-256 with SHA-256, P-384 with SHA-384) and has no
//! SHA-1 signer, but TLS 1.0/1.1 sign SHA-1 digests with any curve (RFC 4492 §5.4) and TLS 1.2
//! does not tie the hash to the curve (RFC 5246 §7.4.1.4.1). So the key lives in an aws-lc
//! `EC_KEY` and we call `ECDSA_sign`/`ECDSA_verify` on digests; aws-lc's scalar multiplication is
//! constant-time and its nonces are hedged (random plus key/digest), so a weak RNG does not leak
//! the key. Signatures are DER `Ecdsa-Sig-Value` (RFC 8422 §5.4), which is what TLS carries.
#![allow(unsafe_code)]

use core::ptr::NonNull;

use super::kx::NamedGroup;

/// An ECDSA private key held by aws-lc.
pub struct EcdsaPrivateKey {
    key: NonNull<aws_lc_sys::EC_KEY>,
    curve: NamedGroup,
}

// SAFETY: the EC_KEY is never mutated after parsing; aws-lc's ECDSA_sign and the read-only
// accessors we call take `const EC_KEY *` and are safe from several threads at once.
unsafe impl Send for EcdsaPrivateKey {}
// SAFETY: as above.
unsafe impl Sync for EcdsaPrivateKey {}

impl Drop for EcdsaPrivateKey {
    fn drop(&mut self) {
        // SAFETY: `key` came from EC_KEY_parse_private_key and is freed exactly once; EC_KEY_free
        // clears the private scalar.
        unsafe { aws_lc_sys::EC_KEY_free(self.key.as_ptr()) }
    }
}

impl EcdsaPrivateKey {
    /// Parses an RFC 5915 (SEC1) `ECPrivateKey` DER. `curve` is the curve named outside the
    /// structure (PKCS#8 AlgorithmIdentifier), needed because PKCS#8 usually omits the inner
    /// parameters; when both are present they must agree. Only P-256 and P-384 are accepted, and
    /// the key must be consistent (public point matches the scalar) with no trailing bytes.
    pub fn from_sec1_der(der: &[u8], curve: Option<NamedGroup>) -> Option<Self> {
        let group = match curve {
            Some(c) => group_of(c)?.as_ptr().cast_const(),
            None => core::ptr::null(),
        };
        let mut cbs = core::mem::MaybeUninit::<aws_lc_sys::CBS>::uninit();
        // SAFETY: CBS_init fully initialises the CBS to borrow `der`, which outlives its use below.
        let mut cbs = unsafe {
            aws_lc_sys::CBS_init(cbs.as_mut_ptr(), der.as_ptr(), der.len());
            cbs.assume_init()
        };
        // SAFETY: `cbs` is initialised; `group` is null or a static group; aws-lc copies the key.
        let raw = unsafe { aws_lc_sys::EC_KEY_parse_private_key(&mut cbs, group) };
        let key = NonNull::new(raw)?;
        // SAFETY: valid key object; its group pointer is owned by it (and static for named curves).
        let nid = unsafe { aws_lc_sys::EC_GROUP_get_curve_name(aws_lc_sys::EC_KEY_get0_group(key.as_ptr())) };
        let curve = match nid {
            aws_lc_sys::NID_X9_62_prime256v1 => Some(NamedGroup::Secp256r1),
            aws_lc_sys::NID_secp384r1 => Some(NamedGroup::Secp384r1),
            _ => None,
        };
        // SAFETY: `cbs` is still a valid CBS over `der`.
        let trailing = unsafe { aws_lc_sys::CBS_len(&cbs) } != 0;
        let Some(curve) = curve.filter(|_| !trailing) else {
            // SAFETY: frees the key parsed above, once.
            unsafe { aws_lc_sys::EC_KEY_free(key.as_ptr()) };
            return None;
        };
        let parsed = EcdsaPrivateKey { key, curve };
        // SAFETY: valid key object owned by `parsed`.
        if unsafe { aws_lc_sys::EC_KEY_check_key(parsed.key.as_ptr()) } != 1 {
            return None;
        }
        Some(parsed)
    }

    /// The key's curve (Secp256r1 or Secp384r1).
    pub fn curve(&self) -> NamedGroup {
        self.curve
    }

    /// DER `Ecdsa-Sig-Value` over `digest`. Digests longer than the order are truncated by ECDSA
    /// itself (FIPS 186-4 §6.4), so any of SHA-1/256/384/512 works on either curve.
    #[cfg(not(fuzzing))]
    pub fn sign_digest(&self, digest: &[u8]) -> Option<Vec<u8>> {
        // SAFETY: valid key object.
        let max = unsafe { aws_lc_sys::ECDSA_size(self.key.as_ptr()) };
        let mut out = vec![0u8; max];
        let mut out_len: core::ffi::c_uint = 0;
        // SAFETY: `out` has ECDSA_size bytes, the most ECDSA_sign writes; the digest pointer/length
        // describe `digest`; the key is valid and only read.
        let ok = unsafe { aws_lc_sys::ECDSA_sign(0, digest.as_ptr(), digest.len(), out.as_mut_ptr(), &mut out_len, self.key.as_ptr()) };
        if ok != 1 {
            return None;
        }
        out.truncate(out_len as usize);
        Some(out)
    }

    /// Fuzzing builds only: the nonce comes from `random`'s deterministic stream, so a recorded
    /// ServerKeyExchange replays byte for byte (aws-lc's own nonces come from its generator).
    /// aws-lc's function for this is meant for tests and fuzzing, never for a shipped build.
    #[cfg(fuzzing)]
    pub fn sign_digest(&self, digest: &[u8]) -> Option<Vec<u8>> {
        let mut nonce = zeroize::Zeroizing::new(vec![0u8; if self.curve == NamedGroup::Secp384r1 { 48 } else { 32 }]);
        crate::crypto::random::fill(&mut nonce);
        nonce[0] &= 0x7f; // below the group order
        let last = nonce.len() - 1;
        nonce[last] |= 1; // not zero
                          // SAFETY: the pointer/length pairs describe `digest` and `nonce`; the key is valid.
        let sig = NonNull::new(unsafe {
            aws_lc_sys::ECDSA_sign_with_nonce_and_leak_private_key_for_testing(
                digest.as_ptr(),
                digest.len(),
                self.key.as_ptr(),
                nonce.as_ptr(),
                nonce.len(),
            )
        })?;
        let mut buf: *mut u8 = core::ptr::null_mut();
        let mut len = 0usize;
        // SAFETY: valid signature object; on success aws-lc stores an OPENSSL_malloc'd buffer.
        let ok = unsafe { aws_lc_sys::ECDSA_SIG_to_bytes(&mut buf, &mut len, sig.as_ptr()) } == 1 && !buf.is_null();
        // SAFETY: `buf` holds `len` bytes when ok; both objects are freed once.
        unsafe {
            let out = ok.then(|| core::slice::from_raw_parts(buf, len).to_vec());
            aws_lc_sys::OPENSSL_free(buf.cast());
            aws_lc_sys::ECDSA_SIG_free(sig.as_ptr());
            out
        }
    }

    /// The public key as an uncompressed SEC1 point (0x04 || X || Y).
    pub fn public_point(&self) -> Option<Vec<u8>> {
        // SAFETY: valid key; the group and point pointers are owned by it and outlive this call.
        unsafe {
            let group = aws_lc_sys::EC_KEY_get0_group(self.key.as_ptr());
            let point = aws_lc_sys::EC_KEY_get0_public_key(self.key.as_ptr());
            if point.is_null() {
                return None;
            }
            let mut out = vec![0u8; 1 + 2 * coordinate_len(self.curve)];
            let form = aws_lc_sys::point_conversion_form_t::POINT_CONVERSION_UNCOMPRESSED;
            // `out` is exactly the uncompressed size, so point2oct writes within it.
            let n = aws_lc_sys::EC_POINT_point2oct(group, point, form, out.as_mut_ptr(), out.len(), core::ptr::null_mut());
            (n == out.len()).then_some(out)
        }
    }
}

/// Verifies a DER `Ecdsa-Sig-Value` over `digest` with the uncompressed point `point` on `curve`.
/// aws-lc rejects points off the curve and non-canonical DER (it re-encodes and compares).
pub fn verify_digest(curve: NamedGroup, point: &[u8], digest: &[u8], sig: &[u8]) -> bool {
    // RFC 8422 §5.1.2 / RFC 5480 §2.2: uncompressed points only.
    if point.len() != 1 + 2 * coordinate_len(curve) || point.first() != Some(&4) {
        return false;
    }
    let Some(group) = group_of(curve) else {
        return false;
    };
    // SAFETY: every object created here is checked for null and freed once at the end; pointer/
    // length pairs describe live slices; `group` is a static named-curve group.
    unsafe {
        let key = aws_lc_sys::EC_KEY_new_by_curve_name(curve_nid(curve));
        let pt = aws_lc_sys::EC_POINT_new(group.as_ptr());
        let ok = !key.is_null()
            && !pt.is_null()
            && aws_lc_sys::EC_POINT_oct2point(group.as_ptr(), pt, point.as_ptr(), point.len(), core::ptr::null_mut()) == 1
            && aws_lc_sys::EC_KEY_set_public_key(key, pt) == 1
            && aws_lc_sys::ECDSA_verify(0, digest.as_ptr(), digest.len(), sig.as_ptr(), sig.len(), key) == 1;
        aws_lc_sys::EC_POINT_free(pt);
        aws_lc_sys::EC_KEY_free(key);
        ok
    }
}

/// Field element length in bytes.
const fn coordinate_len(curve: NamedGroup) -> usize {
    match curve {
        NamedGroup::Secp384r1 => 48,
        _ => 32,
    }
}

fn curve_nid(curve: NamedGroup) -> core::ffi::c_int {
    match curve {
        NamedGroup::Secp384r1 => aws_lc_sys::NID_secp384r1,
        _ => aws_lc_sys::NID_X9_62_prime256v1,
    }
}

/// aws-lc's static group for a signing curve; None for X25519.
fn group_of(curve: NamedGroup) -> Option<NonNull<aws_lc_sys::EC_GROUP>> {
    if curve == NamedGroup::X25519 {
        return None;
    }
    // SAFETY: for built-in curves aws-lc returns a static group that needs no freeing.
    NonNull::new(unsafe { aws_lc_sys::EC_GROUP_new_by_curve_name(curve_nid(curve)) })
}
