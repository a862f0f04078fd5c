//! IANA/RFC 2246 code points.

/// `ProtocolVersion` as on the wire (major, minor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProtocolVersion(pub u16);

impl ProtocolVersion {
    pub const SSL3_0: Self = Self(0x0300);
    pub const TLS1_0: Self = Self(0x0301);
    pub const TLS1_1: Self = Self(0x0302);
    pub const TLS1_2: Self = Self(0x0303);
    pub fn bytes(self) -> [u8; 2] {
        self.0.to_be_bytes()
    }
    /// Name as our examples print it.
    pub fn name(self) -> &'static str {
        match self.0 {
            0x0300 => "SSLv3",
            0x0301 => "TLSv1.0",
            0x0302 => "TLSv1.1",
            0x0303 => "TLSv1.2",
            0x0304 => "TLSv1.3",
            _ => "unknown",
        }
    }
}

/// `ContentType` (RFC 2246 §6.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentType {
    ChangeCipherSpec = 20,
    Alert = 21,
    Handshake = 22,
    ApplicationData = 23,
}

impl ContentType {
    pub fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            20 => Self::ChangeCipherSpec,
            21 => Self::Alert,
            22 => Self::Handshake,
            23 => Self::ApplicationData,
            _ => return None,
        })
    }
}

/// `HandshakeType` (RFC 2246 §7.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandshakeType {
    HelloRequest = 0,
    ClientHello = 1,
    ServerHello = 2,
    NewSessionTicket = 4,
    Certificate = 11,
    ServerKeyExchange = 12,
    CertificateRequest = 13,
    ServerHelloDone = 14,
    CertificateVerify = 15,
    ClientKeyExchange = 16,
    Finished = 20,
}

impl HandshakeType {
    pub fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            0 => Self::HelloRequest,
            1 => Self::ClientHello,
            2 => Self::ServerHello,
            4 => Self::NewSessionTicket,
            11 => Self::Certificate,
            12 => Self::ServerKeyExchange,
            13 => Self::CertificateRequest,
            14 => Self::ServerHelloDone,
            15 => Self::CertificateVerify,
            16 => Self::ClientKeyExchange,
            20 => Self::Finished,
            _ => return None,
        })
    }
}

/// `AlertLevel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertLevel {
    Warning = 1,
    Fatal = 2,
}

/// Every `AlertDescription` of RFC 2246 §7.2 (plus SSL 3.0's no_certificate, RFC 5746's
/// no_renegotiation use, and the later alerts of RFC 7507, RFC 5246 and RFC 7301), understood
/// when received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertDescription {
    CloseNotify = 0,
    UnexpectedMessage = 10,
    BadRecordMac = 20,
    DecryptionFailed = 21,
    RecordOverflow = 22,
    DecompressionFailure = 30,
    HandshakeFailure = 40,
    NoCertificate = 41,
    BadCertificate = 42,
    UnsupportedCertificate = 43,
    CertificateRevoked = 44,
    CertificateExpired = 45,
    CertificateUnknown = 46,
    IllegalParameter = 47,
    UnknownCa = 48,
    AccessDenied = 49,
    DecodeError = 50,
    DecryptError = 51,
    ExportRestriction = 60,
    ProtocolVersion = 70,
    InsufficientSecurity = 71,
    InternalError = 80,
    UserCanceled = 90,
    NoRenegotiation = 100,
    /// RFC 7507: a fallback retry offered less than the server supports.
    InappropriateFallback = 86,
    /// RFC 5246 §7.2.2: an extension the receiver did not offer.
    UnsupportedExtension = 110,
    /// RFC 7301 §3.2: no protocol in common.
    NoApplicationProtocol = 120,
}

impl AlertDescription {
    /// All descriptions, for exhaustive tests.
    pub const ALL: [AlertDescription; 27] = {
        use AlertDescription::*;
        [
            CloseNotify,
            UnexpectedMessage,
            BadRecordMac,
            DecryptionFailed,
            RecordOverflow,
            DecompressionFailure,
            HandshakeFailure,
            NoCertificate,
            BadCertificate,
            UnsupportedCertificate,
            CertificateRevoked,
            CertificateExpired,
            CertificateUnknown,
            IllegalParameter,
            UnknownCa,
            AccessDenied,
            DecodeError,
            DecryptError,
            ExportRestriction,
            ProtocolVersion,
            InsufficientSecurity,
            InternalError,
            UserCanceled,
            NoRenegotiation,
            InappropriateFallback,
            UnsupportedExtension,
            NoApplicationProtocol,
        ]
    };
    pub fn from_u8(v: u8) -> Option<Self> {
        Self::ALL.iter().copied().find(|d| *d as u8 == v)
    }

    /// The nearest alert SSL 3.0 defines (RFC 6101 §5.4.2 has no TLS-only codes).
    pub fn for_ssl3(self) -> Self {
        use AlertDescription::*;
        match self {
            CloseNotify
            | UnexpectedMessage
            | BadRecordMac
            | DecompressionFailure
            | HandshakeFailure
            | NoCertificate
            | BadCertificate
            | UnsupportedCertificate
            | CertificateRevoked
            | CertificateExpired
            | CertificateUnknown
            | IllegalParameter => self,
            DecryptionFailed => BadRecordMac,
            RecordOverflow | DecodeError | UnsupportedExtension => IllegalParameter,
            UnknownCa | AccessDenied => CertificateUnknown,
            _ => HandshakeFailure,
        }
    }
}
