//! The hand-written fixture corpus (`fixtures/cases/*.json`, embedded at build time): payloads
//! random generation reaches badly (a 1 MiB name, duplicate keys, a BOM, deep nesting, vendor
//! quirks), each with its requirement ids and acceptable outcomes. Fixtures are sent in every
//! run, after the probes and before the generated cases.

use serde::Deserialize;
use serde_json::Value;

use super::{Auth, Body, Case, CaseKind, CaseRequest, Expectation, Method, Substitution};
use crate::profile::Profile;
use crate::spec::names::*;
use crate::spec::{self, Severity};

include!(concat!(env!("OUT_DIR"), "/fixtures.rs"));

/// A fixture file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    pub name: String,
    pub title: String,
    pub profiles: Vec<String>,
    pub requirements: Vec<String>,
    pub expect: FixtureExpect,
    pub severity: Severity,
    /// What the profiles' request schemas say: `valid`, `invalid` or `not_json`.
    pub schema: String,
    #[serde(default)]
    pub invalid_at: Option<String>,
    pub content_type: Option<String>,
    #[serde(default)]
    pub body: Option<Value>,
    #[serde(default)]
    pub body_raw: Option<String>,
    #[serde(default)]
    pub expand: std::collections::BTreeMap<String, Expand>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expand {
    pub repeat: String,
    pub times: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FixtureExpect {
    Register,
    RegisterOrRefuse,
    Reject {
        statuses: Vec<u16>,
        codes: Vec<String>,
    },
    RejectOrSubstitute {
        codes: Vec<String>,
        substitution: FixtureSubstitution,
    },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
pub enum FixtureSubstitution {
    MemberDiffers { member: String },
    RightType { member: String },
    RedirectUrisExclude { uri: String },
    NoRedirectGrants,
    ConsistentGrants,
    NotBothJwks,
    NoPrivateKeys,
    NoUnsignedFrontChannelIdTokens,
    NoWebImplicitOnLocalhost,
    EncPairedWithAlg { enc: String, alg: String },
    NativeRedirectsConform,
}

/// A fixture that does not make sense: a bug in the corpus, caught by the test suite.
#[derive(Debug, thiserror::Error)]
#[error("fixture {file}: {message}")]
pub struct FixtureError {
    pub file: String,
    pub message: String,
}

/// Largest expanded body a fixture may produce (the 1 MiB name plus the rest).
const MAX_EXPANDED: usize = 4 * 1024 * 1024;

/// Member names a fixture may name in a substitution rule, beyond RFC 7591 §2 metadata.
const MORE_MEMBERS: &[&str] = &[
    APPLICATION_TYPE,
    ID_TOKEN_SIGNED_RESPONSE_ALG,
    ID_TOKEN_ENCRYPTED_RESPONSE_ENC,
    SUBJECT_TYPE,
    DEFAULT_MAX_AGE,
    REQUIRE_AUTH_TIME,
    INITIATE_LOGIN_URI,
    METADATA,
    REQUIRE_PUSHED_AUTHORIZATION_REQUESTS,
    CLIENT_ID,
    CLIENT_SECRET,
    CLIENT_ID_ISSUED_AT,
    CLIENT_SECRET_EXPIRES_AT,
    SOFTWARE_STATEMENT,
    ID_TOKEN_ENCRYPTED_RESPONSE_ALG,
    USERINFO_SIGNED_RESPONSE_ALG,
    USERINFO_ENCRYPTED_RESPONSE_ALG,
    USERINFO_ENCRYPTED_RESPONSE_ENC,
    TOKEN_ENDPOINT_AUTH_SIGNING_ALG,
    DEFAULT_ACR_VALUES,
    REQUEST_URIS,
    SECTOR_IDENTIFIER_URI,
    REQUEST_OBJECT_SIGNING_ALG,
];

const KNOWN_CODES: &[&str] = &[
    INVALID_REDIRECT_URI,
    INVALID_CLIENT_METADATA,
    INVALID_SOFTWARE_STATEMENT,
    UNAPPROVED_SOFTWARE_STATEMENT,
    INVALID_REQUEST,
];

impl Fixture {
    pub fn parse(file: &str, text: &str) -> Result<Fixture, FixtureError> {
        let err = |message: String| FixtureError {
            file: file.to_string(),
            message,
        };
        let f: Fixture = serde_json::from_str(text).map_err(|e| err(e.to_string()))?;
        if format!("{}.json", f.name) != file {
            return Err(err(format!(
                "name '{}' does not match the file name",
                f.name
            )));
        }
        if f.body.is_some() == f.body_raw.is_some() {
            return Err(err("exactly one of body and body_raw".into()));
        }
        if !matches!(f.schema.as_str(), "valid" | "invalid" | "not_json") {
            return Err(err(format!("unknown schema status '{}'", f.schema)));
        }
        for p in &f.profiles {
            p.parse::<Profile>().map_err(|e| err(e.to_string()))?;
        }
        for id in &f.requirements {
            if spec::requirement(id).is_none() {
                return Err(err(format!("unknown requirement id {id}")));
            }
        }
        f.expectation().map_err(err)?;
        f.body_bytes().map_err(err)?;
        Ok(f)
    }

    pub fn applies_to(&self, profile: Profile) -> bool {
        self.profiles.iter().any(|p| p == profile.base().name())
    }

    /// The body as sent: JSON serialised compactly, or the raw text with placeholders expanded.
    pub fn body_bytes(&self) -> Result<String, String> {
        match (&self.body, &self.body_raw) {
            (Some(v), None) => Ok(v.to_string()),
            (None, Some(raw)) => {
                let mut out = raw.clone();
                for (placeholder, e) in &self.expand {
                    if e.repeat.len().saturating_mul(e.times) > MAX_EXPANDED {
                        return Err(format!("{placeholder} expands beyond {MAX_EXPANDED} bytes"));
                    }
                    if !out.contains(placeholder.as_str()) {
                        return Err(format!("placeholder {placeholder} is not in body_raw"));
                    }
                    out = out.replace(placeholder.as_str(), &e.repeat.repeat(e.times));
                }
                Ok(out)
            }
            _ => Err("exactly one of body and body_raw".into()),
        }
    }

    fn expectation(&self) -> Result<Expectation, String> {
        let codes = |list: &[String]| -> Result<Vec<&'static str>, String> {
            list.iter()
                .map(|c| {
                    KNOWN_CODES
                        .iter()
                        .copied()
                        .find(|k| k == c)
                        .ok_or_else(|| format!("unknown error code {c}"))
                })
                .collect()
        };
        let member = |m: &str| -> Result<&'static str, String> {
            RFC7591_METADATA
                .iter()
                .chain(MORE_MEMBERS)
                .copied()
                .find(|k| *k == m)
                .ok_or_else(|| format!("unknown member {m}"))
        };
        Ok(match &self.expect {
            FixtureExpect::Register => Expectation::Register,
            FixtureExpect::RegisterOrRefuse => Expectation::RegisterOrRefuse,
            FixtureExpect::Reject { statuses, codes: c } => Expectation::Reject {
                statuses: statuses.clone(),
                codes: codes(c)?,
            },
            FixtureExpect::RejectOrSubstitute {
                codes: c,
                substitution,
            } => Expectation::RejectOrSubstitute {
                codes: codes(c)?,
                substitution: match substitution {
                    FixtureSubstitution::MemberDiffers { member: m } => {
                        let m = member(m)?;
                        let sent = self
                            .body
                            .as_ref()
                            .and_then(|b| b.get(m))
                            .cloned()
                            .unwrap_or(Value::Null);
                        Substitution::MemberDiffers { member: m, sent }
                    }
                    FixtureSubstitution::RightType { member: m } => {
                        Substitution::RightType { member: member(m)? }
                    }
                    FixtureSubstitution::RedirectUrisExclude { uri } => {
                        Substitution::RedirectUrisExclude { uri: uri.clone() }
                    }
                    FixtureSubstitution::NoRedirectGrants => Substitution::NoRedirectGrants,
                    FixtureSubstitution::ConsistentGrants => Substitution::ConsistentGrants,
                    FixtureSubstitution::NotBothJwks => Substitution::NotBothJwks,
                    FixtureSubstitution::NoPrivateKeys => Substitution::NoPrivateKeys,
                    FixtureSubstitution::NoUnsignedFrontChannelIdTokens => {
                        Substitution::NoUnsignedFrontChannelIdTokens
                    }
                    FixtureSubstitution::NoWebImplicitOnLocalhost => {
                        Substitution::NoWebImplicitOnLocalhost
                    }
                    FixtureSubstitution::NativeRedirectsConform => {
                        Substitution::NativeRedirectsConform
                    }
                    FixtureSubstitution::EncPairedWithAlg { enc, alg } => {
                        Substitution::EncPairedWithAlg {
                            enc: member(enc)?,
                            alg: member(alg)?,
                        }
                    }
                },
            },
        })
    }

    /// The fixture as a case to send.
    pub fn to_case(&self) -> Result<Case, String> {
        let requirements = self
            .requirements
            .iter()
            .filter_map(|id| spec::requirement(id).map(|r| r.id))
            .collect();
        let body = match &self.body {
            Some(v) => Body::Json(v.clone()),
            None => {
                let raw = self.body_bytes()?;
                if raw.is_empty() {
                    Body::Empty
                } else {
                    Body::Raw(raw)
                }
            }
        };
        Ok(Case {
            id: format!("fixture-{}", self.name),
            kind: CaseKind::Fixture,
            title: self.title.clone(),
            request: CaseRequest {
                method: Method::Post,
                content_type: self.content_type.clone(),
                body,
                auth: Auth::Configured,
                headers: Vec::new(),
                configuration: None,
            },
            expectation: self.expectation()?,
            requirements,
            severity: self.severity,
            invalid_at: None,
            mutation: None,
            trigger: Vec::new(),
        })
    }
}

/// Every fixture of the corpus, parsed; a broken file is an error naming it.
pub fn all() -> Result<Vec<Fixture>, FixtureError> {
    FIXTURE_FILES
        .iter()
        .map(|(file, text)| Fixture::parse(file, text))
        .collect()
}

/// The fixture cases for a profile. Broken fixtures are skipped here; `all()` reports them
/// and the test suite fails on them.
pub fn cases(profile: Profile) -> Vec<Case> {
    FIXTURE_FILES
        .iter()
        .filter_map(|(file, text)| Fixture::parse(file, text).ok())
        .filter(|f| f.applies_to(profile))
        .filter_map(|f| f.to_case().ok())
        .collect()
}
