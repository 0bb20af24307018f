//! What kind of archive a stream is, told by its first bytes (never by its
//! name alone: a jar renamed `.bin` is still opened, a `.zip` that is text
//! is scanned as text).

// Pre-POSIX tars have no `ustar` magic and text has no valid header
// checksum, so the checksum alone decides; the image reader checks it the same way.
use crate::source::image::tar_checksum_ok;

/// Bytes of a stream's head needed to tell every kind apart (a tar header
/// is one 512-byte block).
pub const HEAD: usize = 512;

/// An archive or compressed stream the scan opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The zip family: zip, jar, war, ear, apk, aar, whl, nupkg, docx…
    Zip,
    Tar,
    Gzip,
    Bzip2,
    Xz,
    Zstd,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Zip => "zip",
            Kind::Tar => "tar",
            Kind::Gzip => "gzip",
            Kind::Bzip2 => "bzip2",
            Kind::Xz => "xz",
            Kind::Zstd => "zstd",
        }
    }

    /// A compressed stream of one file (which may be a tar).
    pub fn is_compression(self) -> bool {
        !matches!(self, Kind::Zip | Kind::Tar)
    }
}

/// The kind `head` (a stream's first bytes, up to [`HEAD`]) starts, if any.
pub fn sniff(head: &[u8]) -> Option<Kind> {
    // A local file header, or the end record alone (an empty zip).
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Some(Kind::Zip);
    }
    // Magic and the deflate method byte (the only one gzip defines).
    if head.starts_with(&[0x1f, 0x8b, 0x08]) {
        return Some(Kind::Gzip);
    }
    if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
        return Some(Kind::Xz);
    }
    if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return Some(Kind::Zstd);
    }
    if is_bzip2(head) {
        return Some(Kind::Bzip2);
    }
    if head.len() >= HEAD && tar_checksum_ok(&head[..HEAD]) {
        return Some(Kind::Tar);
    }
    None
}

/// `BZh1`..`BZh9`, then a block's magic (the digits of pi) or the end of
/// stream's (an empty file): `BZh` alone starts too much text.
fn is_bzip2(head: &[u8]) -> bool {
    const BLOCK: [u8; 6] = [0x31, 0x41, 0x59, 0x26, 0x53, 0x59];
    const END: [u8; 6] = [0x17, 0x72, 0x45, 0x38, 0x50, 0x90];
    match (head.get(..3), head.get(3), head.get(4..10)) {
        (Some(b"BZh"), Some(b'1'..=b'9'), Some(m)) => m == BLOCK || m == END,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_block(name: &str) -> Vec<u8> {
        let mut b = vec![0u8; 512];
        b[..name.len()].copy_from_slice(name.as_bytes());
        b[100..107].copy_from_slice(b"0000644");
        b[124..135].copy_from_slice(b"00000000000");
        b[156] = b'0';
        let sum: u32 = b
            .iter()
            .enumerate()
            .map(|(i, &x)| {
                if (148..156).contains(&i) {
                    32
                } else {
                    u32::from(x)
                }
            })
            .sum();
        let field = format!("{sum:06o}\0 ");
        b[148..156].copy_from_slice(field.as_bytes());
        b
    }

    #[test]
    fn kinds_by_magic() {
        assert_eq!(sniff(b"PK\x03\x04rest"), Some(Kind::Zip));
        assert_eq!(sniff(b"PK\x05\x06\0\0"), Some(Kind::Zip));
        assert_eq!(sniff(&[0x1f, 0x8b, 0x08, 0]), Some(Kind::Gzip));
        assert_eq!(sniff(&[0xfd, b'7', b'z', b'X', b'Z', 0]), Some(Kind::Xz));
        assert_eq!(sniff(&[0x28, 0xb5, 0x2f, 0xfd, 1]), Some(Kind::Zstd));
        assert_eq!(
            sniff(b"BZh91AY&SY\x01\x02"),
            Some(Kind::Bzip2),
            "a bzip2 block"
        );
        assert_eq!(sniff(&tar_block("etc/passwd")), Some(Kind::Tar));
    }

    #[test]
    fn text_is_not_an_archive() {
        assert_eq!(sniff(b"PK is a name"), None);
        assert_eq!(sniff(b"BZh9 is not enough"), None);
        assert_eq!(sniff(&[b'a'; 512]), None);
        assert_eq!(sniff(&[0u8; 512]), None, "zeros are not a tar header");
        let mut broken = tar_block("x");
        broken[0] = b'y';
        assert_eq!(sniff(&broken), None, "a wrong checksum");
        assert_eq!(sniff(&tar_block("x")[..300]), None, "a short head");
    }
}
