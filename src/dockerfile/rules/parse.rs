//! Findings the parser makes: what BuildKit rejects, and empty lines in
//! continuations (which BuildKit accepts with a warning).

use super::{rule, Doc, Rule};
use crate::dockerfile::Ctx;
use crate::report::{Finding, RuleMeta, Severity, Span};

pub(crate) fn rules() -> Vec<Rule> {
    vec![
        rule(
            "dockerfile-parse-error",
            "Dockerfile parse error",
            Severity::Medium,
            "BuildKit would reject this Dockerfile at this place.",
            Doc {
                what: "Reports what BuildKit's parser refuses: an unknown instruction or flag, a flag without its value, a `FROM` with the wrong number of arguments, an unterminated heredoc, an instruction before the first `FROM`, a bad `# escape=` directive.",
                why: "The build fails, and the instruction cannot be checked by the other rules. The rest of the file is still linted.",
                example: "COPY --from build /app/public /usr/share/nginx/html",
                fix: "Write it the way BuildKit expects, here `COPY --from=build …`.",
            },
            &["correctness"],
            check_errors,
        ),
        rule(
            "dockerfile-empty-continuation-line",
            "Empty line inside a line continuation",
            Severity::Medium,
            "An empty line inside a `\\` continuation silently joins the next instruction into this one.",
            Doc {
                what: "Finds empty lines inside a multi-line instruction (after a line ending in the escape character).",
                why: "BuildKit skips the empty line and keeps reading, so the next line — often the next instruction — becomes part of this one: `COPY` ends up as arguments of `RUN apk add`. BuildKit only warns, and will make it an error.",
                example: "RUN apk add --no-cache samba \\\n\nCOPY smb.conf /etc/samba/",
                fix: "Remove the trailing `\\` on the last line of the instruction, or the empty line.",
            },
            &["correctness"],
            check_empty_continuation,
        ),
    ]
}

fn check_errors(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    for e in &ctx.df.errors {
        let mut f = ctx.finding(meta, redacted(ctx, &e.message), e.span, &e.message);
        f.snippet = f.snippet.map(|s| redacted(ctx, &s));
        out.push(f);
    }
}

/// Text quoting the file, with any secret in it redacted: it is not this
/// finding's secret, so the printers would not hide it.
fn redacted(ctx: &Ctx, msg: &str) -> String {
    let mut msg = msg.to_string();
    for m in ctx
        .secrets
        .map(|s| s.find_in(msg.as_bytes()))
        .unwrap_or_default()
    {
        msg = crate::report::scrub_secret(&msg, &m.secret);
    }
    msg
}

fn check_empty_continuation(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    for e in &ctx.df.empty_continuations {
        let mut next = e.span.line + 1;
        while next as usize <= ctx.lines.len() && ctx.line(next).trim().is_empty() {
            next += 1;
        }
        let joined = ctx.line(next).trim();
        let msg = if joined.is_empty() {
            format!(
                "empty line inside the continuation of the {} on line {}",
                e.keyword, e.instruction_line
            )
        } else {
            format!(
                "empty line inside the continuation of the {} on line {}: BuildKit skips it and line {next} (`{} …`) becomes part of that {}",
                e.keyword,
                e.instruction_line,
                joined.split_whitespace().next().unwrap_or(""),
                e.keyword
            )
        };
        let key = format!("{}\0{joined}", e.keyword);
        // BuildKit reports it on the instruction's last line
        let end = ctx
            .df
            .instructions
            .iter()
            .find(|i| i.keyword_span.line == e.instruction_line)
            .map_or(e.span.line, |i| i.span.end_line);
        let mut f = ctx.finding(
            meta,
            redacted(ctx, &msg),
            Span {
                line: end,
                column: 1,
                end_line: end,
                end_column: ctx.line(end).chars().count() as u32 + 1,
            },
            &key,
        );
        f.snippet = f.snippet.map(|s| redacted(ctx, &s));
        out.push(f);
    }
}
