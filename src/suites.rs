//! THE cipher-suite table. Adding a suite is adding a row; names, strengths, `CALG_*` ids,
//! default policy and preference order are all read from the row.
#![forbid(unsafe_code)]

use crate::crypto::cipher::BulkAlg;
use crate::crypto::hash::HashAlg;
use crate::crypto::sign::KeyType;
use crate::msgs::enums::ProtocolVersion;

/// How the premaster secret is agreed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyExchange {
    /// RSA-encrypted premaster (RFC 2246 §7.4.7.1).
    Rsa,
    /// Ephemeral ECDH signed with the server's RSA key (RFC 8422).
    EcdheRsa,
    /// Ephemeral ECDH signed with the server's ECDSA key (RFC 8422).
    EcdheEcdsa,
    /// Ephemeral finite-field DH signed with the server's RSA key (RFC 5246 §7.4.3).
    DheRsa,
    /// Ephemeral finite-field DH signed with the server's DSA key (RFC 2246 §7.4.3).
    DheDss,
}

impl KeyExchange {
    /// The server sends a ServerKeyExchange with ephemeral parameters.
    pub const fn is_ephemeral(self) -> bool {
        !matches!(self, KeyExchange::Rsa)
    }
    /// The key type of the server certificate the exchange needs.
    pub const fn cert_key(self) -> KeyType {
        match self {
            KeyExchange::EcdheEcdsa => KeyType::Ecdsa,
            KeyExchange::DheDss => KeyType::Dsa,
            KeyExchange::Rsa | KeyExchange::EcdheRsa | KeyExchange::DheRsa => KeyType::Rsa,
        }
    }
    /// Ephemeral finite-field DH (a ServerKeyExchange with p, g, Ys).
    pub const fn is_dhe(self) -> bool {
        matches!(self, KeyExchange::DheRsa | KeyExchange::DheDss)
    }
    /// wincrypt.h ALG_ID for `aiExch`.
    pub const fn calg(self) -> u32 {
        match self {
            KeyExchange::Rsa => 0xa400,                                // CALG_RSA_KEYX
            KeyExchange::EcdheRsa | KeyExchange::EcdheEcdsa => 0xae06, // CALG_ECDH_EPHEM
            KeyExchange::DheRsa | KeyExchange::DheDss => 0xaa02,       // CALG_DH_EPHEM
        }
    }
    /// Name for `SecPkgContext_CipherInfo.szExchange` (CNG algorithm id).
    pub const fn cng_name(self) -> &'static str {
        match self {
            KeyExchange::Rsa => "RSA",
            KeyExchange::EcdheRsa | KeyExchange::EcdheEcdsa => "ECDH",
            KeyExchange::DheRsa | KeyExchange::DheDss => "DH",
        }
    }
}

/// Why a suite is off unless a caller names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Offered and accepted by default.
    Default,
    /// Implemented and tested, but only used when the caller enables it explicitly (RC4 is
    /// prohibited by RFC 7465).
    ExplicitOnly,
}

/// Export grade of a suite: how short its bulk key is and how large a key exchange it may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    /// Not an export suite.
    None,
    /// RFC 2246 export suites: 40-bit keys, key exchange of at most 512 bits.
    Export40,
    /// draft-ietf-tls-56-bit-ciphersuites-01 (what Schannel implemented): 56-bit keys, key
    /// exchange of at most 1024 bits.
    Export1024,
}

impl Export {
    /// Largest RSA modulus or DH prime the key exchange may use, in bits: a server whose
    /// certificate key is larger sends a temporary RSA key (or uses a DH group) of at most this
    /// size. None for non-export suites.
    pub const fn max_kx_bits(self) -> Option<u32> {
        match self {
            Export::None => None,
            Export::Export40 => Some(512),
            Export::Export1024 => Some(1024),
        }
    }
    /// Secret key bits of the bulk cipher (`dwCipherStrength`). None for non-export suites.
    pub const fn key_bits(self) -> Option<u32> {
        match self {
            Export::None => None,
            Export::Export40 => Some(40),
            Export::Export1024 => Some(56),
        }
    }
}

/// One cipher suite: one row of [`SUITES`]. Everything else (ALG_IDs, strengths, names, key
/// block sizes, PRF hash) is derived from these fields.
#[derive(Debug, PartialEq, Eq)]
pub struct CipherSuite {
    /// IANA value.
    pub id: u16,
    /// IANA name, e.g. `TLS_RSA_WITH_AES_128_CBC_SHA`.
    pub name: &'static str,
    pub kx: KeyExchange,
    pub bulk: BulkAlg,
    /// The suite's hash: the record HMAC for MAC-then-encrypt suites; for AEAD suites only
    /// the TLS 1.2 PRF hash.
    pub mac: HashAlg,
    /// Lowest protocol version the suite may be used with.
    pub min_version: ProtocolVersion,
    pub policy: Policy,
    /// Export grade; export suites take their final keys and IVs from the randoms.
    pub export: Export,
}

impl CipherSuite {
    /// HMAC key length in the key block (0 for AEAD suites).
    pub const fn mac_key_len(&self) -> usize {
        if self.bulk.is_aead() {
            0
        } else {
            self.mac.output_len()
        }
    }
    /// Bytes of each write key taken from the key block: the export secret ("key material": 5
    /// for 40-bit suites, RFC 2246 Appendix C; 7 for RC4_56 and 8 for DES_CBC,
    /// draft-ietf-tls-56-bit-ciphersuites-01 §4), else the cipher's key length.
    pub const fn key_material_len(&self) -> usize {
        match (self.export, self.bulk) {
            (Export::None, bulk) => bulk.key_len(),
            (Export::Export40, _) => 5,
            (Export::Export1024, BulkAlg::DesCbc) => 8,
            (Export::Export1024, _) => 7,
        }
    }
    /// An export suite (RFC 2246 §6.3 final keys, temporary RSA key).
    pub const fn is_export(&self) -> bool {
        !matches!(self.export, Export::None)
    }
    /// The TLS 1.2 PRF hash: SHA-384 for suites that name it, SHA-256 otherwise (RFC 5246 §5).
    pub const fn prf_hash(&self) -> HashAlg {
        match self.mac {
            HashAlg::Sha384 => HashAlg::Sha384,
            _ => HashAlg::Sha256,
        }
    }
    /// Highest protocol version the suite may be used with: export suites end with TLS 1.0
    /// (RFC 4346 §A.5), single DES is forbidden in TLS 1.2 (RFC 5246 §1.2, Appendix A.5).
    pub const fn max_version(&self) -> ProtocolVersion {
        if self.is_export() {
            return ProtocolVersion::TLS1_0;
        }
        match self.bulk {
            BulkAlg::DesCbc => ProtocolVersion::TLS1_1,
            _ => ProtocolVersion::TLS1_2,
        }
    }

    /// Usable at `version`.
    pub fn allows(&self, version: ProtocolVersion) -> bool {
        self.min_version <= version && version <= self.max_version()
    }

    /// wincrypt.h ALG_ID for `aiCipher`.
    pub const fn calg_cipher(&self) -> u32 {
        self.bulk.calg()
    }
    /// wincrypt.h ALG_ID for `aiHash`.
    pub const fn calg_hash(&self) -> u32 {
        match self.mac {
            HashAlg::Md5 => 0x8003,    // CALG_MD5
            HashAlg::Sha1 => 0x8004,   // CALG_SHA1
            HashAlg::Sha256 => 0x800c, // CALG_SHA_256
            HashAlg::Sha384 => 0x800d, // CALG_SHA_384
        }
    }
    /// Effective cipher strength in bits (`dwCipherStrength`); 3DES is 168 as Schannel reports,
    /// export suites their secret key bits (40 or 56).
    pub const fn strength_bits(&self) -> u32 {
        match self.export.key_bits() {
            Some(bits) => bits,
            None => self.bulk.strength_bits(),
        }
    }
    /// Cipher name for `SecPkgContext_CipherInfo.szCipher` (CNG algorithm id).
    pub const fn cng_cipher(&self) -> &'static str {
        self.bulk.cng_name()
    }
    /// Hash name for `SecPkgContext_CipherInfo.szHash`.
    pub const fn cng_hash(&self) -> &'static str {
        match self.mac {
            HashAlg::Md5 => "MD5",
            HashAlg::Sha1 => "SHA1",
            HashAlg::Sha256 => "SHA256",
            HashAlg::Sha384 => "SHA384",
        }
    }
}

const SSL3: ProtocolVersion = ProtocolVersion::SSL3_0;
const TLS10: ProtocolVersion = ProtocolVersion::TLS1_0;
const TLS12: ProtocolVersion = ProtocolVersion::TLS1_2;

const fn row(
    id: u16,
    name: &'static str,
    kx: KeyExchange,
    bulk: BulkAlg,
    mac: HashAlg,
    min_version: ProtocolVersion,
    policy: Policy,
) -> CipherSuite {
    CipherSuite { id, name, kx, bulk, mac, min_version, policy, export: Export::None }
}

impl CipherSuite {
    /// The row as an export suite of grade `export`.
    const fn export(self, export: Export) -> CipherSuite {
        CipherSuite { export, ..self }
    }
}

use BulkAlg::{Aes128Cbc, Aes128Gcm, Aes256Cbc, Aes256Gcm, ChaCha20Poly1305, DesCbc, Null, Rc2Cbc, Rc4_128, TripleDesCbc};
use Export::{Export1024, Export40};
use HashAlg::{Md5, Sha1, Sha256, Sha384};
use KeyExchange::{DheDss, DheRsa, EcdheEcdsa, EcdheRsa, Rsa};
use Policy::{Default, ExplicitOnly};

/// Every suite we implement, in our default preference order: forward-secret AEAD first, then
/// forward-secret CBC, then RSA key exchange (RFC 7525 §4.2 ordering).
#[rustfmt::skip]
pub static SUITES: &[CipherSuite] = &[
    row(0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", EcdheEcdsa, Aes128Gcm, Sha256, TLS12, Default),
    row(0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", EcdheRsa, Aes128Gcm, Sha256, TLS12, Default),
    row(0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", EcdheEcdsa, Aes256Gcm, Sha384, TLS12, Default),
    row(0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", EcdheRsa, Aes256Gcm, Sha384, TLS12, Default),
    row(0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", EcdheEcdsa, ChaCha20Poly1305, Sha256, TLS12, Default),
    row(0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", EcdheRsa, ChaCha20Poly1305, Sha256, TLS12, Default),
    row(0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", DheRsa, Aes128Gcm, Sha256, TLS12, Default),
    row(0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", DheRsa, Aes256Gcm, Sha384, TLS12, Default),
    row(0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", EcdheEcdsa, Aes128Cbc, Sha256, TLS12, Default),
    row(0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", EcdheRsa, Aes128Cbc, Sha256, TLS12, Default),
    row(0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", EcdheEcdsa, Aes256Cbc, Sha384, TLS12, Default),
    row(0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", EcdheRsa, Aes256Cbc, Sha384, TLS12, Default),
    row(0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", EcdheEcdsa, Aes128Cbc, Sha1, TLS10, Default),
    row(0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", EcdheRsa, Aes128Cbc, Sha1, TLS10, Default),
    row(0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", EcdheEcdsa, Aes256Cbc, Sha1, TLS10, Default),
    row(0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", EcdheRsa, Aes256Cbc, Sha1, TLS10, Default),
    row(0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256", Rsa, Aes128Gcm, Sha256, TLS12, Default),
    row(0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384", Rsa, Aes256Gcm, Sha384, TLS12, Default),
    row(0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256", Rsa, Aes128Cbc, Sha256, TLS12, Default),
    row(0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256", Rsa, Aes256Cbc, Sha256, TLS12, Default),
    row(0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA", Rsa, Aes128Cbc, Sha1, SSL3, Default),
    row(0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", Rsa, Aes256Cbc, Sha1, SSL3, Default),
    row(0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", Rsa, TripleDesCbc, Sha1, SSL3, Default),
    row(0x0005, "TLS_RSA_WITH_RC4_128_SHA", Rsa, Rc4_128, Sha1, SSL3, ExplicitOnly),
    row(0x0004, "TLS_RSA_WITH_RC4_128_MD5", Rsa, Rc4_128, Md5, SSL3, ExplicitOnly),
    // DSA certificates: off by default (DSA is gone from TLS 1.3 and every current CA), in
    // Schannel's order relative to the RSA legacy rows; the AES rows exist so OpenSSL 3 can serve.
    row(0x0032, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA", DheDss, Aes128Cbc, Sha1, SSL3, ExplicitOnly),
    row(0x0038, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA", DheDss, Aes256Cbc, Sha1, SSL3, ExplicitOnly),
    row(0x0013, "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA", DheDss, TripleDesCbc, Sha1, SSL3, ExplicitOnly),
    row(0x0009, "TLS_RSA_WITH_DES_CBC_SHA", Rsa, DesCbc, Sha1, SSL3, ExplicitOnly),
    row(0x0012, "TLS_DHE_DSS_WITH_DES_CBC_SHA", DheDss, DesCbc, Sha1, SSL3, ExplicitOnly),
    row(0x0064, "TLS_RSA_EXPORT1024_WITH_RC4_56_SHA", Rsa, Rc4_128, Sha1, SSL3, ExplicitOnly).export(Export1024),
    row(0x0062, "TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA", Rsa, DesCbc, Sha1, SSL3, ExplicitOnly).export(Export1024),
    row(0x0063, "TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA", DheDss, DesCbc, Sha1, SSL3, ExplicitOnly).export(Export1024),
    row(0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5", Rsa, Rc4_128, Md5, SSL3, ExplicitOnly).export(Export40),
    row(0x0006, "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5", Rsa, Rc2Cbc, Md5, SSL3, ExplicitOnly).export(Export40),
    // Not in Schannel's table: the 40-bit DES export suites (RFC 2246 §A.5), for peers that still
    // offer them and for export DHE with a 512-bit group.
    row(0x0008, "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA", Rsa, DesCbc, Sha1, SSL3, ExplicitOnly).export(Export40),
    row(0x0011, "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA", DheDss, DesCbc, Sha1, SSL3, ExplicitOnly).export(Export40),
    row(0x0002, "TLS_RSA_WITH_NULL_SHA", Rsa, Null, Sha1, SSL3, ExplicitOnly),
    row(0x0001, "TLS_RSA_WITH_NULL_MD5", Rsa, Null, Md5, SSL3, ExplicitOnly),
];

/// One SSL 2.0 cipher kind (SSL 2.0 spec, Appendix C): one row of [`SSL2_KINDS`]. Every SSL 2.0
/// kind uses RSA key exchange and an MD5 MAC; ALG_IDs, strengths and key sizes derive from the row.
#[derive(Debug, PartialEq, Eq)]
pub struct Ssl2Kind {
    /// The 3-byte CIPHER-KIND as on the wire.
    pub id: u32,
    /// Schannel/SSL 2.0 name, e.g. `SSL_CK_RC4_128_WITH_MD5`.
    pub name: &'static str,
    /// The bulk cipher, with its full key (RC4 and RC2 keys are 16 bytes, RC2 with 128
    /// effective bits).
    pub bulk: BulkAlg,
    /// Bytes of the master key sent in the clear (export kinds: all but 40 bits).
    pub clear_key_len: usize,
}

impl Ssl2Kind {
    /// An export kind: part of the master key goes in the clear.
    pub const fn is_export(&self) -> bool {
        self.clear_key_len > 0
    }

    /// Length of each direction's key (and of the master key): the cipher's full key size.
    pub const fn key_len(&self) -> usize {
        self.bulk.key_len()
    }
    /// KEY-ARG length: the CBC IV (0 for RC4).
    pub const fn key_arg_len(&self) -> usize {
        self.bulk.block_len()
    }
    /// Block length (0 for RC4).
    pub const fn block_len(&self) -> usize {
        self.bulk.block_len()
    }
    /// Secret bits of the key (`dwCipherStrength`): the cipher's, or for an export kind the
    /// bytes not sent in the clear.
    pub const fn strength_bits(&self) -> u32 {
        if self.is_export() {
            ((self.key_len() - self.clear_key_len) * 8) as u32
        } else {
            self.bulk.strength_bits()
        }
    }
    /// wincrypt.h ALG_ID for `aiCipher`.
    pub const fn calg_cipher(&self) -> u32 {
        self.bulk.calg()
    }
    /// wincrypt.h ALG_ID for `aiHash`: CALG_MD5 for every kind.
    pub const fn calg_hash(&self) -> u32 {
        0x8003
    }
    /// wincrypt.h ALG_ID for `aiExch`: CALG_RSA_KEYX for every kind.
    pub const fn calg_exch(&self) -> u32 {
        KeyExchange::Rsa.calg()
    }
    /// Cipher name for `SecPkgContext_CipherInfo.szCipher`.
    pub const fn cng_cipher(&self) -> &'static str {
        self.bulk.cng_name()
    }
}

/// Every SSL 2.0 cipher kind we implement, in Schannel's order of preference. SSL 2.0 itself is
/// off unless a caller names it, so every row is off by default too.
#[rustfmt::skip]
pub static SSL2_KINDS: &[Ssl2Kind] = &[
    Ssl2Kind { id: 0x010080, name: "SSL_CK_RC4_128_WITH_MD5", bulk: BulkAlg::Rc4_128, clear_key_len: 0 },
    Ssl2Kind { id: 0x0700C0, name: "SSL_CK_DES_192_EDE3_CBC_WITH_MD5", bulk: BulkAlg::TripleDesCbc, clear_key_len: 0 },
    Ssl2Kind { id: 0x030080, name: "SSL_CK_RC2_128_CBC_WITH_MD5", bulk: BulkAlg::Rc2Cbc, clear_key_len: 0 },
    Ssl2Kind { id: 0x060040, name: "SSL_CK_DES_64_CBC_WITH_MD5", bulk: BulkAlg::DesCbc, clear_key_len: 0 },
    Ssl2Kind { id: 0x020080, name: "SSL_CK_RC4_128_EXPORT40_WITH_MD5", bulk: BulkAlg::Rc4_128, clear_key_len: 11 },
];

/// Looks an SSL 2.0 kind up by its wire value.
pub fn ssl2_by_id(id: u32) -> Option<&'static Ssl2Kind> {
    SSL2_KINDS.iter().find(|k| k.id == id)
}

/// Looks an SSL 2.0 kind up by name (exact, case-insensitive).
pub fn ssl2_by_name(name: &str) -> Option<&'static Ssl2Kind> {
    SSL2_KINDS.iter().find(|k| k.name.eq_ignore_ascii_case(name))
}

/// SSL 2.0 kinds allowed by a list of Windows `ALG_ID`s (`palgSupportedAlgs`): a kind stays when
/// its cipher id is named, or when the list names no cipher (then all of them: SSL 2.0 is
/// already opt-in through `grbitEnabledProtocols`). A hash or exchange list must name MD5 and
/// RSA key exchange.
pub fn ssl2_by_alg_ids(algs: &[u32]) -> Vec<&'static Ssl2Kind> {
    let names_cipher = algs.iter().any(|a| *a & 0xe000 == 0x6000);
    let names_hash = algs.iter().any(|a| *a & 0xe000 == 0x8000);
    let names_exch = algs.iter().any(|a| *a & 0xe000 == 0xa000);
    SSL2_KINDS
        .iter()
        .filter(|k| !names_cipher || algs.contains(&k.calg_cipher()))
        .filter(|k| !names_hash || algs.contains(&k.calg_hash()))
        .filter(|k| !names_exch || algs.contains(&k.calg_exch()))
        .collect()
}

/// The signalling suite value of RFC 5746 §3.3; never negotiated.
pub const TLS_EMPTY_RENEGOTIATION_INFO_SCSV: u16 = 0x00FF;

/// The signalling suite value of RFC 7507: this ClientHello is a fallback retry.
pub const TLS_FALLBACK_SCSV: u16 = 0x5600;

/// Looks a suite up by IANA value.
pub fn by_id(id: u16) -> Option<&'static CipherSuite> {
    SUITES.iter().find(|s| s.id == id)
}

/// Looks a suite up by IANA name (exact, case-insensitive).
pub fn by_name(name: &str) -> Option<&'static CipherSuite> {
    SUITES.iter().find(|s| s.name.eq_ignore_ascii_case(name))
}

/// The suites used when the caller configures nothing.
pub fn defaults() -> Vec<&'static CipherSuite> {
    SUITES.iter().filter(|s| s.policy == Policy::Default).collect()
}

/// Suites allowed by a list of Windows `ALG_ID`s (`SCHANNEL_CRED.palgSupportedAlgs`): a suite
/// stays when its cipher, hash or exchange id is named and none of its parts is absent from a
/// list that names ids of that kind. Naming `CALG_RC4` is how Windows callers enable RC4.
pub fn by_alg_ids(algs: &[u32]) -> Vec<&'static CipherSuite> {
    // wincrypt.h ALG_CLASS_* (bits 13-15): data encryption, hash, key exchange.
    let names_cipher = algs.iter().any(|a| *a & 0xe000 == 0x6000);
    let names_hash = algs.iter().any(|a| *a & 0xe000 == 0x8000);
    let names_exch = algs.iter().any(|a| *a & 0xe000 == 0xa000);
    SUITES
        .iter()
        .filter(|s| {
            let cipher_ok = if names_cipher {
                algs.contains(&s.calg_cipher()) || (algs.contains(&0x6611) && matches!(s.calg_cipher(), 0x660e | 0x6610))
            } else {
                s.policy == Policy::Default
            };
            // AEAD suites carry no HMAC: a hash list restricts only MAC-then-encrypt suites.
            let hash_ok = !names_hash || s.bulk.is_aead() || algs.contains(&s.calg_hash());
            // CALG_ECDH (0xaa05) names ECDHE too, as Windows callers pass either.
            let exch_ok = !names_exch || algs.contains(&s.kx.calg()) || (s.kx.calg() == 0xae06 && algs.contains(&0xaa05));
            cipher_ok && hash_ok && exch_ok
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssl2_rows_derive_their_windows_values() {
        let got: Vec<(u32, u32, u32, usize, usize)> =
            SSL2_KINDS.iter().map(|k| (k.id, k.calg_cipher(), k.strength_bits(), k.key_len(), k.key_arg_len())).collect();
        assert_eq!(
            got,
            vec![
                (0x010080, 0x6801, 128, 16, 0),
                (0x0700C0, 0x6603, 168, 24, 8),
                (0x030080, 0x6602, 128, 16, 8),
                (0x060040, 0x6601, 56, 8, 8),
                (0x020080, 0x6801, 40, 16, 0),
            ]
        );
        assert_eq!(ssl2_by_name("ssl_ck_rc2_128_cbc_with_md5").map(|k| k.id), Some(0x030080));
        let rc4: Vec<u32> = ssl2_by_alg_ids(&[0x6801]).iter().map(|k| k.id).collect();
        assert_eq!(rc4, vec![0x010080, 0x020080]);
        assert!(ssl2_by_alg_ids(&[0x8004]).is_empty(), "SSL 2.0 MACs are MD5 only");
    }

    #[test]
    fn table_ids_and_names_are_unique() {
        for (i, a) in SUITES.iter().enumerate() {
            for b in &SUITES[i + 1..] {
                assert_ne!(a.id, b.id);
                assert_ne!(a.name, b.name);
            }
        }
    }

    #[test]
    fn rc4_is_off_by_default_and_enabled_by_name_or_calg() {
        assert!(defaults().iter().all(|s| s.bulk != BulkAlg::Rc4_128));
        assert_eq!(by_name("tls_rsa_with_rc4_128_md5").map(|s| s.id), Some(0x0004));
        // Naming CALG_RC4 enables every RC4 suite, the export ones too; the strength limits
        // (dwMinimumCipherStrength) narrow that.
        let ids: Vec<u16> = by_alg_ids(&[0x6801]).iter().map(|s| s.id).collect();
        assert_eq!(ids, vec![0x0005, 0x0004, 0x0064, 0x0003]);
        let ids: Vec<u16> = by_alg_ids(&[0x6801, 0x8003]).iter().map(|s| s.id).collect();
        assert_eq!(ids, vec![0x0004, 0x0003]);
        let ids: Vec<u16> = by_alg_ids(&[0x6000]).iter().map(|s| s.id).collect();
        assert_eq!(ids, vec![0x0002, 0x0001], "CALG_NULLCIPHER names the NULL suites");
        let ids: Vec<u16> = by_alg_ids(&[0x660e, 0x8004, 0xa400]).iter().map(|s| s.id).collect();
        assert_eq!(ids, vec![0x009C, 0x002F], "AES-128 with RSA key exchange: the GCM suite and the SHA-1 suite");
    }

    #[test]
    fn export_rows_are_explicit_only_and_report_their_export_strength() {
        assert!(defaults().iter().all(|s| !s.is_export()));
        // (id, CALG cipher, strength, key bytes from the key block, key-exchange limit, CNG cipher)
        let rows = [
            (0x0064, 0x6801, 56, 7, 1024, "RC4"),
            (0x0062, 0x6601, 56, 8, 1024, "DES"),
            (0x0063, 0x6601, 56, 8, 1024, "DES"),
            (0x0003, 0x6801, 40, 5, 512, "RC4"),
            (0x0006, 0x6602, 40, 5, 512, "RC2"),
            (0x0008, 0x6601, 40, 5, 512, "DES"),
            (0x0011, 0x6601, 40, 5, 512, "DES"),
        ];
        for (id, calg, bits, material, kx, cng) in rows {
            let s = by_id(id).unwrap();
            assert_eq!(s.policy, Policy::ExplicitOnly, "{}", s.name);
            assert_eq!((s.calg_cipher(), s.strength_bits(), s.key_material_len()), (calg, bits, material), "{}", s.name);
            assert_eq!((s.export.max_kx_bits(), s.cng_cipher()), (Some(kx), cng), "{}", s.name);
            assert_eq!((s.min_version, s.max_version()), (SSL3, TLS10), "{}: SSL 3.0 and TLS 1.0 only", s.name);
            assert!(s.name.contains("EXPORT"));
        }
        // Schannel's order: EXPORT1024 after single DES, 40-bit before NULL.
        let order: Vec<u16> = SUITES.iter().rev().take(9).rev().map(|s| s.id).collect();
        assert_eq!(order, vec![0x0064, 0x0062, 0x0063, 0x0003, 0x0006, 0x0008, 0x0011, 0x0002, 0x0001]);
        assert_eq!(by_alg_ids(&[0x6602]).iter().map(|s| s.id).collect::<Vec<_>>(), vec![0x0006], "CALG_RC2");
        assert_eq!(by_name("TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5").map(|s| s.id), Some(0x0006));
        assert_eq!(Export::None.max_kx_bits(), None);
        assert_eq!(by_id(0x000A).unwrap().key_material_len(), 24);
    }

    #[test]
    fn defaults_put_forward_secret_aead_first_and_every_row_is_consistent() {
        let d = defaults();
        assert!(d[0].kx.is_ephemeral() && d[0].bulk.is_aead());
        let first_rsa = d.iter().position(|s| s.kx == KeyExchange::Rsa).unwrap();
        assert!(d[..first_rsa].iter().all(|s| s.kx.is_ephemeral()));
        for s in SUITES {
            // TLS 1.2-only constructions: AEAD and SHA-2 HMACs (RFC 5246 §A.5, RFC 5288 §4).
            let needs_tls12 = s.bulk.is_aead() || matches!(s.mac, HashAlg::Sha256 | HashAlg::Sha384);
            assert_eq!(s.min_version == TLS12, needs_tls12, "{}", s.name);
            assert!(s.name.contains(s.cng_hash()) || (s.cng_hash() == "SHA1" && s.name.ends_with("_SHA")), "{}", s.name);
        }
    }
}
