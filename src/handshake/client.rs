//! Client handshake states for TLS 1.0 with RSA key exchange. Each state accepts exactly the
//! message it names; anything else is `unexpected_message` (no reactive handling).

use super::{new_random, HandshakeData, Side};
use crate::crypto::random;
use crate::crypto::rsa::{public_encrypt_pkcs1, PREMASTER_LEN};
use crate::engine::config::Config;
use crate::engine::error::Error;
use crate::msgs::codec::{put_prefixed, Prefix};
use crate::msgs::enums::{HandshakeType, ProtocolVersion};
use crate::msgs::handshake::{ext, read_certificate_list, CertificateRequest, ClientHello, Extension, ServerHello};
use crate::record::layer::RecordLayer;
use crate::suites::{self, TLS_EMPTY_RENEGOTIATION_INFO_SCSV};
use crate::x509;
use zeroize::Zeroizing;

/// What the client waits for next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientState {
    ExpectServerHello,
    ExpectCertificate,
    /// ServerHelloDone, or a CertificateRequest before it.
    ExpectServerHelloDone { cert_requested: bool },
    ExpectCcs,
    ExpectFinished,
    Established,
}

/// Builds and queues the ClientHello.
pub fn start(hs: &mut HandshakeData, cfg: &Config, rl: &mut RecordLayer) -> Result<ClientState, Error> {
    let version = cfg.max_version().ok_or(Error::ProtocolVersion)?;
    if cfg.suites.is_empty() {
        return Err(Error::HandshakeFailure("no cipher suite enabled"));
    }
    hs.client_random = new_random();
    hs.client_version = version;
    let mut cipher_suites: Vec<u16> = cfg.suites.iter().map(|s| s.id).collect();
    // RFC 5746 §3.4: signal secure renegotiation support on the initial handshake.
    cipher_suites.push(TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
    let mut extensions = Vec::new();
    if let Some(name) = hs.server_name.as_deref().filter(|n| is_dns_name(n)) {
        // RFC 6066 §3: literal IP addresses are not sent as server names.
        extensions.push(Extension::server_name(name));
    }
    let hello = ClientHello {
        version,
        random: hs.client_random,
        session_id: Vec::new(),
        cipher_suites,
        compression_methods: vec![0],
        extensions,
    };
    let mut body = Vec::new();
    hello.encode(&mut body);
    hs.send(rl, HandshakeType::ClientHello, &body)?;
    Ok(ClientState::ExpectServerHello)
}

fn is_dns_name(n: &str) -> bool {
    !n.is_empty() && n.parse::<std::net::IpAddr>().is_err() && n.trim_matches(|c| c == '[' || c == ']').parse::<std::net::Ipv6Addr>().is_err()
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
            Ok(S::ExpectServerHelloDone { cert_requested: false })
        }
        (S::ExpectServerHelloDone { cert_requested: false }, T::CertificateRequest) => {
            hs.transcript.extend_from_slice(raw);
            CertificateRequest::read(body)?;
            Ok(S::ExpectServerHelloDone { cert_requested: true })
        }
        (S::ExpectServerHelloDone { cert_requested }, T::ServerHelloDone) => {
            if !body.is_empty() {
                return Err(Error::Decode(crate::msgs::codec::InvalidMessage::TrailingData));
            }
            hs.transcript.extend_from_slice(raw);
            send_client_flight(hs, rl, cert_requested)?;
            Ok(S::ExpectCcs)
        }
        (S::ExpectFinished, T::Finished) => {
            hs.check_peer_finished(Side::Server, body, raw)?;
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

fn server_hello(hs: &mut HandshakeData, cfg: &Config, rl: &mut RecordLayer, body: &[u8]) -> Result<ClientState, Error> {
    let sh = ServerHello::read(body)?;
    if !cfg.versions.contains(&sh.version) || sh.version > hs.client_version {
        return Err(Error::ProtocolVersion);
    }
    let suite = suites::by_id(sh.cipher_suite)
        .filter(|s| cfg.suites.iter().any(|c| c.id == s.id))
        .ok_or(Error::IllegalParameter("server chose a suite we did not offer"))?;
    if sh.compression_method != 0 {
        return Err(Error::IllegalParameter("server chose compression we did not offer"));
    }
    // We offered only server_name (and the SCSV); anything else unsolicited is illegal (RFC 5246 §7.4.1.4).
    for e in &sh.extensions {
        match e.typ {
            ext::RENEGOTIATION_INFO => {
                if !Extension::parse_renegotiation_info(&e.body)?.is_empty() {
                    return Err(Error::HandshakeFailure("non-empty renegotiation_info on initial handshake"));
                }
                hs.secure_renegotiation = true;
            }
            ext::SERVER_NAME if e.body.is_empty() => {}
            _ => return Err(Error::UnexpectedMessage("unsolicited extension in ServerHello")),
        }
    }
    hs.version = Some(sh.version);
    rl.version = Some(sh.version);
    hs.server_random = sh.random;
    hs.session_id = sh.session_id;
    hs.suite = Some(suite);
    Ok(ClientState::ExpectCertificate)
}

fn certificate(hs: &mut HandshakeData, cfg: &Config, body: &[u8]) -> Result<(), Error> {
    let chain = read_certificate_list(body)?;
    if chain.is_empty() {
        return Err(Error::Certificate(x509::CertError::Empty));
    }
    if cfg.verify_chain {
        x509::verify_chain(&chain, &cfg.trust, (cfg.clock)()).map_err(Error::Certificate)?;
        if cfg.verify_name {
            if let Some(name) = hs.server_name.as_deref().filter(|n| !n.is_empty()) {
                x509::verify_host_name(&chain[0], name).map_err(Error::Certificate)?;
            }
        }
    }
    // The key must be usable for RSA key exchange whether or not the chain was checked.
    x509::rsa_public_key_pkcs1(&chain[0]).map_err(Error::Certificate)?;
    hs.peer_certs = chain;
    Ok(())
}

fn send_client_flight(hs: &mut HandshakeData, rl: &mut RecordLayer, cert_requested: bool) -> Result<(), Error> {
    if cert_requested {
        // No client certificate configured yet: an empty list (RFC 2246 §7.4.6).
        hs.send(rl, HandshakeType::Certificate, &[0, 0, 0])?;
    }
    let mut premaster = Zeroizing::new([0u8; PREMASTER_LEN]);
    random::fill(&mut premaster[..]);
    premaster[..2].copy_from_slice(&hs.client_version.bytes());
    let leaf = hs.peer_certs.first().ok_or(Error::Internal("no server certificate"))?;
    let pubkey = x509::rsa_public_key_pkcs1(leaf).map_err(Error::Certificate)?;
    let encrypted = public_encrypt_pkcs1(&pubkey, &premaster[..])
        .ok_or(Error::Certificate(x509::CertError::UnsupportedKey))?;
    let mut body = Vec::new();
    put_prefixed(&mut body, Prefix::U16, |o| o.extend_from_slice(&encrypted));
    hs.send(rl, HandshakeType::ClientKeyExchange, &body)?;
    hs.set_master_secret(&premaster[..]);
    let (write, read) = hs.derive_states(Side::Client)?;
    rl.pending_read = Some(read);
    hs.send_ccs_and_finished(rl, Side::Client, write)
}

/// The version the client offers, for callers that want to show it.
pub fn offered_version(cfg: &Config) -> Option<ProtocolVersion> {
    cfg.max_version()
}
