//! The TLS 1.0/1.1 pseudo-random function (RFC 2246 §5).
#![forbid(unsafe_code)]

use super::hash::{HashAlg, HmacKey};

/// P_hash(secret, seed) XOR-ed into `out` (RFC 2246 §5).
fn p_hash_xor(alg: HashAlg, secret: &[u8], seed: &[u8], out: &mut [u8]) {
    // Keyed once: every step reuses the hashed inner and outer pads.
    let key = HmacKey::new(alg, secret);
    let len = alg.output_len();
    let (mut a, mut chunk) = ([0u8; 20], [0u8; 20]);
    key.compute(&[seed], &mut a[..len]);
    for block in out.chunks_mut(len) {
        key.compute(&[&a[..len], seed], &mut chunk[..len]);
        block.iter_mut().zip(&chunk).for_each(|(o, c)| *o ^= c);
        let prev = a;
        key.compute(&[&prev[..len]], &mut a[..len]);
    }
}

/// PRF(secret, label, seed) = P_MD5(S1, label + seed) XOR P_SHA-1(S2, label + seed).
///
/// S1 and S2 are the two halves of the secret, sharing the middle byte when its length is odd.
pub fn tls10_prf(secret: &[u8], label: &[u8], seed: &[u8], out: &mut [u8]) {
    let half = secret.len().div_ceil(2);
    let s1 = &secret[..half];
    let s2 = &secret[secret.len() - half..];
    let mut label_seed = Vec::with_capacity(label.len() + seed.len());
    label_seed.extend_from_slice(label);
    label_seed.extend_from_slice(seed);
    out.fill(0);
    p_hash_xor(HashAlg::Md5, s1, &label_seed, out);
    p_hash_xor(HashAlg::Sha1, s2, &label_seed, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The widely used TLS 1.0/1.1 PRF test vector (secret 48 x 0xab, label "PRF Testvector",
    /// seed 64 x 0xcd, 104 bytes of output), as published with the IETF TLS WG test vectors.
    #[test]
    fn tls10_prf_vector() {
        let secret = [0xabu8; 48];
        let seed = [0xcdu8; 64];
        let mut out = [0u8; 104];
        tls10_prf(&secret, b"PRF Testvector", &seed, &mut out);
        let expect = "d3d4d1e349b5d515044666d51de32bab258cb521b6b053463e354832fd976754\
                      443bcf9a296519bc289abcbc1187e4ebd31e602353776c408aafb74cbc85eff6\
                      9255f9788faa184cbb957a9819d84a5d7eb006eb459d3ae8de9810454b8b2d8f\
                      1afbc655a8c9a013";
        let got: String = out.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(got, expect);
    }

    #[test]
    fn odd_secret_halves_share_middle_byte() {
        // With a 3-byte secret S1 = s[0..2], S2 = s[1..3]; changing s[1] changes both halves.
        let mut a = [0u8; 20];
        let mut b = [0u8; 20];
        tls10_prf(&[1, 2, 3], b"x", b"y", &mut a);
        tls10_prf(&[1, 9, 3], b"x", b"y", &mut b);
        assert_ne!(a, b);
    }
}
