//! Software-statement cases (RFC 7591 §2.3, §3.1.1, §3.2.1, §3.2.2): B0 with a
//! `client_name` of its own plus a statement that names another, signed by a key the server
//! trusts (when the run has one: `--software-statement-key`, or the embedded server's) or by
//! keys made for the run, and the broken variants.
//!
//! Owns the claims, the variants and what each may get back. Signing is `jose`'s; sending is
//! the executor's. The statements carry fresh signatures and times, so these cases are made
//! per run, after the generated ones, and a report's seed does not remake them.

use serde_json::{json, Map, Value};

use super::valid::baseline;
use super::{Case, CaseKind, CaseRequest, Expectation, Substitution};
use crate::jose::{self, JoseError, SigningKey};
use crate::profile::Profile;
use crate::spec::names::*;
use crate::spec::Severity;

/// The `client_name` the statements claim.
pub const STATEMENT_CLIENT_NAME: &str = "dcrcheck-statement-name";
/// The `client_name` sent as a plain JSON member beside each statement: a server that
/// echoes it for a statement it used let the plain member win (RFC 7591 §2).
pub const JSON_CLIENT_NAME: &str = "dcrcheck-json-name";
/// The `software_id` the statements claim.
pub const STATEMENT_SOFTWARE_ID: &str = "dcrcheck-statement";
/// The issuer of statements signed with the run's own keys: nobody trusts it.
pub const RUN_ISSUER: &str = "https://statements.dcrcheck.invalid";
/// An issuer the server was never told about, signing with the trusted key.
pub const UNKNOWN_ISSUER: &str = "https://unknown-issuer.dcrcheck.invalid";
/// Id of the case whose statement the server trusts.
pub const TRUSTED_CASE: &str = "statement-trusted";

/// Rows the statement cases exercise.
pub const REQUIREMENTS: &[&str] = &[
    "R7591-2.3-a",
    "R7591-2.3-b",
    "R7591-3.2.1-j",
    "R7591-3.2.2-c-sst",
];
/// Rows only a statement the server trusts can prove.
pub const TRUSTED_REQUIREMENTS: &[&str] = &["R7591-2.3-b", "R7591-3.2.1-j"];

/// A key the server trusts, and the issuer it signs for.
#[derive(Debug, Clone)]
pub struct TrustedSigner {
    pub key: SigningKey,
    pub issuer: String,
}

/// dcrcheck's published RSA test key: no server trusts it, so a statement it signs is as
/// untrusted as one signed by a fresh key. Making a 2048-bit RSA key costs 0.05–0.8 s of CPU
/// (measured), more than the whole default run otherwise takes.
const UNTRUSTED_RS256_PEM: &str = include_str!("../../fixtures/keys/untrusted-rs256.pem");

/// The keys a run signs statements with.
#[derive(Debug, Clone)]
pub struct StatementKeys {
    pub trusted: Option<TrustedSigner>,
    /// Keys no server trusts, one per algorithm: the published RS256 test key and an ES256
    /// key made for this run.
    pub run_rs256: SigningKey,
    pub run_es256: SigningKey,
}

impl StatementKeys {
    /// The untrusted keys, beside the user's trusted one.
    pub fn generate(trusted: Option<TrustedSigner>) -> Result<StatementKeys, JoseError> {
        Ok(StatementKeys {
            trusted,
            run_rs256: SigningKey::from_pem(UNTRUSTED_RS256_PEM)?,
            run_es256: SigningKey::generate(jose::Alg::Es256)?,
        })
    }
}

fn claims(issuer: Option<&str>, issued_at: u64, expires_at: u64) -> Map<String, Value> {
    let mut m = Map::new();
    if let Some(iss) = issuer {
        m.insert("iss".into(), json!(iss));
    }
    m.insert(SOFTWARE_ID.into(), json!(STATEMENT_SOFTWARE_ID));
    m.insert(CLIENT_NAME.into(), json!(STATEMENT_CLIENT_NAME));
    m.insert("iat".into(), json!(issued_at));
    m.insert("exp".into(), json!(expires_at));
    m
}

/// What a case sends: B0, the plain `client_name`, and `statement`.
fn request(profile: Profile, statement: String) -> CaseRequest {
    let mut body = baseline(profile);
    body.insert(CLIENT_NAME.into(), json!(JSON_CLIENT_NAME));
    body.insert(SOFTWARE_STATEMENT.into(), json!(statement));
    CaseRequest::json(Value::Object(body))
}

/// Refused as a bad statement, or registered without the statement's claims (a server may
/// ignore statements, RFC 7591 §3.1.1, but must not act on one it cannot trust).
fn untrusted(codes: Vec<&'static str>) -> Expectation {
    Expectation::RejectOrSubstitute {
        codes,
        substitution: Substitution::MemberDiffers {
            member: CLIENT_NAME,
            sent: json!(STATEMENT_CLIENT_NAME),
        },
    }
}

fn case(
    profile: Profile,
    variant: &str,
    title: String,
    requirement: &'static str,
    expectation: Expectation,
    statement: String,
) -> Case {
    Case {
        id: format!("statement-{variant}"),
        kind: CaseKind::Probe,
        title,
        request: request(profile, statement),
        expectation,
        requirements: vec![requirement],
        // Acting on a statement that does not verify is WARN (FAIL under --strict where the
        // rulebook has a ground); refusing a trusted one may be the user's key setup.
        severity: Severity::Warn,
        invalid_at: None,
        mutation: None,
        // Every variant changes the same members; the variant is what tells them apart.
        trigger: vec![format!("{SOFTWARE_STATEMENT}:{variant}")],
    }
}

/// How many cases [`cases`] makes, with or without a trusted key.
pub fn count(trusted: bool) -> usize {
    if trusted {
        8
    } else {
        5
    }
}

/// The statement cases for a run, at `now` (seconds since the epoch).
pub fn cases(profile: Profile, keys: &StatementKeys, now: u64) -> Result<Vec<Case>, JoseError> {
    let both = || vec![INVALID_SOFTWARE_STATEMENT, UNAPPROVED_SOFTWARE_STATEMENT];
    let fresh = |issuer: Option<&str>| claims(issuer, now, now + 600);
    let mut out = Vec::new();
    for key in [&keys.run_rs256, &keys.run_es256] {
        let alg = key.alg().name();
        out.push(case(
            profile,
            &format!("unknown-key-{}", alg.to_ascii_lowercase()),
            format!("a software statement signed ({alg}) by a key no server trusts"),
            "R7591-3.2.2-c-sst",
            untrusted(both()),
            key.sign(&fresh(Some(RUN_ISSUER)))?,
        ));
    }
    out.push(case(
        profile,
        "not-jwt",
        "a software_statement that is not a JWT".into(),
        "R7591-2.3-a",
        Expectation::RejectOrSubstitute {
            codes: both(),
            substitution: Substitution::Ignored,
        },
        "abc".into(),
    ));
    // With a trusted key, the variants below differ from a statement the server accepts in
    // one respect only; without one they are signed with the run's key.
    let (signer, issuer) = match &keys.trusted {
        Some(t) => (&t.key, t.issuer.as_str()),
        None => (&keys.run_rs256, RUN_ISSUER),
    };
    out.push(case(
        profile,
        "without-iss",
        "a signed software statement without an iss claim".into(),
        "R7591-2.3-a",
        untrusted(both()),
        signer.sign(&fresh(None))?,
    ));
    out.push(case(
        profile,
        "expired",
        "a software statement that expired an hour ago".into(),
        "R7591-3.2.2-c-sst",
        untrusted(both()),
        signer.sign(&claims(Some(issuer), now - 7200, now - 3600))?,
    ));
    if let Some(trusted) = &keys.trusted {
        let good = trusted.key.sign(&fresh(Some(&trusted.issuer)))?;
        out.push(case(
            profile,
            "bad-signature",
            "a software statement from the trusted issuer with one signature bit flipped".into(),
            "R7591-3.2.2-c-sst",
            untrusted(both()),
            jose::flip_signature(&good),
        ));
        out.push(case(
            profile,
            "unknown-issuer",
            "a software statement signed with the trusted key for an unknown issuer".into(),
            "R7591-3.2.2-c-sst",
            untrusted(both()),
            trusted.key.sign(&fresh(Some(UNKNOWN_ISSUER)))?,
        ));
        let mut c = case(
            profile,
            "trusted",
            "a software statement the server trusts, beside a conflicting client_name".into(),
            "R7591-2.3-b",
            Expectation::Register,
            good,
        );
        c.id = TRUSTED_CASE.to_string();
        c.requirements = TRUSTED_REQUIREMENTS.to_vec();
        out.push(c);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(trusted: bool) -> StatementKeys {
        let t = trusted.then(|| TrustedSigner {
            key: SigningKey::generate(jose::Alg::Es256).unwrap(),
            issuer: "https://trusted.example".into(),
        });
        StatementKeys::generate(t).unwrap()
    }

    fn statement(c: &Case) -> &str {
        c.request.body.json_object().unwrap()[SOFTWARE_STATEMENT]
            .as_str()
            .unwrap()
    }

    #[test]
    fn without_a_trusted_key_no_case_claims_trust() {
        let cases = cases(Profile::Rfc7591, &keys(false), 1_000_000).unwrap();
        assert_eq!(cases.len(), count(false));
        let ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "statement-unknown-key-rs256",
                "statement-unknown-key-es256",
                "statement-not-jwt",
                "statement-without-iss",
                "statement-expired"
            ]
        );
        assert!(cases.iter().all(|c| c.expectation != Expectation::Register));
        let no_iss = jose::claims_of(statement(&cases[3])).unwrap();
        assert!(!no_iss.contains_key("iss"));
        let expired = jose::claims_of(statement(&cases[4])).unwrap();
        assert!(expired["exp"].as_u64().unwrap() < 1_000_000);
    }

    #[test]
    fn a_trusted_key_adds_the_trusted_case_and_its_near_misses() {
        let k = keys(true);
        let cases = cases(Profile::Oidc, &k, 1_000_000).unwrap();
        assert_eq!(cases.len(), count(true));
        let trusted = cases.iter().find(|c| c.id == TRUSTED_CASE).unwrap();
        let sent = trusted.request.body.json_object().unwrap();
        assert_eq!(sent[CLIENT_NAME], JSON_CLIENT_NAME);
        let claims = jose::claims_of(statement(trusted)).unwrap();
        assert_eq!(claims["iss"], "https://trusted.example");
        assert_eq!(claims[CLIENT_NAME], STATEMENT_CLIENT_NAME);
        let bad = cases
            .iter()
            .find(|c| c.id == "statement-bad-signature")
            .unwrap();
        assert_ne!(statement(bad), statement(trusted));
        assert_eq!(
            statement(bad).rsplit_once('.').unwrap().0,
            statement(trusted).rsplit_once('.').unwrap().0
        );
        // Each variant is its own finding.
        let triggers: std::collections::BTreeSet<_> = cases.iter().map(|c| &c.trigger).collect();
        assert_eq!(triggers.len(), cases.len());
    }
}
