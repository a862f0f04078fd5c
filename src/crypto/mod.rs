//! The one place that names cryptographic crates. Everything above calls these small wrappers.
//!
//! Choices (see docs/dependencies.md): aws-lc for RSA private operations (constant-time,
//! OpenSSL speed), RustCrypto for hashes, HMAC, AES-CBC, 3DES and RC4; aws-lc-rs for AEADs. Key
//! exchange and handshake signatures also stay in aws-lc: ECDH through aws-lc-rs, finite-field DH
//! and ECDSA/DSA over digests through thin aws-lc-sys wrappers ([`kx`], [`ecdsa`], [`dsa`]) because
//! aws-lc-rs has no API for them.
pub mod aead;
pub mod cipher;
pub mod dsa;
pub mod ecdsa;
pub mod export;
pub mod hash;
pub mod kx;
pub mod pkcs12;
pub mod prf;
pub mod random;
pub mod rc4;
pub mod rsa;
pub mod sign;
pub mod signature;
pub mod ssl3;
pub mod stitched;
pub mod tdes;
