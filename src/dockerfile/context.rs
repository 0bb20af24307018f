//! The build context next to a Dockerfile, as BuildKit sends it: its
//! `.dockerignore`, what a `COPY` source (a file, a directory, a wildcard,
//! `.`) brings in, and what those files hold.
//!
//! The context is assumed to be the Dockerfile's directory, which is what
//! `docker build .` next to it uses; a `<Dockerfile>.dockerignore` next to the
//! Dockerfile wins over `.dockerignore`, as in BuildKit.

pub use super::patterns::DockerIgnore;
use super::patterns::{context_path, Component};
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Stop listing after this many files: the rule reports what it saw.
const MAX_FILES: usize = 20_000;
/// Read at most this much of one copied file for the content scan.
const MAX_READ: u64 = 512 * 1024;
/// And at most this much over all files of one Dockerfile.
const MAX_TOTAL: u64 = 64 * 1024 * 1024;

/// What a copied file's content gives away.
#[derive(Clone, Debug)]
pub enum Content {
    /// A PEM private key block.
    PrivateKey,
    /// A secret the secret engine found, by its rule's name.
    Secret { rule: String },
}

/// The context directory and its ignore file.
#[derive(Debug)]
pub struct Context {
    pub dir: PathBuf,
    /// `None` when there is no ignore file.
    pub ignore: Option<DockerIgnore>,
    /// Content verdicts by relative path, and the bytes read so far.
    scanned: RefCell<(HashMap<String, Option<Content>>, u64)>,
}

impl Context {
    pub fn load(dir: &Path, dockerfile_name: Option<&str>) -> Context {
        let mut ignore = None;
        let mut candidates = Vec::new();
        if let Some(name) = dockerfile_name {
            candidates.push(dir.join(format!("{name}.dockerignore")));
        }
        candidates.push(dir.join(".dockerignore"));
        for c in candidates {
            if let Ok(text) = std::fs::read_to_string(&c) {
                ignore = Some(DockerIgnore::parse(&text));
                break;
            }
        }
        // `Dockerfile` given bare: its parent is "", the current directory.
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        Context {
            dir: dir.to_path_buf(),
            ignore,
            scanned: RefCell::new((HashMap::new(), 0)),
        }
    }

    pub fn excluded(&self, rel: &str) -> bool {
        !rel.is_empty() && self.ignore.as_ref().is_some_and(|i| i.excludes(rel))
    }

    fn prunes(&self) -> bool {
        !self
            .ignore
            .as_ref()
            .is_some_and(DockerIgnore::has_exceptions)
    }

    fn abs(&self, rel: &str) -> PathBuf {
        if rel.is_empty() {
            self.dir.clone()
        } else {
            self.dir.join(rel)
        }
    }

    /// The context paths a COPY source names, before `.dockerignore`:
    /// the path itself, or every match of its wildcards. `None` when the
    /// source cannot be resolved here (a variable).
    pub fn matches_for(&self, source: &str) -> Option<Vec<String>> {
        if source.contains('$') {
            return None;
        }
        let src = context_path(source);
        if !src.contains(['*', '?', '[', '\\']) {
            return Some(if self.abs(&src).exists() {
                vec![src]
            } else {
                Vec::new()
            });
        }
        let mut comps = Vec::new();
        for part in src.split('/') {
            comps.push(Component::new(part)?);
        }
        let mut found = vec![String::new()];
        for (i, c) in comps.iter().enumerate() {
            let last = i + 1 == comps.len();
            let mut next = Vec::new();
            for base in &found {
                let join = |n: &str| {
                    if base.is_empty() {
                        n.to_string()
                    } else {
                        format!("{base}/{n}")
                    }
                };
                if let Some(lit) = c.literal() {
                    let p = join(lit);
                    if self.abs(&p).exists() {
                        next.push(p);
                    }
                    continue;
                }
                let Ok(rd) = std::fs::read_dir(self.abs(base)) else {
                    continue;
                };
                let mut names: Vec<_> = rd
                    .filter_map(Result::ok)
                    .filter(|e| last || e.file_type().is_ok_and(|t| t.is_dir()))
                    .map(|e| e.file_name().to_string_lossy().to_string())
                    .filter(|n| c.matches(n))
                    .collect();
                names.sort();
                next.extend(names.iter().map(|n| join(n)));
            }
            found = next;
            if found.len() > MAX_FILES {
                break;
            }
        }
        Some(found)
    }

    /// Files (relative, `/`-separated) a COPY source brings in, after the
    /// ignore file: directories recursively. Sources with variables give
    /// none.
    #[cfg(test)]
    pub fn files_for(&self, source: &str) -> Vec<String> {
        let mut out = Vec::new();
        for m in self.matches_for(source).unwrap_or_default() {
            out.extend(self.files_under(&m));
        }
        out
    }

    /// The files a matched context path brings in: itself, or what its
    /// directory holds, after the ignore file.
    pub fn files_under(&self, m: &str) -> Vec<String> {
        let mut out = Vec::new();
        let path = self.abs(m);
        if path.is_dir() {
            if m.is_empty() || !self.excluded(m) || !self.prunes() {
                self.walk(&path, m, &mut out);
            }
        } else if path.is_file() && !self.excluded(m) {
            out.push(m.to_string());
        }
        out
    }

    fn walk(&self, dir: &Path, rel: &str, out: &mut Vec<String>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<_> = rd.filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            if out.len() >= MAX_FILES {
                return;
            }
            let name = e.file_name().to_string_lossy().to_string();
            let r = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            let excluded = self.excluded(&r);
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                // .git and node_modules: their bulk is not worth reading
                // (a whole-context copy of .git is dockerfile-broad-copy's).
                if name != ".git" && name != "node_modules" && (!excluded || !self.prunes()) {
                    self.walk(&e.path(), &r, out);
                }
            } else if ft.is_file() && !excluded {
                out.push(r);
            }
        }
    }

    pub fn read(&self, rel: &str) -> Option<Vec<u8>> {
        let f = std::fs::File::open(self.abs(rel)).ok()?;
        let mut buf = Vec::new();
        f.take(MAX_READ).read_to_end(&mut buf).ok()?;
        Some(buf)
    }

    /// What the file's content gives away, read once per Dockerfile and
    /// within the size budget; binary files are not read further.
    pub fn content(&self, rel: &str, scanner: Option<&crate::secrets::Scanner>) -> Option<Content> {
        if let Some(v) = self.scanned.borrow().0.get(rel) {
            return v.clone();
        }
        let verdict = if self.scanned.borrow().1 >= MAX_TOTAL {
            None
        } else {
            self.read(rel).and_then(|bytes| {
                self.scanned.borrow_mut().1 += bytes.len() as u64;
                judge(rel, &bytes, scanner)
            })
        };
        self.scanned
            .borrow_mut()
            .0
            .insert(rel.to_string(), verdict.clone());
        verdict
    }
}

fn judge(rel: &str, bytes: &[u8], scanner: Option<&crate::secrets::Scanner>) -> Option<Content> {
    let head = bytes.get(..bytes.len().min(8192)).unwrap_or(bytes);
    if head.contains(&0) {
        return None;
    }
    if has_private_key(bytes) {
        return Some(Content::PrivateKey);
    }
    let kind = crate::secrets::literal::FileKind::from_path(rel);
    let m = scanner?.find_in_kind(bytes, kind).into_iter().next()?;
    Some(Content::Secret { rule: m.rule_name })
}

/// A PEM `-----BEGIN … PRIVATE KEY-----` header (RSA, EC, OPENSSH,
/// ENCRYPTED, plain PKCS#8).
pub fn has_private_key(bytes: &[u8]) -> bool {
    const BEGIN: &[u8] = b"-----BEGIN ";
    let mut rest = bytes;
    while let Some(i) = memchr::memmem::find(rest, BEGIN) {
        let after = rest.get(i + BEGIN.len()..).unwrap_or(&[]);
        let label: Vec<u8> = after
            .iter()
            .take(40)
            .take_while(|b| b.is_ascii_uppercase() || **b == b' ')
            .copied()
            .collect();
        if label.ends_with(b"PRIVATE KEY")
            && after
                .get(label.len()..)
                .is_some_and(|t| t.starts_with(b"-----"))
        {
            return true;
        }
        rest = after;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_key_headers() {
        let k = |l: &str| format!("x\n-----BEGIN {l}-----\nAAAA\n");
        assert!(has_private_key(k("RSA PRIVATE KEY").as_bytes()));
        assert!(has_private_key(k("OPENSSH PRIVATE KEY").as_bytes()));
        assert!(has_private_key(k("PRIVATE KEY").as_bytes()));
        assert!(!has_private_key(k("CERTIFICATE").as_bytes()));
        assert!(!has_private_key(k("PUBLIC KEY").as_bytes()));
        assert!(!has_private_key(b"BEGIN PRIVATE KEY without dashes"));
    }

    #[test]
    fn sources_resolve_like_buildkit() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        std::fs::create_dir_all(d.join("certs/sub")).unwrap();
        std::fs::create_dir_all(d.join("secrets")).unwrap();
        for f in [
            "certs/a.key",
            "certs/sub/b.key",
            "secrets/x",
            "secrets/keep.pem",
            ".npmrc",
        ] {
            std::fs::write(d.join(f), "x").unwrap();
        }
        std::fs::write(d.join(".dockerignore"), "secrets\n!secrets/keep.pem\n").unwrap();
        let c = Context::load(d, Some("Dockerfile"));
        assert_eq!(c.files_for("certs/*.key"), vec!["certs/a.key"]);
        assert_eq!(
            c.files_for("./certs/"),
            vec!["certs/a.key", "certs/sub/b.key"]
        );
        assert_eq!(c.files_for("../.npmrc"), vec![".npmrc"]);
        assert_eq!(c.files_for("secrets"), vec!["secrets/keep.pem"]);
        let all = c.files_for(".");
        assert!(all.contains(&".npmrc".to_string()));
        assert!(!all.contains(&"secrets/x".to_string()));
        assert!(all.contains(&"secrets/keep.pem".to_string()));
        assert!(c.files_for("$X").is_empty());
    }
}
