//! The SSL 2.0 server half (SSL 2.0 spec, "Server Only Protocol Messages"): CLIENT-HELLO →
//! SERVER-HELLO (certificate, one cipher kind, connection-id); CLIENT-MASTER-KEY (clear and
//! RSA-encrypted key, KEY-ARG as IV) → SERVER-VERIFY (the challenge); CLIENT-FINISHED (the
//! connection-id) → SERVER-FINISHED (a new session-id).
#![forbid(unsafe_code)]

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::hello::V2ClientHello;
use super::record::MAX_DATA;
use super::{kind_id, msg, random_vec, Session, State, CONNECTION_ID_LEN, CT_X509, SESSION_ID_LEN, VERSION};
use crate::crypto::sign::SigningKey;
use crate::engine::config::Config;
use crate::engine::error::Error;
use crate::handshake::Side;
use crate::msgs::codec::Reader;

impl Session {
    /// A server that has just read `hello` (the client's record 0) and queued its SERVER-HELLO;
    /// a failure is kept in the session so that the caller can still send its ERROR message.
    pub fn new_server(cfg: &Config, hello: &V2ClientHello) -> (Box<Self>, Result<(), Error>) {
        let mut s = Box::new(Session::new(Side::Server, State::ExpectClientHello, !cfg.versions.is_empty()));
        s.read.count_clear_record();
        let r = s.client_hello(cfg, hello);
        (s, r)
    }

    fn client_hello(&mut self, cfg: &Config, hello: &V2ClientHello) -> Result<(), Error> {
        if cfg.require_client_cert {
            return Err(Error::HandshakeFailure(super::CLIENT_CERTIFICATE_REQUIRED));
        }
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
        self.connection_id = random_vec(CONNECTION_ID_LEN);
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
        self.send(&m);
        self.kind = Some(kind);
        self.identity = Some(identity);
        self.challenge = hello.challenge.clone();
        self.state = State::ExpectClientMasterKey;
        Ok(())
    }

    pub(super) fn server_message(&mut self, typ: u8, body: &[u8]) -> Result<(), Error> {
        match (self.state, typ) {
            (State::ExpectClientMasterKey, msg::CLIENT_MASTER_KEY) => self.client_master_key(body),
            (State::ExpectClientFinished, msg::CLIENT_FINISHED) => {
                if !bool::from(body.ct_eq(&self.connection_id)) {
                    return Err(Error::FinishedMismatch);
                }
                // RFC 2246 E.2: the client padded with 0x03s, so it could have spoken SSL 3.0
                // or TLS with us; someone rewrote its hello to SSL 2.0.
                if self.higher_enabled && bool::from(self.rollback) {
                    return Err(Error::VersionRollback);
                }
                self.session_id = random_vec(SESSION_ID_LEN);
                let mut f = vec![msg::SERVER_FINISHED];
                f.extend_from_slice(&self.session_id);
                self.send(&f);
                self.state = State::Established;
                Ok(())
            }
            _ => Err(Error::UnexpectedMessage("SSL 2.0 handshake message out of order")),
        }
    }

    fn client_master_key(&mut self, body: &[u8]) -> Result<(), Error> {
        let kind = self.kind.ok_or(Error::Internal("no kind chosen"))?;
        let mut r = Reader::new(body);
        let id = kind_id(r.take(3)?);
        let clear_len = usize::from(r.u16()?);
        let enc_len = usize::from(r.u16()?);
        let arg_len = usize::from(r.u16()?);
        if id != kind.id {
            return Err(Error::IllegalParameter("CLIENT-MASTER-KEY names a kind we did not offer"));
        }
        if clear_len != kind.clear_key_len || arg_len != kind.key_arg_len() {
            return Err(Error::IllegalParameter("CLIENT-MASTER-KEY clear key or key-arg length"));
        }
        let clear = r.take(clear_len)?;
        let encrypted = r.take(enc_len)?;
        let key_arg = r.take(arg_len)?.to_vec();
        r.expect_empty()?;
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
        self.set_keys(&master, &key_arg)?;
        let mut v = vec![msg::SERVER_VERIFY];
        v.extend_from_slice(&self.challenge);
        self.send(&v);
        self.state = State::ExpectClientFinished;
        Ok(())
    }
}
