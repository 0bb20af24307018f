//! Member names as findings show them. A name is only ever a label (nothing
//! is extracted), but a label must not lie: `../../etc/passwd`, `/etc/passwd`
//! and `..\..\x` are shown inside the archive, as an extractor that guards
//! against zip slip would place them, and the original is noted.

/// A member's name, ready to follow `archive!/`.
#[derive(Debug, PartialEq, Eq)]
pub struct Name {
    pub shown: String,
    /// The raw name is absolute or climbs out of the archive's directory.
    pub escapes: bool,
}

/// `raw` as a relative, `/`-separated path: backslashes are separators (as
/// Windows extractors take them), `.` and empty parts dropped, `..`
/// resolved and clamped at the root, control characters replaced.
pub fn clean(raw: &[u8]) -> Name {
    let text = printable(&String::from_utf8_lossy(raw));
    let unified = text.replace('\\', "/");
    let mut escapes = unified.starts_with('/') || has_drive(&unified);
    let mut parts: Vec<&str> = Vec::new();
    for (i, part) in unified.split('/').enumerate() {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    escapes = true;
                }
            }
            // `C:` leading an absolute Windows path.
            p if i == 0 && has_drive(p) => {}
            p => parts.push(p),
        }
    }
    let shown = if parts.is_empty() {
        "(unnamed)".to_string()
    } else {
        parts.join("/")
    };
    Name { shown, escapes }
}

/// The name with control characters (a newline would forge a line of the
/// report) shown as U+FFFD.
pub fn printable(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

fn has_drive(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':'
}

/// The name of the one file a compressed stream holds: the stream's own
/// name less its compression suffix (`notes.txt.gz` holds `notes.txt`,
/// `app.tgz` holds `app.tar`).
pub fn uncompressed(display: &str, kind: super::Kind) -> String {
    let base = display.rsplit(['/', '!']).next().unwrap_or(display);
    let lower = base.to_ascii_lowercase();
    let (to_tar, plain): (&[&str], &[&str]) = match kind {
        super::Kind::Gzip => (&[".tgz"], &[".gz", ".gzip", ".z"]),
        super::Kind::Bzip2 => (&[".tbz2", ".tbz"], &[".bz2", ".bzip2"]),
        super::Kind::Xz => (&[".txz"], &[".xz"]),
        super::Kind::Zstd => (&[".tzst"], &[".zst", ".zstd"]),
        _ => (&[], &[]),
    };
    // Suffixes are ASCII, so the cut is on a char boundary.
    for s in to_tar {
        if lower.ends_with(s) && base.len() > s.len() {
            return format!("{}.tar", &base[..base.len() - s.len()]);
        }
    }
    for s in plain {
        if lower.ends_with(s) && base.len() > s.len() {
            return base[..base.len() - s.len()].to_string();
        }
    }
    base.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::archive::Kind;

    #[test]
    fn slip_names_stay_inside() {
        let n = clean(b"../../etc/passwd");
        assert_eq!(n.shown, "etc/passwd");
        assert!(n.escapes);
        let n = clean(b"/etc/shadow");
        assert_eq!(n.shown, "etc/shadow");
        assert!(n.escapes);
        let n = clean(b"..\\..\\win.ini");
        assert_eq!(n.shown, "win.ini");
        assert!(n.escapes);
        let n = clean(b"C:\\Windows\\x.ini");
        assert_eq!(n.shown, "Windows/x.ini");
        assert!(n.escapes);
    }

    #[test]
    fn ordinary_names_are_kept() {
        let n = clean(b"BOOT-INF/classes/application.properties");
        assert_eq!(n.shown, "BOOT-INF/classes/application.properties");
        assert!(!n.escapes);
        let n = clean(b"./a/../b/.env");
        assert_eq!(n.shown, "b/.env");
        assert!(!n.escapes, "`a/..` stays inside");
        assert_eq!(clean(b"a\nb").shown, "a\u{fffd}b");
        assert_eq!(clean(b"").shown, "(unnamed)");
        assert_eq!(clean(b"caf\xc3\xa9/\xff").shown, "café/\u{fffd}");
    }

    #[test]
    fn compressed_names() {
        assert_eq!(uncompressed("logs/notes.txt.gz", Kind::Gzip), "notes.txt");
        assert_eq!(uncompressed("a.zip!/app.TGZ", Kind::Gzip), "app.tar");
        assert_eq!(uncompressed("x.tar.zst", Kind::Zstd), "x.tar");
        assert_eq!(uncompressed("data", Kind::Xz), "data");
        assert_eq!(uncompressed(".gz", Kind::Gzip), ".gz");
        assert_eq!(uncompressed("é.bz2", Kind::Bzip2), "é");
    }
}
