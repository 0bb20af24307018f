//! Precision: a token that fails its own provider's check is dropped by every
//! rule, published example values are dropped, the generic rule reads code by
//! file type, `--explain-drops` says why, and the peer suites' recall and
//! false-positive rate stay within a tolerance of the committed figures.

use crate::common::{github_token, run, stderr, stdout};
use base64::Engine as _;
use std::path::{Path, PathBuf};
use stowaway::secrets::Scanner;

fn scanner() -> Scanner {
    Scanner::builtin().expect("built-in rules load")
}

/// A GitHub-shaped token whose CRC32 checksum is wrong.
fn bad_checksum(prefix: &str) -> String {
    let good = github_token(prefix, "Rk2Vn8Qx4Lm7Tz1Pw5Jc9Hb3Ds6Fg0");
    let (body, check) = good.split_at(good.len() - 6);
    let flipped: String = check
        .chars()
        .map(|c| if c == 'A' { 'B' } else { 'A' })
        .collect();
    format!("{body}{flipped}")
}

#[test]
fn failed_checksum_is_dropped_for_every_rule() {
    let s = scanner();
    for prefix in ["ghs_", "ghp_", "gho_"] {
        let bad = bad_checksum(prefix);
        for line in [
            format!("GITHUB_TOKEN={bad}"),
            format!("token = \"{bad}\""),
            format!("  api_key: {bad}"),
        ] {
            let got = s.find_in(line.as_bytes());
            assert!(got.is_empty(), "{line}: {got:?}");
        }
        // The same line with a valid token is reported, by the GitHub rule.
        let good = github_token(prefix, "Rk2Vn8Qx4Lm7Tz1Pw5Jc9Hb3Ds6Fg0");
        let got = s.find_in(format!("GITHUB_TOKEN={good}").as_bytes());
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].rule_id.starts_with("github"), "{got:?}");
    }
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

#[test]
fn published_examples_are_dropped_for_every_rule() {
    let s = scanner();
    let header = b64(r#"{"alg":"HS256","typ":"JWT"}"#);
    let jwt_io = format!(
        "{header}.{}.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        b64(r#"{"sub":"1234567890","name":"John Doe","iat":1516239022}"#)
    );
    let own = format!(
        "{header}.{}.Qm9ZxT4kLr8Vw2Nc7Hs1Pd5Jf9Gb3Ya6",
        b64(r#"{"sub":"svc-ledger","iat":1716239022}"#)
    );
    for line in [
        format!("Authorization: Bearer {jwt_io}"),
        format!("token = \"{jwt_io}\""),
        format!("const TOKEN = '{jwt_io}';"),
    ] {
        let got = s.find_in(line.as_bytes());
        assert!(got.is_empty(), "{line}: {got:?}");
    }
    let got = s.find_in(format!("token = \"{own}\"").as_bytes());
    assert!(got.iter().any(|m| m.rule_id == "jwt"), "{got:?}");
    // AWS documentation keys carry the EXAMPLE marker.
    let aws_doc = ["AKIA", "I44QH8DHB", "EXAMPLE"].concat();
    for line in [
        format!("aws_access_key_id = {aws_doc}"),
        format!("ACCESS_KEY = \"{aws_doc}\""),
    ] {
        let got = s.find_in(line.as_bytes());
        assert!(got.is_empty(), "{line}: {got:?}");
    }
}

#[test]
fn counting_filler_is_dropped_for_every_rule() {
    let s = scanner();
    // A Google API key is `AIza` + 35 characters; one that counts through
    // the alphabet is a stand-in, for the provider rule and the generic one.
    let filler = ["AIzaSy", "abcdefghijklmnopqrstuvwxyz", "1234567"].concat();
    let real = ["AIzaSy", "Q3kT9vLm2Xw7Rb4Nc8Pz1Hd6Gf5Jy0s", "aW"].concat();
    for line in [
        format!("GOOGLE_API_KEY={filler}"),
        format!("api_key = \"{filler}\""),
    ] {
        let got = s.find_in(line.as_bytes());
        assert!(got.is_empty(), "{line}: {got:?}");
    }
    let got = s.find_in(format!("GOOGLE_API_KEY={real}").as_bytes());
    assert!(got.iter().any(|m| m.rule_id == "google-api-key"), "{got:?}");
    // Short hand-typed values under a secret name: counted, mashed.
    for line in [
        "password = \"abcd1234\"",
        "twitch_token = '1a2b3c4d'",
        "'access_token': 'sdlfkj452',",
    ] {
        let got = s.find_in(line.as_bytes());
        assert!(got.is_empty(), "{line}: {got:?}");
    }
}

/// Scan `files` (name, text) in a fresh tree; the (file, rule) of each finding.
fn scan_tree(files: &[(&str, &str)], extra: &[&str]) -> (Vec<(String, String)>, String) {
    let d = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = d.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let mut args = vec!["scan", "--no-progress", "--format", "json", "."];
    args.extend_from_slice(extra);
    let out = run(d.path(), &args);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json report");
    let mut got: Vec<(String, String)> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let path = f["location"]["path"]
                .as_str()
                .or_else(|| f["path"].as_str())
                .unwrap_or_default()
                .trim_start_matches("./")
                .to_string();
            (path, f["rule_id"].as_str().unwrap_or_default().to_string())
        })
        .collect();
    got.sort();
    (got, stderr(&out))
}

#[test]
fn generic_rule_reads_code_by_file_type() {
    let value = "q8Z2vL0pX4mN7rT1yW";
    let rust = format!(
        "use ruff_python_ast::token::Tokens;\nstruct A {{ token: SimpleToken, _token: CancellationToken }}\n\
         fn f() {{ let token = SimpleTokenizer {{ x }}; let t = Token::EndObject; }}\n\
         const API_SECRET: &str = \"{value}\";\n"
    );
    let python = format!(
        "def f(page_token):\n    \"\"\"\n    :param page_token: PageTokenFromTheApi\n    \"\"\"\n\
         API_SECRET = \"{value}\"\nsecret = local_secret_value\n"
    );
    let ts = format!(
        "interface R {{ ChangeToken: ChangeToken; }}\nconst m = {{ \"input_token\": \"NextToken\" }};\n\
         this.secret = computedSecret;\nconst authToken = '{value}';\n"
    );
    let go = format!(
        "x := T{{ RefreshToken: refreshToken, }}\nconst SAMLV2 = \"urn:ietf:params:oauth:grant-type:saml2-bearer\"\n\
         const AmzSecurityTokenKey = \"X-Amz-Security-Token\"\nvar password = \"{value}\"\n"
    );
    let env = format!("DB_PASSWORD={value}\nAPI_TOKEN=${{API_TOKEN}}\n");
    let yaml = format!("db:\n  password: {value}\n  token: SimpleTokenName\n");
    let json = format!("{{\"input_token\": \"NextToken\", \"client_secret\": \"{value}\"}}\n");
    let c = format!("#define DB_PASSWORD \"{value}\"\nstatic char password[] = \"{value}\";\n");
    let (got, _) = scan_tree(
        &[
            ("src/lib.rs", &rust),
            ("app/api.py", &python),
            ("web/client.ts", &ts),
            ("pkg/cfg.go", &go),
            (".env", &env),
            ("deploy/values.yaml", &yaml),
            ("data/paginators.json", &json),
            ("native/keys.c", &c),
        ],
        &[],
    );
    let want: Vec<(String, String)> = [
        (".env", "generic-secret-assignment"),
        ("app/api.py", "generic-secret-assignment"),
        ("data/paginators.json", "generic-secret-assignment"),
        ("deploy/values.yaml", "generic-secret-assignment"),
        ("native/keys.c", "c-define-secret"),
        ("native/keys.c", "generic-secret-assignment"),
        ("pkg/cfg.go", "generic-secret-assignment"),
        ("src/lib.rs", "generic-secret-assignment"),
        ("web/client.ts", "generic-secret-assignment"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(got, want);
}

#[test]
fn explain_drops_says_why() {
    let bad = bad_checksum("ghs_");
    let text = format!("GITHUB_TOKEN={bad}\nlet token = SimpleTokenizer {{ x }};\n");
    let (got, err) = scan_tree(
        &[("ci/env.sh", &text), ("src/a.rs", &text)],
        &["--explain-drops"],
    );
    assert!(got.is_empty(), "{got:?}");
    assert!(
        err.contains("explain-drops: ") && err.contains("known provider format"),
        "{err}"
    );
    assert!(err.contains("github-checksum"), "{err}");
    assert!(
        err.contains("src/a.rs:2:") && err.contains("not a literal"),
        "{err}"
    );
    assert!(!err.contains(&bad), "the secret is shown whole: {err}");
}

/// `../shared` (or `$STOWAWAY_SHARED`); `None` with a visible note when it
/// is missing, a failure when `STOWAWAY_REQUIRE_SHARED=1`.
fn shared() -> Option<PathBuf> {
    let p = std::env::var_os("STOWAWAY_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    if p.join("peer-suites/score.sh").exists() {
        Some(p)
    } else if std::env::var_os("STOWAWAY_REQUIRE_SHARED").is_some() {
        panic!("{} has no peer-suites/score.sh", p.display());
    } else {
        eprintln!(
            "note: {} not found: peer-suite precision test skipped",
            p.display()
        );
        None
    }
}

/// Committed figures per suite: (non-placeholder recall %, fp rate %), from
/// `score.sh` on this tree (see docs/benchmarks.md, "Peer suites").
const EXPECTED: &[(&str, f64, f64)] = &[
    ("gitleaks", 92.2, 12.0),
    ("kingfisher", 76.5, 0.0),
    ("trufflehog", 86.0, 9.6),
];
/// Percentage points either figure may move before the test fails.
const TOLERANCE: f64 = 1.0;

#[test]
fn peer_suites_recall_and_fp_rate_hold() {
    let Some(shared) = shared() else { return };
    let suites = shared.join("peer-suites");
    // Peer outputs are cached in out/; copy them so score.sh reruns only
    // stowaway and writes nothing into the shared directory.
    let out = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(suites.join("out")).unwrap().flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.ends_with(".json") && !name.starts_with("stowaway") && name != "summary.json" {
            std::fs::copy(e.path(), out.path().join(&*name)).unwrap();
        }
    }
    let st = std::process::Command::new("bash")
        .arg(suites.join("score.sh"))
        .arg(env!("CARGO_BIN_EXE_stowaway"))
        .env("OUT", out.path())
        .output()
        .expect("run score.sh");
    assert!(st.status.success(), "score.sh: {}", stderr(&st));
    let summary: serde_json::Value = serde_json::from_slice(
        &std::fs::read(out.path().join("summary.json")).expect("summary.json"),
    )
    .unwrap();
    let mut failures = Vec::new();
    for &(suite, recall, fp) in EXPECTED {
        let row = &summary[format!("{suite}/stowaway")];
        let n = |i: usize| row[i].as_f64().unwrap_or(0.0);
        let (np_hit, np, fp_hit, fps) = (n(4), n(5), n(2), n(3));
        let got_recall = 100.0 * np_hit / np.max(1.0);
        let got_fp = 100.0 * fp_hit / fps.max(1.0);
        if got_recall < recall - TOLERANCE {
            failures.push(format!("{suite}: recall {got_recall:.1}% < {recall}%"));
        }
        if got_fp > fp + TOLERANCE {
            failures.push(format!("{suite}: fp rate {got_fp:.1}% > {fp}%"));
        }
        eprintln!(
            "{suite}: recall {got_recall:.1}% (expected {recall}), fp {got_fp:.1}% (expected {fp})"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Bytes from a fixed LCG: key-like noise with no counting runs.
fn noise(n: usize, seed: u32) -> Vec<u8> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (x >> 16) as u8
        })
        .collect()
}

fn pem(label: &str, body: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(body);
    let lines: Vec<String> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

#[test]
fn structure_checks_hold_for_every_rule_and_explain_drops_names_them() {
    let std64 = |s: &[u8]| base64::engine::general_purpose::STANDARD.encode(s);
    // A DER SEQUENCE (INTEGER 0 first) against the same length of noise.
    let mut der = vec![0x30, 0x82, 0x01, 0x00, 0x02, 0x01, 0x00];
    der.extend(noise(253, 7));
    let key = pem("RSA PRIVATE KEY", &der);
    let not_key = pem("RSA PRIVATE KEY", &noise(260, 7));
    let no_alg = format!(
        "{}.{}.Qm9ZxT4kLr8Vw2Nc7Hs1Pd5Jf9Gb3Ya6",
        b64(r#"{"typ":"JWT","kid":"k1"}"#),
        b64(r#"{"sub":"svc-ledger","iat":1716239022}"#)
    );
    let basic_ok = std64(b"svc-deploy:Tq8vR2mXz4Lp");
    let basic_noise = std64(&noise(24, 3));
    let jwt_io = format!(
        "{}.{}.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        b64(r#"{"alg":"HS256","typ":"JWT"}"#),
        b64(r#"{"sub":"1234567890","name":"John Doe","iat":1516239022}"#)
    );
    let salt = "......................";
    let hash = "YgIDy4hFBdVlc/6LHnD9mX488r9cLd2";
    let files = [
        ("keys/good.pem", key.clone()),
        ("keys/noise.pem", not_key.clone()),
        (
            "cfg/settings.py",
            format!(
                "private_key = \"\"\"{not_key}\"\"\"\nAPI_TOKEN = \"{no_alg}\"\nPASSWORD_HASH = '$2a$05${salt}{hash}'\n"
            ),
        ),
        (
            "http/req.txt",
            format!("Authorization: Basic {basic_ok}\n"),
        ),
        (
            "http/bad.txt",
            format!("Authorization: Basic {basic_noise}\n"),
        ),
        (
            "docs/oauth.md",
            format!("token: {jwt_io}\nAuthorization: Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW\n"),
        ),
        (
            "docs/aws.md",
            "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n".to_string(),
        ),
    ];
    let refs: Vec<(&str, &str)> = files.iter().map(|(a, b)| (*a, b.as_str())).collect();
    let (got, err) = scan_tree(&refs, &["--explain-drops"]);
    let want: Vec<(String, String)> = [
        ("http/req.txt", "basic-auth-header"),
        ("keys/good.pem", "private-key-rsa"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(got, want, "{err}");
    for why in [
        "keys/noise.pem:1: private-key-rsa",
        "does not start as a DER SEQUENCE",
        "header is not a JSON object with `alg`",
        "zero or counting salt",
        "not base64 of `user:password`",
        "the `EXAMPLE` marker of AWS documentation keys",
        "jwt.io's sample claims",
        "an example value of the OAuth 2.0 RFCs",
    ] {
        assert!(err.contains(why), "no `{why}` in:\n{err}");
    }
}
