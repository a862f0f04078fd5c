//! Fuzz target bodies for openschannel (issue 8). Each `pub fn <target>(data)` is one
//! cargo-fuzz target (fuzz_targets/<target>.rs is a one-line wrapper); examples/replay.rs runs
//! the same functions over the committed corpus without libFuzzer, and examples/gen_corpus.rs
//! writes the seed corpus from real handshakes.
//!
//! Input layouts (seed files follow them):
//! - tokens: `[u16 big-endian length][bytes]` repeated; a short last length takes what is left.
//! - record_open: `[suite][flags][tokens: each = record type byte + body]`; with flags bit 6,
//!   SSL 2.0 records: `[kind][flags][tokens: each = one whole record, header included]`.
//! - handshake_msgs: `[parser selector][body]`.
//! - server_engine / client_engine: tokens, each one read() from the peer.
//! - ssl2_engine: `[mode: bit 0 client, bit 1 SSL 3.0/TLS enabled beside SSL 2.0][tokens]`.
//! - x509: `[selector][body]` (chains: body is tokens, one DER certificate each).
//! - pkcs12: `[selector: bits 0-1 password, bit 2 PFXImportCertStore][PKCS#12 DER]`.
//! - sspi_accept: `[flags][output size selector][tokens]`.
//! - sspi_decrypt: `[connection selector][flags][edit count][edits: u16 position, u8 xor]*[tokens]`.
//!
//! Invariants checked beyond "no panic, no memory error": a sealed record opens to the same
//! plaintext; a parsed message re-encodes to a fixed point; no exported SSPI function returns
//! SEC_E_INTERNAL_ERROR (every panic inside the library becomes that status at the C boundary);
//! buffers the library returns lie inside the caller's memory.
#![allow(clippy::missing_safety_doc)]

use std::ffi::{c_void, CString};
use std::sync::{Arc, OnceLock};

use openschannel::cache::tickets::{TicketKeys, DEFAULT_ROTATION_SECS};
use openschannel::crypto::cipher::Direction;
use openschannel::crypto::kx::{DhKeyShare, DhParams, EcdhKeyShare, NamedGroup};
use openschannel::crypto::sign::SigningKey;
use openschannel::engine::config::{Config, ServerIdentity, IMPLEMENTED_VERSIONS};
use openschannel::engine::{Connection, Opened, Step};
use openschannel::handshake::key_exchange::{self, Ephemeral};
use openschannel::handshake::HandshakeData;
use openschannel::msgs::enums::ProtocolVersion;
use openschannel::msgs::handshake as hm;
use openschannel::record::protect::DirectionState;
use openschannel::ssl2;
use openschannel::sspi::ffi::certs::{
    CertCloseStore, CertFreeCertificateContext, OpenSchannelLoadCertificateFiles, OpenSchannelOpenCaFile,
};
use openschannel::sspi::ffi::consts::*;
use openschannel::sspi::ffi::exports::{
    AcceptSecurityContext, AcquireCredentialsHandleA, DeleteSecurityContext, InitializeSecurityContextA, OpenSchannelSetCipherSuites,
};
use openschannel::sspi::ffi::messages::{DecryptMessage, EncryptMessage};
use openschannel::sspi::ffi::packages::FreeContextBuffer;
use openschannel::sspi::ffi::types::*;
use openschannel::suites::{self, KeyExchange, Ssl2Kind, SSL2_KINDS, SUITES};
use openschannel::x509::{self, TrustStore};

/// tests/data of the repository.
pub fn data_dir() -> String {
    format!("{}/../tests/data", env!("CARGO_MANIFEST_DIR"))
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/{name}", data_dir())).unwrap_or_else(|e| panic!("tests/data/{name}: {e}"))
}

/// Fixed "now" for certificate checks, so a run reproduces: 2027-01-01, inside the validity of
/// tests/data (2026-11-23 to 2100); move it if that PKI is regenerated.
pub const NOW: i64 = 1_798_761_600;

fn fixed_clock() -> i64 {
    NOW
}

// ------------------------------------------------------------------------------------------
// Token framing
// ------------------------------------------------------------------------------------------

/// Splits `[u16 len][bytes]...`; a length running past the end takes the rest.
pub fn tokens(mut data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while data.len() >= 2 {
        let n = (usize::from(data[0]) << 8 | usize::from(data[1])).min(data.len() - 2);
        out.push(&data[2..2 + n]);
        data = &data[2 + n..];
    }
    out
}

/// The inverse of [`tokens`] (tokens longer than 65535 bytes are split).
pub fn encode_tokens<T: AsRef<[u8]>>(toks: &[T]) -> Vec<u8> {
    let mut out = Vec::new();
    for t in toks {
        for chunk in t.as_ref().chunks(0xffff).chain(t.as_ref().is_empty().then_some(&[][..])) {
            out.extend_from_slice(&(chunk.len() as u16).to_be_bytes());
            out.extend_from_slice(chunk);
        }
    }
    out
}

// ------------------------------------------------------------------------------------------
// record_open: the decrypt path of DirectionState with fixed keys, every suite
// ------------------------------------------------------------------------------------------

/// Versions a record target picks from (flags bits 0-1).
pub const RECORD_VERSIONS: [ProtocolVersion; 4] =
    [ProtocolVersion::TLS1_0, ProtocolVersion::TLS1_1, ProtocolVersion::TLS1_2, ProtocolVersion::SSL3_0];

/// record_open's flags bit: SSL 2.0 records (the first byte picks an SSL 2.0 kind).
pub const RECORD_SSL2: u8 = 0x40;
/// record_open's flags bit: round-trip mode.
pub const RECORD_ROUND_TRIP: u8 = 0x80;

/// The fixed-key state of `suite` for `dir` (explicit IVs from TLS 1.1 on, SSL 3.0's MAC).
pub fn fixed_state(suite: &suites::CipherSuite, version: ProtocolVersion, dir: Direction) -> DirectionState {
    let key = vec![0x11; suite.bulk.key_len()];
    let iv = vec![0x22; suite.bulk.iv_len()];
    let mac_key = vec![0x33; suite.mac_key_len()];
    let state = DirectionState::new(suite.bulk, suite.mac, dir, &key, &iv, &mac_key).with_explicit_iv(version > ProtocolVersion::TLS1_0);
    if version == ProtocolVersion::SSL3_0 {
        state.with_ssl3_mac(&mac_key)
    } else {
        state
    }
}

/// The suites SSL 3.0 allows, in table order (record_open's SSL 3.0 suite index).
pub fn ssl3_suites() -> &'static [&'static suites::CipherSuite] {
    static S: OnceLock<Vec<&'static suites::CipherSuite>> = OnceLock::new();
    S.get_or_init(|| SUITES.iter().filter(|s| s.allows(ProtocolVersion::SSL3_0)).collect())
}

/// The fixed-key SSL 2.0 record direction of `kind`.
pub fn fixed_ssl2_state(kind: &Ssl2Kind, encrypt: bool) -> ssl2::record::Direction {
    let mut d = ssl2::record::Direction::default();
    d.set_keys(kind, &vec![0x44; kind.key_len()], &vec![0x55; kind.bulk.iv_len()], encrypt);
    d
}

/// `[suite index][flags: bits 0-1 version, bit 6 SSL 2.0, bit 7 round-trip mode][tokens]`. Each
/// token is one record: type byte + body (as on the wire after the 5-byte header), or for SSL
/// 2.0 the whole record. Round-trip mode seals each token's bytes as plaintext with the
/// encrypting state and checks the opened plaintext.
pub fn record_open(data: &[u8]) {
    if data.len() < 2 {
        return;
    }
    if data[1] & RECORD_SSL2 != 0 {
        return ssl2_record_open(data);
    }
    let version = RECORD_VERSIONS[usize::from(data[1] & 3)];
    // SSL 3.0 picks among the suites it allows (its MAC is MD5 or SHA-1 only; the engine never
    // pairs it with another suite).
    let suite = if version == ProtocolVersion::SSL3_0 {
        let ssl3 = ssl3_suites();
        ssl3[usize::from(data[0]) % ssl3.len()]
    } else {
        &SUITES[usize::from(data[0]) % SUITES.len()]
    };
    let mut rx = fixed_state(suite, version, Direction::Decrypt);
    if data[1] & RECORD_ROUND_TRIP != 0 {
        let mut tx = fixed_state(suite, version, Direction::Encrypt);
        for tok in tokens(&data[2..]) {
            let plain = &tok[..tok.len().min(1 << 14)];
            let mut rec = Vec::new();
            tx.seal(23, version, plain, &mut rec).expect("sealing a fragment of at most 2^14 bytes");
            assert_eq!(rec.len(), tx.sealed_len(plain.len()), "sealed_len");
            let mut body = rec[5..].to_vec();
            let range = rx.open(23, version, &mut body).expect("a record we sealed opens");
            assert_eq!(&body[range], plain, "round trip");
        }
        return;
    }
    for tok in tokens(&data[2..]) {
        let Some((&typ, body)) = tok.split_first() else { continue };
        let mut body = body.to_vec();
        if let Ok(range) = rx.open(typ, version, &mut body) {
            assert!(range.end <= body.len() && range.len() <= 1 << 14);
        }
    }
}

/// record_open's SSL 2.0 half: each token is one record (header included), opened in place;
/// round-trip mode seals each token (at most [`ssl2::record::MAX_DATA`] bytes) and opens it.
fn ssl2_record_open(data: &[u8]) {
    let kind = &SSL2_KINDS[usize::from(data[0]) % SSL2_KINDS.len()];
    let mut rx = fixed_ssl2_state(kind, false);
    if data[1] & RECORD_ROUND_TRIP != 0 {
        let mut tx = fixed_ssl2_state(kind, true);
        for tok in tokens(&data[2..]) {
            let plain = &tok[..tok.len().min(ssl2::record::MAX_DATA)];
            if plain.is_empty() {
                continue; // SSL 2.0 has no empty records
            }
            let mut rec = Vec::new();
            tx.seal(plain, &mut rec);
            match rx.open(&mut rec).expect("a record we sealed opens") {
                ssl2::record::Opened::Record { data, total } => {
                    assert_eq!(total, rec.len(), "one whole record");
                    assert_eq!(&rec[data], plain, "round trip");
                }
                other => panic!("a whole sealed record reads as {other:?}"),
            }
        }
        return;
    }
    for tok in tokens(&data[2..]) {
        let mut rec = tok.to_vec();
        match rx.open(&mut rec) {
            Ok(ssl2::record::Opened::Record { data, total }) => {
                assert!(data.start <= data.end && data.end <= total && total <= rec.len());
            }
            Ok(ssl2::record::Opened::Incomplete { needed }) => assert!(needed > 0),
            Err(_) => {}
        }
    }
}

// ------------------------------------------------------------------------------------------
// handshake_msgs: each message parser
// ------------------------------------------------------------------------------------------

/// Parser selectors of [`handshake_msgs`] (the seed generator uses them).
pub mod sel {
    pub const CLIENT_HELLO: u8 = 0;
    pub const SERVER_HELLO: u8 = 1;
    pub const CERTIFICATE: u8 = 2;
    pub const CERTIFICATE_REQUEST: u8 = 3;
    pub const NEW_SESSION_TICKET: u8 = 4;
    pub const RSA_CLIENT_KEY_EXCHANGE: u8 = 5;
    pub const EXTENSIONS: u8 = 6;
    pub const PEEK_HEADER: u8 = 7;
    /// 8 + KeyExchange index (EcdheRsa, EcdheEcdsa, DheRsa) with a TLS 1.2 or 1.0 body flag.
    pub const SERVER_KEY_EXCHANGE: u8 = 8;
    /// 11 + group (X25519, P-256, P-384, ffdhe2048).
    pub const CLIENT_KEY_EXCHANGE: u8 = 11;
    /// DHE-DSS ServerKeyExchange (DSA certificate), with a TLS 1.2 or 1.0 body flag.
    pub const SERVER_KEY_EXCHANGE_DSS: u8 = 15;
    /// Export RSA ServerKeyExchange (temporary key), flags: bit 0 TLS 1.2 body, bit 1 1024-bit limit.
    pub const SERVER_KEY_EXCHANGE_RSA_EXPORT: u8 = 16;
    /// SSL 2.0 CLIENT-HELLO (also the SSL 2.0-compatible hello), from its message type on.
    pub const V2_CLIENT_HELLO: u8 = 17;
    /// SSL 2.0 record framing.
    pub const V2_FRAME: u8 = 18;
    pub const COUNT: u8 = 19;
}

struct Certs {
    rsa: Vec<u8>,
    ecdsa: Vec<u8>,
    dsa: Vec<u8>,
}

fn certs() -> &'static Certs {
    static C: OnceLock<Certs> = OnceLock::new();
    C.get_or_init(|| Certs {
        rsa: x509::pem::certs_from_pem_or_der(&read("server.pem")).unwrap().remove(0),
        ecdsa: x509::pem::certs_from_pem_or_der(&read("server-ecdsa.pem")).unwrap().remove(0),
        dsa: x509::pem::certs_from_pem_or_der(&read("server-dsa.pem")).unwrap().remove(0),
    })
}

/// Handshake state of a client that received `cert` at TLS 1.2 (`tls12`) or TLS 1.0.
fn client_state(tls12: bool, cert: &[u8]) -> HandshakeData {
    HandshakeData {
        version: Some(if tls12 { ProtocolVersion::TLS1_2 } else { ProtocolVersion::TLS1_0 }),
        peer_certs: vec![cert.to_vec()],
        ..HandshakeData::default()
    }
}

/// `[selector][body]`: runs one parser; a successful parse must re-encode to a fixed point.
pub fn handshake_msgs(data: &[u8]) {
    let Some((&s, body)) = data.split_first() else { return };
    match s % sel::COUNT {
        sel::CLIENT_HELLO => {
            if let Ok(ch) = hm::ClientHello::read(body) {
                let (mut a, mut b) = (Vec::new(), Vec::new());
                ch.encode(&mut a);
                hm::ClientHello::read(&a).expect("our encoding parses").encode(&mut b);
                assert_eq!(a, b, "ClientHello encode/read fixed point");
                for typ in [0u16, 10, 11, 13, 16, 23, 35, 0xff01] {
                    let _ = ch.extension(typ);
                }
            }
        }
        sel::SERVER_HELLO => {
            if let Ok(sh) = hm::ServerHello::read(body) {
                let (mut a, mut b) = (Vec::new(), Vec::new());
                sh.encode(&mut a);
                hm::ServerHello::read(&a).expect("our encoding parses").encode(&mut b);
                assert_eq!(a, b, "ServerHello encode/read fixed point");
            }
        }
        sel::CERTIFICATE => {
            if let Ok(list) = hm::read_certificate_list(body) {
                let mut a = Vec::new();
                hm::encode_certificate_list(&list, &mut a);
                assert_eq!(hm::read_certificate_list(&a).expect("our encoding parses"), list);
            }
        }
        sel::CERTIFICATE_REQUEST => {
            for tls12 in [false, true] {
                if let Ok(cr) = hm::CertificateRequest::read(body, tls12) {
                    let mut a = Vec::new();
                    cr.encode(tls12, &mut a);
                    assert_eq!(hm::CertificateRequest::read(&a, tls12).expect("our encoding parses"), cr);
                }
            }
        }
        sel::NEW_SESSION_TICKET => {
            let _ = hm::read_new_session_ticket(body);
        }
        sel::RSA_CLIENT_KEY_EXCHANGE => {
            let _ = hm::read_rsa_client_key_exchange(body);
        }
        sel::EXTENSIONS => {
            let _ = hm::Extension::parse_u16_list(body);
            let _ = hm::Extension::parse_alpn(body);
            let _ = hm::Extension::parse_point_formats(body);
            let _ = hm::Extension::parse_renegotiation_info(body);
            let _ = hm::Extension::parse_server_name(body);
        }
        sel::PEEK_HEADER => {
            if let Some((_, n)) = hm::peek_header(body) {
                assert!(n <= 0xff_ffff);
            }
        }
        8..=10 | sel::SERVER_KEY_EXCHANGE_DSS => {
            let Some((&flags, body)) = body.split_first() else { return };
            let (kx, cert) = match s % sel::COUNT {
                8 => (KeyExchange::EcdheRsa, &certs().rsa),
                9 => (KeyExchange::EcdheEcdsa, &certs().ecdsa),
                10 => (KeyExchange::DheRsa, &certs().rsa),
                _ => (KeyExchange::DheDss, &certs().dsa),
            };
            // Zero randoms: parsing and the group/curve checks; the signature never verifies.
            let _ = key_exchange::read_server_key_exchange(&mut client_state(flags & 1 != 0, cert), kx, body);
        }
        sel::SERVER_KEY_EXCHANGE_RSA_EXPORT => {
            let Some((&flags, body)) = body.split_first() else { return };
            // The randoms are zero here, so the signature never verifies: this reaches the
            // parsing and the size limits; client_engine's seeds carry real signatures.
            let limit = if flags & 2 != 0 { 1024 } else { 512 };
            let _ = key_exchange::read_rsa_export_key_exchange(&mut client_state(flags & 1 != 0, &certs().rsa), limit, body);
        }
        sel::V2_CLIENT_HELLO => {
            if let Ok(h) = ssl2::hello::V2ClientHello::read(body) {
                let (mut a, mut b) = (Vec::new(), Vec::new());
                h.encode(&mut a);
                ssl2::hello::V2ClientHello::read(&a).expect("our encoding parses").encode(&mut b);
                assert_eq!(a, b, "V2ClientHello encode/read fixed point");
                let _ = h.tls_suites();
                let mut tls = Vec::new();
                h.to_tls().encode(&mut tls);
            }
        }
        sel::V2_FRAME => match ssl2::hello::frame(body) {
            ssl2::hello::Frame::Complete { header, body: n, padding } => {
                assert!(header + n <= body.len() && (header == 3 || padding == 0));
            }
            ssl2::hello::Frame::Incomplete { needed } => assert!(needed > 0),
        },
        _ => {
            let mut hs = HandshakeData::default();
            let eph = match s % sel::COUNT - 11 {
                0 => EcdhKeyShare::generate(NamedGroup::X25519).map(Ephemeral::Ecdh),
                1 => EcdhKeyShare::generate(NamedGroup::Secp256r1).map(Ephemeral::Ecdh),
                2 => EcdhKeyShare::generate(NamedGroup::Secp384r1).map(Ephemeral::Ecdh),
                _ => DhKeyShare::generate(&DhParams::ffdhe2048(), 1024).map(Ephemeral::Dh),
            };
            hs.ephemeral = Some(eph.expect("key generation"));
            let _ = key_exchange::read_client_key_exchange(&mut hs, body);
        }
    }
}

// ------------------------------------------------------------------------------------------
// server_engine / client_engine: engine::Connection fed arbitrary tokens
// ------------------------------------------------------------------------------------------

/// Engine configurations: every suite and version we implement (SSL 3.0 to TLS 1.2), RSA,
/// ECDSA and DSA server identities, the test CAs, a fixed clock, no session cache (runs must not
/// depend on earlier inputs). SSL 2.0 is [`ssl2_configs`]'s.
pub fn engine_configs() -> &'static (Arc<Config>, Arc<Config>) {
    static C: OnceLock<(Arc<Config>, Arc<Config>)> = OnceLock::new();
    C.get_or_init(|| {
        // Fuzzing builds: the ticket keys (and anything else drawn here) are the same in every
        // process, so a recorded NewSessionTicket replays.
        reset_rng(CONFIG_RNG_SEED);
        let mut trust = TrustStore::empty();
        trust.add_pem_or_der(&read("ca.pem")).unwrap();
        trust.add_pem_or_der(&read("dsa-ca.pem")).unwrap();
        let trust = Arc::new(trust);
        let base = |c: &mut Config| {
            c.suites = SUITES.iter().collect();
            c.versions = IMPLEMENTED_VERSIONS.to_vec();
            c.clock = fixed_clock;
            c.cache = None;
        };
        let mut client = Config::new(trust.clone());
        base(&mut client);
        let mut server = Config::new(trust);
        base(&mut server);
        server.identities = ["server", "server-ecdsa", "server-dsa"]
            .iter()
            .map(|n| ServerIdentity {
                chain: x509::pem::certs_from_pem_or_der(&read(&format!("{n}.pem"))).unwrap(),
                key: Arc::new(SigningKey::from_pem_or_der(&read(&format!("{n}.key"))).unwrap()),
            })
            .collect();
        // Created at the fixed clock's "now", so it never rotates during a run (a rotation
        // draws a new key, which would make the first input differ from the others).
        server.tickets = Some(Arc::new(TicketKeys::new(NOW, DEFAULT_ROTATION_SECS)));
        (Arc::new(client), Arc::new(server))
    })
}

/// How far [`drive_engine`] got (the instrumented replay counts it).
#[derive(Debug, Default, Clone, Copy)]
pub struct Reached {
    /// The handshake completed (both Finished verified).
    pub established: bool,
    /// Application data records opened after it.
    pub data_records: usize,
    /// A renegotiation handshake completed.
    pub renegotiated: bool,
    /// The peer's close_notify was read.
    pub closed: bool,
}

/// Feeds each token as the next read from the socket: handshake first, then (established)
/// application records, renegotiation handshakes included. Output is taken and dropped; one
/// record is sealed at the end, in whatever state the input left (not after every record, so
/// that a recorded conversation replays: sealing draws random IVs the peer never saw).
fn drive_engine(mut conn: Connection, data: &[u8]) -> Reached {
    let mut reached = Reached::default();
    drive_tokens(&mut conn, data, &mut reached);
    let _ = conn.seal(b"echo");
    let _ = conn.info();
    let _ = conn.request_renegotiation();
    let _ = conn.take_output();
    reached
}

/// Records a handshake (or renegotiation) that has just completed.
fn note_progress(conn: &Connection, reached: &mut Reached, in_handshake: &mut bool) {
    let now = !conn.is_established() || conn.renegotiating();
    if !now && *in_handshake {
        reached.renegotiated |= reached.established;
        reached.established = true;
    }
    *in_handshake = now;
}

fn drive_tokens(conn: &mut Connection, data: &[u8], reached: &mut Reached) {
    let mut pending: Vec<u8> = Vec::new();
    let mut in_handshake = true;
    for tok in tokens(data) {
        pending.extend_from_slice(tok);
        for _ in 0..64 {
            note_progress(conn, reached, &mut in_handshake);
            if pending.is_empty() {
                break;
            }
            let handshaking = !conn.is_established() || conn.renegotiating();
            if handshaking {
                match conn.process_handshake(&pending) {
                    Ok(Step::Continue { consumed } | Step::Done { consumed } | Step::Declined { consumed }) => {
                        assert!(consumed <= pending.len());
                        let _ = conn.take_output();
                        if consumed == 0 {
                            break;
                        }
                        pending.drain(..consumed);
                    }
                    Ok(Step::Incomplete { needed }) => {
                        assert!(needed > 0);
                        break;
                    }
                    Ok(Step::NeedCredentials { consumed }) => {
                        // A client asked for a certificate it lacks: go on without one.
                        assert!(consumed <= pending.len());
                        pending.drain(..consumed);
                        if conn.continue_with_client_identity(None).is_err() {
                            return;
                        }
                        let _ = conn.take_output();
                    }
                    Err(_) => {
                        let _ = conn.take_output();
                        return;
                    }
                }
            } else {
                match conn.open(&mut pending) {
                    Ok(Opened::Data { plaintext, record_len }) => {
                        assert!(plaintext.end <= record_len && record_len <= pending.len());
                        pending.drain(..record_len);
                        reached.data_records += 1;
                    }
                    Ok(Opened::Closed { record_len }) => {
                        assert!(record_len <= pending.len());
                        reached.closed = true;
                        let _ = conn.close_notify();
                        return;
                    }
                    Ok(Opened::Renegotiate) => match conn.process_handshake(&pending) {
                        Ok(Step::Continue { consumed } | Step::Done { consumed } | Step::Declined { consumed }) if consumed > 0 => {
                            let _ = conn.take_output();
                            pending.drain(..consumed);
                        }
                        Ok(_) => break,
                        Err(_) => return,
                    },
                    Ok(Opened::Incomplete { .. }) => break,
                    Err(_) => return,
                }
                while conn.take_queued().is_some() {}
            }
        }
        note_progress(conn, reached, &mut in_handshake);
    }
}

/// A server fed the tokens (a client's flights).
pub fn server_engine(data: &[u8]) {
    server_engine_reached(data);
}

/// [`server_engine`], reporting how far the input got.
pub fn server_engine_reached(data: &[u8]) -> Reached {
    let cfg = engine_configs().1.clone();
    reset_rng(ENGINE_RNG_SEED);
    drive_engine(Connection::new_server(cfg), data)
}

/// A client (target "localhost") whose ClientHello went out, fed the tokens (a server's flights).
pub fn client_engine(data: &[u8]) {
    client_engine_reached(data);
}

/// [`client_engine`], reporting how far the input got.
pub fn client_engine_reached(data: &[u8]) -> Reached {
    let cfg = engine_configs().0.clone();
    reset_rng(ENGINE_RNG_SEED);
    let mut c = Connection::new_client(cfg, Some("localhost".into()));
    if c.start().is_err() {
        return Reached::default();
    }
    let _ = c.take_output();
    drive_engine(c, data)
}

/// ssl2_engine's configurations, [`engine_configs`] with SSL 2.0 and all its kinds enabled:
/// server SSL 2.0 only, server with SSL 3.0-TLS 1.2 beside it (the rollback check), client SSL
/// 2.0 only, client with the later versions (an SSL 2.0-compatible hello).
pub fn ssl2_configs() -> &'static [Arc<Config>; 4] {
    static C: OnceLock<[Arc<Config>; 4]> = OnceLock::new();
    C.get_or_init(|| {
        let (client, server) = engine_configs();
        let with_ssl2 = |base: &Arc<Config>, higher: bool| {
            let mut c = Config::clone(base);
            c.ssl2 = true;
            c.ssl2_kinds = SSL2_KINDS.iter().collect();
            if !higher {
                c.versions.clear();
            }
            Arc::new(c)
        };
        [with_ssl2(server, false), with_ssl2(server, true), with_ssl2(client, false), with_ssl2(client, true)]
    })
}

/// ssl2_engine's mode byte: bit 0 client (else server), bit 1 later versions enabled too.
pub const SSL2_MODE_CLIENT: u8 = 1;
pub const SSL2_MODE_HIGHER: u8 = 2;

/// `[mode][tokens]`: an SSL 2.0-enabled server or client (see [`ssl2_configs`]) fed the tokens.
pub fn ssl2_engine(data: &[u8]) {
    ssl2_engine_reached(data);
}

/// [`ssl2_engine`], reporting how far the input got.
pub fn ssl2_engine_reached(data: &[u8]) -> Reached {
    let Some((&mode, rest)) = data.split_first() else { return Reached::default() };
    let higher = usize::from(mode & SSL2_MODE_HIGHER != 0);
    // The configurations first: building them (once per process) draws from the stream.
    let configs = ssl2_configs();
    reset_rng(ENGINE_RNG_SEED);
    if mode & SSL2_MODE_CLIENT == 0 {
        return drive_engine(Connection::new_server(configs[higher].clone()), rest);
    }
    let mut c = Connection::new_client(configs[2 + higher].clone(), Some("localhost".into()));
    if c.start().is_err() {
        return Reached::default();
    }
    let _ = c.take_output();
    drive_engine(c, rest)
}

// ------------------------------------------------------------------------------------------
// Deterministic randomness (fuzzing builds)
// ------------------------------------------------------------------------------------------

/// The stream the engine targets restart at for every input (`crypto::random`, fuzzing builds).
pub const ENGINE_RNG_SEED: u64 = 0x0e5c_4a22_e1f0_0001;
/// The stream the engine configurations (ticket keys) are built with.
pub const CONFIG_RNG_SEED: u64 = 0x0e5c_4a22_e1f0_0002;

/// Restarts this thread's random stream at `seed` (fuzzing builds; nothing otherwise).
pub fn reset_rng(seed: u64) {
    #[cfg(fuzzing)]
    openschannel::crypto::random::fuzzing::reset(seed);
    #[cfg(not(fuzzing))]
    let _ = seed;
}

/// One end's random stream, for recording a conversation in one thread: [`Stream::run`] makes
/// it this thread's stream for the call, so each end draws exactly what it would draw alone
/// (as the engine targets replay it). Without `--cfg fuzzing` it only runs the call.
#[derive(Clone)]
pub struct Stream {
    #[cfg(fuzzing)]
    state: openschannel::crypto::random::fuzzing::State,
}

impl Stream {
    pub fn new(seed: u64) -> Self {
        #[cfg(not(fuzzing))]
        let _ = seed;
        Stream {
            #[cfg(fuzzing)]
            state: openschannel::crypto::random::fuzzing::State::new(seed),
        }
    }

    pub fn run<R>(&mut self, f: impl FnOnce() -> R) -> R {
        #[cfg(fuzzing)]
        openschannel::crypto::random::fuzzing::restore(self.state.clone());
        let r = f();
        #[cfg(fuzzing)]
        {
            self.state = openschannel::crypto::random::fuzzing::save();
        }
        r
    }
}

// ------------------------------------------------------------------------------------------
// x509: PEM, certificates, chains, CRLs, keys
// ------------------------------------------------------------------------------------------

fn test_trust() -> &'static TrustStore {
    static T: OnceLock<TrustStore> = OnceLock::new();
    T.get_or_init(|| {
        let mut t = TrustStore::empty();
        t.add_pem_or_der(&read("ca.pem")).unwrap();
        t
    })
}

/// Selectors of [`x509`].
pub mod xsel {
    pub const PEM: u8 = 0;
    pub const CHAIN: u8 = 1;
    pub const TRUST: u8 = 2;
    pub const CRL: u8 = 3;
    pub const KEY: u8 = 4;
    pub const CERT_FIELDS: u8 = 5;
    pub const CHAIN_OWN_ANCHOR: u8 = 6;
    pub const COUNT: u8 = 7;
}

/// `[selector][body]`.
pub fn x509(data: &[u8]) {
    let Some((&s, body)) = data.split_first() else { return };
    match s % xsel::COUNT {
        xsel::PEM => {
            let _ = x509::pem::looks_like_pem(body);
            let _ = x509::pem::pem_blocks(body);
            let _ = x509::pem::certs_from_pem_or_der(body);
        }
        xsel::CHAIN => {
            let chain: Vec<Vec<u8>> = tokens(body).into_iter().map(<[u8]>::to_vec).collect();
            let _ = x509::verify::verify_chain(&chain, test_trust(), NOW);
        }
        xsel::TRUST => {
            let mut t = TrustStore::empty();
            let _ = t.add_pem_or_der(body);
            for der in t.anchors_der().map(<[u8]>::to_vec).collect::<Vec<_>>() {
                assert!(t.contains_der(&der));
            }
        }
        xsel::CRL => {
            if let Ok(crl) = x509::crl::Crl::from_der(body) {
                let _ = (crl.issuer_der(), crl.this_update(), crl.next_update(), crl.revoked_count(), crl.is_fresh(NOW));
            }
        }
        xsel::KEY => {
            let _ = SigningKey::from_pem_or_der(body);
            let _ = x509::pem::rsa_private_key_pkcs1_der(body);
        }
        xsel::CERT_FIELDS => {
            let _ = x509::verify::subject_public_key_info(body);
            let _ = x509::verify::rsa_public_key_pkcs1(body);
            let _ = x509::verify::rsa_modulus_bits(body);
        }
        _ => {
            let toks = tokens(body);
            let Some((anchor, chain)) = toks.split_first() else { return };
            let mut t = TrustStore::empty();
            if t.add_der(anchor).is_ok() {
                let chain: Vec<Vec<u8>> = chain.iter().map(|c| c.to_vec()).collect();
                let _ = x509::verify::verify_chain(&chain, &t, NOW);
            }
        }
    }
}

// ------------------------------------------------------------------------------------------
// pkcs12: crypto::pkcs12 and the exported PFXImportCertStore / PFXIsPFXBlob
// ------------------------------------------------------------------------------------------

/// Passwords [`pkcs12`] picks from (selector bits 0-1); None is a NULL password.
pub const PKCS12_PASSWORDS: [Option<&str>; 4] = [Some("test"), None, Some(""), Some("wrong")];

/// `[selector][PKCS#12 DER]`: bits 0-1 the password ([`PKCS12_PASSWORDS`]); bit 2 clear:
/// `pkcs12::parse`, whose certificates must be DER the library parses back and whose key must
/// produce a SubjectPublicKeyInfo; bit 2 set: the exported `PFXImportCertStore` (UTF-16
/// password) with every certificate of the store enumerated and read, then `CertCloseStore`.
/// `looks_like_pfx` and `PFXIsPFXBlob` must agree, and a blob that is not PFX-shaped never opens.
pub fn pkcs12(data: &[u8]) {
    use openschannel::crypto::pkcs12 as p12;
    use openschannel::sspi::ffi::capi::pfx::{PFXImportCertStore, PFXIsPFXBlob};
    use openschannel::sspi::ffi::capi::store::CertEnumCertificatesInStore;
    use openschannel::sspi::ffi::capi::types::CRYPT_DATA_BLOB;
    let Some((&s, body)) = data.split_first() else { return };
    let password = PKCS12_PASSWORDS[usize::from(s & 3)];
    let shaped = p12::looks_like_pfx(body);
    let mut copy = body.to_vec();
    let blob = CRYPT_DATA_BLOB { cbData: copy.len() as DWORD, pbData: copy.as_mut_ptr() };
    // SAFETY: `blob` describes `copy`, alive for the call.
    let is_pfx = unsafe { PFXIsPFXBlob(&blob) };
    assert_eq!(is_pfx != 0, shaped, "PFXIsPFXBlob and looks_like_pfx disagree");
    if s & 4 == 0 {
        let Ok(c) = p12::parse(body, password) else { return };
        assert!(shaped, "a blob that is not PFX-shaped opened");
        for der in &c.certs {
            // aws-lc re-encoded every certificate; it is one DER certificate.
            assert_eq!(x509::pem::certs_from_pem_or_der(der).map(|v| v.len()).ok(), Some(1), "certificate from PKCS#12 does not parse");
        }
        if let Some(key) = &c.key {
            assert!(key.public_key_spki().is_some(), "key from PKCS#12 has no public key");
        }
        return;
    }
    let wide: Option<Vec<u16>> = password.map(|p| p.encode_utf16().chain([0]).collect());
    let pw = wide.as_ref().map_or(std::ptr::null(), |w| w.as_ptr());
    // SAFETY: `blob` describes `copy`; `pw` is NULL or NUL-terminated UTF-16, alive for the call.
    let store = unsafe { PFXImportCertStore(&blob, pw, 0) };
    if store.is_null() {
        return;
    }
    assert!(shaped, "a blob that is not PFX-shaped opened");
    // SAFETY: a store we own; each context returned is valid until the next enumeration call,
    // which releases it; the store is closed once.
    unsafe {
        let mut ctx: PCCERT_CONTEXT = std::ptr::null();
        for _ in 0..1000 {
            ctx = CertEnumCertificatesInStore(store, ctx);
            if ctx.is_null() {
                break;
            }
            let c = &*ctx;
            std::hint::black_box(std::slice::from_raw_parts(c.pbCertEncoded, c.cbCertEncoded as usize));
        }
        if !ctx.is_null() {
            CertFreeCertificateContext(ctx);
        }
        assert_ne!(CertCloseStore(store, 0), 0, "CertCloseStore");
    }
}

// ------------------------------------------------------------------------------------------
// The C entry points
// ------------------------------------------------------------------------------------------

/// A status no input may produce: every panic inside an export turns into it (libfuzzer-sys's
/// panic hook already aborts on the panic itself, caught or not), and so does an internal error.
fn check_status(st: SECURITY_STATUS, what: &str) {
    assert_ne!(st, SEC_E_INTERNAL_ERROR, "{what} returned SEC_E_INTERNAL_ERROR (a panic inside the library, or a bug)");
}

const ISC_REQ: ULONG = ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | ISC_REQ_CONFIDENTIALITY | ISC_REQ_STREAM;
const ASC_REQ: ULONG = ASC_REQ_SEQUENCE_DETECT | ASC_REQ_REPLAY_DETECT | ASC_REQ_CONFIDENTIALITY | ASC_REQ_STREAM;

const NULL_HANDLE: SecHandle = SecHandle { dwLower: 0, dwUpper: 0 };

#[derive(Clone, Copy)]
struct Cred(CredHandle);
// SAFETY: a credential handle is two integers; the library locks what they name.
unsafe impl Send for Cred {}
unsafe impl Sync for Cred {}

fn cstr(s: &str) -> CString {
    CString::new(s).unwrap()
}

/// Acquires a credential through the C API; `suite` 0 keeps the defaults.
fn acquire(server: bool, protocols: DWORD, suite: u16) -> CredHandle {
    let dir = data_dir();
    let mut sc: SCHANNEL_CRED = unsafe { std::mem::zeroed() };
    sc.dwVersion = SCHANNEL_CRED_VERSION;
    sc.grbitEnabledProtocols = protocols;
    let mut cert: PCCERT_CONTEXT = std::ptr::null();
    let mut store: HCERTSTORE = std::ptr::null_mut();
    // SAFETY: NUL-terminated paths; results are checked and released below.
    unsafe {
        if server {
            cert = OpenSchannelLoadCertificateFiles(
                cstr(&format!("{dir}/server.pem")).as_ptr(),
                cstr(&format!("{dir}/server.key")).as_ptr(),
                std::ptr::null(),
            );
            assert!(!cert.is_null());
            sc.cCreds = 1;
            sc.paCred = &mut cert;
        } else {
            store = OpenSchannelOpenCaFile(cstr(&format!("{dir}/ca.pem")).as_ptr());
            assert!(!store.is_null());
            sc.hRootStore = store;
            // Session reuse stays on: sspi_decrypt's pairs resume after their first full
            // handshake (50 times faster under ASan). Only the first run of a kind differs.
        }
    }
    let mut h = NULL_HANDLE;
    let package = cstr("Microsoft Unified Security Protocol Provider");
    // SAFETY: valid SCHANNEL_CRED and output handle.
    let st = unsafe {
        AcquireCredentialsHandleA(
            std::ptr::null_mut(),
            package.as_ptr() as *mut _,
            if server { SECPKG_CRED_INBOUND } else { SECPKG_CRED_OUTBOUND },
            std::ptr::null_mut(),
            &mut sc as *mut SCHANNEL_CRED as *mut c_void,
            None,
            std::ptr::null_mut(),
            &mut h,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(st, SEC_E_OK, "AcquireCredentialsHandleA");
    // SAFETY: our own objects, released once (the credential keeps its own references).
    unsafe {
        if !cert.is_null() {
            CertFreeCertificateContext(cert);
        }
        if !store.is_null() {
            CertCloseStore(store, 0);
        }
        if suite != 0 {
            assert_eq!(OpenSchannelSetCipherSuites(&mut h, &suite, 1), SEC_E_OK);
        }
    }
    h
}

/// Connection kinds of the SSPI targets: (name, protocols client/server, suite).
/// SSL 2.0 keeps the default kinds (suite 0): RC4-128-MD5 is the first.
pub const SSPI_CONNECTIONS: [(&str, DWORD, DWORD, u16); 6] = [
    ("TLS1.0 AES128-CBC-SHA", SP_PROT_TLS1_0_CLIENT, SP_PROT_TLS1_0_SERVER, 0x002f),
    ("TLS1.2 ECDHE-RSA-AES128-GCM", SP_PROT_TLS1_2_CLIENT, SP_PROT_TLS1_2_SERVER, 0xc02f),
    ("TLS1.2 ECDHE-RSA-CHACHA20", SP_PROT_TLS1_2_CLIENT, SP_PROT_TLS1_2_SERVER, 0xcca8),
    ("TLS1.2 AES256-CBC-SHA256", SP_PROT_TLS1_2_CLIENT, SP_PROT_TLS1_2_SERVER, 0x003d),
    ("SSL3 AES128-CBC-SHA", SP_PROT_SSL3_CLIENT, SP_PROT_SSL3_SERVER, 0x002f),
    ("SSL2 RC4-128-MD5", SP_PROT_SSL2_CLIENT, SP_PROT_SSL2_SERVER, 0),
];

fn sspi_creds(i: usize) -> (CredHandle, CredHandle) {
    static C: OnceLock<Vec<(Cred, Cred)>> = OnceLock::new();
    let v = C.get_or_init(|| {
        SSPI_CONNECTIONS.iter().map(|&(_, cp, sp, suite)| (Cred(acquire(false, cp, suite)), Cred(acquire(true, sp, suite)))).collect()
    });
    (v[i].0 .0, v[i].1 .0)
}

/// One ISC (client) or ASC (server) call with `[TOKEN in, EMPTY]` (or a NULL input on the
/// client's first call), an allocated output token. Returns (status, output, extra bytes).
unsafe fn hs_call(
    cred: &mut CredHandle,
    ctx: &mut Option<CtxtHandle>,
    server: bool,
    input: Option<&[u8]>,
) -> (SECURITY_STATUS, Vec<u8>, usize) {
    let mut inbuf = input.map(|i| i.to_vec()).unwrap_or_default();
    let mut ib = [
        SecBuffer { cbBuffer: inbuf.len() as ULONG, BufferType: SECBUFFER_TOKEN, pvBuffer: inbuf.as_mut_ptr() as *mut c_void },
        SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: std::ptr::null_mut() },
    ];
    let mut id = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 2, pBuffers: ib.as_mut_ptr() };
    let mut ob = [SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_TOKEN, pvBuffer: std::ptr::null_mut() }];
    let mut od = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 1, pBuffers: ob.as_mut_ptr() };
    let mut attr = 0;
    let mut new = NULL_HANDLE;
    let cur = ctx.as_mut().map_or(std::ptr::null_mut(), |h| h as *mut _);
    let pin = if input.is_some() { &mut id as *mut _ } else { std::ptr::null_mut() };
    let st = if server {
        AcceptSecurityContext(cred, cur, pin, ASC_REQ | ASC_REQ_ALLOCATE_MEMORY, 0, &mut new, &mut od, &mut attr, std::ptr::null_mut())
    } else {
        let target = cstr("localhost");
        InitializeSecurityContextA(
            cred,
            cur,
            target.as_ptr() as *mut _,
            ISC_REQ | ISC_REQ_ALLOCATE_MEMORY,
            0,
            0,
            pin,
            0,
            &mut new,
            &mut od,
            &mut attr,
            std::ptr::null_mut(),
        )
    };
    check_status(st, if server { "AcceptSecurityContext" } else { "InitializeSecurityContextA" });
    if ctx.is_none() && new != NULL_HANDLE {
        *ctx = Some(new);
    }
    let out = if ob[0].pvBuffer.is_null() {
        Vec::new()
    } else {
        let v = std::slice::from_raw_parts(ob[0].pvBuffer as *const u8, ob[0].cbBuffer as usize).to_vec();
        assert_eq!(FreeContextBuffer(ob[0].pvBuffer), SEC_E_OK);
        v
    };
    let extra = if ib[1].BufferType == SECBUFFER_EXTRA { ib[1].cbBuffer as usize } else { 0 };
    (st, out, extra)
}

/// An established client/server pair of connection kind `i` (full handshake).
pub struct Pair {
    pub client: CtxtHandle,
    pub server: CtxtHandle,
}

impl Pair {
    pub fn connect(i: usize) -> Pair {
        let (mut cc, mut sc) = sspi_creds(i);
        let (mut c, mut s) = (None, None);
        // SAFETY: handles and buffers owned here.
        unsafe {
            let (st, mut to_server, _) = hs_call(&mut cc, &mut c, false, None);
            assert_eq!(st, SEC_I_CONTINUE_NEEDED);
            let (mut cdone, mut sdone) = (false, false);
            for _ in 0..6 {
                if !sdone && !to_server.is_empty() {
                    let (st, out, _) = hs_call(&mut sc, &mut s, true, Some(&to_server));
                    assert!(st == SEC_I_CONTINUE_NEEDED || st == SEC_E_OK, "server handshake: {st:#x}");
                    sdone = st == SEC_E_OK;
                    to_server.clear();
                    if !cdone {
                        let (st, out2, _) = hs_call(&mut cc, &mut c, false, Some(&out));
                        assert!(st == SEC_I_CONTINUE_NEEDED || st == SEC_E_OK, "client handshake: {st:#x}");
                        cdone = st == SEC_E_OK;
                        to_server = out2;
                    }
                }
            }
            assert!(cdone && sdone, "handshake of connection kind {i}");
        }
        Pair { client: c.unwrap(), server: s.unwrap() }
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        // SAFETY: live handles, deleted once.
        unsafe {
            assert_eq!(DeleteSecurityContext(&mut self.client), SEC_E_OK);
            assert_eq!(DeleteSecurityContext(&mut self.server), SEC_E_OK);
        }
    }
}

/// EncryptMessage of `plain` on `ctx` ([HEADER, DATA, TRAILER, EMPTY] over one buffer).
pub fn encrypt(ctx: &mut CtxtHandle, plain: &[u8]) -> Vec<u8> {
    const HDR: usize = 5 + 16;
    const TRL: usize = 64 + 256;
    let mut buf = vec![0u8; HDR + plain.len() + TRL];
    buf[HDR..HDR + plain.len()].copy_from_slice(plain);
    let base = buf.as_mut_ptr();
    // SAFETY: the buffers lie inside `buf`; header/trailer room is generous for every suite
    // (the library writes the sizes back).
    unsafe {
        let mut b = [
            SecBuffer { cbBuffer: HDR as ULONG, BufferType: SECBUFFER_STREAM_HEADER, pvBuffer: base as *mut c_void },
            SecBuffer { cbBuffer: plain.len() as ULONG, BufferType: SECBUFFER_DATA, pvBuffer: base.add(HDR) as *mut c_void },
            SecBuffer {
                cbBuffer: TRL as ULONG,
                BufferType: SECBUFFER_STREAM_TRAILER,
                pvBuffer: base.add(HDR + plain.len()) as *mut c_void,
            },
            SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: std::ptr::null_mut() },
        ];
        let mut d = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 4, pBuffers: b.as_mut_ptr() };
        let st = EncryptMessage(ctx, 0, &mut d, 0);
        check_status(st, "EncryptMessage");
        if st != SEC_E_OK {
            return Vec::new();
        }
        // Header, data and trailer may not be contiguous: gather them.
        let mut wire = Vec::new();
        for x in &b[..3] {
            if x.cbBuffer > 0 {
                wire.extend_from_slice(std::slice::from_raw_parts(x.pvBuffer as *const u8, x.cbBuffer as usize));
            }
        }
        wire
    }
}

/// Buffer types the decrypt target puts in its descriptors besides DATA.
const DECRYPT_TYPES: [ULONG; 8] = [
    SECBUFFER_EMPTY,
    SECBUFFER_EMPTY,
    SECBUFFER_TOKEN,
    SECBUFFER_STREAM_HEADER,
    SECBUFFER_STREAM_TRAILER,
    SECBUFFER_EXTRA,
    SECBUFFER_MISSING,
    SECBUFFER_DATA | SECBUFFER_READONLY,
];

/// `[connection][flags][edit count][edits][tokens]`. An established pair of kind `connection`;
/// the tokens are plaintexts the client (flags bit 0: the server) encrypts, then the edits
/// (position u16, xor u8) corrupt the wire, which the peer decrypts with a descriptor shaped
/// by flags bits 1-6 (buffer count, extra buffer types), following EXTRA like a caller's loop.
/// flags bit 7: the tokens are the raw wire instead (no encryption).
pub fn sspi_decrypt(data: &[u8]) {
    if data.len() < 3 {
        return;
    }
    let (conn, flags, nedits) = (usize::from(data[0]) % SSPI_CONNECTIONS.len(), data[1], usize::from(data[2] % 16));
    let rest = &data[3..];
    let (edits, rest) = rest.split_at((nedits * 3).min(rest.len()));
    let pair = Pair::connect(conn);
    let (tx, rx) = if flags & 1 == 0 { (pair.client, pair.server) } else { (pair.server, pair.client) };
    let (mut tx, mut rx) = (tx, rx);
    let mut wire = Vec::new();
    for tok in tokens(rest) {
        if flags & 0x80 != 0 {
            wire.extend_from_slice(tok);
        } else {
            wire.extend(encrypt(&mut tx, &tok[..tok.len().min(16384)]));
        }
    }
    for e in edits.chunks_exact(3) {
        if !wire.is_empty() {
            let at = (usize::from(e[0]) << 8 | usize::from(e[1])) % wire.len();
            wire[at] ^= e[2];
        }
    }
    let nbufs = 1 + usize::from(flags >> 1 & 3); // 1..4 buffers
    let types = [DECRYPT_TYPES[usize::from(flags >> 3 & 7)], SECBUFFER_EMPTY, SECBUFFER_EMPTY];
    let mut arena = wire.clone();
    let (lo, hi) = (arena.as_ptr() as usize, arena.as_ptr() as usize + arena.len());
    let mut at = 0usize;
    for _ in 0..64 {
        let left = arena.len() - at;
        // SAFETY: every buffer is inside `arena` or NULL with size 0.
        unsafe {
            let mut b = [
                SecBuffer { cbBuffer: left as ULONG, BufferType: SECBUFFER_DATA, pvBuffer: arena.as_mut_ptr().add(at) as *mut c_void },
                SecBuffer { cbBuffer: 0, BufferType: types[0], pvBuffer: std::ptr::null_mut() },
                SecBuffer { cbBuffer: 0, BufferType: types[1], pvBuffer: std::ptr::null_mut() },
                SecBuffer { cbBuffer: 0, BufferType: types[2], pvBuffer: std::ptr::null_mut() },
            ];
            let mut d = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: nbufs as ULONG, pBuffers: b.as_mut_ptr() };
            let st = DecryptMessage(&mut rx, &mut d, 0, std::ptr::null_mut());
            check_status(st, "DecryptMessage");
            let mut next = None;
            for x in &b[..nbufs] {
                // MISSING carries a count, not memory (SEC_E_INCOMPLETE_MESSAGE).
                if x.cbBuffer == 0 || x.pvBuffer.is_null() || x.BufferType & !SECBUFFER_ATTRMASK == SECBUFFER_MISSING {
                    continue;
                }
                let (p, n) = (x.pvBuffer as usize, x.cbBuffer as usize);
                // Read every returned byte (ASan/valgrind check the memory is valid).
                let s = std::slice::from_raw_parts(p as *const u8, n);
                std::hint::black_box(s.iter().fold(0u8, |a, &c| a ^ c));
                if x.BufferType & !SECBUFFER_ATTRMASK == SECBUFFER_EXTRA {
                    assert!(p >= lo && p + n <= hi, "EXTRA outside the caller's buffer");
                    next = Some(p - lo);
                }
                if matches!(x.BufferType & !SECBUFFER_ATTRMASK, SECBUFFER_STREAM_HEADER | SECBUFFER_STREAM_TRAILER) {
                    assert!(p >= lo && p + n <= hi, "header/trailer outside the caller's buffer");
                }
            }
            match (st, next) {
                (SEC_E_OK, Some(n)) if n > at => at = n,
                _ => break,
            }
        }
    }
    drop(pair);
}

/// Input descriptor shapes of [`sspi_accept`]: buffer types after the TOKEN.
const ACCEPT_SHAPES: [&[ULONG]; 6] = [
    &[SECBUFFER_EMPTY],
    &[],
    &[SECBUFFER_EMPTY, SECBUFFER_APPLICATION_PROTOCOLS],
    &[SECBUFFER_APPLICATION_PROTOCOLS, SECBUFFER_EMPTY],
    &[SECBUFFER_EXTRA, SECBUFFER_MISSING, SECBUFFER_EMPTY],
    &[SECBUFFER_ALERT, SECBUFFER_EMPTY],
];

/// Output token sizes for caller-allocated buffers.
const OUT_SIZES: [usize; 5] = [16384, 0, 7, 300, 2000];

/// `[flags][sizes][tokens]`: successive AcceptSecurityContext calls (flags bit 7: a client's
/// InitializeSecurityContextA, whose first call has no input) on tokens from the peer, with the
/// input descriptor shape of flags bits 0-2 (an APPLICATION_PROTOCOLS buffer takes the first
/// token's bytes), allocated (flags bit 3) or caller output buffers of OUT_SIZES[sizes],
/// unconsumed bytes kept like a caller's loop (EXTRA, INCOMPLETE_MESSAGE). Connection kind:
/// flags bits 4-6, modulo the number of [`SSPI_CONNECTIONS`]. The context is deleted at the end, whatever state it is in.
pub fn sspi_accept(data: &[u8]) {
    if data.len() < 2 {
        return;
    }
    let (flags, sizes) = (data[0], data[1]);
    let client = flags & 0x80 != 0;
    let allocate = flags & 8 != 0;
    let shape = ACCEPT_SHAPES[usize::from(flags & 7) % ACCEPT_SHAPES.len()];
    let (mut cc, mut sc) = sspi_creds(usize::from(flags >> 4 & 7) % SSPI_CONNECTIONS.len());
    let mut toks = tokens(&data[2..]).into_iter();
    let alpn: Vec<u8> =
        if shape.contains(&SECBUFFER_APPLICATION_PROTOCOLS) { toks.next().unwrap_or_default().to_vec() } else { Vec::new() };
    let mut ctx: Option<CtxtHandle> = None;
    let mut pending: Vec<u8> = Vec::new();
    let mut first = true;
    let mut calls = 0;
    loop {
        if !(client && first) {
            match toks.next() {
                Some(t) => pending.extend_from_slice(t),
                None => break,
            }
        }
        calls += 1;
        if calls > 40 {
            break;
        }
        let mut inbuf = pending.clone();
        let mut alpn_buf = alpn.clone();
        let mut ib: Vec<SecBuffer> =
            vec![SecBuffer { cbBuffer: inbuf.len() as ULONG, BufferType: SECBUFFER_TOKEN, pvBuffer: inbuf.as_mut_ptr() as *mut c_void }];
        for &t in shape {
            let (p, n) =
                if t == SECBUFFER_APPLICATION_PROTOCOLS { (alpn_buf.as_mut_ptr(), alpn_buf.len()) } else { (std::ptr::null_mut(), 0) };
            ib.push(SecBuffer { cbBuffer: n as ULONG, BufferType: t, pvBuffer: p as *mut c_void });
        }
        let mut id = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: ib.len() as ULONG, pBuffers: ib.as_mut_ptr() };
        let cap = OUT_SIZES[usize::from(sizes) % OUT_SIZES.len()];
        let mut outmem = vec![0xEEu8; cap];
        let mut ob = [SecBuffer {
            cbBuffer: if allocate { 0 } else { cap as ULONG },
            BufferType: SECBUFFER_TOKEN,
            pvBuffer: if allocate || cap == 0 { std::ptr::null_mut() } else { outmem.as_mut_ptr() as *mut c_void },
        }];
        let mut od = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 1, pBuffers: ob.as_mut_ptr() };
        let alloc = if allocate { ASC_REQ_ALLOCATE_MEMORY } else { 0 }; // ISC_REQ_ALLOCATE_MEMORY has the same value
        let req = alloc | if client { ISC_REQ } else { ASC_REQ };
        let mut attr = 0;
        let mut new = NULL_HANDLE;
        let cur = ctx.as_mut().map_or(std::ptr::null_mut(), |h| h as *mut _);
        // SAFETY: every buffer is owned here and sized as described.
        let st = unsafe {
            if client {
                let target = cstr("localhost");
                let pin = if first { std::ptr::null_mut() } else { &mut id as *mut _ };
                InitializeSecurityContextA(
                    &mut cc,
                    cur,
                    target.as_ptr() as *mut _,
                    req,
                    0,
                    0,
                    pin,
                    0,
                    &mut new,
                    &mut od,
                    &mut attr,
                    std::ptr::null_mut(),
                )
            } else {
                AcceptSecurityContext(&mut sc, cur, &mut id, req, 0, &mut new, &mut od, &mut attr, std::ptr::null_mut())
            }
        };
        check_status(st, if client { "InitializeSecurityContextA" } else { "AcceptSecurityContext" });
        first = false;
        if ctx.is_none() && new != NULL_HANDLE {
            ctx = Some(new);
        }
        if allocate && !ob[0].pvBuffer.is_null() {
            // SAFETY: provider memory of cbBuffer bytes, freed once.
            unsafe {
                std::hint::black_box(std::slice::from_raw_parts(ob[0].pvBuffer as *const u8, ob[0].cbBuffer as usize));
                assert_eq!(FreeContextBuffer(ob[0].pvBuffer), SEC_E_OK);
            }
        } else if !allocate {
            assert!(ob[0].cbBuffer as usize <= cap, "output token larger than the caller's buffer");
        }
        // Unconsumed input: EXTRA (the tail), or everything on INCOMPLETE_MESSAGE.
        let extra = ib.iter().find(|b| b.BufferType == SECBUFFER_EXTRA && b.cbBuffer > 0).map(|b| b.cbBuffer as usize);
        match st {
            SEC_E_INCOMPLETE_MESSAGE => {}
            SEC_I_CONTINUE_NEEDED | SEC_E_OK | SEC_I_RENEGOTIATE => match extra {
                Some(n) if n <= pending.len() => {
                    pending.drain(..pending.len() - n);
                }
                Some(_) => panic!("EXTRA longer than the input"),
                None => pending.clear(),
            },
            _ => break,
        }
    }
    if let Some(mut h) = ctx {
        // SAFETY: a live context handle, deleted once.
        unsafe { assert_eq!(DeleteSecurityContext(&mut h), SEC_E_OK) };
    }
}
