//! md5WithRSAEncryption verification (RFC 8017 §8.2.2), for
//! [`super::VerifyOptions::allow_md5`] only.
//!
//! aws-lc-rs's safe API has no MD5 verifier, and reaching aws-lc's
//! `RSA_verify(NID_md5, ...)` needs FFI in `crypto/`; until such a
//! `SigAlg::RsaPkcs1Md5` exists there, the public-key operation is done here
//! with a small Montgomery big-number routine. Every input is public (key,
//! signature, message), so nothing needs to be constant time; the sizes are
//! bounded so a hostile certificate cannot make it slow.

use der::Decode;

/// Smallest and largest modulus accepted, in bits: the same range as the
/// legacy RSA verifiers in `crypto::signature`.
const MIN_BITS: usize = 1024;
const MAX_BITS: usize = 8192;

/// DigestInfo prefix for MD5 (RFC 8017 §9.2, note 1).
const MD5_DIGEST_INFO: [u8; 18] =
    [0x30, 0x20, 0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x05, 0x05, 0x00, 0x04, 0x10];

/// Verifies an RSASSA-PKCS1-v1_5 signature with MD5 over `msg` with the
/// rsaEncryption key in `spki_der`. False on any failure.
pub(crate) fn verify(spki_der: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    let Ok(spki) = spki::SubjectPublicKeyInfoRef::from_der(spki_der) else {
        return false;
    };
    if spki.algorithm.oid != const_oid::db::rfc5912::RSA_ENCRYPTION {
        return false;
    }
    let Some(key) = spki.subject_public_key.as_bytes() else {
        return false;
    };
    let Ok(key) = pkcs1::RsaPublicKeyRef::from_der(key) else {
        return false;
    };
    let (n, e) = (key.modulus.as_bytes(), key.public_exponent.as_bytes());
    let bits = (n.len() * 8).saturating_sub(n.first().map_or(8, |b| b.leading_zeros() as usize));
    // e: odd, at least 3, at most 32 bits (bounds the work; real keys use
    // 3 or 65537).
    if !(MIN_BITS..=MAX_BITS).contains(&bits) || e.len() > 4 || e.last().is_none_or(|b| b & 1 == 0) || e == [1] {
        return false;
    }
    // RFC 8017 §8.2.2 step 1: the signature is exactly k octets.
    if sig.len() != n.len() {
        return false;
    }
    let (n, s) = (from_be(n), from_be(sig));
    // §5.2.2 step 1: s must be below n.
    if cmp(&s, &n) != core::cmp::Ordering::Less {
        return false;
    }
    let exp = e.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
    let Some(m) = mod_pow(&s, exp, &n) else {
        return false;
    };
    let em = to_be(&m, sig.len());
    let mut expected = vec![0x00, 0x01];
    let digest = &crate::crypto::hash::md5_sha1(msg)[..16];
    let Some(pad) = sig.len().checked_sub(3 + MD5_DIGEST_INFO.len() + digest.len()) else {
        return false;
    };
    expected.resize(2 + pad, 0xff);
    expected.push(0x00);
    expected.extend_from_slice(&MD5_DIGEST_INFO);
    expected.extend_from_slice(digest);
    em == expected
}

/// Little-endian 32-bit limbs of a big-endian octet string.
fn from_be(bytes: &[u8]) -> Vec<u32> {
    bytes.rchunks(4).map(|c| c.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b))).collect()
}

/// `len` big-endian octets of `x` (which must fit).
fn to_be(x: &[u32], len: usize) -> Vec<u8> {
    let mut out: Vec<u8> = x.iter().flat_map(|l| l.to_le_bytes()).collect();
    out.resize(len.max(out.len()), 0);
    out.truncate(len);
    out.reverse();
    out
}

/// Compares two numbers of any limb counts.
fn cmp(a: &[u32], b: &[u32]) -> core::cmp::Ordering {
    let len = a.len().max(b.len());
    for i in (0..len).rev() {
        let (x, y) = (a.get(i).copied().unwrap_or(0), b.get(i).copied().unwrap_or(0));
        if x != y {
            return x.cmp(&y);
        }
    }
    core::cmp::Ordering::Equal
}

/// `a -= b`, for `a >= b`.
fn sub_assign(a: &mut [u32], b: &[u32]) {
    let mut borrow = 0u64;
    for (i, limb) in a.iter_mut().enumerate() {
        let d = u64::from(*limb).wrapping_sub(u64::from(b.get(i).copied().unwrap_or(0))).wrapping_sub(borrow);
        *limb = d as u32;
        borrow = (d >> 63) & 1;
    }
}

/// Montgomery arithmetic modulo an odd `n` with R = 2^(32·n.len()):
/// quadratic per multiplication, so an 8192-bit key costs milliseconds.
struct Mont<'n> {
    n: &'n [u32],
    /// -n⁻¹ mod 2³².
    n0_inv: u32,
}

impl<'n> Mont<'n> {
    /// `None` for an even or empty modulus.
    fn new(n: &'n [u32]) -> Option<Self> {
        let n0 = *n.first().filter(|&&w| w & 1 == 1)?;
        // Newton's iteration: each step doubles the correct low bits.
        let mut inv = 1u32;
        for _ in 0..5 {
            inv = inv.wrapping_mul(2u32.wrapping_sub(n0.wrapping_mul(inv)));
        }
        Some(Self { n, n0_inv: inv.wrapping_neg() })
    }

    /// a·b·R⁻¹ mod n for a, b < n (CIOS form).
    fn mul(&self, a: &[u32], b: &[u32]) -> Vec<u32> {
        let len = self.n.len();
        let mut t = vec![0u32; len + 2];
        for i in 0..len {
            let ai = u64::from(a.get(i).copied().unwrap_or(0));
            let mut carry = 0u64;
            for (j, tj) in t.iter_mut().take(len).enumerate() {
                let s = u64::from(*tj) + ai * u64::from(b.get(j).copied().unwrap_or(0)) + carry;
                *tj = s as u32;
                carry = s >> 32;
            }
            let s = u64::from(t[len]) + carry;
            t[len] = s as u32;
            t[len + 1] = (s >> 32) as u32;
            let m = u64::from(t[0].wrapping_mul(self.n0_inv));
            let mut carry = (u64::from(t[0]) + m * u64::from(self.n[0])) >> 32;
            for j in 1..len {
                let s = u64::from(t[j]) + m * u64::from(self.n[j]) + carry;
                t[j - 1] = s as u32;
                carry = s >> 32;
            }
            let s = u64::from(t[len]) + carry;
            t[len - 1] = s as u32;
            t[len] = t[len + 1] + (s >> 32) as u32;
            t[len + 1] = 0;
        }
        if cmp(&t, self.n) != core::cmp::Ordering::Less {
            sub_assign(&mut t, self.n);
        }
        t.truncate(len);
        t
    }

    /// R² mod n, by doubling 1 (2·32·len times, once per verification).
    fn r_squared(&self) -> Vec<u32> {
        let mut r = vec![0u32; self.n.len() + 1];
        r[0] = 1;
        for _ in 0..64 * self.n.len() {
            let mut carry = 0;
            for limb in r.iter_mut() {
                let next = *limb >> 31;
                *limb = (*limb << 1) | carry;
                carry = next;
            }
            if cmp(&r, self.n) != core::cmp::Ordering::Less {
                sub_assign(&mut r, self.n);
            }
        }
        r.truncate(self.n.len());
        r
    }
}

/// `base^exp mod n` for odd `n` and `base < n`, left-to-right
/// square-and-multiply in the Montgomery domain; `None` for an even `n`.
fn mod_pow(base: &[u32], exp: u32, n: &[u32]) -> Option<Vec<u32>> {
    let mont = Mont::new(n)?;
    let r2 = mont.r_squared();
    let base = mont.mul(base, &r2);
    let mut acc = mont.mul(&[1], &r2);
    for bit in (0..32 - exp.leading_zeros()).rev() {
        acc = mont.mul(&acc, &acc);
        if (exp >> bit) & 1 == 1 {
            acc = mont.mul(&acc, &base);
        }
    }
    Some(mont.mul(&acc, &[1]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_modular_arithmetic() {
        // 4^13 mod 497 = 445 (the textbook example).
        assert_eq!(mod_pow(&[4], 13, &[497]), Some(vec![445]));
        assert_eq!(mod_pow(&[4], 13, &[498]), None);
        // Multi-limb against u128: x^e mod (2^89 - 1), a Mersenne prime.
        let p = 2u128.pow(89) - 1;
        let n = from_be(&p.to_be_bytes());
        let mulmod = |a: u128, b: u128| -> u128 {
            // Schoolbook on halves so nothing overflows: a·b mod p.
            let mut r = 0u128;
            for bit in (0..128).rev() {
                r = (r << 1) % p;
                if (b >> bit) & 1 == 1 {
                    r = (r + a) % p;
                }
            }
            r
        };
        for (x, e) in [(3u128, 65537u32), (p - 2, 3), (0x1234_5678_9abc_def0_1122, 0xffff_ffff)] {
            let mut expected = 1u128;
            for bit in (0..32).rev() {
                expected = mulmod(expected, expected);
                if (e >> bit) & 1 == 1 {
                    expected = mulmod(expected, x);
                }
            }
            let got = mod_pow(&from_be(&x.to_be_bytes()), e, &n).unwrap();
            assert_eq!(cmp(&got, &from_be(&expected.to_be_bytes())), core::cmp::Ordering::Equal, "{x} {e}");
        }
        assert_eq!(to_be(&from_be(&[1, 2, 3, 4, 5]), 5), vec![1, 2, 3, 4, 5]);
    }

    #[test]
    fn garbage_is_false() {
        assert!(!verify(b"", b"m", b"s"));
        let leaf = crate::x509::testutil::pki("good");
        let spki = crate::x509::subject_public_key_info(&leaf).unwrap();
        assert!(!verify(&spki, b"m", &[0u8; 256]));
        assert!(!verify(&spki, b"m", &[0xffu8; 256]));
        assert!(!verify(&spki, b"m", &[1u8; 255]));
    }
}
