//! Engine error → `SECURITY_STATUS`, in one function (the alert side is `Error::alert`).
#![forbid(unsafe_code)]

use super::ffi::consts::*;
use super::ffi::types::SECURITY_STATUS;
use crate::engine::error::Error;
use crate::msgs::enums::AlertDescription as A;
use crate::x509::CertError;

/// The status Schannel reports for an engine error.
pub fn from_error(e: &Error) -> SECURITY_STATUS {
    crate::log::set_reason(e);
    match e {
        Error::NotTls => SEC_E_INVALID_TOKEN,
        Error::Decode(_) | Error::UnexpectedMessage(_) | Error::RecordOverflow | Error::IllegalParameter(_) => SEC_E_ILLEGAL_MESSAGE,
        Error::BadRecordMac => SEC_E_DECRYPT_FAILURE,
        // Windows answers a protocol mismatch with SEC_E_UNSUPPORTED_FUNCTION (as curl users see it).
        Error::ProtocolVersion => SEC_E_UNSUPPORTED_FUNCTION,
        Error::HandshakeFailure(_) | Error::InsufficientSecurity => SEC_E_ALGORITHM_MISMATCH,
        Error::FinishedMismatch | Error::BadSignature => SEC_E_MESSAGE_ALTERED,
        Error::UnsupportedExtension => SEC_E_ILLEGAL_MESSAGE,
        Error::Downgrade | Error::InappropriateFallback | Error::VersionRollback => SEC_E_DOWNGRADE_DETECTED,
        Error::NoApplicationProtocol => SEC_E_APPLICATION_PROTOCOL_MISMATCH,
        Error::Certificate(c) => match c {
            CertError::UnknownIssuer | CertError::NotCa | CertError::PathTooLong => SEC_E_UNTRUSTED_ROOT,
            CertError::Expired | CertError::NotYetValid => SEC_E_CERT_EXPIRED,
            CertError::NameMismatch => SEC_E_WRONG_PRINCIPAL,
            CertError::WrongUsage => SEC_E_CERT_WRONG_USAGE,
            CertError::Revoked => CRYPT_E_REVOKED,
            CertError::RevocationUnknown => CRYPT_E_NO_REVOCATION_CHECK,
            CertError::RevocationOffline => CRYPT_E_REVOCATION_OFFLINE,
            CertError::Malformed
            | CertError::Empty
            | CertError::BadSignature
            | CertError::UnsupportedSignatureAlgorithm
            | CertError::UnknownCriticalExtension
            | CertError::UnsupportedKey => SEC_E_CERT_UNKNOWN,
        },
        Error::AlertReceived(d) => match d {
            A::BadRecordMac | A::DecryptionFailed => SEC_E_DECRYPT_FAILURE,
            A::HandshakeFailure | A::InsufficientSecurity => SEC_E_ALGORITHM_MISMATCH,
            A::ProtocolVersion => SEC_E_UNSUPPORTED_FUNCTION,
            A::UnknownCa => SEC_E_UNTRUSTED_ROOT,
            A::CertificateExpired => SEC_E_CERT_EXPIRED,
            A::BadCertificate | A::UnsupportedCertificate | A::CertificateRevoked | A::CertificateUnknown | A::NoCertificate => {
                SEC_E_CERT_UNKNOWN
            }
            A::DecryptError => SEC_E_MESSAGE_ALTERED,
            A::InappropriateFallback => SEC_E_DOWNGRADE_DETECTED,
            A::NoApplicationProtocol => SEC_E_APPLICATION_PROTOCOL_MISMATCH,
            A::CloseNotify | A::UserCanceled => SEC_E_CONTEXT_EXPIRED,
            // internal_error included: Schannel reports a received fatal alert it has no closer
            // status for as SEC_E_ILLEGAL_MESSAGE, and SEC_E_INTERNAL_ERROR stays ours alone (the
            // panic guard's status), so a caller can tell a peer's failure from a fault here.
            _ => SEC_E_ILLEGAL_MESSAGE,
        },
        Error::ContextExpired | Error::SequenceExhausted => SEC_E_CONTEXT_EXPIRED,
        Error::OutOfSequence => SEC_E_OUT_OF_SEQUENCE,
        Error::Internal(_) => SEC_E_INTERNAL_ERROR,
    }
}

/// Every status we can return, with its winerror.h name.
pub const NAMES: &[(SECURITY_STATUS, &str)] = &[
    (SEC_E_OK, "SEC_E_OK"),
    (SEC_I_CONTINUE_NEEDED, "SEC_I_CONTINUE_NEEDED"),
    (SEC_I_COMPLETE_NEEDED, "SEC_I_COMPLETE_NEEDED"),
    (SEC_I_COMPLETE_AND_CONTINUE, "SEC_I_COMPLETE_AND_CONTINUE"),
    (SEC_I_CONTEXT_EXPIRED, "SEC_I_CONTEXT_EXPIRED"),
    (SEC_I_INCOMPLETE_CREDENTIALS, "SEC_I_INCOMPLETE_CREDENTIALS"),
    (SEC_I_RENEGOTIATE, "SEC_I_RENEGOTIATE"),
    (SEC_I_NO_RENEGOTIATION, "SEC_I_NO_RENEGOTIATION"),
    (SEC_E_INSUFFICIENT_MEMORY, "SEC_E_INSUFFICIENT_MEMORY"),
    (SEC_E_INVALID_HANDLE, "SEC_E_INVALID_HANDLE"),
    (SEC_E_UNSUPPORTED_FUNCTION, "SEC_E_UNSUPPORTED_FUNCTION"),
    (SEC_E_TARGET_UNKNOWN, "SEC_E_TARGET_UNKNOWN"),
    (SEC_E_INTERNAL_ERROR, "SEC_E_INTERNAL_ERROR"),
    (SEC_E_SECPKG_NOT_FOUND, "SEC_E_SECPKG_NOT_FOUND"),
    (SEC_E_NOT_OWNER, "SEC_E_NOT_OWNER"),
    (SEC_E_INVALID_TOKEN, "SEC_E_INVALID_TOKEN"),
    (SEC_E_QOP_NOT_SUPPORTED, "SEC_E_QOP_NOT_SUPPORTED"),
    (SEC_E_LOGON_DENIED, "SEC_E_LOGON_DENIED"),
    (SEC_E_UNKNOWN_CREDENTIALS, "SEC_E_UNKNOWN_CREDENTIALS"),
    (SEC_E_NO_CREDENTIALS, "SEC_E_NO_CREDENTIALS"),
    (SEC_E_MESSAGE_ALTERED, "SEC_E_MESSAGE_ALTERED"),
    (SEC_E_OUT_OF_SEQUENCE, "SEC_E_OUT_OF_SEQUENCE"),
    (SEC_E_NO_AUTHENTICATING_AUTHORITY, "SEC_E_NO_AUTHENTICATING_AUTHORITY"),
    (SEC_E_CONTEXT_EXPIRED, "SEC_E_CONTEXT_EXPIRED"),
    (SEC_E_INCOMPLETE_MESSAGE, "SEC_E_INCOMPLETE_MESSAGE"),
    (SEC_E_INCOMPLETE_CREDENTIALS, "SEC_E_INCOMPLETE_CREDENTIALS"),
    (SEC_E_BUFFER_TOO_SMALL, "SEC_E_BUFFER_TOO_SMALL"),
    (SEC_E_WRONG_PRINCIPAL, "SEC_E_WRONG_PRINCIPAL"),
    (SEC_E_TIME_SKEW, "SEC_E_TIME_SKEW"),
    (SEC_E_UNTRUSTED_ROOT, "SEC_E_UNTRUSTED_ROOT"),
    (SEC_E_ILLEGAL_MESSAGE, "SEC_E_ILLEGAL_MESSAGE"),
    (SEC_E_CERT_UNKNOWN, "SEC_E_CERT_UNKNOWN"),
    (SEC_E_CERT_EXPIRED, "SEC_E_CERT_EXPIRED"),
    (SEC_E_ENCRYPT_FAILURE, "SEC_E_ENCRYPT_FAILURE"),
    (SEC_E_DECRYPT_FAILURE, "SEC_E_DECRYPT_FAILURE"),
    (SEC_E_ALGORITHM_MISMATCH, "SEC_E_ALGORITHM_MISMATCH"),
    (SEC_E_UNFINISHED_CONTEXT_DELETED, "SEC_E_UNFINISHED_CONTEXT_DELETED"),
    (SEC_E_CERT_WRONG_USAGE, "SEC_E_CERT_WRONG_USAGE"),
    (SEC_E_DOWNGRADE_DETECTED, "SEC_E_DOWNGRADE_DETECTED"),
    (SEC_E_INVALID_PARAMETER, "SEC_E_INVALID_PARAMETER"),
    (SEC_E_APPLICATION_PROTOCOL_MISMATCH, "SEC_E_APPLICATION_PROTOCOL_MISMATCH"),
    (SEC_E_INSUFFICIENT_BUFFERS, "SEC_E_INSUFFICIENT_BUFFERS"),
    // Revocation failures: Schannel returns the CryptoAPI codes as they are.
    (CRYPT_E_REVOKED, "CRYPT_E_REVOKED"),
    (CRYPT_E_NO_REVOCATION_CHECK, "CRYPT_E_NO_REVOCATION_CHECK"),
    (CRYPT_E_REVOCATION_OFFLINE, "CRYPT_E_REVOCATION_OFFLINE"),
];

/// The winerror.h name of a status, or "UNKNOWN_STATUS".
pub fn name(status: SECURITY_STATUS) -> &'static str {
    NAMES.iter().find(|(s, _)| *s == status).map_or("UNKNOWN_STATUS", |(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgs::codec::InvalidMessage;

    #[test]
    fn every_received_alert_maps_to_a_named_error_status() {
        for d in A::ALL {
            let s = from_error(&Error::AlertReceived(d));
            assert!(s < 0, "{d:?} must be an error");
            assert_ne!(name(s), "UNKNOWN_STATUS");
            // Not even the peer's own internal_error alert: that is the peer's failure, not ours.
            assert_ne!(s, SEC_E_INTERNAL_ERROR, "{d:?}");
        }
    }

    #[test]
    fn every_certificate_error_maps_to_a_named_status() {
        let all = [
            CertError::Malformed,
            CertError::Empty,
            CertError::UnknownIssuer,
            CertError::BadSignature,
            CertError::UnsupportedSignatureAlgorithm,
            CertError::Expired,
            CertError::NotYetValid,
            CertError::NameMismatch,
            CertError::NotCa,
            CertError::UnsupportedKey,
            CertError::PathTooLong,
            CertError::WrongUsage,
            CertError::UnknownCriticalExtension,
            CertError::Revoked,
            CertError::RevocationUnknown,
            CertError::RevocationOffline,
        ];
        for c in all {
            let s = from_error(&Error::Certificate(c));
            assert_ne!(name(s), "UNKNOWN_STATUS", "{c:?}");
        }
        assert_eq!(name(CRYPT_E_REVOKED), "CRYPT_E_REVOKED");
        assert_eq!(name(CRYPT_E_NO_REVOCATION_CHECK), "CRYPT_E_NO_REVOCATION_CHECK");
        assert_eq!(name(CRYPT_E_REVOCATION_OFFLINE), "CRYPT_E_REVOCATION_OFFLINE");
    }

    #[test]
    fn peer_faults_are_never_internal_errors() {
        let peer_faults = [
            Error::NotTls,
            Error::Decode(InvalidMessage::Truncated),
            Error::UnexpectedMessage("x"),
            Error::BadRecordMac,
            Error::RecordOverflow,
            Error::ProtocolVersion,
            Error::HandshakeFailure("x"),
            Error::IllegalParameter("x"),
            Error::FinishedMismatch,
            Error::Certificate(CertError::Malformed),
        ];
        for e in peer_faults {
            assert_ne!(from_error(&e), SEC_E_INTERNAL_ERROR, "{e:?}");
        }
        assert_eq!(from_error(&Error::Certificate(CertError::UnknownIssuer)), SEC_E_UNTRUSTED_ROOT);
        assert_eq!(from_error(&Error::Certificate(CertError::Expired)), SEC_E_CERT_EXPIRED);
        assert_eq!(from_error(&Error::Certificate(CertError::NameMismatch)), SEC_E_WRONG_PRINCIPAL);
        assert_eq!(from_error(&Error::AlertReceived(A::InternalError)), SEC_E_ILLEGAL_MESSAGE);
    }
}
