//! The build context as BuildKit sees it: COPY sources expanded against the
//! directory next to the Dockerfile with `.dockerignore` applied, copied
//! files judged by name and content, credentials carried by `COPY --from`;
//! plus the secret-mount and pipefail cases of issue 11.

use std::path::Path;
use stowaway::dockerfile::{lint, LintOptions};
use stowaway::report::Finding;
use stowaway::secrets::Scanner;

const CRED: &str = "dockerfile-credential-file-copied";

fn scanner() -> &'static Scanner {
    static S: std::sync::OnceLock<Scanner> = std::sync::OnceLock::new();
    S.get_or_init(|| Scanner::builtin().expect("built-in rules compile"))
}

/// A syntactically valid npm token, assembled so this file holds none.
fn npm_token() -> String {
    format!("npm_{}{}", "PAuOosTP7uRczyEROB1j", "ITnj0jfMhc0Z8yJW")
}

fn key_pem() -> String {
    format!(
        "-----BEGIN {} KEY-----\nMIIB\n-----END {} KEY-----\n",
        "PRIVATE", "PRIVATE"
    )
}

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (p, body) in files {
        let path = dir.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    }
}

fn lint_in(dir: &Path, text: &str) -> Vec<Finding> {
    let opts = LintOptions {
        secrets: Some(scanner()),
        target: None,
        context_dir: Some(dir.to_path_buf()),
    };
    lint("Dockerfile", text.as_bytes(), &opts)
}

/// (line, message) of one rule's findings, in order.
fn of(f: &[Finding], rule: &str) -> Vec<(u32, String)> {
    f.iter()
        .filter(|f| f.rule_id == rule)
        .map(|f| (f.span.line, f.message.clone()))
        .collect()
}

#[test]
fn npmrc_through_copy_dot_despite_a_dockerignore() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(
        d,
        &[
            (".dockerignore", ".git\n.env*\n"),
            (".npmrc", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n"),
            (".env", "A=1\n"),
            (".env.production", "A=2\n"),
            ("src/index.js", "console.log(1)\n"),
        ],
    );
    let f = lint_in(d, "FROM node:20\nWORKDIR /app\nCOPY . .\nUSER node\n");
    let c = of(&f, CRED);
    assert_eq!(c.len(), 1, "{c:#?}");
    assert_eq!(c[0].0, 3);
    assert!(
        c[0].1.contains("`.npmrc`") && c[0].1.contains("brought in by `.`"),
        "{c:?}"
    );
    assert!(of(&f, "dockerfile-broad-copy").is_empty());
}

#[test]
fn directory_copy_holding_a_private_key() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(
        d,
        &[
            ("certs/server.key", &key_pem()),
            ("certs/server.crt", "-----BEGIN CERTIFICATE-----\nMIIB\n"),
            ("certs/ca.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n"),
        ],
    );
    let f = lint_in(
        d,
        "FROM nginx:1.27\nCOPY certs/ /etc/ssl/private/\nUSER nginx\n",
    );
    let c = of(&f, CRED);
    assert_eq!(c.len(), 1, "{c:#?}");
    assert_eq!(c[0].0, 2);
    assert!(c[0].1.contains("`certs/server.key`"), "{c:?}");
}

#[test]
fn named_key_file_on_disk_or_not() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let text = "FROM nginx:1.27\nCOPY tls/server.key /etc/ssl/private/server.key\nUSER nginx\n";
    // not in the context (generated in CI): the name decides
    let c = of(&lint_in(d, text), CRED);
    assert_eq!(c.len(), 1, "{c:#?}");
    assert!(c[0].1.contains("tls/server.key"));
    // on disk with a key
    write(d, &[("tls/server.key", &key_pem())]);
    assert_eq!(of(&lint_in(d, text), CRED).len(), 1);
    // on disk, but a certificate under a .key name
    write(
        d,
        &[("tls/server.key", "-----BEGIN CERTIFICATE-----\nMIIB\n")],
    );
    assert!(of(&lint_in(d, text), CRED).is_empty());
    // excluded by .dockerignore: not in the context, nothing copied
    write(
        d,
        &[
            ("tls/server.key", &key_pem()),
            (".dockerignore", "**/*.key\n"),
        ],
    );
    let f = lint_in(d, text);
    assert!(of(&f, CRED).is_empty(), "{f:#?}");
    assert_eq!(of(&f, "dockerfile-copy-ignored-file").len(), 1);
}

#[test]
fn content_with_a_secret_or_key_counts_whatever_the_name() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let token = npm_token();
    let settings = format!("registry:\n  token: {token}\n");
    let conf = format!("# deploy key\n{}", key_pem());
    write(
        d,
        &[
            ("config/settings.yml", &settings),
            ("config/deploy.conf", &conf),
            ("config/plain.yml", "name: app\n"),
        ],
    );
    let f = lint_in(d, "FROM alpine:3.20\nCOPY config /etc/app\nUSER app\n");
    let c = of(&f, CRED);
    assert_eq!(c.len(), 2, "{c:#?}");
    assert!(c
        .iter()
        .any(|(_, m)| m.contains("config/settings.yml") && m.contains("holding a secret")));
    assert!(c
        .iter()
        .any(|(_, m)| m.contains("config/deploy.conf") && m.contains("private key")));
    for x in &f {
        assert!(!x.message.contains(&token), "secret in message: {x:?}");
    }
}

#[test]
fn dockerignore_exceptions_and_wildcard_sources() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(
        d,
        &[
            (".dockerignore", "secrets\n!secrets/.npmrc\n/build\n"),
            ("secrets/id_rsa", "x"),
            ("secrets/.npmrc", "x"),
            ("build/.env", "A=1\n"),
            ("app/build/.env", "A=1\n"),
            ("keys/a.pem", &key_pem()),
            ("keys/sub/b.pem", &key_pem()),
        ],
    );
    let f = lint_in(
        d,
        "FROM alpine:3.20\nCOPY . /app\nCOPY keys/*.pem /k/\nUSER app\n",
    );
    let mut got: Vec<_> = of(&f, CRED)
        .into_iter()
        .map(|(l, m)| (l, m.split('`').nth(1).unwrap_or("").to_string()))
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            (2, "app/build/.env".to_string()),
            (2, "keys/a.pem".to_string()),
            (2, "keys/sub/b.pem".to_string()),
            (2, "secrets/.npmrc".to_string()),
            (3, "keys/a.pem".to_string()),
        ]
    );
}

#[test]
fn copy_from_a_stage_carries_the_credential() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(
        d,
        &[
            (".dockerignore", ".git\n.env*\n"),
            (".npmrc", "x"),
            ("package.json", "{}"),
        ],
    );
    let text = "\
FROM node:20 AS build
WORKDIR /src
COPY . .
RUN npm ci && npm run build
FROM build AS test
FROM node:20-slim AS mid
COPY --from=build /src /app
FROM nginx:1.27
COPY --from=build /src/dist /usr/share/nginx/html
COPY --from=mid /app/.npmrc /root/
USER nginx
";
    let f = lint_in(d, text);
    let c = of(&f, CRED);
    let lines: Vec<u32> = c.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, vec![3, 7, 10], "{c:#?}");
    assert!(
        c[1].1.contains("--from=build") && c[1].1.contains("/src/.npmrc"),
        "{c:?}"
    );
    assert!(
        c[2].1.contains("/app/.npmrc") && c[2].1.contains("`.npmrc`"),
        "{c:?}"
    );
}

#[test]
fn copy_ignored_file_as_buildkits_tests_have_it() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(
        d,
        &[(".dockerignore", "\nDockerfile\n"), ("Dockerfile", "")],
    );
    let f = lint_in(
        d,
        "\nFROM scratch\nCOPY Dockerfile .\nADD Dockerfile /windy\n",
    );
    let c = of(&f, "dockerfile-copy-ignored-file");
    assert_eq!(
        c.iter().map(|x| x.0).collect::<Vec<_>>(),
        vec![3, 4],
        "{c:#?}"
    );
    assert!(c[1].1.starts_with("ADD source `Dockerfile`"));
    let f = lint_in(
        d,
        "# check=skip=CopyIgnoredFile\nFROM scratch\nCOPY Dockerfile .\n",
    );
    assert!(of(&f, "dockerfile-copy-ignored-file").is_empty());
    // the context root: reported only when nothing of it is left
    let root = "\nFROM scratch\nCOPY . .\n";
    for (ignore, warn) in [
        ("\n**\n!Dockerfile\n", false),
        ("\n.*\n", false),
        ("\n*\n", true),
    ] {
        write(d, &[(".dockerignore", ignore)]);
        let n = of(&lint_in(d, root), "dockerfile-copy-ignored-file").len();
        assert_eq!(n, usize::from(warn), "{ignore:?}");
    }
    // the ignore file is about the context, not about stage paths
    write(d, &[(".dockerignore", "\nfoobar\n")]);
    let text = "\nFROM scratch AS base\nCOPY Dockerfile /foobar\nADD Dockerfile /windy\n\nFROM base\nCOPY --from=base /foobar /Dockerfile\n";
    assert!(of(&lint_in(d, text), "dockerfile-copy-ignored-file").is_empty());
}

#[test]
fn arg_used_only_through_a_secret_mount_is_no_build_arg_secret() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "\
FROM alpine:3.20
ARG TOKEN
RUN --mount=type=secret,id=token,env=TOKEN wget --header \"Authorization: Bearer $TOKEN\" -q https://example.com/x
USER app
";
    let f = lint_in(tmp.path(), text);
    assert!(of(&f, "dockerfile-secret-build-arg").is_empty(), "{f:#?}");
    // the same ARG read by a RUN without the mount is still one
    let text2 = text.replace("USER app", "RUN echo $TOKEN > /t\nUSER app");
    let b = of(&lint_in(tmp.path(), &text2), "dockerfile-secret-build-arg");
    assert_eq!(b.len(), 1, "{b:#?}");
    assert!(b[0].1.contains("line 4"), "{b:?}");
}

#[test]
fn a_later_plain_shell_resets_pipefail() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "\
FROM alpine:3.20
SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]
RUN wget -O - https://example.com/a | wc -l
SHELL [\"/bin/sh\", \"-c\"]
RUN wget -O - https://example.com/b | wc -l
FROM alpine:3.20 AS child
FROM child
RUN wget -O - https://example.com/c | wc -l
USER app
";
    let f = lint_in(tmp.path(), text);
    let lines: Vec<u32> = of(&f, "dockerfile-pipe-without-pipefail")
        .iter()
        .map(|x| x.0)
        .collect();
    assert_eq!(lines, vec![5, 8]);
    // a stage inherits the shell its parent stage ended with
    let text = "FROM alpine:3.20 AS base\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nFROM base\nRUN wget -O - https://example.com/a | wc -l\nUSER app\n";
    assert!(of(
        &lint_in(tmp.path(), text),
        "dockerfile-pipe-without-pipefail"
    )
    .is_empty());
}
