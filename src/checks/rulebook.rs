//! The rulebook: how severe a broken expectation may be graded, per requirement row and
//! profile, and the sentence of the specification that makes a FAIL defensible.
//!
//! Owns: the ceiling every verdict is clamped to. A check or a case may ask for less than the
//! ceiling, never more: `Out` clamps every flag here, so a FAIL can only exist where a
//! [`Ground`] below names the sentence that binds the server. `docs/judgement.md` explains the
//! rules in prose and carries the table of grounds, written from [`GROUNDS`] by a test.
//! Must not: look at responses (that is the checks) or decide what is sent.

use crate::profile::Profile;
use crate::spec::{Level, Requirement, Severity};

/// Where a ground applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    All,
    /// Every profile but `oidc`.
    NotOidc,
    Oidc,
}

impl Scope {
    fn covers(self, profile: Profile) -> bool {
        match self {
            Scope::All => true,
            Scope::NotOidc => !profile.is_oidc(),
            Scope::Oidc => profile.is_oidc(),
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Scope::All => "all",
            Scope::NotOidc => "rfc7591, seed-v3",
            Scope::Oidc => "oidc",
        }
    }
}

/// Why a row may be graded as high as it is.
#[derive(Debug)]
pub struct Ground {
    pub requirement: &'static str,
    pub scope: Scope,
    /// The most a finding on this row may be graded by default.
    pub severity: Severity,
    /// The most under `--strict`.
    pub strict: Severity,
    /// What is graded at that level, in a few words.
    pub what: &'static str,
    /// The sentence that binds the server (quoted), or the OpenID Foundation test module that
    /// fails the behaviour.
    pub sentence: &'static str,
    pub source: &'static str,
    /// Set when `severity` exceeds what the row's level allows (MUST/Defined: FAIL;
    /// SHOULD/Derived/BP: WARN; MAY: INFO): the reason the row's level understates the rule.
    pub exception: Option<&'static str>,
    /// The ground holds only with `--require-token`; otherwise the row is INFO.
    pub needs_require_token: bool,
}

const F: Severity = Severity::Fail;
const W: Severity = Severity::Warn;

const fn ground(
    requirement: &'static str,
    scope: Scope,
    what: &'static str,
    sentence: &'static str,
    source: &'static str,
) -> Ground {
    Ground {
        requirement,
        scope,
        severity: F,
        strict: F,
        what,
        sentence,
        source,
        exception: None,
        needs_require_token: false,
    }
}

/// A row graded WARN by default that `--strict` turns into FAIL.
const fn strict_only(
    requirement: &'static str,
    scope: Scope,
    what: &'static str,
    sentence: &'static str,
    source: &'static str,
) -> Ground {
    Ground {
        severity: W,
        ..ground(requirement, scope, what, sentence, source)
    }
}

const fn excepted(g: Ground, reason: &'static str) -> Ground {
    Ground {
        exception: Some(reason),
        ..g
    }
}

const REDIRECT_FORMS: &str = "registered redirection URI values MUST be one of: A remote web site protected by TLS ... A web site hosted on the local machine using an HTTP URI ... A non-HTTP application-specific URL that is available only to the client application";
const OIDC_REDIRECT_VERIFY: &str =
    "The Authorization Server MUST verify that all the registered redirect_uris conform to these constraints.";
const REGISTERED_METADATA: &str = "the authorization server MUST return all registered metadata about the client, including any fields provisioned by the authorization server itself";
const ERROR_400: &str = "When a registration error condition occurs, the authorization server returns an HTTP 400 status code (unless otherwise specified) with content type \"application/json\" consisting of a JSON object [RFC7159] describing the error in the response body.";
const TLS_REQUIRED: &str = "the authorization server MUST require the use of a transport-layer security mechanism when sending requests to the registration endpoint";

/// Every row a finding may FAIL on (and the rows `--strict` turns into FAIL), with the
/// sentence that justifies it. A row with no ground here is graded WARN at most (INFO for MAY
/// rows), whatever its level says.
pub static GROUNDS: &[Ground] = &[
    // RFC 7591 §2: metadata.
    ground(
        "R7591-2-a",
        Scope::All,
        "a request refused for an unknown member",
        "The authorization server MUST ignore any client metadata sent by the client that it does not understand",
        "RFC 7591 §2",
    ),
    ground(
        "R7591-2-c",
        Scope::All,
        "a registered member returned with the wrong JSON type (array, string, object)",
        "redirect_uris: Array of redirection URI strings ... scope: String containing a space-separated list of scope values ... (the response returns the registered values: \"all registered metadata about the client\")",
        "RFC 7591 §2, §3.2.1",
    ),
    ground(
        "R7591-2-e",
        Scope::All,
        "a secret-based auth method registered with no client_secret",
        "The response contains the client identifier as well as the client secret, if the client is a confidential client.",
        "RFC 7591 §3.2.1",
    ),
    ground(
        "R7591-2-j",
        Scope::All,
        "registered grant types under names that are not the token endpoint's grant_type values",
        "grant_types: Array of OAuth 2.0 grant type strings that the client can use at the token endpoint. These grant types are defined as follows: \"authorization_code\" ... \"refresh_token\" ...",
        "RFC 7591 §2",
    ),
    ground(
        "R7591-2-p",
        Scope::All,
        "a response carrying both jwks and jwks_uri",
        "The \"jwks_uri\" and \"jwks\" parameters MUST NOT both be present in the same request or response.",
        "RFC 7591 §2",
    ),
    ground(
        "R7591-2-q",
        Scope::All,
        "a registered jwks that is not a JWK Set (not an object, or keys not an array)",
        "The value of this field MUST be a JSON object containing a valid JWK Set.",
        "RFC 7591 §2; RFC 7517 §5",
    ),
    strict_only(
        "R7591-2-h",
        Scope::All,
        "an unregistered, non-URI token_endpoint_auth_method echoed",
        "Absolute URIs can also be used as values for this parameter without being registered. (a value rule on the client; the server MAY reject or replace)",
        "RFC 7591 §2",
    ),
    strict_only(
        "R7591-2.1-a",
        Scope::All,
        "an inconsistent grant_types / response_types pair registered",
        "a server supporting these fields SHOULD take steps to ensure that a client cannot register itself into an inconsistent state",
        "RFC 7591 §2.1",
    ),
    ground(
        "R7591-2.1-b",
        Scope::Oidc,
        "authorization_code + refresh_token with code refused",
        "oidcc-refresh-token registers refresh_token and fails unless the registration gets a 201 (EnsureHttpStatusCodeIs201)",
        "OpenID Foundation conformance suite, oidcc-refresh-token",
    ),
    strict_only(
        "R7591-2.3-a",
        Scope::All,
        "claims of an unsigned software statement, or of one without iss, registered",
        "the software statement MUST be digitally signed or MACed using JSON Web Signature (JWS) and MUST contain an \"iss\" (issuer) claim (binds the presenter; trusting an unsigned one lets anyone impersonate a software publisher)",
        "RFC 7591 §2.3",
    ),
    ground(
        "R7591-2.3-b",
        Scope::All,
        "a plain JSON member registered over the claim of a statement the server used",
        "If the same client metadata name is present in both locations and the software statement is trusted by the authorization server, the value of a claim in the software statement MUST take precedence.",
        "RFC 7591 §2",
    ),
    ground(
        "R7591-3.2.1-j",
        Scope::All,
        "a used software statement returned changed, or its claims used without returning it",
        "If a software statement was used as part of the registration, its value MUST be returned unmodified in the response along with other metadata using the \"software_statement\" member name.",
        "RFC 7591 §3.2.1",
    ),
    // RFC 7591 §3: the endpoint and its answers.
    ground(
        "R7591-3-a",
        Scope::All,
        "a JSON registration request refused for its media type (with or without charset)",
        "The client registration endpoint MUST accept HTTP POST messages with request parameters encoded in the entity body using the \"application/json\" format.",
        "RFC 7591 §3",
    ),
    strict_only(
        "R7591-3-b",
        Scope::All,
        "a body that is not application/json registered, or GET exposing registered clients",
        "The client registration endpoint MUST accept HTTP POST messages with request parameters encoded in the entity body using the \"application/json\" format. (nothing requires refusing other media types)",
        "RFC 7591 §3",
    ),
    ground(
        "R7591-3-c",
        Scope::All,
        "the endpoint served, or registering, over plain http",
        TLS_REQUIRED,
        "RFC 7591 §5",
    ),
    ground(
        "R7591-3-d",
        Scope::All,
        "with --require-token: a registration accepted without the initial access token",
        "The client registration endpoint MAY be an OAuth 2.0 protected resource and accept an initial access token (you said it is, with --require-token)",
        "RFC 7591 §3",
    )
    .requires_token_flag(),
    ground(
        "R7591-3.1-a",
        Scope::All,
        "a server error or an HTML page for a body that is not a JSON object",
        ERROR_400,
        "RFC 7591 §3.2.2",
    ),
    ground(
        "R7591-3.2-a",
        Scope::NotOidc,
        "a registration answered with something other than 201, a server error, a redirect, or no answer",
        "The server responds with an HTTP 201 Created status code and a body of type \"application/json\"",
        "RFC 7591 §3.2",
    ),
    ground(
        "R7591-3.2-a",
        Scope::Oidc,
        "a server error, a redirect, or no answer to a valid registration",
        "The server responds with an HTTP 201 Created status code (OIDC §3.2 makes 201 a SHOULD; a 5xx is never a success)",
        "RFC 7591 §3.2",
    ),
    ground(
        "R7591-3.2-b",
        Scope::All,
        "a successful registration that is not one application/json object",
        "The response is an \"application/json\" document with all parameters as top-level members of a JSON object",
        "RFC 7591 §3.2.1",
    ),
    ground(
        "R7591-3.2.1-a",
        Scope::All,
        "client_id missing, empty or not a string",
        "client_id REQUIRED. OAuth 2.0 client identifier string.",
        "RFC 7591 §3.2.1",
    ),
    ground(
        "R7591-3.2.1-c",
        Scope::All,
        "one client_secret issued to two client_ids, or a secret too short to hold 128 bits",
        "If issued, this MUST be unique for each \"client_id\" ... / The probability of an attacker guessing generated tokens (and other credentials not intended for handling by end-users) MUST be less than or equal to 2^(-128)",
        "RFC 7591 §3.2.1; RFC 6749 §10.10",
    ),
    excepted(
        ground(
            "R7591-3.2.1-d",
            Scope::All,
            "client_id_issued_at present but not a number of seconds (a string, milliseconds)",
            "The time is represented as the number of seconds from 1970-01-01T00:00:00Z as measured in UTC until the date/time of issuance.",
            "RFC 7591 §3.2.1",
        ),
        "OPTIONAL is about presence; the format of a present value is defined",
    ),
    ground(
        "R7591-3.2.1-e",
        Scope::All,
        "client_secret without client_secret_expires_at, or that member not a non-negative number",
        "client_secret_expires_at REQUIRED if \"client_secret\" is issued. Time at which the client secret will expire or 0 if it will not expire.",
        "RFC 7591 §3.2.1",
    ),
    ground(
        "R7591-3.2.1-f",
        Scope::All,
        "redirect_uris of a client with a redirect-based grant, or a member sent with values the metadata lists as supported, not returned",
        REGISTERED_METADATA,
        "RFC 7591 §3.2.1",
    ),
    ground(
        "R7591-3.2.1-i",
        Scope::All,
        "a response carrying both jwks and jwks_uri",
        "The \"jwks_uri\" and \"jwks\" parameters MUST NOT both be present in the same request or response.",
        "RFC 7591 §2",
    ),
    ground(
        "R7591-3.2.2-a",
        Scope::All,
        "a registration error that is not a 400 application/json object (5xx, HTML, 200 with error, another 4xx)",
        ERROR_400,
        "RFC 7591 §3.2.2",
    ),
    ground(
        "R7591-3.2.2-b",
        Scope::All,
        "an error body without a string error of RFC 6749 error-code characters",
        "error Single ASCII error code string.",
        "RFC 7591 §3.2.2",
    ),
    Ground {
        severity: W,
        strict: W,
        ..excepted(
            ground(
                "R7591-3.2.2-c",
                Scope::All,
                "error_description with characters outside ASCII",
                "error_description OPTIONAL. Human-readable ASCII [USASCII] text description of the error used for debugging.",
                "RFC 7591 §3.2.2",
            ),
            "OPTIONAL is about presence; a present description is defined as ASCII text",
        )
    },
    ground(
        "R7591-3.2.2-f",
        Scope::All,
        "a request without a valid initial access token answered without a WWW-Authenticate challenge",
        "If the protected resource request does not include authentication credentials or does not contain an access token that enables access to the protected resource, the resource server MUST include the HTTP \"WWW-Authenticate\" response header field",
        "RFC 6750 §3 (imported by RFC 7591 §3.2.2)",
    ),
    // RFC 7591 §5 and the redirect rules it imports.
    ground(
        "R7591-5-a",
        Scope::All,
        "no TLS 1.2 handshake",
        "The server MUST support TLS 1.2 [RFC5246]",
        "RFC 7591 §5",
    ),
    ground(
        "R7591-5-b",
        Scope::All,
        "a client with a redirect-based grant registered without redirect URIs",
        "For clients that use redirect-based grant types such as \"authorization_code\" and \"implicit\", authorization servers MUST require clients to register their \"redirect_uris\" values.",
        "RFC 7591 §5",
    ),
    ground(
        "R7591-5-c",
        Scope::NotOidc,
        "a plain-http redirect URI on a remote host registered",
        REDIRECT_FORMS,
        "RFC 7591 §5",
    ),
    ground(
        "R6749-3.1.2-a",
        Scope::Oidc,
        "a redirect URI with a fragment registered",
        "oidcc-redirect-uri-regfrag registers a redirect URI with a fragment and fails unless the answer is a 400 (EnsureHttpStatusCodeIs400)",
        "OpenID Foundation conformance suite, oidcc-redirect-uri-regfrag",
    ),
    ground(
        "R6749-3.1.2-b",
        Scope::All,
        "a redirect URI that is none of RFC 7591 §5's three forms (\"\", a relative path, https:// with no host) registered",
        REDIRECT_FORMS,
        "RFC 7591 §5",
    ),
    excepted(
        ground(
            "R6749-3.1.2-c",
            Scope::Oidc,
            "a redirect URI with a query refused or normalised",
            "oidcc-redirect-uri-query-OK registers a redirect URI with a query and needs a 201; OIDC §3.2 forbids replacing redirect_uris",
            "OpenID Foundation conformance suite, oidcc-redirect-uri-query-OK",
        ),
        "the MAY is the client's freedom to use a query; keeping it is the server's duty (\"MUST be retained when adding additional query parameters\")",
    ),
    Ground {
        severity: W,
        strict: W,
        ..excepted(
            ground(
                "R6749-3.1.2-c",
                Scope::NotOidc,
                "a redirect URI with a query refused or normalised",
                "The endpoint URI MAY include an \"application/x-www-form-urlencoded\" formatted query component, which MUST be retained when adding additional query parameters.",
                "RFC 6749 §3.1.2",
            ),
            "the MAY is the client's freedom to use a query; a server that drops it breaks the client's redirect",
        )
    },
    // JWK rules RFC 7591 imports.
    ground(
        "R7517-4-a",
        Scope::All,
        "a JWK with a repeated member registered with the first value",
        "JWK parsers MUST either reject JWKs with duplicate member names or use a JSON parser that returns only the lexically last duplicate member name",
        "RFC 7517 §4",
    ),
    ground(
        "R7517-5-a",
        Scope::All,
        "a jwks without a keys array registered",
        "The JSON object MUST have a \"keys\" member, with its value being an array of JWKs.",
        "RFC 7517 §5",
    ),
    // OpenID Connect Registration.
    ground(
        "OIDCR-2-a",
        Scope::Oidc,
        "a client with a redirect-based grant registered without redirect_uris",
        "redirect_uris REQUIRED. Array of Redirection URI values used by the Client.",
        "OIDC Registration §2",
    ),
    ground(
        "OIDCR-2-j",
        Scope::Oidc,
        "a response carrying both jwks and jwks_uri",
        "The \"jwks_uri\" and \"jwks\" parameters MUST NOT both be present in the same request or response.",
        "RFC 7591 §2 (OIDC §2 repeats it)",
    ),
    strict_only(
        "OIDCR-2-b",
        Scope::Oidc,
        "a response type registered without the grant types the OIDC §2 table lists for it",
        "The following table lists the correspondence between response_type values that the Client will use and grant_type values that MUST be included in the registered grant_types list (passive: names no actor)",
        "OIDC Registration §2",
    ),
    ground(
        "OIDCR-2-e",
        Scope::Oidc,
        "a web client using implicit registered with an http or localhost redirect URI",
        OIDC_REDIRECT_VERIFY,
        "OIDC Registration §2 (errata set 2)",
    ),
    ground(
        "OIDCR-2-f",
        Scope::Oidc,
        "a native client registered with a redirect URI that is neither a custom scheme nor http on loopback",
        OIDC_REDIRECT_VERIFY,
        "OIDC Registration §2 (errata set 2)",
    ),
    strict_only(
        "OIDCR-2-h",
        Scope::Oidc,
        "a plain-http jwks_uri registered",
        "jwks_uri ... The value MUST use the https scheme (a value rule on the client)",
        "OIDC Registration §2",
    ),
    strict_only(
        "OIDCR-2-i",
        Scope::All,
        "private or symmetric key material registered",
        "The JWK Set MUST NOT contain private or symmetric key values. (binds the client; registering and echoing a private key is a security hole either way)",
        "OIDC Registration §2",
    ),
    ground(
        "OIDCR-2-m",
        Scope::Oidc,
        "unsigned ID Tokens registered for a client that gets ID Tokens from the authorization endpoint",
        "ID Tokens MUST NOT use none as the alg value unless the Response Type used returns no ID Token from the Authorization Endpoint (such as when using the Authorization Code Flow) and the Client explicitly requested the use of none at Registration time.",
        "OIDC Core §2",
    ),
    ground(
        "OIDCR-2-n",
        Scope::Oidc,
        "id_token_signed_response_alg RS256 refused",
        "oidcc-idtoken-rs256 registers RS256 and needs a 201; OPs MUST support RS256 (OIDC Core §15.1)",
        "OpenID Foundation conformance suite, oidcc-idtoken-rs256",
    ),
    ground(
        "OIDCR-2-r",
        Scope::Oidc,
        "userinfo_signed_response_alg RS256 refused",
        "oidcc-userinfo-rs256 (Dynamic OP plan) registers a signed UserInfo response and needs a 201",
        "OpenID Foundation conformance suite, oidcc-userinfo-rs256",
    ),
    ground(
        "OIDCR-2-v",
        Scope::Oidc,
        "require_auth_time or default_acr_values returned with the wrong JSON type",
        "require_auth_time OPTIONAL. Boolean value ... default_acr_values OPTIONAL. Default requested Authentication Context Class Reference values. Array of strings",
        "OIDC Registration §2",
    ),
    ground(
        "OIDCR-2-w",
        Scope::Oidc,
        "a plain-http initiate_login_uri registered",
        "oidcc-3rd_party-init-login-nohttps registers an http initiate_login_uri and fails unless the answer is a 400 with invalid_client_metadata",
        "OpenID Foundation conformance suite, oidcc-3rd_party-init-login-nohttps",
    ),
    ground(
        "OIDCR-2-x",
        Scope::Oidc,
        "request_uris returned as something other than an array",
        "request_uris OPTIONAL. Array of request_uri values that are pre-registered by the RP for use at the OP.",
        "OIDC Registration §2",
    ),
    ground(
        "OIDCR-3-b",
        Scope::Oidc,
        "a registration refused although it carried the initial access token as a Bearer header",
        "If the Authorization Server requires an Initial Access Token, it MUST accept it in the manner described in OAuth 2.0 Bearer Token Usage [RFC6750]",
        "OIDC Registration §3",
    ),
    excepted(
        ground(
            "OIDCR-3.2-b",
            Scope::Oidc,
            "redirect_uris registered other than as requested",
            "The Authorization Server MAY reject or replace any of the Client's requested field values, other than the redirect_uris value, and substitute them with suitable values.",
            "OIDC Registration §3.2",
        ),
        "the catalog files the row under its MAY; the rule tested is the carve-out (redirect_uris may only be refused), which the 2026-12-01 audit relabels Defined",
    ),
    ground(
        "OIDCR-3.2-d",
        Scope::Oidc,
        "one client_id issued to two registrations",
        "client_id REQUIRED. Unique Client Identifier. It MUST NOT be currently valid for any other registered Client.",
        "OIDC Registration §3.2",
    ),
    ground(
        "OIDCR-3.2-e",
        Scope::Oidc,
        "one client_secret issued to two clients",
        "The same Client Secret value MUST NOT be assigned to multiple Clients.",
        "OIDC Registration §3.2",
    ),
    ground(
        "OIDCR-3.2-f",
        Scope::Oidc,
        "symmetric encryption registered for a client that got no client_secret",
        "It is not needed for Clients selecting a token_endpoint_auth_method of private_key_jwt unless symmetric encryption will be used.",
        "OIDC Registration §3.2",
    ),
    ground(
        "OIDCR-3.2-g",
        Scope::Oidc,
        "registration_access_token and registration_client_uri not a non-empty pair, or the URI not https",
        "Implementations MUST either return both a Client Configuration Endpoint and a Registration Access Token or neither of them.",
        "OIDC Registration §3.2",
    ),
    ground(
        "OIDCR-9-a",
        Scope::Oidc,
        "the endpoint not served, or registering, over TLS",
        TLS_REQUIRED,
        "OIDC Registration §9.3; RFC 7591 §5",
    ),
    // RFC 7591 §3.2.1 with RFC 8414 §2: what a server registers, it must be able to use.
    Ground {
        severity: W,
        strict: W,
        exception: Some(
            "MAY row (the server may replace values): a value it registers while its own metadata says it does not support it leaves the client unusable, so WARN, never FAIL",
        ),
        ..ground(
            "R7591-3.2.1-g",
            Scope::All,
            "a registered token_endpoint_auth_method, grant type or response type missing from the server's *_supported metadata",
            "The client or developer can check the values in the response to determine if the registration is sufficient for use ... token_endpoint_auth_methods_supported: JSON array containing a list of client authentication methods supported by this token endpoint",
            "RFC 7591 §3.2.1; RFC 8414 §2",
        )
    },
    // Issued credentials at the token endpoint.
    ground(
        "R7591-3.2.1-k",
        Scope::All,
        "the client_secret just issued for a client_credentials client refused as invalid_client",
        "client_secret OPTIONAL. OAuth 2.0 client secret string. ... This value is used by the confidential client to authenticate to the token endpoint, as described in OAuth 2.0 [RFC6749], Section 2.3.1.",
        "RFC 7591 §3.2.1",
    ),
    ground(
        "R6749-5.2-a",
        Scope::All,
        "a token issued for a wrong client_secret",
        "Confidential clients or other clients issued client credentials MUST authenticate with the authorization server as described in Section 2.3 when making requests to the token endpoint.",
        "RFC 6749 §3.2.1",
    ),
    ground(
        "R7523-2.2-a",
        Scope::All,
        "a client assertion signed with the client's registered key refused as invalid_client",
        "private_key_jwt Clients that have registered a public key sign a JWT using that key. The Client authenticates in accordance with JSON Web Token (JWT) Profile for OAuth 2.0 Client Authentication and Authorization Grants [OAuth.JWT] and Assertion Framework for OAuth 2.0 Client Authentication and Authorization Grants [OAuth.Assertions].",
        "OpenID Connect Core 1.0 §9",
    ),
    ground(
        "R7523-3-a",
        Scope::All,
        "a token issued for a client assertion whose signature does not verify",
        "The JWT MUST be digitally signed or have a Message Authentication Code (MAC) applied by the issuer. The authorization server MUST reject JWTs with an invalid signature or Message Authentication Code.",
        "RFC 7523 §3",
    ),
    // RFC 8414: the server's own metadata.
    ground(
        "R8414-3.3-a",
        Scope::All,
        "metadata whose issuer is not the issuer its URL was built from",
        "The \"issuer\" value returned MUST be identical to the authorization server's issuer identifier value into which the well-known URI string was inserted to create the URL used to retrieve the metadata. If these values are not identical, the data contained in the response MUST NOT be used.",
        "RFC 8414 §3.3",
    ),
    ground(
        "R8414-2-a",
        Scope::All,
        "metadata naming an http issuer, authorization or token endpoint on a host that is not loopback",
        "issuer REQUIRED. The authorization server's issuer identifier, which is a URL that uses the \"https\" scheme and has no query or fragment components. ... the authorization server MUST require the use of TLS as described in Section 1.6 when sending requests to the token endpoint.",
        "RFC 8414 §2; RFC 6749 §3.1, §3.2",
    ),
    // MCP authorization: the discovery chain of an --mcp-server run.
    ground(
        "MCP-PRM-a",
        Scope::All,
        "an MCP request without a token answered, or no protected resource metadata where the revision tells clients to look",
        "MCP servers MUST use the HTTP header WWW-Authenticate when returning a 401 Unauthorized to indicate the location of the resource server metadata URL (2025-06-18); MCP servers MUST implement one of the following discovery mechanisms (2025-11-25: the header, or the well-known URI)",
        "MCP Authorization, Authorization Server Location; Protected Resource Metadata Discovery Requirements",
    ),
    ground(
        "MCP-PRM-b",
        Scope::All,
        "protected resource metadata without an authorization server",
        "The Protected Resource Metadata document MUST include the authorization_servers field containing at least one authorization server.",
        "MCP Authorization, Authorization Server Location",
    ),
    ground(
        "MCP-ASM-a",
        Scope::All,
        "no authorization server metadata at the URLs MCP clients try",
        "Authorization servers MUST provide OAuth 2.0 Authorization Server Metadata (2025-06-18); MCP authorization servers MUST provide at least one of the following discovery mechanisms (2025-11-25), at the URLs clients MUST try in the listed order",
        "MCP Authorization, Authorization Server Metadata Discovery",
    ),
    ground(
        "MCP-ASM-b",
        Scope::All,
        "authorization server metadata whose issuer is not the authorization server it was fetched for",
        "The \"issuer\" value returned MUST be identical to the authorization server's issuer identifier value into which the well-known URI string was inserted to create the URL used to retrieve the metadata.",
        "RFC 8414 §3.3 (MCP 2026-07-28 repeats it)",
    ),
    ground(
        "MCP-ASM-c",
        Scope::All,
        "metadata without S256 in code_challenge_methods_supported (2025-11-25 and later)",
        "If code_challenge_methods_supported is absent, the authorization server does not support PKCE and MCP clients MUST refuse to proceed.",
        "MCP Authorization 2025-11-25, Authorization Code Protection",
    ),
    ground(
        "MCP-REDIR-b",
        Scope::All,
        "an MCP client registered with a plain-http redirect URI on a remote host",
        REDIRECT_FORMS,
        "RFC 7591 §5; MCP Authorization, Communication Security (\"All redirect URIs MUST be either localhost or use HTTPS\")",
    ),
    ground(
        "MCP-REDIR-d",
        Scope::All,
        "an authorization endpoint that redirects to a redirect URI the client never registered",
        "If the request fails due to a missing, invalid, or mismatching redirection URI ... the authorization server SHOULD inform the resource owner of the error and MUST NOT automatically redirect the user-agent to the invalid redirection URI.",
        "RFC 6749 §4.1.2.1; MCP Authorization, Open Redirection",
    ),
    ground(
        "MCP-ASM-d",
        Scope::All,
        "an authorization server endpoint that is not https, named by metadata served over https",
        "All authorization server endpoints MUST be served over HTTPS.",
        "MCP Authorization, Communication Security (2025-06-18; 2025-03-26: all authorization endpoints)",
    ),
    // RFC 7592: the client configuration endpoint, judged when the server offers one.
    ground(
        "R7592-3-a",
        Scope::All,
        "one of registration_client_uri and registration_access_token without the other, or a URI that is not absolute",
        "registration_access_token REQUIRED. String containing the access token to be used at the client configuration endpoint ... registration_client_uri REQUIRED. String containing the fully qualified URL of the client configuration endpoint for this client.",
        "RFC 7592 §3",
    ),
    ground(
        "R7592-2-a",
        Scope::All,
        "the configuration endpoint served a request without the client's registration access token",
        "The client configuration endpoint is an OAuth 2.0 protected resource ... The client MUST use its registration access token in all calls to this endpoint as an OAuth 2.0 Bearer Token",
        "RFC 7592 §2",
    ),
    ground(
        "R7592-2.1-a",
        Scope::All,
        "a read answered with something other than a JSON object, or without the registered client_id or redirect_uris",
        "Upon successful read of the information for a currently active client, the authorization server responds with an HTTP 200 OK with content type of \"application/json\" and a payload as described in Section 3.",
        "RFC 7592 §2.1, §3",
    ),
    ground(
        "R7592-2.1-b",
        Scope::All,
        "a configuration URL for a client_id never issued served with 200; under oidc also 404 instead of 401",
        "If the client does not exist on this server, the server MUST respond with HTTP 401 Unauthorized",
        "RFC 7592 §2.1; OIDC Registration §4.4",
    ),
    ground(
        "R7592-2.2-b",
        Scope::All,
        "an update that adopts a client-chosen client_secret or changes the client_id",
        "The client MUST NOT be allowed to overwrite its existing client secret with its own chosen value. ... The client MUST include its client_id field in the request, and it MUST be the same as its currently issued client identifier.",
        "RFC 7592 §2.2",
    ),
    ground(
        "R7592-2.2-c",
        Scope::All,
        "a registration_access_token sent by the client in an update becomes valid",
        "The updated client metadata fields in this request MUST NOT include the \"registration_access_token\", \"registration_client_uri\", \"client_secret_expires_at\", or \"client_id_issued_at\" fields",
        "RFC 7592 §2.2",
    ),
    ground(
        "R7592-2.3-a",
        Scope::All,
        "a successful delete answered with a status other than 204",
        "If a client has been successfully deprovisioned, the authorization server MUST respond with an HTTP 204 No Content message.",
        "RFC 7592 §2.3",
    ),
    ground(
        "R7592-5-a",
        Scope::All,
        "the registration access token of a deleted client still reads it",
        "A successful delete action will invalidate the client_id, client_secret, and registration access token for this client",
        "RFC 7592 §2.3",
    ),
    ground(
        "OIDC-Core-15.2",
        Scope::Oidc,
        "discovery without an https registration_endpoint",
        "Dynamic OPs MUST support ... Dynamic Registration, as specified in OpenID Connect Dynamic Client Registration 1.0",
        "OIDC Core §15.2",
    ),
];

impl Ground {
    /// Marks a ground that holds only when the user said registration needs a token.
    const fn requires_token_flag(self) -> Ground {
        Ground {
            exception: Some(
                "MAY row: the server may require a token; with --require-token the user says it does, so registering without one breaks the deployment's own rule",
            ),
            needs_require_token: true,
            ..self
        }
    }
}

/// How the user asked findings to be graded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Policy {
    /// `--strict`: Derived rows and the rows marked "strict" may FAIL.
    pub strict: bool,
    /// `--require-token`: registering without the initial access token is a FAIL.
    pub require_token: bool,
    /// The run has an initial access token.
    pub has_token: bool,
}

/// The ground for a row under a profile, if it has one.
pub fn ground_for(requirement: &str, profile: Profile) -> Option<&'static Ground> {
    GROUNDS
        .iter()
        .find(|g| g.requirement == requirement && g.scope.covers(profile))
}

/// The most a level allows without a ground: MUST/Defined rows need a written sentence to
/// FAIL, so everything is WARN at most; MAY rows are INFO.
pub fn level_cap(level: Level) -> Severity {
    match level {
        Level::Must | Level::Defined => Severity::Fail,
        Level::Should | Level::Derived | Level::BestPractice => Severity::Warn,
        Level::May => Severity::Info,
    }
}

/// The highest severity a finding on `req` may have under `profile` and `policy`.
pub fn ceiling(req: &Requirement, profile: Profile, policy: Policy) -> Severity {
    match ground_for(req.id, profile) {
        Some(g) if g.needs_require_token && !policy.require_token => Severity::Info,
        Some(g) if policy.strict => g.strict,
        Some(g) => g.severity,
        None if policy.strict && req.level == Level::Derived => Severity::Fail,
        // Severity orders worst first, so `max` is the milder: without a ground nothing FAILs.
        None => level_cap(req.level).max(Severity::Warn),
    }
}

/// Whether `--strict` turns a WARN on this row into a FAIL: Derived rows without a ground of
/// their own, and the rows whose ground is WARN by default and FAIL when strict.
fn strict_raises(req: &Requirement, profile: Profile) -> bool {
    match ground_for(req.id, profile) {
        Some(g) => g.severity == Severity::Warn && g.strict == Severity::Fail,
        None => req.level == Level::Derived,
    }
}

/// Grades a finding: at most the ceiling; under `--strict`, a WARN on a row that strict
/// grading raises becomes a FAIL.
pub fn grade(asked: Severity, req: &Requirement, profile: Profile, policy: Policy) -> Severity {
    let cap = ceiling(req, profile, policy);
    if policy.strict && asked == Severity::Warn && strict_raises(req, profile) {
        return Severity::Fail;
    }
    // Severity orders worst first, so the milder of the two is the larger.
    asked.max(cap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::requirement;

    #[test]
    fn every_ground_names_a_catalog_row_and_a_sentence() {
        for g in GROUNDS {
            assert!(requirement(g.requirement).is_some(), "{}", g.requirement);
            assert!(g.sentence.len() > 20, "{}", g.requirement);
            assert!(!g.source.is_empty(), "{}", g.requirement);
        }
    }

    #[test]
    fn no_ground_exceeds_its_level_without_a_written_exception() {
        for g in GROUNDS {
            let r = requirement(g.requirement).expect("row");
            if g.severity < level_cap(r.level) {
                assert!(
                    g.exception.is_some(),
                    "{} ({:?}) grades {:?} above its level without an exception",
                    g.requirement,
                    r.level,
                    g.severity
                );
            }
        }
    }

    #[test]
    fn a_must_row_without_a_ground_cannot_fail() {
        let r = requirement("R7591-2-d").expect("row");
        assert!(ground_for(r.id, Profile::Rfc7591).is_none());
        assert_eq!(
            grade(Severity::Fail, r, Profile::Rfc7591, Policy::default()),
            Severity::Warn
        );
    }

    #[test]
    fn a_may_row_is_never_above_info() {
        let r = requirement("R7591-2-n").expect("row");
        assert_eq!(
            grade(Severity::Fail, r, Profile::Rfc7591, Policy::default()),
            Severity::Info
        );
    }

    #[test]
    fn strict_turns_derived_and_marked_warns_into_fails() {
        let strict = Policy {
            strict: true,
            ..Policy::default()
        };
        let derived = requirement("R7591-2.2-e").expect("row");
        assert_eq!(derived.level, Level::Derived);
        assert_eq!(
            grade(Severity::Warn, derived, Profile::Rfc7591, strict),
            Severity::Fail
        );
        let marked = requirement("OIDCR-2-i").expect("row");
        assert_eq!(
            grade(Severity::Warn, marked, Profile::Oidc, Policy::default()),
            Severity::Warn
        );
        assert_eq!(
            grade(Severity::Warn, marked, Profile::Oidc, strict),
            Severity::Fail
        );
        // Strict never raises an INFO.
        assert_eq!(
            grade(Severity::Info, derived, Profile::Rfc7591, strict),
            Severity::Info
        );
    }

    #[test]
    fn registering_without_the_token_fails_only_when_the_user_requires_it() {
        let r = requirement("R7591-3-d").expect("row");
        let token = Policy {
            has_token: true,
            ..Policy::default()
        };
        assert_eq!(
            grade(Severity::Fail, r, Profile::Rfc7591, token),
            Severity::Info
        );
        let required = Policy {
            require_token: true,
            ..token
        };
        assert_eq!(
            grade(Severity::Fail, r, Profile::Rfc7591, required),
            Severity::Fail
        );
    }
}
