//! Writes the seed corpus fuzz/corpus/<target>/ from real handshakes of our own client and
//! server (SSL 2.0 with every kind, SSL 2.0-compatible hellos, SSL 3.0, TLS 1.0, 1.1 and 1.2;
//! RSA, export RSA, ECDHE-RSA, ECDHE-ECDSA, DHE-RSA and DHE-DSS key exchange; CBC, RC2, RC4,
//! DES, 3DES, GCM and ChaCha20-Poly1305), renegotiations, application data and close_notify,
//! plus the test PKI. Built with `--cfg fuzzing`, whose random stream is deterministic
//! (src/crypto/random.rs): each end of a conversation draws from its own stream, started as
//! the engine targets start theirs, so the engine seeds replay as complete handshakes and a
//! re-run writes the same bytes.
//!
//!   cd fuzz && RUSTFLAGS='--cfg fuzzing' cargo run --release --example gen_corpus
use std::path::{Path, PathBuf};
use std::sync::Arc;

use openschannel::crypto::cipher::Direction;
use openschannel::engine::config::Config;
use openschannel::engine::{Connection, Opened, Step};
use openschannel::msgs::enums::ProtocolVersion;
use openschannel::msgs::handshake::ClientHello;
use openschannel::suites::{self, KeyExchange, SUITES};
use openschannel_fuzz::*;

fn out_dir(target: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join(target);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(target: &str, name: &str, bytes: &[u8]) {
    std::fs::write(out_dir(target).join(name), bytes).unwrap();
}

/// Feeds `bytes` to `conn`'s handshake the way the engine targets do; returns false on error.
fn feed(conn: &mut Connection, mut bytes: &[u8]) -> bool {
    while !bytes.is_empty() {
        match conn.process_handshake(bytes) {
            Ok(Step::Continue { consumed } | Step::Done { consumed } | Step::Declined { consumed }) if consumed > 0 => {
                bytes = &bytes[consumed..]
            }
            Ok(_) => return true,
            Err(e) => {
                eprintln!("handshake error: {e:?}");
                return false;
            }
        }
    }
    true
}

/// One recorded conversation: the client's and the server's reads, in order.
#[derive(Default)]
struct Transcript {
    client_flights: Vec<Vec<u8>>,
    server_flights: Vec<Vec<u8>>,
}

/// The two ends, each with its own random stream (fuzzing builds): every call an end makes
/// runs with its stream, so the end that a target replays draws exactly what it draws there.
/// What the targets never do themselves (sealing application data) runs with `scratch`.
struct Ends {
    client: Connection,
    server: Connection,
    client_rng: Stream,
    server_rng: Stream,
    scratch: Stream,
}

impl Ends {
    fn client<R>(&mut self, f: impl FnOnce(&mut Connection) -> R) -> R {
        let c = &mut self.client;
        self.client_rng.run(|| f(c))
    }
    fn server<R>(&mut self, f: impl FnOnce(&mut Connection) -> R) -> R {
        let s = &mut self.server;
        self.server_rng.run(|| f(s))
    }
}

/// Runs a handshake until both ends are established; records every flight.
fn handshake(e: &mut Ends, t: &mut Transcript, first: Vec<u8>) -> bool {
    let mut to_server = first;
    for _ in 0..8 {
        if !to_server.is_empty() {
            t.client_flights.push(to_server.clone());
            if !e.server(|s| feed(s, &to_server)) {
                return false;
            }
        }
        let to_client = e.server(|s| s.take_output());
        if !to_client.is_empty() {
            t.server_flights.push(to_client.clone());
            if !e.client(|c| feed(c, &to_client)) {
                return false;
            }
        }
        to_server = e.client(|c| c.take_output());
        let done = |c: &Connection| c.is_established() && !c.renegotiating();
        if done(&e.client) && done(&e.server) && to_server.is_empty() {
            return true;
        }
    }
    false
}

/// Opens every record of `wire` on `conn` (checks the data path of the recording works).
fn open_all(conn: &mut Connection, wire: &[u8]) {
    let mut buf = wire.to_vec();
    while !buf.is_empty() {
        match conn.open(&mut buf) {
            Ok(Opened::Data { record_len, .. } | Opened::Closed { record_len }) => {
                buf.drain(..record_len);
            }
            other => panic!("recorded data does not open: {:?}", other.map(|_| ())),
        }
    }
}

/// Which engine target a conversation is recorded for: that end runs the target's own
/// configuration (every suite and version), the other end is restricted to `suite`/`version`
/// so that it is what gets negotiated, and a renegotiation starts from the other end (the
/// targets never start one).
#[derive(Clone, Copy, PartialEq)]
enum For {
    Server,
    Client,
}

fn conversation(suite: &'static suites::CipherSuite, version: ProtocolVersion, renegotiate: bool, target: For) -> Option<Transcript> {
    let (cc, sc) = engine_configs();
    let restrict = |cfg: &Arc<Config>| {
        let mut c: Config = Config::clone(cfg);
        c.suites = vec![suite];
        c.versions = vec![version];
        Arc::new(c)
    };
    match target {
        For::Server => conversation_between(restrict(cc), sc.clone(), renegotiate, target),
        For::Client => conversation_between(cc.clone(), restrict(sc), renegotiate, target),
    }
}

/// An SSL 2.0 conversation for ssl2_engine in `mode` (its first byte): the target's end runs
/// [`ssl2_configs`]; the other end speaks SSL 2.0 with `kind` only, or, with `tls` (the
/// SSL 2.0-compatible hello cases), SSL 2.0 and TLS 1.0, and AES128-SHA.
fn ssl2_conversation(kind: &'static suites::Ssl2Kind, mode: u8, tls: bool) -> Option<Transcript> {
    let (cc, sc) = engine_configs();
    let other = |base: &Arc<Config>| {
        let mut c: Config = Config::clone(base);
        c.ssl2 = true;
        c.ssl2_kinds = vec![kind];
        c.suites = vec![suites::by_id(0x002f).unwrap()];
        c.versions = if tls { vec![ProtocolVersion::TLS1_0] } else { Vec::new() };
        Arc::new(c)
    };
    let higher = usize::from(mode & SSL2_MODE_HIGHER != 0);
    if mode & SSL2_MODE_CLIENT == 0 {
        conversation_between(other(cc), ssl2_configs()[higher].clone(), false, For::Server)
    } else {
        conversation_between(ssl2_configs()[2 + higher].clone(), other(sc), false, For::Client)
    }
}

fn conversation_between(ccfg: Arc<Config>, scfg: Arc<Config>, renegotiate: bool, target: For) -> Option<Transcript> {
    let mut e = Ends {
        client: Connection::new_client(ccfg, Some("localhost".into())),
        server: Connection::new_server(scfg),
        client_rng: Stream::new(ENGINE_RNG_SEED),
        server_rng: Stream::new(ENGINE_RNG_SEED),
        scratch: Stream::new(1),
    };
    let mut t = Transcript::default();
    e.client(|c| c.start()).ok()?;
    let first = e.client(|c| c.take_output());
    if !handshake(&mut e, &mut t, first) {
        return None;
    }
    // Application data both ways (the receiving end opens it as its target does).
    for client_sends in [true, false] {
        let Ends { client, server, scratch, .. } = &mut e;
        let from = if client_sends { client } else { server };
        let wire = scratch.run(|| -> Option<Vec<u8>> {
            let mut wire = from.seal(b"GET / HTTP/1.0\r\n\r\n").ok()?;
            wire.extend(from.seal(&[0x5a; 3000]).ok()?);
            Some(wire)
        })?;
        if client_sends {
            e.server(|s| open_all(s, &wire));
            t.client_flights.push(wire);
        } else {
            e.client(|c| open_all(c, &wire));
            t.server_flights.push(wire);
        }
    }
    if renegotiate {
        let hello = match target {
            For::Server => {
                e.client(|c| c.request_renegotiation()).ok()?;
                e.client(|c| c.take_output())
            }
            For::Client => {
                // The server's HelloRequest; the client answers it in its data path.
                e.server(|s| s.request_renegotiation()).ok()?;
                let request = e.server(|s| s.take_output());
                let mut probe = request.clone();
                assert!(matches!(e.client(|c| c.open(&mut probe)), Ok(Opened::Renegotiate)));
                t.server_flights.push(request.clone());
                if !e.client(|c| feed(c, &request)) {
                    return None;
                }
                e.client(|c| c.take_output())
            }
        };
        // The server meets the ClientHello in its data path first.
        let mut probe = hello.clone();
        assert!(matches!(e.server(|s| s.open(&mut probe)), Ok(Opened::Renegotiate)));
        if !handshake(&mut e, &mut t, hello) {
            return None;
        }
    }
    t.client_flights.push(e.client(|c| c.close_notify()));
    t.server_flights.push(e.server(|s| s.close_notify()));
    Some(t)
}

/// Handshake messages `[type][u24 len][body]` of the plaintext handshake records in `flight`.
fn plaintext_messages(flight: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut payload = Vec::new();
    let mut at = 0;
    while at + 5 <= flight.len() {
        let len = usize::from(flight[at + 3]) << 8 | usize::from(flight[at + 4]);
        if flight[at] == 20 {
            break; // ChangeCipherSpec: what follows is encrypted
        }
        if flight[at] == 22 {
            payload.extend_from_slice(&flight[at + 5..at + 5 + len]);
        }
        at += 5 + len;
    }
    let mut out = Vec::new();
    let mut p = &payload[..];
    while p.len() >= 4 {
        let n = usize::from(p[1]) << 16 | usize::from(p[2]) << 8 | usize::from(p[3]);
        if p.len() < 4 + n {
            break;
        }
        out.push((p[0], p[4..4 + n].to_vec()));
        p = &p[4 + n..];
    }
    out
}

fn main() {
    assert!(
        openschannel::crypto::random::DETERMINISTIC,
        "build with RUSTFLAGS='--cfg fuzzing' so the engine seeds replay (see fuzz/README.md)"
    );
    let versions = [(ProtocolVersion::TLS1_0, "tls10"), (ProtocolVersion::TLS1_1, "tls11"), (ProtocolVersion::TLS1_2, "tls12")];
    let mut n = 0;
    let mut seen_msgs = std::collections::HashSet::new();
    for suite in SUITES {
        for &(version, vname) in &versions {
            if version < suite.min_version {
                continue;
            }
            // Keep the corpus small: every suite once at its best version, plus TLS 1.0 for the
            // suites that allow it, and renegotiation on two of them.
            let best = if suite.min_version == ProtocolVersion::TLS1_2 { ProtocolVersion::TLS1_2 } else { ProtocolVersion::TLS1_0 };
            if version != best && suite.id != 0x002f {
                continue;
            }
            let reneg = matches!(suite.id, 0x002f | 0xc02f) && version != ProtocolVersion::TLS1_1;
            let (Some(t), Some(tc)) = (conversation(suite, version, reneg, For::Server), conversation(suite, version, reneg, For::Client))
            else {
                eprintln!("skipped {} {vname}: no handshake", suite.name);
                continue;
            };
            let name = format!("{vname}-{}{}", suite.name, if reneg { "-reneg" } else { "" });
            write("server_engine", &name, &encode_tokens(&t.client_flights));
            write("client_engine", &name, &encode_tokens(&tc.server_flights));
            // SSPI: the same flights through AcceptSecurityContext (allocated and caller
            // buffers) and, flags bit 7, the server's through InitializeSecurityContextA.
            let hs_client: Vec<&Vec<u8>> = t.client_flights.iter().take(3).collect();
            let hs_server: Vec<&Vec<u8>> = tc.server_flights.iter().take(2).collect();
            write("sspi_accept", &format!("{name}-alloc"), &[&[0x08u8, 0][..], &encode_tokens(&hs_client)].concat());
            write("sspi_accept", &format!("{name}-caller"), &[&[0x00u8, 0][..], &encode_tokens(&hs_client)].concat());
            write("sspi_accept", &format!("{name}-client"), &[&[0x88u8, 0][..], &encode_tokens(&hs_server)].concat());
            // Every distinct plaintext handshake message, for its parser.
            for (from_client, flights) in [(true, &t.client_flights), (false, &t.server_flights)] {
                for flight in flights.iter().take(2) {
                    for (typ, body) in plaintext_messages(flight) {
                        let selector = match typ {
                            1 => sel::CLIENT_HELLO,
                            2 => sel::SERVER_HELLO,
                            11 => sel::CERTIFICATE,
                            13 => sel::CERTIFICATE_REQUEST,
                            4 => sel::NEW_SESSION_TICKET,
                            12 => match suite.kx {
                                KeyExchange::EcdheRsa => sel::SERVER_KEY_EXCHANGE,
                                KeyExchange::EcdheEcdsa => sel::SERVER_KEY_EXCHANGE + 1,
                                KeyExchange::DheRsa => sel::SERVER_KEY_EXCHANGE + 2,
                                KeyExchange::DheDss => sel::SERVER_KEY_EXCHANGE_DSS,
                                KeyExchange::Rsa => sel::SERVER_KEY_EXCHANGE_RSA_EXPORT,
                            },
                            16 if suite.kx == KeyExchange::Rsa => sel::RSA_CLIENT_KEY_EXCHANGE,
                            16 if matches!(suite.kx, KeyExchange::DheRsa | KeyExchange::DheDss) => sel::CLIENT_KEY_EXCHANGE + 3,
                            16 => sel::CLIENT_KEY_EXCHANGE + 1,
                            _ => continue,
                        };
                        let mut seed = vec![selector];
                        if typ == 12 {
                            let export1024 = suite.export.max_kx_bits() == Some(1024);
                            seed.push(u8::from(version == ProtocolVersion::TLS1_2) | u8::from(export1024) << 1);
                        }
                        seed.extend_from_slice(&body);
                        if seen_msgs.insert((selector, from_client, vname, suite.kx as u8)) {
                            write("handshake_msgs", &format!("{selector:02}-{name}"), &seed);
                        }
                        if typ == 1 {
                            for e in ClientHello::read(&body).unwrap().extensions {
                                let mut s = vec![sel::EXTENSIONS];
                                s.extend_from_slice(&e.body);
                                write("handshake_msgs", &format!("06-ext{:04x}", e.typ), &s);
                            }
                            let mut s = vec![sel::PEEK_HEADER];
                            s.extend_from_slice(&flight[5..]);
                            write("handshake_msgs", "07-peek", &s);
                        }
                    }
                }
            }
            n += 1;
        }
    }
    // SSL 3.0: a few suites of each kind of key exchange and cipher.
    for id in [0x002f, 0x000a, 0x0005, 0x0004, 0x0003, 0x0006, 0x0064, 0x0013, 0x0011, 0x0002] {
        let suite = suites::by_id(id).unwrap();
        let reneg = id == 0x002f;
        let (Some(t), Some(tc)) = (
            conversation(suite, ProtocolVersion::SSL3_0, reneg, For::Server),
            conversation(suite, ProtocolVersion::SSL3_0, reneg, For::Client),
        ) else {
            eprintln!("skipped {} ssl3: no handshake", suite.name);
            continue;
        };
        let name = format!("ssl3-{}{}", suite.name, if reneg { "-reneg" } else { "" });
        write("server_engine", &name, &encode_tokens(&t.client_flights));
        write("client_engine", &name, &encode_tokens(&tc.server_flights));
        n += 1;
    }
    // SSPI kinds beyond TLS: the engine's SSL 3.0 AES128-SHA flights through the SSPI SSL 3.0
    // credentials (connection kind 4, flags bits 4-6).
    {
        let suite = suites::by_id(0x002f).unwrap();
        let t = conversation(suite, ProtocolVersion::SSL3_0, false, For::Server).unwrap();
        let tc = conversation(suite, ProtocolVersion::SSL3_0, false, For::Client).unwrap();
        let hs_client: Vec<&Vec<u8>> = t.client_flights.iter().take(3).collect();
        let hs_server: Vec<&Vec<u8>> = tc.server_flights.iter().take(2).collect();
        write("sspi_accept", "ssl3-alloc", &[&[0x48u8, 0][..], &encode_tokens(&hs_client)].concat());
        write("sspi_accept", "ssl3-client", &[&[0xc8u8, 0][..], &encode_tokens(&hs_server)].concat());
    }
    // SSL 2.0: every kind against the SSL 2.0-only server and client, the rollback-checking
    // server, and SSL 2.0-compatible hellos answered in TLS 1.0.
    for kind in suites::SSL2_KINDS {
        for mode in 0..4u8 {
            let Some(t) = ssl2_conversation(kind, mode, false) else {
                eprintln!("skipped {} ssl2 mode {mode}: no handshake", kind.name);
                continue;
            };
            let flights = if mode & SSL2_MODE_CLIENT == 0 { &t.client_flights } else { &t.server_flights };
            let name =
                format!("ssl2-{}-{}{}", kind.name, ["server", "client"][usize::from(mode & 1)], ["", "-higher"][usize::from(mode >> 1)]);
            write("ssl2_engine", &name, &[&[mode][..], &encode_tokens(flights)].concat());
            if mode == 0 {
                let hello = &t.client_flights[0];
                write(
                    "handshake_msgs",
                    &format!("{:02}-{}", sel::V2_CLIENT_HELLO, kind.name),
                    &[&[sel::V2_CLIENT_HELLO][..], &hello[2..]].concat(),
                );
                write(
                    "handshake_msgs",
                    &format!("{:02}-{}", sel::V2_FRAME, kind.name),
                    &[&[sel::V2_FRAME][..], &t.server_flights[0]].concat(),
                );
                if kind.id == suites::SSL2_KINDS[0].id {
                    // SSPI: the SSL 2.0 connection kind 5 (default kinds: RC4-128-MD5 first).
                    let hs: Vec<&Vec<u8>> = t.client_flights.iter().take(3).collect();
                    write("sspi_accept", "ssl2-alloc", &[&[0x58u8, 0][..], &encode_tokens(&hs)].concat());
                }
            }
            n += 1;
        }
        for mode in [SSL2_MODE_HIGHER, SSL2_MODE_CLIENT | SSL2_MODE_HIGHER] {
            let Some(t) = ssl2_conversation(kind, mode, true) else {
                eprintln!("skipped {} v2-compatible mode {mode}: no handshake", kind.name);
                continue;
            };
            let flights = if mode & SSL2_MODE_CLIENT == 0 { &t.client_flights } else { &t.server_flights };
            let name = format!("v2compat-{}-{}", kind.name, ["server", "client"][usize::from(mode & 1)]);
            write("ssl2_engine", &name, &[&[mode][..], &encode_tokens(flights)].concat());
            if mode == SSL2_MODE_HIGHER {
                write(
                    "handshake_msgs",
                    &format!("{:02}-v2compat", sel::V2_CLIENT_HELLO),
                    &[&[sel::V2_CLIENT_HELLO][..], &t.client_flights[0][2..]].concat(),
                );
            }
            n += 1;
        }
    }
    eprintln!("{n} conversations recorded");

    // record_open: records sealed with the target's fixed keys, several per file so the
    // sequence number advances; one round-trip seed per suite.
    for (i, suite) in SUITES.iter().enumerate() {
        for (vi, version) in RECORD_VERSIONS.iter().enumerate() {
            if *version < suite.min_version {
                continue;
            }
            // SSL 3.0 indexes its own list of suites.
            let i = if *version == ProtocolVersion::SSL3_0 { ssl3_suites().iter().position(|s| s.id == suite.id).unwrap() } else { i };
            let mut tx = fixed_state(suite, *version, Direction::Encrypt);
            let mut toks = Vec::new();
            for (typ, plain) in [
                (23u8, &b"hello"[..]),
                (22, &[20u8, 0, 0, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12][..]),
                (23, &[0u8; 300][..]),
                (21, &[1u8, 0][..]),
            ] {
                let mut rec = Vec::new();
                tx.seal(typ, *version, plain, &mut rec).unwrap();
                let mut tok = vec![typ];
                tok.extend_from_slice(&rec[5..]);
                toks.push(tok);
            }
            let mut seed = vec![i as u8, vi as u8];
            seed.extend(encode_tokens(&toks));
            write("record_open", &format!("{:04x}-{vi}", suite.id), &seed);
            let mut rt = vec![i as u8, vi as u8 | RECORD_ROUND_TRIP];
            rt.extend(encode_tokens(&[&b""[..], b"x", &[7u8; 1000][..]]));
            write("record_open", &format!("{:04x}-{vi}-roundtrip", suite.id), &rt);
        }
    }
    // record_open, SSL 2.0: whole records sealed with the fixed keys of each kind.
    for (i, kind) in suites::SSL2_KINDS.iter().enumerate() {
        let mut tx = fixed_ssl2_state(kind, true);
        let toks: Vec<Vec<u8>> = [&b"hello"[..], &[0u8; 300][..], &[7u8; 5][..]]
            .iter()
            .map(|plain| {
                let mut rec = Vec::new();
                tx.seal(plain, &mut rec);
                rec
            })
            .collect();
        write("record_open", &format!("ssl2-{:06x}", kind.id), &[&[i as u8, RECORD_SSL2][..], &encode_tokens(&toks)].concat());
        let rt = encode_tokens(&[&b"x"[..], &[7u8; 1000][..]]);
        write("record_open", &format!("ssl2-{:06x}-roundtrip", kind.id), &[&[i as u8, RECORD_SSL2 | RECORD_ROUND_TRIP][..], &rt].concat());
    }

    // x509: the test PKI as PEM, DER chains (leaf first) and keys; CRLs.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let der_of = |p: &str| openschannel::x509::pem::certs_from_pem_or_der(&std::fs::read(root.join(p)).unwrap()).unwrap();
    for (i, p) in
        ["tests/data/server.pem", "tests/data/ca.pem", "tests/data/server-ecdsa.pem", "src/x509/testdata/bundle.pem"].iter().enumerate()
    {
        let pem = std::fs::read(root.join(p)).unwrap();
        write("x509", &format!("pem-{i}"), &[&[xsel::PEM][..], &pem].concat());
        write("x509", &format!("trust-{i}"), &[&[xsel::TRUST][..], &pem].concat());
        let ders = der_of(p);
        write("x509", &format!("fields-{i}"), &[&[xsel::CERT_FIELDS][..], &ders[0]].concat());
    }
    for (i, k) in
        ["tests/data/server.key", "tests/data/server-ecdsa.key", "src/x509/testdata/leaf.pk8.der", "src/x509/testdata/leaf.rsa.der"]
            .iter()
            .enumerate()
    {
        write("x509", &format!("key-{i}"), &[&[xsel::KEY][..], &std::fs::read(root.join(k)).unwrap()].concat());
    }
    let mut chain = der_of("tests/data/server.pem");
    chain.extend(der_of("tests/data/ca.pem"));
    write("x509", "chain-server", &[&[xsel::CHAIN][..], &encode_tokens(&chain)].concat());
    let own = [der_of("src/x509/testdata/root.pem"), der_of("src/x509/testdata/leaf.pem"), der_of("src/x509/testdata/inter.pem")].concat();
    write("x509", "chain-own-anchor", &[&[xsel::CHAIN_OWN_ANCHOR][..], &encode_tokens(&own)].concat());
    let crl_dir = root.join("src/x509/testdata/pki/crl");
    if let Ok(rd) = std::fs::read_dir(&crl_dir) {
        for (i, e) in rd.flatten().enumerate().take(6) {
            let bytes = std::fs::read(e.path()).unwrap_or_default();
            let der = if openschannel::x509::pem::looks_like_pem(&bytes) {
                openschannel::x509::pem::pem_blocks(&bytes)
                    .into_iter()
                    .find_map(|b| b.contents.ok())
                    .map(|d| d.to_vec())
                    .unwrap_or_default()
            } else {
                bytes
            };
            write("x509", &format!("crl-{i}"), &[&[xsel::CRL][..], &der].concat());
        }
    }

    // sspi_decrypt: plaintexts for each connection kind, both directions, descriptor shapes.
    for (i, (name, ..)) in SSPI_CONNECTIONS.iter().enumerate() {
        let name = name.replace(' ', "-");
        let plain = encode_tokens(&[&b"hello"[..], &[0x41u8; 5000][..], b"", &[0x42u8; 16384][..]]);
        write("sspi_decrypt", &format!("{name}-c2s"), &[&[i as u8, 0, 0][..], &plain].concat());
        write("sspi_decrypt", &format!("{name}-s2c-2bufs"), &[&[i as u8, 1 | 2, 0][..], &plain].concat());
        write("sspi_decrypt", &format!("{name}-edit"), &[&[i as u8, 0, 1, 0, 9, 0x80][..], &plain].concat());
    }
    // A raw wire: records as they look to DecryptMessage (fails MAC, exercises the framing).
    let t = conversation(suites::by_id(0x002f).unwrap(), ProtocolVersion::TLS1_0, false, For::Server).unwrap();
    let app = t.client_flights.iter().rev().nth(1).unwrap();
    write("sspi_decrypt", "raw-wire", &[&[0u8, 0x80, 0][..], &encode_tokens(&[app])].concat());
    eprintln!("corpus written under {}", out_dir("").display());
}
