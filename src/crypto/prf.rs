//! The TLS pseudo-random functions: MD5 ⊕ SHA-1 for TLS 1.0/1.1 (RFC 2246 §5) and P_SHA256 /
//! P_SHA384 for TLS 1.2 (RFC 5246 §5).
#![forbid(unsafe_code)]

use super::hash::{HashAlg, HmacKey, MAX_OUTPUT_LEN};

/// P_hash(secret, seed) XOR-ed into `out` (RFC 2246 §5).
fn p_hash_xor(alg: HashAlg, secret: &[u8], seed: &[u8], out: &mut [u8]) {
    // Keyed once: every step reuses the hashed inner and outer pads.
    let key = HmacKey::new(alg, secret);
    let len = alg.output_len();
    let (mut a, mut chunk) = ([0u8; MAX_OUTPUT_LEN], [0u8; MAX_OUTPUT_LEN]);
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

/// The TLS 1.2 PRF: P_hash(secret, label + seed) with the suite's PRF hash (RFC 5246 §5).
pub fn tls12_prf(hash: HashAlg, secret: &[u8], label: &[u8], seed: &[u8], out: &mut [u8]) {
    let mut label_seed = Vec::with_capacity(label.len() + seed.len());
    label_seed.extend_from_slice(label);
    label_seed.extend_from_slice(seed);
    out.fill(0);
    p_hash_xor(hash, secret, &label_seed, out);
}

/// The PRF of `version`: TLS 1.2 uses `hash` (SHA-256 unless the suite names SHA-384), earlier
/// versions the MD5/SHA-1 construction.
pub fn prf(version_is_tls12: bool, hash: HashAlg, secret: &[u8], label: &[u8], seed: &[u8], out: &mut [u8]) {
    if version_is_tls12 {
        tls12_prf(hash, secret, label, seed, out)
    } else {
        tls10_prf(secret, label, seed, out)
    }
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

    /// The TLS 1.2 P_SHA256 vector published with the IETF TLS WG test vectors (secret
    /// 9bbe436ba940f017b17652849a71db35, label "test label", seed a0ba9f936cda311827a6f796ffd5198c).
    #[test]
    fn tls12_prf_sha256_vector() {
        let secret = unhex("9bbe436ba940f017b17652849a71db35");
        let seed = unhex("a0ba9f936cda311827a6f796ffd5198c");
        let mut out = [0u8; 100];
        tls12_prf(HashAlg::Sha256, &secret, b"test label", &seed, &mut out);
        let expect = "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af\
                      0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701\
                      87347b66";
        let got: String = out.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(got, expect);
    }

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
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
