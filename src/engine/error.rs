//! The engine's one error type. Each variant names the alert we send for it in exactly one
//! place ([`Error::alert`]); the SSPI status is mapped in `sspi::status`.
#![forbid(unsafe_code)]

use crate::msgs::codec::InvalidMessage;
use crate::msgs::enums::AlertDescription;
use crate::record::protect::RecordError;
use crate::x509::CertError;

/// Why a connection failed or a call was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Input is not a TLS record at all (unknown content type or major version): no alert,
    /// the peer is not speaking TLS.
    NotTls,
    /// A message failed to parse.
    Decode(InvalidMessage),
    /// A message arrived that the current state does not accept.
    UnexpectedMessage(&'static str),
    /// A record's MAC or padding was wrong.
    BadRecordMac,
    /// A record was longer than the protocol allows.
    RecordOverflow,
    /// No protocol version in common.
    ProtocolVersion,
    /// No cipher suite (or other parameter set) in common.
    HandshakeFailure(&'static str),
    /// Server: the client offered only suites weaker than the credential's minimum strength
    /// (`dwMinimumCipherStrength`), RFC 2246 §7.2.2 insufficient_security.
    InsufficientSecurity,
    /// A field carries a value the protocol forbids in this context.
    IllegalParameter(&'static str),
    /// The peer's Finished did not verify.
    FinishedMismatch,
    /// The signature over the server's key-exchange parameters did not verify.
    BadSignature,
    /// The peer sent a hello extension we did not offer.
    UnsupportedExtension,
    /// Server: a client's fallback retry (TLS_FALLBACK_SCSV) offered less than we support (RFC 7507).
    InappropriateFallback,
    /// Client: the server random carries the RFC 8446 §4.1.3 downgrade sentinel.
    Downgrade,
    /// SSL 2.0 server: the client's CLIENT-MASTER-KEY padding ends in eight 0x03 bytes, so it
    /// speaks SSL 3.0 or later, which we enabled too: its hello was rewritten (RFC 2246 E.2).
    VersionRollback,
    /// No application protocol (ALPN) in common (RFC 7301 §3.2).
    NoApplicationProtocol,
    /// The peer's certificate or chain was rejected.
    Certificate(CertError),
    /// The peer sent a fatal alert (or closed during the handshake).
    AlertReceived(AlertDescription),
    /// The connection was closed or failed earlier; nothing more can be done with it.
    ContextExpired,
    /// Sequence numbers ran out (after 2^64 records).
    SequenceExhausted,
    /// The caller asked for something the state does not allow (e.g. data before the handshake).
    OutOfSequence,
    /// A bug or an unusable local key; never caused by the peer alone.
    Internal(&'static str),
}

impl From<InvalidMessage> for Error {
    fn from(e: InvalidMessage) -> Self {
        Error::Decode(e)
    }
}

impl From<RecordError> for Error {
    fn from(e: RecordError) -> Self {
        match e {
            RecordError::BadRecordMac => Error::BadRecordMac,
            RecordError::Overflow => Error::RecordOverflow,
            RecordError::SequenceExhausted => Error::SequenceExhausted,
            RecordError::CryptoFailure => Error::Internal("record encryption failed"),
        }
    }
}

impl Error {
    /// The fatal alert we send for this error, if any (RFC 2246 §7.2.2).
    pub fn alert(&self) -> Option<AlertDescription> {
        use AlertDescription as A;
        Some(match self {
            // SSL 2.0 has no alerts: a rollback is only detected in SSL 2.0.
            Error::NotTls | Error::AlertReceived(_) | Error::ContextExpired | Error::OutOfSequence | Error::VersionRollback => return None,
            Error::Decode(_) => A::DecodeError,
            Error::UnexpectedMessage(_) => A::UnexpectedMessage,
            Error::BadRecordMac => A::BadRecordMac,
            Error::RecordOverflow => A::RecordOverflow,
            Error::ProtocolVersion => A::ProtocolVersion,
            Error::HandshakeFailure(_) => A::HandshakeFailure,
            Error::InsufficientSecurity => A::InsufficientSecurity,
            Error::IllegalParameter(_) => A::IllegalParameter,
            Error::FinishedMismatch | Error::BadSignature => A::DecryptError,
            Error::UnsupportedExtension => A::UnsupportedExtension,
            Error::InappropriateFallback => A::InappropriateFallback,
            // RFC 8446 §4.1.3: a client that finds the sentinel aborts with illegal_parameter.
            Error::Downgrade => A::IllegalParameter,
            Error::NoApplicationProtocol => A::NoApplicationProtocol,
            Error::Certificate(c) => match c {
                CertError::UnknownIssuer | CertError::NotCa | CertError::PathTooLong => A::UnknownCa,
                CertError::Expired | CertError::NotYetValid => A::CertificateExpired,
                CertError::UnsupportedSignatureAlgorithm | CertError::UnsupportedKey => A::UnsupportedCertificate,
                CertError::NameMismatch | CertError::BadSignature | CertError::Malformed | CertError::Empty => A::BadCertificate,
                CertError::WrongUsage | CertError::UnknownCriticalExtension => A::UnsupportedCertificate,
                CertError::Revoked => A::CertificateRevoked,
                CertError::RevocationUnknown | CertError::RevocationOffline => A::CertificateUnknown,
            },
            Error::SequenceExhausted | Error::Internal(_) => A::InternalError,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_errors_send_the_alerts_schannel_sends() {
        assert_eq!(Error::Certificate(CertError::UnknownIssuer).alert(), Some(AlertDescription::UnknownCa));
        assert_eq!(Error::Certificate(CertError::Expired).alert(), Some(AlertDescription::CertificateExpired));
        assert_eq!(Error::Certificate(CertError::NameMismatch).alert(), Some(AlertDescription::BadCertificate));
        assert_eq!(Error::BadRecordMac.alert(), Some(AlertDescription::BadRecordMac));
        assert_eq!(Error::NotTls.alert(), None);
        assert_eq!(Error::AlertReceived(AlertDescription::HandshakeFailure).alert(), None);
    }
}
