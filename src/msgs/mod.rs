//! Wire format only: every message as a struct with `read`/`encode`. No crypto, no state.
#![forbid(unsafe_code)]

pub mod codec;
pub mod enums;
pub mod handshake;
