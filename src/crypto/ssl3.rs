//! SSL 3.0's own constructions (RFC 6101): the MD5/SHA-1 key derivation, the pre-HMAC record
//! MAC, and the Finished hashes. Used only when a caller enables SSL 3.0 explicitly.
#![forbid(unsafe_code)]

use md5::Md5;
use sha1::{Digest, Sha1};

use super::hash::HashAlg;

const PAD1: u8 = 0x36;
const PAD2: u8 = 0x5c;

/// Pad length of the MAC and Finished constructions: 48 bytes for MD5, 40 for SHA-1.
pub const fn pad_len(alg: HashAlg) -> usize {
    match alg {
        HashAlg::Md5 => 48,
        _ => 40,
    }
}

/// out = MD5(secret + SHA1("A" + secret + seed)) + MD5(secret + SHA1("BB" + secret + seed)) + …
/// (RFC 6101 §6.1 master secret with seed = client + server random, §6.2.2 key block with
/// seed = server + client random).
pub fn derive(secret: &[u8], seed: &[u8], out: &mut [u8]) {
    for (i, chunk) in out.chunks_mut(16).enumerate() {
        let label = vec![b'A' + i as u8; i + 1];
        let inner = Sha1::new().chain_update(&label).chain_update(secret).chain_update(seed).finalize();
        let block = Md5::new().chain_update(secret).chain_update(inner).finalize();
        chunk.copy_from_slice(&block[..chunk.len()]);
    }
}

/// The SSL 3.0 record MAC: hash(secret + pad2 + hash(secret + pad1 + seq + type + length + data))
/// (RFC 6101 §5.2.3.1). `header` is seq_num (8) + type (1) + length (2). Only MD5 and SHA-1.
pub fn mac(alg: HashAlg, secret: &[u8], header: &[u8; 11], data: &[u8], out: &mut [u8]) {
    // Per record: the pads come from static arrays, nothing is allocated.
    fn run<D: Digest>(secret: &[u8], n: usize, header: &[u8], data: &[u8], out: &mut [u8]) {
        let inner = D::new().chain_update(secret).chain_update(&[PAD1; 48][..n]).chain_update(header).chain_update(data).finalize();
        let outer = D::new().chain_update(secret).chain_update(&[PAD2; 48][..n]).chain_update(inner).finalize();
        out.copy_from_slice(&outer);
    }
    let n = pad_len(alg);
    match alg {
        HashAlg::Md5 => run::<Md5>(secret, n, header, data, out),
        _ => run::<Sha1>(secret, n, header, data, out),
    }
}

/// MD5 and SHA-1 of handshake_messages + sender + master secret + pad1, each wrapped as
/// hash(master + pad2 + inner): Finished.verify_data (RFC 6101 §5.6.9) with `sender` "CLNT" or
/// "SRVR", the CertificateVerify hashes (§5.6.8) with no sender.
fn handshake_hashes(master: &[u8], transcript: &[u8], sender: &[u8]) -> [u8; 36] {
    let mut out = [0u8; 36];
    let md5_inner = Md5::new().chain_update(transcript).chain_update(sender).chain_update(master).chain_update([PAD1; 48]).finalize();
    let md5 = Md5::new().chain_update(master).chain_update([PAD2; 48]).chain_update(md5_inner).finalize();
    let sha_inner = Sha1::new().chain_update(transcript).chain_update(sender).chain_update(master).chain_update([PAD1; 40]).finalize();
    let sha = Sha1::new().chain_update(master).chain_update([PAD2; 40]).chain_update(sha_inner).finalize();
    out[..16].copy_from_slice(&md5);
    out[16..].copy_from_slice(&sha);
    out
}

/// Finished.verify_data (36 bytes, RFC 6101 §5.6.9). `sender` is "CLNT" or "SRVR".
pub fn finished(master: &[u8], transcript: &[u8], sender: &[u8; 4]) -> [u8; 36] {
    handshake_hashes(master, transcript, sender)
}

/// What CertificateVerify signs (RFC 6101 §5.6.8): MD5(master + pad2 + MD5(handshake_messages +
/// master + pad1)) followed by the same with SHA-1. An RSA key signs all 36 bytes (PKCS#1 type 1
/// without DigestInfo, as TLS 1.0 signs MD5 || SHA-1); a DSA or ECDSA key signs the SHA-1 half
/// (`[16..]`).
pub fn certificate_verify_hashes(master: &[u8], transcript: &[u8]) -> [u8; 36] {
    handshake_hashes(master, transcript, b"")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The derivation is the RFC's construction written out: check the first two blocks by hand.
    #[test]
    fn derive_matches_the_construction() {
        let (secret, seed) = ([7u8; 48], [9u8; 64]);
        let mut out = [0u8; 40];
        derive(&secret, &seed, &mut out);
        let a = Md5::new()
            .chain_update(secret)
            .chain_update(Sha1::new().chain_update(b"A").chain_update(secret).chain_update(seed).finalize())
            .finalize();
        let bb = Md5::new()
            .chain_update(secret)
            .chain_update(Sha1::new().chain_update(b"BB").chain_update(secret).chain_update(seed).finalize())
            .finalize();
        assert_eq!(&out[..16], &a[..]);
        assert_eq!(&out[16..32], &bb[..]);
        let mut shorter = [0u8; 20];
        derive(&secret, &seed, &mut shorter);
        assert_eq!(&shorter[..], &out[..20], "a prefix of the same stream");
    }

    #[test]
    fn mac_and_finished_depend_on_every_input() {
        let h = [1u8; 11];
        let (mut a, mut b) = ([0u8; 20], [0u8; 20]);
        mac(HashAlg::Sha1, &[3; 20], &h, b"data", &mut a);
        mac(HashAlg::Sha1, &[3; 20], &h, b"datb", &mut b);
        assert_ne!(a, b);
        let mut m = [0u8; 16];
        mac(HashAlg::Md5, &[3; 16], &h, b"data", &mut m);
        let f1 = finished(&[5; 48], b"msgs", b"CLNT");
        assert_ne!(f1, finished(&[5; 48], b"msgs", b"SRVR"));
        assert_ne!(f1, finished(&[6; 48], b"msgs", b"CLNT"));
    }

    /// RFC 6101 §5.6.8: the expected value was computed independently with Python's hashlib
    /// (md5(m + 0x5c*48 + md5(t + m + 0x36*48)) + sha1(m + 0x5c*40 + sha1(t + m + 0x36*40))).
    #[test]
    fn certificate_verify_hashes_known_answer() {
        let (master, msgs) = ([5u8; 48], b"client hello ... client key exchange");
        let cv = certificate_verify_hashes(&master, msgs);
        let hex: String = cv.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "554cd10fd7db014bdbc9c6c991ced976c4c99c212b2e60c90556acd507ef5b751d0825df");
        assert_ne!(cv, finished(&master, msgs, b"CLNT"));
        assert_ne!(cv, certificate_verify_hashes(&[6; 48], msgs));
    }
}
