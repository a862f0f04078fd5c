//! Client handshake states for TLS 1.0-1.2 with RSA, ECDHE and DHE key exchange. Each state
//! accepts exactly the message it names; anything else is `unexpected_message`.

use super::key_exchange;
use super::{new_random, HandshakeData, Side};
use crate::cache::{Key, Session};
use crate::crypto::random;
use crate::crypto::rsa::{public_encrypt_pkcs1, PREMASTER_LEN};
use crate::crypto::sign::{KeyType, SignatureScheme};
use crate::engine::config::{Config, ServerIdentity};
use crate::engine::error::Error;
use crate::msgs::codec::{put_prefixed, Prefix};
use crate::msgs::enums::HandshakeType;
use crate::msgs::enums::ProtocolVersion;
use crate::msgs::handshake::{
    cert_type, encode_certificate_list, encode_digitally_signed, ext, read_certificate_list, read_new_session_ticket, CertificateRequest,
    ClientHello, Extension, ServerHello,
};
use crate::record::layer::RecordLayer;
use crate::suites::{self, KeyExchange, TLS_EMPTY_RENEGOTIATION_INFO_SCSV, TLS_FALLBACK_SCSV};
use crate::x509;
use zeroize::Zeroizing;

/// What the client waits for next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientState {
    ExpectServerHello,
    ExpectCertificate,
    /// ECDHE/DHE suites: the signed ephemeral parameters.
    ExpectServerKeyExchange,
    /// ServerHelloDone, or a CertificateRequest before it.
    ExpectServerHelloDone {
        cert_requested: bool,
    },
    /// The server asked for a certificate and none of ours fits: the caller is told
    /// (`SEC_I_INCOMPLETE_CREDENTIALS`) and continues with one, or without.
    AwaitClientCredentials,
    /// Tickets agreed: NewSessionTicket comes before the server's ChangeCipherSpec.
    ExpectNewSessionTicket,
    ExpectCcs,
    ExpectFinished,
    Established,
}

/// Builds and queues the ClientHello: offers a cached session when there is one for this
/// target, and on a renegotiation carries the previous client verify_data (RFC 5746 §3.5).
pub fn start(hs: &mut HandshakeData, cfg: &Config, rl: &mut RecordLayer) -> Result<ClientState, Error> {
    let version = match hs.previous_verify_data {
        // A renegotiation keeps the version in use.
        Some(_) => hs.version.ok_or(Error::Internal("renegotiation without a version"))?,
        None => cfg.max_version().ok_or(Error::ProtocolVersion)?,
    };
    // Suites that need a later version than we offer are not offered (RFC 5246 Appendix E.1).
    let offered: Vec<_> = cfg.suites.iter().filter(|s| s.min_version <= version).collect();
    if offered.is_empty() {
        return Err(Error::HandshakeFailure("no cipher suite enabled"));
    }
    hs.client_random = new_random();
    hs.client_version = version;
    if version == ProtocolVersion::SSL3_0 && hs.previous_verify_data.is_none() {
        // An SSL 3.0-only client says so in its record headers too.
        rl.version = Some(version);
    }
    let mut cipher_suites: Vec<u16> = offered.iter().map(|s| s.id).collect();
    if cfg.fallback_scsv && hs.previous_verify_data.is_none() {
        cipher_suites.push(TLS_FALLBACK_SCSV);
    }
    let mut extensions = Vec::new();
    if let Some(name) = hs.server_name.as_deref().filter(|n| is_dns_name(n)) {
        // RFC 6066 §3: literal IP addresses are not sent as server names.
        extensions.push(Extension::server_name(name));
    }
    if offered.iter().any(|s| matches!(s.kx, KeyExchange::EcdheRsa | KeyExchange::EcdheEcdsa)) {
        extensions.push(Extension::u16_list(ext::SUPPORTED_GROUPS, &key_exchange::group_ids()));
        extensions.push(Extension::ec_point_formats());
    }
    if version >= ProtocolVersion::TLS1_2 {
        let dsa = offered.iter().any(|s| s.kx == KeyExchange::DheDss);
        extensions.push(Extension::u16_list(ext::SIGNATURE_ALGORITHMS, &key_exchange::offered_scheme_ids(dsa)));
    }
    if cfg.extended_master_secret {
        extensions.push(Extension::empty(ext::EXTENDED_MASTER_SECRET));
    }
    if !hs.alpn_offer.is_empty() {
        extensions.push(Extension::alpn(&hs.alpn_offer));
    }
    if cfg.encrypt_then_mac && offered.iter().any(|s| s.bulk.block_len() > 0) {
        extensions.push(Extension::empty(ext::ENCRYPT_THEN_MAC));
    }
    match &hs.previous_verify_data {
        Some((client_vd, _)) if hs.secure_renegotiation => extensions.push(Extension::renegotiation_info(client_vd)),
        // A legacy peer (allowed only by policy) gets a legacy renegotiation.
        Some(_) => {}
        // RFC 5746 §3.4: signal support on the initial handshake with the SCSV.
        None if cfg.offer_secure_renegotiation => cipher_suites.push(TLS_EMPTY_RENEGOTIATION_INFO_SCSV),
        None => {}
    }
    let mut session_id = Vec::new();
    if cfg.offer_tickets && hs.previous_verify_data.is_some() {
        // A renegotiation never resumes, but may bring a fresh ticket.
        extensions.push(Extension::empty(ext::SESSION_TICKET));
    }
    if hs.previous_verify_data.is_none() {
        let offered = lookup_session(hs, cfg);
        if cfg.offer_tickets {
            let ticket = offered.as_ref().and_then(|s| s.ticket.as_deref()).unwrap_or_default();
            extensions.push(Extension { typ: ext::SESSION_TICKET, body: ticket.to_vec() });
        }
        if let Some(mut s) = offered {
            if s.ticket.is_some() && cfg.offer_tickets {
                // RFC 5077 §3.4: a fresh id that the server echoes when it accepts the ticket.
                s.id = random::array::<32>().to_vec();
            }
            session_id = s.id.clone();
            hs.offered = Some(s);
        }
    }
    if version == ProtocolVersion::SSL3_0 {
        // An SSL 3.0 hello carries no TLS extensions (servers have mis-negotiated the extended
        // master secret there); renegotiation_info, defined for SSL 3.0 too, stays.
        extensions.retain(|e| e.typ == ext::RENEGOTIATION_INFO);
    }
    let hello = ClientHello { version, random: hs.client_random, session_id, cipher_suites, compression_methods: vec![0], extensions };
    let mut body = Vec::new();
    hello.encode(&mut body);
    hs.send(rl, HandshakeType::ClientHello, &body)?;
    Ok(ClientState::ExpectServerHello)
}

/// After our flight (or a resumed ServerHello): a NewSessionTicket first if tickets were agreed.
fn before_ccs(hs: &HandshakeData) -> ClientState {
    if hs.ticket_agreed {
        ClientState::ExpectNewSessionTicket
    } else {
        ClientState::ExpectCcs
    }
}

/// Caches the session for this target: after a full handshake with a session id or a ticket,
/// and after a resumption that brought a new ticket.
fn remember_session(hs: &HandshakeData, cfg: &Config) {
    let (Some(cache), Some(key)) = (&cfg.cache, cache_key(hs, cfg)) else {
        return;
    };
    if hs.resumed && hs.new_ticket.is_none() {
        return;
    }
    if hs.session_id.is_empty() && hs.new_ticket.is_none() {
        return;
    }
    if let Some(mut s) = hs.to_session((cfg.clock)(), cfg.session_lifetime) {
        s.ticket = hs.new_ticket.clone();
        cache.insert(key, s);
    }
}

fn cache_key(hs: &HandshakeData, cfg: &Config) -> Option<Key> {
    let target = hs.server_name.clone().filter(|t| !t.is_empty())?;
    Some(Key::Client { cred_id: cfg.cred_id, target })
}

/// A cached session for this target that this configuration may still use.
fn lookup_session(hs: &HandshakeData, cfg: &Config) -> Option<Session> {
    let s = cfg.cache.as_ref()?.get(&cache_key(hs, cfg)?, (cfg.clock)())?;
    let usable = cfg.versions.contains(&s.version) && cfg.suites.iter().any(|c| c.id == s.suite_id);
    usable.then_some(s)
}

fn is_dns_name(n: &str) -> bool {
    !n.is_empty()
        && n.parse::<std::net::IpAddr>().is_err()
        && n.trim_matches(|c| c == '[' || c == ']').parse::<std::net::Ipv6Addr>().is_err()
}

/// Handles one handshake message.
pub fn handle(
    state: ClientState,
    hs: &mut HandshakeData,
    cfg: &Config,
    rl: &mut RecordLayer,
    typ: HandshakeType,
    body: &[u8],
    raw: &[u8],
) -> Result<ClientState, Error> {
    use ClientState as S;
    use HandshakeType as T;
    match (state, typ) {
        (S::ExpectServerHello, T::ServerHello) => {
            hs.transcript.extend_from_slice(raw);
            server_hello(hs, cfg, rl, body)
        }
        (S::ExpectCertificate, T::Certificate) => {
            hs.transcript.extend_from_slice(raw);
            certificate(hs, cfg, body)?;
            if hs.suite()?.kx.is_ephemeral() || expects_temporary_rsa_key(hs)? {
                Ok(S::ExpectServerKeyExchange)
            } else {
                Ok(S::ExpectServerHelloDone { cert_requested: false })
            }
        }
        (S::ExpectServerKeyExchange, T::ServerKeyExchange) => {
            hs.transcript.extend_from_slice(raw);
            let suite = hs.suite()?;
            match suite.export.max_kx_bits() {
                Some(limit) if suite.kx == KeyExchange::Rsa => key_exchange::read_rsa_export_key_exchange(hs, limit, body)?,
                _ => key_exchange::read_server_key_exchange(hs, suite.kx, body)?,
            }
            Ok(S::ExpectServerHelloDone { cert_requested: false })
        }
        (S::ExpectServerHelloDone { cert_requested: false }, T::CertificateRequest) => {
            hs.transcript.extend_from_slice(raw);
            hs.cert_request = Some(CertificateRequest::read(body, hs.is_tls12())?);
            Ok(S::ExpectServerHelloDone { cert_requested: true })
        }
        (S::ExpectServerHelloDone { cert_requested }, T::ServerHelloDone) => {
            if !body.is_empty() {
                return Err(Error::Decode(crate::msgs::codec::InvalidMessage::TrailingData));
            }
            hs.transcript.extend_from_slice(raw);
            if !cert_requested {
                send_client_flight(hs, rl, None)?;
                return Ok(before_ccs(hs));
            }
            match cfg.client_identity.clone().and_then(|id| signing_scheme(hs, &id).map(|s| (id, s))) {
                Some(chosen) => {
                    send_client_flight(hs, rl, Some(Some(chosen)))?;
                    Ok(before_ccs(hs))
                }
                None => Ok(S::AwaitClientCredentials),
            }
        }
        (S::ExpectNewSessionTicket, T::NewSessionTicket) => {
            let ticket = read_new_session_ticket(body)?;
            // An empty ticket means the server will not issue one after all (RFC 5077 §3.3).
            hs.new_ticket = (!ticket.is_empty()).then(|| ticket.to_vec());
            hs.transcript.extend_from_slice(raw);
            Ok(S::ExpectCcs)
        }
        (S::ExpectFinished, T::Finished) => {
            hs.check_peer_finished(Side::Server, body, raw)?;
            if hs.resumed {
                // Abbreviated handshake: the server finished first (RFC 2246 §7.3).
                let write = hs.pending_write.take().ok_or(Error::Internal("no pending write state"))?;
                hs.send_ccs_and_finished(rl, Side::Client, write)?;
            }
            remember_session(hs, cfg);
            Ok(S::Established)
        }
        // RFC 2246 §7.4.1.1: HelloRequest may arrive at any time and is ignored mid-handshake.
        (s, T::HelloRequest) if s != S::Established && body.is_empty() => Ok(s),
        _ => Err(Error::UnexpectedMessage("handshake message out of order")),
    }
}

/// ChangeCipherSpec from the server.
pub fn handle_ccs(state: ClientState) -> Result<ClientState, Error> {
    match state {
        ClientState::ExpectCcs => Ok(ClientState::ExpectFinished),
        _ => Err(Error::UnexpectedMessage("ChangeCipherSpec out of order")),
    }
}

/// The last 8 bytes of a server random that negotiated TLS 1.1 or below although it supports
/// TLS 1.2 or later (RFC 8446 §4.1.3).
pub const DOWNGRADE_SENTINEL: [u8; 8] = *b"DOWNGRD\x00";

fn server_hello(hs: &mut HandshakeData, cfg: &Config, rl: &mut RecordLayer, body: &[u8]) -> Result<ClientState, Error> {
    let sh = ServerHello::read(body)?;
    if !cfg.versions.contains(&sh.version) || sh.version > hs.client_version {
        return Err(Error::ProtocolVersion);
    }
    // An attacker who strips our TLS 1.2 offer cannot also rewrite the signed/finished random.
    if hs.client_version >= ProtocolVersion::TLS1_2 && sh.version < ProtocolVersion::TLS1_2 && sh.random[24..] == DOWNGRADE_SENTINEL {
        return Err(Error::Downgrade);
    }
    let suite = suites::by_id(sh.cipher_suite)
        .filter(|s| s.allows(sh.version) && s.min_version <= hs.client_version && cfg.suites.iter().any(|c| c.id == s.id))
        .ok_or(Error::IllegalParameter("server chose a suite we did not offer"))?;
    if sh.compression_method != 0 {
        return Err(Error::IllegalParameter("server chose compression we did not offer"));
    }
    // Only what we offered may come back (RFC 5246 §7.4.1.4).
    let mut reneg_info = None;
    let mut ems = false;
    let mut etm = false;
    for e in &sh.extensions {
        match e.typ {
            ext::RENEGOTIATION_INFO => reneg_info = Some(Extension::parse_renegotiation_info(&e.body)?),
            ext::SERVER_NAME if e.body.is_empty() => {}
            ext::EXTENDED_MASTER_SECRET if e.body.is_empty() && cfg.extended_master_secret => ems = true,
            // RFC 7366 §3: only for a block-cipher suite, and only if we asked.
            ext::ENCRYPT_THEN_MAC if e.body.is_empty() && cfg.encrypt_then_mac && suite.bulk.block_len() > 0 => etm = true,
            ext::ENCRYPT_THEN_MAC if cfg.encrypt_then_mac => {
                return Err(Error::IllegalParameter("encrypt_then_mac with a suite that is not CBC"));
            }
            ext::SESSION_TICKET if e.body.is_empty() && cfg.offer_tickets => {
                hs.ticket_agreed = true;
            }
            ext::EC_POINT_FORMATS if Extension::parse_point_formats(&e.body)? => {}
            ext::EC_POINT_FORMATS => return Err(Error::IllegalParameter("server does not support uncompressed points")),
            ext::ALPN if !hs.alpn_offer.is_empty() => {
                // RFC 7301 §3.1: exactly one protocol, one we offered.
                match Extension::parse_alpn(&e.body)?.as_slice() {
                    [p] if hs.alpn_offer.contains(p) => hs.alpn = Some(p.clone()),
                    _ => return Err(Error::IllegalParameter("server selected an application protocol we did not offer")),
                }
            }
            _ => return Err(Error::UnsupportedExtension),
        }
    }
    hs.ems = ems;
    match (&hs.previous_verify_data, reneg_info) {
        (None, Some([])) => hs.secure_renegotiation = true,
        (None, Some(_)) => return Err(Error::HandshakeFailure("non-empty renegotiation_info on initial handshake")),
        (None, None) => {}
        // RFC 5746 §3.5: client_verify_data || server_verify_data, compared in constant time.
        (Some((c, s)), Some(v)) if hs.secure_renegotiation => {
            let mut expect = c.clone();
            expect.extend_from_slice(s);
            if !bool::from(subtle::ConstantTimeEq::ct_eq(expect.as_slice(), v)) {
                return Err(Error::HandshakeFailure("renegotiation_info does not match"));
            }
        }
        (Some(_), Some(_)) => return Err(Error::HandshakeFailure("renegotiation_info from a peer that did not offer it")),
        (Some(_), None) if hs.secure_renegotiation => return Err(Error::HandshakeFailure("renegotiation_info missing")),
        (Some(_), None) => {}
    }
    if hs.previous_verify_data.is_some() && Some(sh.version) != hs.version {
        return Err(Error::ProtocolVersion);
    }
    hs.version = Some(sh.version);
    rl.version = Some(sh.version);
    hs.server_random = sh.random;
    hs.suite = Some(suite);
    if sh.version == ProtocolVersion::SSL3_0 {
        // TLS-only extensions never apply to SSL 3.0.
        hs.ems = false;
        etm = false;
        hs.ticket_agreed = false;
    }
    hs.settle_etm(etm)?;
    let offered = hs.offered.take();
    if let Some(s) = offered.filter(|s| !sh.session_id.is_empty() && s.id == sh.session_id) {
        // The server resumed our session: same version and suite, or it is lying (RFC 2246 §7.4.1.3).
        if s.version != sh.version || s.suite_id != suite.id {
            return Err(Error::IllegalParameter("resumed session with different parameters"));
        }
        // RFC 7627 §5.3: the extension must be negotiated again exactly when it was before.
        if s.extended_master_secret != ems {
            return Err(Error::HandshakeFailure("resumption changed the extended master secret"));
        }
        hs.session_id = sh.session_id;
        hs.master_secret = s.master_secret.clone();
        hs.peer_certs = s.peer_certs.clone();
        hs.resumed = true;
        let (write, read) = hs.derive_states(Side::Client)?;
        rl.pending_read = Some(read);
        hs.pending_write = Some(write);
        return Ok(before_ccs(hs));
    }
    hs.session_id = sh.session_id;
    Ok(ClientState::ExpectCertificate)
}

fn certificate(hs: &mut HandshakeData, cfg: &Config, body: &[u8]) -> Result<(), Error> {
    let chain = read_certificate_list(body)?;
    if chain.is_empty() {
        return Err(Error::Certificate(x509::CertError::Empty));
    }
    if cfg.verify_chain {
        let opts = x509::VerifyOptions { purpose: x509::Purpose::ServerAuth, ..cfg.verify.clone() };
        x509::verify_chain_with(&chain, &cfg.trust, (cfg.clock)(), &opts).map_err(Error::Certificate)?;
        if cfg.verify_name {
            if let Some(name) = hs.server_name.as_deref().filter(|n| !n.is_empty()) {
                x509::verify_host_name(&chain[0], name).map_err(Error::Certificate)?;
            }
        }
    }
    // The key must fit the suite whether or not the chain was checked: RSA for RSA, ECDHE_RSA
    // and DHE_RSA, EC for ECDHE_ECDSA, DSA for DHE_DSS.
    if x509::key_type(&chain[0]).ok() != Some(hs.suite()?.kx.cert_key()) {
        return Err(Error::Certificate(x509::CertError::UnsupportedKey));
    }
    hs.peer_certs = chain;
    Ok(())
}

/// RSA export suites: the server must send a temporary key when its certificate key is longer
/// than the suite allows (RFC 2246 §7.4.3), and must not otherwise.
fn expects_temporary_rsa_key(hs: &HandshakeData) -> Result<bool, Error> {
    let suite = hs.suite()?;
    let (Some(limit), KeyExchange::Rsa) = (suite.export.max_kx_bits(), suite.kx) else {
        return Ok(false);
    };
    let leaf = hs.peer_certs.first().ok_or(Error::Internal("no server certificate"))?;
    Ok(x509::rsa_modulus_bits(leaf).map_err(Error::Certificate)? > limit)
}

/// The scheme `id` would sign CertificateVerify with, if it answers the server's request: a
/// key type the server lists, a TLS 1.2 scheme it accepts, a chain from a CA it names.
pub fn signing_scheme(hs: &HandshakeData, id: &ServerIdentity) -> Option<SignatureScheme> {
    let req = hs.cert_request.as_ref()?;
    let kind = match id.key.key_type() {
        KeyType::Rsa => cert_type::RSA_SIGN,
        KeyType::Ecdsa => cert_type::ECDSA_SIGN,
        KeyType::Dsa => cert_type::DSS_SIGN,
    };
    if !req.certificate_types.contains(&kind) || !id.chain.iter().any(|c| x509::issued_by_any(c, &req.authorities)) {
        return None;
    }
    key_exchange::choose_scheme(&id.key, hs.is_tls12(), &req.signature_schemes)
}

/// Continues a handshake that stopped at [`ClientState::AwaitClientCredentials`]: with the
/// identity the caller supplied if it answers the request, otherwise without a certificate.
pub fn resume_with_credentials(hs: &mut HandshakeData, rl: &mut RecordLayer, id: Option<ServerIdentity>) -> Result<ClientState, Error> {
    let chosen = id.and_then(|id| signing_scheme(hs, &id).map(|s| (id, s)));
    send_client_flight(hs, rl, Some(chosen))?;
    Ok(before_ccs(hs))
}

/// Our second flight. `client_cert`: None when the server asked for no certificate; Some(None)
/// for an empty Certificate (RFC 5246 §7.4.6); Some(Some(..)) for our chain, which
/// CertificateVerify then proves (§7.4.8).
fn send_client_flight(
    hs: &mut HandshakeData,
    rl: &mut RecordLayer,
    client_cert: Option<Option<(ServerIdentity, SignatureScheme)>>,
) -> Result<(), Error> {
    let mut signer = None;
    if hs.is_ssl3() && matches!(client_cert, Some(None)) {
        // SSL 3.0 says "no certificate" with a warning alert, not an empty list (RFC 6101 §5.6.4).
        rl.send_alert(crate::msgs::enums::AlertLevel::Warning, crate::msgs::enums::AlertDescription::NoCertificate)?;
    } else if let Some(cert) = client_cert {
        let mut body = Vec::new();
        match cert {
            Some((id, scheme)) => {
                encode_certificate_list(&id.chain, &mut body);
                signer = Some((id, scheme));
            }
            None => encode_certificate_list(&[], &mut body),
        }
        hs.send(rl, HandshakeType::Certificate, &body)?;
    }
    let (body, premaster) = if hs.suite()?.kx.is_ephemeral() {
        key_exchange::client_key_exchange(hs)?
    } else {
        let mut premaster = Zeroizing::new(vec![0u8; PREMASTER_LEN]);
        random::fill(&mut premaster[..]);
        premaster[..2].copy_from_slice(&hs.client_version.bytes());
        let leaf = hs.peer_certs.first().ok_or(Error::Internal("no server certificate"))?;
        // An export suite's temporary key, when the server sent one; else the certificate's.
        let pubkey = if hs.peer_kx_public.is_empty() {
            x509::rsa_public_key_pkcs1(leaf).map_err(Error::Certificate)?
        } else {
            hs.peer_kx_public.clone()
        };
        let encrypted = public_encrypt_pkcs1(&pubkey, &premaster[..]).ok_or(Error::Certificate(x509::CertError::UnsupportedKey))?;
        let mut body = Vec::new();
        if hs.is_ssl3() {
            body = encrypted; // no length prefix in SSL 3.0 (RFC 6101 §5.6.7.1)
        } else {
            put_prefixed(&mut body, Prefix::U16, |o| o.extend_from_slice(&encrypted));
        }
        (body, premaster)
    };
    hs.send(rl, HandshakeType::ClientKeyExchange, &body)?;
    hs.set_master_secret(&premaster[..])?;
    if let Some((id, scheme)) = signer {
        // CertificateVerify covers every handshake message so far (RFC 5246 §7.4.8, RFC 6101 §5.6.8).
        let sig = hs.sign_certificate_verify(&id.key, scheme).ok_or(Error::Internal("signing CertificateVerify failed"))?;
        let mut body = Vec::new();
        encode_digitally_signed(scheme.id().filter(|_| hs.is_tls12()), &sig, &mut body);
        hs.send(rl, HandshakeType::CertificateVerify, &body)?;
        hs.client_identity = Some(id);
    }
    let (write, read) = hs.derive_states(Side::Client)?;
    rl.pending_read = Some(read);
    hs.send_ccs_and_finished(rl, Side::Client, write)
}
