//! Path patterns as BuildKit has them.
//!
//! - `.dockerignore`: moby/patternmatcher's rules (the reference is its
//!   `ignorefile.ReadAll` and `Pattern.compile`): a line starting with `#`
//!   is a comment, `!` makes an exception, each pattern is cleaned like Go's
//!   `filepath.Clean` and a leading `/` dropped; `*` and `?` stay within one
//!   path component, `**` spans any number of them (`**/x` also matches `x`
//!   at the root), `\` escapes; the last pattern matching the path or one
//!   of its parent directories decides.
//! - COPY/ADD sources: one wildcard pattern per path component, as Go's
//!   `filepath.Match` (no `**`), the source cleaned relative to the context
//!   root so that `..` cannot leave it.

use regex::Regex;

/// Go's `path.Clean` for `/`-separated paths: no empty or `.` components,
/// `..` resolved (kept at the start of a relative path), `.` when empty.
pub fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            _ => parts.push(c),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// A COPY source as a path relative to the context root (`""` = the root).
pub fn context_path(source: &str) -> String {
    let c = clean(&format!("/{source}"));
    c.trim_start_matches('/').to_string()
}

#[derive(Debug)]
struct Pattern {
    re: Regex,
    exception: bool,
}

/// A parsed `.dockerignore`.
#[derive(Debug, Default)]
pub struct DockerIgnore {
    patterns: Vec<Pattern>,
    /// The patterns as written (comments and blank lines dropped).
    pub raw: Vec<String>,
    /// Patterns that do not compile; BuildKit fails the build on them.
    pub invalid: Vec<String>,
}

impl DockerIgnore {
    pub fn parse(text: &str) -> DockerIgnore {
        let mut out = DockerIgnore::default();
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for line in text.lines() {
            if line.starts_with('#') {
                continue;
            }
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let (exception, pat) = match line.strip_prefix('!') {
                Some(p) => (true, p.trim()),
                None => (false, line),
            };
            if pat.is_empty() {
                out.invalid.push(line.to_string());
                continue;
            }
            let mut pat = clean(pat);
            if pat.len() > 1 && pat.starts_with('/') {
                pat.remove(0);
            }
            out.raw.push(line.to_string());
            match Regex::new(&ignore_regex(&pat)) {
                Ok(re) => out.patterns.push(Pattern { re, exception }),
                Err(_) => out.invalid.push(line.to_string()),
            }
        }
        out
    }

    /// Whether any pattern is an exception (`!…`): then an excluded
    /// directory may still hold included files and must be walked.
    pub fn has_exceptions(&self) -> bool {
        self.patterns.iter().any(|p| p.exception)
    }

    /// Whether `rel` (a `/`-separated path in the context) is excluded.
    pub fn excludes(&self, rel: &str) -> bool {
        let file = clean(rel);
        let parents: Vec<&str> = match file.rfind('/') {
            Some(i) => file.get(..i).unwrap_or("").split('/').collect(),
            None => Vec::new(),
        };
        let mut matched = false;
        for p in &self.patterns {
            // An include cannot change a match, nor an exception a non-match.
            if p.exception != matched {
                continue;
            }
            let mut hit = p.re.is_match(&file);
            if !hit {
                for i in 1..=parents.len() {
                    if p.re.is_match(&parents[..i].join("/")) {
                        hit = true;
                        break;
                    }
                }
            }
            if hit {
                matched = !p.exception;
            }
        }
        matched
    }
}

fn push_escaped(re: &mut String, c: char) {
    let mut buf = [0u8; 4];
    re.push_str(&regex::escape(c.encode_utf8(&mut buf)));
}

/// patternmatcher's translation of one cleaned pattern to a regex.
fn ignore_regex(pat: &str) -> String {
    let mut re = String::from("^");
    let mut it = pat.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '*' if it.peek() == Some(&'*') => {
                it.next();
                if it.peek() == Some(&'/') {
                    it.next();
                }
                if it.peek().is_none() {
                    re.push_str(".*");
                } else {
                    re.push_str("(.*/)?");
                }
            }
            '*' => re.push_str("[^/]*"),
            '?' => re.push_str("[^/]"),
            '\\' => match it.next() {
                Some(n) => push_escaped(&mut re, n),
                None => re.push_str("\\\\"),
            },
            '[' | ']' => re.push(c),
            // A `^` or `-` right after `[` keeps its class meaning.
            '^' | '-' if re.ends_with('[') => re.push(c),
            _ => push_escaped(&mut re, c),
        }
    }
    re.push('$');
    re
}

/// One path component of a COPY source as Go's `filepath.Match` reads it.
pub struct Component {
    re: Option<Regex>,
    literal: String,
}

impl Component {
    pub fn new(part: &str) -> Option<Component> {
        if !part.contains(['*', '?', '[', '\\']) {
            return Some(Component {
                re: None,
                literal: part.to_string(),
            });
        }
        let mut re = String::from("^");
        let mut it = part.chars();
        let mut in_class = false;
        while let Some(c) = it.next() {
            match c {
                '*' if !in_class => re.push_str("[^/]*"),
                '?' if !in_class => re.push_str("[^/]"),
                '[' if !in_class => {
                    in_class = true;
                    re.push('[');
                }
                ']' if in_class => {
                    in_class = false;
                    re.push(']');
                }
                '\\' => push_escaped(&mut re, it.next()?),
                '^' | '-' if in_class => re.push(c),
                _ => push_escaped(&mut re, c),
            }
        }
        if in_class {
            return None;
        }
        re.push('$');
        Some(Component {
            re: Some(Regex::new(&re).ok()?),
            literal: String::new(),
        })
    }

    /// The literal name, when the component has no wildcard.
    pub fn literal(&self) -> Option<&str> {
        self.re.is_none().then_some(self.literal.as_str())
    }

    pub fn matches(&self, name: &str) -> bool {
        match &self.re {
            Some(re) => re.is_match(name),
            None => self.literal == name,
        }
    }
}

/// Whether `path` matches the wildcard `pattern` component by component.
pub fn source_matches(pattern: &str, path: &str) -> bool {
    let pc: Vec<&str> = pattern.split('/').filter(|c| !c.is_empty()).collect();
    let fc: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
    pc.len() == fc.len()
        && pc
            .iter()
            .zip(&fc)
            .all(|(p, f)| Component::new(p).is_some_and(|c| c.matches(f)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_like_go() {
        assert_eq!(clean("a//b/./c/.."), "a/b");
        assert_eq!(clean("./"), ".");
        assert_eq!(clean("/../x"), "/x");
        assert_eq!(clean("../x"), "../x");
        assert_eq!(context_path("../secret"), "secret");
        assert_eq!(context_path("./certs/"), "certs");
        assert_eq!(context_path("."), "");
    }

    #[test]
    fn dockerignore_semantics() {
        let i = DockerIgnore::parse(
            "# c\n.git\n*.env\n.env*\n!.env.example\nnode_modules/\n/build\n**/*.key\ndocs/**\n",
        );
        assert!(i.excludes(".git"));
        assert!(i.excludes(".git/config"));
        assert!(i.excludes(".env"));
        assert!(i.excludes(".env.local"));
        assert!(!i.excludes(".env.example"));
        assert!(i.excludes("node_modules/x/y.js"));
        assert!(!i.excludes("src/main.rs"));
        assert!(i.excludes("build/out.o"), "leading / is the context root");
        assert!(!i.excludes("src/build"), "a pattern is anchored");
        assert!(i.excludes("server.key"), "**/ matches at the root");
        assert!(i.excludes("a/b/server.key"));
        assert!(i.excludes("docs/x/y.md"));
        assert!(!i.excludes("sub/.env"), "* does not cross /");
    }

    #[test]
    fn exceptions_inside_excluded_dirs() {
        let i = DockerIgnore::parse("secrets\n!secrets/public.pem\n");
        assert!(i.excludes("secrets/private.key"));
        assert!(!i.excludes("secrets/public.pem"));
        assert!(i.has_exceptions());
        let i = DockerIgnore::parse("*\n!src\n");
        assert!(!i.excludes("src/main.rs"));
        assert!(i.excludes(".npmrc"));
    }

    #[test]
    fn source_wildcards_stay_in_one_component() {
        assert!(source_matches("certs/*.key", "certs/server.key"));
        assert!(!source_matches("certs/*.key", "certs/a/server.key"));
        assert!(source_matches("*/[st]*.key", "tls/server.key"));
        assert!(source_matches("conf/?.ini", "conf/a.ini"));
        assert!(Component::new("[ab").is_none());
    }
}
