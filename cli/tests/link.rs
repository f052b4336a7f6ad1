//! `journey-attribution link`, run as a user runs it.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_journey-attribution");

fn link(args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .arg("link")
        .args(args)
        .output()
        .expect("run journey-attribution")
}

#[test]
fn prints_the_decorated_url_in_both_forms() {
    let out = link(&[
        "--journey",
        "j-1",
        "--label",
        "Spring sale",
        "--application",
        "app-1",
        "https://shop.example/sale?ref=mail#top",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "https://shop.example/sale?ref=mail&utm_medium=email&utm_campaign=Spring%20sale\
         &utm_id=j-1&ja=1%7Capp-1%7Cj-1%7CSpring%20sale#top\n"
    );
    let out = link(&[
        "--journey",
        "j-1",
        "--label",
        "L",
        "--form",
        "utm",
        "https://x.example/",
    ]);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "https://x.example/?utm_medium=email&utm_campaign=L&utm_id=j-1\n"
    );
    // A channel the wrappers do not count by default: printed, with a warning saying so.
    let out = link(&[
        "--journey",
        "j-1",
        "--label",
        "L",
        "--form",
        "utm",
        "--utm-medium",
        "newsletter",
        "https://x.example/",
    ]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "https://x.example/?utm_medium=newsletter&utm_campaign=L&utm_id=j-1\n"
    );
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("not one of the channels the wrappers count by default (email, sms, push)")
    );
}

#[test]
fn bad_input_names_the_field() {
    let out = link(&["--journey", "j-1", "--label", " ", "https://x.example/"]);
    assert!(!out.status.success());
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "error: --label: must not be blank\n"
    );
    let long = "x".repeat(201);
    let out = link(&["--journey", &long, "--label", "L", "https://x.example/"]);
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("--journey: over Pinpoint's 200-character")
    );
    let out = link(&["--journey", "j", "--label", "L", "x.example/sale"]);
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("expected an absolute http(s) URL")
    );
}
