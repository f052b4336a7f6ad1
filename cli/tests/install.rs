//! What an installed command offers beyond its work: `--version` with the commit it was
//! built from, shell completions and the manual page.

use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_journey-attribution");

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("run journey-attribution")
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("UTF-8 output")
}

/// The checkout's HEAD, as build.rs reads it.
fn head() -> String {
    let out = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("git");
    assert!(out.status.success(), "the tests run in a git checkout");
    String::from_utf8(out.stdout)
        .expect("UTF-8")
        .trim()
        .to_owned()
}

#[test]
fn version_names_the_release_and_the_commit() {
    let expected = format!(
        "journey-attribution {} (commit {})\n",
        env!("CARGO_PKG_VERSION"),
        head()
    );
    assert_eq!(stdout(&run(&["--version"])), expected);
    assert_eq!(stdout(&run(&["-V"])), expected);
}

#[test]
fn completions_for_each_shell_name_every_subcommand() {
    let bash = stdout(&run(&["completions", "bash"]));
    assert!(bash.contains("-o default journey-attribution\n"), "{bash}");
    let zsh = stdout(&run(&["completions", "zsh"]));
    assert!(zsh.starts_with("#compdef journey-attribution"), "{zsh}");
    let fish = stdout(&run(&["completions", "fish"]));
    assert!(fish.contains("complete -c journey-attribution"), "{fish}");
    for sub in [
        "demo",
        "setup",
        "reconcile",
        "walkthrough",
        "link",
        "report",
        "athena",
        "completions",
        "man",
    ] {
        for (shell, script) in [("bash", &bash), ("zsh", &zsh), ("fish", &fish)] {
            assert!(script.contains(sub), "{shell} completion lacks `{sub}`");
        }
    }
    // Options of a subcommand complete too, not only the subcommands' names.
    assert!(bash.contains("--goal"), "{bash}");
}

#[test]
fn an_unknown_shell_is_refused_with_the_ones_there_are() {
    let out = run(&["completions", "tcsh"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("tcsh") && err.contains("bash") && err.contains("zsh") && err.contains("fish"),
        "{err}"
    );
}

#[test]
fn the_manual_page_is_roff_with_the_version_and_every_subcommand() {
    let page = stdout(&run(&["man"]));
    assert!(page.contains(".TH journey-attribution 1"), "{page}");
    assert!(page.contains(env!("CARGO_PKG_VERSION")), "{page}");
    for sub in [
        "report",
        "setup",
        "reconcile",
        "link",
        "athena",
        "completions",
    ] {
        assert!(page.contains(sub), "the manual lacks `{sub}`");
    }
}
