//! `GetLastError`/`SetLastError`: the per-thread error code the CryptoAPI functions set when
//! they return FALSE/NULL (the SSPI functions return their status instead). Linux has no
//! kernel32, so the provider keeps its own thread-local value; programs ported from Windows call
//! these names unchanged.

use std::cell::Cell;

use super::super::types::DWORD;
use crate::ffi_guard;

thread_local! {
    static LAST_ERROR: Cell<DWORD> = const { Cell::new(0) };
}

/// Sets this thread's last error.
pub(crate) fn set_last_error(code: DWORD) {
    LAST_ERROR.with(|c| c.set(code));
}

/// Reads this thread's last error.
pub(crate) fn last_error() -> DWORD {
    LAST_ERROR.with(Cell::get)
}

/// GetLastError: the calling thread's last error code, as set by the CryptoAPI functions of
/// this library when they fail (`ERROR_MORE_DATA`, `CRYPT_E_NOT_FOUND`, `E_INVALIDARG`, …) or by
/// `SetLastError`. Successful calls leave it unchanged, as on Windows.
#[no_mangle]
pub extern "C" fn GetLastError() -> DWORD {
    ffi_guard!(0, { last_error() })
}

/// SetLastError: sets the calling thread's last error code.
#[no_mangle]
pub extern "C" fn SetLastError(dwErrCode: DWORD) {
    ffi_guard!((), { set_last_error(dwErrCode) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_thread() {
        SetLastError(5);
        assert_eq!(GetLastError(), 5);
        std::thread::spawn(|| assert_eq!(GetLastError(), 0)).join().unwrap();
        assert_eq!(GetLastError(), 5);
    }
}
