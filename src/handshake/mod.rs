//! Handshake state machines (one enum of states per side) and what both sides share:
//! transcript, randoms, master secret, key derivation and Finished (RFC 2246 §7.4, §8).
#![forbid(unsafe_code)]

pub mod client;
pub mod key_exchange;
pub mod server;

use zeroize::Zeroizing;

use crate::cache::Session;

use crate::crypto::cipher::Direction;
use crate::crypto::hash::md5_sha1;
use crate::crypto::prf::prf;
use crate::crypto::sign::{SignatureScheme, SigningKey};
use crate::engine::error::Error;
use crate::msgs::enums::{ContentType, HandshakeType, ProtocolVersion};
use crate::msgs::handshake::frame;
use crate::record::layer::RecordLayer;
use crate::record::protect::DirectionState;
use crate::suites::CipherSuite;

/// Which end of the connection we are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Client,
    Server,
}

/// Length of Finished.verify_data in TLS (RFC 2246 §7.4.9); SSL 3.0's is 36 bytes.
pub const VERIFY_DATA_LEN: usize = 12;

/// What a handshake accumulates, shared by client and server states.
pub struct HandshakeData {
    /// Every handshake message so far, as sent/received (for Finished).
    pub transcript: Vec<u8>,
    pub client_random: [u8; 32],
    pub server_random: [u8; 32],
    /// The version from the ClientHello (the premaster must carry it).
    pub client_version: ProtocolVersion,
    pub version: Option<ProtocolVersion>,
    pub suite: Option<&'static CipherSuite>,
    pub session_id: Vec<u8>,
    pub master_secret: Zeroizing<[u8; 48]>,
    /// The peer's certificate chain, end-entity first.
    pub peer_certs: Vec<Vec<u8>>,
    /// Both sides signalled RFC 5746 support.
    pub secure_renegotiation: bool,
    pub client_verify_data: Vec<u8>,
    pub server_verify_data: Vec<u8>,
    /// Client: the target name; server: the SNI host name received.
    pub server_name: Option<String>,
    /// This handshake resumed a cached session (abbreviated handshake).
    pub resumed: bool,
    /// Client: the cached session offered in the ClientHello.
    pub offered: Option<Session>,
    /// Our write state, installed when we send ChangeCipherSpec (resumption: after the peer's Finished).
    pub pending_write: Option<DirectionState>,
    /// Set on a renegotiation: the verify_data of the previous handshake (RFC 5746 §3.1).
    pub previous_verify_data: Option<(Vec<u8>, Vec<u8>)>,
    /// ALPN (RFC 7301): client, the protocols offered; server, those accepted, best first.
    pub alpn_offer: Vec<Vec<u8>>,
    /// The application protocol agreed on.
    pub alpn: Option<Vec<u8>>,
    /// Extended master secret (RFC 7627) in use for this handshake.
    pub ems: bool,
    /// Our ephemeral key-exchange share, between ServerKeyExchange and ClientKeyExchange.
    pub ephemeral: Option<key_exchange::Ephemeral>,
    /// Client: the server's ephemeral public value from ServerKeyExchange (for RSA export
    /// suites the temporary key as a PKCS#1 `RSAPublicKey`).
    pub peer_kx_public: Vec<u8>,
    /// Server: the temporary RSA key of an export suite, when our certificate key is too long.
    pub temp_rsa: Option<std::sync::Arc<crate::crypto::rsa::RsaPrivateKey>>,
    /// Server: the client's signature_algorithms (RFC 5246 §7.4.1.4.1), empty if absent.
    pub peer_sig_schemes: Vec<u16>,
    /// Server: the client's supported_groups (RFC 8422 §5.1.1), empty if absent.
    pub peer_groups: Vec<u16>,
    /// Server: the certificate and key this handshake uses.
    pub identity: Option<crate::engine::config::ServerIdentity>,
    /// Both sides agreed on session tickets: the server sends NewSessionTicket before its
    /// ChangeCipherSpec (RFC 5077 §3.1).
    pub ticket_agreed: bool,
    /// Client: the ticket the server issued in this handshake.
    pub new_ticket: Option<Vec<u8>>,
    /// Server: ask the client for a certificate (`ASC_REQ_MUTUAL_AUTH`).
    pub request_client_cert: bool,
    /// Client: the server's CertificateRequest, if it sent one.
    pub cert_request: Option<crate::msgs::handshake::CertificateRequest>,
    /// Client: the identity we authenticated with, if any.
    pub client_identity: Option<crate::engine::config::ServerIdentity>,
    /// Size in bits of the ephemeral group (ECDHE curve or DH prime), when there was one.
    pub kx_bits: Option<u32>,
    /// Encrypt-then-MAC (RFC 7366) protects the records of this handshake's keys.
    pub etm: bool,
    /// On a renegotiation: the connection already uses encrypt-then-MAC, which it may not give
    /// up (RFC 7366 §3.1).
    pub previous_etm: bool,
}

impl Default for HandshakeData {
    fn default() -> Self {
        HandshakeData {
            transcript: Vec::new(),
            client_random: [0; 32],
            server_random: [0; 32],
            client_version: ProtocolVersion::TLS1_0,
            version: None,
            suite: None,
            session_id: Vec::new(),
            master_secret: Zeroizing::new([0; 48]),
            peer_certs: Vec::new(),
            secure_renegotiation: false,
            client_verify_data: Vec::new(),
            server_verify_data: Vec::new(),
            server_name: None,
            resumed: false,
            offered: None,
            pending_write: None,
            previous_verify_data: None,
            alpn_offer: Vec::new(),
            alpn: None,
            ems: false,
            ephemeral: None,
            peer_kx_public: Vec::new(),
            temp_rsa: None,
            peer_sig_schemes: Vec::new(),
            peer_groups: Vec::new(),
            identity: None,
            ticket_agreed: false,
            new_ticket: None,
            etm: false,
            previous_etm: false,
            kx_bits: None,
            request_client_cert: false,
            cert_request: None,
            client_identity: None,
        }
    }
}

impl HandshakeData {
    /// The data a renegotiation starts from: only what RFC 5746 binds to the previous handshake.
    pub fn for_renegotiation(&self) -> Self {
        HandshakeData {
            previous_verify_data: Some((self.client_verify_data.clone(), self.server_verify_data.clone())),
            secure_renegotiation: self.secure_renegotiation,
            server_name: self.server_name.clone(),
            version: self.version,
            alpn_offer: self.alpn_offer.clone(),
            previous_etm: self.etm,
            request_client_cert: self.request_client_cert,
            ..Default::default()
        }
    }

    /// What the cache keeps of a completed full handshake.
    pub fn to_session(&self, now: i64, lifetime: i64) -> Option<Session> {
        Some(Session {
            id: self.session_id.clone(),
            master_secret: self.master_secret.clone(),
            version: self.version?,
            suite_id: self.suite?.id,
            peer_certs: self.peer_certs.clone(),
            created: now,
            extended_master_secret: self.ems,
            lifetime,
            ticket: None,
        })
    }

    /// The negotiated suite; the states only call this after ServerHello.
    pub fn suite(&self) -> Result<&'static CipherSuite, Error> {
        self.suite.ok_or(Error::Internal("suite used before negotiation"))
    }

    /// TLS 1.2 or later: SHA-2 PRF, signature_algorithms, AEAD suites.
    pub fn is_tls12(&self) -> bool {
        self.version.is_some_and(|v| v >= ProtocolVersion::TLS1_2)
    }

    /// The negotiated version's PRF (RFC 2246 §5, RFC 5246 §5).
    pub fn prf(&self, secret: &[u8], label: &[u8], seed: &[u8], out: &mut [u8]) -> Result<(), Error> {
        prf(self.is_tls12(), self.suite()?.prf_hash(), secret, label, seed, out);
        Ok(())
    }

    /// The hash of the transcript so far: MD5 || SHA-1 before TLS 1.2, the PRF hash after.
    pub fn transcript_hash(&self) -> Result<Vec<u8>, Error> {
        Ok(if self.is_tls12() { self.suite()?.prf_hash().digest(&self.transcript) } else { md5_sha1(&self.transcript).to_vec() })
    }

    /// master_secret = PRF(pre_master_secret, "master secret", client_random + server_random), or
    /// with the extended master secret PRF(pre_master_secret, "extended master secret",
    /// session_hash) over the transcript through ClientKeyExchange (RFC 7627 §4).
    pub fn set_master_secret(&mut self, premaster: &[u8]) -> Result<(), Error> {
        let mut ms = Zeroizing::new([0u8; 48]);
        if self.is_ssl3() {
            // RFC 6101 §6.1; SSL 3.0 has no extended master secret.
            let mut seed = [0u8; 64];
            seed[..32].copy_from_slice(&self.client_random);
            seed[32..].copy_from_slice(&self.server_random);
            crate::crypto::ssl3::derive(premaster, &seed, &mut ms[..]);
        } else if self.ems {
            let session_hash = self.transcript_hash()?;
            self.prf(premaster, b"extended master secret", &session_hash, &mut ms[..])?;
        } else {
            let mut seed = [0u8; 64];
            seed[..32].copy_from_slice(&self.client_random);
            seed[32..].copy_from_slice(&self.server_random);
            self.prf(premaster, b"master secret", &seed, &mut ms[..])?;
        }
        self.master_secret = ms;
        Ok(())
    }

    /// The pending write and read states for `side` from the key block (RFC 2246 §6.3).
    pub fn derive_states(&self, side: Side) -> Result<(DirectionState, DirectionState), Error> {
        let suite = self.suite()?;
        // Export suites take only their short secret keys from the key block; final keys and
        // IVs come from the randoms (RFC 2246 §6.3).
        let iv = if suite.is_export() { 0 } else { suite.bulk.iv_len() };
        let (m, k) = (suite.mac_key_len(), suite.key_material_len());
        let mut seed = [0u8; 64];
        seed[..32].copy_from_slice(&self.server_random);
        seed[32..].copy_from_slice(&self.client_random);
        let mut kb = Zeroizing::new(vec![0u8; 2 * (m + k + iv)]);
        if self.is_ssl3() {
            crate::crypto::ssl3::derive(&self.master_secret[..], &seed, &mut kb);
        } else {
            self.prf(&self.master_secret[..], b"key expansion", &seed, &mut kb)?;
        }
        let (c_mac, rest) = kb.split_at(m);
        let (s_mac, rest) = rest.split_at(m);
        let (c_key, rest) = rest.split_at(k);
        let (s_key, rest) = rest.split_at(k);
        let (c_iv, s_iv) = rest.split_at(iv);
        let export = suite.is_export().then(|| {
            let secrets = crate::crypto::export::ExportSecrets {
                client_key: c_key,
                server_key: s_key,
                client_random: &self.client_random,
                server_random: &self.server_random,
            };
            let (k, iv) = (suite.bulk.key_len(), suite.bulk.iv_len());
            if self.is_ssl3() {
                secrets.ssl3(k, iv)
            } else {
                secrets.tls10(k, iv)
            }
        });
        let (c_key, s_key, c_iv, s_iv) = match &export {
            Some(e) => (&e.client_key[..], &e.server_key[..], &e.client_iv[..], &e.server_iv[..]),
            None => (c_key, s_key, c_iv, s_iv),
        };
        // TLS 1.1 (RFC 4346 §6.2.3.2) sends an explicit IV with each CBC record; the key block's
        // IVs then only seed a chain whose first block the receiver discards.
        let explicit_iv = self.version.is_some_and(|v| v >= ProtocolVersion::TLS1_1);
        let ssl3 = self.is_ssl3();
        let state = |dir, key, iv, mac: &[u8]| {
            let s =
                DirectionState::new(suite.bulk, suite.mac, dir, key, iv, mac).with_explicit_iv(explicit_iv).with_encrypt_then_mac(self.etm);
            if ssl3 {
                s.with_ssl3_mac(mac)
            } else {
                s
            }
        };
        let client_write = |dir| state(dir, c_key, c_iv, c_mac);
        let server_write = |dir| state(dir, s_key, s_iv, s_mac);
        Ok(match side {
            Side::Client => (client_write(Direction::Encrypt), server_write(Direction::Decrypt)),
            Side::Server => (server_write(Direction::Encrypt), client_write(Direction::Decrypt)),
        })
    }

    /// Settles encrypt-then-MAC for `suite`: only block ciphers use it (RFC 7366 §3), and a
    /// connection that has it may not renegotiate it away (§3.1).
    pub fn settle_etm(&mut self, agreed: bool) -> Result<(), Error> {
        self.etm = agreed && self.suite()?.bulk.block_len() > 0;
        if self.previous_etm && !self.etm {
            return Err(Error::HandshakeFailure("renegotiation would drop encrypt-then-MAC"));
        }
        Ok(())
    }

    /// Finished.verify_data for the transcript so far (RFC 2246 §7.4.9, RFC 5246 §7.4.9).
    pub fn verify_data(&self, sender: Side) -> Result<Vec<u8>, Error> {
        if self.is_ssl3() {
            let who = if sender == Side::Client { b"CLNT" } else { b"SRVR" };
            return Ok(crate::crypto::ssl3::finished(&self.master_secret[..], &self.transcript, who).to_vec());
        }
        let label: &[u8] = match sender {
            Side::Client => b"client finished",
            Side::Server => b"server finished",
        };
        let mut out = [0u8; VERIFY_DATA_LEN];
        self.prf(&self.master_secret[..], label, &self.transcript_hash()?, &mut out)?;
        Ok(out.to_vec())
    }

    /// Signs CertificateVerify with `key`: TLS signs the handshake messages so far with the
    /// scheme's hash (RFC 5246 §7.4.8); SSL 3.0 signs its own MD5/SHA-1 construction over them
    /// and the master secret (RFC 6101 §5.6.8).
    pub fn sign_certificate_verify(&self, key: &SigningKey, scheme: SignatureScheme) -> Option<Vec<u8>> {
        match self.ssl3_certificate_verify_digest(scheme) {
            Some(digest) => key.sign_prehashed(scheme, &digest),
            None => key.sign(scheme, &self.transcript),
        }
    }

    /// Checks the peer's CertificateVerify `sig` with the key in `spki` (the counterpart of
    /// [`HandshakeData::sign_certificate_verify`]).
    pub fn verify_certificate_verify(&self, scheme: SignatureScheme, spki: &[u8], sig: &[u8]) -> bool {
        match self.ssl3_certificate_verify_digest(scheme) {
            Some(digest) => crate::crypto::sign::verify_prehashed(scheme, spki, &digest, sig),
            None => crate::crypto::sign::verify(scheme, spki, &self.transcript, sig),
        }
    }

    /// SSL 3.0: the 36 bytes of MD5 || SHA-1 hashes for an RSA key, the SHA-1 half for DSA and
    /// ECDSA (RFC 6101 §5.6.8 and §5.6.3's `Signature`). None at TLS.
    fn ssl3_certificate_verify_digest(&self, scheme: SignatureScheme) -> Option<Vec<u8>> {
        if !self.is_ssl3() {
            return None;
        }
        let hashes = crate::crypto::ssl3::certificate_verify_hashes(&self.master_secret[..], &self.transcript);
        Some(if scheme.is_rsa() { hashes.to_vec() } else { hashes[16..].to_vec() })
    }

    /// SSL 3.0 was negotiated.
    pub fn is_ssl3(&self) -> bool {
        self.version == Some(ProtocolVersion::SSL3_0)
    }

    /// What ServerKeyExchange signs: client_random + server_random + params (RFC 5246 §7.4.3).
    pub fn signed_params(&self, params: &[u8]) -> Vec<u8> {
        let mut m = Vec::with_capacity(64 + params.len());
        m.extend_from_slice(&self.client_random);
        m.extend_from_slice(&self.server_random);
        m.extend_from_slice(params);
        m
    }

    /// Frames a handshake message, adds it to the transcript and queues it.
    pub fn send(&mut self, rl: &mut RecordLayer, typ: HandshakeType, body: &[u8]) -> Result<(), Error> {
        crate::log::handshake(true, typ, body.len());
        let mut msg = Vec::with_capacity(body.len() + 4);
        frame(typ, body, &mut msg);
        self.transcript.extend_from_slice(&msg);
        rl.send(ContentType::Handshake, &msg)?;
        Ok(())
    }

    /// Sends ChangeCipherSpec then our Finished under the new keys.
    pub fn send_ccs_and_finished(&mut self, rl: &mut RecordLayer, side: Side, write: DirectionState) -> Result<(), Error> {
        rl.send_ccs_and_switch(write)?;
        let vd = self.verify_data(side)?;
        match side {
            Side::Client => self.client_verify_data = vd.clone(),
            Side::Server => self.server_verify_data = vd.clone(),
        }
        self.send(rl, HandshakeType::Finished, &vd)
    }

    /// Checks the peer's Finished in constant time, then records it in the transcript.
    pub fn check_peer_finished(&mut self, peer: Side, body: &[u8], raw: &[u8]) -> Result<(), Error> {
        use subtle::ConstantTimeEq;
        let expect = self.verify_data(peer)?;
        if body.len() != expect.len() {
            return Err(Error::Decode(crate::msgs::codec::InvalidMessage::IllegalValue));
        }
        if !bool::from(expect.ct_eq(body)) {
            return Err(Error::FinishedMismatch);
        }
        match peer {
            Side::Client => self.client_verify_data = body.to_vec(),
            Side::Server => self.server_verify_data = body.to_vec(),
        }
        self.transcript.extend_from_slice(raw);
        Ok(())
    }
}

/// A fresh hello random: 4 bytes of time then 28 random bytes (RFC 2246 §7.4.1.2). We fill all
/// 32 randomly, as current stacks do, so the clock is not leaked.
pub fn new_random() -> [u8; 32] {
    crate::crypto::random::array()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finished_is_checked_against_the_transcript() {
        let mut hs = HandshakeData { suite: crate::suites::by_id(0x002F), ..Default::default() };
        hs.set_master_secret(&[3u8; 48]).unwrap();
        hs.transcript.extend_from_slice(b"client hello, server hello, ...");
        let good = hs.verify_data(Side::Server).unwrap();
        let mut bad = good.clone();
        bad[11] ^= 1;
        assert_eq!(hs.check_peer_finished(Side::Server, &bad, b"raw"), Err(Error::FinishedMismatch));
        assert!(hs.check_peer_finished(Side::Server, &good[..11], b"raw").is_err(), "short verify_data");
        // The client's label gives a different value: a reflected Finished does not verify.
        assert_ne!(hs.verify_data(Side::Client).unwrap(), good);
        assert_eq!(hs.check_peer_finished(Side::Server, &good, b"raw"), Ok(()));
        assert!(hs.transcript.ends_with(b"raw"), "accepted Finished joins the transcript");
    }
}
