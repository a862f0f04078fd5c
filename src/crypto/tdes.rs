//! 3DES-EDE-CBC (and single DES-CBC) through aws-lc: 2.6x the des crate's speed here
//! (shared/docs/crates.md), with the IV carried between calls as TLS 1.0 needs. Legacy suites;
//! table-based like every DES.
#![allow(unsafe_code)]

use aws_lc_sys::{DES_cblock, DES_key_schedule};
use zeroize::Zeroize;

/// One direction of 3DES-EDE (or single DES) in CBC mode with its running IV.
pub struct TripleDesCbc {
    schedules: [DES_key_schedule; 3],
    iv: DES_cblock,
    encrypt: bool,
    /// An 8-byte key: single DES (TLS_RSA_WITH_DES_CBC_SHA), only the first schedule is used.
    single: bool,
}

impl TripleDesCbc {
    /// `key` is 24 bytes (three DES keys) or 8 (single DES), `iv` 8 bytes; the suite table
    /// guarantees both.
    pub fn new(key: &[u8], iv: &[u8], encrypt: bool) -> Self {
        assert!((key.len() == 24 || key.len() == 8) && iv.len() == 8, "DES key and IV lengths come from the suite table");
        let mut schedules = [DES_key_schedule::default(); 3];
        for (ks, k) in schedules.iter_mut().zip(key.chunks_exact(8)) {
            let mut block = DES_cblock { bytes: [0; 8] };
            block.bytes.copy_from_slice(k);
            // SAFETY: both pointers refer to live, correctly typed locals; aws-lc writes only `ks`.
            unsafe { aws_lc_sys::DES_set_key_unchecked(&block, ks) };
            block.bytes.zeroize();
        }
        let mut ivb = DES_cblock { bytes: [0; 8] };
        ivb.bytes.copy_from_slice(iv);
        TripleDesCbc { schedules, iv: ivb, encrypt, single: key.len() == 8 }
    }

    /// Encrypts or decrypts whole 8-byte blocks in place, updating the IV.
    pub fn apply(&mut self, buf: &mut [u8]) {
        debug_assert!(buf.len() % 8 == 0, "record layer passes whole blocks");
        let enc = if self.encrypt { aws_lc_sys::DES_ENCRYPT } else { aws_lc_sys::DES_DECRYPT };
        // SAFETY: `buf` is valid for reads and writes of its length, which is a multiple of the
        // block size; aws-lc's CBC loop reads each input block before writing the same output
        // block, so in == out is supported. The schedules and IV are owned by `self`.
        if self.single {
            // SAFETY: as below, with one schedule.
            unsafe { aws_lc_sys::DES_ncbc_encrypt(buf.as_ptr(), buf.as_mut_ptr(), buf.len(), &self.schedules[0], &mut self.iv, enc) };
            return;
        }
        unsafe {
            aws_lc_sys::DES_ede3_cbc_encrypt(
                buf.as_ptr(),
                buf.as_mut_ptr(),
                buf.len(),
                &self.schedules[0],
                &self.schedules[1],
                &self.schedules[2],
                &mut self.iv,
                enc,
            )
        };
    }
}

impl Drop for TripleDesCbc {
    fn drop(&mut self) {
        for ks in &mut self.schedules {
            ks.subkeys.iter_mut().for_each(|s| s.zeroize());
        }
        self.iv.bytes.zeroize();
    }
}
