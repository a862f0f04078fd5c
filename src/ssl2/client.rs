//! The SSL 2.0 client half (SSL 2.0 spec, "Client Only Protocol Messages"): CLIENT-HELLO; on
//! SERVER-HELLO, CLIENT-MASTER-KEY and CLIENT-FINISHED at once; then SERVER-VERIFY (our
//! challenge back) and SERVER-FINISHED. A server asking for a certificate is refused.
#![forbid(unsafe_code)]

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::hello::V2ClientHello;
use super::{kind_id, msg, random_vec, Session, State, CHALLENGE_LEN, CT_X509, VERSION};
use crate::crypto::{random, rsa};
use crate::engine::config::Config;
use crate::engine::error::Error;
use crate::handshake::Side;
use crate::msgs::codec::Reader;
use crate::msgs::enums::ProtocolVersion;
use crate::x509;

impl Session {
    /// A client with its CLIENT-HELLO queued (every enabled kind, a 16-byte challenge).
    pub fn new_client(cfg: &Config) -> Result<Box<Self>, Error> {
        if cfg.ssl2_kinds.is_empty() {
            return Err(Error::HandshakeFailure("no SSL 2.0 cipher kind enabled"));
        }
        let mut s = Box::new(Session::new(Side::Client, State::ExpectServerHello, !cfg.versions.is_empty()));
        s.challenge = random_vec(CHALLENGE_LEN);
        let hello = V2ClientHello {
            version: ProtocolVersion(VERSION),
            cipher_specs: cfg.ssl2_kinds.iter().map(|k| k.id).collect(),
            session_id: Vec::new(),
            challenge: s.challenge.clone(),
        };
        let mut m = Vec::new();
        hello.encode(&mut m);
        s.send(&m);
        Ok(s)
    }

    /// A client that sent an SSL 2.0-compatible hello (its record 0) with `challenge`, offering
    /// SSL 3.0/TLS too, and got an SSL 2.0 answer: it continues in SSL 2.0 and pads its
    /// CLIENT-MASTER-KEY to say it could have done better (RFC 2246 E.2).
    pub fn new_client_after_compatible_hello(challenge: &[u8]) -> Box<Self> {
        let mut s = Box::new(Session::new(Side::Client, State::ExpectServerHello, true));
        s.challenge = challenge.to_vec();
        s.write.count_clear_record();
        s
    }

    pub(super) fn client_message(&mut self, typ: u8, body: &[u8], cfg: &Config, server_name: Option<&str>) -> Result<(), Error> {
        match (self.state, typ) {
            (State::ExpectServerHello, msg::SERVER_HELLO) => self.server_hello(body, cfg, server_name),
            (State::ExpectServerVerify, msg::SERVER_VERIFY) => {
                if !bool::from(body.ct_eq(&self.challenge)) {
                    return Err(Error::FinishedMismatch);
                }
                self.state = State::ExpectServerFinished;
                Ok(())
            }
            (State::ExpectServerFinished, msg::SERVER_FINISHED) => {
                if body.is_empty() || body.len() > 32 {
                    return Err(Error::IllegalParameter("SSL 2.0 session id length"));
                }
                self.session_id = body.to_vec();
                self.state = State::Established;
                Ok(())
            }
            (State::ExpectServerVerify | State::ExpectServerFinished, msg::REQUEST_CERTIFICATE) => {
                Err(Error::HandshakeFailure("SSL 2.0 client authentication is not supported"))
            }
            _ => Err(Error::UnexpectedMessage("SSL 2.0 handshake message out of order")),
        }
    }

    fn server_hello(&mut self, body: &[u8], cfg: &Config, server_name: Option<&str>) -> Result<(), Error> {
        let mut r = Reader::new(body);
        let hit = r.u8()?;
        let cert_type = r.u8()?;
        let version = r.u16()?;
        let cert_len = usize::from(r.u16()?);
        let specs_len = usize::from(r.u16()?);
        let id_len = usize::from(r.u16()?);
        let cert = r.take(cert_len)?.to_vec();
        let specs = r.take(specs_len)?;
        let connection_id = r.take(id_len)?.to_vec();
        r.expect_empty()?;
        // We offered no session id, so the server cannot have found one.
        if hit != 0 || version != VERSION || specs_len % 3 != 0 || !(16..=32).contains(&id_len) {
            return Err(Error::IllegalParameter("SSL 2.0 SERVER-HELLO fields"));
        }
        if cert_type != CT_X509 {
            return Err(Error::Certificate(x509::CertError::UnsupportedKey));
        }
        let offered: Vec<u32> = specs.chunks_exact(3).map(kind_id).collect();
        let kind = cfg
            .ssl2_kinds
            .iter()
            .copied()
            .find(|k| offered.contains(&k.id))
            .ok_or(Error::HandshakeFailure("no SSL 2.0 cipher kind in common"))?;
        let chain = vec![cert];
        if cfg.verify_chain {
            let opts = x509::VerifyOptions { purpose: x509::Purpose::ServerAuth, ..cfg.verify.clone() };
            x509::verify_chain_with(&chain, &cfg.trust, (cfg.clock)(), &opts).map_err(Error::Certificate)?;
            if let Some(name) = server_name.filter(|n| cfg.verify_name && !n.is_empty()) {
                x509::verify_host_name(&chain[0], name).map_err(Error::Certificate)?;
            }
        }
        let pubkey = x509::rsa_public_key_pkcs1(&chain[0]).map_err(Error::Certificate)?;
        let modulus_len = x509::rsa_modulus_bits(&chain[0]).map_err(Error::Certificate)?.div_ceil(8) as usize;
        self.kind = Some(kind);
        self.connection_id = connection_id;
        self.peer_certs = chain;

        let master = Zeroizing::new(random_vec(kind.key_len()));
        let (clear, secret) = master.split_at(kind.clear_key_len);
        let encrypted =
            if self.higher_enabled { rollback_encrypt(&pubkey, modulus_len, secret) } else { rsa::public_encrypt_pkcs1(&pubkey, secret) }
                .ok_or(Error::Certificate(x509::CertError::UnsupportedKey))?;
        let key_arg = random_vec(kind.key_arg_len());
        let mut m = vec![msg::CLIENT_MASTER_KEY];
        m.extend_from_slice(&kind.id.to_be_bytes()[1..]);
        m.extend_from_slice(&(clear.len() as u16).to_be_bytes());
        m.extend_from_slice(&(encrypted.len() as u16).to_be_bytes());
        m.extend_from_slice(&(key_arg.len() as u16).to_be_bytes());
        m.extend_from_slice(clear);
        m.extend_from_slice(&encrypted);
        m.extend_from_slice(&key_arg);
        self.send(&m);
        self.set_keys(&master, &key_arg)?;
        let mut f = vec![msg::CLIENT_FINISHED];
        f.extend_from_slice(&self.connection_id);
        self.send(&f);
        self.state = State::ExpectServerVerify;
        Ok(())
    }
}

/// PKCS#1 v1.5 type-2 encryption whose padding ends in eight 0x03 bytes: a client that speaks
/// SSL 3.0 or TLS too says so (RFC 2246 Appendix E.2). `k` is the modulus length in bytes.
fn rollback_encrypt(pubkey: &[u8], k: usize, secret: &[u8]) -> Option<Vec<u8>> {
    if k < secret.len() + 11 {
        return None;
    }
    let mut em = Zeroizing::new(vec![0u8; k]);
    em[1] = 2;
    let sep = k - secret.len() - 1;
    random::fill(&mut em[2..sep - 8]);
    // Padding bytes are non-zero.
    for b in em[2..sep - 8].iter_mut() {
        while *b == 0 {
            random::fill(core::slice::from_mut(b));
        }
    }
    em[sep - 8..sep].fill(3);
    em[sep + 1..].copy_from_slice(secret);
    rsa::public_encrypt_raw(pubkey, &em)
}
