//! Embeds the built browser apps (`web/console/dist` and `web/field/dist`, committed; CI rebuilds them and fails when
//! they are stale) in the binary, so `cargo run -- demo` serves them on a machine with only the Rust toolchain.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    for (app, table) in [
        ("console", "console_assets.rs"),
        ("field", "field_assets.rs"),
    ] {
        let dist = manifest.join("../web").join(app).join("dist");
        println!("cargo:rerun-if-changed={}", dist.display());
        let mut files = Vec::new();
        if dist.is_dir() {
            collect(&dist, &dist, &mut files);
        }
        files.sort();
        let mut rust = String::from("&[\n");
        for (name, path) in &files {
            writeln!(
                rust,
                "    ({name:?}, include_bytes!({:?}) as &[u8]),",
                path.display()
            )
            .expect("writing to a string");
        }
        rust.push(']');
        fs::write(out.join(table), rust).expect("OUT_DIR is writable");
    }
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let entries = fs::read_dir(dir).expect("the build folder is readable");
    for entry in entries {
        let path = entry.expect("a readable folder entry").path();
        if path.is_dir() {
            collect(root, &path, files);
        } else {
            let name = path
                .strip_prefix(root)
                .expect("below the root")
                .to_string_lossy()
                .replace('\\', "/");
            let absolute = path.canonicalize().expect("an existing file");
            files.push((name, absolute));
        }
    }
}
