//! The rules about layer entries: setuid/setgid files, world-writable files
//! and directories, credential files by name, `.git` directories. They run
//! over a layer's listing after the archive is read, in tar order, so a
//! finding about an entry a later duplicate entry replaces is known.

use super::Unit;
use crate::report::{Doc, Finding, Severity};
use crate::source::image::{parent, EntryKind, LayerResult};
use std::collections::HashSet;

pub(crate) static SETUID: Unit = Unit::new(
    "image-setuid-file",
    "setuid or setgid file",
    Severity::Low,
    "A file in the image has the setuid or setgid bit.",
    Doc {
        what: "Finds a regular file in a layer with the setuid (`04000`) or setgid (`02000`) mode bit.",
        why: "setuid/setgid programs run with their owner's privileges; each one is a path from an unprivileged user in the container to root.",
        example: "FROM debian:12\n# its /usr/bin/passwd has mode 4755",
        fix: "Remove the bits from programs the image does not need: `RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} +`.",
        references: &["CIS Docker Benchmark 4.8"],
    },
    &["cis-docker-4.8"],
);

pub(crate) static WORLD_WRITABLE: Unit = Unit::new(
    "image-world-writable",
    "World-writable file or directory",
    Severity::Medium,
    "A file or directory outside a sticky directory is writable by every user.",
    Doc {
        what: "Finds a regular file writable by everyone (`o+w`) whose directory has no sticky bit, or a directory writable by everyone without the sticky bit.",
        why: "Any user or process in the container can replace it, for example a script or binary that root later runs.",
        example: "COPY --chmod=777 start.sh /app/start.sh",
        fix: "Drop the bit: `chmod o-w` (or give directories the sticky bit, as `/tmp` has: `chmod 1777`).",
        references: &[],
    },
    &[],
);

pub(crate) static CREDENTIAL_FILE: Unit = Unit::new(
    "image-credential-file",
    "Credential file in the image",
    Severity::High,
    "A file whose name says it holds credentials is in a layer.",
    Doc {
        what: "Finds a file in a layer that by its name holds credentials: an SSH or TLS private key (`id_rsa`, `id_ed25519`, `*.p12`, `*.pfx`), `.env`, `.npmrc`, `.pypirc`, `.netrc`, `.git-credentials`, `.pgpass`, `.aws/credentials` or `.docker/config.json`. It is reported even when a later layer deletes it: the file is still in the image for anyone who pulls it.",
        why: "Everyone who can pull the image can read every layer, including files deleted later.",
        example: "COPY . /app\n# with a .env in the build context",
        fix: "Keep credentials out of the build context (`.dockerignore`), use build secrets (`RUN --mount=type=secret`) and revoke what was shipped.",
        references: &["https://docs.docker.com/build/building/secrets/"],
    },
    &["secret"],
);

pub(crate) static GIT_DIR: Unit = Unit::new(
    "image-git-directory",
    "`.git` directory in the image",
    Severity::Medium,
    "A `.git` directory was copied into the image.",
    Doc {
        what: "Finds a `.git` directory in a layer.",
        why: "It carries the whole history of the repository, including secrets deleted from the working tree, remotes with embedded credentials and unreleased code.",
        example: "COPY . /app\n# without a .dockerignore",
        fix: "Add `.git` to `.dockerignore`.",
        references: &[],
    },
    &["secret"],
);

/// What the entry rules found in one layer.
#[derive(Default)]
pub(crate) struct LayerChecks {
    /// The layer's findings, the secret findings of its files among them,
    /// in tar order.
    pub findings: Vec<Finding>,
    /// Indices into `findings` of entries a later duplicate entry of the
    /// same layer replaces.
    pub shadowed: HashSet<usize>,
    /// World-writable files: (path, mode). Whether one is reported depends
    /// on its directory's sticky bit as all the layers below leave it.
    pub world_writable: Vec<(String, u32)>,
}

/// Run the entry rules `runs` lets run over `layer`'s listing, and merge in
/// the secret findings of its files where the entries are.
pub(crate) fn check_layer(layer: &LayerResult, runs: &dyn Fn(&str) -> bool) -> LayerChecks {
    let mut out = LayerChecks::default();
    let secrets = layer.found.findings();
    let mut git_dirs: HashSet<&str> = HashSet::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for e in &layer.listing.entries {
        let path = e.path.as_str();
        let is_dir = e.kind == EntryKind::Dir;
        if let Some(git) = git_dir(path, is_dir).filter(|_| runs(GIT_DIR.id)) {
            if git_dirs.insert(git) {
                out.findings.push(GIT_DIR.finding(
                    "`.git` directory in the image: it carries the repository's history".into(),
                    git,
                    git,
                ));
            }
        }
        if is_dir {
            if e.mode & 0o002 != 0 && e.mode & 0o1000 == 0 && runs(WORLD_WRITABLE.id) {
                out.findings.push(WORLD_WRITABLE.finding(
                    format!(
                        "world-writable directory without the sticky bit (mode {:04o})",
                        e.mode & 0o7777
                    ),
                    path,
                    &format!("dir:{path}"),
                ));
            }
            continue;
        }
        if !seen.insert(path) {
            // A duplicate entry: the later one wins when the layer is applied.
            for (i, f) in out.findings.iter().enumerate() {
                if f.path == path {
                    out.shadowed.insert(i);
                }
            }
        }
        if e.kind != EntryKind::File {
            continue;
        }
        for f in file_checks(path, e.mode) {
            if runs(&f.rule_id) {
                out.findings.push(f);
            }
        }
        if e.mode & 0o002 != 0 {
            out.world_writable.push((e.path.clone(), e.mode));
        }
        if let Some(found) = secrets.get(e.found.clone()) {
            out.findings.extend(found.iter().cloned());
        }
    }
    out
}

/// A world-writable file's finding, once its directory is known not to be
/// sticky.
pub(crate) fn world_writable_file(path: &str, mode: u32) -> Finding {
    WORLD_WRITABLE.finding(
        format!("world-writable file (mode {:04o})", mode & 0o7777),
        path,
        &format!("file:{path}"),
    )
}

/// The `.git` directory `path` is in or is, if any.
fn git_dir(path: &str, is_dir: bool) -> Option<&str> {
    let mut end = 0;
    for (i, part) in path.split('/').enumerate() {
        if i > 0 {
            end += 1;
        }
        end += part.len();
        if part == ".git" {
            let whole = end == path.len();
            if whole && !is_dir {
                // A `.git` file (a worktree pointer) carries no history.
                return None;
            }
            return path.get(..end);
        }
    }
    None
}

/// Checks on a regular file's header alone.
fn file_checks(path: &str, mode: u32) -> Vec<Finding> {
    let mut out = Vec::new();
    if mode & 0o6000 != 0 {
        let what = match (mode & 0o4000 != 0, mode & 0o2000 != 0) {
            (true, true) => "setuid and setgid",
            (true, false) => "setuid",
            _ => "setgid",
        };
        out.push(SETUID.finding(
            format!("{what} file (mode {:04o})", mode & 0o7777),
            path,
            path,
        ));
    }
    if let Some(kind) = credential_kind(path) {
        out.push(CREDENTIAL_FILE.finding(format!("{kind} in the image"), path, path));
    }
    out
}

/// What credential a file holds, judged by its name.
fn credential_kind(path: &str) -> Option<&'static str> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    let dir = parent(path);
    let dir_name = dir.rsplit('/').next().unwrap_or(dir);
    match lower.as_str() {
        "id_rsa" | "id_dsa" | "id_ecdsa" | "id_ed25519" | "id_ecdsa_sk" | "id_ed25519_sk" => {
            return Some("SSH private key")
        }
        ".env" => return Some("`.env` file"),
        ".npmrc" => return Some("npm credentials file (`.npmrc`)"),
        ".pypirc" => return Some("PyPI credentials file (`.pypirc`)"),
        ".netrc" | "_netrc" => return Some("`.netrc` credentials file"),
        ".git-credentials" => return Some("git credential store (`.git-credentials`)"),
        ".pgpass" => return Some("PostgreSQL password file (`.pgpass`)"),
        "credentials" if dir_name == ".aws" => return Some("AWS credentials file"),
        "config.json" if dir_name == ".docker" => {
            return Some("Docker registry credentials (`.docker/config.json`)")
        }
        _ => {}
    }
    if let Some(rest) = lower.strip_prefix(".env.") {
        if !matches!(
            rest,
            "example" | "sample" | "template" | "dist" | "defaults" | "schema"
        ) {
            return Some("`.env` file");
        }
    }
    if lower.ends_with(".p12") || lower.ends_with(".pfx") {
        return Some("PKCS#12 key store");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_dir_is_the_directory_not_a_worktree_pointer() {
        assert_eq!(git_dir("src/.git/config", false), Some("src/.git"));
        assert_eq!(git_dir("src/.git", true), Some("src/.git"));
        assert_eq!(git_dir("src/.git", false), None);
        assert_eq!(git_dir("src/.github/x", false), None);
    }

    #[test]
    fn credential_files_by_name() {
        assert!(credential_kind("home/u/.aws/credentials").is_some());
        assert!(credential_kind("app/credentials").is_none());
        assert!(credential_kind("app/.env.example").is_none());
        assert!(credential_kind("app/.env.prod").is_some());
        assert!(credential_kind("certs/Client.PFX").is_some());
    }
}
