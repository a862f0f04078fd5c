//! SSL 2.0 (Hickman, 1995): its record framing and CLIENT-HELLO, shared by the TLS server's
//! acceptance of an SSL 2.0-compatible hello (RFC 2246 Appendix E.1, RFC 5246 Appendix E.2).
#![forbid(unsafe_code)]

pub mod hello;
pub mod record;
pub mod server;
