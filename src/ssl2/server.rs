//! The SSL 2.0 server handshake (SSL 2.0 spec, "Server Only Protocol Messages"): CLIENT-HELLO →
//! SERVER-HELLO (certificate, one cipher kind, connection-id); CLIENT-MASTER-KEY (clear and
//! RSA-encrypted key, KEY-ARG as IV) → SERVER-VERIFY (the challenge); CLIENT-FINISHED (the
//! connection-id) → SERVER-FINISHED (a new session-id). No session cache, no client
//! authentication.
#![forbid(unsafe_code)]

use md5::{Digest, Md5};
use subtle::{Choice, ConstantTimeEq};
use zeroize::Zeroizing;

use super::hello::V2ClientHello;
use super::record::{Direction, Opened, MAX_DATA};

use crate::crypto::random;
use crate::crypto::sign::SigningKey;
use crate::engine::config::{Config, ServerIdentity};
use crate::engine::error::Error;
use crate::msgs::codec::Reader;
use crate::suites::Ssl2Kind;

/// SSL 2.0 message types.
pub mod msg {
    pub const ERROR: u8 = 0;
    pub const CLIENT_HELLO: u8 = 1;
    pub const CLIENT_MASTER_KEY: u8 = 2;
    pub const CLIENT_FINISHED: u8 = 3;
    pub const SERVER_HELLO: u8 = 4;
    pub const SERVER_VERIFY: u8 = 5;
    pub const SERVER_FINISHED: u8 = 6;
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
/// SSL 2.0's version number.
pub const VERSION: u16 = 0x0002;
const CONNECTION_ID_LEN: usize = 16;
const SESSION_ID_LEN: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    ExpectClientHello,
    ExpectClientMasterKey,
    ExpectClientFinished,
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

/// The ERROR message for an error, if SSL 2.0 has a code for it.
pub fn error_message(err: &Error) -> Option<[u8; 3]> {
    let c = match err {
        Error::HandshakeFailure(_) => code::NO_CIPHER,
        _ => return None,
    };
    Some([msg::ERROR, (c >> 8) as u8, c as u8])
}

/// One SSL 2.0 server connection.
pub struct Server {
    state: State,
    kind: Option<&'static Ssl2Kind>,
    identity: Option<ServerIdentity>,
    challenge: Vec<u8>,
    connection_id: [u8; CONNECTION_ID_LEN],
    session_id: Vec<u8>,
    /// The client's RSA padding said it speaks SSL 3.0 or later (RFC 2246 E.2).
    rollback: Choice,
    /// We speak SSL 3.0 or TLS too: a rollback is an attack.
    higher_enabled: bool,
    read: Direction,
    write: Direction,
    out: Vec<u8>,
}

impl Server {
    pub fn new(cfg: &Config) -> Self {
        Server {
            state: State::ExpectClientHello,
            kind: None,
            identity: None,
            challenge: Vec::new(),
            connection_id: random::array(),
            session_id: Vec::new(),
            rollback: Choice::from(0),
            higher_enabled: !cfg.versions.is_empty(),
            read: Direction::default(),
            write: Direction::default(),
            out: Vec::new(),
        }
    }

    pub fn is_established(&self) -> bool {
        self.state == State::Established
    }

    /// The negotiated cipher kind, once chosen.
    pub fn kind(&self) -> Option<&'static Ssl2Kind> {
        self.kind
    }

    pub fn session_id(&self) -> &[u8] {
        &self.session_id
    }

    /// Our certificate.
    pub fn certificate(&self) -> Option<&[u8]> {
        self.identity.as_ref().and_then(|i| i.chain.first()).map(Vec::as_slice)
    }

    pub fn take_output(&mut self) -> Vec<u8> {
        core::mem::take(&mut self.out)
    }

    /// Queues an ERROR message for `err` when SSL 2.0 has a code for it (only before keys:
    /// afterwards the peer cannot tell an ERROR from garbage any more than we could).
    pub fn send_error(&mut self, err: &Error) {
        if let Some(m) = error_message(err) {
            self.write.seal(&m, &mut self.out);
        }
    }

    /// The CLIENT-HELLO, already framed and parsed by the engine (it was read as sequence 0).
    pub fn client_hello(&mut self, cfg: &Config, hello: &V2ClientHello) -> Result<(), Error> {
        if self.state != State::ExpectClientHello {
            return Err(Error::UnexpectedMessage("SSL 2.0 CLIENT-HELLO out of order"));
        }
        // The CLIENT-HELLO was the client's record 0.
        self.read.count_clear_record();
        let kind = cfg
            .ssl2_kinds
            .iter()
            .copied()
            .find(|k| hello.cipher_specs.contains(&k.id))
            .ok_or(Error::HandshakeFailure("no SSL 2.0 cipher kind in common"))?;
        let identity = cfg
            .identities
            .iter()
            .find(|i| matches!(*i.key, SigningKey::Rsa(_)))
            .cloned()
            .ok_or(Error::HandshakeFailure("SSL 2.0 needs an RSA certificate"))?;
        let cert = identity.chain.first().ok_or(Error::Internal("empty certificate chain"))?;
        let mut m = vec![msg::SERVER_HELLO, 0, CT_X509];
        m.extend_from_slice(&VERSION.to_be_bytes());
        m.extend_from_slice(&(cert.len() as u16).to_be_bytes());
        m.extend_from_slice(&3u16.to_be_bytes());
        m.extend_from_slice(&(CONNECTION_ID_LEN as u16).to_be_bytes());
        m.extend_from_slice(cert);
        m.extend_from_slice(&kind.id.to_be_bytes()[1..]);
        m.extend_from_slice(&self.connection_id);
        if m.len() > MAX_DATA {
            return Err(Error::Internal("certificate too large for an SSL 2.0 SERVER-HELLO"));
        }
        crate::log::ssl2_handshake(true, msg::SERVER_HELLO, m.len());
        self.write.seal(&m, &mut self.out);
        self.kind = Some(kind);
        self.identity = Some(identity);
        self.challenge = hello.challenge.clone();
        self.state = State::ExpectClientMasterKey;
        Ok(())
    }

    /// Processes every whole record at the front of `input`; returns the bytes consumed, or
    /// None when not even one record is whole (with the bytes still needed).
    pub fn process(&mut self, input: &[u8]) -> Result<Progress, Error> {
        let mut consumed = 0;
        while !self.is_established() {
            let mut rec = input[consumed..].to_vec();
            let range = match self.read.open(&mut rec)? {
                Opened::Incomplete { needed } if consumed == 0 => return Ok(Progress::Incomplete { needed }),
                Opened::Incomplete { .. } => break,
                Opened::Record { data, total } => {
                    consumed += total;
                    data
                }
            };
            self.message(&rec[range])?;
        }
        Ok(Progress::Consumed(consumed))
    }

    fn message(&mut self, m: &[u8]) -> Result<(), Error> {
        let mut r = Reader::new(m);
        let typ = r.u8()?;
        crate::log::ssl2_handshake(false, typ, m.len());
        match (self.state, typ) {
            (_, msg::ERROR) => Err(Error::HandshakeFailure("SSL 2.0 ERROR from the client")),
            (State::ExpectClientMasterKey, msg::CLIENT_MASTER_KEY) => self.client_master_key(&mut r),
            (State::ExpectClientFinished, msg::CLIENT_FINISHED) => {
                let id = r.rest();
                if !bool::from(id.ct_eq(&self.connection_id)) {
                    return Err(Error::FinishedMismatch);
                }
                // RFC 2246 E.2: the client padded with 0x03s, so it could have spoken SSL 3.0
                // or TLS with us; someone rewrote its hello to SSL 2.0.
                if self.higher_enabled && bool::from(self.rollback) {
                    return Err(Error::VersionRollback);
                }
                self.session_id = random::array::<SESSION_ID_LEN>().to_vec();
                let mut f = vec![msg::SERVER_FINISHED];
                f.extend_from_slice(&self.session_id);
                crate::log::ssl2_handshake(true, msg::SERVER_FINISHED, f.len());
                self.write.seal(&f, &mut self.out);
                self.state = State::Established;
                Ok(())
            }
            _ => Err(Error::UnexpectedMessage("SSL 2.0 handshake message out of order")),
        }
    }

    fn client_master_key(&mut self, r: &mut Reader) -> Result<(), Error> {
        let kind = self.kind.ok_or(Error::Internal("no kind chosen"))?;
        let b = r.take(3)?;
        let id = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let clear_len = usize::from(r.u16()?);
        let enc_len = usize::from(r.u16()?);
        let arg_len = usize::from(r.u16()?);
        let clear = r.take(clear_len)?;
        let encrypted = r.take(enc_len)?;
        let key_arg = r.take(arg_len)?;
        r.expect_empty()?;
        if id != kind.id {
            return Err(Error::IllegalParameter("CLIENT-MASTER-KEY names a kind we did not offer"));
        }
        if clear_len != kind.clear_key_len || arg_len != kind.key_arg_len() {
            return Err(Error::IllegalParameter("CLIENT-MASTER-KEY clear key or key-arg length"));
        }
        let identity = self.identity.as_ref().ok_or(Error::Internal("no identity"))?;
        let SigningKey::Rsa(key) = &*identity.key else {
            return Err(Error::Internal("SSL 2.0 with a non-RSA key"));
        };
        // As for TLS's premaster: a bad block yields a random secret of the right length, and
        // the handshake fails at CLIENT-FINISHED like any wrong key (no Bleichenbacher oracle).
        let fallback = Zeroizing::new(random_vec(kind.key_len() - clear_len));
        let (secret, rollback) = key.decrypt_ssl2_key(encrypted, &fallback);
        self.rollback = rollback;
        let mut master = Zeroizing::new(clear.to_vec());
        master.extend_from_slice(&secret);
        let n = kind.key_len();
        let km = key_material(&master, &self.challenge, &self.connection_id, 2 * n);
        // CLIENT-READ-KEY (our write key) first, then CLIENT-WRITE-KEY.
        self.write.set_keys(kind, &km[..n], key_arg, true);
        self.read.set_keys(kind, &km[n..], key_arg, false);
        let mut v = vec![msg::SERVER_VERIFY];
        v.extend_from_slice(&self.challenge);
        crate::log::ssl2_handshake(true, msg::SERVER_VERIFY, v.len());
        self.write.seal(&v, &mut self.out);
        self.state = State::ExpectClientFinished;
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

fn random_vec(n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    random::fill(&mut v);
    v
}

/// What [`Server::process`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    Incomplete { needed: usize },
    Consumed(usize),
}
