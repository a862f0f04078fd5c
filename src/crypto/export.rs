//! Final write keys and IVs of export suites, derived from the short secret keys of the key
//! block and the hello randoms: TLS 1.0 (RFC 2246 §6.3) and SSL 3.0 (RFC 6101 §6.2.2). The 56-bit
//! EXPORT1024 suites derive the same way, DES included (draft-ietf-tls-56-bit-ciphersuites-01 §5).
#![forbid(unsafe_code)]

use md5::{Digest, Md5};
use zeroize::Zeroizing;

use super::prf::tls10_prf;

/// The final keys and IVs of both directions.
pub struct ExportKeys {
    pub client_key: Zeroizing<Vec<u8>>,
    pub server_key: Zeroizing<Vec<u8>>,
    pub client_iv: Vec<u8>,
    pub server_iv: Vec<u8>,
}

/// What export derivation starts from: the short secret write keys of the key block and the
/// hello randoms.
pub struct ExportSecrets<'a> {
    pub client_key: &'a [u8],
    pub server_key: &'a [u8],
    pub client_random: &'a [u8; 32],
    pub server_random: &'a [u8; 32],
}

impl ExportSecrets<'_> {
    /// TLS 1.0: final_client_write_key = PRF(client_write_key, "client write key",
    /// client_random + server_random), the server's likewise with "server write key"; the IVs
    /// are PRF("", "IV block", client_random + server_random), client IV first.
    pub fn tls10(&self, key_len: usize, iv_len: usize) -> ExportKeys {
        let seed = [&self.client_random[..], &self.server_random[..]].concat();
        let mut client_key = Zeroizing::new(vec![0u8; key_len]);
        let mut server_key = Zeroizing::new(vec![0u8; key_len]);
        tls10_prf(self.client_key, b"client write key", &seed, &mut client_key);
        tls10_prf(self.server_key, b"server write key", &seed, &mut server_key);
        let mut ivs = vec![0u8; 2 * iv_len];
        tls10_prf(&[], b"IV block", &seed, &mut ivs);
        let server_iv = ivs.split_off(iv_len);
        ExportKeys { client_key, server_key, client_iv: ivs, server_iv }
    }

    /// SSL 3.0: final_client_write_key = MD5(client_write_key + client_random + server_random),
    /// final_server_write_key = MD5(server_write_key + server_random + client_random),
    /// client_write_IV = MD5(client_random + server_random), server_write_IV =
    /// MD5(server_random + client_random), each cut to the cipher's key or IV length (≤ 16).
    pub fn ssl3(&self, key_len: usize, iv_len: usize) -> ExportKeys {
        let md5 = |parts: [&[u8]; 3], len: usize| {
            let mut out = parts.iter().fold(Md5::new(), |h, p| h.chain_update(p)).finalize();
            let v = out[..len].to_vec();
            out.iter_mut().for_each(|b| *b = 0);
            v
        };
        let (cr, sr) = (&self.client_random[..], &self.server_random[..]);
        ExportKeys {
            client_key: Zeroizing::new(md5([self.client_key, cr, sr], key_len)),
            server_key: Zeroizing::new(md5([self.server_key, sr, cr], key_len)),
            client_iv: md5([&[], cr, sr], iv_len),
            server_iv: md5([&[], sr, cr], iv_len),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // No RFC publishes vectors for these derivations. The known answers below were computed with
    // scapy 2.8.0's independent implementation (`PRF.postprocess_key_for_export`,
    // `PRF.generate_iv_for_export`) for client_random 00..1f, server_random 20..3f, secret keys
    // 0102030405 / 0a0b0c0d0e; the interop tests against OpenSSL 1.0.2 (nassl) and scapy prove
    // the rest.
    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn known_answers_from_an_independent_implementation() {
        let cr: [u8; 32] = core::array::from_fn(|i| i as u8);
        let sr: [u8; 32] = core::array::from_fn(|i| 32 + i as u8);
        let secrets =
            ExportSecrets { client_key: &[1, 2, 3, 4, 5], server_key: &[10, 11, 12, 13, 14], client_random: &cr, server_random: &sr };
        let t = secrets.tls10(16, 8);
        assert_eq!(hex(&t.client_key), "4a6a8f0f1f2e7d0cc80fbc3a187c421f");
        assert_eq!(hex(&t.server_key), "9fe4765ef5ca43957fa016bb675413ea");
        assert_eq!((hex(&t.client_iv), hex(&t.server_iv)), ("887e4d42b7a8443e".into(), "94affa4c01729538".into()));
        let s = secrets.ssl3(16, 8);
        assert_eq!(hex(&s.client_key), "f259a1eae81182f2cbe4590a02682326");
        assert_eq!(hex(&s.server_key), "4ddf4fbdfa875865be5e501797396826");
        assert_eq!((hex(&s.client_iv), hex(&s.server_iv)), ("b2d3f56bc197fd98".into(), "db25eda3880f5a4a".into()));
    }
    #[test]
    fn tls10_keys_and_ivs_follow_rfc2246_section_6_3() {
        let (cr, sr) = ([1u8; 32], [2u8; 32]);
        let secrets = ExportSecrets { client_key: b"ckey1", server_key: b"skey2", client_random: &cr, server_random: &sr };
        let k = secrets.tls10(16, 8);
        let seed = [&cr[..], &sr[..]].concat();
        let mut want = [0u8; 16];
        tls10_prf(b"ckey1", b"client write key", &seed, &mut want);
        assert_eq!(&k.client_key[..], &want);
        tls10_prf(b"skey2", b"server write key", &seed, &mut want);
        assert_eq!(&k.server_key[..], &want);
        tls10_prf(b"", b"IV block", &seed, &mut want);
        assert_eq!((&k.client_iv[..], &k.server_iv[..]), (&want[..8], &want[8..]));
        let rc4 = secrets.tls10(16, 0);
        assert!(rc4.client_iv.is_empty() && rc4.server_iv.is_empty(), "stream ciphers have no IV");
    }

    #[test]
    fn ssl3_keys_and_ivs_follow_rfc6101_section_6_2_2() {
        let (cr, sr) = ([1u8; 32], [2u8; 32]);
        let secrets = ExportSecrets { client_key: b"ckey1", server_key: b"skey2", client_random: &cr, server_random: &sr };
        let k = secrets.ssl3(8, 8);
        let h = |parts: &[&[u8]]| parts.iter().fold(Md5::new(), |h, p| h.chain_update(p)).finalize().to_vec();
        assert_eq!(&k.client_key[..], &h(&[b"ckey1", &cr, &sr])[..8]);
        assert_eq!(&k.server_key[..], &h(&[b"skey2", &sr, &cr])[..8]);
        assert_eq!(k.client_iv, h(&[&cr, &sr])[..8]);
        assert_eq!(k.server_iv, h(&[&sr, &cr])[..8]);
        assert_ne!(k.client_key, k.server_key);
    }
}
