//! SSPI semantics over the engine: credentials, contexts, statuses, certificate objects.
//! Safe Rust; the raw C ABI lives in [`ffi`], the only module allowed `unsafe`.

pub mod alpn;
pub mod context;
pub mod credentials;
#[allow(unsafe_code)]
pub mod ffi;
pub mod handles;
pub mod keylog;
pub mod status;
