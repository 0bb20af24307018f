//! A tolerant JSON walker that yields every string value with its path and
//! its byte span in the file: the structure-aware detectors (notebooks,
//! Terraform state, docker config) need to know *where* a value is, which
//! a DOM parser does not say. It does not validate; broken JSON yields the
//! strings read before the break and an error.

/// One step of a value's path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seg {
    /// An object key, raw (escapes left as written: keys that matter are ASCII).
    Key(String),
    Index(usize),
}

impl Seg {
    pub fn key(&self) -> Option<&str> {
        match self {
            Seg::Key(k) => Some(k),
            Seg::Index(_) => None,
        }
    }
}

/// A string value: its path and the span of its raw text (inside the quotes).
#[derive(Clone, Debug)]
pub struct JsonStr {
    pub path: Vec<Seg>,
    pub start: usize,
    pub end: usize,
}

/// Nesting deeper than this is refused (no real notebook or state nests so).
const MAX_NESTING: usize = 256;

#[derive(Debug, PartialEq, Eq)]
pub enum JsonError {
    TooDeep,
    Unterminated,
}

enum Frame {
    Obj { has_key: bool },
    Arr,
}

/// Every string value of `text`, in order, with at most `limit` of them.
pub fn strings(text: &[u8], limit: usize) -> (Vec<JsonStr>, Result<(), JsonError>) {
    let mut out = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut path: Vec<Seg> = Vec::new();
    let mut expect_key = false;
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'{' => {
                if stack.len() >= MAX_NESTING {
                    return (out, Err(JsonError::TooDeep));
                }
                stack.push(Frame::Obj { has_key: false });
                expect_key = true;
            }
            b'[' => {
                if stack.len() >= MAX_NESTING {
                    return (out, Err(JsonError::TooDeep));
                }
                stack.push(Frame::Arr);
                path.push(Seg::Index(0));
                expect_key = false;
            }
            b'}' | b']' => {
                match stack.pop() {
                    Some(Frame::Obj { has_key: true }) | Some(Frame::Arr) => {
                        path.pop();
                    }
                    _ => {}
                }
                expect_key = false;
            }
            b',' => match stack.last_mut() {
                Some(Frame::Obj { has_key }) => {
                    if *has_key {
                        path.pop();
                        *has_key = false;
                    }
                    expect_key = true;
                }
                Some(Frame::Arr) => {
                    if let Some(Seg::Index(n)) = path.last_mut() {
                        *n += 1;
                    }
                }
                None => {}
            },
            b'"' => {
                let start = i + 1;
                let Some(end) = string_end(text, start) else {
                    return (out, Err(JsonError::Unterminated));
                };
                i = end;
                let in_obj = matches!(stack.last(), Some(Frame::Obj { .. }));
                if in_obj && expect_key {
                    if let Some(Frame::Obj { has_key }) = stack.last_mut() {
                        *has_key = true;
                    }
                    let key = String::from_utf8_lossy(&text[start..end]).into_owned();
                    path.push(Seg::Key(key));
                    expect_key = false;
                } else {
                    if out.len() >= limit {
                        return (out, Ok(()));
                    }
                    out.push(JsonStr {
                        path: path.clone(),
                        start,
                        end,
                    });
                }
            }
            _ => {}
        }
        i += 1;
    }
    (out, Ok(()))
}

/// Index of the closing quote of a string whose text starts at `start`.
fn string_end(text: &[u8], start: usize) -> Option<usize> {
    let mut i = start;
    while i < text.len() {
        match text[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// A JSON string's raw text unescaped, and for every byte of the result the
/// offset of the raw byte it came from (plus one entry for the end), so a
/// match in the decoded text maps back to the file.
pub fn unescape(raw: &[u8], base: usize) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(raw.len());
    let mut map = Vec::with_capacity(raw.len() + 1);
    let mut i = 0;
    while i < raw.len() {
        let at = base + i;
        let c = raw[i];
        if c != b'\\' || i + 1 >= raw.len() {
            // Copy one whole UTF-8 character (raw is from a &[u8]; invalid
            // bytes become U+FFFD).
            let len = utf8_len(c).min(raw.len() - i);
            let s = String::from_utf8_lossy(&raw[i..i + len]);
            for _ in 0..s.len() {
                map.push(at);
            }
            out.push_str(&s);
            i += len;
            continue;
        }
        let (ch, used) = match raw[i + 1] {
            b'n' => ('\n', 2),
            b't' => ('\t', 2),
            b'r' => ('\r', 2),
            b'b' => ('\u{8}', 2),
            b'f' => ('\u{c}', 2),
            b'u' => unicode_escape(raw, i),
            other => (other as char, 2),
        };
        let mut tmp = [0u8; 4];
        for _ in 0..ch.encode_utf8(&mut tmp).len() {
            map.push(at);
        }
        out.push(ch);
        i += used;
    }
    map.push(base + raw.len());
    (out, map)
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xF7 => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// `\uXXXX` (with a surrogate pair when there is one) at `raw[i]`.
fn unicode_escape(raw: &[u8], i: usize) -> (char, usize) {
    let hex = |at: usize| -> Option<u32> {
        let h = raw.get(at..at + 4)?;
        u32::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()
    };
    let Some(hi) = hex(i + 2) else {
        return ('\u{fffd}', 2);
    };
    if (0xD800..0xDC00).contains(&hi) && raw.get(i + 6..i + 8) == Some(b"\\u") {
        if let Some(lo) = hex(i + 8).filter(|lo| (0xDC00..0xE000).contains(lo)) {
            let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
            return (char::from_u32(c).unwrap_or('\u{fffd}'), 12);
        }
    }
    (char::from_u32(hi).unwrap_or('\u{fffd}'), 6)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(p: &[Seg]) -> String {
        p.iter()
            .map(|s| match s {
                Seg::Key(k) => k.clone(),
                Seg::Index(n) => n.to_string(),
            })
            .collect::<Vec<_>>()
            .join(".")
    }

    #[test]
    fn paths_and_spans() {
        let t = br#"{"a": {"b": ["x", "y\"z"], "c": 1, "d": "w"}, "e": []}"#;
        let (s, r) = strings(t, 100);
        assert_eq!(r, Ok(()));
        let got: Vec<_> = s
            .iter()
            .map(|j| (keys(&j.path), &t[j.start..j.end]))
            .collect();
        assert_eq!(
            got,
            vec![
                ("a.b.0".to_string(), &b"x"[..]),
                ("a.b.1".to_string(), &br#"y\"z"#[..]),
                ("a.d".to_string(), &b"w"[..]),
            ]
        );
    }

    #[test]
    fn broken_and_deep_input() {
        let (s, r) = strings(br#"{"a": "ok", "b": "never closed"#, 100);
        assert_eq!((s.len(), r), (1, Err(JsonError::Unterminated)));
        let deep = "[".repeat(10_000);
        assert_eq!(strings(deep.as_bytes(), 10).1, Err(JsonError::TooDeep));
    }

    #[test]
    fn unescape_maps_back() {
        let raw = br#"a\"b\u00e9\n"#;
        let (s, map) = unescape(raw, 10);
        assert_eq!(s, "a\"b\u{e9}\n");
        assert_eq!(map.len(), s.len() + 1);
        assert_eq!(map[1], 11); // the quote came from the backslash at 1
        assert_eq!(map[3], 14); // é from \u00e9 at 4
        assert_eq!(*map.last().unwrap(), 10 + raw.len());
    }
}
