//! What a credential tells the engine: versions, suites, trust, and (for servers) the
//! certificate chain and key. Shared by every context made from one credential.
#![forbid(unsafe_code)]

use std::sync::Arc;

use crate::cache::tickets::{TicketKeys, DEFAULT_ROTATION_SECS};
use crate::cache::{SessionCache, DEFAULT_LIFETIME_SECS};
use crate::crypto::sign::SigningKey;
use crate::msgs::enums::ProtocolVersion;
use crate::suites::{self, CipherSuite};
use crate::x509::TrustStore;

/// Versions this build implements, highest first.
pub const IMPLEMENTED_VERSIONS: &[ProtocolVersion] =
    &[ProtocolVersion::TLS1_2, ProtocolVersion::TLS1_1, ProtocolVersion::TLS1_0, ProtocolVersion::SSL3_0];

/// Versions enabled when the caller chooses none (`grbitEnabledProtocols = 0`): TLS 1.2 down
/// to TLS 1.0, as Windows does for both roles. SSL 3.0 (POODLE, RFC 7568) only when asked for.
pub const DEFAULT_VERSIONS: &[ProtocolVersion] = &[ProtocolVersion::TLS1_2, ProtocolVersion::TLS1_1, ProtocolVersion::TLS1_0];

/// A certificate chain and its private key: a server's identity, or a client's for client
/// authentication.
#[derive(Clone)]
pub struct ServerIdentity {
    /// DER certificates, end-entity first.
    pub chain: Vec<Vec<u8>>,
    pub key: Arc<SigningKey>,
}

/// Connection settings derived from a credential.
#[derive(Clone)]
pub struct Config {
    /// Enabled versions, highest first.
    pub versions: Vec<ProtocolVersion>,
    /// Enabled suites in preference order.
    pub suites: Vec<&'static CipherSuite>,
    /// Suites that were enabled but fall below the caller's minimum strength: a client offering
    /// only these gets insufficient_security rather than handshake_failure.
    pub too_weak: Vec<&'static CipherSuite>,
    /// Trust anchors for the peer's chain.
    pub trust: Arc<TrustStore>,
    /// Client: verify the server's chain (false with SCH_CRED_MANUAL_CRED_VALIDATION).
    pub verify_chain: bool,
    /// Client: check the target name against the certificate (false with SCH_CRED_NO_SERVERNAME_CHECK).
    pub verify_name: bool,
    /// Server: our chains and keys. The first is the default; others are chosen by the
    /// client's server_name (RFC 6066 §3) or by the key type a suite needs.
    pub identities: Vec<ServerIdentity>,
    /// Seconds since the Unix epoch, for certificate validity (injected so tests can move time).
    pub clock: fn() -> i64,
    /// Split application writes 1/n-1 on TLS 1.0/SSL 3.0 CBC suites (BEAST countermeasure).
    pub record_splitting: bool,
    /// Where sessions are kept for resumption; None disables reconnects.
    pub cache: Option<Arc<SessionCache>>,
    /// The credential's identity: cache entries are bound to it.
    pub cred_id: u64,
    /// Seconds a cached session may be resumed for.
    pub session_lifetime: i64,
    /// What to do when the peer (or our caller) wants to renegotiate.
    pub renegotiation: Renegotiation,
    /// Client: signal RFC 5746 support. Only tests turn it off, to play a legacy peer.
    pub offer_secure_renegotiation: bool,
    /// Negotiate the extended master secret (RFC 7627); on unless a test plays a legacy peer.
    pub extended_master_secret: bool,
    /// Server: ask every client for a certificate and fail the handshake without one.
    pub require_client_cert: bool,
    /// Client: the certificate and key answering a server's CertificateRequest.
    pub client_identity: Option<ServerIdentity>,
    /// How peer chains are validated (depth, MD5, revocation and its CRLs); the purpose is
    /// set per side (serverAuth by clients, clientAuth by servers).
    pub verify: crate::x509::VerifyOptions,
    /// Negotiate encrypt-then-MAC for CBC suites (RFC 7366).
    pub encrypt_then_mac: bool,
    /// Client: this is a fallback retry with a lower version; send TLS_FALLBACK_SCSV (RFC 7507).
    pub fallback_scsv: bool,
    /// Server: the keys that seal session tickets (RFC 5077); None disables tickets.
    pub tickets: Option<Arc<TicketKeys>>,
    /// Client: ask for and use session tickets.
    pub offer_tickets: bool,
    /// Server: the credential's temporary RSA keys for export suites, made on first use.
    pub export_keys: Arc<crate::crypto::rsa::TemporaryRsaKeys>,
    /// SSL 2.0 is enabled for this side (`SP_PROT_SSL2_*`; off by default). `versions` lists
    /// only SSL 3.0 and later.
    pub ssl2: bool,
    /// SSL 2.0 cipher kinds in preference order, used only when `ssl2` is on.
    pub ssl2_kinds: Vec<&'static crate::suites::Ssl2Kind>,
}

/// Renegotiation policy (RFC 5746).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renegotiation {
    /// Decline every renegotiation with a no_renegotiation warning.
    Refuse,
    /// Renegotiate only with peers that support RFC 5746 (the default).
    SecureOnly,
    /// Also renegotiate with legacy peers (vulnerable to CVE-2009-3555; opt-in only).
    AllowInsecure,
}

/// The system clock in seconds since the Unix epoch.
pub fn system_clock() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

impl Config {
    /// Defaults: [`DEFAULT_VERSIONS`], default-policy suites, the given trust anchors.
    pub fn new(trust: Arc<TrustStore>) -> Self {
        Config {
            versions: DEFAULT_VERSIONS.to_vec(),
            suites: suites::defaults(),
            too_weak: Vec::new(),
            trust,
            verify_chain: true,
            verify_name: true,
            identities: Vec::new(),
            clock: system_clock,
            record_splitting: true,
            cache: None,
            cred_id: 0,
            session_lifetime: DEFAULT_LIFETIME_SECS,
            renegotiation: Renegotiation::SecureOnly,
            offer_secure_renegotiation: true,
            extended_master_secret: true,
            fallback_scsv: false,
            encrypt_then_mac: true,
            client_identity: None,
            require_client_cert: false,
            verify: crate::x509::VerifyOptions::default(),
            tickets: Some(Arc::new(TicketKeys::new(system_clock(), DEFAULT_ROTATION_SECS))),
            offer_tickets: true,
            export_keys: Arc::default(),
            ssl2: false,
            ssl2_kinds: suites::SSL2_KINDS.iter().collect(),
        }
    }

    /// The highest enabled version.
    pub fn max_version(&self) -> Option<ProtocolVersion> {
        self.versions.iter().copied().max()
    }
}
