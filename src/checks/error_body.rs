//! Checks on registration error responses (RFC 7591 §3.2.2).

use serde_json::Value;

use super::{json_object_problem, json_type, schema_errors, short, CaseContext, Check, Kind, Out};
use crate::generate::Method;
use crate::spec::names::*;
use crate::spec::Severity;

/// A 400 answer to a POST: the responses §3.2.2 describes.
fn error_response(ctx: &CaseContext) -> bool {
    ctx.case.request.method == Method::Post && ctx.status() == Some(400)
}

pub const ERROR_STATUS_IS_400_WITH_JSON: Check = Check {
    name: "error_is_json_object",
    requirements: &["R7591-3.2.2-a"],
    kind: Kind::Case(error_is_json_object),
};

fn error_is_json_object(ctx: &CaseContext, out: &mut Out) {
    if !error_response(ctx) {
        return;
    }
    match json_object_problem(ctx) {
        Some((what, detail)) => out.fail(
            "R7591-3.2.2-a",
            format!("registration error {what}"),
            detail,
        ),
        None => out.pass("R7591-3.2.2-a"),
    }
}

pub const ERROR_CODE_IS_ASCII_STRING: Check = Check {
    name: "error_code_is_ascii_string",
    requirements: &["R7591-3.2.2-b"],
    kind: Kind::Case(error_code_is_ascii_string),
};

fn error_code_is_ascii_string(ctx: &CaseContext, out: &mut Out) {
    if !error_response(ctx) {
        return;
    }
    let Some(body) = ctx.body() else { return };
    match body.get(ERROR) {
        None => out.fail(
            "R7591-3.2.2-b",
            "registration error has no error member",
            "",
        ),
        Some(Value::String(code)) => {
            if !code.is_empty() && code.chars().all(is_error_code_char) {
                out.pass("R7591-3.2.2-b");
            } else {
                out.fail(
                    "R7591-3.2.2-b",
                    "error code has characters outside RFC 6749 §5.2",
                    short(&Value::String(code.clone())),
                );
            }
        }
        Some(v) => out.fail(
            "R7591-3.2.2-b",
            format!("error is a {}, not a string", json_type(v)),
            short(v),
        ),
    }
}

pub const ERROR_BODY_HAS_NO_CLIENT_ID: Check = Check {
    name: "error_body_has_no_client_id",
    requirements: &["R7591-3.2.2-g", "OIDCR-7-a"],
    kind: Kind::Case(error_body_has_no_client_id),
};

fn error_body_has_no_client_id(ctx: &CaseContext, out: &mut Out) {
    if !ctx.refused() {
        return;
    }
    let Some(body) = ctx.body() else { return };
    let req = if ctx.profile.is_oidc() {
        "OIDCR-7-a"
    } else {
        "R7591-3.2.2-g"
    };
    // Other members MAY be used in an error (RFC 7591 §3.2.2, OIDC §3.3): a client_id there
    // only suggests a half-created client, so it is a WARN.
    if body.contains_key(CLIENT_ID) {
        out.flag(
            Severity::Warn,
            req,
            "error response carries a client_id",
            format!("{}: a client may have been half-created", ctx.case.title),
        );
    } else {
        out.pass(req);
    }
}

pub const ERROR_WITHOUT_SUCCESS_STATUS: Check = Check {
    name: "error_without_success_status",
    requirements: &["R7591-3.2.2-a"],
    kind: Kind::Case(error_without_success_status),
};

fn error_without_success_status(ctx: &CaseContext, out: &mut Out) {
    let Some(status) = ctx.status() else { return };
    if !(200..300).contains(&status) || ctx.case.request.method != Method::Post {
        return;
    }
    if ctx.body().is_some_and(|b| b.contains_key(ERROR)) {
        out.fail(
            "R7591-3.2.2-a",
            format!("error body answered with success status {status}"),
            ctx.case.title.clone(),
        );
    }
}

pub const ERROR_BODY_MATCHES_SCHEMA: Check = Check {
    name: "error_body_matches_schema",
    requirements: &["R7591-3.2.2-c"],
    kind: Kind::Case(error_body_matches_schema),
};

fn error_body_matches_schema(ctx: &CaseContext, out: &mut Out) {
    if !error_response(ctx) {
        return;
    }
    if ctx.body().is_none() {
        return;
    }
    let Some(value) = ctx.response().and_then(|r| r.json()) else {
        return;
    };
    for (pointer, message) in schema_errors(&ctx.schemas.error, value) {
        // error and client_id have named checks; what is left is error_description.
        if pointer.starts_with("/error_description") {
            out.flag(
                Severity::Warn,
                "R7591-3.2.2-c",
                "error_description breaks the error schema",
                format!("{pointer}: {message}"),
            );
            return;
        }
    }
    if ctx
        .body()
        .is_some_and(|b| b.contains_key(ERROR_DESCRIPTION))
    {
        out.pass("R7591-3.2.2-c");
    }
}
