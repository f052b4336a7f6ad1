//! Bad-input corpus: every core entry point gets ≥ 1,000 malformed inputs,
//! generated deterministically from the valid fixtures. For each: no panic, and either an
//! error (or skip reason) that names the field and says why, or — where the field is one
//! the entry point ignores by design — acceptance. Counts are printed (`--nocapture`) and
//! recorded in FUZZING.md ("Bad-input corpus").
//!
//! Text-level malformations (truncation, `\ud800`, `01`, 10,000-level nesting, duplicate
//! keys) reach the JSON-taking entry points (`parse_invocation`, `decode_record`) through
//! the JSON layer, as they would in Lambda: here `wire` decodes with serde_json and
//! serde_path_to_error so that layer's errors carry the path too.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use journey_attribution_core::claims::{self, ClaimDecision, EventVersion};
use journey_attribution_core::connect::{self, ConnectConfig};
use journey_attribution_core::pinpoint::{self, SkipReason};
use journey_attribution_core::ses::{self, SesConfig};
use journey_attribution_core::token::Token;
use journey_attribution_test_support::bad::{
    Seg, Tally, assert_located, assert_names_field, bad_texts, bad_values, dotted, paths, prefixes,
    wire, with,
};
use serde_json::Value;

fn fixture(name: &str) -> String {
    journey_attribution_test_support::fixtures::text(name)
}

// ---------------------------------------------------------------- Pinpoint

/// What `parse_invocation` + `plan` say: `Ok(per-endpoint outcome text)` or the error.
fn pinpoint_run(v: Value) -> Result<BTreeMap<String, Result<String, String>>, String> {
    let event = pinpoint::parse_invocation(v).map_err(|e| e.to_string())?;
    let plan = event.plan("username", 0).map_err(|e| e.to_string())?;
    Ok(plan
        .items
        .into_iter()
        .map(|(id, o)| {
            let o = o
                .map(|i| plan.touches[i].username.clone())
                .map_err(|r| match r {
                    SkipReason::Malformed(_) => r.to_string(),
                    // The other reasons name the attribute relative to the endpoint.
                    _ => format!("Endpoints.{id}.{r}"),
                });
            (id, o)
        })
        .collect())
}

#[test]
fn pinpoint_invocations() {
    let text = fixture("pinpoint-custom-channel.json");
    let valid: Value = serde_json::from_str(&text).unwrap();
    let baseline = pinpoint_run(valid.clone()).unwrap();
    assert_eq!(
        baseline.values().filter(|o| o.is_ok()).count(),
        2,
        "alice and björn"
    );
    let mut tally = Tally::default();

    // A mutation's outcome: a top-level error naming the field, or per endpoint: the
    // mutated endpoint tagged or skipped with a named reason, every sibling as before.
    let judge = |kind: &str, path: &[Seg], v: Value, tally: &mut Tally| {
        let input = format!("{kind} at {}", dotted(path));
        match pinpoint_run(v) {
            Err(message) => {
                assert_names_field(&message, path, "(event)", &input);
                tally.count(kind, "error");
            }
            Ok(outcomes) => {
                let mutated = match path {
                    [Seg::Key(e), Seg::Key(id), ..] if e == "Endpoints" => Some(id.as_str()),
                    _ => None,
                };
                let mut outcome = "accepted";
                for (id, o) in &outcomes {
                    if Some(id.as_str()) == mutated {
                        if let Err(reason) = o {
                            assert_names_field(reason, path, "(event)", &input);
                            outcome = "endpoint_skipped";
                        }
                    } else if mutated.is_some() {
                        // Siblings of a malformed endpoint are untouched.
                        assert_eq!(Some(o), baseline.get(id), "sibling {id} changed ({input})");
                    }
                }
                tally.count(kind, outcome);
            }
        }
    };

    for path in paths(&valid) {
        for (kind, bad) in bad_values() {
            judge(kind, &path, with(&valid, &path, bad), &mut tally);
        }
        for (kind, text) in bad_texts(&valid, &path) {
            match wire(&text, "(event)") {
                Ok(v) => judge(kind, &path, v, &mut tally),
                Err(message) => {
                    assert_names_field(&message, &path, "(event)", kind);
                    tally.count(kind, "json_error");
                }
            }
        }
    }
    for prefix in prefixes(&text) {
        let message = wire(prefix, "(event)").expect_err("a strict prefix is not JSON");
        assert_located(&message, "truncated");
        tally.count("truncated", "json_error");
    }
    // Required fields really are required.
    for field in ["ApplicationId", "Endpoints"] {
        let mut v = valid.clone();
        v.as_object_mut().unwrap().remove(field);
        let message = pinpoint_run(v).unwrap_err();
        assert!(message.contains(field), "{message}");
        tally.count("missing", "error");
    }
    tally.print("pinpoint::parse_invocation + CustomChannelEvent::plan");
}

// ---------------------------------------------------------------- successors' batches

/// Per item of a batch (a Connect profile, an SES record), in order: the touched username
/// or the skip reason's text.
type BatchRun = Result<Vec<Result<String, String>>, String>;

fn connect_run(v: Value) -> BatchRun {
    let inv = connect::parse_invocation(v).map_err(|e| e.to_string())?;
    let plan = inv
        .plan(&ConnectConfig::default(), 0)
        .map_err(|e| e.to_string())?;
    let plan = plan.plan;
    Ok(plan
        .items
        .into_iter()
        .map(|(_, o)| {
            o.map(|i| plan.touches[i].username.clone())
                .map_err(|r| r.to_string())
        })
        .collect())
}

fn ses_run(v: Value) -> BatchRun {
    // Opens too (an opt-in): the fixtures are mostly Open records.
    let config = SesConfig {
        opens: true,
        ..SesConfig::default()
    };
    let plan = ses::plan(v, &config).map_err(|e| e.to_string())?;
    Ok(plan
        .items
        .into_iter()
        .map(|(_, o)| {
            o.map(|i| plan.touches[i].username.clone())
                .map_err(|r| r.to_string())
        })
        .collect())
}

/// Mutates every path of a valid batch: a top-level error naming the field, or the
/// mutated item touched or skipped with a named reason while every sibling stays as it was.
/// `item_of` says which item a path is inside (`None`: the envelope).
fn batch_corpus(
    entry: &str,
    fixture_name: &str,
    run: fn(Value) -> BatchRun,
    item_of: fn(&[Seg]) -> Option<usize>,
    expected_touches: usize,
) {
    let text = fixture(fixture_name);
    let valid: Value = serde_json::from_str(&text).unwrap();
    let baseline = run(valid.clone()).unwrap();
    assert_eq!(
        baseline.iter().filter(|o| o.is_ok()).count(),
        expected_touches,
        "{entry}: {baseline:?}"
    );
    let mut tally = Tally::default();
    let judge = |kind: &str, path: &[Seg], v: Value, tally: &mut Tally| {
        let input = format!("{kind} at {}", dotted(path));
        match run(v) {
            Err(message) => {
                assert_names_field(&message, path, "(event)", &input);
                tally.count(kind, "error");
            }
            Ok(outcomes) => {
                let mutated = item_of(path);
                let mut outcome = "accepted";
                for (i, o) in outcomes.iter().enumerate() {
                    if Some(i) == mutated {
                        // A new skip reason names the mutated field (an item skipped
                        // before the mutation may keep its reason).
                        if let Err(reason) = o
                            && baseline.get(i) != Some(o)
                        {
                            assert_names_field(reason, path, "(event)", &input);
                            outcome = "item_skipped";
                        }
                    } else if mutated.is_some() {
                        assert_eq!(Some(o), baseline.get(i), "sibling {i} changed ({input})");
                    }
                }
                tally.count(kind, outcome);
            }
        }
    };
    for path in paths(&valid) {
        for (kind, bad) in bad_values() {
            judge(kind, &path, with(&valid, &path, bad), &mut tally);
        }
        for (kind, text) in bad_texts(&valid, &path) {
            match wire(&text, "(event)") {
                Ok(v) => judge(kind, &path, v, &mut tally),
                Err(message) => {
                    assert_names_field(&message, &path, "(event)", kind);
                    tally.count(kind, "json_error");
                }
            }
        }
    }
    for prefix in prefixes(&text) {
        let message = wire(prefix, "(event)").expect_err("a strict prefix is not JSON");
        assert_located(&message, "truncated");
        tally.count("truncated", "json_error");
    }
    tally.print(entry);
}

#[test]
fn connect_invocations() {
    batch_corpus(
        "connect::parse_invocation + ConnectInvocation::plan",
        "connect-custom-action.json",
        connect_run,
        |path| match path {
            [Seg::Key(items), Seg::Key(p), Seg::Index(i), ..]
                if items == "Items" && p == "CustomerProfiles" =>
            {
                Some(*i)
            }
            _ => None,
        },
        2,
    );
}

#[test]
fn ses_notifications() {
    batch_corpus(
        "ses::plan (SNS delivery)",
        "ses-open-sns.json",
        ses_run,
        |path| match path {
            [Seg::Key(r), Seg::Index(i), ..] if r == "Records" => Some(*i),
            _ => None,
        },
        1,
    );
    batch_corpus(
        "ses::plan (EventBridge event)",
        "ses-click-eventbridge.json",
        ses_run,
        |path| match path.first() {
            Some(Seg::Key(k)) if k == "detail" => Some(0),
            _ => None,
        },
        1,
    );
}

// ---------------------------------------------------------------- pre-token generation

/// `parse_request` then `respond`, as `claims` answers: the claim must land where Cognito
/// reads it for the version the event was read as, with the rest of the event kept.
fn claims_run(event: &Value) -> Result<(), String> {
    let request = claims::parse_request(event).map_err(|e| e.to_string())?;
    let mut answered = event.clone();
    let decision = ClaimDecision::Set("ja1|t".into());
    claims::respond(&mut answered, request.version, "custom:campaign", &decision);
    let id_token = match request.version {
        EventVersion::V1 => &answered["response"]["claimsOverrideDetails"],
        EventVersion::V2 => {
            &answered["response"]["claimsAndScopeOverrideDetails"]["idTokenGeneration"]
        }
    };
    assert_eq!(
        id_token["claimsToAddOrOverride"]["custom:campaign"], "ja1|t",
        "{event}"
    );
    assert_eq!(answered["request"], event["request"]);
    Ok(())
}

#[test]
fn pre_token_generation_events() {
    let mut tally = Tally::default();
    for name in [
        "cognito-pre-token-generation-v1.json",
        "cognito-pre-token-generation-v2.json",
    ] {
        let valid: Value = serde_json::from_str(&fixture(name)).unwrap();
        claims_run(&valid).unwrap();
        for path in paths(&valid) {
            for (kind, bad) in bad_values() {
                let input = format!("{name}: {kind} at {}", dotted(&path));
                match claims_run(&with(&valid, &path, bad)) {
                    Ok(()) => tally.count(kind, "accepted"),
                    Err(message) => {
                        assert_names_field(&message, &path, "(event)", &input);
                        tally.count(kind, "error");
                    }
                }
            }
        }
    }
    assert!(tally.tried() >= 1000, "{} inputs", tally.tried());
    tally.print("claims::parse_request + respond");
}

// ---------------------------------------------------------------- token

const TOKEN_FIELDS: [&str; 5] = [
    "application_id",
    "journey_id",
    "touched_at",
    "expires_at",
    "label",
];

#[test]
fn tokens() {
    let valid = [
        "ja1|app|j-1|1700000000000|1700086400|Spring sale",
        "ja1|3a9b1f4e|f4a4c5b1|1776558804609|1779150805|Summer %7C 50%25 off",
        "ja1|a|j|-5|0|Zoë 名前",
        "ja1|%25app%7C|journey%0A2|0|-1|",
        "ja1|x|y|9223372036854775807|4102444800|{\"campaign\":\"Spring\"}",
    ];
    let bad_fields: Vec<(&str, String)> = vec![
        ("empty", String::new()),
        ("non_canonical_number", "-0".into()),
        ("non_canonical_number", "01".into()),
        ("non_canonical_number", "1e3".into()),
        ("non_canonical_number", "1.0".into()),
        ("non_canonical_number", "+1".into()),
        ("non_canonical_number", "99999999999999999999".into()),
        ("wrong_type", "null".into()),
        ("wrong_type", "true".into()),
        ("wrong_type", "{}".into()),
        ("control_chars", "a\u{0}b".into()),
        ("control_chars", "a\nb".into()),
        ("bad_escape", "%".into()),
        ("bad_escape", "%7c".into()),
        ("bad_escape", "%41".into()),
        ("bad_escape", "%G0".into()),
        ("bad_escape", "%\u{e9}0".into()),
        ("surrogate", "\\ud800".into()),
        ("surrogate", "\u{FFFD}".into()),
        ("huge_string", "h".repeat(1 << 20)),
        ("deep_nesting", "[".repeat(10_000)),
    ];
    let mut tally = Tally::default();
    let judge = |kind: &str, field: &str, input: &str, tally: &mut Tally| match Token::decode(input)
    {
        Ok(None) => tally.count(kind, "accepted"),
        Ok(Some(token)) => {
            // Whatever decodes round-trips exactly (or is a legacy label).
            if let Ok(encoded) = token.encode() {
                assert_eq!(encoded, input, "{kind} in {field}: not canonical");
            }
            tally.count(kind, "accepted");
        }
        Err(e) => {
            let message = e.to_string();
            assert!(message.starts_with("token"), "{kind} in {field}: {message}");
            if let (journey_attribution_core::token::TokenError::Field { field: f, .. }, false) =
                (e, field == "token")
            {
                assert_eq!(f, field, "{kind}: wrong field named: {message}");
            }
            tally.count(kind, "error");
        }
    };
    for token in valid {
        assert!(matches!(Token::decode(token), Ok(Some(Token::V1(_)))));
        let fields: Vec<&str> = token.split('|').collect();
        for (i, field) in TOKEN_FIELDS.iter().enumerate() {
            for (kind, bad) in &bad_fields {
                let mut f: Vec<String> = fields.iter().map(|s| s.to_string()).collect();
                f[i + 1] = bad.clone();
                judge(kind, field, &f.join("|"), &mut tally);
                // The malformed value appended to a valid one.
                let mut f: Vec<String> = fields.iter().map(|s| s.to_string()).collect();
                f[i + 1].push_str(bad);
                judge(kind, field, &f.join("|"), &mut tally);
            }
        }
        for prefix in prefixes(token) {
            judge("truncated", "token", prefix, &mut tally);
        }
        // Wrong field counts and versions.
        for n in 0..12 {
            let t = format!("ja1{}", "|x".repeat(n));
            judge("field_count", "token", &t, &mut tally);
        }
        for version in ["ja0|", "ja2|", "ja10|", "ja999999999999999999999|"] {
            judge(
                "version",
                "token",
                &format!("{version}{}", &token[4..]),
                &mut tally,
            );
        }
        judge(
            "duplicate_field",
            "token",
            &format!("{token}|{}", fields[5]),
            &mut tally,
        );
    }
    tally.print("token::Token::decode");
}
