//! Server handshake states for TLS 1.0 with RSA key exchange.

use super::{new_random, HandshakeData, Side};
use crate::cache::Key;
use crate::crypto::random;
use crate::crypto::rsa::PREMASTER_LEN;
use crate::engine::config::Config;
use crate::engine::error::Error;
use crate::msgs::enums::HandshakeType;
use crate::msgs::handshake::{encode_certificate_list, ext, read_rsa_client_key_exchange, ClientHello, Extension, ServerHello};
use crate::record::layer::RecordLayer;
use crate::suites::TLS_EMPTY_RENEGOTIATION_INFO_SCSV;

/// What the server waits for next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerState {
    ExpectClientHello,
    ExpectClientKeyExchange,
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
        (S::ExpectClientKeyExchange, T::ClientKeyExchange) => {
            hs.transcript.extend_from_slice(raw);
            client_key_exchange(hs, cfg, rl, body)?;
            Ok(S::ExpectCcs)
        }
        (S::ExpectFinished, T::Finished) => {
            hs.check_peer_finished(Side::Client, body, raw)?;
            if !hs.resumed {
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
    let identity = cfg.identity.as_ref().ok_or(Error::Internal("server credential without certificate"))?;
    // Highest enabled version not above the client's (RFC 2246 Appendix E.1); a renegotiation
    // keeps the version in use.
    let version = match (hs.previous_verify_data.is_some(), hs.version) {
        (true, Some(v)) if ch.version >= v => v,
        (true, _) => return Err(Error::ProtocolVersion),
        (false, _) => cfg.versions.iter().copied().filter(|v| *v <= ch.version).max().ok_or(Error::ProtocolVersion)?,
    };
    if !ch.compression_methods.contains(&0) {
        return Err(Error::IllegalParameter("client does not offer null compression"));
    }
    check_renegotiation_info(hs, &ch)?;
    if let Some(e) = ch.extension(ext::SERVER_NAME) {
        hs.server_name = Extension::parse_server_name(&e.body)?;
    }
    hs.client_version = ch.version;
    hs.client_random = ch.random;
    hs.server_random = new_random();
    hs.version = Some(version);
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

    if let Some(session) = resumable(hs, cfg, &ch, version) {
        hs.session_id = session.id.clone();
        hs.suite = crate::suites::by_id(session.suite_id);
        hs.master_secret = session.master_secret.clone();
        hs.peer_certs = session.peer_certs.clone();
        hs.resumed = true;
        send_server_hello(hs, rl, version, extensions)?;
        // Abbreviated handshake: our ChangeCipherSpec and Finished come first (RFC 2246 §7.3).
        let (write, read) = hs.derive_states(Side::Server)?;
        rl.pending_read = Some(read);
        hs.send_ccs_and_finished(rl, Side::Server, write)?;
        return Ok(ServerState::ExpectCcs);
    }

    // Server preference order, as Schannel does.
    let suite = cfg
        .suites
        .iter()
        .copied()
        .find(|s| s.min_version <= version && ch.cipher_suites.contains(&s.id))
        .ok_or(Error::HandshakeFailure("no cipher suite in common"))?;
    hs.suite = Some(suite);
    hs.session_id = random::array::<32>().to_vec();
    send_server_hello(hs, rl, version, extensions)?;
    let mut certs = Vec::new();
    encode_certificate_list(&identity.chain, &mut certs);
    hs.send(rl, HandshakeType::Certificate, &certs)?;
    hs.send(rl, HandshakeType::ServerHelloDone, &[])?;
    Ok(ServerState::ExpectClientKeyExchange)
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

/// A cached session the client asked for that this server may resume (never on a renegotiation).
fn resumable(
    hs: &HandshakeData,
    cfg: &Config,
    ch: &ClientHello,
    version: crate::msgs::enums::ProtocolVersion,
) -> Option<crate::cache::Session> {
    if hs.previous_verify_data.is_some() || ch.session_id.is_empty() {
        return None;
    }
    let s = cfg.cache.as_ref()?.get(&Key::Server { cred_id: cfg.cred_id, session_id: ch.session_id.clone() }, (cfg.clock)())?;
    let ok = s.version == version && ch.cipher_suites.contains(&s.suite_id) && cfg.suites.iter().any(|c| c.id == s.suite_id);
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

fn client_key_exchange(hs: &mut HandshakeData, cfg: &Config, rl: &mut RecordLayer, body: &[u8]) -> Result<(), Error> {
    let identity = cfg.identity.as_ref().ok_or(Error::Internal("server credential without key"))?;
    let encrypted = read_rsa_client_key_exchange(body)?;
    // The fallback is drawn before decryption so that success and failure cost the same
    // (RFC 5246 §7.4.7.1); a bad premaster then fails at Finished like any wrong key.
    let mut fallback = random::array::<PREMASTER_LEN>();
    fallback[..2].copy_from_slice(&hs.client_version.bytes());
    let premaster = identity.key.decrypt_premaster(encrypted, hs.client_version.bytes(), &fallback);
    crate::crypto::cipher::wipe(&mut fallback);
    hs.set_master_secret(&premaster[..]);
    let (_, read) = hs.derive_states(Side::Server)?;
    rl.pending_read = Some(read);
    Ok(())
}
