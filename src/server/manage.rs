//! The client configuration endpoint of RFC 7592 (`/register/{client_id}`): read (GET),
//! update (PUT) and delete (DELETE) one registered client, each authenticated with the
//! registration access token the registration response handed out (RFC 7592 §2, RFC 6750).
//!
//! The endpoint commits only its own defects and the two that cover every response
//! ([`DefectSet::for_configuration_endpoint`]): it parses, validates and answers errors like
//! a clean server even when the registration endpoints are defective.

use std::sync::Arc;
use std::time::SystemTime;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value};

use super::defects::{Defect, DefectSet};
use super::endpoint::{
    body_refused, constant_time_eq, digest, parse, presented_token, read_body, unauthorized,
    AppState, ParseFailure,
};
use super::response::{self, protocol_error, rejected};
use super::statement;
use super::store::{now_secs, random_token, Issued, StoredClient};
use super::validate::{self, ErrorCode, Rejection};
use crate::spec::names::*;

/// What `Allow` lists on a 405.
const ALLOWED: &str = "GET, PUT, DELETE, OPTIONS";

/// The members RFC 7592 §2.2 forbids in an update request: the server alone sets them.
const SERVER_ONLY: &[&str] = &[
    REGISTRATION_ACCESS_TOKEN,
    REGISTRATION_CLIENT_URI,
    CLIENT_SECRET_EXPIRES_AT,
    CLIENT_ID_ISSUED_AT,
];

/// Every method on `/register/{client_id}`.
pub(crate) async fn configuration(
    State(state): State<Arc<AppState>>,
    client_id: Result<Path<String>, PathRejection>,
    req: Request,
) -> Response {
    // A path parameter that does not decode (bad UTF-8) names no client.
    let client_id = client_id.ok().map(|Path(id)| id);
    let defects = &state.management_defects;
    match *req.method() {
        Method::GET => read(&state, client_id.as_deref(), req.headers()),
        Method::PUT => update(&state, client_id.as_deref(), req).await,
        Method::DELETE => delete(&state, client_id.as_deref(), req.headers()),
        Method::OPTIONS if !defects.has(Defect::NoCors) => response::preflight("GET, PUT, DELETE"),
        _ => response::with_header(
            protocol_error(
                StatusCode::METHOD_NOT_ALLOWED,
                INVALID_REQUEST,
                "the client configuration endpoint accepts GET, PUT and DELETE",
                defects,
            ),
            header::ALLOW,
            HeaderValue::from_static(ALLOWED),
        ),
    }
}

/// A request the registration access token let through.
struct Caller {
    client_id: String,
    client: StoredClient,
    /// The token presented, when it is one the server accepted for this client; the
    /// information returned carries it as `registration_access_token` (only its digest is
    /// stored).
    token: Option<String>,
}

/// Why [`authenticate`] turned a request away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// No bearer token.
    NoToken,
    /// A token that is not this client's, or no such client.
    InvalidToken,
    /// `management-404-unknown-client`: no such client.
    NotFound,
}

impl Refusal {
    fn response(self, defects: &DefectSet) -> Response {
        match self {
            Refusal::NoToken => {
                unauthorized(false, "a registration access token is required", defects)
            }
            Refusal::InvalidToken => unauthorized(
                true,
                "the registration access token is not valid for this client",
                defects,
            ),
            Refusal::NotFound => protocol_error(
                StatusCode::NOT_FOUND,
                INVALID_REQUEST,
                "no such client",
                defects,
            ),
        }
    }
}

/// RFC 7592 §2: the bearer token must be the registration access token of the client named
/// by the path. Every failure is a 401, an unknown client included (§2.1), so the endpoint
/// does not reveal which client ids exist.
fn authenticate(
    state: &AppState,
    client_id: Option<&str>,
    headers: &HeaderMap,
    check_token: bool,
) -> Result<Caller, Refusal> {
    let defects = &state.management_defects;
    let found = client_id.and_then(|id| Some((id.to_owned(), state.store.get(id)?)));
    if found.is_none() && defects.has(Defect::Management404UnknownClient) {
        return Err(Refusal::NotFound);
    }
    let presented = presented_token(headers);
    let own =
        |client: &StoredClient, token: &str| constant_time_eq(&digest(token), &client.token_digest);
    match (found, presented) {
        // `management-ignores-token`: a read goes through whatever was presented.
        (Some((client_id, client)), token) if !check_token => Ok(Caller {
            token: token.filter(|t| own(&client, t)).map(str::to_owned),
            client_id,
            client,
        }),
        (_, None) => Err(Refusal::NoToken),
        (Some((client_id, client)), Some(token))
            if own(&client, token)
                || (defects.has(Defect::ManagementTokenAnyClient)
                    && state.store.has_token(&digest(token))) =>
        {
            Ok(Caller {
                client_id,
                client,
                token: Some(token.to_owned()),
            })
        }
        _ => Err(Refusal::InvalidToken),
    }
}

/// RFC 7592 §2.1: the client's current information; a read changes nothing.
fn read(state: &AppState, client_id: Option<&str>, headers: &HeaderMap) -> Response {
    let defects = &state.management_defects;
    let check_token = !defects.has(Defect::ManagementIgnoresToken);
    let caller = match authenticate(state, client_id, headers, check_token) {
        Ok(caller) => caller,
        Err(refusal) => return refusal.response(defects),
    };
    let mut body = response::client_information(
        &caller.client.record,
        &caller.client.uri,
        caller.token.as_deref(),
    );
    if defects.has(Defect::ReadDropsRedirectUris) {
        body.shift_remove(REDIRECT_URIS);
    }
    response::client_read(body, defects)
}

/// RFC 7592 §2.2: the request carries the complete metadata, which replaces the stored
/// metadata after the same validation as a registration; the credentials stay.
async fn update(state: &AppState, client_id: Option<&str>, req: Request) -> Response {
    let defects = &state.management_defects;
    let (parts, body) = req.into_parts();
    let bytes = match read_body(body, &parts.headers, state.body_limit).await {
        Ok(bytes) => bytes,
        Err(e) => return body_refused(e, state.body_limit, defects),
    };
    let caller = match authenticate(state, client_id, &parts.headers, true) {
        Ok(caller) => caller,
        Err(refusal) => return refusal.response(defects),
    };
    let mut object = match parse(&parts.headers, &bytes, defects) {
        Ok(object) => object,
        Err(ParseFailure::Reject(rejection)) => return rejected(&rejection, defects),
        Err(ParseFailure::Crash) => return response::internal_error(),
    };
    let changes = match credential_changes(&object, &caller, defects) {
        Ok(changes) => changes,
        Err(rejection) => return rejected(&rejection, defects),
    };
    let rules = if defects.has(Defect::UpdateAcceptsFragmentRedirect) {
        DefectSet::new(&[Defect::AcceptFragmentRedirect])
    } else {
        DefectSet::default()
    };
    // A statement in the update is checked like one in a registration (RFC 7592 §2.2), with
    // the clean rules: the statement defects belong to the registration endpoints.
    let trusted = state.trusted_statement.as_ref();
    let clean = DefectSet::default();
    let software_statement = match statement::apply(&mut object, trusted, &clean, now_secs()) {
        Ok(statement) => statement,
        Err(rejection) => return rejected(&rejection, defects),
    };
    let mut registration = match validate::validate(&object, caller.client.endpoint, &rules) {
        Ok(registration) => registration,
        Err(rejection) => return rejected(&rejection, defects),
    };
    registration.software_statement = software_statement;

    let old = &caller.client.record;
    let current_secret = old.get(CLIENT_SECRET).and_then(Value::as_str);
    let current_expiry = old
        .get(CLIENT_SECRET_EXPIRES_AT)
        .and_then(Value::as_u64)
        .unwrap_or(0);
    // The secret stays, and so does its expiry (an update does not rotate it); a change of
    // auth method that newly needs one gets a fresh one, living a full lifetime, and one that
    // no longer needs it drops it. An adopted secret counts as fresh.
    let fresh_expiry = || state.store.secret_expires_at(SystemTime::now());
    let (client_secret, client_secret_expires_at) = match (changes.secret, current_secret) {
        (Some(adopted), _) => (Some(adopted), fresh_expiry()),
        (None, Some(current)) if registration.needs_secret => {
            (Some(current.to_owned()), current_expiry)
        }
        (None, None) if registration.needs_secret => (Some(random_token(32)), fresh_expiry()),
        (None, _) => (None, 0),
    };
    let new_id = changes
        .client_id
        .unwrap_or_else(|| caller.client_id.clone());
    let issued = Issued {
        client_id: new_id.clone(),
        client_id_issued_at: old
            .get(CLIENT_ID_ISSUED_AT)
            .and_then(Value::as_u64)
            .unwrap_or_else(now_secs),
        client_secret,
        client_secret_expires_at,
    };
    let mut record = response::registered_body(&registration, &issued);
    if defects.has(Defect::UpdateMergesMetadata) {
        let mut merged = old.clone();
        merged.extend(record);
        record = merged;
    }
    let uri = if new_id == caller.client_id {
        caller.client.uri.clone()
    } else {
        state.configuration_uri(&parts.headers, &parts.uri, &new_id)
    };
    // The token stays (under `management-token-any-client` the one presented may be another
    // client's, which must not become this client's).
    let token_digest = changes
        .token
        .as_deref()
        .map_or(caller.client.token_digest, digest);
    let token = changes.token.or(caller.token);
    let client = StoredClient {
        record,
        endpoint: caller.client.endpoint,
        token_digest,
        uri,
    };
    let body = response::client_information(&client.record, &client.uri, token.as_deref());
    if !state.store.replace(&caller.client_id, new_id, client) {
        // Deleted, or forgotten at the cap, while this request was under way.
        return Refusal::InvalidToken.response(defects);
    }
    response::client_read(body, defects)
}

/// What an update request may change besides the metadata: nothing on the clean server.
#[derive(Default)]
struct CredentialChanges {
    /// `update-changes-client-id`: the client's new identifier.
    client_id: Option<String>,
    /// `update-adopts-client-secret`: the secret the client chose.
    secret: Option<String>,
    /// `update-accepts-registration-token`: the token the client chose.
    token: Option<String>,
}

/// RFC 7592 §2.2: `client_id` must be the current identifier, a `client_secret` the current
/// secret, and the server-only members must not be sent (refused as `invalid_request`).
fn credential_changes(
    object: &Map<String, Value>,
    caller: &Caller,
    defects: &DefectSet,
) -> Result<CredentialChanges, Rejection> {
    let mut changes = CredentialChanges::default();
    match object.get(CLIENT_ID) {
        Some(Value::String(id)) if *id == caller.client_id => {}
        Some(Value::String(id)) if defects.has(Defect::UpdateChangesClientId) && !id.is_empty() => {
            changes.client_id = Some(id.clone());
        }
        _ => {
            return Err(Rejection::new(
                ErrorCode::InvalidClientMetadata,
                "client_id must be the client's current identifier",
            ))
        }
    }
    let current = caller
        .client
        .record
        .get(CLIENT_SECRET)
        .and_then(Value::as_str);
    match object.get(CLIENT_SECRET) {
        None => {}
        Some(Value::String(sent))
            if current.is_some_and(|c| constant_time_eq(&digest(c), &digest(sent))) => {}
        Some(Value::String(sent)) if defects.has(Defect::UpdateAdoptsClientSecret) => {
            changes.secret = Some(sent.clone());
        }
        Some(_) => {
            return Err(Rejection::new(
                ErrorCode::InvalidClientMetadata,
                "client_secret must be the client's current secret; the server chooses secrets",
            ))
        }
    }
    for &name in SERVER_ONLY {
        match object.get(name) {
            None => {}
            Some(Value::String(token))
                if name == REGISTRATION_ACCESS_TOKEN
                    && defects.has(Defect::UpdateAcceptsRegistrationToken)
                    && !token.is_empty() =>
            {
                changes.token = Some(token.clone());
            }
            Some(_) => {
                return Err(Rejection::new(
                    ErrorCode::InvalidRequest,
                    format!("{name} is set by the server and must not be sent in an update"),
                ))
            }
        }
    }
    Ok(changes)
}

/// RFC 7592 §2.3: the client, its secret and its registration access token stop working.
fn delete(state: &AppState, client_id: Option<&str>, headers: &HeaderMap) -> Response {
    let defects = &state.management_defects;
    let caller = match authenticate(state, client_id, headers, true) {
        Ok(caller) => caller,
        Err(refusal) => return refusal.response(defects),
    };
    if !defects.has(Defect::DeleteKeepsClient) {
        state.store.remove(&caller.client_id);
    }
    response::client_deleted(&caller.client_id, defects)
}
