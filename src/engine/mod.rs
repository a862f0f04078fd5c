//! The sans-IO security context: bytes in, records out. No sockets, no globals, no clock
//! except the one in [`config::Config`].
//!
//! The SSPI layer maps [`Step`] and [`Opened`] onto `SEC_I_CONTINUE_NEEDED`,
//! `SEC_E_INCOMPLETE_MESSAGE` + `SECBUFFER_MISSING`, `SECBUFFER_EXTRA` and friends.
#![forbid(unsafe_code)]

pub mod config;
pub mod error;

use std::collections::VecDeque;
use std::ops::Range;
use std::sync::Arc;

use config::{Config, Renegotiation};
use error::Error;

use crate::handshake::client::{self, ClientState};
use crate::handshake::server::{self, ServerState};
use crate::handshake::{HandshakeData, Side};
use crate::msgs::enums::{AlertDescription, AlertLevel, ContentType, HandshakeType, ProtocolVersion};
use crate::msgs::handshake::peek_header;
use crate::record::layer::RecordLayer;
use crate::record::{self, Framing, HEADER_LEN, MAX_FRAGMENT};
use crate::ssl2;
use crate::suites::CipherSuite;

/// Largest handshake message we accept (a long certificate chain fits easily).
pub const MAX_HANDSHAKE_MESSAGE: usize = 1 << 17;

/// Result of feeding handshake bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Not even one whole record: nothing consumed; `needed` more bytes required.
    Incomplete { needed: usize },
    /// `consumed` bytes were processed; the handshake goes on (send any output, feed the rest).
    Continue { consumed: usize },
    /// The handshake finished after `consumed` bytes; later bytes are application records.
    Done { consumed: usize },
    /// The peer declined our renegotiation (no_renegotiation warning); the connection goes on
    /// with the keys it had.
    Declined { consumed: usize },
    /// Client: the server asked for a certificate and the credential has none that fits;
    /// call [`Connection::continue_with_client_identity`] (SEC_I_INCOMPLETE_CREDENTIALS).
    NeedCredentials { consumed: usize },
}

/// Result of opening one application record in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// Not a whole record yet; `needed` more bytes required.
    Incomplete { needed: usize },
    /// A record of `record_len` bytes; its plaintext is at `plaintext` inside the buffer.
    Data { plaintext: Range<usize>, record_len: usize },
    /// The peer sent close_notify.
    Closed { record_len: usize },
    /// A handshake record (HelloRequest, ClientHello, or the rest of a renegotiation) starts
    /// here; it was not consumed: hand it to `process_handshake` (SEC_I_RENEGOTIATE + EXTRA).
    Renegotiate,
}

enum State {
    Client(ClientState),
    Server(ServerState),
}

/// Negotiated parameters, available once the handshake is done.
#[derive(Debug, Clone)]
pub struct ConnectionInfo {
    pub version: ProtocolVersion,
    pub suite: &'static CipherSuite,
    pub session_id: Vec<u8>,
    pub secure_renegotiation: bool,
    /// Size of the ephemeral group in bits (ECDHE/DHE full handshakes only).
    pub kx_bits: Option<u32>,
}

/// One TLS connection, either side.
pub struct Connection {
    side: Side,
    config: Arc<Config>,
    state: State,
    hs: HandshakeData,
    rl: RecordLayer,
    /// Handshake bytes of a message that spans records.
    hs_buf: Vec<u8>,
    failed: Option<Error>,
    received_close: bool,
    sent_close: bool,
    /// The first handshake completed: application data may flow (also during a renegotiation).
    traffic: bool,
    /// During a renegotiation: the handshake whose keys still protect the traffic.
    previous: Option<Box<HandshakeData>>,
    /// The peer declined our renegotiation with a no_renegotiation warning.
    declined: bool,
    /// Application data that arrived inside a renegotiation, delivered by the next `open`.
    queued: VecDeque<Vec<u8>>,
    /// Set when the client's hello chose SSL 2.0: every later call goes to it.
    ssl2: Option<Box<ssl2::Session>>,
    /// Client with SSL 2.0 and later versions enabled: the challenge of the SSL 2.0-compatible
    /// hello we sent, until the server's answer shows which protocol it chose.
    v2_challenge: Option<Vec<u8>>,
    /// Renegotiations the peer started in the current window, and when the window began.
    peer_renegotiations: u32,
    renegotiation_window_start: i64,
    /// Server: we sent a HelloRequest, so the next ClientHello answers us and is not counted
    /// as the peer's own renegotiation.
    hello_request_sent: bool,
}

/// Most application data buffered while a renegotiation is in flight.
const MAX_QUEUED: usize = 1 << 20;

/// Renegotiations a peer may start per fixed window of [`RENEGOTIATION_WINDOW_SECS`] on one
/// connection (an unrequested ClientHello on an established server, a HelloRequest on an
/// established client); more are declined as a refused renegotiation is (a no_renegotiation
/// warning). Each one costs a full handshake (an RSA decryption or a key agreement and a
/// signature), so without a bound a peer could make us do them as fast as it can send hellos.
/// A ClientHello that answers our own HelloRequest is not counted.
pub const MAX_PEER_RENEGOTIATIONS: u32 = 10;
/// The window of [`MAX_PEER_RENEGOTIATIONS`], in seconds of the configuration's clock.
pub const RENEGOTIATION_WINDOW_SECS: i64 = 60;

impl Connection {
    /// A client; call [`Connection::start`] for the ClientHello. `server_name` is used for SNI
    /// and the certificate name check.
    pub fn new_client(config: Arc<Config>, server_name: Option<String>) -> Self {
        let mut c = Self::new(Side::Client, config, State::Client(ClientState::ExpectServerHello));
        c.hs.server_name = server_name;
        c
    }

    /// A server waiting for a ClientHello.
    pub fn new_server(config: Arc<Config>) -> Self {
        Self::new(Side::Server, config, State::Server(ServerState::ExpectClientHello))
    }

    fn new(side: Side, config: Arc<Config>, state: State) -> Self {
        Connection {
            side,
            config,
            state,
            hs: HandshakeData::default(),
            rl: RecordLayer::default(),
            hs_buf: Vec::new(),
            failed: None,
            received_close: false,
            sent_close: false,
            traffic: false,
            previous: None,
            declined: false,
            queued: VecDeque::new(),
            ssl2: None,
            v2_challenge: None,
            peer_renegotiations: 0,
            renegotiation_window_start: i64::MIN,
            hello_request_sent: false,
        }
    }

    pub fn side(&self) -> Side {
        self.side
    }

    /// Client: queues the ClientHello.
    pub fn start(&mut self) -> Result<(), Error> {
        // SSL 2.0 as the only enabled protocol: a plain SSL 2.0 CLIENT-HELLO.
        if self.config.ssl2 && self.config.versions.is_empty() {
            return match ssl2::Session::new_client(&self.config) {
                Ok(s) => {
                    self.ssl2 = Some(s);
                    Ok(())
                }
                Err(e) => Err(self.fail(e)),
            };
        }
        let r = client::start(&mut self.hs, &self.config, &mut self.rl);
        let r = r.map(|s| self.state = State::Client(s));
        // SSL 2.0 beside later versions: the same offer in an SSL 2.0-compatible hello, as
        // Windows sends it; the server's answer decides the protocol.
        let r = r.and_then(|_| if self.config.ssl2 { self.rewrite_as_v2_compatible_hello() } else { Ok(()) });
        r.map_err(|e| self.fail(e))
    }

    /// Replaces the queued TLS ClientHello by an SSL 2.0-compatible hello (RFC 2246 E.1) with
    /// the SSL 2.0 kinds, the TLS suites and the SCSV, and our 32-byte random as the challenge.
    /// Extensions cannot be carried: no SNI, ALPN, EMS, ETM, tickets or resumption on this path.
    fn rewrite_as_v2_compatible_hello(&mut self) -> Result<(), Error> {
        let ch = self.hs.transcript.get(4..).map(crate::msgs::handshake::ClientHello::read);
        let Some(Ok(ch)) = ch else {
            return Err(Error::Internal("no ClientHello to rewrite"));
        };
        let mut cipher_specs: Vec<u32> = self.config.ssl2_kinds.iter().map(|k| k.id).collect();
        cipher_specs.extend(ch.cipher_suites.iter().map(|s| u32::from(*s)));
        let v2 = ssl2::hello::V2ClientHello { version: ch.version, cipher_specs, session_id: Vec::new(), challenge: ch.random.to_vec() };
        let mut msg = Vec::new();
        v2.encode(&mut msg);
        self.rl.take_output();
        self.rl.queue_raw(&[0x80 | (msg.len() >> 8) as u8, msg.len() as u8]);
        self.rl.queue_raw(&msg);
        self.hs.transcript.clear();
        self.hs.transcript.extend_from_slice(&msg);
        self.hs.session_id.clear();
        self.v2_challenge = Some(v2.challenge);
        Ok(())
    }

    /// Client after an SSL 2.0-compatible hello: an SSL 2.0 answer (top bit set) hands the
    /// connection to SSL 2.0. Anything else stays with TLS.
    fn follow_ssl2_answer(&mut self, input: &[u8]) {
        if input.first().is_some_and(|b| b & 0x80 != 0) && matches!(self.state, State::Client(ClientState::ExpectServerHello)) {
            if let Some(challenge) = self.v2_challenge.take() {
                self.ssl2 = Some(ssl2::Session::new_client_after_compatible_hello(&challenge));
            }
        } else if !input.is_empty() {
            self.v2_challenge = None;
        }
    }

    /// Whether the handshake has completed.
    pub fn is_established(&self) -> bool {
        if let Some(s) = &self.ssl2 {
            return s.is_established();
        }
        matches!(self.state, State::Client(ClientState::Established) | State::Server(ServerState::Established))
    }

    /// Takes the bytes to send to the peer.
    pub fn take_output(&mut self) -> Vec<u8> {
        if let Some(s) = &mut self.ssl2 {
            return s.take_output();
        }
        self.rl.take_output()
    }

    /// Records `err`, queues its alert if it has one, and hands it back.
    fn fail(&mut self, err: Error) -> Error {
        if self.failed.is_none() {
            if let Some(s) = &mut self.ssl2 {
                s.send_error(&err);
            } else if let Some(mut desc) = err.alert() {
                if self.rl.version == Some(ProtocolVersion::SSL3_0) {
                    desc = desc.for_ssl3();
                }
                // Best effort: a failure to seal the alert leaves only the status to report.
                let _ = self.rl.send_alert(AlertLevel::Fatal, desc);
            }
            self.failed = Some(err.clone());
        }
        err
    }

    fn check_usable(&self) -> Result<(), Error> {
        match &self.failed {
            Some(_) => Err(Error::ContextExpired),
            None => Ok(()),
        }
    }

    /// Feeds handshake bytes. Processes every whole record at the front of `input` until the
    /// handshake is done; never consumes a partial record. On an established connection the
    /// first record must be a handshake record (a renegotiation, see [`Opened::Renegotiate`]);
    /// application records after a finished handshake are left for `open`.
    pub fn process_handshake(&mut self, input: &[u8]) -> Result<Step, Error> {
        self.check_usable()?;
        if let Some(r) = self.v2_compatible_hello(input) {
            return r.map_err(|e| self.fail(e));
        }
        if self.v2_challenge.is_some() {
            self.follow_ssl2_answer(input);
        }
        if let Some(s) = &mut self.ssl2 {
            let r = s.process(input, &self.config, self.hs.server_name.as_deref()).map(|p| match p {
                ssl2::Progress::Incomplete { needed } => Step::Incomplete { needed },
                ssl2::Progress::Consumed(consumed) if s.is_established() => Step::Done { consumed },
                ssl2::Progress::Consumed(consumed) => Step::Continue { consumed },
            });
            if matches!(r, Ok(Step::Done { .. })) {
                self.traffic = true;
            }
            return r.map_err(|e| self.fail(e));
        }
        let mut consumed = 0;
        loop {
            if self.is_established() && consumed > 0 {
                break;
            }
            if let Err(e) = precheck(&input[consumed..]) {
                return Err(self.fail(e));
            }
            match record::frame(&input[consumed..]) {
                Framing::Incomplete { needed } => {
                    if consumed == 0 {
                        return Ok(Step::Incomplete { needed });
                    }
                    break;
                }
                Framing::Overflow => return Err(self.fail(Error::RecordOverflow)),
                Framing::Complete { typ, version, total } => {
                    if self.is_established() && typ != ContentType::Handshake as u8 {
                        break;
                    }
                    let mut rec = input[consumed..consumed + total].to_vec();
                    consumed += total;
                    if let Err(e) = self.handshake_record(typ, version, &mut rec[HEADER_LEN..]) {
                        return Err(self.fail(e));
                    }
                    if self.awaiting_credentials() {
                        return Ok(Step::NeedCredentials { consumed });
                    }
                }
            }
        }
        if self.is_established() {
            self.traffic = true;
            self.previous = None;
            if core::mem::take(&mut self.declined) {
                return Ok(Step::Declined { consumed });
            }
            Ok(Step::Done { consumed })
        } else {
            Ok(Step::Continue { consumed })
        }
    }

    /// Server, first message of the first handshake: an SSL 2.0 CLIENT-HELLO (2-byte header,
    /// message type 1). One that offers SSL 3.0 or later is translated into a TLS ClientHello
    /// and answered in TLS (RFC 2246 Appendix E.1); the transcript covers the SSL 2.0 message
    /// as sent. None when `input` does not start like one.
    fn v2_compatible_hello(&mut self, input: &[u8]) -> Option<Result<Step, Error>> {
        let first = matches!(self.state, State::Server(ServerState::ExpectClientHello))
            && !self.traffic
            && self.hs_buf.is_empty()
            && self.ssl2.is_none();
        if !first || !ssl2::hello::looks_like_client_hello(input) {
            return None;
        }
        let total = match ssl2::hello::frame(input) {
            ssl2::hello::Frame::Incomplete { needed } => return Some(Ok(Step::Incomplete { needed })),
            ssl2::hello::Frame::Complete { header, body, .. } => header + body,
        };
        let msg = &input[2..total];
        let v2 = match ssl2::hello::V2ClientHello::read(msg) {
            Ok(v2) => v2,
            Err(e) => return Some(Err(e.into())),
        };
        // SSL 2.0 when the client speaks nothing newer, or when we speak nothing it offers
        // (a v2-compatible hello to an SSL 2.0-only server, RFC 2246 E.1).
        let tls_possible = v2.version >= ProtocolVersion::SSL3_0 && self.config.versions.iter().any(|v| *v <= v2.version);
        if !tls_possible {
            if !self.config.ssl2 {
                return Some(Err(Error::ProtocolVersion));
            }
            let (s, r) = ssl2::Session::new_server(&self.config, &v2);
            self.ssl2 = Some(s);
            return Some(r.map(|_| Step::Continue { consumed: total }));
        }
        let ch = v2.to_tls();
        if ch.cipher_suites.is_empty() {
            return Some(Err(Error::HandshakeFailure("no SSL 3.0/TLS suite in an SSL 2.0-compatible hello")));
        }
        let mut body = Vec::new();
        ch.encode(&mut body);
        crate::log::handshake(false, HandshakeType::ClientHello, msg.len());
        let r = server::handle(
            ServerState::ExpectClientHello,
            &mut self.hs,
            &self.config,
            &mut self.rl,
            HandshakeType::ClientHello,
            &body,
            msg,
        );
        Some(r.map(|s| {
            self.state = State::Server(s);
            Step::Continue { consumed: total }
        }))
    }

    /// Client: the handshake is waiting for [`Connection::continue_with_client_identity`].
    pub fn awaiting_credentials(&self) -> bool {
        matches!(self.state, State::Client(ClientState::AwaitClientCredentials))
    }

    /// Client: answers the server's certificate request with `identity` (used if it fits the
    /// request) or with no certificate, and queues the rest of our flight.
    pub fn continue_with_client_identity(&mut self, identity: Option<config::ServerIdentity>) -> Result<(), Error> {
        self.check_usable()?;
        if !self.awaiting_credentials() {
            return Err(Error::OutOfSequence);
        }
        match client::resume_with_credentials(&mut self.hs, &mut self.rl, identity) {
            Ok(s) => {
                self.state = State::Client(s);
                Ok(())
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    /// Server: ask the client for a certificate in the next full handshake (`ASC_REQ_MUTUAL_AUTH`).
    pub fn set_request_client_certificate(&mut self, on: bool) {
        self.hs.request_client_cert = on;
    }

    /// The `tls-unique` channel binding (RFC 5929 §3): the first Finished of the latest
    /// completed handshake: the client's after a full handshake, the server's after a resumption.
    pub fn tls_unique(&self) -> Option<Vec<u8>> {
        if !self.traffic {
            return None;
        }
        let hs = self.previous.as_deref().unwrap_or(&self.hs);
        Some(if hs.resumed { hs.server_verify_data.clone() } else { hs.client_verify_data.clone() })
    }

    /// The server's certificate: the peer's on a client, ours on a server.
    pub fn server_certificate(&self) -> Option<Vec<u8>> {
        // SSL 2.0 has one certificate, the server's, in both roles.
        if let Some(s) = &self.ssl2 {
            return s.certificate().map(<[u8]>::to_vec);
        }
        let hs = self.previous.as_deref().unwrap_or(&self.hs);
        match self.side {
            Side::Client => hs.peer_certs.first().cloned(),
            Side::Server => hs.identity.as_ref().and_then(|i| i.chain.first().cloned()),
        }
    }

    /// Client: the CA names of the server's CertificateRequest, if it sent one.
    pub fn requested_issuers(&self) -> Option<&[Vec<u8>]> {
        self.hs.cert_request.as_ref().map(|r| r.authorities.as_slice())
    }

    /// Client: the certificate chain we authenticated with, if any.
    pub fn client_identity(&self) -> Option<&config::ServerIdentity> {
        let hs = self.previous.as_deref().unwrap_or(&self.hs);
        hs.client_identity.as_ref()
    }

    /// Starts a renegotiation from our side: a client sends a new ClientHello, a server a
    /// HelloRequest (RFC 2246 §7.4.1.1). Refused with `OutOfSequence` unless established, and
    /// with `HandshakeFailure` when the policy forbids renegotiating with this peer.
    pub fn request_renegotiation(&mut self) -> Result<(), Error> {
        self.check_usable()?;
        if !self.is_established() {
            return Err(Error::OutOfSequence);
        }
        if self.ssl2.is_some() {
            return Err(Error::HandshakeFailure("SSL 2.0 has no renegotiation"));
        }
        if !self.may_renegotiate() {
            return Err(Error::HandshakeFailure("renegotiation not allowed with this peer"));
        }
        match self.side {
            Side::Client => self.begin_client_renegotiation(),
            Side::Server => {
                self.hs.send(&mut self.rl, HandshakeType::HelloRequest, &[])?;
                self.hello_request_sent = true;
                // A HelloRequest is not part of any handshake's transcript (RFC 2246 §7.4.1.1).
                self.hs.transcript.clear();
                Ok(())
            }
        }
    }

    fn may_renegotiate(&self) -> bool {
        match self.config.renegotiation {
            Renegotiation::Refuse => false,
            Renegotiation::SecureOnly => self.hs.secure_renegotiation,
            Renegotiation::AllowInsecure => true,
        }
    }

    /// Counts a renegotiation the peer asks for: false once [`MAX_PEER_RENEGOTIATIONS`] were
    /// accepted in the current window (a clock that goes backwards starts a new window).
    fn peer_renegotiation_within_rate(&mut self) -> bool {
        let now = (self.config.clock)();
        let start = self.renegotiation_window_start;
        if now < start || now.saturating_sub(start) >= RENEGOTIATION_WINDOW_SECS {
            self.renegotiation_window_start = now;
            self.peer_renegotiations = 0;
        }
        if self.peer_renegotiations >= MAX_PEER_RENEGOTIATIONS {
            return false;
        }
        self.peer_renegotiations += 1;
        true
    }

    fn begin_client_renegotiation(&mut self) -> Result<(), Error> {
        self.start_new_handshake();
        let state = client::start(&mut self.hs, &self.config, &mut self.rl)?;
        self.state = State::Client(state);
        Ok(())
    }

    /// Keeps the current handshake (whose keys protect the traffic until ChangeCipherSpec) and
    /// starts a fresh one bound to it (RFC 5746).
    fn start_new_handshake(&mut self) {
        let next = self.hs.for_renegotiation();
        self.previous = Some(Box::new(core::mem::replace(&mut self.hs, next)));
    }

    fn handshake_record(&mut self, typ: u8, version: ProtocolVersion, payload: &mut [u8]) -> Result<(), Error> {
        let ct = check_record_header(typ, version)?;
        let range = self.rl.read.open(typ, version, payload)?;
        let data = &payload[range];
        match ct {
            ContentType::Handshake => {
                if data.is_empty() {
                    return Err(Error::UnexpectedMessage("empty handshake record"));
                }
                self.hs_buf.extend_from_slice(data);
                self.drain_handshake_messages()
            }
            ContentType::ChangeCipherSpec => {
                if data != [1] {
                    return Err(Error::Decode(crate::msgs::codec::InvalidMessage::IllegalValue));
                }
                if !self.hs_buf.is_empty() {
                    return Err(Error::UnexpectedMessage("ChangeCipherSpec inside a handshake message"));
                }
                self.state = match self.state {
                    State::Client(s) => State::Client(client::handle_ccs(s)?),
                    State::Server(s) => State::Server(server::handle_ccs(s)?),
                };
                let next = self.rl.pending_read.take().ok_or(Error::UnexpectedMessage("ChangeCipherSpec before keys"))?;
                self.rl.read = next;
                Ok(())
            }
            ContentType::Alert => self.alert(data).map(|_| ()),
            ContentType::ApplicationData if self.traffic => {
                // The peer wrote before it saw our hello; keep it for the next `open`.
                if self.queued.iter().map(Vec::len).sum::<usize>() + data.len() > MAX_QUEUED {
                    return Err(Error::UnexpectedMessage("too much application data during renegotiation"));
                }
                if !data.is_empty() {
                    self.queued.push_back(data.to_vec());
                }
                Ok(())
            }
            ContentType::ApplicationData => Err(Error::UnexpectedMessage("application data during the handshake")),
        }
    }

    fn drain_handshake_messages(&mut self) -> Result<(), Error> {
        while let Some((typ, len)) = peek_header(&self.hs_buf) {
            if len > MAX_HANDSHAKE_MESSAGE {
                return Err(Error::IllegalParameter("handshake message too long"));
            }
            if self.hs_buf.len() < 4 + len {
                break;
            }
            let raw: Vec<u8> = self.hs_buf.drain(..4 + len).collect();
            let typ = HandshakeType::from_u8(typ).ok_or(Error::UnexpectedMessage("unknown handshake type"))?;
            crate::log::handshake(false, typ, len);
            let body = &raw[4..];
            if self.is_established() {
                self.renegotiation_request(typ, body, &raw)?;
                continue;
            }
            self.state = match self.state {
                State::Client(s) => State::Client(client::handle(s, &mut self.hs, &self.config, &mut self.rl, typ, body, &raw)?),
                State::Server(s) => State::Server(server::handle(s, &mut self.hs, &self.config, &mut self.rl, typ, body, &raw)?),
            };
            if self.is_established() && !self.hs_buf.is_empty() {
                return Err(Error::UnexpectedMessage("handshake data after Finished"));
            }
        }
        Ok(())
    }

    /// A HelloRequest (client) or ClientHello (server) on an established connection: start the
    /// new handshake, or decline with a no_renegotiation warning (RFC 5746 §4.2, §4.4).
    fn renegotiation_request(&mut self, typ: HandshakeType, body: &[u8], raw: &[u8]) -> Result<(), Error> {
        match (self.side, typ) {
            (Side::Client, HandshakeType::HelloRequest) if body.is_empty() => {
                if self.may_renegotiate() && self.peer_renegotiation_within_rate() {
                    self.begin_client_renegotiation()
                } else {
                    Ok(self.rl.send_alert(AlertLevel::Warning, AlertDescription::NoRenegotiation)?)
                }
            }
            (Side::Server, HandshakeType::ClientHello) => {
                let requested = core::mem::take(&mut self.hello_request_sent);
                if !self.may_renegotiate() || !(requested || self.peer_renegotiation_within_rate()) {
                    return Ok(self.rl.send_alert(AlertLevel::Warning, AlertDescription::NoRenegotiation)?);
                }
                self.start_new_handshake();
                let next = server::handle(ServerState::ExpectClientHello, &mut self.hs, &self.config, &mut self.rl, typ, body, raw)?;
                self.state = State::Server(next);
                Ok(())
            }
            _ => Err(Error::UnexpectedMessage("handshake message after the handshake")),
        }
    }

    /// Handles a received alert; returns true for close_notify.
    fn alert(&mut self, data: &[u8]) -> Result<bool, Error> {
        let [level, desc] = data else {
            return Err(Error::Decode(crate::msgs::codec::InvalidMessage::IllegalValue));
        };
        let desc = AlertDescription::from_u8(*desc);
        match (level, desc) {
            (_, Some(AlertDescription::CloseNotify)) => {
                self.received_close = true;
                if self.is_established() {
                    Ok(true)
                } else {
                    Err(Error::AlertReceived(AlertDescription::CloseNotify))
                }
            }
            // Warnings other than close_notify are informational (RFC 2246 §7.2).
            // Our renegotiation was declined before the server answered it (RFC 5246 §7.2.2 leaves
            // the choice to us): go on with the old keys and tell the caller.
            (1, Some(AlertDescription::NoRenegotiation))
                if matches!(self.state, State::Client(ClientState::ExpectServerHello)) && self.previous.is_some() =>
            {
                if let Some(previous) = self.previous.take() {
                    self.hs = *previous;
                }
                self.state = State::Client(ClientState::Established);
                self.declined = true;
                Ok(false)
            }
            // Server: the client declined the renegotiation our HelloRequest asked for, so its
            // next ClientHello is its own again (counted by the rate limit).
            (1, Some(AlertDescription::NoRenegotiation)) if self.side == Side::Server => {
                self.hello_request_sent = false;
                Ok(false)
            }
            // SSL 3.0: a client without a certificate answers our CertificateRequest so.
            (1, Some(AlertDescription::NoCertificate)) if self.hs_buf.is_empty() => {
                if let State::Server(s) = self.state {
                    self.state = State::Server(server::no_certificate_alert(s, &self.hs, &self.config)?);
                }
                Ok(false)
            }
            (1, Some(_)) => Ok(false),
            (2, Some(d)) => {
                self.failed = Some(Error::AlertReceived(d));
                Err(Error::AlertReceived(d))
            }
            _ => Err(Error::IllegalParameter("malformed alert")),
        }
    }

    /// Seals application data (at most 2^14 bytes) into one record, or two with 1/n-1
    /// splitting; returns the bytes to send.
    pub fn seal(&mut self, data: &[u8]) -> Result<Vec<u8>, Error> {
        let h = self.header_len();
        let mut buf = vec![0u8; h + data.len() + self.max_trailer()];
        buf[h..h + data.len()].copy_from_slice(data);
        let total = self.seal_in_place(&mut buf, data.len())?;
        buf.truncate(total);
        Ok(buf)
    }

    /// Seals application data in the caller's memory: `buf[header_len()..header_len() + n]` holds
    /// the plaintext and `buf` has room for `header_len() + n + max_trailer()` bytes. Writes one
    /// record (two with 1/n-1 splitting, the second moved up behind the first) and returns the
    /// number of bytes to send.
    pub fn seal_in_place(&mut self, buf: &mut [u8], n: usize) -> Result<usize, Error> {
        self.check_usable()?;
        if !self.traffic {
            return Err(Error::OutOfSequence);
        }
        if self.sent_close {
            return Err(Error::ContextExpired);
        }
        if n > self.max_data() || buf.len() < self.header_len() + n + self.max_trailer() {
            return Err(Error::Internal("plaintext larger than one record or no room for the trailer"));
        }
        if let Some(s) = &mut self.ssl2 {
            return Ok(s.write().seal_in_place(buf, n));
        }
        let (typ, v) = (ContentType::ApplicationData as u8, self.rl.version.unwrap_or(ProtocolVersion::TLS1_0));
        if self.splits_records() && n > 1 {
            // 1/n-1 split: the first record's IV is the previous ciphertext block, which an
            // attacker may know (BEAST); a 1-byte record first makes the second record's IV
            // unpredictable to them. The rest moves up behind the first record.
            let first = self.rl.write.sealed_len(1);
            buf.copy_within(HEADER_LEN + 1..HEADER_LEN + n, first + HEADER_LEN);
            let a = self.rl.write.seal_in_place(typ, v, buf, 1)?;
            let b = self.rl.write.seal_in_place(typ, v, &mut buf[a..], n - 1)?;
            return Ok(a + b);
        }
        Ok(self.rl.write.seal_in_place(typ, v, buf, n)?)
    }

    /// Whether `seal` splits writes 1/n-1: CBC suites at TLS 1.0 and below, unless switched off.
    pub fn splits_records(&self) -> bool {
        self.config.record_splitting && self.rl.version.is_some_and(|v| v <= ProtocolVersion::TLS1_0) && self.rl.write.block_len() > 0
    }

    /// Opens the first record of `buf` in place.
    pub fn open(&mut self, buf: &mut [u8]) -> Result<Opened, Error> {
        self.check_usable()?;
        if !self.traffic {
            return Err(Error::OutOfSequence);
        }
        if self.received_close {
            return Err(Error::ContextExpired);
        }
        if let Some(s) = &mut self.ssl2 {
            return match s.read().open(buf) {
                Ok(ssl2::record::Opened::Incomplete { needed }) => Ok(Opened::Incomplete { needed }),
                Ok(ssl2::record::Opened::Record { data, total }) => Ok(Opened::Data { plaintext: data, record_len: total }),
                Err(e) => Err(self.fail(e)),
            };
        }
        if let Err(e) = precheck(buf) {
            return Err(self.fail(e));
        }
        let (typ, version, total) = match record::frame(buf) {
            Framing::Incomplete { needed } => return Ok(Opened::Incomplete { needed }),
            Framing::Overflow => return Err(self.fail(Error::RecordOverflow)),
            Framing::Complete { typ, version, total } => (typ, version, total),
        };
        // Handshake records (and a renegotiation's ChangeCipherSpec) belong to the handshake
        // loop: leave them undecrypted for process_handshake.
        if typ == ContentType::Handshake as u8 || (typ == ContentType::ChangeCipherSpec as u8 && !self.is_established()) {
            return Ok(Opened::Renegotiate);
        }
        match self.open_record(typ, version, &mut buf[HEADER_LEN..total]) {
            Ok(Some(r)) => Ok(Opened::Data { plaintext: HEADER_LEN + r.start..HEADER_LEN + r.end, record_len: total }),
            Ok(None) => Ok(Opened::Closed { record_len: total }),
            Err(e @ Error::AlertReceived(_)) => Err(e),
            Err(e) => Err(self.fail(e)),
        }
    }

    /// Some(plaintext range in `payload`) for data, None for close_notify.
    fn open_record(&mut self, typ: u8, version: ProtocolVersion, payload: &mut [u8]) -> Result<Option<Range<usize>>, Error> {
        let ct = check_record_header(typ, version)?;
        if Some(version) != self.rl.version {
            return Err(Error::IllegalParameter("record version changed"));
        }
        let range = self.rl.read.open(typ, version, payload)?;
        match ct {
            ContentType::ApplicationData => Ok(Some(range)),
            ContentType::Alert => {
                let end = range.end;
                if self.alert(&payload[range])? {
                    Ok(None)
                } else {
                    Ok(Some(end..end))
                }
            }
            ContentType::Handshake => Err(Error::Internal("handshake record reached open_record")),
            ContentType::ChangeCipherSpec => Err(Error::UnexpectedMessage("ChangeCipherSpec after the handshake")),
        }
    }

    /// Queues close_notify (RFC 2246 §7.2.1) and returns every pending byte.
    pub fn close_notify(&mut self) -> Vec<u8> {
        if self.ssl2.is_some() {
            // SSL 2.0 has no closure alert: the connection just ends.
            self.sent_close = true;
            return Vec::new();
        }
        if !self.sent_close {
            self.sent_close = true;
            let _ = self.rl.send_alert(AlertLevel::Warning, AlertDescription::CloseNotify);
        }
        self.rl.take_output()
    }

    /// Queues an alert chosen by the caller (`SCHANNEL_ALERT_TOKEN`) and returns pending bytes.
    /// A fatal alert ends the connection.
    pub fn send_alert(&mut self, level: AlertLevel, desc: AlertDescription) -> Vec<u8> {
        if self.ssl2.is_none() {
            let _ = self.rl.send_alert(level, desc);
        }
        if level == AlertLevel::Fatal {
            self.sent_close = true;
            self.failed.get_or_insert(Error::ContextExpired);
        }
        self.rl.take_output()
    }

    /// Negotiated parameters once a suite is chosen.
    /// Negotiated parameters of the traffic in use: during a renegotiation, those of the
    /// previous handshake until the new one completes.
    /// TLS and SSL 3.0 only: an SSL 2.0 connection reports through [`Connection::ssl2_kind`].
    pub fn info(&self) -> Option<ConnectionInfo> {
        let hs = self.previous.as_deref().unwrap_or(&self.hs);
        Some(ConnectionInfo {
            version: hs.version?,
            suite: hs.suite?,
            session_id: hs.session_id.clone(),
            secure_renegotiation: hs.secure_renegotiation,
            kx_bits: hs.kx_bits,
        })
    }

    /// The SSL 2.0 cipher kind, when the connection speaks SSL 2.0 and has chosen one.
    pub fn ssl2_kind(&self) -> Option<&'static crate::suites::Ssl2Kind> {
        self.ssl2.as_ref().and_then(|s| s.kind())
    }

    /// The session id of an established SSL 2.0 connection (SERVER-FINISHED's).
    pub fn ssl2_session_id(&self) -> Option<&[u8]> {
        self.ssl2.as_ref().filter(|s| s.is_established()).map(|s| s.session_id())
    }

    /// Most plaintext bytes one sealed record carries (`cbMaximumMessage`).
    pub fn max_data(&self) -> usize {
        if self.ssl2.is_some() {
            ssl2::record::MAX_DATA
        } else {
            MAX_FRAGMENT
        }
    }

    /// The client random and master secret of the completed handshake, for an NSS key-log line
    /// (`SSLKEYLOGFILE`). The caller decides whether to write them anywhere.
    pub fn key_log_secrets(&self) -> Option<([u8; 32], zeroize::Zeroizing<[u8; 48]>)> {
        (self.is_established() && self.ssl2.is_none()).then(|| (self.hs.client_random, self.hs.master_secret.clone()))
    }

    /// Sets the ALPN protocols (RFC 7301): a client offers them in its ClientHello (call before
    /// [`Connection::start`]); a server accepts the first of them, in this order, that the
    /// client offers. An empty list turns ALPN off.
    pub fn set_alpn_protocols(&mut self, protocols: Vec<Vec<u8>>) {
        self.hs.alpn_offer = protocols;
    }

    /// The negotiated application protocol, once the server has chosen one.
    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        let hs = self.previous.as_deref().unwrap_or(&self.hs);
        hs.alpn.as_deref()
    }

    /// The peer's certificates, end-entity first (empty until received).
    pub fn peer_certificates(&self) -> &[Vec<u8>] {
        if let Some(s) = &self.ssl2 {
            return s.peer_certificates();
        }
        &self.hs.peer_certs
    }

    /// Bytes before the plaintext in a sealed record: the 5-byte header plus any explicit IV or
    /// nonce (`SecPkgContext_StreamSizes.cbHeader`).
    pub fn header_len(&self) -> usize {
        if let Some(s) = &self.ssl2 {
            return s.write_side().header_len();
        }
        self.rl.write.header_len()
    }

    /// Largest trailer (MAC and padding, or the AEAD tag) a sealed record can carry with the
    /// current write keys.
    ///
    /// With record splitting, `seal` returns two records; everything after the first record's
    /// 5-byte header still fits in data + trailer when the trailer can hold one more header and
    /// a second MAC and padding block.
    pub fn max_trailer(&self) -> usize {
        if let Some(s) = &self.ssl2 {
            return s.write_side().max_trailer();
        }
        let one = self.rl.write.max_trailer();
        if self.splits_records() {
            HEADER_LEN + 2 * one
        } else {
            one
        }
    }

    /// Block length of the current write cipher (0 for stream ciphers).
    pub fn block_len(&self) -> usize {
        if let Some(s) = &self.ssl2 {
            return s.write_side().block_len();
        }
        self.rl.write.block_len()
    }

    /// Application data that arrived during a renegotiation, oldest first.
    pub fn take_queued(&mut self) -> Option<Vec<u8>> {
        self.queued.pop_front()
    }

    /// Whether the last completed handshake resumed a cached session.
    pub fn resumed(&self) -> bool {
        self.previous.as_deref().unwrap_or(&self.hs).resumed
    }

    /// Whether a renegotiation is in flight (application data still flows).
    pub fn renegotiating(&self) -> bool {
        self.traffic && !self.is_established()
    }
}

/// Rejects a non-TLS stream from its first bytes, before waiting for a whole "record".
fn precheck(buf: &[u8]) -> Result<(), Error> {
    if buf.first().is_some_and(|t| ContentType::from_u8(*t).is_none()) || buf.get(1).is_some_and(|m| *m != 3) {
        return Err(Error::NotTls);
    }
    Ok(())
}

/// Rejects records that are not TLS at all before any state is touched.
fn check_record_header(typ: u8, version: ProtocolVersion) -> Result<ContentType, Error> {
    if version.0 >> 8 != 3 {
        return Err(Error::NotTls);
    }
    ContentType::from_u8(typ).ok_or(Error::NotTls)
}
