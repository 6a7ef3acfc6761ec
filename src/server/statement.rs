//! Software statements (RFC 7591 §2.3, §3.1.1, §3.2.1, §3.2.2). Without a trusted issuer
//! ([`super::ServerConfig::trusted_statement`]) the server ignores them, as §3.1.1 allows.
//! With one, a request's `software_statement` must be an RS256 or ES256 JWS from that issuer,
//! signed by its key and unexpired; its metadata claims then replace the plain JSON members
//! before validation (§2.3: the statement's values take precedence), and the statement is
//! stored and echoed exactly as received (§3.2.1). A statement that fails is refused with
//! `invalid_software_statement`, or `unapproved_software_statement` for an issuer the server
//! does not trust (§3.2.2). Each statement defect relaxes one check; the caller reads the
//! clock.

use serde_json::{Map, Value};

use super::defects::{Defect, DefectSet};
use super::jws;
use super::validate::{ErrorCode, Rejection};
use crate::spec::names::SOFTWARE_STATEMENT;

/// An issuer of software statements the server trusts, and its public key.
#[derive(Clone, Debug)]
pub struct TrustedStatementIssuer {
    /// The `iss` its statements carry.
    pub issuer: String,
    /// public JWK (RSA for RS256 or EC P-256 for ES256)
    pub jwk: Value,
}

/// The registered JWT claims (RFC 7519 §4.1): they describe the statement, not the client,
/// so they never become client metadata.
const JWT_CLAIMS: &[&str] = &["iss", "sub", "aud", "exp", "nbf", "iat", "jti"];

/// Verifies the request's software statement and moves its claims into `obj`. `Ok(Some)`
/// holds the statement, exactly as received, when it was used; `Ok(None)` when the request
/// has none or the server trusts no issuer (then `validate` still refuses a non-string).
pub(crate) fn apply(
    obj: &mut Map<String, Value>,
    trusted: Option<&TrustedStatementIssuer>,
    defects: &DefectSet,
    now: u64,
) -> Result<Option<String>, Rejection> {
    let Some(trusted) = trusted else {
        return Ok(None);
    };
    let text = match obj.get(SOFTWARE_STATEMENT) {
        None => return Ok(None),
        Some(Value::String(text)) => text.clone(),
        Some(_) => return Err(invalid("software_statement must be a string")),
    };
    let claims = if defects.has(Defect::TrustUnsignedSoftwareStatement) {
        // That defect uses the claims of any statement it can read, signed or not, and checks
        // nothing else; one it cannot read is ignored.
        match unverified_claims(&text) {
            Some(claims) => claims,
            None => return Ok(None),
        }
    } else {
        verify(&text, trusted, defects, now)?
    };
    let json_wins = defects.has(Defect::StatementJsonWins);
    for (name, value) in claims {
        if JWT_CLAIMS.contains(&name.as_str()) || name == SOFTWARE_STATEMENT {
            continue;
        }
        if json_wins && obj.contains_key(&name) {
            continue;
        }
        obj.insert(name, value);
    }
    Ok(Some(text))
}

/// The statement's claims, if the server may use it.
fn verify(
    text: &str,
    trusted: &TrustedStatementIssuer,
    defects: &DefectSet,
    now: u64,
) -> Result<Map<String, Value>, Rejection> {
    let statement =
        jws::parse(text).map_err(|e| invalid(format!("the software statement is {e}")))?;
    let signed = statement.verifies_with(&trusted.jwk);
    match statement.claims.get("iss") {
        Some(Value::String(iss)) if *iss == trusted.issuer => {}
        Some(Value::String(_)) if signed && defects.has(Defect::StatementIssuerUnchecked) => {}
        Some(Value::String(_)) => {
            return Err(Rejection::new(
                ErrorCode::UnapprovedSoftwareStatement,
                "the software statement's issuer is not trusted by this server",
            ))
        }
        None if signed && defects.has(Defect::StatementWithoutIss) => {}
        _ => {
            return Err(invalid(
                "the software statement must have a string iss claim",
            ))
        }
    }
    if !signed && !defects.has(Defect::StatementSignatureUnchecked) {
        return Err(invalid(
            "the software statement's signature does not verify with the issuer's key",
        ));
    }
    let check_exp = !defects.has(Defect::StatementExpiryUnchecked);
    jws::check_times(&statement.claims, now, false, check_exp)
        .map_err(|e| invalid(format!("software statement: {e}")))?;
    Ok(statement.claims)
}

/// The payload of a compact JWT, read without checking anything.
fn unverified_claims(text: &str) -> Option<Map<String, Value>> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    let payload = text.split('.').nth(1)?;
    match serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()? {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

fn invalid(description: impl Into<String>) -> Rejection {
    Rejection::new(ErrorCode::InvalidSoftwareStatement, description)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::jws::test_keys::EcKey;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use serde_json::json;

    const ISS: &str = "https://statements.example.org";
    const NOW: u64 = 1_700_000_000;

    fn plain(statement: &str) -> Map<String, Value> {
        let body = json!({
            "redirect_uris": ["https://client.example.org/cb"],
            "client_name": "dcrcheck-json-name",
            "software_statement": statement,
        });
        body.as_object().cloned().unwrap_or_default()
    }

    fn claims(iss: Option<&str>, exp: u64) -> Value {
        let mut c = json!({
            "software_id": "dcrcheck-statement",
            "client_name": "dcrcheck-statement-name",
            "iat": NOW - 10,
            "exp": exp,
        });
        if let Some(iss) = iss {
            c["iss"] = json!(iss);
        }
        c
    }

    fn run(
        key: &EcKey,
        statement: &str,
        defects: &[Defect],
    ) -> (Result<Option<String>, Rejection>, Map<String, Value>) {
        let trusted = TrustedStatementIssuer {
            issuer: ISS.to_owned(),
            jwk: key.jwk.clone(),
        };
        let mut obj = plain(statement);
        let result = apply(&mut obj, Some(&trusted), &DefectSet::new(defects), NOW);
        (result, obj)
    }

    fn code(key: &EcKey, statement: &str, defects: &[Defect]) -> Option<ErrorCode> {
        run(key, statement, defects).0.err().map(|r| r.code)
    }

    fn flip_signature_byte(jwt: &str) -> String {
        let (input, signature) = jwt.rsplit_once('.').unwrap_or_default();
        let mut bytes = URL_SAFE_NO_PAD.decode(signature).unwrap_or_default();
        if let Some(b) = bytes.first_mut() {
            *b ^= 0x01;
        }
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(bytes))
    }

    #[test]
    fn a_valid_statement_is_used_and_its_claims_win() {
        let key = EcKey::generate("s1");
        let jwt = key.sign(&claims(Some(ISS), NOW + 3600), Some("s1"));
        let (result, obj) = run(&key, &jwt, &[]);
        assert_eq!(result.ok().flatten().as_deref(), Some(jwt.as_str()));
        assert_eq!(obj["client_name"], json!("dcrcheck-statement-name"));
        assert_eq!(obj["software_id"], json!("dcrcheck-statement"));
        assert_eq!(obj["software_statement"], json!(jwt));
        for claim in ["iss", "exp", "iat"] {
            assert!(!obj.contains_key(claim), "{claim} is not metadata");
        }
        // Under `statement-json-wins` the plain member stays; new members still come in.
        let (result, obj) = run(&key, &jwt, &[Defect::StatementJsonWins]);
        assert!(result.is_ok_and(|s| s.is_some()));
        assert_eq!(obj["client_name"], json!("dcrcheck-json-name"));
        assert_eq!(obj["software_id"], json!("dcrcheck-statement"));
    }

    #[test]
    fn every_bad_statement_gets_its_error_code() {
        let key = EcKey::generate("s1");
        let stranger = EcKey::generate("s1");
        let invalid = Some(ErrorCode::InvalidSoftwareStatement);
        let good = claims(Some(ISS), NOW + 3600);
        let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(good.to_string());
        for (name, statement, expected) in [
            (
                "flipped signature byte",
                flip_signature_byte(&key.sign(&good, Some("s1"))),
                invalid,
            ),
            (
                "unknown iss",
                key.sign(&claims(Some("https://other.example.org"), NOW + 3600), None),
                Some(ErrorCode::UnapprovedSoftwareStatement),
            ),
            ("no iss", key.sign(&claims(None, NOW + 3600), None), invalid),
            (
                "expired an hour ago",
                key.sign(&claims(Some(ISS), NOW - 3600), None),
                invalid,
            ),
            ("alg none", format!("{none_header}.{payload}."), invalid),
            ("abc", "abc".to_owned(), invalid),
            ("unknown key", stranger.sign(&good, Some("s1")), invalid),
            (
                "not yet valid",
                key.sign(&json!({"iss": ISS, "nbf": NOW + 3600}), None),
                invalid,
            ),
        ] {
            assert_eq!(code(&key, &statement, &[]), expected, "{name}");
        }
        let mut obj = plain("x");
        obj.insert("software_statement".into(), json!(5));
        let trusted = TrustedStatementIssuer {
            issuer: ISS.to_owned(),
            jwk: key.jwk.clone(),
        };
        let refused = apply(&mut obj, Some(&trusted), &DefectSet::default(), NOW);
        assert_eq!(refused.err().map(|r| r.code), invalid);
    }

    #[test]
    fn without_a_trusted_issuer_statements_are_ignored() {
        let mut obj = plain("abc");
        let before = obj.clone();
        assert_eq!(apply(&mut obj, None, &DefectSet::default(), NOW), Ok(None));
        assert_eq!(obj, before);
    }

    #[test]
    fn each_statement_defect_relaxes_one_check() {
        let key = EcKey::generate("s1");
        let stranger = EcKey::generate("s1");
        let used = |statement: &str, defects: &[Defect]| {
            let (result, obj) = run(&key, statement, defects);
            result.is_ok_and(|s| s.is_some()) && obj["client_name"] == "dcrcheck-statement-name"
        };
        let flipped = flip_signature_byte(&key.sign(&claims(Some(ISS), NOW + 3600), None));
        assert!(used(&flipped, &[Defect::StatementSignatureUnchecked]));
        let expired = key.sign(&claims(Some(ISS), NOW - 3600), None);
        assert!(used(&expired, &[Defect::StatementExpiryUnchecked]));
        let foreign = key.sign(&claims(Some("https://other.example.org"), NOW + 3600), None);
        assert!(used(&foreign, &[Defect::StatementIssuerUnchecked]));
        let anonymous = key.sign(&claims(None, NOW + 3600), None);
        assert!(used(&anonymous, &[Defect::StatementWithoutIss]));
        // The issuer and iss defects still need the trusted key's signature.
        let foreign_key =
            stranger.sign(&claims(Some("https://other.example.org"), NOW + 3600), None);
        assert!(!used(&foreign_key, &[Defect::StatementIssuerUnchecked]));
        let anonymous_key = stranger.sign(&claims(None, NOW + 3600), None);
        assert!(!used(&anonymous_key, &[Defect::StatementWithoutIss]));
        for statement in [&flipped, &expired, &foreign, &anonymous] {
            assert!(!used(statement, &[]), "{statement}");
        }
    }
}
