//! `SSLKEYLOGFILE`: when the variable names a file, each completed handshake appends
//! `CLIENT_RANDOM <client random> <master secret>` (NSS key-log format) so Wireshark and
//! tshark can decrypt captures. Off unless the operator sets the variable; the secret never
//! goes anywhere else.
#![forbid(unsafe_code)]

use std::io::Write;

/// The NSS key-log line for one session (hex, lower case, newline-terminated).
pub fn line(client_random: &[u8; 32], master_secret: &[u8; 48]) -> zeroize::Zeroizing<String> {
    let mut s = zeroize::Zeroizing::new(String::with_capacity(14 + 64 + 1 + 96 + 1));
    s.push_str("CLIENT_RANDOM ");
    hex(&mut s, client_random);
    s.push(' ');
    hex(&mut s, master_secret);
    s.push('\n');
    s
}

fn hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
}

/// Appends the line to `$SSLKEYLOGFILE` if it is set. Failures are ignored: key logging is a
/// debugging aid and must never break a connection.
pub fn record(client_random: &[u8; 32], master_secret: &[u8; 48]) {
    let Some(path) = std::env::var_os("SSLKEYLOGFILE").filter(|p| !p.is_empty()) else {
        return;
    };
    let line = line(client_random, master_secret);
    // One write call per line with O_APPEND keeps lines whole when several threads log.
    if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
        let _ = f.write_all(line.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nss_format() {
        let l = line(&[0xab; 32], &[0x01; 48]);
        assert_eq!(l.len(), 14 + 64 + 1 + 96 + 1);
        assert!(l.starts_with("CLIENT_RANDOM abab"));
        assert!(l.ends_with(&format!(" {}\n", "01".repeat(48))));
    }
}
