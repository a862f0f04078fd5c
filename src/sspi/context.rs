//! Security-context semantics shared by `InitializeSecurityContext` and
//! `AcceptSecurityContext`: one handshake step, control tokens, and the attributes.
#![forbid(unsafe_code)]

use std::sync::Arc;

use super::alpn::application_protocol;
use super::credentials::{protocol_bit, CertData};
use super::ffi::consts::*;
use super::ffi::types::{
    SecPkgContext_ApplicationProtocol, SecPkgContext_CipherInfo, SecPkgContext_ConnectionInfo, SecPkgContext_StreamSizes, SECURITY_STATUS,
    SZ_ALG_MAX_SIZE,
};
use super::status::from_error;
use crate::engine::{Connection, Step};
use crate::handshake::Side;
use crate::msgs::enums::{AlertDescription, AlertLevel};

/// A request queued by `ApplyControlToken`, carried out by the next ISC/ASC call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Shutdown,
    Alert(AlertLevel, AlertDescription),
    /// `SCHANNEL_RENEGOTIATE`: a client sends a new ClientHello, a server a HelloRequest.
    Renegotiate,
}

/// One security context.
pub struct Context {
    pub conn: Connection,
    pub pending_control: Option<Control>,
    /// The certificate of the credential this context was made from.
    pub local_cert: Option<Arc<CertData>>,
    /// Plaintext handed out by DecryptMessage from our own memory (see `Connection::take_queued`).
    pub delivered: Vec<u8>,
    /// A client has built its ClientHello, or a server's engine has processed handshake input:
    /// the ALPN list can no longer change.
    pub hello_processed: bool,
    /// Client: the identity of the credential passed to the latest ISC call.
    pub supplied_identity: Option<crate::engine::config::ServerIdentity>,
    /// Client: length of the input of the call that returned SEC_I_INCOMPLETE_CREDENTIALS.
    /// Schannel consumes nothing then, so callers pass the same bytes again (the SDK sample
    /// and curl do); we processed them already and skip that copy.
    pub resubmitted_len: Option<usize>,
}

/// What one ISC/ASC call produced, before it is written into the caller's buffers.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct StepOutcome {
    pub status: SECURITY_STATUS,
    /// Bytes for the output TOKEN buffer (an alert on failure).
    pub token: Vec<u8>,
    /// Unconsumed bytes at the end of the input (reported as SECBUFFER_EXTRA).
    pub extra: usize,
    /// Bytes still needed (reported as SECBUFFER_MISSING with SEC_E_INCOMPLETE_MESSAGE).
    pub missing: Option<usize>,
}

impl Context {
    pub fn new(conn: Connection, local_cert: Option<Arc<CertData>>) -> Self {
        Context {
            conn,
            pending_control: None,
            local_cert,
            delivered: Vec::new(),
            hello_processed: false,
            supplied_identity: None,
            resubmitted_len: None,
        }
    }

    /// The client's first call: the ClientHello.
    pub fn start(&mut self) -> StepOutcome {
        self.hello_processed = true;
        match self.conn.start() {
            Ok(()) => StepOutcome { status: SEC_I_CONTINUE_NEEDED, token: self.conn.take_output(), ..Default::default() },
            Err(e) => StepOutcome { status: from_error(&e), token: self.conn.take_output(), ..Default::default() },
        }
    }

    /// One ISC/ASC continuation call with the caller's input token (None when absent).
    pub fn step(&mut self, input: Option<&[u8]>) -> StepOutcome {
        if let Some(ctrl) = self.pending_control.take() {
            // Shutdown/alert: the token is the alert record, whatever the input (MS "Shutting
            // Down an Schannel Connection").
            let token = match ctrl {
                Control::Shutdown => self.conn.close_notify(),
                Control::Alert(level, desc) => self.conn.send_alert(level, desc),
                Control::Renegotiate => return self.start_renegotiation(),
            };
            return StepOutcome { status: SEC_E_OK, token, ..Default::default() };
        }
        if self.conn.awaiting_credentials() {
            return self.continue_with_credentials(input);
        }
        let pending = self.conn.take_output();
        if !pending.is_empty() {
            // An alert queued by a failed DecryptMessage/EncryptMessage is handed out here; any
            // input stays the caller's (reported as EXTRA), nothing is consumed.
            let extra = input.map_or(0, <[u8]>::len);
            return StepOutcome { status: SEC_E_OK, token: pending, extra, missing: None };
        }
        let Some(input) = input.filter(|i| !i.is_empty()) else {
            return StepOutcome { status: SEC_E_INCOMPLETE_MESSAGE, ..Default::default() };
        };
        let result = self.conn.process_handshake(input);
        if !matches!(result, Ok(Step::Incomplete { .. })) {
            self.hello_processed = true;
        }
        match result {
            Ok(Step::Incomplete { needed }) => {
                StepOutcome { status: SEC_E_INCOMPLETE_MESSAGE, missing: Some(needed), ..Default::default() }
            }
            Ok(Step::Continue { consumed }) => {
                StepOutcome { status: SEC_I_CONTINUE_NEEDED, token: self.conn.take_output(), extra: input.len() - consumed, missing: None }
            }
            Ok(Step::Declined { consumed }) => {
                StepOutcome { status: SEC_I_NO_RENEGOTIATION, token: self.conn.take_output(), extra: input.len() - consumed, missing: None }
            }
            Ok(Step::NeedCredentials { .. }) => {
                // Nothing reported as consumed: see `resubmitted_len`.
                self.resubmitted_len = Some(input.len());
                StepOutcome { status: SEC_I_INCOMPLETE_CREDENTIALS, ..Default::default() }
            }
            Ok(Step::Done { consumed }) => {
                crate::log::negotiated(&self.conn);
                if let Some((random, master)) = self.conn.key_log_secrets() {
                    super::keylog::record(&random, &master);
                }
                StepOutcome { status: SEC_E_OK, token: self.conn.take_output(), extra: input.len() - consumed, missing: None }
            }
            Err(e) => StepOutcome { status: from_error(&e), token: self.conn.take_output(), ..Default::default() },
        }
    }

    /// The call after SEC_I_INCOMPLETE_CREDENTIALS: our flight with the supplied certificate,
    /// or without one. A repeat of the previous input is skipped; anything else is EXTRA.
    fn continue_with_credentials(&mut self, input: Option<&[u8]>) -> StepOutcome {
        let len = input.map_or(0, <[u8]>::len);
        let extra = if Some(len) == self.resubmitted_len.take() { 0 } else { len };
        match self.conn.continue_with_client_identity(self.supplied_identity.take()) {
            Ok(()) => StepOutcome { status: SEC_I_CONTINUE_NEEDED, token: self.conn.take_output(), extra, missing: None },
            Err(e) => StepOutcome { status: from_error(&e), token: self.conn.take_output(), ..Default::default() },
        }
    }

    /// Our side asks for a renegotiation: a client sends a ClientHello and goes on with its
    /// handshake loop (SEC_I_CONTINUE_NEEDED); a server sends a HelloRequest and goes back to
    /// DecryptMessage (SEC_E_OK), which reports the client's hello with SEC_I_RENEGOTIATE.
    fn start_renegotiation(&mut self) -> StepOutcome {
        match self.conn.request_renegotiation() {
            Ok(()) => {
                let status = if self.conn.is_established() { SEC_E_OK } else { SEC_I_CONTINUE_NEEDED };
                StepOutcome { status, token: self.conn.take_output(), ..Default::default() }
            }
            Err(e) => StepOutcome { status: from_error(&e), token: self.conn.take_output(), ..Default::default() },
        }
    }

    /// The ALPN list of a `SECBUFFER_APPLICATION_PROTOCOLS` input buffer. A client takes it on
    /// its first call only (before the ClientHello is built); a server until the engine has
    /// processed the ClientHello. Later lists are ignored (false).
    pub fn offer_application_protocols(&mut self, protocols: Vec<Vec<u8>>) -> bool {
        if self.hello_processed || self.conn.is_established() {
            return false;
        }
        self.conn.set_alpn_protocols(protocols);
        true
    }

    /// `SECPKG_ATTR_APPLICATION_PROTOCOL`: `Success` with the protocol once one was agreed,
    /// otherwise `None` (also before the handshake got that far).
    pub fn application_protocol(&self) -> SecPkgContext_ApplicationProtocol {
        application_protocol(self.conn.alpn_protocol())
    }

    /// `SECPKG_ATTR_STREAM_SIZES`; None before a suite is negotiated.
    pub fn stream_sizes(&self) -> Option<SecPkgContext_StreamSizes> {
        if self.conn.info().is_none() && self.conn.ssl2_kind().is_none() {
            return None;
        }
        Some(SecPkgContext_StreamSizes {
            cbHeader: self.conn.header_len() as u32,
            cbTrailer: self.conn.max_trailer() as u32,
            cbMaximumMessage: self.conn.max_data() as u32,
            cBuffers: 4,
            cbBlockSize: self.conn.block_len() as u32,
        })
    }

    fn is_inbound(&self) -> bool {
        self.conn.side() == Side::Server
    }

    /// `SECPKG_ATTR_CONNECTION_INFO`.
    pub fn connection_info(&self) -> Option<SecPkgContext_ConnectionInfo> {
        if let Some(k) = self.conn.ssl2_kind() {
            return Some(SecPkgContext_ConnectionInfo {
                dwProtocol: if self.is_inbound() { SP_PROT_SSL2_SERVER } else { SP_PROT_SSL2_CLIENT },
                aiCipher: k.calg_cipher(),
                dwCipherStrength: k.strength_bits(),
                aiHash: k.calg_hash(),
                dwHashStrength: 128,
                aiExch: k.calg_exch(),
                dwExchStrength: self.exchange_bits(),
            });
        }
        let info = self.conn.info()?;
        let s = info.suite;
        Some(SecPkgContext_ConnectionInfo {
            dwProtocol: protocol_bit(info.version, self.is_inbound()),
            aiCipher: s.calg_cipher(),
            dwCipherStrength: s.strength_bits(),
            aiHash: s.calg_hash(),
            dwHashStrength: (s.mac.output_len() * 8) as u32,
            aiExch: s.kx.calg(),
            dwExchStrength: self.exchange_bits(),
        })
    }

    /// `dwExchStrength`: the ephemeral group's size for ECDHE/DHE, else the RSA key's.
    fn exchange_bits(&self) -> u32 {
        if let Some(bits) = self.conn.info().and_then(|i| i.kx_bits) {
            return bits;
        }
        let leaf = match self.conn.side() {
            Side::Client => self.conn.peer_certificates().first().cloned(),
            Side::Server => self.local_cert.as_ref().map(|c| c.der.clone()),
        };
        leaf.and_then(|d| crate::x509::rsa_modulus_bits(&d).ok()).unwrap_or(0)
    }

    /// `SECPKG_ATTR_CIPHER_INFO`.
    pub fn cipher_info(&self) -> Option<SecPkgContext_CipherInfo> {
        if let Some(k) = self.conn.ssl2_kind() {
            let bits = self.exchange_bits();
            return Some(SecPkgContext_CipherInfo {
                dwVersion: 1,
                dwProtocol: u32::from(crate::ssl2::VERSION),
                dwCipherSuite: k.id,
                dwBaseCipherSuite: k.id,
                szCipherSuite: wide(k.name),
                szCipher: wide(k.cng_cipher()),
                dwCipherLen: k.strength_bits(),
                dwCipherBlockLen: k.block_len() as u32,
                szHash: wide("MD5"),
                dwHashLen: 128,
                szExchange: wide("RSA"),
                dwMinExchangeLen: bits,
                dwMaxExchangeLen: bits,
                szCertificate: wide("RSA"),
                dwKeyType: 0,
            });
        }
        let info = self.conn.info()?;
        let s = info.suite;
        let bits = self.exchange_bits();
        Some(SecPkgContext_CipherInfo {
            dwVersion: 1,
            dwProtocol: u32::from(info.version.0),
            dwCipherSuite: u32::from(s.id),
            dwBaseCipherSuite: u32::from(s.id),
            szCipherSuite: wide(s.name),
            szCipher: wide(s.cng_cipher()),
            dwCipherLen: s.strength_bits(),
            dwCipherBlockLen: s.bulk.block_len() as u32,
            szHash: wide(s.cng_hash()),
            dwHashLen: (s.mac.output_len() * 8) as u32,
            szExchange: wide(s.kx.cng_name()),
            dwMinExchangeLen: bits,
            dwMaxExchangeLen: bits,
            szCertificate: wide(s.kx.cert_key().name()),
            dwKeyType: 0,
        })
    }
}

/// A NUL-terminated UTF-16 copy of `s` in a fixed array (truncated to fit).
pub fn wide(s: &str) -> [u16; SZ_ALG_MAX_SIZE] {
    let mut out = [0u16; SZ_ALG_MAX_SIZE];
    for (o, c) in out.iter_mut().take(SZ_ALG_MAX_SIZE - 1).zip(s.encode_utf16()) {
        *o = c;
    }
    out
}
