//! Which checks of other tools each rule corresponds to: one table, shown as
//! `equivalents` by `stowaway rules` and used by the inline-ignore mapping
//! (`# hadolint ignore=`, `# trivy:ignore:`, BuildKit's `# check=skip=`).
//!
//! Entries are `tool:ID`: hadolint's DL codes, trivy's DS numbers
//! (`trivy:DS002` also matches `AVD-DS-0002`), BuildKit's build-check names.

/// Our rule id → its equivalents.
pub(crate) const TABLE: &[(&str, &[&str])] = &[
    (
        "dockerfile-relative-workdir",
        &[
            "hadolint:DL3000",
            "trivy:DS009",
            "buildkit:WorkdirRelativePath",
        ],
    ),
    (
        "dockerfile-runs-as-root",
        &["hadolint:DL3002", "trivy:DS002"],
    ),
    // hadolint's DL3002 judges only an explicit root USER; trivy's DS002 also
    // a missing one.
    ("dockerfile-missing-user", &["trivy:DS002"]),
    ("dockerfile-stage-ends-as-root", &["hadolint:DL3002"]),
    ("dockerfile-sudo", &["hadolint:DL3004", "trivy:DS010"]),
    (
        "dockerfile-unpinned-base-image",
        &["hadolint:DL3006", "hadolint:DL3007", "trivy:DS001"],
    ),
    (
        "dockerfile-add-instead-of-copy",
        &["hadolint:DL3020", "trivy:DS005"],
    ),
    (
        "dockerfile-copy-from-unknown-stage",
        &["hadolint:DL3022", "hadolint:DL3023", "trivy:DS006"],
    ),
    (
        "dockerfile-duplicate-stage-name",
        &[
            "hadolint:DL3024",
            "trivy:DS012",
            "buildkit:DuplicateStageName",
        ],
    ),
    (
        "dockerfile-multiple-cmd",
        &[
            "hadolint:DL4003",
            "trivy:DS016",
            "buildkit:MultipleInstructionsDisallowed",
        ],
    ),
    (
        "dockerfile-multiple-entrypoint",
        &[
            "hadolint:DL4004",
            "trivy:DS007",
            "buildkit:MultipleInstructionsDisallowed",
        ],
    ),
    ("dockerfile-pipe-without-pipefail", &["hadolint:DL4006"]),
    ("dockerfile-ssh-exposed", &["trivy:DS004"]),
    (
        "dockerfile-secret-in-env-arg",
        &["trivy:DS031", "buildkit:SecretsUsedInArgOrEnv"],
    ),
    (
        "dockerfile-secret-build-arg",
        &["trivy:DS031", "buildkit:SecretsUsedInArgOrEnv"],
    ),
    ("dockerfile-credential-file-copied", &["trivy:DS031"]),
    (
        "dockerfile-copy-ignored-file",
        &["buildkit:CopyIgnoredFile"],
    ),
    (
        "dockerfile-empty-continuation-line",
        &["buildkit:NoEmptyContinuation"],
    ),
    (
        "dockerfile-stage-name-casing",
        &["buildkit:StageNameCasing"],
    ),
    ("dockerfile-from-as-casing", &["buildkit:FromAsCasing"]),
    (
        "dockerfile-inconsistent-instruction-casing",
        &["buildkit:ConsistentInstructionCasing"],
    ),
    (
        "dockerfile-reserved-stage-name",
        &["buildkit:ReservedStageName"],
    ),
    (
        "dockerfile-json-args-recommended",
        &["buildkit:JSONArgsRecommended", "hadolint:DL3025"],
    ),
    (
        "dockerfile-maintainer-deprecated",
        &[
            "buildkit:MaintainerDeprecated",
            "hadolint:DL4000",
            "trivy:DS022",
        ],
    ),
    (
        "dockerfile-multiple-healthcheck",
        &["buildkit:MultipleInstructionsDisallowed", "trivy:DS023"],
    ),
    (
        "dockerfile-legacy-key-value",
        &["buildkit:LegacyKeyValueFormat"],
    ),
    (
        "dockerfile-redundant-target-platform",
        &["buildkit:RedundantTargetPlatform"],
    ),
    (
        "dockerfile-constant-platform",
        &[
            "buildkit:FromPlatformFlagConstDisallowed",
            "hadolint:DL3029",
        ],
    ),
    (
        "dockerfile-expose-proto-casing",
        &["buildkit:ExposeProtoCasing"],
    ),
    (
        "dockerfile-expose-invalid-format",
        &["buildkit:ExposeInvalidFormat"],
    ),
    (
        "dockerfile-undefined-arg-in-from",
        &["buildkit:UndefinedArgInFrom"],
    ),
    (
        "dockerfile-invalid-default-arg-in-from",
        &["buildkit:InvalidDefaultArgInFrom"],
    ),
    ("dockerfile-undefined-var", &["buildkit:UndefinedVar"]),
    (
        "dockerfile-secret-named-arg-env",
        &["buildkit:SecretsUsedInArgOrEnv", "trivy:DS031"],
    ),
    (
        "dockerfile-invalid-definition-description",
        &["buildkit:InvalidDefinitionDescription"],
    ),
    (
        "dockerfile-apt-get-missing-yes",
        &["hadolint:DL3014", "trivy:DS021"],
    ),
    (
        "dockerfile-apt-install-recommends",
        &["hadolint:DL3015", "trivy:DS029"],
    ),
    (
        "dockerfile-apk-add-cache",
        &["hadolint:DL3019", "trivy:DS025"],
    ),
    (
        "dockerfile-wget-and-curl",
        &["hadolint:DL4001", "trivy:DS014"],
    ),
    ("dockerfile-run-cd", &["hadolint:DL3003", "trivy:DS013"]),
    ("dockerfile-workdir-system-dir", &["trivy:DS030"]),
    (
        "dockerfile-expose-port-out-of-range",
        &["hadolint:DL3011", "trivy:DS008"],
    ),
    (
        "dockerfile-copy-multiple-sources-to-file",
        &["hadolint:DL3021", "trivy:DS011"],
    ),
    (
        "dockerfile-parse-error",
        &["hadolint:DL1000", "hadolint:DL3043", "hadolint:DL3061"],
    ),
];

/// The equivalents of one rule.
pub(crate) fn of(rule: &str) -> &'static [&'static str] {
    TABLE
        .iter()
        .find(|(r, _)| *r == rule)
        .map(|(_, e)| *e)
        .unwrap_or(&[])
}

/// A trivy id (`DS002`, `DS-002`, `AVD-DS-0002`) as its number.
pub(crate) fn trivy_number(id: &str) -> Option<u32> {
    let up = id.trim().to_ascii_uppercase();
    let digits = up
        .strip_prefix("AVD-DS-")
        .or_else(|| up.strip_prefix("DS-"))
        .or_else(|| up.strip_prefix("DS"))?;
    digits.trim().parse().ok()
}

/// Our rules equivalent to `tool`'s check `id` (case-insensitive; trivy ids
/// in any of their spellings).
pub(crate) fn rules_for(tool: &str, id: &str) -> Vec<&'static str> {
    let want_trivy = if tool == "trivy" {
        trivy_number(id)
    } else {
        None
    };
    TABLE
        .iter()
        .filter(|(_, eqs)| {
            eqs.iter().any(|e| {
                let Some((t, cid)) = e.split_once(':') else {
                    return false;
                };
                t == tool
                    && match want_trivy {
                        Some(n) => trivy_number(cid) == Some(n),
                        None => cid.eq_ignore_ascii_case(id.trim()),
                    }
            })
        })
        .map(|(r, _)| *r)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups() {
        assert_eq!(
            rules_for("hadolint", "dl3002"),
            ["dockerfile-runs-as-root", "dockerfile-stage-ends-as-root"]
        );
        assert_eq!(
            rules_for("trivy", "AVD-DS-0002"),
            ["dockerfile-runs-as-root", "dockerfile-missing-user"]
        );
        assert_eq!(
            rules_for("trivy", "DS002"),
            ["dockerfile-runs-as-root", "dockerfile-missing-user"]
        );
        assert!(rules_for("buildkit", "SecretsUsedInArgOrEnv").len() >= 2);
        assert!(rules_for("hadolint", "DL9999").is_empty());
    }

    #[test]
    fn every_entry_names_a_rule() {
        for (r, _) in TABLE {
            assert!(super::super::all().iter().any(|x| x.meta.id == *r), "{r}");
        }
    }
}
