//! The `hezuo-field` binary starts and describes itself. (Its end-to-end tests against a server live in the
//! `hezuo-tests` package; this test also makes `cargo test --workspace` build the binary for them.)

use std::process::Command;

#[test]
fn help_lists_the_commands() {
    let output = Command::new(env!("CARGO_BIN_EXE_hezuo-field"))
        .arg("--help")
        .output()
        .expect("run hezuo-field");
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    for command in ["login", "whoami", "coops", "devices", "logout"] {
        assert!(text.contains(command), "{command} in {text}");
    }
}
