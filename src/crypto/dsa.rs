//! DSA (FIPS 186) over a caller-computed digest, through aws-lc: the key of DHE_DSS suites
//! (RFC 2246 §7.4.3: SHA-1 over client_random + server_random + params before TLS 1.2; TLS 1.2's
//! dsa_sha1/dsa_sha256 schemes) and of certificates signed with dsa-with-sha1/sha256 (RFC 3279
//! §2.2.2, RFC 5758 §3.1).
//!
//! aws-lc-rs has no DSA at all, so the key lives in an aws-lc `DSA` and we call
//! `DSA_sign`/`DSA_verify` on digests. Signatures are DER `Dss-Sig-Value` (r, s), which is what
//! TLS and X.509 carry. aws-lc bounds every parameter on parsing (q of 160/224/256 bits, p at
//! most 10,000 bits, g and y in the group) and re-encodes a signature to refuse non-canonical DER.
#![allow(unsafe_code)]

use core::ptr::NonNull;

/// A DSA private key held by aws-lc.
pub struct DsaPrivateKey {
    dsa: NonNull<aws_lc_sys::DSA>,
}

// SAFETY: the DSA object is never mutated after parsing; DSA_sign and the accessors we call take
// `const DSA *` and are safe from several threads at once.
unsafe impl Send for DsaPrivateKey {}
// SAFETY: as above.
unsafe impl Sync for DsaPrivateKey {}

impl Drop for DsaPrivateKey {
    fn drop(&mut self) {
        // SAFETY: `dsa` came from DSA_parse_private_key or EVP_PKEY_get1_DSA (a reference of our
        // own) and is released exactly once; DSA_free clears the private exponent.
        unsafe { aws_lc_sys::DSA_free(self.dsa.as_ptr()) }
    }
}

/// Runs `parse` over a CBS borrowing `der` and reports whether it consumed every byte.
fn parse_all<T>(der: &[u8], parse: impl FnOnce(*mut aws_lc_sys::CBS) -> *mut T) -> (Option<NonNull<T>>, bool) {
    let mut cbs = core::mem::MaybeUninit::<aws_lc_sys::CBS>::uninit();
    // SAFETY: CBS_init fully initialises the CBS to borrow `der`, which outlives its use here.
    let mut cbs = unsafe {
        aws_lc_sys::CBS_init(cbs.as_mut_ptr(), der.as_ptr(), der.len());
        cbs.assume_init()
    };
    let out = NonNull::new(parse(&mut cbs));
    // SAFETY: `cbs` is still a valid CBS over `der`.
    let finished = unsafe { aws_lc_sys::CBS_len(&cbs) } == 0;
    (out, finished)
}

impl DsaPrivateKey {
    /// Parses OpenSSL's traditional `DSAPrivateKey` DER (the body of a "DSA PRIVATE KEY" PEM
    /// block: SEQUENCE { 0, p, q, g, y, x }).
    pub fn from_traditional_der(der: &[u8]) -> Option<Self> {
        // SAFETY: the CBS is valid for the call; aws-lc copies what it keeps.
        let (dsa, finished) = parse_all(der, |cbs| unsafe { aws_lc_sys::DSA_parse_private_key(cbs) });
        Self::checked(dsa?, finished)
    }

    /// Parses a PKCS#8 `PrivateKeyInfo` DER with the id-dsa algorithm (parameters p, q, g in the
    /// AlgorithmIdentifier, x as an INTEGER; aws-lc computes y).
    pub fn from_pkcs8_der(der: &[u8]) -> Option<Self> {
        // SAFETY: the CBS is valid for the call; aws-lc copies what it keeps.
        let (pkey, finished) = parse_all(der, |cbs| unsafe { aws_lc_sys::EVP_parse_private_key(cbs) });
        let pkey = pkey?;
        // SAFETY: `pkey` is a valid EVP_PKEY; get1 returns a new reference (or null for another
        // key type) that outlives the EVP_PKEY, which is freed once here.
        let dsa = unsafe {
            let dsa = aws_lc_sys::EVP_PKEY_get1_DSA(pkey.as_ptr());
            aws_lc_sys::EVP_PKEY_free(pkey.as_ptr());
            dsa
        };
        Self::checked(NonNull::new(dsa)?, finished)
    }

    /// Owns `dsa`, then refuses trailing bytes and a key whose public value does not belong to
    /// its private one (a traditional file carries both): a signature must verify with it.
    fn checked(dsa: NonNull<aws_lc_sys::DSA>, finished: bool) -> Option<Self> {
        let key = DsaPrivateKey { dsa };
        if !finished {
            return None;
        }
        let digest = [0x5a; 20];
        let sig = key.sign_digest(&digest)?;
        // SAFETY: valid key object; pointer/length pairs describe live slices.
        let ok = unsafe { aws_lc_sys::DSA_verify(0, digest.as_ptr(), digest.len(), sig.as_ptr(), sig.len(), key.dsa.as_ptr()) };
        (ok == 1).then_some(key)
    }

    /// Bits of the prime p.
    pub fn bits(&self) -> u32 {
        // SAFETY: valid key object.
        unsafe { aws_lc_sys::DSA_bits(self.dsa.as_ptr()) }
    }

    /// DER `Dss-Sig-Value` over `digest`. A digest longer than q is truncated to q's length by
    /// DSA itself (FIPS 186-4 §4.6), so SHA-1 and SHA-256 both work on any key size.
    pub fn sign_digest(&self, digest: &[u8]) -> Option<Vec<u8>> {
        // SAFETY: valid key object.
        let max = usize::try_from(unsafe { aws_lc_sys::DSA_size(self.dsa.as_ptr()) }).ok()?;
        let mut out = vec![0u8; max];
        let mut out_len: core::ffi::c_uint = 0;
        // SAFETY: `out` has DSA_size bytes, the most DSA_sign writes; the digest pointer/length
        // describe `digest`; the key is only read.
        let ok = unsafe { aws_lc_sys::DSA_sign(0, digest.as_ptr(), digest.len(), out.as_mut_ptr(), &mut out_len, self.dsa.as_ptr()) };
        if ok != 1 {
            return None;
        }
        out.truncate(out_len as usize);
        Some(out)
    }

    /// The SubjectPublicKeyInfo DER of the key (id-dsa with its Dss-Parms, y as an INTEGER), as
    /// certificates encode it.
    pub fn public_key_spki(&self) -> Option<Vec<u8>> {
        // SAFETY: with a null output pointer i2d only measures.
        let len = unsafe { aws_lc_sys::i2d_DSA_PUBKEY(self.dsa.as_ptr(), core::ptr::null_mut()) };
        let mut out = vec![0u8; usize::try_from(len).ok().filter(|&l| l > 0)?];
        let mut p = out.as_mut_ptr();
        // SAFETY: `out` has exactly the measured length; i2d writes that many bytes and advances `p`.
        let written = unsafe { aws_lc_sys::i2d_DSA_PUBKEY(self.dsa.as_ptr(), &mut p) };
        (written == len).then_some(out)
    }
}

/// Smallest and largest prime p accepted from a peer (certificates, ServerKeyExchange,
/// CertificateVerify): the same 1024-bit floor as for RSA, and a ceiling that keeps a chain of
/// huge DSA keys from costing much CPU (aws-lc alone allows p up to 10,000 bits).
const MIN_PEER_BITS: u32 = 1024;
const MAX_PEER_BITS: u32 = 3072;

/// Verifies a DER `Dss-Sig-Value` over `digest` with the DSA key in a full SubjectPublicKeyInfo
/// DER. False for another key type, a prime outside 1024..=3072 bits, bad parameters, trailing
/// bytes or a bad signature.
pub fn verify_digest(spki_der: &[u8], digest: &[u8], sig: &[u8]) -> bool {
    // SAFETY: the CBS is valid for the call; aws-lc copies what it keeps.
    let (pkey, finished) = parse_all(spki_der, |cbs| unsafe { aws_lc_sys::EVP_parse_public_key(cbs) });
    let Some(pkey) = pkey else {
        return false;
    };
    // SAFETY: `pkey` is valid and freed once at the end; get0 borrows the DSA it holds (null for
    // another key type); pointer/length pairs describe live slices.
    unsafe {
        let dsa = aws_lc_sys::EVP_PKEY_get0_DSA(pkey.as_ptr());
        let ok = finished
            && !dsa.is_null()
            && (MIN_PEER_BITS..=MAX_PEER_BITS).contains(&aws_lc_sys::DSA_bits(dsa))
            && aws_lc_sys::DSA_verify(0, digest.as_ptr(), digest.len(), sig.as_ptr(), sig.len(), dsa) == 1;
        aws_lc_sys::EVP_PKEY_free(pkey.as_ptr());
        ok
    }
}
