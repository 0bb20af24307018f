//! Builders for container image archives, shared by the integration tests
//! (`image_hostile`, `bad_input`, `redaction`) and the `image_archive` fuzz
//! target, which includes this file with `#[path]`: layer tars written entry
//! by entry (names go in verbatim, so `../x`, `/abs` and non-UTF-8 bytes
//! reach the reader as given, which the `tar` crate's builder would refuse),
//! gzip and zstd, outer tars, `docker save` archives, and zips written field
//! by field.
//!
//! It depends only on `tar`, `flate2`, `zstd` and `crc32fast` (no
//! `stowaway` types), so the fuzz crate can build it too.

use std::io::Write;

/// A GNU tar header with `name` and `link` copied verbatim (at most the
/// 100 bytes of each field) and a valid checksum.
pub fn header(kind: tar::EntryType, name: &[u8], link: &[u8], size: u64, mode: u32) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(mode);
    h.set_mtime(0);
    if let Some(gnu) = h.as_gnu_mut() {
        let n = name.len().min(gnu.name.len());
        gnu.name[..n].copy_from_slice(&name[..n]);
        let l = link.len().min(gnu.linkname.len());
        gnu.linkname[..l].copy_from_slice(&link[..l]);
    }
    h.set_cksum();
    h
}

/// A layer tar under construction.
#[derive(Default)]
pub struct Layer {
    b: Vec<u8>,
}

impl Layer {
    /// A header as given, then `data` padded to the 512-byte block.
    pub fn raw(&mut self, h: &tar::Header, data: &[u8]) -> &mut Self {
        self.b.extend_from_slice(h.as_bytes());
        self.b.extend_from_slice(data);
        self.b.resize(self.b.len().div_ceil(512) * 512, 0);
        self
    }

    /// Any entry: kind, raw name and link target, content, mode.
    pub fn entry(
        &mut self,
        kind: tar::EntryType,
        name: &[u8],
        link: &[u8],
        data: &[u8],
        mode: u32,
    ) -> &mut Self {
        let h = header(kind, name, link, data.len() as u64, mode);
        self.raw(&h, data)
    }

    pub fn file(&mut self, name: &str, data: &[u8]) -> &mut Self {
        self.file_mode(name, data, 0o644)
    }

    pub fn file_mode(&mut self, name: &str, data: &[u8], mode: u32) -> &mut Self {
        self.entry(tar::EntryType::Regular, name.as_bytes(), b"", data, mode)
    }

    pub fn dir(&mut self, name: &str, mode: u32) -> &mut Self {
        self.entry(tar::EntryType::Directory, name.as_bytes(), b"", b"", mode)
    }

    /// A hard link or symlink `name` pointing at `target`.
    pub fn link(&mut self, kind: tar::EntryType, name: &str, target: &str) -> &mut Self {
        self.entry(kind, name.as_bytes(), target.as_bytes(), b"", 0o777)
    }

    /// A GNU long name (`././@LongLink`) entry, then the file.
    pub fn gnu_long(&mut self, name: &str, data: &[u8]) -> &mut Self {
        let mut n = name.as_bytes().to_vec();
        n.push(0);
        self.entry(
            tar::EntryType::GNULongName,
            b"././@LongLink",
            b"",
            &n,
            0o644,
        );
        self.file("placeholder-short-name", data)
    }

    /// A PAX extended header naming the file, then the file under a short
    /// ustar name that the PAX path overrides.
    pub fn pax_long(&mut self, name: &str, data: &[u8]) -> &mut Self {
        let body = format!(" path={name}\n");
        // The record's length counts its own digits.
        let mut len = body.len() + 1;
        while format!("{len}{body}").len() != len {
            len += 1;
        }
        let pax = format!("{len}{body}");
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(tar::EntryType::XHeader);
        h.set_size(pax.len() as u64);
        h.set_path("PaxHeaders/x").expect("short ustar path");
        h.set_cksum();
        self.raw(&h, pax.as_bytes());
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_path("truncated-ustar-name")
            .expect("short ustar path");
        h.set_cksum();
        self.raw(&h, data)
    }

    /// The tar so far, with its end-of-archive blocks.
    pub fn bytes(&self) -> Vec<u8> {
        let mut v = self.b.clone();
        v.resize(v.len() + 1024, 0);
        v
    }
}

/// A layer tar of regular files.
pub fn layer(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut l = Layer::default();
    for (name, data) in files {
        l.file(name, data);
    }
    l.bytes()
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).expect("gzip into memory");
    e.finish().expect("gzip into memory")
}

pub fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 1).expect("zstd into memory")
}

/// An outer tar of regular files from (name, bytes), in order.
pub fn outer<N: AsRef<str>, D: AsRef<[u8]>>(entries: &[(N, D)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in entries {
        let data = data.as_ref();
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, name.as_ref(), data)
            .expect("append to an in-memory tar");
    }
    b.into_inner().expect("finish an in-memory tar")
}

/// A minimal image config for `layers` layers, running as user `app`.
pub fn image_config(layers: usize) -> Vec<u8> {
    let diff: Vec<String> = (0..layers)
        .map(|i| format!("\"sha256:{i:064x}\""))
        .collect();
    format!(
        "{{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{{\"User\":\"app\"}},\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[{}]}}}}",
        diff.join(",")
    )
    .into_bytes()
}

/// A legacy `docker save` archive of one image tagged `tag`: the layers as
/// `l<i>/layer.tar`, the config as `cfg.json`, and `manifest.json` last (as
/// skopeo and podman write it).
pub fn docker_save<L: AsRef<[u8]>>(tag: &str, layers: &[L], config: &[u8]) -> Vec<u8> {
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    let mut names = Vec::new();
    for (i, l) in layers.iter().enumerate() {
        let n = format!("l{i}/layer.tar");
        entries.push((n.clone(), l.as_ref().to_vec()));
        names.push(format!("\"{n}\""));
    }
    entries.push(("cfg.json".into(), config.to_vec()));
    let manifest = format!(
        "[{{\"Config\":\"cfg.json\",\"RepoTags\":[\"{tag}\"],\"Layers\":[{}]}}]",
        names.join(",")
    );
    entries.push(("manifest.json".into(), manifest.into_bytes()));
    outer(&entries)
}

/// A zip under construction, written field by field (as the tar layers
/// are), so hostile names and claims reach the reader as given: stored and
/// deflated members, raw names (`../x`, `/abs`, backslashes), and an end
/// record that may claim more entries than it holds.
#[derive(Default)]
pub struct Zip {
    body: Vec<u8>,
    central: Vec<u8>,
    count: u16,
    /// A zip64 end record claiming this many entries.
    claim64: Option<u64>,
}

impl Zip {
    /// A member stored as is.
    pub fn stored(&mut self, name: &str, data: &[u8]) -> &mut Self {
        self.member(name.as_bytes(), 0, data, data)
    }

    /// A member compressed with deflate.
    pub fn deflated(&mut self, name: &str, data: &[u8]) -> &mut Self {
        self.deflated_raw(name.as_bytes(), data)
    }

    pub fn deflated_raw(&mut self, name: &[u8], data: &[u8]) -> &mut Self {
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).expect("deflate into memory");
        let packed = e.finish().expect("deflate into memory");
        self.member(name, 8, data, &packed)
    }

    /// An end record (zip64) that claims `n` entries.
    pub fn claim_entries(&mut self, n: u64) -> &mut Self {
        self.claim64 = Some(n);
        self
    }

    fn member(&mut self, name: &[u8], method: u16, data: &[u8], packed: &[u8]) -> &mut Self {
        let crc = crc32fast::hash(data);
        let offset = self.body.len() as u32;
        let le16 = |v: &mut Vec<u8>, x: u16| v.extend_from_slice(&x.to_le_bytes());
        let le32 = |v: &mut Vec<u8>, x: u32| v.extend_from_slice(&x.to_le_bytes());
        let b = &mut self.body;
        le32(b, 0x0403_4b50);
        le16(b, 20); // version needed
        le16(b, 0x0800); // flags: UTF-8 names
        le16(b, method);
        le16(b, 0); // time
        le16(b, 0x21); // date: 1980-01-01
        le32(b, crc);
        le32(b, packed.len() as u32);
        le32(b, data.len() as u32);
        le16(b, name.len() as u16);
        le16(b, 0); // extra
        b.extend_from_slice(name);
        b.extend_from_slice(packed);
        let c = &mut self.central;
        le32(c, 0x0201_4b50);
        le16(c, 0x031e); // made by: unix, 3.0
        le16(c, 20);
        le16(c, 0x0800);
        le16(c, method);
        le16(c, 0);
        le16(c, 0x21);
        le32(c, crc);
        le32(c, packed.len() as u32);
        le32(c, data.len() as u32);
        le16(c, name.len() as u16);
        le16(c, 0); // extra
        le16(c, 0); // comment
        le16(c, 0); // disk
        le16(c, 0); // internal attributes
        le32(c, 0o100644 << 16); // external: a regular file
        le32(c, offset);
        c.extend_from_slice(name);
        self.count += 1;
        self
    }

    /// The zip: members, central directory, end record(s).
    pub fn bytes(&self) -> Vec<u8> {
        let mut v = self.body.clone();
        let cd_at = v.len() as u32;
        v.extend_from_slice(&self.central);
        let cd_len = self.central.len() as u32;
        let mut count = self.count;
        if let Some(n) = self.claim64 {
            let rec_at = v.len() as u64;
            v.extend_from_slice(&0x0606_4b50u32.to_le_bytes());
            v.extend_from_slice(&44u64.to_le_bytes()); // size of the rest
            v.extend_from_slice(&[0x1e, 0x03, 45, 0]); // made by, needed
            v.extend_from_slice(&[0u8; 8]); // disk numbers
            v.extend_from_slice(&n.to_le_bytes()); // entries on this disk
            v.extend_from_slice(&n.to_le_bytes()); // entries
            v.extend_from_slice(&u64::from(cd_len).to_le_bytes());
            v.extend_from_slice(&u64::from(cd_at).to_le_bytes());
            v.extend_from_slice(&0x0706_4b50u32.to_le_bytes());
            v.extend_from_slice(&0u32.to_le_bytes());
            v.extend_from_slice(&rec_at.to_le_bytes());
            v.extend_from_slice(&1u32.to_le_bytes());
            count = 0xffff;
        }
        v.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        v.extend_from_slice(&[0u8; 4]); // disk numbers
        v.extend_from_slice(&count.to_le_bytes());
        v.extend_from_slice(&count.to_le_bytes());
        v.extend_from_slice(&cd_len.to_le_bytes());
        v.extend_from_slice(&cd_at.to_le_bytes());
        v.extend_from_slice(&0u16.to_le_bytes()); // comment
        v
    }
}

/// A zip of deflated members from (name, bytes).
pub fn zip(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut z = Zip::default();
    for (name, data) in files {
        z.deflated(name, data);
    }
    z.bytes()
}
