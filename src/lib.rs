//! openschannel: a Schannel-style SSPI security provider for Linux.
//!
//! Layers (imports point down only):
//! - [`sspi`]: the C ABI (handles, `SecBuffer` rules, status codes); the only place with `unsafe`
//!   besides the thin aws-lc bindings in [`crypto::rsa`], [`crypto::ecdsa`], [`crypto::dsa`],
//!   [`crypto::kx`] and [`crypto::stitched`].
//! - [`engine`]: the sans-IO connection: bytes in, records out.
//! - [`handshake`], [`record`], [`x509`]: protocol state machines, record protection, certificates.
//! - [`msgs`]: wire codec only; [`suites`]: the one cipher-suite table; [`crypto`]: every primitive.
#![deny(unsafe_code)]

pub mod cache;
pub mod crypto;
pub mod engine;
pub mod handshake;
pub mod log;
pub mod msgs;
pub mod record;
pub mod ssl2;
pub mod sspi;
pub mod suites;
pub mod x509;
