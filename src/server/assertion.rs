//! Client authentication at the token endpoint with a JWT assertion: `private_key_jwt`
//! (RFC 7523 §2.2 and §3, RFC 7521 §4.2, OpenID Connect Core §9). The client sends
//! `client_assertion_type` (the jwt-bearer URN) and `client_assertion`, a JWT signed RS256 or
//! ES256 with a key from its registered `jwks`, whose `iss` and `sub` are its client_id,
//! whose `aud` names the token endpoint or the issuer, and which has not expired. Only a
//! client registered for `private_key_jwt` may authenticate this way; `jwks_uri` is never
//! fetched, so such a client has no key here. Replayed `jti`s are not tracked (RFC 7523 §3
//! makes that a MAY).
//!
//! Two defects live here: `token-accepts-unverified-assertion` skips the signature check and
//! `token-rejects-client-assertion` refuses every assertion.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::defects::{Defect, DefectSet};
use super::jws::{self, Jws};
use super::store::{ClientStore, StoredClient};
use super::token::TokenError;
use crate::spec::names::{
    AUTH_PRIVATE_KEY_JWT, CLIENT_ID, JWKS, TOKEN_ENDPOINT_AUTH_METHOD,
    TOKEN_ENDPOINT_AUTH_SIGNING_ALG,
};

/// RFC 7521 §4.2 form parameters.
pub(crate) const CLIENT_ASSERTION_TYPE: &str = "client_assertion_type";
pub(crate) const CLIENT_ASSERTION: &str = "client_assertion";
/// RFC 7523 §2.2: the only assertion type accepted.
pub(crate) const JWT_BEARER_ASSERTION: &str =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Whether the request tries to authenticate with an assertion.
pub(crate) fn is_assertion_request(form: &HashMap<String, String>) -> bool {
    form.contains_key(CLIENT_ASSERTION_TYPE) || form.contains_key(CLIENT_ASSERTION)
}

/// The client an assertion request authenticates. `audiences` are the values `aud` may
/// name (the issuer and the token endpoint URL); `now` is seconds since the Unix epoch.
/// The caller has made sure no other method is used at the same time.
pub(crate) fn authenticate(
    store: &ClientStore,
    form: &HashMap<String, String>,
    audiences: &[String],
    defects: &DefectSet,
    now: u64,
) -> Result<StoredClient, TokenError> {
    let invalid = |why| TokenError::InvalidClient { basic: false, why };
    if defects.has(Defect::TokenRejectsClientAssertion) {
        return Err(invalid("client authentication failed"));
    }
    let (Some(kind), Some(assertion)) =
        (form.get(CLIENT_ASSERTION_TYPE), form.get(CLIENT_ASSERTION))
    else {
        return Err(TokenError::InvalidRequest(
            "client_assertion_type and client_assertion must be sent together",
        ));
    };
    if kind != JWT_BEARER_ASSERTION {
        return Err(invalid("the client_assertion_type is not supported"));
    }
    let jwt = jws::parse(assertion)
        .map_err(|_| invalid("the client assertion is not a JWT signed with RS256 or ES256"))?;
    let (Some(iss), Some(sub)) = (jwt.claim_str("iss"), jwt.claim_str("sub")) else {
        return Err(invalid("the client assertion needs iss and sub"));
    };
    if iss != sub {
        return Err(invalid(
            "the client assertion's iss and sub must both be the client_id",
        ));
    }
    if form.get(CLIENT_ID).is_some_and(|id| id != iss) {
        return Err(invalid("client_id does not match the client assertion"));
    }
    let client = store
        .get(iss)
        .ok_or_else(|| invalid("client authentication failed"))?;
    let record = &client.record;
    if record
        .get(TOKEN_ENDPOINT_AUTH_METHOD)
        .and_then(Value::as_str)
        != Some(AUTH_PRIVATE_KEY_JWT)
    {
        return Err(invalid(
            "the client must authenticate with its registered token_endpoint_auth_method",
        ));
    }
    // OIDC Core §9: with a registered algorithm, assertions signed otherwise are refused.
    let registered_alg = record
        .get(TOKEN_ENDPOINT_AUTH_SIGNING_ALG)
        .and_then(Value::as_str);
    if registered_alg.is_some_and(|alg| alg != jwt.alg.name()) {
        return Err(invalid(
            "the client assertion is not signed with the registered token_endpoint_auth_signing_alg",
        ));
    }
    if !defects.has(Defect::TokenAcceptsUnverifiedAssertion) && !signed_by_client(&jwt, record) {
        return Err(invalid(
            "the client assertion's signature does not verify with a registered key",
        ));
    }
    if !names_audience(&jwt.claims, audiences) {
        return Err(invalid(
            "the client assertion's aud must name the token endpoint or the issuer",
        ));
    }
    jws::check_times(&jwt.claims, now, true, true).map_err(|e| match e {
        jws::TimeError::MissingExp => invalid("the client assertion needs exp"),
        jws::TimeError::NotANumber => invalid("the client assertion's exp and nbf must be numbers"),
        jws::TimeError::Expired => invalid("the client assertion has expired"),
        jws::TimeError::NotYetValid => invalid("the client assertion is not valid yet"),
    })?;
    Ok(client)
}

/// Whether a key of the client's registered `jwks` verifies the assertion: the key with the
/// header's `kid` when it names one, else any signing key of the algorithm's type.
fn signed_by_client(jwt: &Jws<'_>, record: &Map<String, Value>) -> bool {
    let Some(keys) = record
        .get(JWKS)
        .and_then(|jwks| jwks.get("keys"))
        .and_then(Value::as_array)
    else {
        return false;
    };
    let kid = jwt.kid();
    keys.iter()
        .filter(|key| key.get("use").is_none_or(|u| u == "sig"))
        .filter(|key| kid.is_none_or(|kid| key.get("kid").and_then(Value::as_str) == Some(kid)))
        .any(|key| jwt.verifies_with(key))
}

/// RFC 7523 §3: `aud`, a string or an array of strings, names one of `audiences`.
fn names_audience(claims: &Map<String, Value>, audiences: &[String]) -> bool {
    let named = |aud: &str| audiences.iter().any(|a| a == aud);
    match claims.get("aud") {
        Some(Value::String(aud)) => named(aud),
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).any(named),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn aud_may_be_a_string_or_an_array() {
        let audiences = [
            "https://as.example".to_owned(),
            "https://as.example/token".to_owned(),
        ];
        let claims = |aud: Value| {
            json!({ "aud": aud })
                .as_object()
                .cloned()
                .unwrap_or_default()
        };
        assert!(names_audience(
            &claims(json!("https://as.example/token")),
            &audiences
        ));
        assert!(names_audience(
            &claims(json!(["x", "https://as.example"])),
            &audiences
        ));
        assert!(!names_audience(
            &claims(json!("https://other.example")),
            &audiences
        ));
        assert!(!names_audience(&claims(json!([])), &audiences));
        assert!(!names_audience(&claims(json!(5)), &audiences));
        assert!(!names_audience(&Map::new(), &audiences));
    }
}
