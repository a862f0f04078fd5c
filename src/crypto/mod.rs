//! The one place that names cryptographic crates. Everything above calls these small wrappers.
//!
//! Choices (see docs/dependencies.md): aws-lc for RSA private operations (constant-time,
//! OpenSSL speed), RustCrypto for hashes, HMAC, AES-CBC, 3DES and RC4.
pub mod aead;
pub mod cipher;
pub mod hash;
pub mod prf;
pub mod random;
pub mod rsa;
pub mod signature;
pub mod stitched;
pub mod tdes;
