//! Deliberate violations the reference server can be told to commit, so that the harness can
//! prove it notices each one. Every defect breaks exactly one catalog requirement and is
//! implemented as a small deviation at the point where the clean behaviour happens.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

/// How the harness is expected to grade a server that shows the defect.
///
/// `Fail` for MUST / Defined rows, `Warn` for SHOULD / best-practice rows; for Derived and
/// MAY rows, and the few rows whose own test grades one behaviour apart from the row's level,
/// what that test says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DefectSeverity {
    Fail,
    Warn,
}

/// One deliberate violation of the catalog (see [`Defect::ALL`] for the list).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Defect {
    // Response shape.
    Status200,
    NoClientId,
    NoSecretExpiry,
    SecretExpiryString,
    SecretExpired,
    IssuedAtMillis,
    IssuedAtString,
    DropRegisteredMember,
    ScopeAsArray,
    GrantTypesAsString,
    NoCacheControl,
    JsonContentTypeMissing,
    // Validation.
    AcceptFragmentRedirect,
    AcceptRelativeRedirect,
    AcceptHttpRedirect,
    AcceptMissingRedirect,
    AcceptEmptyRedirect,
    AcceptStringRedirect,
    AcceptJwksAndJwksUri,
    AcceptPrivateJwk,
    EchoUnknownAuthMethod,
    AcceptInconsistentGrants,
    SubstituteRedirectUris,
    // Error format.
    HtmlErrors,
    ErrorStatus200,
    UnknownErrorCode,
    NonAsciiError,
    ClientIdInError,
    Status500OnMalformedJson,
    Status500OnNonObject,
    AcceptFormEncoded,
    // Input bands: a 500 for otherwise valid input, which owes a 201 (RFC 7591 §3.2).
    BandClientName41To64,
    BandNonAscii,
    BandLanguageTag,
    BandLongRedirect,
    // Security.
    SharedClientId,
    SharedSecret,
    ShortSecret,
    HonourClientId,
    ListClientsOnGet,
    RejectUnknownMembers,
    DropConnection,
    // Added for check coverage: each makes one more check fire.
    ErrorStatus422,
    RedirectOnSuccess,
    NoCors,
    CamelCaseGrantTypes,
    OmitDefaults,
    ManagementTokenWithoutUri,
    NonAsciiErrorDescription,
    SecretForPublicClient,
    StripRedirectQuery,
    // Added to cover every black-box-testable MUST row.
    RejectJsonWithoutCharset,
    KeepFirstRedirectUri,
    AddJwksUriToJwksResponse,
    RedirectUrisOnlyForRedirectGrants,
    HybridWithoutImplicit,
    ImplicitLocalhostRedirect,
    NativeHttpAnyHost,
    AcceptHttpJwksUri,
    AcceptOctJwk,
    JwksExclusiveOnlyForPrivateKeyJwt,
    AcceptUnsignedIdTokenImplicit,
    AcceptEncWithoutAlg,
    AcceptAuthSigningAlgNone,
    AcceptStringRequestUris,
    RejectRequestUriFragment,
    ReuseClientIdForSameRequest,
    SecretDerivedFromRequest,
    ClientIdInLateError,
    AcceptHttpSectorIdentifierUri,
    AcceptJwkWithoutKty,
    AcceptJwksWithoutKeys,
    AcceptEcKeyWithoutY,
    AcceptShortRsaKey,
    AcceptX5cWithoutKeyMembers,
    KeepFirstDuplicateMember,
    TrustUnsignedSoftwareStatement,
    // Transport: they show only when the server runs with TLS (`ServerConfig::tls`).
    Tls13Only,
    PlaintextOnTlsPort,
    DiscoveryHttpRegistrationEndpoint,
    DiscoveryWithoutRegistrationEndpoint,
}

/// The POST count on which `drop-connection` closes the connection: every Nth POST.
pub(crate) const DROP_EVERY: u64 = 7;

struct Info {
    name: &'static str,
    requirement: &'static str,
    severity: DefectSeverity,
    description: &'static str,
}

impl Defect {
    pub const ALL: &'static [Defect] = &[
        Defect::Status200,
        Defect::NoClientId,
        Defect::NoSecretExpiry,
        Defect::SecretExpiryString,
        Defect::SecretExpired,
        Defect::IssuedAtMillis,
        Defect::IssuedAtString,
        Defect::DropRegisteredMember,
        Defect::ScopeAsArray,
        Defect::GrantTypesAsString,
        Defect::NoCacheControl,
        Defect::JsonContentTypeMissing,
        Defect::AcceptFragmentRedirect,
        Defect::AcceptRelativeRedirect,
        Defect::AcceptHttpRedirect,
        Defect::AcceptMissingRedirect,
        Defect::AcceptEmptyRedirect,
        Defect::AcceptStringRedirect,
        Defect::AcceptJwksAndJwksUri,
        Defect::AcceptPrivateJwk,
        Defect::EchoUnknownAuthMethod,
        Defect::AcceptInconsistentGrants,
        Defect::SubstituteRedirectUris,
        Defect::HtmlErrors,
        Defect::ErrorStatus200,
        Defect::UnknownErrorCode,
        Defect::NonAsciiError,
        Defect::ClientIdInError,
        Defect::Status500OnMalformedJson,
        Defect::Status500OnNonObject,
        Defect::AcceptFormEncoded,
        Defect::BandClientName41To64,
        Defect::BandNonAscii,
        Defect::BandLanguageTag,
        Defect::BandLongRedirect,
        Defect::SharedClientId,
        Defect::SharedSecret,
        Defect::ShortSecret,
        Defect::HonourClientId,
        Defect::ListClientsOnGet,
        Defect::RejectUnknownMembers,
        Defect::DropConnection,
        Defect::ErrorStatus422,
        Defect::RedirectOnSuccess,
        Defect::NoCors,
        Defect::CamelCaseGrantTypes,
        Defect::OmitDefaults,
        Defect::ManagementTokenWithoutUri,
        Defect::NonAsciiErrorDescription,
        Defect::SecretForPublicClient,
        Defect::StripRedirectQuery,
        Defect::RejectJsonWithoutCharset,
        Defect::KeepFirstRedirectUri,
        Defect::AddJwksUriToJwksResponse,
        Defect::RedirectUrisOnlyForRedirectGrants,
        Defect::HybridWithoutImplicit,
        Defect::ImplicitLocalhostRedirect,
        Defect::NativeHttpAnyHost,
        Defect::AcceptHttpJwksUri,
        Defect::AcceptOctJwk,
        Defect::JwksExclusiveOnlyForPrivateKeyJwt,
        Defect::AcceptUnsignedIdTokenImplicit,
        Defect::AcceptEncWithoutAlg,
        Defect::AcceptAuthSigningAlgNone,
        Defect::AcceptStringRequestUris,
        Defect::RejectRequestUriFragment,
        Defect::ReuseClientIdForSameRequest,
        Defect::SecretDerivedFromRequest,
        Defect::ClientIdInLateError,
        Defect::AcceptHttpSectorIdentifierUri,
        Defect::AcceptJwkWithoutKty,
        Defect::AcceptJwksWithoutKeys,
        Defect::AcceptEcKeyWithoutY,
        Defect::AcceptShortRsaKey,
        Defect::AcceptX5cWithoutKeyMembers,
        Defect::KeepFirstDuplicateMember,
        Defect::TrustUnsignedSoftwareStatement,
        Defect::Tls13Only,
        Defect::PlaintextOnTlsPort,
        Defect::DiscoveryHttpRegistrationEndpoint,
        Defect::DiscoveryWithoutRegistrationEndpoint,
    ];

    /// Kebab-case name, as given on the command line.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// The catalog requirement id the defect breaks.
    pub fn requirement(self) -> &'static str {
        self.info().requirement
    }

    pub fn severity(self) -> DefectSeverity {
        self.info().severity
    }

    /// One line: what the server does wrong and when.
    pub fn description(self) -> &'static str {
        self.info().description
    }

    /// Whether the defect only shows on a server that runs with TLS (`serve --tls`): the
    /// transport and discovery defects, which a harness judges on https targets only.
    pub fn needs_tls(self) -> bool {
        matches!(
            self,
            Defect::Tls13Only
                | Defect::PlaintextOnTlsPort
                | Defect::DiscoveryHttpRegistrationEndpoint
                | Defect::DiscoveryWithoutRegistrationEndpoint
        )
    }

    pub fn from_name(name: &str) -> Option<Defect> {
        Defect::ALL.iter().copied().find(|d| d.name() == name)
    }

    fn info(self) -> Info {
        use DefectSeverity::{Fail, Warn};
        let (name, requirement, severity, description) = match self {
            Defect::Status200 => (
                "status-200",
                "R7591-3.2-a",
                Fail,
                "answers a successful registration with 200 instead of 201",
            ),
            Defect::NoClientId => (
                "no-client-id",
                "R7591-3.2.1-a",
                Fail,
                "leaves client_id out of the registration response",
            ),
            Defect::NoSecretExpiry => (
                "no-secret-expiry",
                "R7591-3.2.1-e",
                Fail,
                "issues a client_secret without client_secret_expires_at",
            ),
            Defect::SecretExpiryString => (
                "secret-expiry-string",
                "R7591-3.2.1-e",
                Fail,
                "returns client_secret_expires_at as the string \"0\"",
            ),
            Defect::SecretExpired => (
                "secret-expired",
                "R7591-3.2.1-e",
                Warn,
                "returns a client_secret_expires_at one day in the past",
            ),
            Defect::IssuedAtMillis => (
                "issued-at-millis",
                "R7591-3.2.1-d",
                Fail,
                "returns client_id_issued_at in milliseconds",
            ),
            Defect::IssuedAtString => (
                "issued-at-string",
                "R7591-3.2.1-d",
                Fail,
                "returns client_id_issued_at as a string",
            ),
            Defect::DropRegisteredMember => (
                "drop-registered-member",
                "R7591-3.2.1-f",
                Fail,
                "registers redirect_uris but leaves them out of the response",
            ),
            Defect::ScopeAsArray => (
                "scope-as-array",
                "R7591-2-n",
                Fail,
                "echoes a registered scope as an array of strings",
            ),
            Defect::GrantTypesAsString => (
                "grant-types-as-string",
                "R7591-2-c",
                Fail,
                "echoes grant_types as one space-separated string",
            ),
            Defect::NoCacheControl => (
                "no-cache-control",
                "R7591-BP-a",
                Warn,
                "sends no Cache-Control: no-store or Pragma: no-cache on any response",
            ),
            Defect::JsonContentTypeMissing => (
                "json-content-type-missing",
                "R7591-3.2-b",
                Fail,
                "labels the JSON success body as text/plain",
            ),
            Defect::AcceptFragmentRedirect => (
                "accept-fragment-redirect",
                "R6749-3.1.2-a",
                Fail,
                "registers redirect URIs that carry a fragment",
            ),
            Defect::AcceptRelativeRedirect => (
                "accept-relative-redirect",
                "R6749-3.1.2-b",
                Fail,
                "registers relative redirect URIs (\"/cb\", \"cb\", \"\")",
            ),
            Defect::AcceptHttpRedirect => (
                "accept-http-redirect",
                "R7591-5-c",
                Fail,
                "registers http redirect URIs on any host, not only loopback",
            ),
            Defect::AcceptMissingRedirect => (
                "accept-missing-redirect",
                "R7591-5-b",
                Fail,
                "registers a client that sent no redirect_uris",
            ),
            Defect::AcceptEmptyRedirect => (
                "accept-empty-redirect",
                "R7591-5-b",
                Fail,
                "registers a client whose redirect_uris is an empty array",
            ),
            Defect::AcceptStringRedirect => (
                "accept-string-redirect",
                "R7591-2-c",
                Fail,
                "accepts redirect_uris as a bare string and echoes it as a string",
            ),
            Defect::AcceptJwksAndJwksUri => (
                "accept-jwks-and-jwks-uri",
                "R7591-2-p",
                Fail,
                "registers jwks together with jwks_uri and echoes both",
            ),
            Defect::AcceptPrivateJwk => (
                "accept-private-jwk",
                "R7591-2-q",
                Fail,
                "registers jwks keys carrying private or symmetric material (d, p, oct k, ...)",
            ),
            Defect::EchoUnknownAuthMethod => (
                "echo-unknown-auth-method",
                "R7591-2-h",
                Fail,
                "registers and echoes any token_endpoint_auth_method string",
            ),
            Defect::AcceptInconsistentGrants => (
                "accept-inconsistent-grants",
                "R7591-2.1-a",
                Warn,
                "registers grant_types and response_types that contradict each other",
            ),
            Defect::SubstituteRedirectUris => (
                "substitute-redirect-uris",
                "OIDCR-3.2-b",
                Fail,
                "silently drops bad redirect URIs and registers the rest",
            ),
            Defect::HtmlErrors => (
                "html-errors",
                "R7591-3.2.2-a",
                Fail,
                "answers registration errors with a text/html page",
            ),
            Defect::ErrorStatus200 => (
                "error-status-200",
                "R7591-3.2.2-a",
                Fail,
                "answers registration errors with status 200",
            ),
            Defect::UnknownErrorCode => (
                "unknown-error-code",
                "R7591-3.2.2-e",
                Warn,
                "uses the error code \"bad_thing\" instead of the RFC codes",
            ),
            Defect::NonAsciiError => (
                "non-ascii-error",
                "R7591-3.2.2-b",
                Fail,
                "puts non-ASCII characters into the error code",
            ),
            Defect::ClientIdInError => (
                "client-id-in-error",
                "R7591-3.2.2-g",
                Fail,
                "adds a client_id to registration error responses",
            ),
            Defect::Status500OnMalformedJson => (
                "500-on-malformed-json",
                "R7591-3.1-a",
                Fail,
                "answers a body that is not JSON with a 500",
            ),
            Defect::Status500OnNonObject => (
                "500-on-non-object",
                "R7591-3.1-a",
                Fail,
                "answers a JSON body that is not an object with a 500",
            ),
            Defect::AcceptFormEncoded => (
                "accept-form-encoded",
                "R7591-3-b",
                Fail,
                "registers a client from an application/x-www-form-urlencoded body",
            ),
            Defect::BandClientName41To64 => (
                "band-client-name-41-64",
                "R7591-3.2-a",
                Fail,
                "answers 500 when client_name is 41 to 64 characters long",
            ),
            Defect::BandNonAscii => (
                "band-non-ascii",
                "R7591-3.2-a",
                Fail,
                "answers 500 when any string value in the request contains a non-ASCII character",
            ),
            Defect::BandLanguageTag => (
                "band-language-tag",
                "R7591-3.2-a",
                Fail,
                "answers 500 when the request has any member name containing '#'",
            ),
            Defect::BandLongRedirect => (
                "band-long-redirect",
                "R7591-3.2-a",
                Fail,
                "answers 500 when a redirect URI is longer than 200 characters",
            ),
            Defect::SharedClientId => (
                "shared-client-id",
                "R7591-3.2.1-b",
                Warn,
                "gives every client the same client_id",
            ),
            Defect::SharedSecret => (
                "shared-secret",
                "R7591-3.2.1-c",
                Fail,
                "gives every client the same client_secret",
            ),
            Defect::ShortSecret => (
                "short-secret",
                "R7591-3.2.1-c",
                Fail,
                "issues 8-character client secrets (48 bits)",
            ),
            Defect::HonourClientId => (
                "honour-client-id",
                "R7591-3.2.1-b",
                Warn,
                "uses a client_id the client chose in the request",
            ),
            Defect::ListClientsOnGet => (
                "list-clients-on-get",
                "R7591-3-b",
                Fail,
                "answers GET on the registration endpoint with 200 and every client, secrets included",
            ),
            Defect::RejectUnknownMembers => (
                "reject-unknown-members",
                "R7591-2-a",
                Fail,
                "answers 400 invalid_client_metadata for any unknown member",
            ),
            Defect::DropConnection => (
                "drop-connection",
                "R7591-3.2-a",
                Fail,
                "closes the connection without a response on every 7th POST to a registration endpoint",
            ),
            Defect::ErrorStatus422 => (
                "error-status-422",
                "R7591-3.2.2-a",
                Fail,
                "answers registration errors with 422 instead of 400",
            ),
            Defect::RedirectOnSuccess => (
                "redirect-on-success",
                "R7591-3.2-a",
                Fail,
                "answers a successful registration with 303 See Other to a client page",
            ),
            Defect::NoCors => (
                "no-cors",
                "OIDCR-3-c",
                Warn,
                "answers CORS preflights with 405 and sends no Access-Control-Allow-Origin",
            ),
            Defect::CamelCaseGrantTypes => (
                "camel-case-grant-types",
                "R7591-2-j",
                Fail,
                "echoes authorization_code as authorizationCode",
            ),
            Defect::OmitDefaults => (
                "omit-defaults",
                "R7591-2-i",
                Warn,
                "leaves default grant_types and response_types out of the response",
            ),
            Defect::ManagementTokenWithoutUri => (
                "management-token-without-uri",
                "OIDCR-3.2-g",
                Fail,
                "returns a registration_access_token without a registration_client_uri",
            ),
            Defect::NonAsciiErrorDescription => (
                "non-ascii-error-description",
                "R7591-3.2.2-c",
                Warn,
                "puts non-ASCII text into error_description",
            ),
            Defect::SecretForPublicClient => (
                "secret-for-public-client",
                "R7591-2-f",
                Warn,
                "issues a client_secret to clients registered with auth method none",
            ),
            Defect::StripRedirectQuery => (
                "strip-redirect-query",
                "R6749-3.1.2-c",
                Warn,
                "registers redirect URIs without their query component",
            ),
            Defect::RejectJsonWithoutCharset => (
                "reject-json-without-charset",
                "R7591-3-a",
                Fail,
                "refuses application/json request bodies that carry no charset parameter",
            ),
            Defect::KeepFirstRedirectUri => (
                "keep-first-redirect-uri",
                "R7591-2-d",
                Warn,
                "registers only the first of several redirect URIs",
            ),
            Defect::AddJwksUriToJwksResponse => (
                "add-jwks-uri-to-jwks-response",
                "R7591-3.2.1-i",
                Fail,
                "answers a registration with jwks with a server-hosted jwks_uri as well",
            ),
            Defect::RedirectUrisOnlyForRedirectGrants => (
                "redirect-uris-only-for-redirect-grants",
                "OIDCR-2-a",
                Warn,
                "registers clients without redirect_uris when they use no redirect-based grant",
            ),
            Defect::HybridWithoutImplicit => (
                "hybrid-without-implicit",
                "OIDCR-2-b",
                Fail,
                "registers id_token and hybrid response types without the implicit grant",
            ),
            Defect::ImplicitLocalhostRedirect => (
                "implicit-localhost-redirect",
                "OIDCR-2-e",
                Fail,
                "lets web clients of the implicit flow register http or localhost redirect URIs",
            ),
            Defect::NativeHttpAnyHost => (
                "native-http-any-host",
                "OIDCR-2-f",
                Fail,
                "lets native clients register http redirect URIs on any host",
            ),
            Defect::AcceptHttpJwksUri => (
                "accept-http-jwks-uri",
                "OIDCR-2-h",
                Warn,
                "registers a jwks_uri that uses plain http",
            ),
            Defect::AcceptOctJwk => (
                "accept-oct-jwk",
                "OIDCR-2-i",
                Fail,
                "registers symmetric (kty oct) keys in jwks",
            ),
            Defect::JwksExclusiveOnlyForPrivateKeyJwt => (
                "jwks-exclusive-only-for-private-key-jwt",
                "OIDCR-2-j",
                Fail,
                "refuses jwks together with jwks_uri only for private_key_jwt clients",
            ),
            Defect::AcceptUnsignedIdTokenImplicit => (
                "accept-unsigned-id-token-implicit",
                "OIDCR-2-m",
                Fail,
                "registers id_token_signed_response_alg none for clients that get ID Tokens from the authorization endpoint",
            ),
            Defect::AcceptEncWithoutAlg => (
                "accept-enc-without-alg",
                "OIDCR-2-o",
                Fail,
                "registers and echoes an *_encrypted_response_enc sent without its alg",
            ),
            Defect::AcceptAuthSigningAlgNone => (
                "accept-auth-signing-alg-none",
                "OIDCR-2-t",
                Fail,
                "registers token_endpoint_auth_signing_alg none for private_key_jwt",
            ),
            Defect::AcceptStringRequestUris => (
                "accept-string-request-uris",
                "OIDCR-2-x",
                Fail,
                "accepts request_uris as a bare string and echoes it as a string",
            ),
            Defect::RejectRequestUriFragment => (
                "reject-request-uri-fragment",
                "OIDCR-2-x",
                Warn,
                "refuses request_uris entries that carry a fragment (the content hash OIDC allows)",
            ),
            Defect::ReuseClientIdForSameRequest => (
                "reuse-client-id-for-same-request",
                "OIDCR-3.2-d",
                Fail,
                "gives an identical registration request the client_id issued the first time",
            ),
            Defect::SecretDerivedFromRequest => (
                "secret-derived-from-request",
                "OIDCR-3.2-e",
                Fail,
                "derives client_secret from the request body, so identical requests share a secret",
            ),
            Defect::ClientIdInLateError => (
                "client-id-in-late-error",
                "OIDCR-7-a",
                Fail,
                "answers a failed cross-member rule with the client_id of the half-created client",
            ),
            Defect::AcceptHttpSectorIdentifierUri => (
                "accept-http-sector-identifier-uri",
                "OIDCR-5-a",
                Fail,
                "registers any sector_identifier_uri, plain http included, without checking it",
            ),
            Defect::AcceptJwkWithoutKty => (
                "accept-jwk-without-kty",
                "R7517-4.1-a",
                Fail,
                "registers JWKs without kty, guessing the key type from the other members",
            ),
            Defect::AcceptJwksWithoutKeys => (
                "accept-jwks-without-keys",
                "R7517-5-a",
                Fail,
                "registers a jwks object whose keys member is missing or not an array",
            ),
            Defect::AcceptEcKeyWithoutY => (
                "accept-ec-key-without-y",
                "R7518-6-a",
                Warn,
                "registers EC keys that have no y coordinate",
            ),
            Defect::AcceptShortRsaKey => (
                "accept-short-rsa-key",
                "R7518-3.3-a",
                Warn,
                "registers RSA keys with a modulus shorter than 2048 bits",
            ),
            Defect::AcceptX5cWithoutKeyMembers => (
                "accept-x5c-without-key-members",
                "R7517-4.7-a",
                Fail,
                "registers JWKs that carry x5c but not the key type's own members",
            ),
            Defect::KeepFirstDuplicateMember => (
                "keep-first-duplicate-member",
                "R7517-4-a",
                Fail,
                "keeps the first of repeated JSON member names instead of the last",
            ),
            Defect::Tls13Only => (
                "tls13-only",
                "R7591-5-a",
                Fail,
                "refuses TLS 1.2 handshakes, speaking TLS 1.3 only (needs --tls)",
            ),
            Defect::PlaintextOnTlsPort => (
                "plaintext-on-tls-port",
                "OIDCR-9-a",
                Fail,
                "also serves plain HTTP on its TLS port, registering clients without TLS (needs --tls)",
            ),
            Defect::DiscoveryHttpRegistrationEndpoint => (
                "discovery-http-registration-endpoint",
                "R7591-3-c",
                Fail,
                "advertises an http:// registration_endpoint in its discovery documents (needs --tls)",
            ),
            Defect::DiscoveryWithoutRegistrationEndpoint => (
                "discovery-without-registration-endpoint",
                "OIDC-Core-15.2",
                Fail,
                "leaves registration_endpoint out of its discovery documents (needs --tls)",
            ),
            Defect::TrustUnsignedSoftwareStatement => (
                "trust-unsigned-software-statement",
                "R7591-2.3-a",
                Fail,
                "takes client_name from any software_statement, even an unsigned (alg none) one",
            ),
        };
        Info {
            name,
            requirement,
            severity,
            description,
        }
    }
}

impl fmt::Display for Defect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A defect name that [`Defect::from_name`] does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown defect {0:?}")]
pub struct UnknownDefect(pub String);

impl FromStr for Defect {
    type Err = UnknownDefect;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Defect::from_name(s).ok_or_else(|| UnknownDefect(s.to_owned()))
    }
}

/// The defects switched on for one server.
#[derive(Debug, Clone, Default)]
pub(crate) struct DefectSet(HashSet<Defect>);

impl DefectSet {
    pub(crate) fn new(defects: &[Defect]) -> Self {
        DefectSet(defects.iter().copied().collect())
    }

    pub(crate) fn has(&self, defect: Defect) -> bool {
        self.0.contains(&defect)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_kebab_case_and_round_trip() {
        let mut seen = HashSet::new();
        for &d in Defect::ALL {
            let name = d.name();
            assert!(seen.insert(name), "duplicate name {name}");
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{name} is not kebab-case"
            );
            assert_eq!(Defect::from_name(name), Some(d));
            assert_eq!(name.parse::<Defect>(), Ok(d));
            assert!(!d.description().is_empty());
        }
        assert!(
            Defect::ALL.len() >= 35,
            "only {} defects",
            Defect::ALL.len()
        );
        assert_eq!(Defect::from_name("no-such-defect"), None);
        assert!(Defect::Tls13Only.needs_tls());
        assert!(!Defect::Status200.needs_tls());
        assert!("nope".parse::<Defect>().is_err());
    }

    #[test]
    fn every_requirement_is_in_the_catalog() {
        for &d in Defect::ALL {
            let req = crate::spec::requirement(d.requirement());
            assert!(req.is_some(), "{} cites unknown {}", d, d.requirement());
        }
    }

    #[test]
    fn severity_follows_the_row_level_except_where_the_row_grades_otherwise() {
        use crate::spec::Level;
        // Rows whose own test grades this exact behaviour against their level: §3.2.2 is
        // Defined but a non-RFC code is a WARN; §3.2.1-e is REQUIRED but an already expired
        // secret is a WARN.
        // §2-i and §2-f are Defined, but their rows grade a missing default and a secret for
        // a public client as WARN.
        // MUST rows whose test grades this behaviour WARN: R7591-2-d (an altered
        // redirect_uris list under rfc7591), OIDCR-2-a (a client_credentials-only client
        // without redirect_uris), OIDCR-2-h (an http jwks_uri echoed), OIDCR-2-x (a
        // request_uris fragment refused), R7518-6-a (an incomplete key accepted) and
        // R7518-3.3-a (a short RSA key accepted).
        const EXCEPTIONS: &[Defect] = &[
            Defect::UnknownErrorCode,
            Defect::SecretExpired,
            Defect::OmitDefaults,
            Defect::SecretForPublicClient,
            Defect::KeepFirstRedirectUri,
            Defect::RedirectUrisOnlyForRedirectGrants,
            Defect::AcceptHttpJwksUri,
            Defect::RejectRequestUriFragment,
            Defect::AcceptEcKeyWithoutY,
            Defect::AcceptShortRsaKey,
        ];
        for &d in Defect::ALL {
            let Some(req) = crate::spec::requirement(d.requirement()) else {
                continue;
            };
            let expected = match req.level {
                Level::Must | Level::Defined => DefectSeverity::Fail,
                Level::Should | Level::BestPractice => DefectSeverity::Warn,
                // Derived and MAY rows: the row's test text decides; nothing to compare.
                Level::Derived | Level::May => continue,
            };
            if EXCEPTIONS.contains(&d) {
                assert_ne!(d.severity(), expected, "{d} is listed as an exception");
            } else {
                assert_eq!(d.severity(), expected, "{d}");
            }
        }
    }
}
