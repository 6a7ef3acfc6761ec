//! The conversations a run holds after its cases, each request built from the answers before
//! it. RFC 7592: two registrations of its own, then reads, updates and deletes of the first
//! through the client configuration endpoint the server named (the URL and registration access
//! token may change on every answer, RFC 7592 §2.1 and §2.2). Credentials: clients registered
//! for `client_credentials` use their issued secret at the token endpoint, and a wrong one.
//!
//! Owns: which management requests are sent, in what order, with which credentials and bodies.
//! Must not: judge (`checks::manage` does), print, or keep a registration access token anywhere
//! it could be serialised (`ConfigurationEndpoint` skips it).

use serde_json::{json, Map, Value};

use crate::exec::{Executor, Observation};
use crate::generate::{
    Auth, Body, Case, CaseKind, CaseRequest, ConfigurationEndpoint, Expectation, Method,
};
use crate::spec::names::*;
use crate::spec::Severity;

/// The `client_name` an update asks for (RFC 7592 §2.2: new values replace the old ones).
pub const UPDATED_CLIENT_NAME: &str = "dcrcheck-managed-updated";
/// The `logo_uri` registered with the managed client and left out of the update, which asks
/// for its removal (RFC 7592 §2.2: omitted fields are treated as null or empty).
pub const REGISTERED_LOGO_URI: &str = "https://client.example.org/logo.png";
/// A secret the client tries to choose in an update (RFC 7592 §2.2: not allowed).
pub const CHOSEN_SECRET: &str = "dcrcheck-client-chosen-secret-0123456789";
/// A registration access token the client tries to set in an update (RFC 7592 §2.2: the
/// member must not be sent, so it must not take effect).
pub const MADE_UP_TOKEN: &str = "dcrcheck-made-up-registration-access-token";
/// A redirect URI with a fragment, which RFC 6749 §3.1.2 forbids.
pub const FRAGMENT_REDIRECT_URI: &str = "https://client.example.org/cb#fragment";

/// The steps of the conversation, in the order they are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepName {
    /// B0 plus a `logo_uri`: the client the conversation manages.
    Register,
    /// B0 again: a second client, whose token must not open the first one.
    RegisterOther,
    Read,
    /// A second read: a read changes nothing.
    ReadAgain,
    ReadWithoutToken,
    ReadWithWrongToken,
    ReadWithOtherClientsToken,
    /// PUT the read metadata with a new `client_name` and without `logo_uri`.
    Update,
    UpdateWithChosenSecret,
    UpdateWithOtherClientId,
    UpdateWithRegistrationToken,
    /// A read with the token the previous update tried to set.
    ReadWithMadeUpToken,
    UpdateWithFragmentRedirect,
    ReadAfterRefusedUpdate,
    DeleteWithWrongToken,
    Delete,
    ReadAfterDelete,
    /// The first client's configuration URL with one character of the client_id changed,
    /// with the second client's token.
    ReadUnknownClient,
    /// Removes the second client; not judged.
    DeleteOther,
    /// A `client_credentials` client with `client_secret_basic`, `client_secret_post`, or
    /// `private_key_jwt` and the run's public key in `jwks`.
    RegisterForToken(TokenAuth),
    /// `grant_type=client_credentials` at the token endpoint with the issued secret, or an
    /// assertion signed with the registered key.
    TokenWithIssuedSecret(TokenAuth),
    /// The same with one character of the secret changed, or one bit of the assertion's
    /// signature flipped.
    TokenWithWrongSecret(TokenAuth),
    /// The issued secret again, once its `client_secret_expires_at` has passed (sent only
    /// when that is at most [`EXPIRY_WAIT_LIMIT`] away).
    TokenWithExpiredSecret(TokenAuth),
    /// An MCP SDK client's public client, registered to be sent to the authorization endpoint.
    McpRegisterPublicClient,
    /// GET /authorize as an MCP client sends it: the registered redirect URI and S256.
    AuthorizeValid,
    /// The same with an unregistered https redirect URI and no code_challenge.
    AuthorizeUnregisteredRedirect,
    /// The valid request with the registered loopback redirect URI on another port.
    AuthorizeLoopbackOtherPort,
    /// The valid request without code_challenge.
    AuthorizeWithoutPkce,
    /// The valid request with code_challenge_method=plain.
    AuthorizePlainPkce,
}

/// How a client authenticates at the token endpoint (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenAuth {
    Basic,
    Post,
    /// RFC 7523 §2.2 client assertions (OpenID Connect Core §9 `private_key_jwt`).
    PrivateKeyJwt,
}

/// The longest a run waits for an issued secret to expire before trying it again.
pub const EXPIRY_WAIT_LIMIT: std::time::Duration = std::time::Duration::from_secs(5);

/// `client_assertion_type` of a JWT client assertion (RFC 7523 §2.2).
pub const JWT_BEARER_ASSERTION: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

impl TokenAuth {
    pub const ALL: [TokenAuth; 3] = [TokenAuth::Basic, TokenAuth::Post, TokenAuth::PrivateKeyJwt];

    pub fn method(self) -> &'static str {
        match self {
            TokenAuth::Basic => AUTH_CLIENT_SECRET_BASIC,
            TokenAuth::Post => AUTH_CLIENT_SECRET_POST,
            TokenAuth::PrivateKeyJwt => AUTH_PRIVATE_KEY_JWT,
        }
    }

    /// Whether the method authenticates with the issued `client_secret`.
    pub fn uses_secret(self) -> bool {
        self != TokenAuth::PrivateKeyJwt
    }
}

impl StepName {
    /// Stable id, used in case ids (`manage-read-again`).
    pub fn id(self) -> &'static str {
        match self {
            StepName::Register => "register",
            StepName::RegisterOther => "register-other",
            StepName::Read => "read",
            StepName::ReadAgain => "read-again",
            StepName::ReadWithoutToken => "read-without-token",
            StepName::ReadWithWrongToken => "read-with-wrong-token",
            StepName::ReadWithOtherClientsToken => "read-with-other-clients-token",
            StepName::ReadUnknownClient => "read-unknown-client",
            StepName::Update => "update",
            StepName::UpdateWithChosenSecret => "update-with-chosen-secret",
            StepName::UpdateWithOtherClientId => "update-with-other-client-id",
            StepName::UpdateWithRegistrationToken => "update-with-registration-token",
            StepName::ReadWithMadeUpToken => "read-with-made-up-token",
            StepName::UpdateWithFragmentRedirect => "update-with-fragment-redirect",
            StepName::ReadAfterRefusedUpdate => "read-after-refused-update",
            StepName::DeleteWithWrongToken => "delete-with-wrong-token",
            StepName::Delete => "delete",
            StepName::ReadAfterDelete => "read-after-delete",
            StepName::DeleteOther => "delete-other",
            StepName::RegisterForToken(TokenAuth::Basic) => "register-for-token-basic",
            StepName::RegisterForToken(TokenAuth::Post) => "register-for-token-post",
            StepName::TokenWithIssuedSecret(TokenAuth::Basic) => "token-with-issued-secret-basic",
            StepName::TokenWithIssuedSecret(TokenAuth::Post) => "token-with-issued-secret-post",
            StepName::TokenWithWrongSecret(TokenAuth::Basic) => "token-with-wrong-secret-basic",
            StepName::TokenWithWrongSecret(TokenAuth::Post) => "token-with-wrong-secret-post",
            StepName::RegisterForToken(TokenAuth::PrivateKeyJwt) => {
                "register-for-token-private-key-jwt"
            }
            StepName::TokenWithIssuedSecret(TokenAuth::PrivateKeyJwt) => "token-with-assertion",
            StepName::TokenWithWrongSecret(TokenAuth::PrivateKeyJwt) => {
                "token-with-bad-assertion-signature"
            }
            StepName::TokenWithExpiredSecret(TokenAuth::Basic) => "token-with-expired-secret-basic",
            StepName::TokenWithExpiredSecret(TokenAuth::Post) => "token-with-expired-secret-post",
            StepName::TokenWithExpiredSecret(TokenAuth::PrivateKeyJwt) => {
                "token-with-expired-secret-private-key-jwt"
            }
            StepName::McpRegisterPublicClient => "mcp-register-public-client",
            StepName::AuthorizeValid => "authorize-valid",
            StepName::AuthorizeUnregisteredRedirect => "authorize-unregistered-redirect",
            StepName::AuthorizeLoopbackOtherPort => "authorize-loopback-other-port",
            StepName::AuthorizeWithoutPkce => "authorize-without-pkce",
            StepName::AuthorizePlainPkce => "authorize-plain-pkce",
        }
    }

    fn title(self) -> &'static str {
        match self {
            StepName::Register => "B0 with a logo_uri, registered to be managed (RFC 7592)",
            StepName::RegisterOther => "B0, a second client for the cross-client token test",
            StepName::Read => "GET the client configuration endpoint with its token",
            StepName::ReadAgain => "GET the client configuration endpoint a second time",
            StepName::ReadWithoutToken => "GET the client configuration endpoint without a token",
            StepName::ReadWithWrongToken => {
                "GET the client configuration endpoint with a wrong token"
            }
            StepName::ReadWithOtherClientsToken => {
                "GET the client configuration endpoint with another client's token"
            }
            StepName::ReadUnknownClient => {
                "GET the configuration URL with one character of the client_id changed"
            }
            StepName::Update => "PUT the client's metadata with a new client_name and no logo_uri",
            StepName::UpdateWithChosenSecret => "PUT with a client_secret the client chose",
            StepName::UpdateWithOtherClientId => "PUT with a different client_id",
            StepName::UpdateWithRegistrationToken => {
                "PUT with a registration_access_token the client made up"
            }
            StepName::ReadWithMadeUpToken => {
                "GET with the registration_access_token the client made up"
            }
            StepName::UpdateWithFragmentRedirect => "PUT with a redirect URI that has a fragment",
            StepName::ReadAfterRefusedUpdate => "GET after the update with a fragment redirect URI",
            StepName::DeleteWithWrongToken => "DELETE the client with a wrong token",
            StepName::Delete => "DELETE the client with its token",
            StepName::ReadAfterDelete => "GET the deleted client with its old token",
            StepName::DeleteOther => "DELETE the second client",
            StepName::RegisterForToken(TokenAuth::PrivateKeyJwt) => {
                "a private_key_jwt client_credentials client, to sign assertions for the token endpoint"
            }
            StepName::RegisterForToken(_) => {
                "a confidential client_credentials client, to use its secret at the token endpoint"
            }
            StepName::TokenWithIssuedSecret(TokenAuth::PrivateKeyJwt) => {
                "grant_type=client_credentials at the token endpoint with an assertion signed by the registered key"
            }
            StepName::TokenWithIssuedSecret(_) => {
                "grant_type=client_credentials at the token endpoint with the issued credentials"
            }
            StepName::TokenWithWrongSecret(TokenAuth::PrivateKeyJwt) => {
                "grant_type=client_credentials at the token endpoint with an assertion whose signature does not verify"
            }
            StepName::TokenWithWrongSecret(_) => {
                "grant_type=client_credentials at the token endpoint with a wrong client_secret"
            }
            StepName::TokenWithExpiredSecret(_) => {
                "grant_type=client_credentials at the token endpoint with the issued secret after its client_secret_expires_at"
            }
            StepName::McpRegisterPublicClient => {
                "an MCP public client, registered to be sent to the authorization endpoint"
            }
            StepName::AuthorizeValid => {
                "GET the authorization endpoint with the registered redirect URI and an S256 code_challenge"
            }
            StepName::AuthorizeUnregisteredRedirect => {
                "GET the authorization endpoint with an unregistered redirect URI and no code_challenge"
            }
            StepName::AuthorizeLoopbackOtherPort => {
                "GET the authorization endpoint with the registered loopback redirect URI on another port"
            }
            StepName::AuthorizeWithoutPkce => {
                "GET the authorization endpoint without a code_challenge"
            }
            StepName::AuthorizePlainPkce => {
                "GET the authorization endpoint with code_challenge_method plain"
            }
        }
    }
}

/// One request of the conversation and what came back.
#[derive(Debug, Clone)]
pub struct Step {
    pub name: StepName,
    pub case: Case,
    pub observation: Observation,
}

/// Everything the conversation sent and saw.
#[derive(Debug, Clone, Default)]
pub struct Conversation {
    pub steps: Vec<Step>,
    /// Why the management steps were not sent (the registration gave no configuration
    /// endpoint); `None` when they were.
    pub not_offered: Option<String>,
    /// Requests sent that are not steps (a registration tried again in another form).
    pub retried: usize,
}

impl Conversation {
    /// Every request the conversation sent.
    pub fn requests(&self) -> usize {
        self.steps.len() + self.retried
    }
}

impl Conversation {
    /// Sends `case` as the step `name` and records what came back.
    async fn take(&mut self, executor: &Executor, step: Planned) {
        let observation = executor.send(&step.case).await;
        self.steps.push(Step {
            name: step.name,
            case: step.case,
            observation,
        });
    }

    pub fn step(&self, name: StepName) -> Option<&Step> {
        self.steps.iter().find(|s| s.name == name)
    }

    /// The JSON object a step's 2xx answer carried.
    pub fn success_body(&self, name: StepName) -> Option<&Map<String, Value>> {
        self.step(name).and_then(|s| s.observation.success_body())
    }
}

/// The configuration endpoint and token a registration or management answer names.
#[derive(Clone)]
struct Credentials {
    url: String,
    token: String,
}

impl Credentials {
    fn from_body(body: &Map<String, Value>) -> Option<Self> {
        let get = |k: &str| {
            body.get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        Some(Credentials {
            url: get(REGISTRATION_CLIENT_URI)?,
            token: get(REGISTRATION_ACCESS_TOKEN)?,
        })
    }

    /// Takes a new URL or token from a successful answer: a server may rotate the token on
    /// reads and updates (RFC 7592 §2.1, §2.2), and the client must use what it was given.
    fn follow(&mut self, obs: &Observation) {
        let Some(body) = obs.success_body() else {
            return;
        };
        for (member, slot) in [
            (REGISTRATION_CLIENT_URI, &mut self.url),
            (REGISTRATION_ACCESS_TOKEN, &mut self.token),
        ] {
            if let Some(v) = body.get(member).and_then(Value::as_str) {
                if !v.is_empty() {
                    *slot = v.to_string();
                }
            }
        }
    }

    fn endpoint(&self) -> ConfigurationEndpoint {
        ConfigurationEndpoint {
            url: self.url.clone(),
            token: Some(self.token.clone()),
        }
    }
}

/// A step about to be taken: its name and its request as a case, so that findings show it
/// (and its curl line) like any other.
struct Planned {
    name: StepName,
    case: Case,
}

/// `registration` (the run's first, registered case) sent again as step `name`, for the
/// caller to change its body.
fn registration_step(registration: &Case, name: StepName) -> Case {
    let mut case = registration.clone();
    case.id = format!("manage-{}", name.id());
    case.kind = CaseKind::Manage;
    case.title = name.title().into();
    case
}

/// A management request with an optional JSON body.
fn step_case(
    name: StepName,
    method: Method,
    configuration: ConfigurationEndpoint,
    auth: Auth,
    body: Option<Value>,
) -> Planned {
    let (content_type, body) = match body {
        Some(v) => (Some(APPLICATION_JSON.to_string()), Body::Json(v)),
        None => (None, Body::Empty),
    };
    planned(name, method, configuration, auth, content_type, body)
}

fn planned(
    name: StepName,
    method: Method,
    configuration: ConfigurationEndpoint,
    auth: Auth,
    content_type: Option<String>,
    body: Body,
) -> Planned {
    let case = Case {
        id: format!("manage-{}", name.id()),
        kind: CaseKind::Manage,
        title: name.title().to_string(),
        request: CaseRequest {
            method,
            content_type,
            body,
            auth,
            headers: Vec::new(),
            configuration: Some(configuration),
        },
        expectation: Expectation::Observe,
        requirements: Vec::new(),
        severity: Severity::Warn,
        invalid_at: None,
        mutation: None,
        trigger: Vec::new(),
    };
    Planned { name, case }
}

/// The members of a client information response a client must not send back in an update
/// (RFC 7592 §2.2), and the secret, which it may leave out.
const SERVER_ONLY: &[&str] = &[
    REGISTRATION_ACCESS_TOKEN,
    REGISTRATION_CLIENT_URI,
    CLIENT_SECRET_EXPIRES_AT,
    CLIENT_ID_ISSUED_AT,
    CLIENT_SECRET,
];

/// The update body: the client's metadata as last returned, without the server-only members,
/// with a new `client_name` and without `logo_uri`.
fn update_body(current: &Map<String, Value>) -> Map<String, Value> {
    let mut body: Map<String, Value> = current
        .iter()
        .filter(|(k, _)| !SERVER_ONLY.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    body.insert(CLIENT_NAME.into(), json!(UPDATED_CLIENT_NAME));
    body.remove(LOGO_URI);
    body
}

/// `url` with the last character of its `client_id` occurrence changed, when the id appears
/// in it (RFC 7592 leaves the URL's form to the server; without the id in it there is no
/// unknown client to ask for).
pub fn unknown_client_url(url: &str, client_id: &str) -> Option<String> {
    if client_id.is_empty() {
        return None;
    }
    let at = url.rfind(client_id)?;
    let last = client_id.chars().last()?;
    let swapped = if last == 'x' { 'y' } else { 'x' };
    let mut changed = client_id.to_string();
    changed.pop();
    changed.push(swapped);
    Some(format!(
        "{}{}{}",
        &url[..at],
        changed,
        &url[at + client_id.len()..]
    ))
}

/// `id` with its last character changed: a client_id that is not the client's.
fn other_id(id: &str) -> String {
    let mut other = id.to_string();
    let swapped = if other.pop() == Some('x') { 'y' } else { 'x' };
    other.push(swapped);
    other
}

/// Runs the conversation against the run's registration endpoint. `registration` is the
/// run's baseline case; the managed client is registered with it plus a `logo_uri`.
pub async fn converse(executor: &Executor, registration: &Case) -> Conversation {
    let mut conv = Conversation::default();
    let mut register = registration_step(registration, StepName::Register);
    if let Body::Json(Value::Object(m)) = &mut register.request.body {
        m.insert(LOGO_URI.into(), json!(REGISTERED_LOGO_URI));
    }
    let obs = executor.send(&register).await;
    let registered = obs.success_body().cloned();
    conv.steps.push(Step {
        name: StepName::Register,
        case: register,
        observation: obs,
    });
    let Some(registered) = registered else {
        conv.not_offered = Some("the registration meant to be managed was not accepted".into());
        return conv;
    };
    let Some(mut current) = Credentials::from_body(&registered) else {
        conv.not_offered = Some(
            "the registration response has no registration_client_uri and registration_access_token pair: the server does not offer RFC 7592"
                .into(),
        );
        return conv;
    };
    let client_id = registered
        .get(CLIENT_ID)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();

    let other_case = registration_step(registration, StepName::RegisterOther);
    let obs = executor.send(&other_case).await;
    let mut other = obs.success_body().and_then(Credentials::from_body);
    let second_id = obs
        .success_body()
        .and_then(|b| b.get(CLIENT_ID))
        .and_then(Value::as_str);
    if second_id == Some(client_id.as_str()) {
        // A server that gave both registrations one client_id holds one client, now with the
        // second registration's credentials: there is no other client to test with.
        if let Some(o) = other.take() {
            current = o;
        }
    }
    conv.steps.push(Step {
        name: StepName::RegisterOther,
        case: other_case,
        observation: obs,
    });

    // Sends one step and records it; the credentials follow whatever a success returned.
    async fn send(
        executor: &Executor,
        conv: &mut Conversation,
        current: &mut Credentials,
        step: Planned,
    ) {
        conv.take(executor, step).await;
        if let Some(step) = conv.steps.last() {
            current.follow(&step.observation);
        }
    }
    let read = |name, c: &Credentials| {
        step_case(name, Method::Get, c.endpoint(), Auth::Registration, None)
    };
    let without_token = |c: &Credentials| ConfigurationEndpoint {
        url: c.url.clone(),
        token: None,
    };

    for name in [StepName::Read, StepName::ReadAgain] {
        let case = read(name, &current);
        send(executor, &mut conv, &mut current, case).await;
    }
    let case = step_case(
        StepName::ReadWithoutToken,
        Method::Get,
        without_token(&current),
        Auth::Omit,
        None,
    );
    send(executor, &mut conv, &mut current, case).await;
    let case = step_case(
        StepName::ReadWithWrongToken,
        Method::Get,
        without_token(&current),
        Auth::Bogus,
        None,
    );
    send(executor, &mut conv, &mut current, case).await;
    if let Some(other) = &other {
        let case = step_case(
            StepName::ReadWithOtherClientsToken,
            Method::Get,
            ConfigurationEndpoint {
                url: current.url.clone(),
                token: Some(other.token.clone()),
            },
            Auth::Registration,
            None,
        );
        // Not followed: a success here would hand over the other client's answer.
        conv.take(executor, case).await;
    }
    // The metadata as last returned: what an update must carry in full.
    let latest = |conv: &Conversation| {
        [StepName::ReadAgain, StepName::Read]
            .into_iter()
            .find_map(|n| conv.success_body(n).cloned())
            .unwrap_or_else(|| registered.clone())
    };
    let base = update_body(&latest(&conv));
    let put = |name, c: &Credentials, body: &Map<String, Value>| {
        step_case(
            name,
            Method::Put,
            c.endpoint(),
            Auth::Registration,
            Some(Value::Object(body.clone())),
        )
    };
    let case = put(StepName::Update, &current, &base);
    send(executor, &mut conv, &mut current, case).await;
    let after_update = conv
        .success_body(StepName::Update)
        .map(update_body)
        .unwrap_or(base);

    let mut body = after_update.clone();
    body.insert(CLIENT_SECRET.into(), json!(CHOSEN_SECRET));
    let case = put(StepName::UpdateWithChosenSecret, &current, &body);
    send(executor, &mut conv, &mut current, case).await;

    let mut body = after_update.clone();
    body.insert(CLIENT_ID.into(), json!(other_id(&client_id)));
    let case = put(StepName::UpdateWithOtherClientId, &current, &body);
    send(executor, &mut conv, &mut current, case).await;

    let mut body = after_update.clone();
    body.insert(REGISTRATION_ACCESS_TOKEN.into(), json!(MADE_UP_TOKEN));
    let case = put(StepName::UpdateWithRegistrationToken, &current, &body);
    // Not followed: a server that echoes the made-up token must not make the conversation use
    // it as if it had been issued.
    conv.take(executor, case).await;
    let case = step_case(
        StepName::ReadWithMadeUpToken,
        Method::Get,
        ConfigurationEndpoint {
            url: current.url.clone(),
            token: Some(MADE_UP_TOKEN.into()),
        },
        Auth::Registration,
        None,
    );
    conv.take(executor, case).await;

    let mut body = after_update;
    body.insert(REDIRECT_URIS.into(), json!([FRAGMENT_REDIRECT_URI]));
    let case = put(StepName::UpdateWithFragmentRedirect, &current, &body);
    send(executor, &mut conv, &mut current, case).await;
    let case = read(StepName::ReadAfterRefusedUpdate, &current);
    send(executor, &mut conv, &mut current, case).await;

    let case = step_case(
        StepName::DeleteWithWrongToken,
        Method::Delete,
        without_token(&current),
        Auth::Bogus,
        None,
    );
    send(executor, &mut conv, &mut current, case).await;
    let case = step_case(
        StepName::Delete,
        Method::Delete,
        current.endpoint(),
        Auth::Registration,
        None,
    );
    conv.take(executor, case).await;
    let deleted = conv.step(StepName::Delete).is_some_and(|s| {
        s.observation
            .response
            .as_ref()
            .is_some_and(|r| (200..300).contains(&r.status))
    });
    if deleted {
        let case = read(StepName::ReadAfterDelete, &current);
        conv.take(executor, case).await;
    }
    // Last use of the other client's token: a server may revoke a token presented for a
    // client that does not exist (RFC 7592 §2.1), so neither token the conversation still
    // needs is spent on it.
    if let (Some(other), Some(url)) = (&other, unknown_client_url(&current.url, &client_id)) {
        let case = step_case(
            StepName::ReadUnknownClient,
            Method::Get,
            ConfigurationEndpoint {
                url,
                token: Some(other.token.clone()),
            },
            Auth::Registration,
            None,
        );
        conv.take(executor, case).await;
    }
    if let Some(other) = other {
        let case = step_case(
            StepName::DeleteOther,
            Method::Delete,
            other.endpoint(),
            Auth::Registration,
            None,
        );
        conv.take(executor, case).await;
    }
    conv
}

/// Registers a `client_credentials` client for each of `client_secret_basic`,
/// `client_secret_post` and (given `assertion_key`) `private_key_jwt`, and uses each at
/// `token_endpoint`: the issued secret or an assertion signed with the registered key, then a
/// wrong secret or an assertion whose signature does not verify. A registration that gives no
/// secret (for the secret methods), or another method, ends that client's steps.
pub async fn use_credentials(
    executor: &Executor,
    registration: &Case,
    token_endpoint: &str,
    assertion_key: Option<&crate::jose::SigningKey>,
) -> Conversation {
    let mut conv = Conversation::default();
    let mut expiry_tried = false;
    for auth in TokenAuth::ALL {
        let key = match (auth, assertion_key) {
            (TokenAuth::PrivateKeyJwt, None) => continue,
            (TokenAuth::PrivateKeyJwt, Some(k)) => Some(k),
            _ => None,
        };
        let name = StepName::RegisterForToken(auth);
        let mut register = registration_step(registration, name);
        // With B0's redirect URIs first (OIDC Registration requires them whatever the grant),
        // then without (RFC 7591 §5 asks for them only for redirect-based grants).
        let mut with_redirects = registration
            .request
            .body
            .json_object()
            .cloned()
            .unwrap_or_default();
        for (k, v) in [
            (GRANT_TYPES, json!(["client_credentials"])),
            (RESPONSE_TYPES, json!([])),
            (TOKEN_ENDPOINT_AUTH_METHOD, json!(auth.method())),
            (CLIENT_NAME, json!("dcrcheck-credentials")),
        ] {
            with_redirects.insert(k.into(), v);
        }
        if let Some(key) = key {
            with_redirects.insert(JWKS.into(), json!({ "keys": [key.public_jwk()] }));
        }
        let mut without_redirects = with_redirects.clone();
        without_redirects.remove(REDIRECT_URIS);
        register.request.body = Body::Json(Value::Object(with_redirects));
        let mut obs = executor.send(&register).await;
        if obs.success_body().is_none() {
            register.request.body = Body::Json(Value::Object(without_redirects));
            obs = executor.send(&register).await;
            conv.retried += 1;
        }
        let expires_at = obs
            .success_body()
            .and_then(|b| b.get(CLIENT_SECRET_EXPIRES_AT))
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let issued = obs.success_body().and_then(|b| {
            let id = b.get(CLIENT_ID)?.as_str()?.to_string();
            let secret = match auth.uses_secret() {
                true => b.get(CLIENT_SECRET)?.as_str()?.to_string(),
                false => String::new(),
            };
            let method = b
                .get(TOKEN_ENDPOINT_AUTH_METHOD)
                .and_then(Value::as_str)
                .unwrap_or(auth.method());
            (method == auth.method()).then_some((id, secret))
        });
        conv.steps.push(Step {
            name,
            case: register,
            observation: obs,
        });
        let Some((id, secret)) = issued else {
            continue;
        };
        for (name, right) in [
            (StepName::TokenWithIssuedSecret(auth), true),
            (StepName::TokenWithWrongSecret(auth), false),
        ] {
            let credential = match key {
                Some(key) => {
                    let Ok(assertion) = client_assertion(key, &id, token_endpoint) else {
                        continue;
                    };
                    Credential::Assertion(if right {
                        assertion
                    } else {
                        crate::jose::flip_signature(&assertion)
                    })
                }
                None if right => Credential::Secret(auth, secret.clone()),
                None => Credential::Secret(auth, other_id(&secret)),
            };
            let case = token_case(name, token_endpoint, &id, credential);
            conv.take(executor, case).await;
        }
        // Once per run, for the first secret that worked: the same secret after it expired.
        let worked = conv
            .step(StepName::TokenWithIssuedSecret(auth))
            .and_then(|s| s.observation.success_body())
            .is_some_and(|b| b.get("access_token").is_some());
        if auth.uses_secret() && worked && !expiry_tried {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            if expires_at > 0 && expires_at <= now + EXPIRY_WAIT_LIMIT.as_secs() {
                expiry_tried = true;
                // One second past the expiry: "at" the time is the last moment it may work.
                tokio::time::sleep(std::time::Duration::from_secs(
                    expires_at + 1 - now.min(expires_at),
                ))
                .await;
                let name = StepName::TokenWithExpiredSecret(auth);
                let case = token_case(name, token_endpoint, &id, Credential::Secret(auth, secret));
                conv.take(executor, case).await;
            }
        }
    }
    conv
}

/// What a token request authenticates with.
enum Credential {
    Secret(TokenAuth, String),
    Assertion(String),
}

/// A JWT client assertion for `client_id` at `token_endpoint` (RFC 7523 §3): `iss` and `sub`
/// the client, `aud` the endpoint, a fresh `jti`, five minutes to live.
fn client_assertion(
    key: &crate::jose::SigningKey,
    client_id: &str,
    token_endpoint: &str,
) -> Result<String, crate::jose::JoseError> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let jti: u128 = rand::random();
    let claims = json!({
        "iss": client_id,
        "sub": client_id,
        "aud": token_endpoint,
        "jti": format!("{jti:032x}"),
        "iat": now,
        "exp": now + 300,
    });
    key.sign(claims.as_object().unwrap_or(&Map::new()))
}

/// A client_credentials token request authenticated with `credential`.
fn token_case(name: StepName, token_endpoint: &str, id: &str, credential: Credential) -> Planned {
    use base64::Engine as _;
    let form = |pairs: &[(&str, &str)]| {
        let mut f = url::form_urlencoded::Serializer::new(String::new());
        f.extend_pairs(pairs);
        f.finish()
    };
    let grant = ("grant_type", "client_credentials");
    let (body, auth_kind, token) = match credential {
        Credential::Secret(TokenAuth::Basic, secret) => {
            // RFC 6749 §2.3.1: each part form-urlencoded, then base64 of "id:secret".
            let enc = |v: &str| form(&[("x", v)])[2..].to_string();
            let basic = base64::engine::general_purpose::STANDARD.encode(format!(
                "{}:{}",
                enc(id),
                enc(&secret)
            ));
            (form(&[grant]), Auth::Basic, Some(basic))
        }
        Credential::Secret(_, secret) => (
            form(&[grant, (CLIENT_ID, id), (CLIENT_SECRET, &secret)]),
            Auth::Omit,
            None,
        ),
        // client_id is optional beside an assertion (RFC 7521 §4.2); some servers need it.
        Credential::Assertion(assertion) => (
            form(&[
                grant,
                (CLIENT_ID, id),
                ("client_assertion_type", JWT_BEARER_ASSERTION),
                ("client_assertion", &assertion),
            ]),
            Auth::Omit,
            None,
        ),
    };
    planned(
        name,
        Method::Post,
        ConfigurationEndpoint {
            url: token_endpoint.to_string(),
            token,
        },
        auth_kind,
        Some("application/x-www-form-urlencoded".into()),
        Body::Raw(body),
    )
}

/// The redirect URI no client registered, sent to the authorization endpoint.
pub const UNREGISTERED_REDIRECT: &str = "https://attacker.example/callback";

/// The code_verifier of the authorization requests (RFC 7636 §4.1: 43 to 128 unreserved
/// characters); no code is ever redeemed with it.
const CODE_VERIFIER: &str = "dcrcheck-code-verifier-0123456789abcdefghijklmnopqrstuvwxyz";

/// `BASE64URL(SHA256(verifier))` (RFC 7636 §4.2).
fn s256_challenge(verifier: &str) -> String {
    use base64::Engine as _;
    let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// The redirect URI on another port than `registered`'s (RFC 8252 §7.3 leaves the port of a
/// loopback redirect URI to the request).
fn other_port(registered: &str) -> Option<String> {
    let mut url = reqwest::Url::parse(registered).ok()?;
    let port = url.port_or_known_default()?;
    url.set_port(Some(if port == u16::MAX { 1024 } else { port + 1 }))
        .ok()?;
    Some(url.to_string())
}

/// Registers `public_client` (an MCP client's body, with a loopback redirect URI) and sends
/// the authorization endpoint what an MCP client sends, then four variants, never following a
/// redirect and never logging in: an unregistered redirect URI without PKCE, the loopback URI
/// on another port, no `code_challenge`, and `plain`. The variants are judged against the
/// valid request's answer.
pub async fn probe_authorization(
    executor: &Executor,
    registration: &Case,
    public_client: Map<String, Value>,
    authorization_endpoint: &reqwest::Url,
) -> Conversation {
    let mut conv = Conversation::default();
    let redirect = public_client
        .get(REDIRECT_URIS)
        .and_then(|l| l.get(0))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let name = StepName::McpRegisterPublicClient;
    let mut register = registration_step(registration, name);
    register.request.body = Body::Json(Value::Object(public_client));
    conv.take(
        executor,
        Planned {
            name,
            case: register,
        },
    )
    .await;
    let Some(client_id) = conv
        .success_body(name)
        .and_then(|b| b.get(CLIENT_ID))
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return conv;
    };
    let s256 = s256_challenge(CODE_VERIFIER);
    let moved = other_port(&redirect).unwrap_or_else(|| redirect.clone());
    let unregistered = UNREGISTERED_REDIRECT.to_string();
    let steps = [
        (
            StepName::AuthorizeValid,
            &redirect,
            Some((s256.as_str(), "S256")),
        ),
        (StepName::AuthorizeUnregisteredRedirect, &unregistered, None),
        (
            StepName::AuthorizeLoopbackOtherPort,
            &moved,
            Some((&s256, "S256")),
        ),
        (StepName::AuthorizeWithoutPkce, &redirect, None),
        (
            StepName::AuthorizePlainPkce,
            &redirect,
            Some((CODE_VERIFIER, "plain")),
        ),
    ];
    for (name, redirect_uri, pkce) in steps {
        let mut url = authorization_endpoint.clone();
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", "code")
                .append_pair(CLIENT_ID, &client_id)
                .append_pair("redirect_uri", redirect_uri)
                .append_pair("state", "dcrcheck-state");
            if let Some((challenge, method)) = pkce {
                q.append_pair("code_challenge", challenge)
                    .append_pair("code_challenge_method", method);
            }
        }
        let step = planned(
            name,
            Method::Get,
            ConfigurationEndpoint {
                url: url.to_string(),
                token: None,
            },
            Auth::Omit,
            None,
            Body::Empty,
        );
        conv.take(executor, step).await;
    }
    conv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unknown_client_url_changes_the_last_occurrence_of_the_id() {
        assert_eq!(
            unknown_client_url("https://as.example/register/abc", "abc").as_deref(),
            Some("https://as.example/register/abx")
        );
        assert_eq!(
            unknown_client_url("https://as.example/reg/abx?client_id=abx", "abx").as_deref(),
            Some("https://as.example/reg/abx?client_id=aby")
        );
        assert_eq!(unknown_client_url("https://as.example/reg/1", "zzz"), None);
        assert_eq!(unknown_client_url("https://as.example/reg/1", ""), None);
    }

    #[test]
    fn the_update_body_drops_server_members_and_the_logo() {
        let current = json!({
            "client_id": "c", "client_secret": "s", "registration_access_token": "t",
            "registration_client_uri": "https://as.example/c", "client_id_issued_at": 1,
            "client_secret_expires_at": 0, "logo_uri": REGISTERED_LOGO_URI,
            "redirect_uris": ["https://client.example.org/cb"], "client_name": "old"
        });
        let body = update_body(current.as_object().expect("object"));
        let mut keys: Vec<&str> = body.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["client_id", "client_name", "redirect_uris"]);
        assert_eq!(body[CLIENT_NAME], UPDATED_CLIENT_NAME);
    }
}
