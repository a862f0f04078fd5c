//! Server handshake states for TLS 1.0-1.2 with RSA, ECDHE and DHE key exchange.

use zeroize::Zeroizing;

use super::client::DOWNGRADE_SENTINEL;
use super::key_exchange;
use super::{new_random, HandshakeData, Side};
use crate::cache::{Key, Session};
use crate::crypto::kx::NamedGroup;
use crate::crypto::random;
use crate::crypto::rsa::PREMASTER_LEN;
use crate::crypto::sign::{SignatureScheme, SigningKey};
use crate::engine::config::{Config, ServerIdentity};
use crate::engine::error::Error;
use crate::msgs::enums::{HandshakeType, ProtocolVersion};
use crate::msgs::handshake::{
    cert_type, encode_certificate_list, encode_new_session_ticket, ext, read_certificate_list, read_digitally_signed,
    read_rsa_client_key_exchange, CertificateRequest, ClientHello, Extension, ServerHello,
};
use crate::record::layer::RecordLayer;
use crate::suites::{CipherSuite, KeyExchange, TLS_EMPTY_RENEGOTIATION_INFO_SCSV, TLS_FALLBACK_SCSV};
use crate::x509;

/// What the server waits for next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerState {
    ExpectClientHello,
    /// We sent a CertificateRequest: the client's Certificate (maybe empty) comes first, or at
    /// SSL 3.0 a `no_certificate` warning alert ([`no_certificate_alert`]).
    ExpectClientCertificate,
    ExpectClientKeyExchange,
    /// The client sent a certificate: it proves the key after ClientKeyExchange.
    ExpectCertificateVerify,
    ExpectCcs,
    ExpectFinished,
    Established,
}

/// Handles one handshake message.
pub fn handle(
    state: ServerState,
    hs: &mut HandshakeData,
    cfg: &Config,
    rl: &mut RecordLayer,
    typ: HandshakeType,
    body: &[u8],
    raw: &[u8],
) -> Result<ServerState, Error> {
    use HandshakeType as T;
    use ServerState as S;
    match (state, typ) {
        (S::ExpectClientHello, T::ClientHello) => {
            hs.transcript.extend_from_slice(raw);
            client_hello(hs, cfg, rl, body)
        }
        (S::ExpectClientCertificate, T::Certificate) => {
            hs.transcript.extend_from_slice(raw);
            client_certificate(hs, cfg, body)?;
            Ok(S::ExpectClientKeyExchange)
        }
        (S::ExpectClientKeyExchange, T::ClientKeyExchange) => {
            hs.transcript.extend_from_slice(raw);
            client_key_exchange(hs, rl, body)?;
            Ok(if hs.peer_certs.is_empty() { S::ExpectCcs } else { S::ExpectCertificateVerify })
        }
        (S::ExpectCertificateVerify, T::CertificateVerify) => {
            certificate_verify(hs, body)?;
            hs.transcript.extend_from_slice(raw);
            Ok(S::ExpectCcs)
        }
        (S::ExpectFinished, T::Finished) => {
            hs.check_peer_finished(Side::Client, body, raw)?;
            if !hs.resumed {
                send_ticket(hs, cfg, rl, None)?;
                let (write, _) = hs.derive_states(Side::Server)?;
                hs.send_ccs_and_finished(rl, Side::Server, write)?;
                if let Some(cache) = &cfg.cache {
                    if let Some(s) = hs.to_session((cfg.clock)(), cfg.session_lifetime) {
                        cache.insert(Key::Server { cred_id: cfg.cred_id, session_id: s.id.clone() }, s);
                    }
                }
            }
            Ok(S::Established)
        }
        _ => Err(Error::UnexpectedMessage("handshake message out of order")),
    }
}

/// ChangeCipherSpec from the client.
pub fn handle_ccs(state: ServerState) -> Result<ServerState, Error> {
    match state {
        ServerState::ExpectCcs => Ok(ServerState::ExpectFinished),
        _ => Err(Error::UnexpectedMessage("ChangeCipherSpec out of order")),
    }
}

fn client_hello(hs: &mut HandshakeData, cfg: &Config, rl: &mut RecordLayer, body: &[u8]) -> Result<ServerState, Error> {
    let ch = ClientHello::read(body)?;
    if cfg.identities.is_empty() {
        return Err(Error::Internal("server credential without certificate"));
    }
    // Highest enabled version not above the client's (RFC 2246 Appendix E.1); a renegotiation
    // keeps the version in use.
    let version = match (hs.previous_verify_data.is_some(), hs.version) {
        (true, Some(v)) if ch.version >= v => v,
        (true, _) => return Err(Error::ProtocolVersion),
        (false, _) => cfg.versions.iter().copied().filter(|v| *v <= ch.version).max().ok_or(Error::ProtocolVersion)?,
    };
    // RFC 7507 §3: a fallback retry that offers less than we support means a downgrade.
    if ch.cipher_suites.contains(&TLS_FALLBACK_SCSV) && cfg.max_version().is_some_and(|max| ch.version < max) {
        return Err(Error::InappropriateFallback);
    }
    if !ch.compression_methods.contains(&0) {
        return Err(Error::IllegalParameter("client does not offer null compression"));
    }
    check_renegotiation_info(hs, &ch)?;
    read_client_extensions(hs, cfg, &ch)?;
    hs.client_version = ch.version;
    hs.client_random = ch.random;
    hs.server_random = new_random();
    if cfg.max_version().is_some_and(|max| max >= ProtocolVersion::TLS1_2) && version < ProtocolVersion::TLS1_2 {
        // RFC 8446 §4.1.3: tell a TLS 1.2 client that we could have done better.
        hs.server_random[24..].copy_from_slice(&DOWNGRADE_SENTINEL);
    }
    hs.version = Some(version);
    if version == ProtocolVersion::SSL3_0 {
        // Extensions defined for TLS only: SSL 3.0 keeps renegotiation_info and nothing else.
        hs.ems = false;
        hs.alpn = None;
    }
    rl.version = Some(version);
    let mut extensions = Vec::new();
    if hs.secure_renegotiation {
        // Empty on the initial handshake, both verify_data on a renegotiation (RFC 5746 §3.6/§3.7).
        let mut v = Vec::new();
        if let Some((c, s)) = &hs.previous_verify_data {
            v.extend_from_slice(c);
            v.extend_from_slice(s);
        }
        extensions.push(Extension::renegotiation_info(&v));
    }
    if hs.ems {
        extensions.push(Extension::empty(ext::EXTENDED_MASTER_SECRET));
    }
    if let Some(p) = &hs.alpn {
        extensions.push(Extension::alpn(core::slice::from_ref(p)));
    }
    // RFC 5077 §3.2: an empty session_ticket promises a NewSessionTicket. Renegotiations get
    // one too: GnuTLS expects it again once tickets were agreed on the connection.
    hs.ticket_agreed = cfg.tickets.is_some() && !hs.is_ssl3() && ch.extension(ext::SESSION_TICKET).is_some();

    let etm_asked = cfg.encrypt_then_mac && !hs.is_ssl3() && ch.extension(ext::ENCRYPT_THEN_MAC).is_some_and(|e| e.body.is_empty());
    if let Some(session) = resumable(hs, cfg, &ch, version) {
        hs.session_id = session.id.clone();
        hs.suite = crate::suites::by_id(session.suite_id);
        hs.settle_etm(etm_asked)?;
        if hs.etm {
            extensions.push(Extension::empty(ext::ENCRYPT_THEN_MAC));
        }
        // A resumption renews the ticket only in the second half of the session's life: the
        // client's ticket still works until then, and sealing one costs a little each time.
        let now = (cfg.clock)();
        hs.ticket_agreed &= now - session.created > session.lifetime / 2;
        if hs.ticket_agreed {
            extensions.push(Extension::empty(ext::SESSION_TICKET));
        }
        hs.master_secret = session.master_secret.clone();
        hs.peer_certs = session.peer_certs.clone();
        hs.resumed = true;
        send_server_hello(hs, rl, version, extensions)?;
        send_ticket(hs, cfg, rl, Some(&session))?;
        // Abbreviated handshake: our ChangeCipherSpec and Finished come first (RFC 2246 §7.3).
        let (write, read) = hs.derive_states(Side::Server)?;
        rl.pending_read = Some(read);
        hs.send_ccs_and_finished(rl, Side::Server, write)?;
        return Ok(ServerState::ExpectCcs);
    }

    let choice = choose(hs, cfg, &ch, version)?;
    if choice.suite.kx == KeyExchange::EcdheEcdsa || choice.group.is_some() {
        // RFC 8422 §5.2: answer the client's ec_point_formats with ours.
        if ch.extension(ext::EC_POINT_FORMATS).is_some() {
            extensions.push(Extension::ec_point_formats());
        }
    }
    hs.suite = Some(choice.suite);
    if hs.ticket_agreed {
        extensions.push(Extension::empty(ext::SESSION_TICKET));
    }
    hs.settle_etm(etm_asked)?;
    if hs.etm {
        extensions.push(Extension::empty(ext::ENCRYPT_THEN_MAC));
    }
    if hs.server_name.is_some() && choice.identity_matches_name {
        // RFC 6066 §3: an empty server_name in the ServerHello says we used the name.
        extensions.push(Extension::empty(ext::SERVER_NAME));
    }
    hs.suite = Some(choice.suite);
    hs.session_id = random::array::<32>().to_vec();
    send_server_hello(hs, rl, version, extensions)?;
    let mut certs = Vec::new();
    encode_certificate_list(&choice.identity.chain, &mut certs);
    hs.send(rl, HandshakeType::Certificate, &certs)?;
    if choice.suite.kx.is_ephemeral() {
        let scheme = choice.scheme.ok_or(Error::Internal("ephemeral suite without a signature scheme"))?;
        let ske = key_exchange::server_key_exchange(hs, choice.suite.kx, choice.group, &choice.identity.key, scheme)?;
        hs.send(rl, HandshakeType::ServerKeyExchange, &ske)?;
    } else if let Some(limit) = choice.suite.export.max_kx_bits() {
        // RSA export: a certificate key over the limit is replaced by the credential's
        // temporary key, sent signed in ServerKeyExchange (RFC 2246 §7.4.3).
        if let SigningKey::Rsa(cert_key) = &*choice.identity.key {
            if cert_key.bits() > limit {
                let temp = cfg.export_keys.get(limit).ok_or(Error::Internal("temporary RSA key generation failed"))?;
                let ske = key_exchange::server_rsa_export_key_exchange(hs, &temp, &choice.identity.key)?;
                hs.send(rl, HandshakeType::ServerKeyExchange, &ske)?;
                hs.temp_rsa = Some(temp);
            }
        }
    }
    hs.identity = Some(choice.identity.clone());
    // At SSL 3.0 too: the request has no signature algorithms before TLS 1.2 (RFC 6101 §5.6.4).
    if hs.request_client_cert || cfg.require_client_cert {
        let mut body = Vec::new();
        certificate_request(cfg).encode(hs.is_tls12(), &mut body);
        hs.send(rl, HandshakeType::CertificateRequest, &body)?;
        hs.send(rl, HandshakeType::ServerHelloDone, &[])?;
        return Ok(ServerState::ExpectClientCertificate);
    }
    hs.send(rl, HandshakeType::ServerHelloDone, &[])?;
    Ok(ServerState::ExpectClientKeyExchange)
}

/// Largest list of CA names we send; past it the list is left empty ("any CA"), which is
/// better than a partial list that would make clients withhold a good certificate.
const MAX_AUTHORITIES_LEN: usize = 60_000;

/// Our CertificateRequest: RSA and ECDSA keys, the schemes we verify, and the subjects of the
/// credential's trust anchors as acceptable CAs (what `SECPKG_ATTR_ISSUER_LIST_EX` shows).
fn certificate_request(cfg: &Config) -> CertificateRequest {
    let mut authorities: Vec<Vec<u8>> = cfg.trust.subjects_der().map(<[u8]>::to_vec).collect();
    if authorities.iter().map(|a| a.len() + 2).sum::<usize>() > MAX_AUTHORITIES_LEN {
        authorities.clear();
    }
    CertificateRequest {
        certificate_types: vec![cert_type::RSA_SIGN, cert_type::ECDSA_SIGN],
        signature_schemes: key_exchange::offered_scheme_ids(false),
        authorities,
    }
}

/// The client's chain: empty (allowed unless the credential requires one), or validated
/// against our trust anchors for client authentication.
fn client_certificate(hs: &mut HandshakeData, cfg: &Config, body: &[u8]) -> Result<(), Error> {
    let chain = read_certificate_list(body)?;
    if chain.is_empty() {
        return no_client_certificate(cfg);
    }
    let opts = x509::VerifyOptions { purpose: x509::Purpose::ClientAuth, ..cfg.verify.clone() };
    x509::verify_chain_with(&chain, &cfg.trust, (cfg.clock)(), &opts).map_err(Error::Certificate)?;
    x509::subject_public_key_info(&chain[0]).map_err(Error::Certificate)?;
    hs.peer_certs = chain;
    Ok(())
}

/// The client has no certificate (an empty Certificate, or SSL 3.0's `no_certificate`): the
/// handshake goes on anonymously unless the credential requires one.
fn no_client_certificate(cfg: &Config) -> Result<(), Error> {
    if cfg.require_client_cert {
        return Err(Error::HandshakeFailure("client sent no certificate"));
    }
    Ok(())
}

/// A `no_certificate` warning alert from the client (RFC 6101 §5.4.2, §5.6.6): SSL 3.0's way
/// of answering our CertificateRequest without a certificate, in place of the Certificate
/// message. Anywhere else the warning means nothing and the state is kept.
pub fn no_certificate_alert(state: ServerState, hs: &HandshakeData, cfg: &Config) -> Result<ServerState, Error> {
    if state != ServerState::ExpectClientCertificate || !hs.is_ssl3() {
        return Ok(state);
    }
    no_client_certificate(cfg)?;
    Ok(ServerState::ExpectClientKeyExchange)
}

/// CertificateVerify: the client's signature over the transcript so far (RFC 5246 §7.4.8,
/// RFC 6101 §5.6.8).
fn certificate_verify(hs: &mut HandshakeData, body: &[u8]) -> Result<(), Error> {
    let (id, sig) = read_digitally_signed(body, hs.is_tls12())?;
    let leaf = hs.peer_certs.first().ok_or(Error::Internal("no client certificate"))?;
    let spki = x509::subject_public_key_info(leaf).map_err(Error::Certificate)?;
    let key = x509::key_type(leaf).map_err(Error::Certificate)?;
    let scheme = match id {
        Some(id) => SignatureScheme::from_id(id)
            .filter(|s| key_exchange::OFFERED_SCHEMES.contains(s))
            .ok_or(Error::IllegalParameter("CertificateVerify with a scheme we did not offer"))?,
        None => SignatureScheme::legacy_for(key),
    };
    if !hs.verify_certificate_verify(scheme, &spki, sig) {
        return Err(Error::BadSignature);
    }
    Ok(())
}

/// The extensions a server acts on: server_name, supported_groups, signature_algorithms,
/// extended_master_secret and ALPN.
fn read_client_extensions(hs: &mut HandshakeData, cfg: &Config, ch: &ClientHello) -> Result<(), Error> {
    if let Some(e) = ch.extension(ext::SERVER_NAME) {
        hs.server_name = Extension::parse_server_name(&e.body)?;
    }
    if let Some(e) = ch.extension(ext::SUPPORTED_GROUPS) {
        hs.peer_groups = Extension::parse_u16_list(&e.body)?;
    }
    if let Some(e) = ch.extension(ext::EC_POINT_FORMATS) {
        if !Extension::parse_point_formats(&e.body)? {
            return Err(Error::IllegalParameter("client does not support uncompressed points"));
        }
    }
    if let Some(e) = ch.extension(ext::SIGNATURE_ALGORITHMS) {
        hs.peer_sig_schemes = Extension::parse_u16_list(&e.body)?;
    }
    hs.ems = cfg.extended_master_secret && ch.extension(ext::EXTENDED_MASTER_SECRET).is_some_and(|e| e.body.is_empty());
    if let (Some(e), false) = (ch.extension(ext::ALPN), hs.alpn_offer.is_empty()) {
        let offered = Extension::parse_alpn(&e.body)?;
        // Our preference order; nothing in common is fatal (RFC 7301 §3.2).
        let chosen = hs.alpn_offer.iter().find(|p| offered.contains(p)).ok_or(Error::NoApplicationProtocol)?;
        hs.alpn = Some(chosen.clone());
    }
    Ok(())
}

/// What the server settles on for a full handshake.
struct Choice<'a> {
    suite: &'static CipherSuite,
    identity: &'a ServerIdentity,
    identity_matches_name: bool,
    group: Option<NamedGroup>,
    scheme: Option<SignatureScheme>,
}

/// The first suite in our preference order that the client offers, that the version allows,
/// and that one of our identities can serve: RSA key exchange and *_RSA suites need an RSA
/// key, ECDHE_ECDSA an EC key, ECDHE a common group, TLS 1.2 a signature scheme the client
/// accepts. Identities whose certificate matches the client's server_name are preferred.
fn choose<'a>(hs: &HandshakeData, cfg: &'a Config, ch: &ClientHello, version: ProtocolVersion) -> Result<Choice<'a>, Error> {
    let named: Vec<&ServerIdentity> = match hs.server_name.as_deref() {
        Some(name) => cfg.identities.iter().filter(|i| i.chain.first().is_some_and(|c| x509::verify_host_name(c, name).is_ok())).collect(),
        None => Vec::new(),
    };
    let identity_matches_name = !named.is_empty();
    let candidates: Vec<&ServerIdentity> = if named.is_empty() { cfg.identities.iter().collect() } else { named };
    let group = key_exchange::choose_group(&hs.peer_groups);
    let tls12 = version >= ProtocolVersion::TLS1_2;
    for suite in cfg.suites.iter().copied().filter(|s| s.allows(version) && ch.cipher_suites.contains(&s.id)) {
        let group = match suite.kx {
            KeyExchange::EcdheRsa | KeyExchange::EcdheEcdsa => match group {
                Some(g) => Some(g),
                None => continue,
            },
            _ => None,
        };
        for identity in &candidates {
            if identity.key.key_type() != suite.kx.cert_key() {
                continue;
            }
            let scheme = if suite.kx.is_ephemeral() {
                match key_exchange::choose_scheme(&identity.key, tls12, &hs.peer_sig_schemes) {
                    Some(s) => Some(s),
                    None => continue,
                }
            } else {
                None
            };
            return Ok(Choice { suite, identity, identity_matches_name, group, scheme });
        }
    }
    if cfg.too_weak.iter().any(|s| s.allows(version) && ch.cipher_suites.contains(&s.id)) {
        return Err(Error::InsufficientSecurity);
    }
    Err(Error::HandshakeFailure("no cipher suite in common"))
}

/// RFC 5746: the SCSV or an empty extension on the initial handshake; on a renegotiation the
/// extension must carry the previous client verify_data and the SCSV must not appear.
fn check_renegotiation_info(hs: &mut HandshakeData, ch: &ClientHello) -> Result<(), Error> {
    let scsv = ch.cipher_suites.contains(&TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
    let info = match ch.extension(ext::RENEGOTIATION_INFO) {
        Some(e) => Some(Extension::parse_renegotiation_info(&e.body)?),
        None => None,
    };
    match &hs.previous_verify_data {
        None => {
            if info.is_some_and(|v| !v.is_empty()) {
                return Err(Error::HandshakeFailure("non-empty renegotiation_info on initial handshake"));
            }
            hs.secure_renegotiation = scsv || info.is_some();
        }
        Some((client_vd, _)) => {
            if hs.secure_renegotiation {
                // RFC 5746 §3.7: SCSV in a renegotiation, or a missing/wrong extension, is fatal.
                let ok = !scsv && info.is_some_and(|v| bool::from(subtle::ConstantTimeEq::ct_eq(v, client_vd.as_slice())));
                if !ok {
                    return Err(Error::HandshakeFailure("renegotiation_info does not match"));
                }
            } else if scsv || info.is_some() {
                return Err(Error::HandshakeFailure("renegotiation_info from a peer that did not offer it"));
            }
        }
    }
    Ok(())
}

/// Sends NewSessionTicket when tickets were agreed: the session of this handshake, or for a
/// resumption the resumed one (which keeps its original creation time, so renewing a ticket
/// never extends a session's life).
fn send_ticket(hs: &mut HandshakeData, cfg: &Config, rl: &mut RecordLayer, resumed: Option<&Session>) -> Result<(), Error> {
    let Some(keys) = cfg.tickets.as_ref().filter(|_| hs.ticket_agreed) else {
        return Ok(());
    };
    let now = (cfg.clock)();
    let session = match resumed {
        Some(s) => s.clone(),
        None => hs.to_session(now, cfg.session_lifetime).ok_or(Error::Internal("no session to ticket"))?,
    };
    let ticket = keys.seal(&session, now);
    let hint = (session.created + session.lifetime - now).clamp(0, i64::from(u32::MAX)) as u32;
    let mut body = Vec::new();
    encode_new_session_ticket(hint, &ticket, &mut body);
    hs.send(rl, HandshakeType::NewSessionTicket, &body)
}

/// A session the client asked to resume, by ticket (RFC 5077) or by session id, that this
/// server may resume (never on a renegotiation).
fn resumable(hs: &HandshakeData, cfg: &Config, ch: &ClientHello, version: ProtocolVersion) -> Option<Session> {
    if hs.previous_verify_data.is_some() || ch.session_id.is_empty() {
        return None;
    }
    let now = (cfg.clock)();
    let from_ticket = || {
        let ticket = ch.extension(ext::SESSION_TICKET).filter(|e| !e.body.is_empty())?;
        let s = cfg.tickets.as_ref()?.open(&ticket.body, now)?;
        // A ticket carries its own age: refuse it once the session's lifetime is over.
        // The shorter of the lifetime sealed in the ticket and the credential's current one.
        let lifetime = s.lifetime.min(cfg.session_lifetime);
        (s.created <= now && now - s.created < lifetime).then_some(Session { id: ch.session_id.clone(), lifetime, ..s })
    };
    let s =
        from_ticket().or_else(|| cfg.cache.as_ref()?.get(&Key::Server { cred_id: cfg.cred_id, session_id: ch.session_id.clone() }, now))?;
    // RFC 7627 §5.3: resume only when the client asks for the extension exactly as before.
    let ok = s.version == version
        && s.extended_master_secret == hs.ems
        && ch.cipher_suites.contains(&s.suite_id)
        && cfg.suites.iter().any(|c| c.id == s.suite_id);
    ok.then_some(s)
}

fn send_server_hello(
    hs: &mut HandshakeData,
    rl: &mut RecordLayer,
    version: crate::msgs::enums::ProtocolVersion,
    extensions: Vec<Extension>,
) -> Result<(), Error> {
    let sh = ServerHello {
        version,
        random: hs.server_random,
        session_id: hs.session_id.clone(),
        cipher_suite: hs.suite()?.id,
        compression_method: 0,
        extensions,
    };
    let mut body = Vec::new();
    sh.encode(&mut body);
    hs.send(rl, HandshakeType::ServerHello, &body)
}

fn client_key_exchange(hs: &mut HandshakeData, rl: &mut RecordLayer, body: &[u8]) -> Result<(), Error> {
    let premaster = if hs.suite()?.kx.is_ephemeral() {
        key_exchange::read_client_key_exchange(hs, body)?
    } else {
        let identity = hs.identity.as_ref().ok_or(Error::Internal("no server identity chosen"))?;
        let key = match (&hs.temp_rsa, &*identity.key) {
            (Some(temp), _) => &**temp,
            (None, SigningKey::Rsa(key)) => key,
            (None, _) => return Err(Error::Internal("RSA key exchange with a non-RSA key")),
        };
        // SSL 3.0 sends the encrypted premaster without TLS's length prefix (RFC 6101 §5.6.7.1).
        let encrypted = if hs.is_ssl3() { body } else { read_rsa_client_key_exchange(body)? };
        // The fallback is drawn before decryption so that success and failure cost the same
        // (RFC 5246 §7.4.7.1); a bad premaster then fails at Finished like any wrong key.
        let mut fallback = random::array::<PREMASTER_LEN>();
        fallback[..2].copy_from_slice(&hs.client_version.bytes());
        let premaster = key.decrypt_premaster(encrypted, hs.client_version.bytes(), &fallback);
        crate::crypto::cipher::wipe(&mut fallback);
        Zeroizing::new(premaster.to_vec())
    };
    hs.set_master_secret(&premaster[..])?;
    let (_, read) = hs.derive_states(Side::Server)?;
    rl.pending_read = Some(read);
    Ok(())
}
