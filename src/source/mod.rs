//! Where bytes come from: a directory tree, the git index or a commit range,
//! and container image archives. Each source hands its items to the secret
//! engine and the Dockerfile linter and returns findings plus a summary of
//! what it read.

pub mod decode;
pub mod git;
pub mod image;
pub mod walk;
