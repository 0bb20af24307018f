//! Text encodings other than UTF-8 that secrets hide in. UTF-16 (Windows
//! config exports, PowerShell output, .reg files) is transcoded to UTF-8 on
//! the fly so the same rules apply; its NUL bytes would otherwise make the
//! file look binary.

use std::io::{self, Read};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8OrBytes,
    Utf16Le,
    Utf16Be,
}

/// Guess the encoding from a file's first bytes: a byte-order mark, or
/// (without one) text whose every other byte is NUL.
pub fn sniff(head: &[u8]) -> Encoding {
    if head.starts_with(&[0xFF, 0xFE]) {
        return Encoding::Utf16Le;
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return Encoding::Utf16Be;
    }
    let n = head.len() & !1;
    if n < 16 {
        return Encoding::Utf8OrBytes;
    }
    let pairs = n / 2;
    let odd_nul = (0..pairs).filter(|i| head[2 * i + 1] == 0).count();
    let even_nul = (0..pairs).filter(|i| head[2 * i] == 0).count();
    // ASCII text in UTF-16: the high byte is NUL almost everywhere.
    if odd_nul * 10 >= pairs * 9 && even_nul * 20 <= pairs {
        Encoding::Utf16Le
    } else if even_nul * 10 >= pairs * 9 && odd_nul * 20 <= pairs {
        Encoding::Utf16Be
    } else {
        Encoding::Utf8OrBytes
    }
}

/// The first bytes of a stream, kept to sniff its encoding and then read
/// again ahead of the rest.
pub struct Head {
    buf: [u8; 512],
    len: usize,
}

impl AsRef<[u8]> for Head {
    fn as_ref(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

type Rest<R> = io::Chain<io::Cursor<Head>, R>;

/// A stream as the secret engine should see it: UTF-16 transcoded to UTF-8,
/// anything else byte for byte. Every source (tree walk, image layers) opens
/// its files through [`TextReader::new`], so encodings are handled alike.
pub enum TextReader<R> {
    Bytes(Rest<R>),
    Utf16(Utf16ToUtf8<Rest<R>>),
}

impl<R: Read> TextReader<R> {
    /// Read the head of `inner` (no allocation), sniff it, and wrap.
    pub fn new(mut inner: R) -> io::Result<Self> {
        let mut head = Head {
            buf: [0u8; 512],
            len: 0,
        };
        while head.len < head.buf.len() {
            match inner.read(&mut head.buf[head.len..]) {
                Ok(0) => break,
                Ok(k) => head.len += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        let enc = sniff(head.as_ref());
        let rest = io::Cursor::new(head).chain(inner);
        Ok(match enc {
            Encoding::Utf8OrBytes => TextReader::Bytes(rest),
            Encoding::Utf16Le => TextReader::Utf16(Utf16ToUtf8::new(rest, false)),
            Encoding::Utf16Be => TextReader::Utf16(Utf16ToUtf8::new(rest, true)),
        })
    }
}

impl<R: Read> Read for TextReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            TextReader::Bytes(r) => r.read(buf),
            TextReader::Utf16(r) => r.read(buf),
        }
    }
}

/// A `Read` that turns UTF-16 from `inner` into UTF-8. Unpaired surrogates
/// become U+FFFD; a BOM is dropped.
pub struct Utf16ToUtf8<R> {
    inner: R,
    big_endian: bool,
    raw: Vec<u8>,
    out: Vec<u8>,
    pos: usize,
    started: bool,
    eof: bool,
}

impl<R: Read> Utf16ToUtf8<R> {
    pub fn new(inner: R, big_endian: bool) -> Self {
        Utf16ToUtf8 {
            inner,
            big_endian,
            raw: Vec::with_capacity(64 * 1024),
            out: Vec::with_capacity(64 * 1024),
            pos: 0,
            started: false,
            eof: false,
        }
    }

    fn refill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.pos = 0;
        while self.out.is_empty() && !self.eof {
            let mut chunk = [0u8; 32 * 1024];
            let n = self.inner.read(&mut chunk)?;
            if n == 0 {
                self.eof = true;
            }
            self.raw.extend_from_slice(&chunk[..n]);
            // Decode whole units, keeping a trailing odd byte or a lone high
            // surrogate for the next read.
            let mut units: Vec<u16> = self
                .raw
                .chunks_exact(2)
                .map(|c| {
                    if self.big_endian {
                        u16::from_be_bytes([c[0], c[1]])
                    } else {
                        u16::from_le_bytes([c[0], c[1]])
                    }
                })
                .collect();
            let mut keep = self.raw.len() % 2;
            if !self.eof && units.last().is_some_and(|u| (0xD800..0xDC00).contains(u)) {
                units.pop();
                keep += 2;
            }
            if !self.started && !units.is_empty() {
                self.started = true;
                if units[0] == 0xFEFF {
                    units.remove(0);
                }
            }
            for ch in char::decode_utf16(units.iter().copied()) {
                let c = ch.unwrap_or(char::REPLACEMENT_CHARACTER);
                let mut b = [0u8; 4];
                self.out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            }
            let cut = self.raw.len() - keep;
            self.raw.drain(..cut);
            if self.eof && !self.raw.is_empty() {
                self.raw.clear();
                self.out.extend_from_slice("\u{FFFD}".as_bytes());
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for Utf16ToUtf8<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.out.len() {
            self.refill()?;
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(s: &str, bom: bool) -> Vec<u8> {
        let mut v = if bom { vec![0xFF, 0xFE] } else { vec![] };
        for u in s.encode_utf16() {
            v.extend_from_slice(&u.to_le_bytes());
        }
        v
    }

    #[test]
    fn sniffs_and_decodes_utf16le() {
        let text = "password = \"hunter2\" and some more text\n€ 😀\n";
        for bom in [true, false] {
            let bytes = utf16le(text, bom);
            assert_eq!(sniff(&bytes), Encoding::Utf16Le);
            let mut out = String::new();
            Utf16ToUtf8::new(&bytes[..], false)
                .read_to_string(&mut out)
                .unwrap();
            assert_eq!(out, text);
        }
        assert_eq!(
            sniff(b"plain ascii text, nothing special here"),
            Encoding::Utf8OrBytes
        );
    }

    #[test]
    fn decodes_across_tiny_reads() {
        struct OneByte<'a>(&'a [u8]);
        impl Read for OneByte<'_> {
            fn read(&mut self, b: &mut [u8]) -> io::Result<usize> {
                if self.0.is_empty() || b.is_empty() {
                    return Ok(0);
                }
                b[0] = self.0[0];
                self.0 = &self.0[1..];
                Ok(1)
            }
        }
        let text = "a😀b€c";
        let bytes = utf16le(text, true);
        let mut out = String::new();
        Utf16ToUtf8::new(OneByte(&bytes), false)
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, text);
    }
}
