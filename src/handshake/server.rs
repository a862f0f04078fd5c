//! Server handshake states for TLS 1.0 with RSA key exchange.

use super::{new_random, HandshakeData, Side};
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
            client_hello(hs, cfg, rl, body)?;
            Ok(S::ExpectClientKeyExchange)
        }
        (S::ExpectClientKeyExchange, T::ClientKeyExchange) => {
            hs.transcript.extend_from_slice(raw);
            client_key_exchange(hs, cfg, rl, body)?;
            Ok(S::ExpectCcs)
        }
        (S::ExpectFinished, T::Finished) => {
            hs.check_peer_finished(Side::Client, body, raw)?;
            let (write, _) = hs.derive_states(Side::Server)?;
            hs.send_ccs_and_finished(rl, Side::Server, write)?;
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

fn client_hello(hs: &mut HandshakeData, cfg: &Config, rl: &mut RecordLayer, body: &[u8]) -> Result<(), Error> {
    let ch = ClientHello::read(body)?;
    let identity = cfg.identity.as_ref().ok_or(Error::Internal("server credential without certificate"))?;
    // Highest enabled version not above the client's (RFC 2246 Appendix E.1).
    let version = cfg.versions.iter().copied().filter(|v| *v <= ch.version).max().ok_or(Error::ProtocolVersion)?;
    // Server preference order, as Schannel does.
    let suite = cfg
        .suites
        .iter()
        .copied()
        .find(|s| s.min_version <= version && ch.cipher_suites.contains(&s.id))
        .ok_or(Error::HandshakeFailure("no cipher suite in common"))?;
    if !ch.compression_methods.contains(&0) {
        return Err(Error::IllegalParameter("client does not offer null compression"));
    }
    let mut secure_reneg = ch.cipher_suites.contains(&TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
    if let Some(e) = ch.extension(ext::RENEGOTIATION_INFO) {
        if !Extension::parse_renegotiation_info(&e.body)?.is_empty() {
            return Err(Error::HandshakeFailure("non-empty renegotiation_info on initial handshake"));
        }
        secure_reneg = true;
    }
    if let Some(e) = ch.extension(ext::SERVER_NAME) {
        hs.server_name = Extension::parse_server_name(&e.body)?;
    }
    hs.client_version = ch.version;
    hs.client_random = ch.random;
    hs.server_random = new_random();
    hs.version = Some(version);
    rl.version = Some(version);
    hs.suite = Some(suite);
    hs.secure_renegotiation = secure_reneg;
    hs.session_id = random::array::<32>().to_vec();

    let mut extensions = Vec::new();
    if secure_reneg {
        extensions.push(Extension::renegotiation_info(&[]));
    }
    let sh = ServerHello {
        version,
        random: hs.server_random,
        session_id: hs.session_id.clone(),
        cipher_suite: suite.id,
        compression_method: 0,
        extensions,
    };
    let mut body = Vec::new();
    sh.encode(&mut body);
    hs.send(rl, HandshakeType::ServerHello, &body)?;
    let mut certs = Vec::new();
    encode_certificate_list(&identity.chain, &mut certs);
    hs.send(rl, HandshakeType::Certificate, &certs)?;
    hs.send(rl, HandshakeType::ServerHelloDone, &[])
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
