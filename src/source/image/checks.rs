//! The `image-` rules: facts about an image that are risky whatever the
//! files contain (root user, setuid files, world-writable files, credential
//! files by name, `.git` directories, SSH exposed), and credentials named in
//! the config's environment or build arguments.

use crate::report::{Category, Finding, RuleMeta, Severity, Span};

pub(crate) const RUNS_AS_ROOT: &str = "image-runs-as-root";
pub(crate) const SETUID: &str = "image-setuid-file";
pub(crate) const WORLD_WRITABLE: &str = "image-world-writable";
pub(crate) const CREDENTIAL_FILE: &str = "image-credential-file";
pub(crate) const GIT_DIR: &str = "image-git-directory";
pub(crate) const EXPOSE_SSH: &str = "image-expose-ssh";
pub(crate) const ENV_SECRET: &str = "image-env-secret";
pub(crate) const BUILD_ARG_SECRET: &str = "image-build-arg-secret";

fn meta(
    id: &str,
    name: &str,
    severity: Severity,
    short: &str,
    help: &str,
    tags: &[&str],
) -> RuleMeta {
    let mut all = vec!["security".to_string(), "image".to_string()];
    all.extend(tags.iter().map(|t| t.to_string()));
    RuleMeta {
        id: id.to_string(),
        name: name.to_string(),
        category: Category::Image,
        severity,
        short: short.to_string(),
        help: help.trim().to_string(),
        tags: all,
        equivalents: Vec::new(),
    }
}

/// Every `image-` rule, with help (what, why, example, fix).
pub fn rules() -> Vec<RuleMeta> {
    vec![
        meta(
            RUNS_AS_ROOT,
            "Image runs as root",
            Severity::Medium,
            "The image config sets no user, or root, so containers run as root.",
            r#"
The image config's `User` is empty, `root`, `0` or `0:0`, so every container started from it runs as root unless the runtime overrides it.

**Why it matters:** a process running as root inside the container turns any code-execution bug into root in the container, and a container escape or a writable host mount into root on the host.

**Example:** a Dockerfile with no `USER` instruction.

**Fix:** create an unprivileged user and switch to it: `RUN useradd -r -u 10001 app` then `USER 10001`.
"#,
            &["cis-docker-4.1"],
        ),
        meta(
            SETUID,
            "setuid or setgid file",
            Severity::Low,
            "A file in the image has the setuid or setgid bit.",
            r#"
A regular file in a layer has the setuid (`04000`) or setgid (`02000`) mode bit.

**Why it matters:** setuid/setgid programs run with their owner's privileges; each one is a path from an unprivileged user in the container to root.

**Example:** `/usr/bin/passwd` mode `4755` in a Debian base layer.

**Fix:** remove the bits from programs the image does not need: `RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} +`.
"#,
            &["cis-docker-4.8"],
        ),
        meta(
            WORLD_WRITABLE,
            "World-writable file or directory",
            Severity::Medium,
            "A file or directory outside a sticky directory is writable by every user.",
            r#"
A regular file is writable by everyone (`o+w`) and its directory has no sticky bit, or a directory is writable by everyone without the sticky bit.

**Why it matters:** any user or process in the container can replace it, for example a script or binary that root later runs.

**Example:** `COPY --chmod=777 start.sh /app/start.sh`.

**Fix:** drop the bit: `chmod o-w` (or give directories the sticky bit, as `/tmp` has: `chmod 1777`).
"#,
            &[],
        ),
        meta(
            CREDENTIAL_FILE,
            "Credential file in the image",
            Severity::High,
            "A file whose name says it holds credentials is in a layer.",
            r#"
A layer contains a file that by its name holds credentials: an SSH or TLS private key (`id_rsa`, `id_ed25519`, `*.p12`, `*.pfx`), `.env`, `.npmrc`, `.pypirc`, `.netrc`, `.git-credentials`, `.pgpass`, `.aws/credentials` or `.docker/config.json`. It is reported even when a later layer deletes it: the file is still in the image for anyone who pulls it.

**Why it matters:** everyone who can pull the image can read every layer, including files deleted later.

**Example:** `COPY . /app` with a `.env` in the build context.

**Fix:** keep credentials out of the build context (`.dockerignore`), use build secrets (`RUN --mount=type=secret`) and revoke what was shipped.
"#,
            &["secret"],
        ),
        meta(
            GIT_DIR,
            "`.git` directory in the image",
            Severity::Medium,
            "A `.git` directory was copied into the image.",
            r#"
A layer contains a `.git` directory.

**Why it matters:** it carries the whole history of the repository, including secrets deleted from the working tree, remotes with embedded credentials and unreleased code.

**Example:** `COPY . /app` without a `.dockerignore`.

**Fix:** add `.git` to `.dockerignore`.
"#,
            &["secret"],
        ),
        meta(
            EXPOSE_SSH,
            "SSH port exposed",
            Severity::Medium,
            "The image config exposes port 22.",
            r#"
The image config's `ExposedPorts` contains `22/tcp`.

**Why it matters:** an SSH daemon in a container is another service to patch and another set of credentials to leak; `docker exec` or `kubectl exec` does the job without one.

**Example:** `EXPOSE 22`.

**Fix:** remove the SSH server and the `EXPOSE 22`.
"#,
            &[],
        ),
        meta(
            ENV_SECRET,
            "Credential in an image environment variable",
            Severity::High,
            "An `ENV` variable named like a credential has a literal value in the image config.",
            r#"
The image config's `Env` sets a variable whose name says it is a credential (`PASSWORD`, `API_KEY`, `*_TOKEN`, …) to a literal value that is not a placeholder. Values that a secret rule recognises are reported by that rule instead.

**Why it matters:** the config is readable by anyone who can pull the image (`docker inspect`), and the value is set in every container.

**Example:** `ENV DB_PASSWORD=<a literal password>`.

**Fix:** pass the value at run time (`docker run -e`, an orchestrator secret) and rotate the exposed one.
"#,
            &["secret"],
        ),
        meta(
            BUILD_ARG_SECRET,
            "Credential in a build argument",
            Severity::High,
            "A build `ARG` named like a credential was used by a `RUN`, so its value is in the image history.",
            r#"
The image history records `RUN` steps as `|N NAME=value … /bin/sh -c …`: every build argument in scope is saved with its value. An argument whose name says it is a credential is reported. Values that a secret rule recognises are reported by that rule instead.

**Why it matters:** `docker history --no-trunc` shows it to anyone who can pull the image.

**Example:** `ARG NPM_TOKEN` then `RUN npm ci` built with `--build-arg NPM_TOKEN=…`.

**Fix:** use a build secret (`RUN --mount=type=secret,id=npm_token`) and rotate the exposed value.
"#,
            &["secret"],
        ),
    ]
}

pub(crate) fn rule(id: &str) -> RuleMeta {
    rules()
        .into_iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| RuleMeta {
            id: id.to_string(),
            name: id.to_string(),
            category: Category::Image,
            severity: Severity::Medium,
            short: String::new(),
            help: String::new(),
            tags: Vec::new(),
            equivalents: Vec::new(),
        })
}

fn finding(id: &str, message: String, path: &str, key: &str) -> Finding {
    Finding::new(
        &rule(id),
        message,
        path.to_string(),
        Span::line(1),
        None,
        None,
        key,
    )
}

/// What the checks need to know about one tar entry.
pub(crate) struct EntryFacts<'a> {
    pub path: &'a str,
    pub mode: u32,
    pub is_dir: bool,
    pub is_file: bool,
}

/// The `.git` directory `path` is in or is, if any.
pub(crate) fn git_dir(path: &str, is_dir: bool) -> Option<String> {
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
            return Some(path[..end].to_string());
        }
    }
    None
}

pub(crate) fn git_directory(path: &str) -> Finding {
    finding(
        GIT_DIR,
        "`.git` directory in the image: it carries the repository's history".into(),
        path,
        path,
    )
}

pub(crate) fn world_writable_dir(e: &EntryFacts<'_>) -> Option<Finding> {
    (e.is_dir && e.mode & 0o002 != 0 && e.mode & 0o1000 == 0).then(|| {
        finding(
            WORLD_WRITABLE,
            format!(
                "world-writable directory without the sticky bit (mode {:04o})",
                e.mode & 0o7777
            ),
            e.path,
            &format!("dir:{}", e.path),
        )
    })
}

pub(crate) fn world_writable_file(path: &str, mode: u32) -> Finding {
    finding(
        WORLD_WRITABLE,
        format!("world-writable file (mode {:04o})", mode & 0o7777),
        path,
        &format!("file:{path}"),
    )
}

/// Checks on a regular file's header alone.
pub(crate) fn file_checks(e: &EntryFacts<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    if !e.is_file {
        return out;
    }
    if e.mode & 0o6000 != 0 {
        let what = match (e.mode & 0o4000 != 0, e.mode & 0o2000 != 0) {
            (true, true) => "setuid and setgid",
            (true, false) => "setuid",
            _ => "setgid",
        };
        out.push(finding(
            SETUID,
            format!("{what} file (mode {:04o})", e.mode & 0o7777),
            e.path,
            e.path,
        ));
    }
    if let Some(kind) = credential_kind(e.path) {
        out.push(finding(
            CREDENTIAL_FILE,
            format!("{kind} in the image"),
            e.path,
            e.path,
        ));
    }
    out
}

/// What credential a file holds, judged by its name.
pub(crate) fn credential_kind(path: &str) -> Option<&'static str> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    let dir = super::layer::parent(path);
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

pub(crate) fn runs_as_root(user: &str) -> Option<Finding> {
    let u = user.trim();
    let root = matches!(
        u,
        "" | "root" | "0" | "0:0" | "root:root" | "root:0" | "0:root"
    );
    root.then(|| {
        let message = if u.is_empty() {
            "the image sets no user, so containers run as root".to_string()
        } else {
            format!("the image runs as `{u}`, which is root")
        };
        finding(RUNS_AS_ROOT, message, "config/User", "user")
    })
}

pub(crate) fn expose_ssh(ports: &[String]) -> Option<Finding> {
    ports
        .iter()
        .position(|p| p == "22" || p == "22/tcp")
        .map(|i| {
            let mut f = finding(
                EXPOSE_SSH,
                "the image exposes port 22 (SSH)".into(),
                "config/ExposedPorts",
                "22",
            );
            f.span = Span::line(i as u32 + 1);
            f
        })
}
