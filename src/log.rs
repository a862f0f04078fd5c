//! Diagnostics log, off unless `OPENSCHANNEL_LOG` is `error`, `warn`, `info`, `debug` or `trace`.
//! Lines go to `OPENSCHANNEL_LOG_FILE` (appended) or, by default, stderr.
//!
//! One line per event:
//! `openschannel[PID] SECONDS.MICROS LEVEL ctx=N side: message`, e.g.
//! `openschannel[4242] 1718000000.123456 DEBUG ctx=1 client: handshake sent ClientHello len=182`.
//!
//! What is logged: handshake messages sent and received (type and body length), the negotiated
//! parameters, and the status every SSPI export returns with its reason (the engine error).
//! What never is: key material, master or premaster secrets, handshake bodies, application
//! data (see `docs/porting.md` "Diagnostics"). `SSLKEYLOGFILE` (`sspi::keylog`) is the only
//! place secrets may go.
//!
//! The environment is read once, on first use. When the log is off, [`enabled`] is one relaxed
//! atomic load and nothing is formatted or allocated (the `log_event!` macro evaluates its
//! arguments only when enabled).
#![forbid(unsafe_code)]

use std::cell::Cell;
use std::fmt;
use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Mutex, OnceLock};

/// Severity, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Level {
    Off = 0,
    Error = 1,
    Warn = 2,
    Info = 3,
    Debug = 4,
    Trace = 5,
}

impl Level {
    /// The `OPENSCHANNEL_LOG` spelling (case-insensitive); anything else is `Off`.
    pub fn parse(s: &str) -> Level {
        match s.trim().to_ascii_lowercase().as_str() {
            "error" => Level::Error,
            "warn" | "warning" => Level::Warn,
            "info" => Level::Info,
            "debug" => Level::Debug,
            "trace" => Level::Trace,
            _ => Level::Off,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Level::Off => "OFF",
            Level::Error => "ERROR",
            Level::Warn => "WARN",
            Level::Info => "INFO",
            Level::Debug => "DEBUG",
            Level::Trace => "TRACE",
        }
    }
}

const UNINIT: u8 = u8::MAX;
static LEVEL: AtomicU8 = AtomicU8::new(UNINIT);
static SINK: OnceLock<Option<Mutex<std::fs::File>>> = OnceLock::new();

/// Whether events of `level` are written. Cheap: one atomic load once initialised.
#[inline]
pub fn enabled(level: Level) -> bool {
    let l = LEVEL.load(Ordering::Relaxed);
    let l = if l == UNINIT { init() } else { l };
    level != Level::Off && l >= level as u8
}

#[cold]
fn init() -> u8 {
    let level = std::env::var("OPENSCHANNEL_LOG").map_or(Level::Off, |v| Level::parse(&v));
    if level != Level::Off {
        SINK.get_or_init(|| {
            let path = std::env::var_os("OPENSCHANNEL_LOG_FILE").filter(|p| !p.is_empty())?;
            // Unopenable file: fall back to stderr rather than lose the log.
            std::fs::OpenOptions::new().create(true).append(true).open(path).ok().map(Mutex::new)
        });
    }
    LEVEL.store(level as u8, Ordering::Relaxed);
    level as u8
}

thread_local! {
    /// The context the current export works on: (handle id, "client"/"server").
    static CURRENT: Cell<Option<(usize, &'static str)>> = const { Cell::new(None) };
    /// Why the current export's status is what it is (set where the engine error is mapped).
    static REASON: Cell<Option<crate::engine::error::Error>> = const { Cell::new(None) };
}

/// Names the context later events on this thread belong to, until [`clear_context`].
pub fn set_context(id: usize, side: &'static str) {
    if enabled(Level::Error) {
        CURRENT.with(|c| c.set(Some((id, side))));
    }
}

/// Records the engine error behind the status the current export is about to return.
pub fn set_reason(e: &crate::engine::error::Error) {
    if enabled(Level::Error) {
        REASON.with(|r| r.set(Some(e.clone())));
    }
}

/// Writes one line (call through `log_event!`, which checks [`enabled`] first).
pub fn write(level: Level, args: fmt::Arguments<'_>) {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let ctx = CURRENT.with(Cell::get);
    let mut line = String::with_capacity(128);
    use fmt::Write as _;
    let _ = write!(line, "openschannel[{}] {}.{:06} {}", std::process::id(), now.as_secs(), now.subsec_micros(), level.label());
    if let Some((id, side)) = ctx {
        let _ = write!(line, " ctx={id} {side}:");
    }
    let _ = writeln!(line, " {args}");
    // One write call per line keeps lines whole when threads log at once.
    match SINK.get().and_then(Option::as_ref) {
        Some(f) => {
            let mut f = f.lock().unwrap_or_else(|e| e.into_inner());
            let _ = f.write_all(line.as_bytes());
        }
        None => {
            let _ = std::io::stderr().lock().write_all(line.as_bytes());
        }
    }
}

/// `log_event!(Level::Debug, "format", args...)`: formats and writes only when enabled.
#[macro_export]
macro_rules! log_event {
    ($level:expr, $($arg:tt)*) => {
        if $crate::log::enabled($level) {
            $crate::log::write($level, format_args!($($arg)*))
        }
    };
}

/// A handshake message sent (`sent`) or received: its type and body length, never its body.
#[inline]
pub fn handshake(sent: bool, typ: crate::msgs::enums::HandshakeType, body_len: usize) {
    crate::log_event!(Level::Debug, "handshake {} {:?} len={}", if sent { "sent" } else { "received" }, typ, body_len);
}

/// An SSL 2.0 handshake message sent or received: its type number and length, never its body.
#[inline]
pub fn ssl2_handshake(sent: bool, typ: u8, len: usize) {
    crate::log_event!(Level::Debug, "ssl2 handshake {} type={} len={}", if sent { "sent" } else { "received" }, typ, len);
}

/// The status an export returns. Errors (except SEC_E_INCOMPLETE_MESSAGE) are `error`, the
/// handshake and credential calls `debug`, per-record calls (`EncryptMessage`, `DecryptMessage`)
/// `trace`. The reason is the engine error recorded by [`set_reason`] during the call, if any.
pub fn status(export: &str, status: i32) {
    use crate::sspi::ffi::consts::SEC_E_INCOMPLETE_MESSAGE;
    if LEVEL.load(Ordering::Relaxed) == Level::Off as u8 {
        return;
    }
    let hot = matches!(export, "EncryptMessage" | "DecryptMessage" | "FreeContextBuffer");
    let level = if status < 0 && status != SEC_E_INCOMPLETE_MESSAGE {
        Level::Error
    } else if hot {
        Level::Trace
    } else {
        Level::Debug
    };
    let reason = REASON.with(Cell::take);
    if enabled(level) {
        let name = crate::sspi::status::name(status);
        match reason {
            Some(e) => write(level, format_args!("{export} -> {name} (0x{:08x}): {e:?}", status as u32)),
            None => write(level, format_args!("{export} -> {name} (0x{:08x})", status as u32)),
        }
    }
    CURRENT.with(|c| c.set(None));
}

/// The parameters a completed handshake agreed on.
pub fn negotiated(conn: &crate::engine::Connection) {
    if !enabled(Level::Info) {
        return;
    }
    let Some(info) = conn.info() else { return };
    let group = match (info.suite.kx.cng_name(), info.kx_bits) {
        ("ECDH", Some(255)) => "x25519".to_string(),
        ("ECDH", Some(256)) => "secp256r1".to_string(),
        ("ECDH", Some(384)) => "secp384r1".to_string(),
        (_, Some(bits)) => format!("ffdhe{bits}"),
        (_, None) => "none".to_string(),
    };
    let alpn = conn.alpn_protocol().map_or_else(|| "none".to_string(), |p| String::from_utf8_lossy(p).into_owned());
    write(
        Level::Info,
        format_args!(
            "negotiated version={} suite={} group={} alpn={} resumed={} secure_renegotiation={}",
            version_name(info.version.0),
            info.suite.name,
            group,
            alpn,
            conn.resumed(),
            info.secure_renegotiation
        ),
    );
}

fn version_name(v: u16) -> &'static str {
    match v {
        0x0300 => "SSLv3",
        0x0301 => "TLSv1.0",
        0x0302 => "TLSv1.1",
        0x0303 => "TLSv1.2",
        0x0304 => "TLSv1.3",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_and_order() {
        assert_eq!(Level::parse("DEBUG"), Level::Debug);
        assert_eq!(Level::parse(" trace\n"), Level::Trace);
        assert_eq!(Level::parse("warning"), Level::Warn);
        assert_eq!(Level::parse("verbose"), Level::Off);
        assert!(Level::Error < Level::Trace);
    }

    #[test]
    fn version_names() {
        assert_eq!(version_name(0x0303), "TLSv1.2");
        assert_eq!(version_name(0x9999), "unknown");
    }
}
