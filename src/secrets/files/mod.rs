//! Credential files: detectors chosen by a file's name (and, for YAML, its
//! structure) for formats whose secrets carry no provider prefix: `.pgpass`,
//! `.git-credentials`, a `.git/config` remote URL, `.s3cfg`,
//! Rails' `master.key`, FileZilla's site files, Terraform state, Jupyter
//! notebooks, docker config, Kubernetes `Secret` manifests and kubeconfigs.
//!
//! They run on a file held whole in memory (at most [`MAX_FILE`]), after
//! and alongside the ordinary rule scan, and report the secret part only.
//! Formats a TOML rule can express (wp-config.php, secrets.yml, shadow
//! hashes) are rules in `patterns/credential-files.toml` instead, and some
//! files already had rules (`.netrc`, `.pypirc`, htpasswd bcrypt hashes).
//!
//! [`refine`] is the other half: a match of a rule whose value is encoded
//! by its format (docker `auth`, npm `_auth`/`_password`, kubeconfig
//! `client-key-data`) is decoded and checked, wherever it was found.

pub mod decode;
mod detectors;
pub mod json;
mod kube;
mod structured;

use super::engine::RawMatch;
use super::validate::looks_like_placeholder;
use super::Scanner;
use crate::report::{Category, Finding, RuleMeta, Severity, Span};
pub use decode::Encoding;
use std::sync::OnceLock;

/// Largest file the detectors read whole; a larger one gets the ordinary
/// scan only.
pub const MAX_FILE: usize = 8 << 20;

/// The formats with a detector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Pgpass,
    GitCredentials,
    GitConfig,
    S3cfg,
    RailsKey,
    FileZilla,
    TfState,
    Notebook,
    DockerConfig,
    Kubeconfig,
    /// Any YAML: a Kubernetes `Secret` manifest or a kubeconfig is
    /// recognised by its content.
    Yaml,
}

impl Format {
    /// The detector for the file shown as `path` (any separator; inside an
    /// archive, the part after the last `!`).
    pub fn of(path: &str) -> Option<Format> {
        let inner = path.rsplit('!').next().unwrap_or(path).replace('\\', "/");
        let lower = inner.to_ascii_lowercase();
        let mut parts = lower.rsplit('/');
        let name = parts.next().unwrap_or("");
        let parent = parts.next().unwrap_or("");
        Some(match name {
            ".pgpass" | "pgpass.conf" => Format::Pgpass,
            ".git-credentials" | "git-credentials" => Format::GitCredentials,
            ".gitconfig" | "gitconfig" => Format::GitConfig,
            "config" if parent == ".git" => Format::GitConfig,
            ".s3cfg" | "s3cfg" => Format::S3cfg,
            "master.key" => Format::RailsKey,
            n if parent == "credentials" && n.ends_with(".key") => Format::RailsKey,
            "sitemanager.xml" | "recentservers.xml" | "filezilla.xml" => Format::FileZilla,
            ".dockercfg" => Format::DockerConfig,
            "config.json" if parent == ".docker" => Format::DockerConfig,
            "config" if parent == ".kube" => Format::Kubeconfig,
            "kubeconfig" => Format::Kubeconfig,
            n if n.ends_with(".kubeconfig") => Format::Kubeconfig,
            n if n.ends_with(".tfstate") || n.ends_with(".tfstate.backup") => Format::TfState,
            n if n.ends_with(".ipynb") => Format::Notebook,
            n if n.ends_with(".yaml") || n.ends_with(".yml") => Format::Yaml,
            _ => return None,
        })
    }
}

/// Who reports a detector's match: one of this module's rules, or an
/// ordinary rule that matched a value once decoded or unescaped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleRef {
    File(FileRule),
    Engine(usize),
}

/// A detector's match: byte offsets of the secret in the file.
#[derive(Clone, Debug)]
pub struct FileMatch {
    pub rule: RuleRef,
    pub start: usize,
    pub end: usize,
    /// How the value was encoded, when it was decoded to be judged.
    pub decoded: Option<Encoding>,
}

/// What a detector found in one file, the spans where the ordinary scan
/// must not report (a notebook's base64 images), and the spans the
/// detector judged itself, where the ordinary scan's generic rules do not
/// report (a notebook cell, read unescaped).
#[derive(Debug, Default)]
pub struct Analysis {
    pub found: Vec<FileMatch>,
    pub veto: Vec<(usize, usize)>,
    pub judged: Vec<(usize, usize)>,
}

/// The rules of this module. The discriminant indexes [`RULES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileRule {
    Pgpass,
    GitCredentials,
    GitConfigUrl,
    S3cfg,
    RailsMasterKey,
    FileZilla,
    TfState,
    DockerToken,
    KubeSecret,
    Kubeconfig,
}

struct Doc {
    id: &'static str,
    name: &'static str,
    severity: Severity,
    description: &'static str,
    files: &'static str,
}

const RULES: &[Doc] = &[
    Doc {
        id: "pgpass-password",
        name: "Password in a PostgreSQL .pgpass file",
        severity: Severity::High,
        description: "The password field of a `host:port:database:user:password` line; libpq clients (psql, pg_dump) log in with it.",
        files: "`.pgpass`, `pgpass.conf`",
    },
    Doc {
        id: "git-credentials-password",
        name: "Password in .git-credentials",
        severity: Severity::High,
        description: "The password or token in a `https://user:password@host` line written by git's `store` credential helper; it pushes to and reads from that host as the user.",
        files: "`.git-credentials`",
    },
    Doc {
        id: "git-config-url-credentials",
        name: "Credentials in a git remote URL",
        severity: Severity::High,
        description: "A password or token embedded in a remote or `insteadOf` URL (`https://user:token@host/repo.git`) in a git config; anyone with the config can use it.",
        files: "`.git/config`, `.gitconfig`, `gitconfig`",
    },
    Doc {
        id: "s3cfg-secret-key",
        name: "Secret key in .s3cfg",
        severity: Severity::Critical,
        description: "The `secret_key` (or `access_token`) of an s3cmd configuration; with the access key it signs requests to S3 or a compatible store.",
        files: "`.s3cfg`",
    },
    Doc {
        id: "rails-master-key",
        name: "Rails master key",
        severity: Severity::Critical,
        description: "The 32-hex-digit key in `config/master.key` (or `config/credentials/<env>.key`) that decrypts the application's `credentials.yml.enc`, and with it every secret inside.",
        files: "`master.key`, `credentials/*.key`",
    },
    Doc {
        id: "filezilla-password",
        name: "Saved password in FileZilla site files",
        severity: Severity::High,
        description: "A `<Pass>` element of FileZilla's site manager or recent servers list. FileZilla stores it base64-encoded, which is not encryption: the value is decoded and judged, and the finding points at the encoded text.",
        files: "`sitemanager.xml`, `recentservers.xml`, `filezilla.xml`",
    },
    Doc {
        id: "terraform-state-secret",
        name: "Secret in Terraform state",
        severity: Severity::High,
        description: "A resource attribute with a secret name (`password`, `secret`, `access_key`, `private_key`, `token`…) or a `sensitive` output in a Terraform state file, which stores every such value in plain text.",
        files: "`*.tfstate`, `*.tfstate.backup`",
    },
    Doc {
        id: "docker-config-identity-token",
        name: "Registry token in Docker config",
        severity: Severity::High,
        description: "An `identitytoken` or `registrytoken` in a Docker config (an OAuth refresh token or bearer token for the registry).",
        files: "`.docker/config.json`, `.dockercfg`",
    },
    Doc {
        id: "kubernetes-secret-data",
        name: "Password in a Kubernetes Secret manifest",
        severity: Severity::High,
        description: "A `data:` value of a `kind: Secret` manifest (base64, decoded and judged) or a `stringData:` value, under a key that names a secret (`password`, `token`, `api-key`…). A value that decodes to a known token format is reported under that format's rule instead, at the encoded text.",
        files: "`*.yaml`, `*.yml` with `kind: Secret`",
    },
    Doc {
        id: "kubeconfig-credential",
        name: "Credential in a kubeconfig user entry",
        severity: Severity::High,
        description: "A `token`, `password`, `id-token`, `refresh-token` or `client-secret` of a `users:` entry in a kubeconfig; it calls the cluster API as that user.",
        files: "`.kube/config`, `kubeconfig`, `*.kubeconfig`, YAML with `kind: Config`",
    },
];

impl FileRule {
    fn doc(self) -> &'static Doc {
        &RULES[self as usize]
    }

    pub fn id(self) -> &'static str {
        self.doc().id
    }

    pub fn meta(self) -> &'static RuleMeta {
        &metas()[self as usize]
    }
}

fn metas() -> &'static [RuleMeta] {
    static METAS: OnceLock<Vec<RuleMeta>> = OnceLock::new();
    METAS.get_or_init(|| {
        RULES
            .iter()
            .map(|d| RuleMeta {
                id: d.id.to_string(),
                name: d.name.to_string(),
                category: Category::Secret,
                severity: d.severity,
                short: d.name.to_string(),
                help: format!(
                    "{}\n\n**Read in:** {} (a detector chosen by the file's name and structure; it reports the secret part only).\n\n\
                     **Why it matters:** anyone who can read this file, its history or an image built from it can use the credential. \
                     **Fix:** revoke and rotate the credential, remove the file from the repository or image (and from history), and keep it out with `.gitignore` / `.dockerignore`.\n",
                    d.description, d.files
                ),
                tags: vec![
                    "security".into(),
                    "secret".into(),
                    "credential-file".into(),
                ],
                equivalents: Vec::new(),
            })
            .collect()
    })
}

/// The documentation of every detector rule (`rules`, `explain`, SARIF).
pub fn rules() -> Vec<RuleMeta> {
    metas().to_vec()
}

/// Run the detector for `format` over a whole file.
pub fn analyze(scanner: &Scanner, format: Format, text: &[u8]) -> Analysis {
    let mut a = Analysis::default();
    match format {
        Format::Pgpass => detectors::pgpass(text, &mut a),
        Format::GitCredentials => {
            detectors::url_lines(scanner, text, FileRule::GitCredentials, &mut a)
        }
        Format::GitConfig => detectors::url_lines(scanner, text, FileRule::GitConfigUrl, &mut a),
        Format::S3cfg => detectors::ini_keys(
            text,
            &["secret_key", "access_token"],
            FileRule::S3cfg,
            &mut a,
        ),
        Format::RailsKey => detectors::rails_key(text, &mut a),
        Format::FileZilla => structured::filezilla(scanner, text, &mut a),
        Format::TfState => structured::tfstate(scanner, text, &mut a),
        Format::Notebook => structured::notebook(scanner, text, &mut a),
        Format::DockerConfig => structured::docker_config(text, &mut a),
        Format::Kubeconfig => kube::kubeconfig(text, &mut a),
        Format::Yaml => kube::yaml(scanner, text, &mut a),
    }
    a
}

/// A password-like value worth reporting: not empty, not absurdly long,
/// not a placeholder, a template or a word.
pub(crate) fn plausible(value: &str) -> bool {
    let v = value.trim();
    (4..=512).contains(&v.len()) && v != "*" && !looks_like_placeholder(v)
}

/// The rule of a known token format (not a generic rule) that `value`
/// holds, following one more encoding if that rule's value is encoded.
pub(crate) fn known_token(scanner: &Scanner, value: &str, depth: usize) -> Option<usize> {
    for m in scanner.find_in(value.as_bytes()) {
        let Some(rule) = scanner.rules().iter().position(|r| r.spec.id == m.rule_id) else {
            continue;
        };
        if scanner.rules()[rule].spec.priority < 0 {
            continue;
        }
        match refine_at(scanner, rule, &m.secret, &value[..m.start], depth) {
            Refined::Drop => continue,
            Refined::Keep => return Some(rule),
            Refined::Decoded { rule, .. } => return Some(rule),
        }
    }
    None
}

/// What to do with an ordinary match whose value its format encodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refined {
    Keep,
    /// Not what its format says (not base64, not `user:password`, or a
    /// placeholder once decoded).
    Drop,
    /// Decoded and judged: report under `rule` (the same one, or the known
    /// token format found inside) with a note.
    Decoded {
        rule: usize,
        encoding: Encoding,
    },
}

/// Judge `m`'s value after decoding it, if its rule's format encodes it.
/// `before` is the text of its line before the secret.
pub fn refine(scanner: &Scanner, m: &RawMatch) -> Refined {
    // The secret's first 16 bytes, cut back to a character boundary.
    let mut head = m.secret.len().min(16);
    while !m.secret.is_char_boundary(head) {
        head -= 1;
    }
    let before = m
        .snippet
        .find(&m.secret[..head])
        .map_or("", |i| &m.snippet[..i]);
    refine_at(scanner, m.rule, &m.secret, before, decode::MAX_DEPTH)
}

fn refine_at(scanner: &Scanner, rule: usize, secret: &str, before: &str, depth: usize) -> Refined {
    let id: &str = &scanner.rules()[rule].spec.id;
    let key = before.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '=' | '"' | '\''));
    let pair = match id {
        "docker-config-auth" => true,
        "npmrc-auth-token" if key.ends_with("_auth") => true,
        "npmrc-auth-token" if key.ends_with("_password") => false,
        "kubeconfig-client-key-data" => {
            return match decode::base64_text(secret) {
                Some(pem) if pem.contains("PRIVATE KEY-----") => Refined::Decoded {
                    rule,
                    encoding: Encoding::Base64,
                },
                _ => Refined::Drop,
            }
        }
        _ => return Refined::Keep,
    };
    if depth == 0 {
        return Refined::Keep;
    }
    let Some(text) = decode::base64_text(secret) else {
        return Refined::Drop;
    };
    let password = if pair {
        match decode::user_password(&text) {
            Some((_, p)) => p,
            None => return Refined::Drop,
        }
    } else {
        text.trim_end()
    };
    if !plausible(password) {
        return Refined::Drop;
    }
    let rule = known_token(scanner, password, depth - 1).unwrap_or(rule);
    Refined::Decoded {
        rule,
        encoding: Encoding::Base64,
    }
}

/// Drop the ordinary matches a detector covers: inside a vetoed span, or
/// overlapping a detector match that is more specific (decoded, or found
/// where only a generic rule matched). A detector match that overlaps an
/// ordinary match of a known format is dropped instead.
pub fn merge(scanner: &Scanner, raw: &mut Vec<RawMatch>, a: &mut Analysis) {
    let over = |m: &RawMatch, s: usize, e: usize| (m.start as usize) < e && s < (m.end as usize);
    raw.retain(|m| {
        let generic = scanner.rules()[m.rule].spec.priority < 0;
        let vetoed = a.veto.iter().any(|&(s, e)| over(m, s, e));
        let judged = generic && a.judged.iter().any(|&(s, e)| over(m, s, e));
        !(vetoed || judged)
    });
    let mut drop_raw = vec![false; raw.len()];
    a.found.retain(|f| {
        let hits: Vec<usize> = (0..raw.len())
            .filter(|&i| over(&raw[i], f.start, f.end))
            .collect();
        let generic = hits
            .iter()
            .all(|&i| scanner.rules()[raw[i].rule].spec.priority < 0);
        if f.decoded.is_some() || generic {
            for i in hits {
                drop_raw[i] = true;
            }
            true
        } else {
            false
        }
    });
    let mut i = 0;
    raw.retain(|_| {
        i += 1;
        !drop_raw[i - 1]
    });
}

/// Mark a finding as made on a decoded value: text in the message, a
/// field in JSON and SARIF.
pub fn mark_decoded(f: &mut Finding, encoding: Encoding) {
    f.message = format!("{} (decoded from {})", f.message, encoding.as_str());
    f.extra.insert("decoded".into(), encoding.as_str().into());
}

/// The finding for a detector match in `text`, the file shown as `path`.
pub fn finding(scanner: &Scanner, m: &FileMatch, text: &[u8], path: &str) -> Finding {
    let meta = match m.rule {
        RuleRef::File(r) => r.meta(),
        RuleRef::Engine(i) => scanner.rules()[i].meta(),
    };
    let secret = String::from_utf8_lossy(&text[m.start..m.end]).into_owned();
    let (line, column) = position(text, m.start);
    let (end_line, end_column) = position(text, m.end);
    let mut f = Finding::new(
        meta,
        format!("{} found", meta.name),
        path.to_string(),
        Span {
            line,
            column,
            end_line,
            end_column,
        },
        Some(secret.clone()),
        Some(snippet(text, m.start)),
        &secret,
    );
    f.extra.insert("offset".into(), m.start.to_string());
    if let Some(e) = m.decoded {
        mark_decoded(&mut f, e);
    }
    f
}

/// Whether the lines of `start..end` carry an inline allow marker.
pub fn allowed_inline(text: &[u8], start: usize, end: usize) -> bool {
    let a = memchr::memrchr(b'\n', &text[..start.min(text.len())]).map_or(0, |i| i + 1);
    let end = end.min(text.len());
    let b = memchr::memchr(b'\n', &text[end..]).map_or(text.len(), |i| end + i);
    let region = &text[a..b];
    super::engine::INLINE_ALLOW
        .iter()
        .any(|m| memchr::memmem::find(region, m.as_bytes()).is_some())
}

/// 1-based line and column (in characters) of byte `at`.
fn position(text: &[u8], at: usize) -> (u32, u32) {
    let at = at.min(text.len());
    let line = 1 + memchr::memchr_iter(b'\n', &text[..at]).count() as u32;
    let start = memchr::memrchr(b'\n', &text[..at]).map_or(0, |i| i + 1);
    let col = 1 + text[start..at]
        .iter()
        .filter(|&&b| (b & 0xC0) != 0x80)
        .count() as u32;
    (line, col)
}

/// The line around `at` (at most ~300 bytes), as the engine shows it.
fn snippet(text: &[u8], at: usize) -> String {
    let at = at.min(text.len());
    let a = memchr::memrchr(b'\n', &text[..at]).map_or(0, |i| i + 1);
    let b = memchr::memchr(b'\n', &text[at..]).map_or(text.len(), |i| at + i);
    let a = a.max(at.saturating_sub(120));
    let b = b.min(at + 180);
    String::from_utf8_lossy(&text[a..b]).trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_name() {
        assert_eq!(Format::of("home/u/.pgpass"), Some(Format::Pgpass));
        assert_eq!(Format::of("repo/.git/config"), Some(Format::GitConfig));
        assert_eq!(Format::of("etc/config"), None);
        assert_eq!(
            Format::of("app.jar!/x/.kube/config"),
            Some(Format::Kubeconfig)
        );
        assert_eq!(Format::of("config\\master.key"), Some(Format::RailsKey));
        assert_eq!(Format::of("infra/prod.tfstate"), Some(Format::TfState));
        assert_eq!(Format::of("k8s/secret.YAML"), Some(Format::Yaml));
        assert_eq!(Format::of("src/main.rs"), None);
    }

    /// A secret whose 16th byte falls inside a character (found scanning
    /// a crate's Japanese test strings) is refined, not a panic.
    #[test]
    fn refine_cuts_a_multibyte_secret_on_a_char_boundary() {
        let scanner = Scanner::builtin().unwrap();
        let secret = "このきれいな花は桜です".to_string(); // stowaway:allow: a test value
        let m = RawMatch {
            rule: 0,
            start: 11,
            end: 11 + secret.len() as u64,
            line: 1,
            column: 12,
            end_line: 1,
            end_column: 23,
            snippet: format!("password = {secret}"),
            secret,
            allowed_inline: false,
        };
        let _ = refine(&scanner, &m);
    }

    #[test]
    fn every_rule_is_documented_once() {
        let m = rules();
        assert_eq!(m.len(), FileRule::Kubeconfig as usize + 1);
        let mut ids: Vec<_> = m.iter().map(|r| r.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), m.len());
        assert_eq!(FileRule::TfState.id(), "terraform-state-secret");
    }
}
