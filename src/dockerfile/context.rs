//! The build context next to a Dockerfile: its `.dockerignore` and what a
//! `COPY` source (a file, a directory, a wildcard, `.`) would bring in.
//!
//! The context is assumed to be the Dockerfile's directory, which is what
//! `docker build .` next to it uses; a `<Dockerfile>.dockerignore` next to the
//! Dockerfile wins over `.dockerignore`, as in BuildKit.

use globset::{GlobBuilder, GlobMatcher};
use std::path::{Path, PathBuf};

/// Stop listing after this many files: the rule reports what it saw.
const MAX_FILES: usize = 20_000;

#[derive(Debug, Default)]
pub struct DockerIgnore {
    /// (pattern, negated)
    patterns: Vec<(GlobMatcher, bool)>,
    pub raw: Vec<String>,
}

impl DockerIgnore {
    pub fn parse(text: &str) -> DockerIgnore {
        let mut out = DockerIgnore::default();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (neg, pat) = match line.strip_prefix('!') {
                Some(p) => (true, p.trim()),
                None => (false, line),
            };
            let pat = pat.trim_start_matches("./").trim_start_matches('/');
            let pat = pat.trim_end_matches('/');
            if pat.is_empty() {
                continue;
            }
            out.raw.push(line.to_string());
            if let Ok(g) = GlobBuilder::new(pat).literal_separator(true).build() {
                out.patterns.push((g.compile_matcher(), neg));
            }
        }
        out
    }

    /// Whether `rel` (a `/`-separated path in the context) is excluded: the
    /// last pattern matching it or one of its parent directories decides.
    pub fn excludes(&self, rel: &str) -> bool {
        let mut excluded = false;
        for (g, neg) in &self.patterns {
            let mut hit = g.is_match(rel);
            if !hit {
                let mut p = rel;
                while let Some(i) = p.rfind('/') {
                    p = p.get(..i).unwrap_or("");
                    if g.is_match(p) {
                        hit = true;
                        break;
                    }
                }
            }
            if hit {
                excluded = !neg;
            }
        }
        excluded
    }
}

/// The context directory and its ignore file.
#[derive(Debug)]
pub struct Context {
    pub dir: PathBuf,
    /// `None` when there is no ignore file.
    pub ignore: Option<DockerIgnore>,
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
        Context {
            dir: dir.to_path_buf(),
            ignore,
        }
    }

    fn excluded(&self, rel: &str) -> bool {
        self.ignore.as_ref().is_some_and(|i| i.excludes(rel))
    }

    /// Files (relative, `/`-separated) a COPY source brings in, after the
    /// ignore file. Sources outside the context or with variables give none.
    pub fn files_for(&self, source: &str) -> Vec<String> {
        if source.contains('$') || source.contains("..") {
            return Vec::new();
        }
        let src = source.trim_start_matches("./").trim_start_matches('/');
        let src = src.trim_end_matches('/');
        let has_glob = src.contains(['*', '?', '[']);
        let mut out = Vec::new();
        if src.is_empty() || src == "." {
            self.walk(&self.dir, "", &mut out);
            return out;
        }
        if has_glob {
            let Ok(g) = GlobBuilder::new(src).literal_separator(true).build() else {
                return out;
            };
            let g = g.compile_matcher();
            // Walk from the deepest literal directory.
            let lit: Vec<&str> = src
                .split('/')
                .take_while(|p| !p.contains(['*', '?', '[']))
                .collect();
            let base = lit.join("/");
            let mut all = Vec::new();
            self.walk(&self.dir.join(&base), &base, &mut all);
            for f in all {
                // A match on the file or on one of its directories.
                let mut hit = g.is_match(&f);
                let mut p = f.as_str();
                while !hit {
                    match p.rfind('/') {
                        Some(i) => {
                            p = p.get(..i).unwrap_or("");
                            hit = g.is_match(p);
                        }
                        None => break,
                    }
                }
                if hit {
                    out.push(f);
                }
            }
            return out;
        }
        let path = self.dir.join(src);
        if path.is_dir() {
            self.walk(&path, src, &mut out);
        } else if path.is_file() && !self.excluded(src) {
            out.push(src.to_string());
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
            if self.excluded(&r) {
                continue;
            }
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                // .git holds no credential files by name; skip its bulk.
                if name != ".git" && name != "node_modules" {
                    self.walk(&e.path(), &r, out);
                }
            } else if ft.is_file() {
                out.push(r);
            }
        }
    }

    pub fn read(&self, rel: &str) -> Option<Vec<u8>> {
        std::fs::read(self.dir.join(rel)).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dockerignore_last_match_wins() {
        let i = DockerIgnore::parse("# c\n.git\n*.env\n.env*\n!.env.example\nnode_modules/\n");
        assert!(i.excludes(".git"));
        assert!(i.excludes(".git/config"));
        assert!(i.excludes(".env"));
        assert!(i.excludes(".env.local"));
        assert!(!i.excludes(".env.example"));
        assert!(i.excludes("node_modules/x/y.js"));
        assert!(!i.excludes("src/main.rs"));
    }
}
