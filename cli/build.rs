//! Gives the binary the commit it was built from (`journey-attribution --version`).
//!
//! In order: a packaged crate's `.cargo_vcs_info.json` (what `cargo install` from crates.io
//! builds: there is no `.git` there, and a Git repository around the registry's folder, a
//! versioned home directory say, is someone else's); else `git`, but only when the
//! repository really tracks this crate; else "unknown". Never fails the build.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let commit = from_vcs_info(&manifest_dir)
        .or_else(|| from_git(&manifest_dir))
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=JA_BUILD_COMMIT={commit}");
}

/// `{"git": {"sha1": "…", "dirty": true}, "path_in_vcs": "cli"}`, written by `cargo package`.
fn from_vcs_info(dir: &Path) -> Option<String> {
    let path = dir.join(".cargo_vcs_info.json");
    let text = std::fs::read_to_string(&path).ok()?;
    println!("cargo:rerun-if-changed={}", path.display());
    // A string search, not a JSON parser: a build dependency for one field is not worth it,
    // and the file's shape is cargo's own.
    let start = text.find("\"sha1\"")? + "\"sha1\"".len();
    let rest = text[start..]
        .trim_start()
        .strip_prefix(':')?
        .trim_start()
        .strip_prefix('"')?;
    let sha = &rest[..rest.find('"')?];
    if sha.len() < 7 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let dirty = text.contains("\"dirty\": true") || text.contains("\"dirty\":true");
    Some(format!(
        "{}{}",
        &sha[..12.min(sha.len())],
        if dirty { "-dirty" } else { "" }
    ))
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?;
    Some(s.trim().to_owned())
}

fn from_git(dir: &Path) -> Option<String> {
    // The repository must track this very manifest, or its HEAD says nothing about us.
    git(dir, &["ls-files", "--error-unmatch", "Cargo.toml"])?;
    let commit = git(dir, &["rev-parse", "--short=12", "HEAD"])?;
    // Rebuild when HEAD moves: HEAD itself (a checkout), the branch it points to (a commit),
    // packed-refs (a ref packed by gc). Only existing files: a missing one reruns every build.
    let mut watched = vec!["HEAD".to_owned(), "packed-refs".to_owned()];
    if let Some(reference) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        watched.push(reference);
    }
    for name in watched {
        if let Some(path) = git(
            dir,
            &["rev-parse", "--path-format=absolute", "--git-path", &name],
        ) && Path::new(&path).exists()
        {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    Some(commit)
}
