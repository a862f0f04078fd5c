//! The committed C header must be exactly what cbindgen generates from the source.
//! `UPDATE_HEADER=1 cargo test --test header` (what `make header` runs) rewrites it.

#[test]
fn header_is_fresh() {
    let root = env!("CARGO_MANIFEST_DIR");
    let config = cbindgen::Config::from_file(format!("{root}/cbindgen.toml")).expect("cbindgen.toml");
    let mut generated = Vec::new();
    cbindgen::Builder::new().with_crate(root).with_config(config).generate().expect("cbindgen failed").write(&mut generated);
    let path = format!("{root}/include/openschannel.h");
    if std::env::var_os("UPDATE_HEADER").is_some() {
        std::fs::write(&path, &generated).expect("write header");
        return;
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(committed == generated, "include/openschannel.h is stale: run `make header`");
}
