//! Where bytes come from: a directory tree ([`walk`]), the git index or a
//! commit range ([`git`]), and container image archives ([`image`]). Sources
//! only enumerate: each turns what it reads into [`crate::scan::Item`]s and
//! hands them to the one scan pipeline ([`crate::scan`]), which decides what
//! to scan, lint and report. No source calls the secret engine or the
//! Dockerfile linter itself.

pub mod decode;
pub mod git;
pub mod image;
pub mod shard;
pub mod walk;
