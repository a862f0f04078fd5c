//! THE cipher-suite table. Adding a suite is adding a row; names, strengths, `CALG_*` ids,
//! default policy and preference order are all read from the row.
#![forbid(unsafe_code)]

use crate::crypto::cipher::BulkAlg;
use crate::crypto::hash::HashAlg;
use crate::msgs::enums::ProtocolVersion;

/// How the premaster secret is agreed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyExchange {
    /// RSA-encrypted premaster (RFC 2246 §7.4.7.1).
    Rsa,
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

/// One cipher suite.
#[derive(Debug, PartialEq, Eq)]
pub struct CipherSuite {
    /// IANA value.
    pub id: u16,
    /// IANA name, e.g. `TLS_RSA_WITH_AES_128_CBC_SHA`.
    pub name: &'static str,
    pub kx: KeyExchange,
    pub bulk: BulkAlg,
    pub mac: HashAlg,
    /// Lowest protocol version the suite may be used with.
    pub min_version: ProtocolVersion,
    pub policy: Policy,
    /// wincrypt.h ALG_IDs reported in `SecPkgContext_ConnectionInfo`/`CipherInfo`.
    pub calg_cipher: u32,
    pub calg_hash: u32,
    pub calg_exch: u32,
    /// Effective cipher strength in bits (`dwCipherStrength`); 3DES is 168 as Schannel reports.
    pub strength_bits: u32,
    /// Cipher name for `SecPkgContext_CipherInfo.szCipher` (CNG algorithm id).
    pub cng_cipher: &'static str,
    /// Hash name for `SecPkgContext_CipherInfo.szHash`.
    pub cng_hash: &'static str,
}

const TLS10: ProtocolVersion = ProtocolVersion::TLS1_0;

/// Every suite we implement, in our default preference order.
pub static SUITES: &[CipherSuite] = &[
    CipherSuite {
        id: 0x002F,
        name: "TLS_RSA_WITH_AES_128_CBC_SHA",
        kx: KeyExchange::Rsa,
        bulk: BulkAlg::Aes128Cbc,
        mac: HashAlg::Sha1,
        min_version: TLS10,
        policy: Policy::Default,
        calg_cipher: 0x660e,
        calg_hash: 0x8004,
        calg_exch: 0xa400,
        strength_bits: 128,
        cng_cipher: "AES",
        cng_hash: "SHA1",
    },
    CipherSuite {
        id: 0x0035,
        name: "TLS_RSA_WITH_AES_256_CBC_SHA",
        kx: KeyExchange::Rsa,
        bulk: BulkAlg::Aes256Cbc,
        mac: HashAlg::Sha1,
        min_version: TLS10,
        policy: Policy::Default,
        calg_cipher: 0x6610,
        calg_hash: 0x8004,
        calg_exch: 0xa400,
        strength_bits: 256,
        cng_cipher: "AES",
        cng_hash: "SHA1",
    },
    CipherSuite {
        id: 0x000A,
        name: "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
        kx: KeyExchange::Rsa,
        bulk: BulkAlg::TripleDesCbc,
        mac: HashAlg::Sha1,
        min_version: TLS10,
        policy: Policy::Default,
        calg_cipher: 0x6603,
        calg_hash: 0x8004,
        calg_exch: 0xa400,
        strength_bits: 168,
        cng_cipher: "3DES",
        cng_hash: "SHA1",
    },
    CipherSuite {
        id: 0x0005,
        name: "TLS_RSA_WITH_RC4_128_SHA",
        kx: KeyExchange::Rsa,
        bulk: BulkAlg::Rc4_128,
        mac: HashAlg::Sha1,
        min_version: TLS10,
        policy: Policy::ExplicitOnly,
        calg_cipher: 0x6801,
        calg_hash: 0x8004,
        calg_exch: 0xa400,
        strength_bits: 128,
        cng_cipher: "RC4",
        cng_hash: "SHA1",
    },
    CipherSuite {
        id: 0x0004,
        name: "TLS_RSA_WITH_RC4_128_MD5",
        kx: KeyExchange::Rsa,
        bulk: BulkAlg::Rc4_128,
        mac: HashAlg::Md5,
        min_version: TLS10,
        policy: Policy::ExplicitOnly,
        calg_cipher: 0x6801,
        calg_hash: 0x8003,
        calg_exch: 0xa400,
        strength_bits: 128,
        cng_cipher: "RC4",
        cng_hash: "MD5",
    },
];

/// The signalling suite value of RFC 5746 §3.3; never negotiated.
pub const TLS_EMPTY_RENEGOTIATION_INFO_SCSV: u16 = 0x00FF;

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
    let ciphers = [0x660e, 0x6610, 0x6603, 0x6801, 0x6611];
    let hashes = [0x8003, 0x8004];
    let names_cipher = algs.iter().any(|a| ciphers.contains(a));
    let names_hash = algs.iter().any(|a| hashes.contains(a));
    let names_exch = algs.contains(&0xa400);
    SUITES
        .iter()
        .filter(|s| {
            let cipher_ok = if names_cipher {
                algs.contains(&s.calg_cipher) || (algs.contains(&0x6611) && matches!(s.calg_cipher, 0x660e | 0x6610))
            } else {
                s.policy == Policy::Default
            };
            let hash_ok = !names_hash || algs.contains(&s.calg_hash);
            let exch_ok = !names_exch || algs.contains(&s.calg_exch) || !algs.iter().any(|a| *a & 0xe000 == 0xa000);
            cipher_ok && hash_ok && exch_ok
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let ids: Vec<u16> = by_alg_ids(&[0x6801]).iter().map(|s| s.id).collect();
        assert_eq!(ids, vec![0x0005, 0x0004]);
        let ids: Vec<u16> = by_alg_ids(&[0x6801, 0x8003]).iter().map(|s| s.id).collect();
        assert_eq!(ids, vec![0x0004]);
    }
}
