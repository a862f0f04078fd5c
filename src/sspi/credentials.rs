//! `AcquireCredentialsHandle` semantics: from the fields of `SCHANNEL_CRED`/`SCH_CREDENTIALS`
//! to an engine [`Config`], with Schannel's status for each kind of bad input.
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use crate::cache::{SessionCache, DEFAULT_LIFETIME_SECS};

use super::ffi::consts::*;
use super::ffi::types::SECURITY_STATUS;
use crate::crypto::sign::SigningKey;
use crate::engine::config::{Config, Renegotiation, ServerIdentity, DEFAULT_VERSIONS};
use crate::msgs::enums::ProtocolVersion;
use crate::suites::{self, CipherSuite};
use crate::x509::TrustStore;

/// A certificate as the provider holds it: DER, optional chain and optional private key.
pub struct CertData {
    pub der: Vec<u8>,
    /// Intermediates sent after the end-entity certificate.
    pub chain: Vec<Vec<u8>>,
    pub key: Option<Arc<SigningKey>>,
}

/// A server identity from a certificate that has its private key.
pub fn server_identity(c: &CertData) -> Option<ServerIdentity> {
    let key = c.key.clone()?;
    let mut chain = vec![c.der.clone()];
    chain.extend(c.chain.iter().cloned());
    Some(ServerIdentity { chain, key })
}

/// The fields of a Schannel credential structure, already read from C memory.
#[derive(Default)]
pub struct CredRequest {
    pub inbound: bool,
    /// `grbitEnabledProtocols` (SCHANNEL_CRED) — 0 for defaults.
    pub enabled_protocols: u32,
    /// `TLS_PARAMETERS.grbitDisabledProtocols` (SCH_CREDENTIALS).
    pub disabled_protocols: u32,
    pub certs: Vec<Arc<CertData>>,
    pub root_store: Option<Arc<TrustStore>>,
    pub algs: Vec<u32>,
    pub min_strength: u32,
    pub max_strength: u32,
    pub flags: u32,
    /// `dwSessionLifespan` in milliseconds (0 = default).
    pub session_lifespan_ms: u32,
}

/// An acquired credential.
pub struct Credential {
    pub inbound: bool,
    /// `SP_PROT_*` bits that are enabled (what SUPPORTED_PROTOCOLS reports).
    pub protocols: u32,
    pub config: Arc<Config>,
    pub cert: Option<Arc<CertData>>,
}

/// (version, client bit, server bit) for every version this build implements.
const VERSION_BITS: &[(ProtocolVersion, u32, u32)] = &[
    (ProtocolVersion::SSL3_0, SP_PROT_SSL3_CLIENT, SP_PROT_SSL3_SERVER),
    (ProtocolVersion::TLS1_0, SP_PROT_TLS1_0_CLIENT, SP_PROT_TLS1_0_SERVER),
    (ProtocolVersion::TLS1_1, SP_PROT_TLS1_1_CLIENT, SP_PROT_TLS1_1_SERVER),
    (ProtocolVersion::TLS1_2, SP_PROT_TLS1_2_CLIENT, SP_PROT_TLS1_2_SERVER),
];

/// The SP_PROT bit for a negotiated version on one side.
pub fn protocol_bit(version: ProtocolVersion, inbound: bool) -> u32 {
    let all: &[(ProtocolVersion, u32, u32)] = &[
        (ProtocolVersion::SSL3_0, SP_PROT_SSL3_CLIENT, SP_PROT_SSL3_SERVER),
        (ProtocolVersion::TLS1_0, SP_PROT_TLS1_0_CLIENT, SP_PROT_TLS1_0_SERVER),
        (ProtocolVersion::TLS1_1, SP_PROT_TLS1_1_CLIENT, SP_PROT_TLS1_1_SERVER),
        (ProtocolVersion::TLS1_2, SP_PROT_TLS1_2_CLIENT, SP_PROT_TLS1_2_SERVER),
    ];
    all.iter().find(|(v, _, _)| *v == version).map_or(0, |&(_, c, s)| if inbound { s } else { c })
}

/// The system trust store, loaded once per process.
pub fn system_trust() -> Arc<TrustStore> {
    static SYSTEM: OnceLock<Arc<TrustStore>> = OnceLock::new();
    SYSTEM.get_or_init(|| Arc::new(TrustStore::system())).clone()
}

/// Builds a credential, or the status Schannel returns for the request.
pub fn acquire(req: CredRequest) -> Result<Credential, SECURITY_STATUS> {
    let side_bits = |(c, s): (u32, u32)| if req.inbound { s } else { c };
    // Client bits sit at odd positions, server bits at even ones (schannel.h SP_PROT_*).
    let side_mask: u32 = if req.inbound { 0x1555 } else { 0x2AAA };
    let requested = if req.enabled_protocols == 0 {
        // Provider defaults, minus anything SCH_CREDENTIALS disables.
        VERSION_BITS.iter().filter(|(v, _, _)| DEFAULT_VERSIONS.contains(v)).map(|&(_, c, s)| side_bits((c, s))).fold(0, |a, b| a | b)
            & !req.disabled_protocols
    } else {
        req.enabled_protocols & side_mask
    };
    let versions: Vec<ProtocolVersion> =
        VERSION_BITS.iter().filter(|&&(_, c, s)| requested & side_bits((c, s)) != 0).map(|&(v, _, _)| v).rev().collect();
    // SSL 2.0 only when named (never among the defaults).
    let ssl2_bit = side_bits((SP_PROT_SSL2_CLIENT, SP_PROT_SSL2_SERVER));
    let ssl2 = req.enabled_protocols & ssl2_bit != 0;
    if versions.is_empty() && !ssl2 {
        return Err(SEC_E_ALGORITHM_MISMATCH);
    }
    let protocols = VERSION_BITS.iter().filter(|(v, _, _)| versions.contains(v)).map(|&(_, c, s)| side_bits((c, s))).fold(0, |a, b| a | b)
        | if ssl2 { ssl2_bit } else { 0 };

    let mut suite_list: Vec<&'static CipherSuite> = if req.algs.is_empty() { suites::defaults() } else { suites::by_alg_ids(&req.algs) };
    let mut too_weak = Vec::new();
    if req.min_strength != 0 {
        // Every suite we know below the minimum, enabled or not: the caller demanded more.
        too_weak = suites::SUITES.iter().filter(|s| s.strength_bits() < req.min_strength).collect();
        suite_list.retain(|s| s.strength_bits() >= req.min_strength);
    }
    if req.max_strength != 0 {
        suite_list.retain(|s| s.strength_bits() <= req.max_strength);
    }
    let mut ssl2_kinds = if req.algs.is_empty() { suites::SSL2_KINDS.iter().collect() } else { suites::ssl2_by_alg_ids(&req.algs) };
    ssl2_kinds.retain(|k| k.strength_bits() >= req.min_strength && (req.max_strength == 0 || k.strength_bits() <= req.max_strength));
    // Export grade (the material of FREAK, Logjam and DROWN) only for a caller that asks for weak
    // keys by strength (dwMaximumCipherStrength <= 56) or names the suites
    // (OpenSchannelSetCipherSuites / OpenSchannelSetSsl2CipherKinds): enabling SSL 2.0 or naming
    // CALG_RC4 / CALG_DES selects the full-strength suites and kinds of that cipher only.
    if !(req.max_strength != 0 && req.max_strength <= 56) {
        suite_list.retain(|s| !s.is_export());
        ssl2_kinds.retain(|k| !k.is_export());
    }
    let usable_tls = !versions.is_empty() && !suite_list.is_empty();
    let usable_ssl2 = ssl2 && !ssl2_kinds.is_empty();
    if !usable_tls && !usable_ssl2 {
        return Err(SEC_E_ALGORITHM_MISMATCH);
    }

    if req.certs.len() > 1 {
        return Err(SEC_E_UNKNOWN_CREDENTIALS);
    }
    let cert = req.certs.first().cloned();
    let identities = match (&cert, req.inbound) {
        (None, true) => return Err(SEC_E_NO_CREDENTIALS),
        (Some(c), true) => vec![server_identity(c).ok_or(SEC_E_NO_CREDENTIALS)?],
        (_, false) => Vec::new(),
    };

    let mut config = Config::new(req.root_store.unwrap_or_else(system_trust));
    config.versions = versions;
    config.suites = suite_list;
    config.too_weak = too_weak;
    config.ssl2 = ssl2;
    config.ssl2_kinds = ssl2_kinds;
    config.verify_chain = req.flags & SCH_CRED_MANUAL_CRED_VALIDATION == 0;
    config.verify_name = req.flags & SCH_CRED_NO_SERVERNAME_CHECK == 0;
    // SCH_CRED_REVOCATION_CHECK_* / _IGNORE_*: checked against the CRLs added with
    // OpenSchannelAddCrlFile (there is no network retrieval).
    let (mode, ignore_no_check, ignore_offline) = crate::x509::RevocationMode::from_sch_flags(req.flags);
    config.verify.revocation = mode;
    config.verify.ignore_no_revocation_check = ignore_no_check;
    config.verify.ignore_revocation_offline = ignore_offline;
    config.identities = identities;
    // A client certificate answers servers that ask for one (client authentication).
    config.client_identity = if req.inbound { None } else { cert.as_ref().and_then(|c| server_identity(c)) };
    config.record_splitting = record_splitting_from_env();
    // Each credential is its own identity for the session cache.
    static NEXT_ID: AtomicU64 = AtomicU64::new(1);
    config.cred_id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    if req.flags & SCH_CRED_DISABLE_RECONNECTS == 0 {
        config.cache = Some(SessionCache::global());
    }
    config.session_lifetime = match req.session_lifespan_ms {
        0 => session_lifetime_from_env(),
        ms => i64::from(ms.div_ceil(1000)),
    };
    Ok(Credential { inbound: req.inbound, protocols, config: Arc::new(config), cert })
}

impl Credential {
    /// The distinct `CALG_*` ids of the usable suites' ciphers, hashes and exchanges, in suite
    /// preference order (`SECPKG_ATTR_SUPPORTED_ALGS`).
    /// SSL 2.0 cipher kinds included when SSL 2.0 is enabled.
    pub fn supported_algs(&self) -> Vec<u32> {
        let tls = self.usable_suites().map(|s| [s.calg_cipher(), s.calg_hash(), s.kx.calg()]);
        let ssl2 = self.ssl2_kinds().map(|k| [k.calg_cipher(), k.calg_hash(), k.calg_exch()]);
        let mut algs = Vec::new();
        for id in tls.chain(ssl2).flatten() {
            if id != 0 && !algs.contains(&id) {
                algs.push(id);
            }
        }
        algs
    }

    /// The weakest and strongest enabled cipher, in bits (`SECPKG_ATTR_CIPHER_STRENGTHS`),
    /// SSL 2.0 kinds included when SSL 2.0 is enabled.
    pub fn cipher_strengths(&self) -> (u32, u32) {
        let bits: Vec<u32> = self.usable_suites().map(|s| s.strength_bits()).chain(self.ssl2_kinds().map(|k| k.strength_bits())).collect();
        (bits.iter().copied().min().unwrap_or(0), bits.iter().copied().max().unwrap_or(0))
    }

    /// Enabled suites that some enabled version allows (none when only SSL 2.0 is on).
    fn usable_suites(&self) -> impl Iterator<Item = &'static CipherSuite> + '_ {
        self.config.suites.iter().copied().filter(|s| self.config.versions.iter().any(|v| s.allows(*v)))
    }

    fn ssl2_kinds(&self) -> impl Iterator<Item = &'static suites::Ssl2Kind> + '_ {
        self.config.ssl2_kinds.iter().copied().filter(|_| self.config.ssl2)
    }

    /// Restricts the credential to `ids` in this order (`OpenSchannelSetCipherSuites`). Naming
    /// an explicit-only suite (RC4) enables it; unknown ids are ignored.
    pub fn set_suites(&mut self, ids: &[u16]) -> Result<(), SECURITY_STATUS> {
        let list: Vec<&'static CipherSuite> = ids.iter().filter_map(|id| suites::by_id(*id)).collect();
        if list.is_empty() {
            return Err(SEC_E_ALGORITHM_MISMATCH);
        }
        self.update(|c| c.suites = list);
        Ok(())
    }

    /// Restricts the credential's SSL 2.0 cipher kinds to `ids` in this order
    /// (`OpenSchannelSetSsl2CipherKinds`); unknown ids are ignored.
    pub fn set_ssl2_kinds(&mut self, ids: &[u32]) -> Result<(), SECURITY_STATUS> {
        let list: Vec<_> = ids.iter().filter_map(|id| suites::ssl2_by_id(*id)).collect();
        if list.is_empty() {
            return Err(SEC_E_ALGORITHM_MISMATCH);
        }
        self.update(|c| c.ssl2_kinds = list);
        Ok(())
    }

    /// Sets the renegotiation policy for contexts created afterwards (`OpenSchannelSetRenegotiation`).
    pub fn set_renegotiation(&mut self, policy: Renegotiation) {
        self.update(|c| c.renegotiation = policy);
    }

    /// Turns 1/n-1 record splitting on or off for contexts created afterwards
    /// (`OpenSchannelSetRecordSplitting`).
    pub fn set_record_splitting(&mut self, on: bool) {
        self.update(|c| c.record_splitting = on);
    }

    /// Adds a certificate a server offers to clients whose server_name matches it
    /// (`OpenSchannelAddServerCertificate`). The first certificate stays the default.
    pub fn add_server_certificate(&mut self, cert: &CertData) -> Result<(), SECURITY_STATUS> {
        if !self.inbound {
            return Err(SEC_E_UNKNOWN_CREDENTIALS);
        }
        let identity = server_identity(cert).ok_or(SEC_E_NO_CREDENTIALS)?;
        self.update(|c| c.identities.push(identity));
        Ok(())
    }

    /// Makes clients from this credential send TLS_FALLBACK_SCSV (RFC 7507) in their first
    /// ClientHello, for contexts created afterwards (`OpenSchannelSetFallbackScsv`).
    pub fn set_fallback_scsv(&mut self, on: bool) {
        self.update(|c| c.fallback_scsv = on);
    }

    /// Turns encrypt-then-MAC (RFC 7366) for CBC suites on or off for contexts created
    /// afterwards (`OpenSchannelSetEncryptThenMac`).
    pub fn set_encrypt_then_mac(&mut self, on: bool) {
        self.update(|c| c.encrypt_then_mac = on);
    }

    /// Makes a server credential ask every client for a certificate and refuse clients without
    /// one (`OpenSchannelRequireClientCertificate`).
    pub fn set_require_client_cert(&mut self, on: bool) -> Result<(), SECURITY_STATUS> {
        if !self.inbound {
            return Err(SEC_E_UNKNOWN_CREDENTIALS);
        }
        self.update(|c| c.require_client_cert = on);
        Ok(())
    }

    /// Adds the CRLs of a file (PEM or DER, one or more) or of every CRL file in a directory
    /// to those revocation checks consult (`OpenSchannelAddCrlFile`).
    pub fn add_crls(&mut self, path: &std::path::Path) -> Result<usize, SECURITY_STATUS> {
        let found = if path.is_dir() { crate::x509::CrlStore::from_dir(path) } else { crate::x509::CrlStore::from_file(path) }
            .map_err(|_| SEC_E_INVALID_PARAMETER)?;
        let n = found.len();
        self.update(|c| {
            let mut all = (*c.verify.crls).clone();
            found.iter().cloned().for_each(|crl| all.add(crl));
            c.verify.crls = Arc::new(all);
        });
        Ok(n)
    }

    /// Session tickets (RFC 5077) on or off (`OpenSchannelSetSessionTickets`): a client stops
    /// asking for them, a server stops issuing and accepting them. Session-ID resumption stays.
    pub fn set_session_tickets(&mut self, on: bool) {
        let now = crate::engine::config::system_clock();
        self.update(|c| {
            c.offer_tickets = on;
            c.tickets = match (on, c.tickets.take()) {
                (true, Some(k)) => Some(k),
                (true, None) => Some(Arc::new(crate::cache::tickets::TicketKeys::new(now, crate::cache::tickets::DEFAULT_ROTATION_SECS))),
                (false, _) => None,
            };
        });
    }

    /// Contexts hold the configuration they were made with; changes apply to later ones.
    fn update(&mut self, change: impl FnOnce(&mut Config)) {
        let mut config = (*self.config).clone();
        change(&mut config);
        self.config = Arc::new(config);
    }
}

/// The process-wide default session lifetime: `OPENSCHANNEL_SESSION_LIFETIME` seconds, else
/// Schannel's 10 hours.
pub fn session_lifetime_from_env() -> i64 {
    std::env::var("OPENSCHANNEL_SESSION_LIFETIME").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(DEFAULT_LIFETIME_SECS)
}

/// The process-wide switch: `OPENSCHANNEL_RECORD_SPLITTING=0` turns record splitting off for
/// every credential acquired afterwards (for peers that expect one record per write).
pub fn record_splitting_from_env() -> bool {
    std::env::var("OPENSCHANNEL_RECORD_SPLITTING").map_or(true, |v| v.trim() != "0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supported_algs_and_strengths_follow_the_enabled_suites() {
        let c = acquire(CredRequest::default()).ok().unwrap();
        let algs = c.supported_algs();
        for id in [0x660e, 0x6610, 0x6603, 0x8004, 0xa400, 0xae06, 0xaa02] {
            assert!(algs.contains(&id), "{id:#x} in {algs:x?}");
        }
        for id in [0x6801, 0x6601, 0x6000, 0x8003] {
            assert!(!algs.contains(&id), "weak {id:#x} is off by default");
        }
        assert_eq!(c.cipher_strengths(), (128, 256));
        let rc4 = acquire(CredRequest { algs: vec![0x6801], ..Default::default() }).ok().unwrap();
        // CALG_RC4 names the full-strength RC4 suites (export grade needs a maximum strength).
        assert_eq!(rc4.cipher_strengths(), (128, 128));
        assert!(rc4.supported_algs().contains(&0x6801) && rc4.supported_algs().contains(&0x8003));
        let strong = acquire(CredRequest { min_strength: 129, ..Default::default() }).ok().unwrap();
        assert_eq!(strong.cipher_strengths(), (168, 256));
        assert!(strong.config.too_weak.iter().any(|s| s.id == 0x002F) && strong.config.too_weak.iter().any(|s| s.id == 0x0009));
        assert!(c.config.too_weak.is_empty(), "no minimum, so nothing counts as too weak");
    }

    #[test]
    fn client_defaults_and_side_filtering() {
        let c = acquire(CredRequest::default()).ok().unwrap();
        assert_eq!(c.protocols, SP_PROT_TLS1_0_CLIENT | SP_PROT_TLS1_1_CLIENT | SP_PROT_TLS1_2_CLIENT);
        let s = acquire(CredRequest { inbound: true, certs: vec![], ..Default::default() });
        assert!(s.is_err(), "a server needs a certificate");
        // Both bits given (SP_PROT_TLS1): the client keeps its own.
        let c =
            acquire(CredRequest { enabled_protocols: SP_PROT_TLS1_0_CLIENT | SP_PROT_TLS1_0_SERVER, ..Default::default() }).ok().unwrap();
        assert_eq!(c.protocols, SP_PROT_TLS1_0_CLIENT);
        // Only server bits on an outbound credential.
        assert_eq!(
            acquire(CredRequest { enabled_protocols: SP_PROT_TLS1_0_SERVER, ..Default::default() }).err(),
            Some(SEC_E_ALGORITHM_MISMATCH)
        );
        // A server needs a certificate.
        assert_eq!(acquire(CredRequest { inbound: true, ..Default::default() }).err(), Some(SEC_E_NO_CREDENTIALS));
    }

    #[test]
    fn fallback_scsv_is_opt_in() {
        let mut c = acquire(CredRequest::default()).ok().unwrap();
        assert!(!c.config.fallback_scsv);
        let before = c.config.clone();
        c.set_fallback_scsv(true);
        assert!(c.config.fallback_scsv);
        assert!(!before.fallback_scsv, "contexts made earlier keep their configuration");
        c.set_fallback_scsv(false);
        assert!(!c.config.fallback_scsv);
    }

    #[test]
    fn export_suites_only_by_request_and_narrowed_by_strength() {
        let c = acquire(CredRequest::default()).ok().unwrap();
        assert!(c.config.suites.iter().all(|s| !s.is_export()), "never by default");
        let ids = |c: &Credential| c.config.suites.iter().map(|s| s.id).collect::<Vec<_>>();
        // A cipher ALG_ID names the full-strength suites of that cipher only: the one RC2 suite is
        // export grade, so CALG_RC2 alone enables nothing; with dwMaximumCipherStrength <= 56
        // (the caller asks for weak keys) it is the RC2 export suite.
        assert_eq!(acquire(CredRequest { algs: vec![CALG_RC2], ..Default::default() }).err(), Some(SEC_E_ALGORITHM_MISMATCH));
        let c = acquire(CredRequest { algs: vec![CALG_RC2], max_strength: 40, ..Default::default() }).ok().unwrap();
        assert_eq!(ids(&c), vec![0x0006]);
        let c = acquire(CredRequest { algs: vec![CALG_RC4], ..Default::default() }).ok().unwrap();
        assert_eq!(ids(&c), vec![0x0005, 0x0004], "CALG_RC4 alone: no export RC4");
        let c = acquire(CredRequest { algs: vec![CALG_RC4], min_strength: 128, ..Default::default() }).ok().unwrap();
        assert_eq!(ids(&c), vec![0x0005, 0x0004]);
        // dwMaximumCipherStrength keeps only the export ones.
        let c = acquire(CredRequest { algs: vec![CALG_RC4], max_strength: 56, ..Default::default() }).ok().unwrap();
        assert_eq!(ids(&c), vec![0x0064, 0x0003]);
        let c = acquire(CredRequest { algs: vec![CALG_RC4, CALG_DES], max_strength: 40, ..Default::default() }).ok().unwrap();
        assert_eq!(ids(&c), vec![0x0003, 0x0008, 0x0011], "the 40-bit RC4 and DES export suites");
    }

    #[test]
    fn rc4_only_by_request() {
        let c = acquire(CredRequest::default()).ok().unwrap();
        assert!(c.config.suites.iter().all(|s| s.calg_cipher() != CALG_RC4));
        let c = acquire(CredRequest { algs: vec![CALG_RC4], ..Default::default() }).ok().unwrap();
        assert!(c.config.suites.iter().all(|s| s.calg_cipher() == CALG_RC4));
        let mut c = acquire(CredRequest::default()).ok().unwrap();
        c.set_suites(&[0x0004]).unwrap();
        assert_eq!(c.config.suites.len(), 1);
    }
}
