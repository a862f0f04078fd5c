//! Gives the shared library its versioned soname, `libopenschannel.so.0` (cdylib only: the
//! rlib, `cargo test` binaries and benches are not affected), and puts the
//! `libopenschannel.so.0 -> libopenschannel.so` link beside the built library so programs
//! linked in the source tree (`-L target/release -lopenschannel`, which records the soname)
//! find it at run time. `make install` installs the real file as libopenschannel.so.0.x.y
//! with the .so.0 and .so links (docs/porting.md "Packaging").

const SONAME: &str = "libopenschannel.so.0";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("linux") {
        return;
    }
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{SONAME}");
    // OUT_DIR is <target>/<profile>/build/<pkg>-<hash>/out: the library goes to <target>/<profile>.
    let Some(out) = std::env::var_os("OUT_DIR") else { return };
    let Some(profile_dir) = std::path::Path::new(&out).ancestors().nth(3) else { return };
    let link = profile_dir.join(SONAME);
    if std::fs::symlink_metadata(&link).is_err() {
        // Dangling until the library is linked, a moment later.
        let _ = std::os::unix::fs::symlink("libopenschannel.so", &link);
    }
}
