//! A line-at-a-time parser of `git log -p --cc --full-index` output (plain
//! and combined diffs), and git's C-style path quoting.
//!
//! Each file change keeps the post-image lines of its hunks (context and
//! added lines) as one text, with a map back to the file's line numbers, so
//! a range scan reads what the diff shows and never the whole blob.

use super::plumbing::is_regular;
use super::Segment;
use std::ops::RangeInclusive;

/// One file's change in one commit, as parsed from the patch.
#[derive(Debug, Default)]
pub(crate) struct FileChange {
    pub(crate) commit: String,
    pub(crate) path: String,
    pub(crate) blob: String,
    pub(crate) mode_ok: bool,
    pub(crate) binary: bool,
    pub(crate) added: Vec<RangeInclusive<u32>>,
    /// Post-image lines of the hunks, each ending in `\n`; hunks are kept
    /// apart by an empty line so no match joins two of them.
    pub(crate) text: Vec<u8>,
    /// Lines of `text` in the hunks, and where they are in the file.
    pub(crate) segments: Vec<Segment>,
    /// Lines in `text` so far.
    text_lines: u32,
}

/// A line-at-a-time parser of `git log -p --cc --full-index`.
#[derive(Default)]
pub(crate) struct PatchParser {
    commit: String,
    cur: Option<FileChange>,
    /// Parents of a combined diff hunk (1 for a plain diff).
    parents: usize,
    /// Next line number in the post-image, inside a hunk.
    next_line: u32,
    in_hunk: bool,
}

impl PatchParser {
    pub(crate) fn finish(&mut self, out: &mut Vec<FileChange>) {
        if let Some(c) = self.cur.take() {
            if c.mode_ok && !c.blob.is_empty() && !c.path.is_empty() {
                out.push(c);
            }
        }
        self.in_hunk = false;
    }

    pub(crate) fn line(&mut self, line: &[u8], out: &mut Vec<FileChange>) {
        if line.first() == Some(&1) {
            self.finish(out);
            let hdr = String::from_utf8_lossy(&line[1..]);
            self.commit = hdr.split(' ').next().unwrap_or("").to_string();
            return;
        }
        if self.in_hunk {
            let n = self.parents;
            if line.len() >= n && line[..n].iter().all(|b| matches!(b, b'+' | b'-' | b' ')) {
                let prefix = &line[..n];
                if prefix.contains(&b'-') {
                    return; // only in a parent
                }
                let l = self.next_line;
                self.next_line = self.next_line.saturating_add(1);
                if let Some(c) = self.cur.as_mut() {
                    if prefix.iter().all(|&b| b == b'+') {
                        push_line(&mut c.added, l);
                    }
                    c.text.extend_from_slice(&line[n..]);
                    c.text.push(b'\n');
                    c.text_lines += 1;
                    if let Some(seg) = c.segments.last_mut() {
                        seg.count += 1;
                    }
                }
                return;
            }
            if line.starts_with(b"\\") {
                return; // "\ No newline at end of file"
            }
            self.in_hunk = false;
        }
        if let Some(rest) = line.strip_prefix(b"diff --git ") {
            self.finish(out);
            self.cur = Some(FileChange {
                commit: self.commit.clone(),
                path: diff_git_path(rest).unwrap_or_default(),
                mode_ok: true,
                ..FileChange::default()
            });
            self.parents = 1;
            return;
        }
        if let Some(rest) = line
            .strip_prefix(b"diff --cc ")
            .or_else(|| line.strip_prefix(b"diff --combined "))
        {
            self.finish(out);
            self.cur = Some(FileChange {
                commit: self.commit.clone(),
                path: unquote(rest),
                mode_ok: true,
                ..FileChange::default()
            });
            return;
        }
        let Some(c) = self.cur.as_mut() else {
            return;
        };
        if let Some(rest) = line.strip_prefix(b"index ") {
            // "index <a>..<b>[ mode]" or "index <a>,<b>..<c>[ mode]"
            let s = String::from_utf8_lossy(rest);
            let mut f = s.split(' ');
            if let Some(ids) = f.next() {
                if let Some((_, post)) = ids.rsplit_once("..") {
                    c.blob = post.to_string();
                }
            }
            if let Some(mode) = f.next() {
                c.mode_ok = is_regular(mode);
            }
        } else if let Some(mode) = line
            .strip_prefix(b"new file mode ")
            .or_else(|| line.strip_prefix(b"new mode "))
            .or_else(|| line.strip_prefix(b"mode "))
        {
            let mode = String::from_utf8_lossy(mode);
            let post = mode.rsplit(',').next().unwrap_or("").trim().to_string();
            c.mode_ok = is_regular(&post);
        } else if line.starts_with(b"deleted file mode ") {
            c.mode_ok = false;
        } else if let Some(rest) = line.strip_prefix(b"+++ ") {
            if rest == b"/dev/null" {
                c.mode_ok = false;
            } else {
                let p = unquote(rest);
                let p = p.strip_prefix("b/").unwrap_or(&p).to_string();
                c.path = p;
            }
        } else if line.starts_with(b"Binary files ") {
            c.binary = !line.ends_with(b"/dev/null differ");
        } else if line.starts_with(b"@@") {
            let ats = line.iter().take_while(|&&b| b == b'@').count();
            self.parents = ats.saturating_sub(1).max(1);
            let s = String::from_utf8_lossy(line);
            // "@@ -a,b +c,d @@" / "@@@ -a,b -c,d +e,f @@@"
            let new = s
                .split(' ')
                .skip(1)
                .find(|t| t.starts_with('+'))
                .unwrap_or("+0");
            let start = new
                .trim_start_matches('+')
                .split(',')
                .next()
                .and_then(|n| n.parse::<u32>().ok())
                .unwrap_or(0);
            self.next_line = start.max(1);
            self.in_hunk = true;
            if let Some(c) = self.cur.as_mut() {
                if c.text_lines > 0 {
                    c.text.push(b'\n');
                    c.text_lines += 1;
                }
                c.segments.push(Segment {
                    text_line: c.text_lines + 1,
                    file_line: self.next_line,
                    count: 0,
                });
            }
        }
    }
}

/// Add line `l` to sorted, merged ranges (lines come in increasing order).
fn push_line(v: &mut Vec<RangeInclusive<u32>>, l: u32) {
    if let Some(last) = v.last_mut() {
        if *last.end() + 1 == l {
            *last = *last.start()..=l;
            return;
        }
    }
    v.push(l..=l);
}

/// The post-image path of `diff --git a/X b/X` (renames are off, so both
/// sides name the same path); quoted forms are unquoted.
fn diff_git_path(rest: &[u8]) -> Option<String> {
    if rest.first() == Some(&b'"') {
        // "a/X" "b/X" or "a/X" b/X
        let end = quoted_end(rest)?;
        let second = rest.get(end + 1..)?;
        let p = unquote(second);
        return Some(p.strip_prefix("b/").unwrap_or(&p).to_string());
    }
    if rest.len() < 5 {
        return None;
    }
    let n = (rest.len() - 5) / 2;
    let b = rest.get(n + 3..)?;
    let p = unquote(b);
    Some(p.strip_prefix("b/").unwrap_or(&p).to_string())
}

/// Index one past the closing quote of a C-quoted string at the start.
fn quoted_end(s: &[u8]) -> Option<usize> {
    let mut i = 1;
    while i < s.len() {
        match s[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Undo git's C-style quoting of a path (`"a\tb\303\251"`), if quoted.
pub(crate) fn unquote(s: &[u8]) -> String {
    if s.len() < 2 || s[0] != b'"' {
        return String::from_utf8_lossy(s).into_owned();
    }
    let end = quoted_end(s).unwrap_or(s.len());
    let inner = &s[1..end.saturating_sub(1).max(1)];
    let mut out = Vec::with_capacity(inner.len());
    let mut i = 0;
    while i < inner.len() {
        let b = inner[i];
        if b != b'\\' || i + 1 >= inner.len() {
            out.push(b);
            i += 1;
            continue;
        }
        let e = inner[i + 1];
        i += 2;
        match e {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'v' => out.push(11),
            b'0'..=b'7' => {
                let mut v: u32 = (e - b'0') as u32;
                let mut k = 0;
                while k < 2 && i < inner.len() && (b'0'..=b'7').contains(&inner[i]) {
                    v = v * 8 + (inner[i] - b'0') as u32;
                    i += 1;
                    k += 1;
                }
                out.push((v & 0xff) as u8);
            }
            other => out.push(other),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn unquotes_git_paths() {
        assert_eq!(unquote(b"plain/path"), "plain/path");
        assert_eq!(unquote(b"\"b/a\\tb\""), "b/a\tb");
        assert_eq!(unquote(b"\"b/caf\\303\\251\""), "b/café");
        assert_eq!(diff_git_path(b"a/x y b/x y").as_deref(), Some("x y"));
        assert_eq!(
            diff_git_path(b"\"a/a\\nb\" \"b/a\\nb\"").as_deref(),
            Some("a\nb")
        );
    }

    #[test]
    fn merges_line_ranges() {
        let mut v = Vec::new();
        for l in [1, 2, 3, 7, 9, 10] {
            push_line(&mut v, l);
        }
        assert_eq!(v, vec![1..=3, 7..=7, 9..=10]);
    }
}
