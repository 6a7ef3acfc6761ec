//! A software statement the server trusts (RFC 7591 §2 and §3.2.1): its claims win over the
//! plain members sent beside it, and the response carries it back unchanged. The other
//! statement cases (unsigned, unknown key or issuer, expired, bad signature) are judged by
//! their expectations in `expect`.

use serde_json::Value;

use super::{CaseContext, Check, Kind, Out};
use crate::generate::statements::{
    JSON_CLIENT_NAME, STATEMENT_CLIENT_NAME, STATEMENT_SOFTWARE_ID, TRUSTED_CASE,
};
use crate::spec::names::*;
use crate::spec::Severity;

/// What a registration answer shows about the trusted statement it was sent.
enum Use<'a> {
    /// `software_statement` came back exactly as sent.
    Echoed,
    /// `software_statement` came back different.
    Altered(&'a str),
    /// No `software_statement`, yet a claim only the statement made is registered.
    UsedSilently,
    /// No `software_statement` and none of its claims: the server ignored it.
    Ignored,
}

/// The answer registered a claim that only the statement made: its client_name, or its
/// software_id (the request sent none).
fn shows_statement_claims(body: &serde_json::Map<String, Value>) -> bool {
    body.get(CLIENT_NAME).and_then(Value::as_str) == Some(STATEMENT_CLIENT_NAME)
        || body.get(SOFTWARE_ID).and_then(Value::as_str) == Some(STATEMENT_SOFTWARE_ID)
}

fn statement_use<'a>(ctx: &'a CaseContext) -> Option<Use<'a>> {
    if ctx.case.id != TRUSTED_CASE || !ctx.registered() {
        return None;
    }
    let sent = ctx.sent()?.get(SOFTWARE_STATEMENT)?.as_str()?;
    let body = ctx.body()?;
    Some(match body.get(SOFTWARE_STATEMENT) {
        Some(Value::String(s)) if s == sent => Use::Echoed,
        Some(Value::String(s)) => Use::Altered(s),
        Some(_) => Use::Altered("(not a string)"),
        None if shows_statement_claims(body) => Use::UsedSilently,
        None => Use::Ignored,
    })
}

pub(super) const TRUSTED_STATEMENT_CLAIMS_TAKE_PRECEDENCE: Check = Check {
    name: "trusted_statement_claims_take_precedence",
    requirements: &["R7591-2.3-b"],
    kind: Kind::Case(trusted_statement_claims_take_precedence),
};

fn trusted_statement_claims_take_precedence(ctx: &CaseContext, out: &mut Out) {
    let Some(used) = statement_use(ctx) else {
        return;
    };
    let echoed_name = ctx
        .body()
        .and_then(|b| b.get(CLIENT_NAME))
        .and_then(Value::as_str);
    match used {
        Use::Ignored => out.flag(
            Severity::Warn,
            "R7591-2.3-b",
            "a statement signed with the trusted key was ignored",
            format!(
                "registered with the plain client_name {:?} and no software_statement: the \
                 server did not use the statement (is --software-statement-key a key it \
                 trusts for --software-statement-iss?)",
                echoed_name.unwrap_or_default()
            ),
        ),
        // Only a claim the statement alone made shows the server used it; a server that
        // ignores statements may still store the member and echo it (RFC 7591 §3.1.1).
        _ if echoed_name == Some(JSON_CLIENT_NAME) && ctx.body().is_some_and(shows_statement_claims) => out.fail(
            "R7591-2.3-b",
            "a plain JSON member won over the trusted statement's claim",
            format!(
                "the statement claims client_name \"{STATEMENT_CLIENT_NAME}\" and software_id \
                 \"{STATEMENT_SOFTWARE_ID}\"; the server registered that software_id but the plain \
                 client_name \"{JSON_CLIENT_NAME}\""
            ),
        ),
        _ if echoed_name == Some(JSON_CLIENT_NAME) => out.flag(
            Severity::Warn,
            "R7591-2.3-b",
            "a statement signed with the trusted key came back but none of its claims were used",
            format!(
                "software_statement echoed, client_name \"{JSON_CLIENT_NAME}\" and no software_id \
                 \"{STATEMENT_SOFTWARE_ID}\": the server stores the member but ignores the statement \
                 (or lets plain members win; is --software-statement-key a key it trusts?)"
            ),
        ),
        _ => out.pass_with(
            "R7591-2.3-b",
            format!(
                "client_name registered as {:?}",
                echoed_name.unwrap_or("(none)")
            ),
        ),
    }
}

pub(super) const USED_STATEMENT_IS_ECHOED_UNCHANGED: Check = Check {
    name: "used_statement_is_echoed_unchanged",
    requirements: &["R7591-3.2.1-j"],
    kind: Kind::Case(used_statement_is_echoed_unchanged),
};

fn used_statement_is_echoed_unchanged(ctx: &CaseContext, out: &mut Out) {
    let Some(used) = statement_use(ctx) else {
        return;
    };
    match used {
        Use::Ignored => out.skip("R7591-3.2.1-j", "the server did not use the statement"),
        Use::Altered(s) => out.fail(
            "R7591-3.2.1-j",
            "software_statement echoed changed",
            format!(
                "sent {} characters, got back {} characters that differ",
                ctx.sent()
                    .and_then(|m| m.get(SOFTWARE_STATEMENT))
                    .and_then(Value::as_str)
                    .map_or(0, str::len),
                s.len()
            ),
        ),
        Use::UsedSilently => out.fail(
            "R7591-3.2.1-j",
            "a statement's claims were used but software_statement was not returned",
            format!("client_name registered as \"{STATEMENT_CLIENT_NAME}\", the statement's claim"),
        ),
        Use::Echoed => match ctx.body() {
            Some(body) if !shows_statement_claims(body) => out.skip(
                "R7591-3.2.1-j",
                "the statement came back but none of its claims were registered",
            ),
            // Claims used from the statement come back as top-level members (possibly with
            // other values); software_id is the one a statement exists to carry.
            Some(body) if !body.contains_key(SOFTWARE_ID) => out.flag(
                Severity::Warn,
                "R7591-3.2.1-j",
                "the statement's software_id is not a top-level member of the response",
                "software_statement echoed and its client_name used, but software_id is missing (a \
                 server may not use every claim; if it used this one, RFC 7591 §3.2.1 requires it \
                 at top level)",
            ),
            _ => out.pass("R7591-3.2.1-j"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{judge_case, Outcome, Policy, Verdict};
    use crate::generate::statements::{cases, StatementKeys, TrustedSigner};
    use crate::jose::{Alg, SigningKey};
    use crate::profile::Profile;
    use serde_json::json;

    /// The trusted case, judged against a 201 carrying `answer` plus the statement as sent
    /// when `echo` is set.
    fn judge(answer: Value, echo: bool) -> Vec<Verdict> {
        let trusted = TrustedSigner {
            key: SigningKey::generate(Alg::Es256).unwrap(),
            issuer: "https://trusted.example".into(),
        };
        let keys = StatementKeys {
            trusted: Some(trusted),
            run_rs256: SigningKey::generate(Alg::Es256).unwrap(),
            run_es256: SigningKey::generate(Alg::Es256).unwrap(),
        };
        let case = cases(Profile::Rfc7591, &keys, 1_000_000)
            .unwrap()
            .into_iter()
            .find(|c| c.id == TRUSTED_CASE)
            .unwrap();
        let mut body = answer;
        body["client_id"] = json!("abc");
        if echo {
            body[SOFTWARE_STATEMENT] =
                case.request.body.json_object().unwrap()[SOFTWARE_STATEMENT].clone();
        }
        let observation = crate::checks::json_answer(201, body.to_string().as_bytes(), false);
        let profile = Profile::Rfc7591;
        let schemas = profile.schemas().unwrap();
        judge_case(&CaseContext {
            profile,
            case: &case,
            observation: &observation,
            schemas: &schemas,
            now: 1_000_000,
            policy: Policy::default(),
            metadata: None,
        })
    }

    fn outcome(verdicts: &[Verdict], row: &str) -> Vec<Outcome> {
        verdicts
            .iter()
            .filter(|v| v.requirement == row && v.check.contains("statement"))
            .map(|v| v.outcome)
            .collect()
    }

    #[test]
    fn a_used_statement_echoed_with_its_claims_passes_both_rows() {
        let v = judge(
            json!({"client_name": STATEMENT_CLIENT_NAME, "software_id": STATEMENT_SOFTWARE_ID}),
            true,
        );
        assert_eq!(outcome(&v, "R7591-2.3-b"), [Outcome::Pass]);
        assert_eq!(outcome(&v, "R7591-3.2.1-j"), [Outcome::Pass]);
    }

    #[test]
    fn a_plain_member_winning_over_a_used_statement_fails() {
        let v = judge(
            json!({"client_name": JSON_CLIENT_NAME, "software_id": STATEMENT_SOFTWARE_ID}),
            true,
        );
        assert_eq!(outcome(&v, "R7591-2.3-b"), [Outcome::Flag(Severity::Fail)]);
    }

    /// A server without statement support may store the member and echo it (the MCP
    /// TypeScript SDK does): that is no evidence the plain member won, so no FAIL.
    #[test]
    fn an_echoed_but_ignored_statement_is_a_warn_not_a_fail() {
        let v = judge(json!({"client_name": JSON_CLIENT_NAME}), true);
        assert_eq!(outcome(&v, "R7591-2.3-b"), [Outcome::Flag(Severity::Warn)]);
        assert_eq!(outcome(&v, "R7591-3.2.1-j"), [Outcome::Skip]);
    }

    #[test]
    fn claims_used_without_the_statement_fail_the_echo_row() {
        let v = judge(json!({"client_name": STATEMENT_CLIENT_NAME}), false);
        assert_eq!(
            outcome(&v, "R7591-3.2.1-j"),
            [Outcome::Flag(Severity::Fail)]
        );
        let ignored = judge(json!({"client_name": JSON_CLIENT_NAME}), false);
        assert_eq!(outcome(&ignored, "R7591-3.2.1-j"), [Outcome::Skip]);
        assert_eq!(
            outcome(&ignored, "R7591-2.3-b"),
            [Outcome::Flag(Severity::Warn)]
        );
    }
}
