//! Sealing TLS CBC records with aws-lc's stitched AES-CBC + HMAC-SHA1 (`EVP_aes_*_cbc_hmac_sha1`),
//! which interleaves AES-NI and SHA instructions in one pass the way libssl does; separate
//! AES and SHA-1 passes cap bulk writes at about 0.65x OpenSSL (docs/performance.md).
//! Write direction only: opening records stays in `record::protect` (our constant-time check).
#![allow(unsafe_code)]

use core::ffi::c_void;
use core::ptr::NonNull;

/// A keyed stitched cipher with its running CBC IV.
pub struct AesCbcHmacSha1Sealer {
    ctx: NonNull<aws_lc_sys::EVP_CIPHER_CTX>,
}

// SAFETY: the context is owned exclusively by this value and only used through `&mut self`.
unsafe impl Send for AesCbcHmacSha1Sealer {}
// SAFETY: no method takes `&self` to touch the context.
unsafe impl Sync for AesCbcHmacSha1Sealer {}

impl AesCbcHmacSha1Sealer {
    /// None when this CPU lacks the AES instructions the stitched code needs, or the key
    /// length is not AES-128/256.
    pub fn new(key: &[u8], iv: &[u8], mac_key: &[u8]) -> Option<Self> {
        // SAFETY: plain accessor calls returning static cipher tables (or NULL).
        let cipher = unsafe {
            match key.len() {
                16 => aws_lc_sys::EVP_aes_128_cbc_hmac_sha1(),
                32 => aws_lc_sys::EVP_aes_256_cbc_hmac_sha1(),
                _ => return None,
            }
        };
        if cipher.is_null() || iv.len() != 16 || mac_key.len() != 20 {
            return None;
        }
        // SAFETY: allocation of a fresh context; NULL is checked.
        let ctx = NonNull::new(unsafe { aws_lc_sys::EVP_CIPHER_CTX_new() })?;
        let sealer = AesCbcHmacSha1Sealer { ctx };
        // SAFETY: valid context and cipher; key/iv pointers cover the lengths the cipher reads
        // (16/32 and 16 bytes, checked above); the MAC key control copies `mac_key`.
        let ok = unsafe {
            aws_lc_sys::EVP_EncryptInit_ex(sealer.ctx.as_ptr(), cipher, core::ptr::null_mut(), key.as_ptr(), iv.as_ptr()) == 1
                && aws_lc_sys::EVP_CIPHER_CTX_ctrl(
                    sealer.ctx.as_ptr(),
                    aws_lc_sys::EVP_CTRL_AEAD_SET_MAC_KEY,
                    mac_key.len() as i32,
                    mac_key.as_ptr() as *mut c_void,
                ) == 1
        };
        ok.then_some(sealer)
    }

    /// Seals one record body in place. `aad` is seq_num || type || version || length (the
    /// length of `payload` before MAC and padding, explicit IV included for TLS 1.1+);
    /// `buf` holds that payload followed by room for MAC and padding, exactly
    /// `(length + 20 + 16) & !15` bytes. Returns false if aws-lc refuses.
    pub fn seal(&mut self, aad: &mut [u8; 13], buf: &mut [u8]) -> bool {
        // SAFETY: `aad` is 13 writable bytes, as the control requires; `buf` is valid for
        // reads and writes of its length and the cipher works in place (in == out).
        unsafe {
            aws_lc_sys::EVP_CIPHER_CTX_ctrl(self.ctx.as_ptr(), aws_lc_sys::EVP_CTRL_AEAD_TLS1_AAD, 13, aad.as_mut_ptr() as *mut c_void) > 0
                && aws_lc_sys::EVP_Cipher(self.ctx.as_ptr(), buf.as_mut_ptr(), buf.as_ptr(), buf.len()) == 1
        }
    }
}

impl Drop for AesCbcHmacSha1Sealer {
    fn drop(&mut self) {
        // SAFETY: created by EVP_CIPHER_CTX_new and freed once; the free wipes the key schedule.
        unsafe { aws_lc_sys::EVP_CIPHER_CTX_free(self.ctx.as_ptr()) }
    }
}
