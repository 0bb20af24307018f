//! The `image-` rules. Each is a unit, as the Dockerfile rules are: its
//! documentation ([`Doc`], shown by `stowaway explain`) next to its check.
//! [`entries`] judges layer entries (setuid, world-writable, credential
//! files, `.git`), [`config`] the image config (user, ports, credentials in
//! the environment and the build arguments, secrets in any field).

pub(crate) mod config;
pub(crate) mod entries;

use crate::report::{Category, Doc, Finding, RuleMeta, Severity, Span};
use std::sync::OnceLock;

/// One image rule: what `rules` and `explain` show, built once.
pub(crate) struct Unit {
    pub id: &'static str,
    name: &'static str,
    severity: Severity,
    short: &'static str,
    doc: Doc<'static>,
    tags: &'static [&'static str],
    meta: OnceLock<RuleMeta>,
}

impl Unit {
    pub(crate) const fn new(
        id: &'static str,
        name: &'static str,
        severity: Severity,
        short: &'static str,
        doc: Doc<'static>,
        tags: &'static [&'static str],
    ) -> Unit {
        Unit {
            id,
            name,
            severity,
            short,
            doc,
            tags,
            meta: OnceLock::new(),
        }
    }

    pub(crate) fn meta(&self) -> &RuleMeta {
        self.meta.get_or_init(|| {
            let mut tags = vec!["security".to_string(), "image".to_string()];
            tags.extend(self.tags.iter().map(|t| t.to_string()));
            RuleMeta {
                id: self.id.to_string(),
                name: self.name.to_string(),
                category: Category::Image,
                severity: self.severity,
                short: self.short.to_string(),
                help: self.doc.help(),
                tags,
                equivalents: Vec::new(),
            }
        })
    }

    /// A finding of this rule at line 1 of `path`; `key` makes the fingerprint.
    pub(crate) fn finding(&self, message: String, path: &str, key: &str) -> Finding {
        Finding::new(
            self.meta(),
            message,
            path.to_string(),
            Span::line(1),
            None,
            None,
            key,
        )
    }
}

/// Every image rule, in the order `rules` lists them.
pub(crate) fn all() -> [&'static Unit; 8] {
    [
        &config::RUNS_AS_ROOT,
        &entries::SETUID,
        &entries::WORLD_WRITABLE,
        &entries::CREDENTIAL_FILE,
        &entries::GIT_DIR,
        &config::EXPOSE_SSH,
        &config::ENV_SECRET,
        &config::BUILD_ARG_SECRET,
    ]
}
