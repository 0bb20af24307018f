//! Inline suppressions in Dockerfile comments.
//!
//! - `# stowaway:ignore=RULE[,RULE] -- reason` in the comment block directly
//!   above an instruction suppresses those rules on that instruction
//!   (`# stowaway:ignore` alone suppresses every rule there);
//! - `# stowaway:ignore-file=RULE[,RULE]` anywhere suppresses them in the file;
//! - `# hadolint ignore=DL3002,DL3006` above an instruction and
//!   `# hadolint global ignore=…` are honoured for the hadolint rules that
//!   correspond to one of ours;
//! - `# trivy:ignore:AVD-DS-0002` (or `DS002`) above an instruction likewise.
//!
//! The hadolint and trivy ids map to ours through the one table of
//! equivalents (`rules::equivalents`), the one `stowaway rules` shows.
//!
//! - BuildKit's `# check=skip=Name[,Name]` (or `skip=all`) as the `check`
//!   parser directive suppresses the rules equivalent to those BuildKit checks
//!   in the file, and as a comment directly above an instruction on that
//!   instruction, as BuildKit does; security rules are never suppressed this
//!   way. `# check=error=true` raises those findings to high severity, since
//!   BuildKit then fails the build.
//!
//! Rule ids may be given without the `dockerfile-` prefix.

use super::parser::Dockerfile;
use super::rules::equivalents::rules_for;
use crate::report::{Finding, Severity};
use std::collections::HashMap;

/// Which rules a pragma names: `None` = every rule.
enum Scope {
    All,
    Rules(Vec<String>),
}

fn ours(id: &str) -> String {
    let id = id.trim().to_ascii_lowercase();
    if id.starts_with("dockerfile-") {
        id
    } else {
        format!("dockerfile-{id}")
    }
}

fn hadolint_ids(list: &str) -> Vec<String> {
    list.split([',', ' '])
        .filter(|c| !c.trim().is_empty())
        .flat_map(|c| rules_for("hadolint", c))
        // a parse error is a failed build: no peer's pragma hides it
        .filter(|r| *r != "dockerfile-parse-error")
        .map(str::to_string)
        .collect()
}

fn trivy_ids(id: &str) -> Vec<String> {
    rules_for("trivy", id)
        .into_iter()
        .map(str::to_string)
        .collect()
}

/// The rules a BuildKit `check=` value skips (`skip=A,B;error=true`).
fn buildkit_skip(value: &str) -> Option<Scope> {
    let list = value
        .split(';')
        .find_map(|p| p.trim().strip_prefix("skip="))?;
    let list = list.split_whitespace().next().unwrap_or("");
    let all = super::rules::all();
    let mut out = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        for r in all {
            let eqs = super::rules::equivalents::of(&r.meta.id);
            let matches = eqs.iter().any(|e| {
                e.strip_prefix("buildkit:")
                    .is_some_and(|c| name.eq_ignore_ascii_case("all") || c == name)
            });
            if matches && !r.meta.tags.iter().any(|t| t == "security") {
                out.push(r.meta.id.clone());
            }
        }
    }
    Some(Scope::Rules(out))
}

fn buildkit_error(value: &str) -> bool {
    value
        .split(';')
        .any(|p| p.trim().eq_ignore_ascii_case("error=true"))
}

/// (file-level, next-instruction) scopes of one comment.
fn pragma(text: &str) -> (Option<Scope>, Option<Scope>) {
    let t = text.trim();
    if let Some(rest) = t.strip_prefix("stowaway:ignore-file") {
        let list = rest.split("--").next().unwrap_or("");
        return match list.trim().strip_prefix('=') {
            Some(l) => (Some(Scope::Rules(l.split(',').map(ours).collect())), None),
            None => (Some(Scope::All), None),
        };
    }
    if let Some(rest) = t.strip_prefix("stowaway:ignore") {
        let list = rest.split("--").next().unwrap_or("");
        return match list.trim().strip_prefix('=') {
            Some(l) => (None, Some(Scope::Rules(l.split(',').map(ours).collect()))),
            None if list.trim().is_empty() => (None, Some(Scope::All)),
            None => (None, None),
        };
    }
    if let Some(rest) = t.strip_prefix("hadolint") {
        let rest = rest.trim_start();
        if let Some(l) = rest.strip_prefix("global").map(str::trim_start) {
            if let Some(l) = l.strip_prefix("ignore=") {
                return (Some(Scope::Rules(hadolint_ids(l))), None);
            }
        }
        if let Some(l) = rest.strip_prefix("ignore=") {
            return (None, Some(Scope::Rules(hadolint_ids(l))));
        }
    }
    if let Some(rest) = t.strip_prefix("check=").filter(|r| r.starts_with("skip=")) {
        return (None, buildkit_skip(rest));
    }
    if let Some(rest) = t.strip_prefix("trivy:ignore:") {
        let id = rest.split([' ', '\t', '[']).next().unwrap_or("");
        return (None, Some(Scope::Rules(trivy_ids(id))));
    }
    (None, None)
}

fn covers(scope: &Scope, rule: &str) -> bool {
    match scope {
        Scope::All => true,
        Scope::Rules(r) => r.iter().any(|x| x == rule),
    }
}

/// Mark the findings a pragma suppresses (`allowed_inline`); the policy
/// stage drops and counts them.
pub fn apply(df: &Dockerfile, findings: &mut [Finding]) {
    let mut file_scopes = Vec::new();
    let check = df.directive("check").map(|d| d.value.as_str());
    if let Some(s) = check.and_then(buildkit_skip) {
        file_scopes.push(s);
    }
    if check.is_some_and(buildkit_error) {
        for f in findings.iter_mut() {
            let bk = super::rules::equivalents::of(&f.rule_id)
                .iter()
                .any(|e| e.starts_with("buildkit:"));
            if bk && f.severity < Severity::High {
                f.severity = Severity::High;
                f.message
                    .push_str(" (check=error=true: BuildKit fails the build)");
            }
        }
    }
    let mut by_line: HashMap<u32, Scope> = HashMap::new();
    let mut comment_lines: HashMap<u32, ()> = HashMap::new();
    for c in &df.comments {
        comment_lines.insert(c.span.line, ());
        let (file, next) = pragma(&c.text);
        if let Some(f) = file {
            file_scopes.push(f);
        }
        if let Some(n) = next {
            by_line.insert(c.span.line, n);
        }
    }
    if file_scopes.is_empty() && by_line.is_empty() {
        return;
    }
    // (first line, last line, scopes) of every instruction with pragmas above.
    let mut ranges: Vec<(u32, u32, Vec<&Scope>)> = Vec::new();
    if !by_line.is_empty() {
        for inst in &df.instructions {
            let mut scopes = Vec::new();
            let mut l = inst.span.line.saturating_sub(1);
            while l > 0 && comment_lines.contains_key(&l) {
                if let Some(s) = by_line.get(&l) {
                    scopes.push(s);
                }
                l -= 1;
            }
            if !scopes.is_empty() {
                ranges.push((inst.span.line, inst.span.end_line, scopes));
            }
        }
    }
    for f in findings.iter_mut() {
        f.allowed_inline |= if f.rule_id == "dockerfile-parse-error" {
            file_scopes
                .iter()
                .any(|s| matches!(s, Scope::Rules(r) if r.iter().any(|x| x == &f.rule_id)))
        } else {
            file_scopes.iter().any(|s| covers(s, &f.rule_id))
                || ranges.iter().any(|(a, b, scopes)| {
                    f.span.line >= *a
                        && f.span.line <= *b
                        && scopes.iter().any(|s| covers(s, &f.rule_id))
                })
        };
    }
}
