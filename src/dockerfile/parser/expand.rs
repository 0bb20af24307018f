//! Variable expansion as BuildKit's shell lexer does it for FROM and ARG.

/// Expand `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
/// `${VAR:+alt}`, `${VAR+alt}` with `lookup`; unknown variables expand to "".
pub fn expand(s: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b.get(i).copied().unwrap_or(0);
        if c == b'$' {
            if b.get(i + 1) == Some(&b'{') {
                if let Some(close) = s.get(i + 2..).and_then(|t| t.find('}')) {
                    let inner = s.get(i + 2..i + 2 + close).unwrap_or("");
                    out.push_str(&expand_braced(inner, lookup));
                    i += close + 3;
                    continue;
                }
            } else {
                let n = s
                    .get(i + 1..)
                    .unwrap_or("")
                    .bytes()
                    .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                    .count();
                if n > 0 {
                    let name = s.get(i + 1..i + 1 + n).unwrap_or("");
                    out.push_str(&lookup(name).unwrap_or_default());
                    i += n + 1;
                    continue;
                }
            }
        }
        let ch_len = s
            .get(i..)
            .and_then(|t| t.chars().next())
            .map_or(1, char::len_utf8);
        out.push_str(s.get(i..i + ch_len).unwrap_or(""));
        i += ch_len;
    }
    out
}

fn expand_braced(inner: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let n = inner
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count();
    let name = inner.get(..n).unwrap_or("");
    let op = inner.get(n..).unwrap_or("");
    let val = lookup(name);
    let set = val.as_deref().is_some_and(|v| !v.is_empty());
    if let Some(d) = op.strip_prefix(":-") {
        return if set {
            val.unwrap_or_default()
        } else {
            expand(d, lookup)
        };
    }
    if let Some(d) = op.strip_prefix('-') {
        return val.unwrap_or_else(|| expand(d, lookup));
    }
    if let Some(d) = op.strip_prefix(":+") {
        return if set {
            expand(d, lookup)
        } else {
            String::new()
        };
    }
    if let Some(d) = op.strip_prefix('+') {
        return if val.is_some() {
            expand(d, lookup)
        } else {
            String::new()
        };
    }
    val.unwrap_or_default()
}
