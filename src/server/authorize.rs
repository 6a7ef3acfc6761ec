//! A minimal authorization endpoint (`GET /authorize`, RFC 6749 §3.1, §4.1.1) that checks a
//! request and stops where a person would log in: it never issues a code. What it checks, in
//! this order, because an error may only be sent to a redirect URI already known to be the
//! client's (RFC 6749 §4.1.2.1):
//!
//! 1. `client_id` names a registered client, and `redirect_uri` is one of its registered URIs
//!    (exactly, except the port of a loopback `http` URI, which RFC 8252 §7.3 leaves to the
//!    request); otherwise 400, never a redirect.
//! 2. `response_type` is `code`, and PKCE is used with `S256` (RFC 7636; OAuth 2.1 and MCP
//!    require it); otherwise a 302 to the redirect URI with `error`.
//! 3. A valid request gets 200 and a page standing in for the login.
//!
//! It commits only its own defects (`authorize-errors-to-any-redirect`,
//! `authorize-exact-loopback-port`, `authorize-without-pkce`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::defects::Defect;
use super::endpoint::AppState;
use crate::spec::names::{CLIENT_ID, REDIRECT_URIS};

/// `GET /authorize`.
pub(crate) async fn authorize(
    State(state): State<Arc<AppState>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| params.get(k).map(String::as_str);
    let redirect = get("redirect_uri");
    let defects = &state.defects;
    // With this defect the request's other errors go out first, to whatever URI it names.
    if defects.has(Defect::AuthorizeErrorsToAnyRedirect) {
        if let (Some(uri), Err(e)) = (redirect, code_and_pkce(&params, &state)) {
            return error_redirect(uri, e, get("state"));
        }
    }
    let Some(client) = get(CLIENT_ID).and_then(|id| state.store.get(id)) else {
        return bad_request("unknown or missing client_id");
    };
    let registered: Vec<&str> = client
        .record
        .get(REDIRECT_URIS)
        .and_then(Value::as_array)
        .map(|l| l.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let any_port = !defects.has(Defect::AuthorizeExactLoopbackPort);
    let redirect = match redirect {
        Some(uri) if registered.iter().any(|r| same_redirect(r, uri, any_port)) => uri,
        Some(_) => return bad_request("redirect_uri is not registered for this client"),
        None if registered.len() == 1 => registered[0],
        None => return bad_request("redirect_uri is required"),
    };
    if let Err(e) = code_and_pkce(&params, &state) {
        return error_redirect(redirect, e, get("state"));
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!doctype html><title>Sign in</title><p>dcrcheck reference server: a person would sign in here.</p>",
    )
        .into_response()
}

/// `response_type=code` with an `S256` code challenge.
fn code_and_pkce(params: &HashMap<String, String>, state: &AppState) -> Result<(), Refusal> {
    if params.get("response_type").map(String::as_str) != Some("code") {
        return Err(Refusal(
            "unsupported_response_type",
            "response_type must be code",
        ));
    }
    if state.defects.has(Defect::AuthorizeWithoutPkce) {
        return Ok(());
    }
    if params.get("code_challenge").is_none_or(String::is_empty) {
        return Err(Refusal("invalid_request", "code_challenge is required"));
    }
    // RFC 7636 §4.3: an absent method means plain.
    if params.get("code_challenge_method").map(String::as_str) != Some("S256") {
        return Err(Refusal(
            "invalid_request",
            "code_challenge_method must be S256",
        ));
    }
    Ok(())
}

struct Refusal(&'static str, &'static str);

/// Whether `sent` is the registered `registered`: the same string, or for loopback `http` the
/// same URI on any port (RFC 8252 §7.3) when `any_port`.
fn same_redirect(registered: &str, sent: &str, any_port: bool) -> bool {
    if registered == sent {
        return true;
    }
    let (Ok(mut a), Ok(mut b)) = (url::Url::parse(registered), url::Url::parse(sent)) else {
        return false;
    };
    let loopback = |raw: &str| super::uri::parse_absolute(raw).is_ok_and(|u| u.is_http_loopback());
    if !(any_port && loopback(registered) && loopback(sent)) {
        return false;
    }
    // Infallible on http URLs with a host.
    let _ = (a.set_port(None), b.set_port(None));
    a == b
}

fn bad_request(why: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("invalid authorization request: {why}"),
    )
        .into_response()
}

fn error_redirect(redirect: &str, refusal: Refusal, state: Option<&str>) -> Response {
    let Ok(mut url) = url::Url::parse(redirect) else {
        return bad_request("redirect_uri is not a URL");
    };
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("error", refusal.0)
            .append_pair("error_description", refusal.1);
        if let Some(s) = state {
            q.append_pair("state", s);
        }
    }
    match HeaderValue::from_str(url.as_str()) {
        Ok(location) => (StatusCode::FOUND, [(header::LOCATION, location)]).into_response(),
        Err(_) => bad_request("redirect_uri cannot be a Location"),
    }
}

#[cfg(test)]
mod tests {
    use super::same_redirect;

    #[test]
    fn loopback_ports_are_free_and_everything_else_is_exact() {
        let cb = "http://127.0.0.1:33418/callback";
        assert!(same_redirect(cb, cb, false));
        assert!(same_redirect(cb, "http://127.0.0.1:40000/callback", true));
        assert!(!same_redirect(cb, "http://127.0.0.1:40000/callback", false));
        assert!(!same_redirect(cb, "http://127.0.0.1:40000/other", true));
        assert!(!same_redirect(
            "https://client.example/cb",
            "https://client.example:8443/cb",
            true
        ));
        assert!(!same_redirect(
            cb,
            "https://attacker.example/callback",
            true
        ));
    }
}
