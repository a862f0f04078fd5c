//! The panic guard every export goes through: no unwind ever crosses into C.

/// Runs `body`; a panic becomes `$on_panic` (SEC_E_INTERNAL_ERROR for status-returning exports).
#[macro_export]
macro_rules! ffi_guard {
    // Status-returning SSPI exports: the status (and the engine error behind it) goes to the
    // diagnostics log (`crate::log`, off unless OPENSCHANNEL_LOG is set).
    (status $name:literal, $on_panic:expr, $body:block) => {{
        let status = match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| $body)) {
            Ok(v) => v,
            Err(_) => {
                $crate::log_event!($crate::log::Level::Error, "{}: panic caught at the C boundary", $name);
                $on_panic
            }
        };
        $crate::log::status($name, status);
        status
    }};
    ($on_panic:expr, $body:block) => {
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| $body)) {
            Ok(v) => v,
            Err(_) => $on_panic,
        }
    };
}

#[cfg(test)]
mod tests {
    use crate::sspi::ffi::consts::{SEC_E_INTERNAL_ERROR, SEC_E_OK};

    #[test]
    fn a_panic_becomes_internal_error() {
        let r: i32 = ffi_guard!(SEC_E_INTERNAL_ERROR, {
            if std::hint::black_box(true) {
                panic!("boom");
            }
            SEC_E_OK
        });
        assert_eq!(r, SEC_E_INTERNAL_ERROR);
    }

    /// Every exported function's body starts inside `ffi_guard!`.
    #[test]
    fn every_export_is_guarded() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/sspi/ffi");
        let mut checked = 0;
        // The files of src/sspi/ffi and of its subdirectories (capi/).
        let mut files = Vec::new();
        let mut dirs = vec![std::path::PathBuf::from(dir)];
        while let Some(d) = dirs.pop() {
            for entry in std::fs::read_dir(d).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    files.push(path);
                }
            }
        }
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            for (i, l) in lines.iter().enumerate() {
                if l.trim_start().starts_with("pub unsafe extern \"C\" fn") || l.trim_start().starts_with("pub extern \"C\" fn") {
                    // The signature may span lines; the first statement after `{` must be the guard.
                    let body_start = (i..lines.len()).find(|&j| lines[j].trim_end().ends_with('{')).unwrap();
                    let first = lines[body_start + 1].trim_start();
                    assert!(first.starts_with("ffi_guard!"), "{}:{} export not guarded: {}", path.display(), i + 1, l);
                    checked += 1;
                }
            }
        }
        assert!(checked >= 60, "found only {checked} exports");
    }
}
