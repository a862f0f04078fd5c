//! SSL 2.0 (Hickman, 1995), sans-IO like the TLS engine: its record layer ([`record`]), the
//! CLIENT-HELLO that also opens an SSL 2.0-compatible TLS handshake ([`hello`], RFC 2246
//! Appendix E.1), and one [`Session`] per connection whose server and client halves live in
//! [`server`] and [`client`]. No session cache, no client authentication.
#![forbid(unsafe_code)]

pub mod client;
pub mod hello;
pub mod record;
pub mod server;

use md5::{Digest, Md5};
use subtle::Choice;
use zeroize::Zeroizing;

use crate::crypto::random;
use crate::engine::config::{Config, ServerIdentity};
use crate::engine::error::Error;
use crate::handshake::Side;
use crate::suites::Ssl2Kind;
use record::{Direction, Opened};

/// SSL 2.0's version number.
pub const VERSION: u16 = 0x0002;

/// SSL 2.0 message types.
pub mod msg {
    pub const ERROR: u8 = 0;
    pub const CLIENT_HELLO: u8 = 1;
    pub const CLIENT_MASTER_KEY: u8 = 2;
    pub const CLIENT_FINISHED: u8 = 3;
    pub const SERVER_HELLO: u8 = 4;
    pub const SERVER_VERIFY: u8 = 5;
    pub const SERVER_FINISHED: u8 = 6;
    pub const REQUEST_CERTIFICATE: u8 = 7;
}

/// SSL 2.0 error codes (ERROR message).
pub mod code {
    pub const NO_CIPHER: u16 = 0x0001;
    pub const NO_CERTIFICATE: u16 = 0x0002;
    pub const BAD_CERTIFICATE: u16 = 0x0004;
    pub const UNSUPPORTED_CERTIFICATE_TYPE: u16 = 0x0006;
}

/// SERVER-HELLO certificate type: X.509.
const CT_X509: u8 = 1;
const CONNECTION_ID_LEN: usize = 16;
const SESSION_ID_LEN: usize = 16;
/// The challenge our client sends (16 to 32 bytes are allowed).
const CHALLENGE_LEN: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    // Server.
    ExpectClientHello,
    ExpectClientMasterKey,
    ExpectClientFinished,
    // Client.
    ExpectServerHello,
    ExpectServerVerify,
    ExpectServerFinished,
    Established,
}

/// Key material: MD5(MASTER-KEY ‖ "0" ‖ CHALLENGE ‖ CONNECTION-ID) ‖ MD5(… "1" …) ‖ …, `len` bytes.
pub fn key_material(master: &[u8], challenge: &[u8], connection_id: &[u8], len: usize) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(len + 16));
    let mut i = b'0';
    while out.len() < len {
        let mut h = Md5::new();
        h.update(master);
        h.update([i]);
        h.update(challenge);
        h.update(connection_id);
        out.extend_from_slice(&h.finalize());
        i += 1;
    }
    out.truncate(len);
    out
}

/// Why a server that requires a client certificate refuses SSL 2.0: we implement no SSL 2.0
/// client authentication (REQUEST-CERTIFICATE), so an SSL 2.0 client can never present one.
pub const CLIENT_CERTIFICATE_REQUIRED: &str = "a client certificate is required and SSL 2.0 cannot carry one";

/// The ERROR message for an error, if SSL 2.0 has a code for it.
pub fn error_message(err: &Error) -> Option<[u8; 3]> {
    use crate::x509::CertError;
    let c = match err {
        Error::HandshakeFailure(m) if *m == CLIENT_CERTIFICATE_REQUIRED => code::NO_CERTIFICATE,
        Error::HandshakeFailure(_) => code::NO_CIPHER,
        Error::Certificate(CertError::UnsupportedKey | CertError::UnsupportedSignatureAlgorithm) => code::UNSUPPORTED_CERTIFICATE_TYPE,
        Error::Certificate(_) => code::BAD_CERTIFICATE,
        _ => return None,
    };
    Some([msg::ERROR, (c >> 8) as u8, c as u8])
}

/// What [`Session::process`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    Incomplete { needed: usize },
    Consumed(usize),
}

/// One SSL 2.0 connection, either side.
pub struct Session {
    side: Side,
    state: State,
    kind: Option<&'static Ssl2Kind>,
    /// Server: our certificate and key.
    identity: Option<ServerIdentity>,
    /// Client: the server's certificate (SSL 2.0 sends exactly one).
    peer_certs: Vec<Vec<u8>>,
    challenge: Vec<u8>,
    connection_id: Vec<u8>,
    session_id: Vec<u8>,
    /// Server: the client's RSA padding said it speaks SSL 3.0 or later (RFC 2246 E.2).
    rollback: Choice,
    /// SSL 3.0 or TLS is enabled beside SSL 2.0: a server treats a rollback as an attack, a
    /// client pads its CLIENT-MASTER-KEY to say so.
    higher_enabled: bool,
    read: Direction,
    write: Direction,
    out: Vec<u8>,
}

impl Session {
    fn new(side: Side, state: State, higher_enabled: bool) -> Self {
        Session {
            side,
            state,
            kind: None,
            identity: None,
            peer_certs: Vec::new(),
            challenge: Vec::new(),
            connection_id: Vec::new(),
            session_id: Vec::new(),
            rollback: Choice::from(0),
            higher_enabled,
            read: Direction::default(),
            write: Direction::default(),
            out: Vec::new(),
        }
    }

    pub fn side(&self) -> Side {
        self.side
    }

    pub fn is_established(&self) -> bool {
        self.state == State::Established
    }

    /// The negotiated cipher kind, once chosen.
    pub fn kind(&self) -> Option<&'static Ssl2Kind> {
        self.kind
    }

    /// SERVER-FINISHED's session id.
    pub fn session_id(&self) -> &[u8] {
        &self.session_id
    }

    /// The server's certificate: ours on a server, the peer's on a client.
    pub fn certificate(&self) -> Option<&[u8]> {
        match self.side {
            Side::Server => self.identity.as_ref().and_then(|i| i.chain.first()).map(Vec::as_slice),
            Side::Client => self.peer_certs.first().map(Vec::as_slice),
        }
    }

    /// Client: the server's certificate as a one-element chain (empty before SERVER-HELLO).
    pub fn peer_certificates(&self) -> &[Vec<u8>] {
        &self.peer_certs
    }

    pub fn take_output(&mut self) -> Vec<u8> {
        core::mem::take(&mut self.out)
    }

    /// Queues an ERROR message for `err` when SSL 2.0 has a code for it.
    pub fn send_error(&mut self, err: &Error) {
        if let Some(m) = error_message(err) {
            self.write.seal(&m, &mut self.out);
        }
    }

    fn send(&mut self, m: &[u8]) {
        crate::log::ssl2_handshake(true, m[0], m.len());
        self.write.seal(m, &mut self.out);
    }

    /// Processes every whole record at the front of `input` until the handshake is done.
    /// `cfg` and `server_name` serve a client's certificate check.
    pub fn process(&mut self, input: &[u8], cfg: &Config, server_name: Option<&str>) -> Result<Progress, Error> {
        let mut consumed = 0;
        while !self.is_established() {
            // Decrypting in place would change the caller's bytes; copy just this record (a
            // copy of everything after it, per record, would be quadratic in the input).
            let rest = &input[consumed..];
            let end = match hello::frame(rest) {
                hello::Frame::Complete { header, body, .. } => header + body,
                hello::Frame::Incomplete { .. } => rest.len(),
            };
            let mut rec = rest[..end].to_vec();
            let range = match self.read.open(&mut rec)? {
                Opened::Incomplete { needed } if consumed == 0 => return Ok(Progress::Incomplete { needed }),
                Opened::Incomplete { .. } => break,
                Opened::Record { data, total } => {
                    consumed += total;
                    data
                }
            };
            let m = &rec[range];
            let typ = *m.first().ok_or(Error::UnexpectedMessage("empty SSL 2.0 message"))?;
            crate::log::ssl2_handshake(false, typ, m.len());
            if typ == msg::ERROR {
                return Err(peer_error(&m[1..]));
            }
            match self.side {
                Side::Server => self.server_message(typ, &m[1..])?,
                Side::Client => self.client_message(typ, &m[1..], cfg, server_name)?,
            }
        }
        Ok(Progress::Consumed(consumed))
    }

    /// Sets both directions' keys from the master key; the server writes with
    /// KEY-MATERIAL's first half (CLIENT-READ-KEY), the client with its second.
    fn set_keys(&mut self, master: &[u8], key_arg: &[u8]) -> Result<(), Error> {
        let kind = self.kind.ok_or(Error::Internal("no SSL 2.0 kind chosen"))?;
        let n = kind.key_len();
        let km = key_material(master, &self.challenge, &self.connection_id, 2 * n);
        let (client_read, client_write) = km.split_at(n);
        let (write, read) = match self.side {
            Side::Server => (client_read, client_write),
            Side::Client => (client_write, client_read),
        };
        self.write.set_keys(kind, write, key_arg, true);
        self.read.set_keys(kind, read, key_arg, false);
        Ok(())
    }

    /// The record layer's write side (EncryptMessage seals through it).
    pub fn write(&mut self) -> &mut Direction {
        &mut self.write
    }

    /// The record layer's write side, for sizes.
    pub fn write_side(&self) -> &Direction {
        &self.write
    }

    /// The record layer's read side (DecryptMessage opens through it).
    pub fn read(&mut self) -> &mut Direction {
        &mut self.read
    }
}

/// The error for an ERROR message from the peer (SSL 2.0 codes mapped onto the TLS alerts
/// with the same meaning, so that the SSPI status is the one a TLS peer would cause).
fn peer_error(body: &[u8]) -> Error {
    use crate::msgs::enums::AlertDescription as A;
    let code = match body {
        [a, b] => u16::from_be_bytes([*a, *b]),
        _ => return Error::Decode(crate::msgs::codec::InvalidMessage::IllegalValue),
    };
    Error::AlertReceived(match code {
        code::NO_CIPHER => A::HandshakeFailure,
        code::NO_CERTIFICATE => A::NoCertificate,
        code::BAD_CERTIFICATE => A::BadCertificate,
        code::UNSUPPORTED_CERTIFICATE_TYPE => A::UnsupportedCertificate,
        _ => A::IllegalParameter,
    })
}

fn random_vec(n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    random::fill(&mut v);
    v
}

fn kind_id(b: &[u8]) -> u32 {
    (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2])
}
