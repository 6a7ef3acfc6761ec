//! Profiles: which requirements apply to a target, the endpoint shape, the members a request
//! must carry, the JSON Schemas the target is judged against, and (for `seed-v3`) where the
//! vendor's document contradicts RFC 7591.
//!
//! Owns: per-profile facts. Must not: generate cases, send requests or judge responses.

use std::fmt;
use std::str::FromStr;

use jsonschema::Validator;
use serde::Serialize;
use serde_json::Value;

use crate::spec::{Requirement, Testability};

/// A set of rules a target is tested against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub enum Profile {
    /// RFC 7591 with the imported RFC 6749 redirect rules (the default).
    #[serde(rename = "rfc7591")]
    Rfc7591,
    /// RFC 7591 plus OpenID Connect Dynamic Client Registration 1.0.
    #[serde(rename = "oidc")]
    Oidc,
    /// The vendor API `POST /v3/modules/{module}/setups/{setupId}/clients`, judged by RFC 7591.
    #[serde(rename = "seed-v3")]
    SeedV3,
    /// RFC 7591 plus the MCP authorization rows: the registrations MCP clients make and the
    /// authorization endpoint they go on to (`--mcp-rev` picks the revision).
    #[serde(rename = "mcp")]
    Mcp,
}

impl Profile {
    pub const ALL: &'static [Profile] = &[
        Profile::Rfc7591,
        Profile::Oidc,
        Profile::SeedV3,
        Profile::Mcp,
    ];

    /// The profile whose schemas, fixtures and request shapes this one uses: `mcp` is
    /// `rfc7591` with rows on top.
    pub fn base(self) -> Profile {
        match self {
            Profile::Mcp => Profile::Rfc7591,
            p => p,
        }
    }

    /// Whether the MCP rows are judged: under `mcp`, and in any `--mcp-server` run.
    pub fn is_mcp(self) -> bool {
        self == Profile::Mcp
    }

    pub fn name(self) -> &'static str {
        match self {
            Profile::Rfc7591 => "rfc7591",
            Profile::Oidc => "oidc",
            Profile::SeedV3 => "seed-v3",
            Profile::Mcp => "mcp",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Profile::Rfc7591 => "RFC 7591 with the RFC 6749 §3.1.2 redirect rules",
            Profile::Oidc => "RFC 7591 plus OpenID Connect Dynamic Client Registration 1.0",
            Profile::SeedV3 => {
                "vendor API POST /v3/modules/{module}/setups/{setupId}/clients, judged by RFC 7591"
            }
            Profile::Mcp => {
                "RFC 7591 plus the MCP authorization rules for the registrations MCP clients make"
            }
        }
    }

    pub fn is_oidc(self) -> bool {
        self == Profile::Oidc
    }

    /// Path of the registration endpoint on the embedded reference server.
    pub fn embedded_path(self) -> &'static str {
        match self {
            Profile::Rfc7591 | Profile::Oidc | Profile::Mcp => "/register",
            Profile::SeedV3 => "/v3/modules/dcrcheck/setups/default/clients",
        }
    }

    /// Members every registration request of this profile carries.
    pub fn required_members(self) -> &'static [&'static str] {
        match self {
            Profile::Rfc7591 | Profile::Oidc | Profile::Mcp => &["redirect_uris"],
            Profile::SeedV3 => &["redirect_uris", "client_name"],
        }
    }

    /// Whether a catalog row is judged under this profile. RFC 7592 rows need the management
    /// protocol, which the registration run does not exercise.
    pub fn applies(self, req: &Requirement) -> bool {
        match self {
            Profile::Oidc => true,
            Profile::Rfc7591 | Profile::SeedV3 | Profile::Mcp => !req.id.starts_with("OIDC"),
        }
    }

    /// Whether a requirement is testable by a registration run at all.
    pub fn testable(req: &Requirement) -> bool {
        matches!(req.testability, Testability::Yes | Testability::Partial)
    }

    /// The vendor document's statements that RFC 7591 contradicts. The RFC rule is what the
    /// server is judged by; each conflict is reported once.
    pub fn conflicts(self) -> &'static [ContractConflict] {
        match self {
            Profile::SeedV3 => SEED_V3_CONFLICTS,
            _ => &[],
        }
    }

    fn schema_sources(self) -> [&'static str; 3] {
        match self.base() {
            Profile::Rfc7591 | Profile::Mcp => [
                include_str!("../../schemas/rfc7591/registration-request.schema.json"),
                include_str!("../../schemas/rfc7591/registration-response.schema.json"),
                include_str!("../../schemas/rfc7591/error-response.schema.json"),
            ],
            Profile::Oidc => [
                include_str!("../../schemas/oidc/registration-request.schema.json"),
                include_str!("../../schemas/oidc/registration-response.schema.json"),
                include_str!("../../schemas/oidc/error-response.schema.json"),
            ],
            Profile::SeedV3 => [
                include_str!("../../schemas/seed-v3/registration-request.schema.json"),
                include_str!("../../schemas/seed-v3/registration-response.schema.json"),
                include_str!("../../schemas/seed-v3/error-response.schema.json"),
            ],
        }
    }

    /// Compiles this profile's request, response and error schemas.
    pub fn schemas(self) -> Result<Schemas, SchemaError> {
        let [request, response, error] = self.schema_sources();
        Ok(Schemas {
            request: compile(self, "registration-request", request)?,
            response: compile(self, "registration-response", response)?,
            error: compile(self, "error-response", error)?,
        })
    }
}

fn compile(profile: Profile, name: &'static str, source: &str) -> Result<Validator, SchemaError> {
    let fail = |message: String| SchemaError {
        profile: profile.name(),
        name,
        message,
    };
    let value: Value = serde_json::from_str(source).map_err(|e| fail(e.to_string()))?;
    jsonschema::validator_for(&value).map_err(|e| fail(e.to_string()))
}

/// A built-in schema that does not compile: a bug in dcrcheck, reported, never a panic.
#[derive(Debug, thiserror::Error)]
#[error("built-in schema {profile}/{name} is broken: {message}")]
pub struct SchemaError {
    pub profile: &'static str,
    pub name: &'static str,
    pub message: String,
}

/// The compiled schemas of one profile.
pub struct Schemas {
    pub request: Validator,
    pub response: Validator,
    pub error: Validator,
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Profile {
    type Err = UnknownProfile;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Profile::ALL
            .iter()
            .copied()
            .find(|p| p.name() == s)
            .ok_or_else(|| UnknownProfile(s.to_string()))
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown profile '{0}' (expected one of: rfc7591, oidc, seed-v3, mcp)")]
pub struct UnknownProfile(pub String);

/// A statement of a vendor document that the RFC contradicts.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ContractConflict {
    pub member: &'static str,
    pub vendor: &'static str,
    pub rfc: &'static str,
    pub requirement: &'static str,
}

const SEED_V3_CONFLICTS: &[ContractConflict] = &[
    ContractConflict {
        member: "client_secret_expires_at",
        vendor: "documented as a string in the response schema",
        rfc: "a JSON number of seconds since the epoch, 0 for no expiry (RFC 7591 §3.2.1)",
        requirement: "R7591-3.2.1-e",
    },
    ContractConflict {
        member: "require_pushed_authorization_requests",
        vendor: "documented as a string",
        rfc: "a JSON boolean (RFC 9126 §6); RFC 7591 §2 makes member types JSON types",
        requirement: "R7591-2-c",
    },
    ContractConflict {
        member: "jwks",
        vendor: "a Java key object model (keyStore, provider, parsedX509CertChain, ...)",
        rfc: "a JWK Set: {\"keys\": [JWK...]} with kty and the key type's members (RFC 7591 §2, RFC 7517 §5)",
        requirement: "R7591-2-q",
    },
];
