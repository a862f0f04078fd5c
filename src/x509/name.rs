//! Distinguished names and host names.
//!
//! * [`names_equal`]: issuer/subject comparison for path building
//!   (RFC 5280 §7.1, with a simplified RFC 4518 string preparation).
//! * [`dns_name_matches`], [`parse_ip_literal`]: reference-identifier
//!   matching for server names (RFC 6125 §6.4).
//! * [`name_to_string`]: a readable rendering (RFC 4514 order and escaping)
//!   for diagnostics and for callers that show a subject or issuer.

use std::net::IpAddr;

use der::{Decode, Tag, Tagged};
use x509_cert::attr::AttributeValue;
use x509_cert::name::Name;

/// True when two DER-encoded `Name`s denote the same entity.
///
/// Byte equality is the common case (RFC 5280 §7.1 requires CAs to encode the
/// issuer exactly as the issuing certificate's subject). Otherwise both names
/// are decoded and compared RDN by RDN, attribute by attribute; string values
/// are compared after trimming, collapsing inner whitespace and case folding
/// (RFC 4518 §2, simplified: no Unicode normalisation or character mapping),
/// so a PrintableString and a UTF8String with the same text are equal, as
/// RFC 5280 §7.1 asks. Unparseable names are only equal byte for byte.
pub fn names_equal(a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return true;
    }
    let (Ok(a), Ok(b)) = (Name::from_der(a), Name::from_der(b)) else {
        return false;
    };
    if a.len() != b.len() {
        return false;
    }
    let equal = a.iter_rdn().zip(b.iter_rdn()).all(|(ra, rb)| {
        ra.len() == rb.len()
            && ra
                .iter()
                .zip(rb.iter())
                .all(|(x, y)| x.oid == y.oid && values_equal(&x.value, &y.value))
    });
    equal
}

/// Attribute values compare as prepared strings when both are strings,
/// otherwise as exact DER.
fn values_equal(a: &AttributeValue, b: &AttributeValue) -> bool {
    match (directory_string(a), directory_string(b)) {
        (Some(x), Some(y)) => prepare(&x) == prepare(&y),
        _ => a == b,
    }
}

/// Simplified RFC 4518 preparation: case fold, drop leading/trailing space,
/// collapse runs of inner whitespace to one space.
fn prepare(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The text of a DirectoryString-like attribute value (RFC 5280 §4.1.2.4),
/// `None` for non-string values or invalid encodings.
pub(crate) fn directory_string(value: &AttributeValue) -> Option<String> {
    let bytes = value.value();
    match value.tag() {
        Tag::Utf8String
        | Tag::PrintableString
        | Tag::Ia5String
        | Tag::NumericString
        | Tag::VisibleString => String::from_utf8(bytes.to_vec()).ok(),
        // T.61 in theory; in practice every CA that used it wrote Latin-1.
        Tag::TeletexString => Some(bytes.iter().map(|&b| char::from(b)).collect()),
        // UCS-2 big-endian; surrogates are rejected by from_utf16 when unpaired.
        Tag::BmpString => {
            if bytes.len() % 2 != 0 {
                return None;
            }
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .filter_map(|c| <[u8; 2]>::try_from(c).ok().map(u16::from_be_bytes))
                .collect();
            String::from_utf16(&units).ok()
        }
        _ => None,
    }
}

/// The most specific (last) commonName in `name`, RFC 6125 §6.4.4.
pub(crate) fn last_common_name(name: &Name) -> Option<String> {
    name.iter()
        .filter(|atv| atv.oid == const_oid::db::rfc4519::CN)
        .last()
        .and_then(|atv| directory_string(&atv.value))
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
    if host.split('.').any(str::is_empty) {
        return false;
    }
    match pattern.strip_prefix("*.") {
        Some(suffix) => {
            if suffix.contains('*') || !suffix.contains('.') || suffix.split('.').any(str::is_empty)
            {
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
    let inner = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    inner.parse().ok()
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
        let special = matches!(c, '"' | '+' | ',' | ';' | '<' | '>' | '\\')
            || (i == 0 && (c == '#' || c == ' '))
            || (i == last && c == ' ');
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
    use der::Encode;

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
    fn rendering_is_rfc4514() {
        let der = name("CN=www.example.com,O=Example\\, Inc.,C=US");
        assert_eq!(name_to_string(&der).unwrap(), "CN=www.example.com,O=Example\\, Inc.,C=US");
        assert!(name_to_string(b"\x30\x05").is_err());
        for len in 0..der.len() {
            let _ = name_to_string(&der[..len]);
        }
    }
}
