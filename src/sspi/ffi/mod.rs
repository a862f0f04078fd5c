//! The C ABI: `#[no_mangle]` exports, `#[repr(C)]` types, raw-pointer handling. The only module
//! (with `crypto::rsa`'s aws-lc binding) allowed `unsafe`; each block says why it is sound.
#![allow(non_camel_case_types, non_snake_case, clippy::missing_safety_doc)]

pub mod attributes;
pub mod boundary;
pub mod buffers;
pub mod capi;
pub mod certs;
pub mod consts;
pub mod exports;
pub mod messages;
pub mod packages;
pub mod table;
pub mod types;
