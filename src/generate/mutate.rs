//! Mutations: each turns a valid payload into an invalid one by changing exactly one thing,
//! states where the request schema must reject it, and says which outcomes are acceptable.

use proptest::test_runner::TestRunner;
use serde_json::{json, Map, Value};

use super::valid::{private_keys, public_keys};
use super::{Case, CaseKind, CaseRequest, Expectation, Substitution};
use crate::profile::Profile;
use crate::spec::names::*;
use crate::spec::Severity;

const REDIRECT_CODES: &[&str] = &[INVALID_REDIRECT_URI, INVALID_CLIENT_METADATA];
const METADATA_CODES: &[&str] = &[INVALID_CLIENT_METADATA];

/// Which profiles a mutation is made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applies {
    All,
    /// RFC 7591 rules that OIDC relaxes.
    NotOidc,
    Oidc,
    SeedV3,
}

/// What a server may answer to the mutated payload.
#[derive(Debug, Clone, Copy)]
pub enum Rule {
    /// Refuse with one of the codes.
    Reject(&'static [&'static str]),
    /// Refuse, or register without echoing the value sent for the member.
    RejectOrDiffer(&'static str),
    /// Refuse, or register with the member's right JSON type.
    RejectOrRightType(&'static str),
    /// Refuse with a redirect code, or register without the bad URI (OIDC: refuse only).
    RejectOrDropRedirect,
    /// Refuse with a redirect code, or register a client with no redirect-based grant
    /// (OIDC: refuse only).
    RejectOrNoRedirectGrants,
    /// Refuse, or register a consistent grant/response pair.
    RejectOrConsistent,
    /// Refuse, or register only one of `jwks` / `jwks_uri`.
    RejectOrNotBoth,
    /// Refuse, or register keys without private material.
    RejectOrNoPrivateKeys,
    /// Refuse, or register no unsigned ID Tokens from the authorization endpoint.
    RejectOrNoUnsignedFrontChannelIdTokens,
    /// Refuse, or register something other than a web implicit client on localhost (OIDC:
    /// without touching redirect_uris).
    RejectOrNoWebImplicitOnLocalhost,
    /// Refuse, or register the client as web, or with conforming native redirect URIs.
    RejectOrNativeRedirectsConform,
    /// Refuse, or register the `enc` only with its `alg`.
    RejectOrEncPairedWithAlg(&'static str, &'static str),
    /// Must register: the change is one the server has to tolerate.
    Register,
}

/// The payload a mutation starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    /// A random conservative payload (varied members, https code flow).
    Random,
    /// The catalog's minimal request B0: for changes that a server must accept, so that a
    /// refusal can only be blamed on the change, and for catalog tests written as "B0 plus".
    Baseline,
}

/// One labelled way to break (or stress) a valid payload.
pub struct Mutation {
    /// Kebab-case label used in case ids.
    pub name: &'static str,
    pub title: &'static str,
    /// Requirement ids, most specific first; profile filtering picks the first that applies.
    pub requirements: &'static [&'static str],
    pub applies: Applies,
    /// Where the request schema rejects the mutated payload; `None` when it stays valid.
    pub invalid_at: Option<&'static str>,
    pub rule: Rule,
    /// Whether the mutation starts from a random conservative payload or from B0.
    pub base: Base,
    /// Severity of an unmet expectation under RFC 7591 and under OIDC.
    pub severity: (Severity, Severity),
    pub change: fn(&mut Map<String, Value>),
}

impl Mutation {
    pub fn applies_to(&self, profile: Profile) -> bool {
        match self.applies {
            Applies::All => true,
            Applies::NotOidc => profile != Profile::Oidc,
            Applies::Oidc => profile == Profile::Oidc,
            Applies::SeedV3 => profile == Profile::SeedV3,
        }
    }

    /// Applies the mutation to a base payload and wraps it as a case.
    pub fn apply(
        &self,
        profile: Profile,
        index: usize,
        mut base: Map<String, Value>,
        _runner: &mut TestRunner,
    ) -> Case {
        let before = base.clone();
        (self.change)(&mut base);
        let mut trigger: Vec<String> = base
            .iter()
            .filter(|(k, v)| before.get(*k) != Some(*v))
            .map(|(k, _)| k.clone())
            .chain(before.keys().filter(|k| !base.contains_key(*k)).cloned())
            .collect();
        trigger.sort();
        let expectation = self.expectation(profile, &base);
        let severity = if profile.is_oidc() {
            self.severity.1
        } else {
            self.severity.0
        };
        Case {
            id: format!("mut-{}-{index:04}", self.name),
            kind: CaseKind::Invalid,
            title: self.title.to_string(),
            request: CaseRequest::json(Value::Object(base)),
            expectation,
            requirements: self.requirements.to_vec(),
            severity,
            invalid_at: self.invalid_at,
            mutation: Some(self.name),
            trigger,
        }
    }

    fn expectation(&self, profile: Profile, body: &Map<String, Value>) -> Expectation {
        let reject = |codes: &[&'static str]| Expectation::Reject {
            statuses: vec![400],
            codes: codes.to_vec(),
        };
        let or_substitute =
            |codes: &[&'static str], substitution| Expectation::RejectOrSubstitute {
                codes: codes.to_vec(),
                substitution,
            };
        match self.rule {
            Rule::Reject(codes) => reject(codes),
            Rule::Register => Expectation::Register,
            // OIDC §3.2: redirect_uris may not be substituted; a bad one must be refused.
            Rule::RejectOrDropRedirect | Rule::RejectOrNoRedirectGrants if profile.is_oidc() => {
                reject(REDIRECT_CODES)
            }
            Rule::RejectOrDropRedirect => {
                let uri = body
                    .get(REDIRECT_URIS)
                    .and_then(Value::as_array)
                    .and_then(|a| a.first())
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                or_substitute(REDIRECT_CODES, Substitution::RedirectUrisExclude { uri })
            }
            Rule::RejectOrNoRedirectGrants => {
                or_substitute(REDIRECT_CODES, Substitution::NoRedirectGrants)
            }
            Rule::RejectOrDiffer(member) => or_substitute(
                METADATA_CODES,
                Substitution::MemberDiffers {
                    member,
                    sent: body.get(member).cloned().unwrap_or(Value::Null),
                },
            ),
            Rule::RejectOrRightType(member) => {
                let codes = if member == REDIRECT_URIS {
                    REDIRECT_CODES
                } else {
                    METADATA_CODES
                };
                or_substitute(codes, Substitution::RightType { member })
            }
            Rule::RejectOrConsistent => {
                or_substitute(METADATA_CODES, Substitution::ConsistentGrants)
            }
            Rule::RejectOrNotBoth => or_substitute(METADATA_CODES, Substitution::NotBothJwks),
            Rule::RejectOrNoPrivateKeys => {
                or_substitute(METADATA_CODES, Substitution::NoPrivateKeys)
            }
            Rule::RejectOrNoUnsignedFrontChannelIdTokens => {
                or_substitute(METADATA_CODES, Substitution::NoUnsignedFrontChannelIdTokens)
            }
            Rule::RejectOrNoWebImplicitOnLocalhost => {
                or_substitute(REDIRECT_CODES, Substitution::NoWebImplicitOnLocalhost)
            }
            Rule::RejectOrNativeRedirectsConform => {
                or_substitute(REDIRECT_CODES, Substitution::NativeRedirectsConform)
            }
            Rule::RejectOrEncPairedWithAlg(enc, alg) => {
                or_substitute(METADATA_CODES, Substitution::EncPairedWithAlg { enc, alg })
            }
        }
    }
}

fn set_first_redirect(m: &mut Map<String, Value>, uri: &str) {
    let mut list: Vec<Value> = m
        .get(REDIRECT_URIS)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if list.is_empty() {
        list.push(json!(uri));
    } else {
        list[0] = json!(uri);
    }
    m.insert(REDIRECT_URIS.into(), Value::Array(list));
}

fn set(m: &mut Map<String, Value>, member: &str, value: Value) {
    m.insert(member.into(), value);
}

/// Replaces the client's keys with `keys`, dropping `jwks_uri` so only one rule is broken.
fn set_jwks(m: &mut Map<String, Value>, jwks: Value) {
    m.remove(JWKS_URI);
    m.insert(JWKS.into(), jwks);
}

fn private_rsa() -> Value {
    private_keys()
        .iter()
        .find(|k| k["kty"] == "RSA")
        .cloned()
        .unwrap_or(Value::Null)
}

fn private_ec() -> Value {
    private_keys()
        .iter()
        .find(|k| k["kty"] == "EC")
        .cloned()
        .unwrap_or(Value::Null)
}

/// The modulus of a real 1024-bit RSA key (RFC 7518 §3.3 asks for at least 2048).
const RSA_1024_N: &str = "qWq7ZS5xdMEjHAdCj3AKcckmPQ63G8x_0pSJqfrROO6GQa54FxhxzC-fZ3_kx7FS_K9cOjwFkK-YJWWNjjmBGX_Dh_efJixixOFTB-KkndG7fJLZYLW4HcFDO2aSC1O_ou3kSjoqmnRSR12-_vAD0NXNR4JyN56UJa9dprEENhM";

/// A self-signed P-256 certificate for CN=client.example.org (DER, base64), for a JWK that
/// carries its key only in x5c.
const P256_CERTIFICATE: &str = "MIIBJzCBzqADAgECAgJe7TAKBggqhkjOPQQDAjAdMRswGQYDVQQDDBJjbGllbnQuZXhhbXBsZS5vcmcwHhcNMjUwMTAxMDAwMDAwWhcNMzUwMTAxMDAwMDAwWjAdMRswGQYDVQQDDBJjbGllbnQuZXhhbXBsZS5vcmcwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATCMpT1xP1K7nQNREwTOdYYljyVTZaafybQRc29TPNhN3hxnCkTOvW4r3w1Lh1fvM7V+1E7DYwKjaSkvf5q3+SBMAoGCCqGSM49BAMCA0gAMEUCICLEk73lwhgrIkeXs4UOltCZuFQjvnsC+08pujvseDE6AiEAgjE7juTNkQxoqXNt0w8VmlSq1e1mwO+TBsmf1k3yUX4=";

/// A public fixture key of type `kty`, with `drop` removed.
fn public_key_without(kty: &str, drop: &[&str]) -> Value {
    let mut key = public_keys()
        .iter()
        .find(|k| k["kty"] == kty)
        .cloned()
        .unwrap_or(json!({}));
    if let Some(o) = key.as_object_mut() {
        for member in drop {
            o.remove(*member);
        }
    }
    key
}

const F: Severity = Severity::Fail;
const W: Severity = Severity::Warn;

/// Every mutation dcrcheck knows.
pub static MUTATIONS: &[Mutation] = &[
    Mutation {
        name: "redirect-fragment",
        title: "redirect URI with a fragment",
        requirements: &["R6749-3.1.2-a", "OIDCR-3.2-b"],
        applies: Applies::All,
        invalid_at: Some("/redirect_uris/0"),
        base: Base::Random,
        rule: Rule::RejectOrDropRedirect,
        severity: (W, F),
        change: |m| set_first_redirect(m, "https://client.example.org/cb#fragment"),
    },
    Mutation {
        name: "redirect-relative",
        title: "relative redirect URI",
        requirements: &["R6749-3.1.2-b", "OIDCR-3.2-b"],
        applies: Applies::All,
        invalid_at: Some("/redirect_uris/0"),
        base: Base::Random,
        rule: Rule::RejectOrDropRedirect,
        severity: (F, F),
        change: |m| set_first_redirect(m, "/cb"),
    },
    Mutation {
        name: "redirect-http-remote",
        // OIDC lets a provider accept http for web clients of the code flow (OIDC §2,
        // redirect_uris; OIDCR-2-g), so this is an RFC 7591 rule only.
        title: "plain-http redirect URI on a remote host",
        requirements: &["R7591-5-c"],
        applies: Applies::NotOidc,
        invalid_at: Some("/redirect_uris/0"),
        base: Base::Random,
        rule: Rule::RejectOrDropRedirect,
        severity: (F, F),
        change: |m| set_first_redirect(m, "http://client.example.org/cb"),
    },
    Mutation {
        name: "redirect-not-array",
        title: "redirect_uris as a bare string",
        requirements: &["R7591-2-c"],
        applies: Applies::All,
        invalid_at: Some("/redirect_uris"),
        base: Base::Random,
        rule: Rule::RejectOrRightType(REDIRECT_URIS),
        severity: (F, F),
        change: |m| set(m, REDIRECT_URIS, json!("https://client.example.org/cb")),
    },
    Mutation {
        name: "redirect-empty",
        title: "empty redirect_uris with a redirect-based grant",
        requirements: &["OIDCR-2-a", "R7591-5-b"],
        applies: Applies::All,
        invalid_at: Some("/redirect_uris"),
        base: Base::Random,
        rule: Rule::RejectOrNoRedirectGrants,
        severity: (F, F),
        change: |m| set(m, REDIRECT_URIS, json!([])),
    },
    Mutation {
        name: "redirect-missing",
        title: "no redirect_uris with a redirect-based grant",
        requirements: &["OIDCR-2-a", "R7591-5-b"],
        applies: Applies::All,
        invalid_at: Some(""),
        base: Base::Random,
        rule: Rule::RejectOrNoRedirectGrants,
        severity: (F, F),
        change: |m| {
            m.remove(REDIRECT_URIS);
        },
    },
    Mutation {
        name: "redirect-partly-bad",
        title: "one good and one fragment redirect URI",
        requirements: &["OIDCR-3.2-b"],
        applies: Applies::Oidc,
        invalid_at: Some("/redirect_uris/1"),
        base: Base::Random,
        rule: Rule::Reject(REDIRECT_CODES),
        severity: (F, F),
        change: |m| {
            set(
                m,
                REDIRECT_URIS,
                json!([
                    "https://client.example.org/cb",
                    "https://client.example.org/cb#bad"
                ]),
            )
        },
    },
    Mutation {
        name: "scope-array",
        title: "scope as an array",
        requirements: &["R7591-2-c"],
        applies: Applies::All,
        invalid_at: Some("/scope"),
        base: Base::Random,
        rule: Rule::RejectOrRightType(SCOPE),
        severity: (F, F),
        change: |m| set(m, SCOPE, json!(["openid", "profile"])),
    },
    Mutation {
        name: "contacts-string",
        title: "contacts as a string",
        requirements: &["R7591-2-c"],
        applies: Applies::All,
        invalid_at: Some("/contacts"),
        base: Base::Random,
        rule: Rule::RejectOrRightType(CONTACTS),
        severity: (F, F),
        change: |m| set(m, CONTACTS, json!("ops@client.example.org")),
    },
    Mutation {
        name: "grant-types-string",
        title: "grant_types as a string",
        requirements: &["R7591-2-c"],
        applies: Applies::All,
        invalid_at: Some("/grant_types"),
        base: Base::Random,
        rule: Rule::RejectOrRightType(GRANT_TYPES),
        severity: (F, F),
        change: |m| {
            m.remove(RESPONSE_TYPES);
            set(m, GRANT_TYPES, json!(GRANT_AUTHORIZATION_CODE))
        },
    },
    Mutation {
        name: "response-types-string",
        title: "response_types as a string",
        requirements: &["R7591-2-c"],
        applies: Applies::All,
        invalid_at: Some("/response_types"),
        base: Base::Random,
        rule: Rule::RejectOrRightType(RESPONSE_TYPES),
        severity: (F, F),
        change: |m| {
            m.remove(GRANT_TYPES);
            set(m, RESPONSE_TYPES, json!("code"))
        },
    },
    Mutation {
        name: "client-name-number",
        title: "client_name as a number",
        requirements: &["R7591-2-c"],
        applies: Applies::All,
        invalid_at: Some("/client_name"),
        base: Base::Random,
        rule: Rule::RejectOrRightType(CLIENT_NAME),
        severity: (F, F),
        change: |m| set(m, CLIENT_NAME, json!(42)),
    },
    Mutation {
        name: "auth-method-number",
        title: "token_endpoint_auth_method as a number",
        requirements: &["R7591-2-c"],
        applies: Applies::All,
        invalid_at: Some("/token_endpoint_auth_method"),
        base: Base::Random,
        rule: Rule::RejectOrRightType(TOKEN_ENDPOINT_AUTH_METHOD),
        severity: (F, F),
        change: |m| set(m, TOKEN_ENDPOINT_AUTH_METHOD, json!(1)),
    },
    Mutation {
        name: "software-version-number",
        title: "software_version as a number",
        requirements: &["R7591-2-c", "R7591-2-s"],
        applies: Applies::All,
        invalid_at: Some("/software_version"),
        base: Base::Random,
        rule: Rule::RejectOrRightType(SOFTWARE_VERSION),
        severity: (F, F),
        change: |m| set(m, SOFTWARE_VERSION, json!(2.1)),
    },
    Mutation {
        name: "jwks-string",
        title: "jwks as a string",
        requirements: &["R7591-2-q"],
        applies: Applies::All,
        invalid_at: Some("/jwks"),
        base: Base::Random,
        rule: Rule::RejectOrDiffer(JWKS),
        severity: (F, F),
        change: |m| set_jwks(m, json!("abc")),
    },
    Mutation {
        name: "jwks-empty-object",
        title: "jwks without keys",
        requirements: &["R7517-5-a", "R7591-2-q"],
        applies: Applies::All,
        invalid_at: Some("/jwks"),
        base: Base::Random,
        rule: Rule::RejectOrDiffer(JWKS),
        severity: (F, F),
        change: |m| set_jwks(m, json!({})),
    },
    Mutation {
        name: "jwks-keys-object",
        title: "jwks whose keys is an object",
        requirements: &["R7517-5-a", "R7591-2-q"],
        applies: Applies::All,
        invalid_at: Some("/jwks/keys"),
        base: Base::Random,
        rule: Rule::RejectOrDiffer(JWKS),
        severity: (F, F),
        change: |m| set_jwks(m, json!({"keys": {}})),
    },
    Mutation {
        name: "jwk-without-kty",
        title: "JWK without kty",
        requirements: &["R7517-4.1-a", "R7591-2-q"],
        applies: Applies::All,
        invalid_at: Some("/jwks/keys/0"),
        base: Base::Random,
        rule: Rule::RejectOrDiffer(JWKS),
        // RFC 7517 §5: receivers SHOULD ignore keys missing required members.
        severity: (W, W),
        change: |m| {
            let mut key = public_keys().first().cloned().unwrap_or(json!({}));
            if let Some(o) = key.as_object_mut() {
                o.remove("kty");
            }
            set_jwks(m, json!({ "keys": [key] }))
        },
    },
    Mutation {
        name: "jwks-and-jwks-uri",
        // The catalog's test (R7591-2-p): B0 plus a valid jwks and a jwks_uri, so the client
        // does not depend on its keys the way a private_key_jwt client would.
        title: "both jwks and jwks_uri",
        requirements: &["OIDCR-2-j", "R7591-2-p"],
        applies: Applies::All,
        invalid_at: Some(""),
        base: Base::Baseline,
        rule: Rule::RejectOrNotBoth,
        severity: (F, F),
        change: |m| {
            let key = public_keys().first().cloned().unwrap_or(json!({}));
            set(m, JWKS, json!({ "keys": [key] }));
            set(m, JWKS_URI, json!("https://client.example.org/jwks.json"));
        },
    },
    Mutation {
        name: "jwk-private-rsa",
        title: "RSA JWK with private members",
        requirements: &["OIDCR-2-i", "R7591-2-q"],
        applies: Applies::All,
        invalid_at: Some("/jwks/keys/0"),
        base: Base::Random,
        rule: Rule::RejectOrNoPrivateKeys,
        severity: (W, W),
        change: |m| set_jwks(m, json!({ "keys": [private_rsa()] })),
    },
    Mutation {
        name: "jwk-private-ec",
        title: "EC JWK with a private member",
        requirements: &["OIDCR-2-i", "R7591-2-q"],
        applies: Applies::All,
        invalid_at: Some("/jwks/keys/0"),
        base: Base::Random,
        rule: Rule::RejectOrNoPrivateKeys,
        severity: (W, W),
        change: |m| set_jwks(m, json!({ "keys": [private_ec()] })),
    },
    Mutation {
        name: "jwk-symmetric",
        title: "symmetric (oct) JWK",
        requirements: &["OIDCR-2-i", "R7591-2-q"],
        applies: Applies::All,
        invalid_at: Some("/jwks/keys/0"),
        base: Base::Random,
        rule: Rule::RejectOrNoPrivateKeys,
        severity: (W, W),
        change: |m| {
            set_jwks(
                m,
                json!({"keys": [{"kty": "oct", "kid": "hmac", "k": "GawgguFyGrWKav7AX4VKUg"}]}),
            )
        },
    },
    Mutation {
        name: "grants-code-with-token",
        title: "authorization_code grant with the token response type",
        requirements: &["OIDCR-2-b", "R7591-2.1-a"],
        applies: Applies::All,
        invalid_at: Some(""),
        base: Base::Random,
        rule: Rule::RejectOrConsistent,
        severity: (W, W),
        change: |m| {
            set(m, GRANT_TYPES, json!([GRANT_AUTHORIZATION_CODE]));
            set(m, RESPONSE_TYPES, json!(["token"]));
        },
    },
    Mutation {
        name: "grants-implicit-with-code",
        title: "implicit grant with the code response type",
        requirements: &["OIDCR-2-b", "R7591-2.1-a"],
        applies: Applies::All,
        invalid_at: Some(""),
        base: Base::Random,
        rule: Rule::RejectOrConsistent,
        severity: (W, W),
        change: |m| {
            set(m, GRANT_TYPES, json!([GRANT_IMPLICIT]));
            set(m, RESPONSE_TYPES, json!(["code"]));
        },
    },
    Mutation {
        name: "grants-code-id-token-without-implicit",
        title: "code id_token response type with only authorization_code",
        requirements: &["OIDCR-2-b"],
        applies: Applies::Oidc,
        invalid_at: Some(""),
        base: Base::Random,
        rule: Rule::RejectOrConsistent,
        severity: (W, W),
        change: |m| {
            set(m, GRANT_TYPES, json!([GRANT_AUTHORIZATION_CODE]));
            set(m, RESPONSE_TYPES, json!(["code id_token"]));
        },
    },
    Mutation {
        name: "auth-method-unknown",
        title: "unregistered token_endpoint_auth_method",
        requirements: &["R7591-2-h"],
        applies: Applies::All,
        invalid_at: Some("/token_endpoint_auth_method"),
        base: Base::Random,
        rule: Rule::RejectOrDiffer(TOKEN_ENDPOINT_AUTH_METHOD),
        severity: (W, W),
        change: |m| set(m, TOKEN_ENDPOINT_AUTH_METHOD, json!("bogus_auth")),
    },
    Mutation {
        name: "client-uri-javascript",
        title: "javascript: client_uri",
        requirements: &["R7591-2-m"],
        applies: Applies::All,
        invalid_at: Some("/client_uri"),
        base: Base::Random,
        rule: Rule::RejectOrDiffer(CLIENT_URI),
        severity: (W, W),
        change: |m| set(m, CLIENT_URI, json!("javascript:alert(1)")),
    },
    Mutation {
        name: "logo-uri-not-url",
        title: "logo_uri that is not a URL",
        requirements: &["R7591-2-m"],
        applies: Applies::All,
        invalid_at: Some("/logo_uri"),
        base: Base::Random,
        rule: Rule::RejectOrDiffer(LOGO_URI),
        severity: (W, W),
        change: |m| set(m, LOGO_URI, json!("not a url")),
    },
    Mutation {
        name: "unknown-members",
        title: "unknown members with string and object values",
        requirements: &["R7591-2-a", "OIDCR-3.2-c"],
        applies: Applies::All,
        invalid_at: None,
        base: Base::Baseline,
        rule: Rule::Register,
        severity: (F, F),
        change: |m| {
            set(m, "x_dcrcheck_unknown", json!("v"));
            set(
                m,
                "x_dcrcheck_object",
                json!({"n": 1, "nested": {"deep": [1, 2]}}),
            );
        },
    },
    Mutation {
        name: "application-type-unknown",
        title: "application_type desktop",
        requirements: &["OIDCR-2-d"],
        applies: Applies::Oidc,
        invalid_at: Some("/application_type"),
        base: Base::Random,
        rule: Rule::RejectOrDiffer(APPLICATION_TYPE),
        severity: (W, W),
        change: |m| set(m, APPLICATION_TYPE, json!("desktop")),
    },
    Mutation {
        name: "native-http-remote",
        title: "native client with a remote http redirect URI",
        requirements: &["OIDCR-2-f"],
        applies: Applies::Oidc,
        invalid_at: Some("/redirect_uris/0"),
        base: Base::Random,
        rule: Rule::RejectOrNativeRedirectsConform,
        severity: (F, F),
        change: |m| {
            set(m, APPLICATION_TYPE, json!("native"));
            set(m, REDIRECT_URIS, json!(["http://client.example.org/cb"]));
        },
    },
    Mutation {
        name: "web-implicit-localhost",
        title: "web client using implicit with a localhost redirect URI",
        requirements: &["OIDCR-2-e"],
        applies: Applies::Oidc,
        invalid_at: Some(""),
        base: Base::Random,
        rule: Rule::RejectOrNoWebImplicitOnLocalhost,
        severity: (F, F),
        change: |m| {
            set(m, APPLICATION_TYPE, json!("web"));
            set(m, GRANT_TYPES, json!([GRANT_IMPLICIT]));
            set(m, RESPONSE_TYPES, json!(["id_token"]));
            set(m, REDIRECT_URIS, json!(["http://localhost:8080/cb"]));
            m.remove(ID_TOKEN_SIGNED_RESPONSE_ALG);
        },
    },
    Mutation {
        name: "enc-without-alg",
        // A provider without ID Token encryption may ignore the member (OIDC §3.2); echoing an
        // enc without its alg is the violation.
        title: "id_token_encrypted_response_enc without its alg",
        requirements: &["OIDCR-2-o"],
        applies: Applies::Oidc,
        invalid_at: Some(""),
        base: Base::Random,
        rule: Rule::RejectOrEncPairedWithAlg(
            ID_TOKEN_ENCRYPTED_RESPONSE_ENC,
            ID_TOKEN_ENCRYPTED_RESPONSE_ALG,
        ),
        severity: (W, W),
        change: |m| set(m, ID_TOKEN_ENCRYPTED_RESPONSE_ENC, json!("A128CBC-HS256")),
    },
    Mutation {
        name: "id-token-alg-none-implicit",
        title:
            "unsigned ID Tokens for a client that gets ID Tokens from the authorization endpoint",
        requirements: &["OIDCR-2-m"],
        applies: Applies::Oidc,
        invalid_at: Some(""),
        base: Base::Random,
        rule: Rule::RejectOrNoUnsignedFrontChannelIdTokens,
        severity: (F, F),
        change: |m| {
            set(m, GRANT_TYPES, json!([GRANT_IMPLICIT]));
            set(m, RESPONSE_TYPES, json!(["id_token"]));
            set(m, APPLICATION_TYPE, json!("web"));
            set(m, REDIRECT_URIS, json!(["https://client.example.org/cb"]));
            set(m, ID_TOKEN_SIGNED_RESPONSE_ALG, json!("none"));
        },
    },
    Mutation {
        name: "auth-signing-alg-none",
        title: "token_endpoint_auth_signing_alg none",
        requirements: &["OIDCR-2-t"],
        applies: Applies::Oidc,
        invalid_at: Some("/token_endpoint_auth_signing_alg"),
        base: Base::Random,
        rule: Rule::RejectOrDiffer(TOKEN_ENDPOINT_AUTH_SIGNING_ALG),
        severity: (W, W),
        change: |m| {
            let key = public_keys().first().cloned().unwrap_or(json!({}));
            set(m, TOKEN_ENDPOINT_AUTH_METHOD, json!(AUTH_PRIVATE_KEY_JWT));
            set_jwks(m, json!({ "keys": [key] }));
            set(m, TOKEN_ENDPOINT_AUTH_SIGNING_ALG, json!("none"));
        },
    },
    Mutation {
        name: "initiate-login-http",
        title: "plain-http initiate_login_uri",
        requirements: &["OIDCR-2-w"],
        applies: Applies::Oidc,
        invalid_at: Some("/initiate_login_uri"),
        base: Base::Random,
        rule: Rule::RejectOrDiffer(INITIATE_LOGIN_URI),
        severity: (F, F),
        change: |m| {
            set(
                m,
                INITIATE_LOGIN_URI,
                json!("http://client.example.org/login"),
            )
        },
    },
    Mutation {
        name: "subject-type-unknown",
        title: "subject_type bogus",
        requirements: &["OIDCR-2-l"],
        applies: Applies::Oidc,
        invalid_at: Some("/subject_type"),
        base: Base::Random,
        rule: Rule::RejectOrDiffer(SUBJECT_TYPE),
        severity: (W, W),
        change: |m| set(m, SUBJECT_TYPE, json!("bogus")),
    },
    Mutation {
        name: "max-age-string",
        title: "default_max_age as a string",
        requirements: &["OIDCR-2-v"],
        applies: Applies::Oidc,
        invalid_at: Some("/default_max_age"),
        base: Base::Random,
        rule: Rule::RejectOrRightType(DEFAULT_MAX_AGE),
        severity: (W, W),
        change: |m| set(m, DEFAULT_MAX_AGE, json!("60")),
    },
    Mutation {
        name: "jwks-uri-http",
        title: "plain-http jwks_uri",
        requirements: &["OIDCR-2-h"],
        applies: Applies::Oidc,
        invalid_at: Some("/jwks_uri"),
        base: Base::Random,
        rule: Rule::RejectOrDiffer(JWKS_URI),
        severity: (W, W),
        change: |m| {
            m.remove(JWKS);
            set(m, JWKS_URI, json!("http://client.example.org/jwks"))
        },
    },
    Mutation {
        name: "alg-unknown",
        title: "id_token_signed_response_alg RS999",
        requirements: &["OIDCR-2-n"],
        applies: Applies::Oidc,
        invalid_at: Some("/id_token_signed_response_alg"),
        base: Base::Random,
        rule: Rule::RejectOrDiffer(ID_TOKEN_SIGNED_RESPONSE_ALG),
        severity: (W, W),
        change: |m| set(m, ID_TOKEN_SIGNED_RESPONSE_ALG, json!("RS999")),
    },
    Mutation {
        name: "redirect-missing-client-credentials",
        // RFC 7591 §5 lets a client without redirect-based grants leave redirect_uris out
        // (R7591-2.1-c); OIDC §2 always requires them, and its row grades a 201 as WARN.
        title: "no redirect_uris for a client_credentials-only client",
        requirements: &["OIDCR-2-a"],
        applies: Applies::Oidc,
        invalid_at: Some(""),
        base: Base::Random,
        rule: Rule::Reject(REDIRECT_CODES),
        severity: (W, W),
        change: |m| {
            m.remove(REDIRECT_URIS);
            m.remove(RESPONSE_TYPES);
            set(m, GRANT_TYPES, json!([GRANT_CLIENT_CREDENTIALS]));
        },
    },
    Mutation {
        name: "request-uris-string",
        title: "request_uris as a bare string",
        requirements: &["OIDCR-2-x"],
        applies: Applies::Oidc,
        invalid_at: Some("/request_uris"),
        base: Base::Random,
        rule: Rule::RejectOrDiffer(REQUEST_URIS),
        severity: (F, F),
        change: |m| set(m, REQUEST_URIS, json!("https://client.example.org/rf.txt")),
    },
    Mutation {
        name: "sector-identifier-http",
        title: "plain-http sector_identifier_uri",
        requirements: &["OIDCR-5-a"],
        applies: Applies::Oidc,
        invalid_at: Some("/sector_identifier_uri"),
        base: Base::Random,
        rule: Rule::RejectOrDiffer(SECTOR_IDENTIFIER_URI),
        severity: (W, W),
        change: |m| {
            set(
                m,
                SECTOR_IDENTIFIER_URI,
                json!("http://client.example.org/sector.json"),
            )
        },
    },
    Mutation {
        name: "jwk-ec-without-y",
        // The row grades an accepted incomplete key as WARN.
        title: "EC JWK without its y coordinate",
        requirements: &["R7518-6-a", "R7591-2-q"],
        applies: Applies::All,
        invalid_at: Some("/jwks/keys/0"),
        base: Base::Random,
        rule: Rule::RejectOrDiffer(JWKS),
        severity: (W, W),
        change: |m| set_jwks(m, json!({ "keys": [public_key_without("EC", &["y"])] })),
    },
    Mutation {
        name: "jwk-rsa-1024",
        // The request schemas do not check the modulus length, so the payload stays
        // schema-valid. The row grades an accepted short key as WARN.
        title: "1024-bit RSA JWK",
        requirements: &["R7518-3.3-a", "R7591-2-q"],
        applies: Applies::All,
        invalid_at: None,
        base: Base::Random,
        rule: Rule::RejectOrDiffer(JWKS),
        severity: (W, W),
        change: |m| {
            let mut key = public_key_without("RSA", &["kid"]);
            key["kid"] = json!("rsa-1024");
            key["n"] = json!(RSA_1024_N);
            set_jwks(m, json!({ "keys": [key] }))
        },
    },
    Mutation {
        name: "jwk-x5c-without-members",
        title: "EC JWK with x5c but without x and y",
        requirements: &["R7517-4.7-a", "R7591-2-q"],
        applies: Applies::All,
        invalid_at: Some("/jwks/keys/0"),
        base: Base::Random,
        rule: Rule::RejectOrDiffer(JWKS),
        severity: (W, W),
        change: |m| {
            let mut key = public_key_without("EC", &["x", "y", "kid", "alg"]);
            key["kid"] = json!("x5c-only");
            key["crv"] = json!("P-256");
            key["x5c"] = json!([P256_CERTIFICATE]);
            set_jwks(m, json!({ "keys": [key] }))
        },
    },
    Mutation {
        name: "vendor-metadata-not-array",
        title: "vendor metadata as an object",
        requirements: &["R7591-2-c"],
        applies: Applies::SeedV3,
        invalid_at: Some("/metadata"),
        base: Base::Random,
        rule: Rule::RejectOrRightType(METADATA),
        severity: (F, F),
        change: |m| set(m, METADATA, json!({"name": "team", "value": "payments"})),
    },
    Mutation {
        name: "vendor-par-string",
        title: "require_pushed_authorization_requests as a string, as the vendor documents it",
        requirements: &["R7591-2-c"],
        applies: Applies::SeedV3,
        invalid_at: Some("/require_pushed_authorization_requests"),
        base: Base::Random,
        rule: Rule::RejectOrRightType(REQUIRE_PUSHED_AUTHORIZATION_REQUESTS),
        severity: (F, F),
        change: |m| set(m, REQUIRE_PUSHED_AUTHORIZATION_REQUESTS, json!("true")),
    },
    Mutation {
        name: "vendor-jwks-model",
        title: "jwks in the vendor's Java key model",
        requirements: &["R7591-2-q"],
        applies: Applies::SeedV3,
        invalid_at: Some("/jwks/keys/0"),
        base: Base::Random,
        rule: Rule::RejectOrDiffer(JWKS),
        severity: (W, W),
        change: |m| {
            set_jwks(
                m,
                json!({"keys": [{"keyStore": {"type": "PKCS12"}, "private": false,
                    "algorithm": {"name": "RS256", "requirement": "REQUIRED"},
                    "keyUse": {"value": "sig"}, "keyID": "k1",
                    "keyType": {"value": "RSA", "requirement": "REQUIRED"},
                    "parsedX509CertChain": []}], "empty": false}),
            )
        },
    },
];
