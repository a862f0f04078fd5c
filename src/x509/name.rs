//! Distinguished names and host names.
//!
//! * [`names_equal`]: issuer/subject comparison for path building
//!   (RFC 5280 §7.1, with a simplified RFC 4518 string preparation).
//! * [`verify_host_name`], [`dns_name_matches`], [`parse_ip_literal`]:
//!   server identity checks (RFC 6125 §6).
//! * [`name_to_string`]: a readable rendering (RFC 4514 order and escaping)
//!   for diagnostics and for callers that show a subject or issuer.

use std::net::IpAddr;

use der::{Decode, Tag, Tagged};
use x509_cert::attr::AttributeValue;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::name::Name;

/// True when two DER-encoded `Name`s denote the same entity.
///
/// Byte equality is the common case (RFC 5280 §7.1 requires CAs to encode the
/// issuer exactly as the issuing certificate's subject). Otherwise both names
/// are compared RDN by RDN, attribute by attribute; string values are
/// compared after trimming, collapsing inner whitespace and case folding
/// (RFC 4518 §2, simplified: no Unicode normalisation or character mapping),
/// so a PrintableString and a UTF8String with the same text are equal, as
/// RFC 5280 §7.1 asks. Unparseable names are only equal byte for byte.
pub fn names_equal(a: &[u8], b: &[u8]) -> bool {
    a == b || name_key(a) == name_key(b)
}

/// A canonical form of a DER `Name` such that two names are equal in the
/// sense of [`names_equal`] exactly when their keys are equal. Computed once
/// per anchor and certificate so path building compares plain bytes instead
/// of decoding every anchor's name on every lookup.
pub(crate) fn name_key(der: &[u8]) -> Vec<u8> {
    let Ok(name) = Name::from_der(der) else {
        // Tag 0xFF cannot start a decodable name's key, so unparseable names
        // only ever equal themselves.
        let mut key = vec![0xFF];
        key.extend_from_slice(der);
        return key;
    };
    let mut key = Vec::with_capacity(der.len());
    // Every variable-length piece is length-prefixed, so distinct structures
    // cannot collide by concatenation.
    let push = |key: &mut Vec<u8>, kind: u8, bytes: &[u8]| {
        key.push(kind);
        key.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_be_bytes());
        key.extend_from_slice(bytes);
    };
    for rdn in name.iter_rdn() {
        push(&mut key, 1, &[]);
        for atv in rdn.iter() {
            push(&mut key, 2, atv.oid.as_bytes());
            match directory_string(&atv.value) {
                Some(text) => push(&mut key, 3, prepare(&text).as_bytes()),
                // Non-string values compare as their whole DER TLV.
                None => match der::Encode::to_der(&atv.value) {
                    Ok(tlv) => push(&mut key, 4, &tlv),
                    Err(_) => push(&mut key, 5, atv.value.value()),
                },
            }
        }
    }
    key
}

/// Simplified RFC 4518 preparation: case fold, drop leading/trailing space,
/// collapse runs of inner whitespace to one space.
fn prepare(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// The text of a DirectoryString-like attribute value (RFC 5280 §4.1.2.4),
/// `None` for non-string values or invalid encodings.
pub(crate) fn directory_string(value: &AttributeValue) -> Option<String> {
    let bytes = value.value();
    match value.tag() {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::NumericString | Tag::VisibleString => {
            String::from_utf8(bytes.to_vec()).ok()
        }
        // T.61 in theory; in practice every CA that used it wrote Latin-1.
        Tag::TeletexString => Some(bytes.iter().map(|&b| char::from(b)).collect()),
        // UCS-2 big-endian; surrogates are rejected by from_utf16 when unpaired.
        Tag::BmpString => {
            if bytes.len() % 2 != 0 {
                return None;
            }
            let units: Vec<u16> = bytes.chunks_exact(2).filter_map(|c| <[u8; 2]>::try_from(c).ok().map(u16::from_be_bytes)).collect();
            String::from_utf16(&units).ok()
        }
        _ => None,
    }
}

/// The most specific (last) commonName in `name`, RFC 6125 §6.4.4.
pub(crate) fn last_common_name(name: &Name) -> Option<String> {
    name.iter().filter(|atv| atv.oid == const_oid::db::rfc4519::CN).last().and_then(|atv| directory_string(&atv.value))
}

/// RFC 6125 §6.4.1/§6.4.3 match of a presented DNS identifier (`pattern`,
/// from a dNSName or CN) against the reference identifier `host`.
///
/// Case-insensitive (ASCII only: identifiers are A-labels per RFC 5280
/// §4.2.1.6). A trailing dot on either side is ignored. The only wildcard
/// accepted is a whole left-most label `*` that matches exactly one
/// non-empty label (so `*.example.org` matches `a.example.org` but not
/// `example.org` or `a.b.example.org`), and only when at least two labels
/// follow it, so `*.com` matches nothing (RFC 6125 §7.2).
pub fn dns_name_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.strip_suffix('.').unwrap_or(pattern);
    let host = host.strip_suffix('.').unwrap_or(host);
    if pattern.is_empty() || host.is_empty() || !host.is_ascii() || !pattern.is_ascii() {
        return false;
    }
    // A reference identifier is a host name (RFC 1123 §2.1 letters, digits,
    // hyphen; underscore tolerated as resolvers do), never a pattern itself.
    if host.split('.').any(str::is_empty) || !host.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')) {
        return false;
    }
    match pattern.strip_prefix("*.") {
        Some(suffix) => {
            if suffix.contains('*') || !suffix.contains('.') || suffix.split('.').any(str::is_empty) {
                return false;
            }
            match host.split_once('.') {
                Some((first, rest)) => !first.is_empty() && rest.eq_ignore_ascii_case(suffix),
                None => false,
            }
        }
        // A '*' anywhere else (partial-label wildcards, RFC 6125 §6.4.3
        // "MAY") is not honoured: CA/B Forum certificates never carry them.
        None => !pattern.contains('*') && pattern.eq_ignore_ascii_case(host),
    }
}

/// `host` as an IP address literal: dotted-quad IPv4 or IPv6 text, the
/// latter optionally in brackets as in URLs (RFC 3986 §3.2.2).
pub fn parse_ip_literal(host: &str) -> Option<IpAddr> {
    let inner = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    inner.parse().ok()
}

/// Checks that `leaf_der` is a certificate for `host` (RFC 6125 §6).
///
/// `host` is a DNS name or an IPv4/IPv6 literal (brackets allowed); a
/// trailing dot is ignored. DNS names are matched case-insensitively against
/// the dNSName entries of subjectAltName, with a whole left-most `*` label
/// matching exactly one label ([`dns_name_matches`]). IP literals are matched
/// against iPAddress entries by value. The subject's last commonName is used
/// only when the certificate has no subjectAltName extension at all (RFC 6125
/// §6.4.4); an IP literal in the CN is then compared as an address, which is
/// what Windows' SSL chain policy accepts for old self-signed certificates.
pub fn verify_host_name(leaf_der: &[u8], host: &str) -> Result<(), super::CertError> {
    let leaf = super::verify::ParsedCert::parse(leaf_der)?;
    // dns_name_matches strips the trailing dot itself; only the IP parser
    // needs it gone here. Stripping twice would accept "host..".
    let bare = host.strip_suffix('.').unwrap_or(host);
    if bare.is_empty() {
        return Err(super::CertError::NameMismatch);
    }
    let ip = parse_ip_literal(bare);
    let tbs = leaf.cert.tbs_certificate();
    let matched = match tbs.get_extension::<SubjectAltName>()? {
        Some((_, san)) => san.0.iter().any(|name| match (name, ip) {
            (GeneralName::DnsName(pattern), None) => dns_name_matches(pattern.as_str(), host),
            (GeneralName::IpAddress(octets), Some(ip)) => ip_matches(octets.as_bytes(), ip),
            _ => false,
        }),
        None => last_common_name(tbs.subject()).is_some_and(|cn| match ip {
            Some(ip) => parse_ip_literal(&cn) == Some(ip),
            None => dns_name_matches(&cn, host),
        }),
    };
    if matched {
        Ok(())
    } else {
        Err(super::CertError::NameMismatch)
    }
}

/// RFC 5280 §4.2.1.6: iPAddress holds 4 (IPv4) or 16 (IPv6) octets.
fn ip_matches(octets: &[u8], ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => octets == v4.octets(),
        IpAddr::V6(v6) => octets == v6.octets(),
    }
}

/// `der` (a DER `Name`) as text in RFC 4514 form: most specific RDN first,
/// `CN=www.example.com,O=Example`, with special characters escaped and
/// unknown attribute types shown as dotted OIDs with hex values.
pub fn name_to_string(der: &[u8]) -> Result<String, super::CertError> {
    let name = Name::from_der(der)?;
    let mut rdns = Vec::with_capacity(name.len());
    for rdn in name.iter_rdn() {
        let mut atvs = Vec::with_capacity(rdn.len());
        for atv in rdn.iter() {
            let key = short_name(&atv.oid).map_or_else(|| atv.oid.to_string(), str::to_owned);
            let value = match directory_string(&atv.value) {
                Some(text) => escape_rfc4514(&text),
                None => {
                    // RFC 4514 §2.4: "#" followed by the hex of the BER encoding.
                    let mut hex = String::from("#");
                    let encoded = der::Encode::to_der(&atv.value)?;
                    for b in encoded {
                        hex.push_str(&format!("{b:02X}"));
                    }
                    hex
                }
            };
            atvs.push(format!("{key}={value}"));
        }
        rdns.push(atvs.join("+"));
    }
    rdns.reverse();
    Ok(rdns.join(","))
}

/// RFC 4514 §3 short names for the attribute types CAs actually use.
fn short_name(oid: &der::asn1::ObjectIdentifier) -> Option<&'static str> {
    use const_oid::db::{rfc2985, rfc4519};
    let table = [
        (rfc4519::CN, "CN"),
        (rfc4519::L, "L"),
        (rfc4519::ST, "ST"),
        (rfc4519::O, "O"),
        (rfc4519::OU, "OU"),
        (rfc4519::C, "C"),
        (rfc4519::STREET, "STREET"),
        (rfc4519::DC, "DC"),
        (rfc4519::UID, "UID"),
        (rfc4519::SERIAL_NUMBER, "SERIALNUMBER"),
        (rfc2985::PKCS_9_AT_EMAIL_ADDRESS, "E"),
    ];
    table.iter().find(|(o, _)| o == oid).map(|(_, n)| *n)
}

/// RFC 4514 §2.4 escaping of an attribute value.
fn escape_rfc4514(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let last = text.chars().count().saturating_sub(1);
    for (i, c) in text.chars().enumerate() {
        let special =
            matches!(c, '"' | '+' | ',' | ';' | '<' | '>' | '\\') || (i == 0 && (c == '#' || c == ' ')) || (i == last && c == ' ');
        if special {
            out.push('\\');
            out.push(c);
        } else if c == '\0' {
            out.push_str("\\00");
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::x509::CertError;
    use der::Encode;

    fn cert(name: &str) -> Vec<u8> {
        let path = format!("{}/src/x509/testdata/{name}.pem", env!("CARGO_MANIFEST_DIR"));
        let pem = std::fs::read(path).unwrap();
        crate::x509::pem::certs_from_pem_or_der(&pem).unwrap().remove(0)
    }

    fn name(s: &str) -> Vec<u8> {
        s.parse::<Name>().unwrap().to_der().unwrap()
    }

    #[test]
    fn dns_exact_and_case_insensitive() {
        assert!(dns_name_matches("www.example.com", "www.example.com"));
        assert!(dns_name_matches("WWW.Example.COM", "www.example.com"));
        assert!(dns_name_matches("www.example.com", "WWW.EXAMPLE.COM."));
        assert!(dns_name_matches("www.example.com.", "www.example.com"));
        assert!(!dns_name_matches("www.example.com", "example.com"));
        assert!(!dns_name_matches("www.example.com", "www.example.co"));
        assert!(!dns_name_matches("", "www.example.com"));
        assert!(!dns_name_matches("www.example.com", ""));
        assert!(!dns_name_matches("www.example.com", "www..example.com"));
    }

    #[test]
    fn dns_wildcards() {
        assert!(dns_name_matches("*.example.org", "a.example.org"));
        assert!(dns_name_matches("*.Example.org", "A.EXAMPLE.ORG"));
        // Not across dots, not the bare domain.
        assert!(!dns_name_matches("*.example.org", "a.b.example.org"));
        assert!(!dns_name_matches("*.example.org", "example.org"));
        assert!(!dns_name_matches("*.example.org", ".example.org"));
        // Too broad or not left-most / whole-label.
        assert!(!dns_name_matches("*.org", "example.org"));
        assert!(!dns_name_matches("*", "localhost"));
        assert!(!dns_name_matches("w*.example.org", "www.example.org"));
        assert!(!dns_name_matches("a.*.example.org", "a.b.example.org"));
        assert!(!dns_name_matches("*.*.example.org", "a.b.example.org"));
        // A literal "*" host is not a wildcard target.
        assert!(!dns_name_matches("www.example.org", "*.example.org"));
        assert!(!dns_name_matches("*.example.org", "*.example.org"));
        assert!(!dns_name_matches("a b.example.org", "a b.example.org"));
    }

    #[test]
    fn ip_literals() {
        assert_eq!(parse_ip_literal("127.0.0.1"), Some("127.0.0.1".parse().unwrap()));
        assert_eq!(parse_ip_literal("[::1]"), Some("::1".parse().unwrap()));
        assert_eq!(parse_ip_literal("::1"), Some("::1".parse().unwrap()));
        assert_eq!(parse_ip_literal("www.example.com"), None);
        assert_eq!(parse_ip_literal("1.2.3"), None);
    }

    #[test]
    fn names_compare_per_rfc5280_7_1() {
        let a = name("CN=Test Root,O=Example");
        assert!(names_equal(&a, &a));
        assert!(names_equal(&a, &name("CN=test  root ,O=EXAMPLE")));
        assert!(!names_equal(&a, &name("CN=Test Root2,O=Example")));
        assert!(!names_equal(&a, &name("O=Example,CN=Test Root")));
        assert!(!names_equal(&a, &name("CN=Test Root")));
        assert!(!names_equal(&a, b"\x30\x03junk"));
        assert!(!names_equal(b"", &a));
    }

    #[test]
    fn host_names() {
        let leaf = cert("leaf");
        for ok in
            ["www.example.com", "WWW.Example.Com", "www.example.com.", "a.example.org", "127.0.0.1", "::1", "[::1]", "0:0:0:0:0:0:0:1"]
        {
            assert_eq!(verify_host_name(&leaf, ok), Ok(()), "{ok}");
        }
        for bad in [
            "example.com",
            "a.www.example.com",
            "a.b.example.org",
            "example.org",
            "127.0.0.2",
            "::2",
            "",
            ".",
            "*.example.org",
            "www.example.com..",
            "wwwexample.com",
        ] {
            assert_eq!(verify_host_name(&leaf, bad), Err(CertError::NameMismatch), "{bad}");
        }
        // CN is used only when there is no subjectAltName at all.
        let cn_only = cert("leaf_cn_only");
        assert_eq!(verify_host_name(&cn_only, "CNONLY.example.com"), Ok(()));
        assert_eq!(verify_host_name(&cn_only, "www.example.com"), Err(CertError::NameMismatch));
        let san_no_dns = cert("leaf_san_no_dns");
        assert_eq!(verify_host_name(&san_no_dns, "www.example.com"), Err(CertError::NameMismatch));
        assert_eq!(verify_host_name(b"junk", "www.example.com"), Err(CertError::Malformed));
    }

    #[test]
    fn rendering_is_rfc4514() {
        let der = name("CN=www.example.com,O=Example\\, Inc.,C=US");
        assert_eq!(name_to_string(&der).unwrap(), "CN=www.example.com,O=Example\\, Inc.,C=US");
        assert!(name_to_string(b"\x30\x05").is_err());
        for len in 0..der.len() {
            let _ = name_to_string(&der[..len]);
        }
    }
}
