//! bzip2 and xz streams for the archive tests (gzip and zstd are in
//! [`super::archive`], which the fuzz crate shares).

use std::io::Write;

pub fn bzip2(data: &[u8]) -> Vec<u8> {
    let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    e.write_all(data).expect("bzip2 into memory");
    e.finish().expect("bzip2 into memory")
}

pub fn xz(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = lzma_rust2::XzWriter::new(&mut out, lzma_rust2::XzOptions::with_preset(6))
        .expect("xz into memory");
    w.write_all(data).expect("xz into memory");
    w.finish().expect("xz into memory");
    out
}
