//! `CertGetNameStringA/W` and the name rendering `CertFindCertificateInStore` matches against.
//!
//! Rules follow Microsoft's documentation of `CertGetNameString` and Wine's `crypt32/str.c`:
//! SIMPLE_DISPLAY = the first commonName, else organizationalUnitName, else organizationName,
//! else emailAddress of the (subject or issuer) name, else the first rfc822Name of the alt-name
//! extension; DNS = the dNSName entries of the alt-name extension (the first one), else the
//! commonName; EMAIL = the first rfc822Name, else emailAddress; ATTR = the first attribute with
//! the OID in `pvTypePara`; RDN = `CertNameToStr` with the string type in `*pvTypePara`. A name
//! that is absent is the empty string (the functions then return 1).

use core::ffi::{c_char, c_void};

use der::asn1::ObjectIdentifier;
use der::{Decode, Encode};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{IssuerAltName, SubjectAltName};
use x509_cert::name::Name;
use x509_cert::Certificate;

use super::super::certs;
use super::super::types::{DWORD, PCCERT_CONTEXT};
use super::consts::*;
use super::read_cstr;
use crate::ffi_guard;

const CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const OU: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.11");
const O: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");
const EMAIL: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.1");

/// X.500 short names Windows prints (`CertNameToStr`, CERT_X500_NAME_STR).
fn x500_key(oid: &ObjectIdentifier) -> Option<&'static str> {
    let table: [(&str, &str); 13] = [
        ("2.5.4.3", "CN"),
        ("2.5.4.6", "C"),
        ("2.5.4.7", "L"),
        ("2.5.4.8", "S"),
        ("2.5.4.9", "STREET"),
        ("2.5.4.10", "O"),
        ("2.5.4.11", "OU"),
        ("2.5.4.12", "T"),
        ("2.5.4.42", "G"),
        ("2.5.4.43", "I"),
        ("2.5.4.4", "SN"),
        ("1.2.840.113549.1.9.1", "E"),
        ("0.9.2342.19200300.100.1.25", "DC"),
    ];
    let s = oid.to_string();
    table.iter().find(|(o, _)| *o == s).map(|(_, k)| *k)
}

/// The text of a directory string value (the x509 module's decoder: UTF8String,
/// PrintableString, IA5String, NumericString, VisibleString, TeletexString as Latin-1,
/// BMPString).
fn value_text(v: &der::Any) -> Option<String> {
    crate::x509::name::directory_string(v)
}

/// The attributes of a DER `Name` in encoded order, one entry per attribute: (RDN index, OID,
/// text; non-string values as `#hex` of their DER).
pub(crate) fn attributes(name_der: &[u8]) -> Vec<(usize, ObjectIdentifier, String)> {
    let Ok(name) = Name::from_der(name_der) else { return Vec::new() };
    let mut out = Vec::new();
    for (i, rdn) in name.iter_rdn().enumerate() {
        for atv in rdn.iter() {
            let text = value_text(&atv.value).unwrap_or_else(|| {
                let mut s = String::from("#");
                for b in atv.value.to_der().unwrap_or_default() {
                    s.push_str(&format!("{b:02X}"));
                }
                s
            });
            out.push((i, atv.oid, text));
        }
    }
    out
}

/// Windows' quoting in `CertNameToStr`: values with separators, quotes, leading/trailing spaces
/// or line breaks are wrapped in double quotes, inner quotes doubled.
fn quote(v: &str, no_quoting: bool) -> String {
    let special =
        v.is_empty() || v.starts_with(' ') || v.ends_with(' ') || v.contains([',', '+', '=', '"', '\n', '\r', '<', '>', '#', ';']);
    if no_quoting || !special {
        v.to_string()
    } else {
        format!("\"{}\"", v.replace('"', "\"\""))
    }
}

/// `CertNameToStr`: `str_type` CERT_SIMPLE_NAME_STR (values), CERT_OID_NAME_STR
/// (`2.5.4.3=value`) or CERT_X500_NAME_STR (`CN=value`), RDNs in encoded order (reversed with
/// CERT_NAME_STR_REVERSE_FLAG) separated by ", " (or "; " / "\r\n"), multi-valued RDNs by " + ".
pub(crate) fn name_to_str(name_der: &[u8], str_type: DWORD) -> String {
    let kind = str_type & 0xFFFF;
    let no_quoting = str_type & CERT_NAME_STR_NO_QUOTING_FLAG != 0;
    let sep = if str_type & CERT_NAME_STR_SEMICOLON_FLAG != 0 {
        "; "
    } else if str_type & CERT_NAME_STR_CRLF_FLAG != 0 {
        "\r\n"
    } else {
        ", "
    };
    let plus = if str_type & CERT_NAME_STR_NO_PLUS_FLAG != 0 { sep } else { " + " };
    let mut rdns: Vec<Vec<String>> = Vec::new();
    for (i, oid, text) in attributes(name_der) {
        let item = match kind {
            CERT_OID_NAME_STR => format!("{oid}={}", quote(&text, no_quoting)),
            CERT_X500_NAME_STR => match x500_key(&oid) {
                Some(k) => format!("{k}={}", quote(&text, no_quoting)),
                None => format!("OID.{oid}={}", quote(&text, no_quoting)),
            },
            _ => quote(&text, no_quoting),
        };
        if rdns.len() <= i {
            rdns.resize(i + 1, Vec::new());
        }
        rdns[i].push(item);
    }
    if str_type & CERT_NAME_STR_REVERSE_FLAG != 0 {
        rdns.reverse();
    }
    rdns.iter().filter(|r| !r.is_empty()).map(|r| r.join(plus)).collect::<Vec<_>>().join(sep)
}

/// The first attribute with `oid` in a name.
fn first_attr(name_der: &[u8], oid: &ObjectIdentifier) -> Option<String> {
    attributes(name_der).into_iter().find(|(_, o, _)| o == oid).map(|(_, _, t)| t)
}

/// The alternative names of the subject (or issuer) of a certificate.
fn alt_names(cert: &Certificate, issuer: bool) -> Vec<GeneralName> {
    let tbs = cert.tbs_certificate();
    if issuer {
        tbs.get_extension::<IssuerAltName>().ok().flatten().map(|(_, n)| n.0).unwrap_or_default()
    } else {
        tbs.get_extension::<SubjectAltName>().ok().flatten().map(|(_, n)| n.0).unwrap_or_default()
    }
}

fn first_email(alt: &[GeneralName]) -> Option<String> {
    alt.iter().find_map(|g| match g {
        GeneralName::Rfc822Name(s) => Some(s.as_str().to_string()),
        _ => None,
    })
}

/// The name `CertGetNameString` returns, without its terminator. `type_para_oid` is the OID of
/// CERT_NAME_ATTR_TYPE, `str_type` the `*pvTypePara` of CERT_NAME_RDN_TYPE, `friendly` the
/// CERT_FRIENDLY_NAME_PROP_ID property (UTF-16 with terminator) if set.
pub(crate) fn get_name(
    cert_der: &[u8],
    kind: DWORD,
    flags: DWORD,
    type_para_oid: Option<&str>,
    str_type: DWORD,
    friendly: Option<Vec<u8>>,
) -> String {
    let Ok(cert) = Certificate::from_der(cert_der) else { return String::new() };
    let issuer = flags & CERT_NAME_ISSUER_FLAG != 0;
    let tbs = cert.tbs_certificate();
    let name = if issuer { tbs.issuer().to_der() } else { tbs.subject().to_der() }.unwrap_or_default();
    let simple = || {
        [CN, OU, O, EMAIL]
            .iter()
            .find_map(|oid| first_attr(&name, oid))
            .or_else(|| first_email(&alt_names(&cert, issuer)))
            .unwrap_or_default()
    };
    match kind {
        CERT_NAME_SIMPLE_DISPLAY_TYPE => simple(),
        CERT_NAME_FRIENDLY_DISPLAY_TYPE => friendly
            .map(|f| {
                let units: Vec<u16> = f.chunks_exact(2).map(|c| u16::from_ne_bytes([c[0], c[1]])).take_while(|&u| u != 0).collect();
                String::from_utf16_lossy(&units)
            })
            .filter(|s| !s.is_empty())
            .unwrap_or_else(simple),
        CERT_NAME_DNS_TYPE => alt_names(&cert, issuer)
            .iter()
            .find_map(|g| match g {
                GeneralName::DnsName(s) => Some(s.as_str().to_string()),
                _ => None,
            })
            .or_else(|| first_attr(&name, &CN))
            .unwrap_or_default(),
        CERT_NAME_EMAIL_TYPE => first_email(&alt_names(&cert, issuer)).or_else(|| first_attr(&name, &EMAIL)).unwrap_or_default(),
        CERT_NAME_ATTR_TYPE => match type_para_oid.and_then(|o| ObjectIdentifier::new(o).ok()) {
            Some(oid) => first_attr(&name, &oid).unwrap_or_default(),
            None => simple(),
        },
        CERT_NAME_RDN_TYPE => name_to_str(&name, if str_type == 0 { CERT_SIMPLE_NAME_STR } else { str_type }),
        CERT_NAME_URL_TYPE => alt_names(&cert, issuer)
            .iter()
            .find_map(|g| match g {
                GeneralName::UniformResourceIdentifier(s) => Some(s.as_str().to_string()),
                _ => None,
            })
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// Reads the type parameter and computes the name, or None for an unknown context.
unsafe fn lookup(p: PCCERT_CONTEXT, kind: DWORD, flags: DWORD, para: *mut c_void) -> Option<String> {
    let data = certs::cert_data(p)?;
    let (oid, str_type) = match kind {
        // SAFETY: for ATTR_TYPE, pvTypePara is NULL or an OID string per the contract.
        CERT_NAME_ATTR_TYPE => (unsafe { read_cstr(para as *const c_char) }, 0),
        // SAFETY: for RDN_TYPE, pvTypePara is NULL or a DWORD per the contract.
        CERT_NAME_RDN_TYPE if !para.is_null() => (None, unsafe { *(para as *const DWORD) }),
        _ => (None, 0),
    };
    let friendly = if kind == CERT_NAME_FRIENDLY_DISPLAY_TYPE { certs::get_prop(p, CERT_FRIENDLY_NAME_PROP_ID) } else { None };
    Some(get_name(&data.der, kind, flags, oid.as_deref(), str_type, friendly))
}

/// Copies `units` plus a terminator into a caller buffer of `cch` units: the returned count
/// includes the terminator; with no buffer (NULL or `cch` 0) only the count; a short buffer gets
/// the truncated, terminated prefix (and its count).
unsafe fn put_units<T: Copy + Default>(units: &[T], out: *mut T, cch: DWORD) -> DWORD {
    let need = units.len() + 1;
    if out.is_null() || cch == 0 {
        return need as DWORD;
    }
    let n = units.len().min(cch as usize - 1);
    // SAFETY: the caller's buffer holds cch >= n + 1 units.
    unsafe {
        core::ptr::copy_nonoverlapping(units.as_ptr(), out, n);
        *out.add(n) = T::default();
    }
    (n + 1) as DWORD
}

/// CertGetNameStringA: a name of the certificate's subject (issuer with
/// `CERT_NAME_ISSUER_FLAG`) as UTF-8. `dwType`: CERT_NAME_SIMPLE_DISPLAY_TYPE,
/// FRIENDLY_DISPLAY_TYPE, DNS_TYPE, EMAIL_TYPE, ATTR_TYPE (`pvTypePara` = OID string such as
/// `szOID_COMMON_NAME`), RDN_TYPE (`pvTypePara` = `DWORD *` CERT_SIMPLE/OID/X500_NAME_STR),
/// URL_TYPE. Returns the number of characters including the terminating NUL: the size needed
/// when `pszNameString` is NULL or `cchNameString` 0, else the count written (truncated to fit).
/// A missing name (or an unknown context) yields "" and 1.
#[no_mangle]
pub unsafe extern "C" fn CertGetNameStringA(
    pCertContext: PCCERT_CONTEXT,
    dwType: DWORD,
    dwFlags: DWORD,
    pvTypePara: *mut c_void,
    pszNameString: *mut c_char,
    cchNameString: DWORD,
) -> DWORD {
    ffi_guard!(0, {
        // SAFETY: pointer arguments per the contract.
        let name = unsafe { lookup(pCertContext, dwType, dwFlags, pvTypePara) }.unwrap_or_default();
        let bytes: Vec<c_char> = name.bytes().map(|b| b as c_char).collect();
        // SAFETY: the caller's buffer holds cchNameString chars (or is NULL).
        unsafe { put_units(&bytes, pszNameString, cchNameString) }
    })
}

/// CertGetNameStringW: as `CertGetNameStringA`, in UTF-16 (`cchNameString` and the result count
/// UTF-16 units).
#[no_mangle]
pub unsafe extern "C" fn CertGetNameStringW(
    pCertContext: PCCERT_CONTEXT,
    dwType: DWORD,
    dwFlags: DWORD,
    pvTypePara: *mut c_void,
    pszNameString: *mut u16,
    cchNameString: DWORD,
) -> DWORD {
    ffi_guard!(0, {
        // SAFETY: pointer arguments per the contract.
        let name = unsafe { lookup(pCertContext, dwType, dwFlags, pvTypePara) }.unwrap_or_default();
        let units: Vec<u16> = name.encode_utf16().collect();
        // SAFETY: the caller's buffer holds cchNameString units (or is NULL).
        unsafe { put_units(&units, pszNameString, cchNameString) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(name: &str) -> Vec<u8> {
        let pem = std::fs::read(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        crate::x509::pem::certs_from_pem_or_der(&pem).unwrap().remove(0)
    }

    #[test]
    fn server_names() {
        let c = cert("server.pem");
        assert_eq!(get_name(&c, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, None, 0, None), "localhost");
        assert_eq!(get_name(&c, CERT_NAME_SIMPLE_DISPLAY_TYPE, CERT_NAME_ISSUER_FLAG, None, 0, None), "openschannel test CA");
        assert_eq!(get_name(&c, CERT_NAME_DNS_TYPE, 0, None, 0, None), "localhost");
        assert_eq!(get_name(&c, CERT_NAME_ATTR_TYPE, 0, Some("2.5.4.3"), 0, None), "localhost");
        assert_eq!(get_name(&c, CERT_NAME_ATTR_TYPE, 0, Some("2.5.4.10"), 0, None), "");
        assert_eq!(get_name(&c, CERT_NAME_RDN_TYPE, 0, None, CERT_X500_NAME_STR, None), "CN=localhost");
        assert_eq!(get_name(&c, CERT_NAME_RDN_TYPE, CERT_NAME_ISSUER_FLAG, None, CERT_OID_NAME_STR, None), "2.5.4.3=openschannel test CA");
        assert_eq!(get_name(&c, CERT_NAME_EMAIL_TYPE, 0, None, 0, None), "");
        let friendly: Vec<u8> = "srv\0".encode_utf16().flat_map(u16::to_ne_bytes).collect();
        assert_eq!(get_name(&c, CERT_NAME_FRIENDLY_DISPLAY_TYPE, 0, None, 0, Some(friendly)), "srv");
        assert_eq!(get_name(b"junk", CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, None, 0, None), "");
    }

    #[test]
    fn name_strings() {
        use x509_cert::name::Name;
        let n: Name = "CN=a\\, b,O=Org+OU=Unit,C=US".parse().unwrap();
        let der = n.to_der().unwrap();
        // The parsed string lists the most specific RDN first; encoded order is the reverse.
        assert_eq!(name_to_str(&der, CERT_SIMPLE_NAME_STR), "US, Org + Unit, \"a, b\"");
        assert_eq!(name_to_str(&der, CERT_X500_NAME_STR | CERT_NAME_STR_REVERSE_FLAG), "CN=\"a, b\", O=Org + OU=Unit, C=US");
        assert_eq!(
            name_to_str(&der, CERT_X500_NAME_STR | CERT_NAME_STR_SEMICOLON_FLAG | CERT_NAME_STR_NO_PLUS_FLAG),
            "C=US; O=Org; OU=Unit; CN=\"a, b\""
        );
    }

    #[test]
    fn size_protocol() {
        let mut buf = [0u8; 4];
        // SAFETY: test buffers.
        unsafe {
            assert_eq!(put_units(b"abcdef", core::ptr::null_mut(), 0), 7);
            assert_eq!(put_units(b"abcdef", buf.as_mut_ptr(), 4), 4);
        }
        assert_eq!(&buf, b"abc\0");
    }
}
