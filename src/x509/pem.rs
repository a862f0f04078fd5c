//! PEM and DER loading for certificates and RSA private keys.
//!
//! The PEM reader is deliberately lenient about what surrounds the blocks
//! (OpenSSL's `-text` output, comments, CRLF line endings, other block types),
//! because that is what real CA bundles and key files contain, and strict about
//! what is inside a block (base64 must be valid, the DER must parse).
//! Textual encoding per RFC 7468; the base64 alphabet per RFC 4648 §4.

use der::Decode;
use zeroize::Zeroizing;

use super::CertError;

/// Labels accepted as "a certificate" (RFC 7468 §5.1; "X509 CERTIFICATE" is
/// the pre-RFC 7468 label still emitted by some tools; "TRUSTED CERTIFICATE"
/// is OpenSSL's certificate-plus-trust-settings form).
const CERT_LABELS: [&str; 3] = ["CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"];

/// Longest label we accept; real labels are at most ~25 characters, and a cap
/// keeps a missing "-----" from swallowing the rest of a large file.
const MAX_LABEL_LEN: usize = 64;

/// One `-----BEGIN label-----` ... `-----END label-----` block.
pub struct PemBlock {
    /// The label, e.g. `CERTIFICATE` or `RSA PRIVATE KEY`.
    pub label: String,
    /// The decoded body, or why it could not be decoded (bad base64 or no END
    /// line: [`CertError::Malformed`]; RFC 1421 encryption headers:
    /// [`CertError::UnsupportedKey`]). Zeroized on drop because the body may
    /// be a private key.
    pub contents: Result<Zeroizing<Vec<u8>>, CertError>,
}

/// True when `bytes` contains a PEM pre-encapsulation boundary, i.e. should be
/// read as text rather than as DER. DER certificates start with 0x30 and
/// cannot contain this ASCII run at the top level before failing to parse.
pub fn looks_like_pem(bytes: &[u8]) -> bool {
    find(bytes, b"-----BEGIN ").is_some()
}

/// Every PEM block in `bytes`, in order. Text outside blocks is ignored.
pub fn pem_blocks(bytes: &[u8]) -> Vec<PemBlock> {
    let mut blocks = Vec::new();
    let mut rest = bytes;
    while let Some(start) = find(rest, b"-----BEGIN ") {
        let after_begin = rest.get(start + 11..).unwrap_or_default();
        let Some(label_end) = find(after_begin, b"-----") else {
            break;
        };
        let label_bytes = after_begin.get(..label_end).unwrap_or_default();
        let body_start = after_begin.get(label_end + 5..).unwrap_or_default();
        let label = match valid_label(label_bytes) {
            Some(label) => label,
            None => {
                // Not a real boundary; keep scanning after it.
                rest = body_start;
                continue;
            }
        };
        let mut end_marker = Vec::with_capacity(label.len() + 19);
        end_marker.extend_from_slice(b"-----END ");
        end_marker.extend_from_slice(label.as_bytes());
        end_marker.extend_from_slice(b"-----");
        match find(body_start, &end_marker) {
            Some(body_len) => {
                let body = body_start.get(..body_len).unwrap_or_default();
                blocks.push(PemBlock { label, contents: decode_body(body) });
                rest = body_start.get(body_len + end_marker.len()..).unwrap_or_default();
            }
            None => {
                // RFC 7468 §2: a block without its post-encapsulation
                // boundary is not a block; report it so callers that wanted
                // this label can say "malformed" instead of "empty".
                blocks.push(PemBlock { label, contents: Err(CertError::Malformed) });
                break;
            }
        }
    }
    blocks
}

/// Every certificate in `bytes`: PEM (any number of CERTIFICATE blocks, other
/// blocks ignored) or a single DER certificate.
///
/// Each returned element is the DER of one certificate that parses as an
/// X.509 certificate (so later stages can rely on it). Errors: no input or no
/// certificate block → [`CertError::Empty`]; bad base64, unterminated
/// certificate block or unparseable DER → [`CertError::Malformed`].
pub fn certs_from_pem_or_der(bytes: &[u8]) -> Result<Vec<Vec<u8>>, CertError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(CertError::Empty);
    }
    if !looks_like_pem(bytes) {
        super::verify::check_certificate(bytes)?;
        return Ok(vec![bytes.to_vec()]);
    }
    let mut certs = Vec::new();
    for block in pem_blocks(bytes) {
        if let Some(der) = cert_from_block(&block) {
            certs.push(der?);
        }
    }
    if certs.is_empty() {
        Err(CertError::Empty)
    } else {
        Ok(certs)
    }
}

/// The certificate in `block`, `None` if the block is not a certificate.
pub(crate) fn cert_from_block(block: &PemBlock) -> Option<Result<Vec<u8>, CertError>> {
    if !CERT_LABELS.contains(&block.label.as_str()) {
        return None;
    }
    let result = block.contents.as_ref().map_err(|e| *e).and_then(|body| {
        // "TRUSTED CERTIFICATE" bodies are a Certificate followed by OpenSSL's
        // X509_CERT_AUX; we keep only the leading certificate TLV.
        let der = first_tlv(body)?;
        super::verify::check_certificate(der)?;
        Ok(der.to_vec())
    });
    Some(result)
}

/// An RSA private key from PEM or DER, PKCS#1 ("RSA PRIVATE KEY") or PKCS#8
/// ("PRIVATE KEY", rsaEncryption), returned as PKCS#1 RSAPrivateKey DER in a
/// zeroize-on-drop container.
///
/// In PEM the first key block wins; certificate blocks are ignored, so a
/// combined "cert + key" file works. Errors: no key → [`CertError::Empty`];
/// bad encoding → [`CertError::Malformed`]; a non-RSA or encrypted key
/// ("ENCRYPTED PRIVATE KEY", legacy `Proc-Type: 4,ENCRYPTED`) →
/// [`CertError::UnsupportedKey`].
pub fn rsa_private_key_pkcs1_der(bytes: &[u8]) -> Result<Zeroizing<Vec<u8>>, CertError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(CertError::Empty);
    }
    if !looks_like_pem(bytes) {
        // DER carries no label: try the two containers in turn.
        return pkcs1_from_pkcs1_der(bytes).or_else(|_| pkcs1_from_pkcs8_der(bytes)).map_err(|e| match e {
            CertError::UnsupportedKey => CertError::UnsupportedKey,
            _ => CertError::Malformed,
        });
    }
    for block in pem_blocks(bytes) {
        let parse: KeyParser = match block.label.as_str() {
            "RSA PRIVATE KEY" => pkcs1_from_pkcs1_der,
            "PRIVATE KEY" => pkcs1_from_pkcs8_der,
            // Keys we recognise but cannot use: report that rather than
            // "no key found", so the user gets a useful message.
            "ENCRYPTED PRIVATE KEY" | "EC PRIVATE KEY" | "DSA PRIVATE KEY" => return Err(CertError::UnsupportedKey),
            _ => continue,
        };
        return match &block.contents {
            Ok(body) => parse(body),
            Err(e) => Err(*e),
        };
    }
    Err(CertError::Empty)
}

/// Turns one key container's DER into PKCS#1 DER.
type KeyParser = fn(&[u8]) -> Result<Zeroizing<Vec<u8>>, CertError>;

/// Validates `der` as an RFC 8017 A.1.2 RSAPrivateKey and copies it.
fn pkcs1_from_pkcs1_der(der: &[u8]) -> Result<Zeroizing<Vec<u8>>, CertError> {
    pkcs1::RsaPrivateKeyRef::from_der(der).map_err(|_| CertError::Malformed)?;
    Ok(Zeroizing::new(der.to_vec()))
}

/// Unwraps an RFC 5208/5958 PrivateKeyInfo holding an rsaEncryption key.
fn pkcs1_from_pkcs8_der(der: &[u8]) -> Result<Zeroizing<Vec<u8>>, CertError> {
    let info = pkcs8::PrivateKeyInfoRef::from_der(der).map_err(|_| CertError::Malformed)?;
    if info.algorithm.oid != const_oid::db::rfc5912::RSA_ENCRYPTION {
        return Err(CertError::UnsupportedKey);
    }
    pkcs1_from_pkcs1_der(info.private_key.as_bytes())
}

/// A label is printable ASCII without '-' at either end (RFC 7468 §3).
fn valid_label(bytes: &[u8]) -> Option<String> {
    if bytes.len() > MAX_LABEL_LEN
        || !bytes.iter().all(|b| (0x20..0x7f).contains(b))
        || bytes.first() == Some(&b'-')
        || bytes.last() == Some(&b'-')
    {
        return None;
    }
    String::from_utf8(bytes.to_vec()).ok()
}

/// Decodes a block body, skipping RFC 1421 headers ("Name: value" lines).
fn decode_body(body: &[u8]) -> Result<Zeroizing<Vec<u8>>, CertError> {
    let mut base64 = Zeroizing::new(Vec::with_capacity(body.len()));
    for line in body.split(|&b| b == b'\n') {
        if line.contains(&b':') {
            // An encrypted legacy key (RFC 1421 §4.6.1.1 "Proc-Type: 4,ENCRYPTED").
            if find(line, b"ENCRYPTED").is_some() {
                return Err(CertError::UnsupportedKey);
            }
            continue;
        }
        base64.extend_from_slice(line);
    }
    base64_decode(&base64)
}

/// Standard-alphabet base64 (RFC 4648 §4). Whitespace anywhere is skipped;
/// padding is optional but, when present, must be at the very end.
fn base64_decode(text: &[u8]) -> Result<Zeroizing<Vec<u8>>, CertError> {
    let mut out = Zeroizing::new(Vec::with_capacity(text.len() / 4 * 3 + 3));
    let mut acc: u32 = 0;
    let mut bits: u32 = 0;
    let mut padding = 0usize;
    for &c in text {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                padding += 1;
                continue;
            }
            c if c.is_ascii_whitespace() => continue,
            _ => return Err(CertError::Malformed),
        };
        if padding > 0 {
            return Err(CertError::Malformed); // data after '='
        }
        acc = (acc << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // Leftover bits must be the zero fill of a final partial quantum: 2 or 4
    // bits (one or two '=' when padded). 6 leftover bits is a lone character.
    let padding_ok = match bits {
        0 => padding == 0,
        4 => padding == 0 || padding == 2,
        2 => padding == 0 || padding == 1,
        _ => false,
    };
    if !padding_ok || acc != 0 {
        return Err(CertError::Malformed);
    }
    Ok(out)
}

/// The first complete DER TLV of `bytes` (which may have trailing data).
fn first_tlv(bytes: &[u8]) -> Result<&[u8], CertError> {
    use der::Reader;
    let mut reader = der::SliceReader::new(bytes)?;
    Ok(reader.tlv_bytes()?)
}

/// Position of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUNDLE: &[u8] = include_bytes!("testdata/bundle.pem");
    const ROOT: &[u8] = include_bytes!("testdata/root.pem");
    const LEAF_PEM: &[u8] = include_bytes!("testdata/leaf.pem");
    const LEAF_DER: &[u8] = include_bytes!("testdata/leaf.der");
    const KEY_PK8_PEM: &[u8] = include_bytes!("testdata/leaf.key");
    const KEY_PK8_DER: &[u8] = include_bytes!("testdata/leaf.pk8.der");
    const KEY_RSA_PEM: &[u8] = include_bytes!("testdata/leaf.rsa.key");
    const KEY_RSA_DER: &[u8] = include_bytes!("testdata/leaf.rsa.der");
    const EC_KEY: &[u8] = include_bytes!("testdata/ec_leaf.key");

    #[test]
    fn bundle_with_junk_yields_every_certificate_in_order() {
        let certs = certs_from_pem_or_der(BUNDLE).unwrap();
        assert_eq!(certs.len(), 3);
        assert_eq!(certs[0], certs_from_pem_or_der(ROOT).unwrap()[0]);
        assert_eq!(certs[2], LEAF_DER);
    }

    #[test]
    fn pem_and_der_give_the_same_certificate() {
        assert_eq!(certs_from_pem_or_der(LEAF_PEM).unwrap(), vec![LEAF_DER.to_vec()]);
        assert_eq!(certs_from_pem_or_der(LEAF_DER).unwrap(), vec![LEAF_DER.to_vec()]);
    }

    #[test]
    fn empty_and_certless_inputs_are_empty() {
        assert_eq!(certs_from_pem_or_der(b""), Err(CertError::Empty));
        assert_eq!(certs_from_pem_or_der(b" \r\n"), Err(CertError::Empty));
        assert_eq!(certs_from_pem_or_der(KEY_PK8_PEM), Err(CertError::Empty));
    }

    #[test]
    fn garbage_is_malformed() {
        assert_eq!(certs_from_pem_or_der(b"hello world"), Err(CertError::Malformed));
        assert_eq!(certs_from_pem_or_der(&[0x30, 0x03, 1, 2, 3]), Err(CertError::Malformed));
        let bad_b64 = b"-----BEGIN CERTIFICATE-----\nMII*\n-----END CERTIFICATE-----\n";
        assert_eq!(certs_from_pem_or_der(bad_b64), Err(CertError::Malformed));
        let unterminated = b"-----BEGIN CERTIFICATE-----\nMIIB\n";
        assert_eq!(certs_from_pem_or_der(unterminated), Err(CertError::Malformed));
        // Valid base64 whose content is not a certificate.
        let not_cert = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert_eq!(certs_from_pem_or_der(not_cert), Err(CertError::Malformed));
        // DER followed by trailing bytes is not "a DER certificate".
        let mut trailing = LEAF_DER.to_vec();
        trailing.push(0);
        assert_eq!(certs_from_pem_or_der(&trailing), Err(CertError::Malformed));
    }

    #[test]
    fn truncated_der_and_pem_never_panic() {
        for len in 0..LEAF_DER.len() {
            assert!(certs_from_pem_or_der(&LEAF_DER[..len]).is_err(), "len {len}");
        }
        for len in 0..LEAF_PEM.len() {
            let _ = certs_from_pem_or_der(&LEAF_PEM[..len]);
        }
        for len in 0..KEY_RSA_DER.len() {
            assert!(rsa_private_key_pkcs1_der(&KEY_RSA_DER[..len]).is_err());
        }
    }

    #[test]
    fn pseudo_random_input_never_panics() {
        // xorshift: deterministic, no dependency.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for round in 0..2000 {
            let len = round % 300;
            let mut input = Vec::with_capacity(len + 64);
            if round % 3 == 0 {
                input.extend_from_slice(b"-----BEGIN CERTIFICATE-----\n");
            }
            for _ in 0..len {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                input.push(state as u8);
            }
            let _ = certs_from_pem_or_der(&input);
            let _ = rsa_private_key_pkcs1_der(&input);
        }
    }

    #[test]
    fn trusted_certificate_label_keeps_only_the_certificate() {
        let mut body = LEAF_DER.to_vec();
        body.extend_from_slice(&[0x30, 0x00]); // an empty X509_CERT_AUX
        let pem = wrap("TRUSTED CERTIFICATE", &body);
        assert_eq!(certs_from_pem_or_der(&pem).unwrap(), vec![LEAF_DER.to_vec()]);
    }

    #[test]
    fn rsa_keys_in_every_container_give_the_same_pkcs1() {
        let expected = rsa_private_key_pkcs1_der(KEY_RSA_DER).unwrap();
        assert_eq!(&*expected, KEY_RSA_DER);
        assert_eq!(rsa_private_key_pkcs1_der(KEY_RSA_PEM).unwrap(), expected);
        assert_eq!(rsa_private_key_pkcs1_der(KEY_PK8_PEM).unwrap(), expected);
        assert_eq!(rsa_private_key_pkcs1_der(KEY_PK8_DER).unwrap(), expected);
        // Key after a certificate in the same file.
        let mut combined = LEAF_PEM.to_vec();
        combined.extend_from_slice(KEY_RSA_PEM);
        assert_eq!(rsa_private_key_pkcs1_der(&combined).unwrap(), expected);
    }

    #[test]
    fn unusable_keys_are_reported() {
        assert_eq!(rsa_private_key_pkcs1_der(EC_KEY), Err(CertError::UnsupportedKey));
        assert_eq!(rsa_private_key_pkcs1_der(b""), Err(CertError::Empty));
        assert_eq!(rsa_private_key_pkcs1_der(LEAF_PEM), Err(CertError::Empty));
        assert_eq!(rsa_private_key_pkcs1_der(b"junk"), Err(CertError::Malformed));
        assert_eq!(rsa_private_key_pkcs1_der(LEAF_DER), Err(CertError::Malformed));
        let encrypted = wrap("ENCRYPTED PRIVATE KEY", &[0x30, 0x00]);
        assert_eq!(rsa_private_key_pkcs1_der(&encrypted), Err(CertError::UnsupportedKey));
        let legacy = b"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\
            DEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        assert_eq!(rsa_private_key_pkcs1_der(legacy), Err(CertError::UnsupportedKey));
    }

    #[test]
    fn base64_edge_cases() {
        assert_eq!(&*base64_decode(b"").unwrap(), b"");
        assert_eq!(&*base64_decode(b"TQ==").unwrap(), b"M");
        assert_eq!(&*base64_decode(b"TWE=").unwrap(), b"Ma");
        assert_eq!(&*base64_decode(b"TWFu").unwrap(), b"Man");
        assert_eq!(&*base64_decode(b"TW\r\nFu").unwrap(), b"Man");
        assert_eq!(&*base64_decode(b"TWE").unwrap(), b"Ma"); // unpadded
        assert!(base64_decode(b"T").is_err());
        assert!(base64_decode(b"TQ=").is_err());
        assert!(base64_decode(b"TR==").is_err()); // non-zero fill bits
        assert!(base64_decode(b"TQ==TQ==").is_err());
        assert!(base64_decode(b"TWFu=").is_err());
    }

    fn wrap(label: &str, der: &[u8]) -> Vec<u8> {
        const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = format!("-----BEGIN {label}-----\n").into_bytes();
        for chunk in der.chunks(3) {
            let n = chunk.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)) << (8 * (3 - chunk.len()));
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]);
                } else {
                    out.push(b'=');
                }
            }
        }
        out.extend_from_slice(format!("\n-----END {label}-----\n").as_bytes());
        out
    }
}
