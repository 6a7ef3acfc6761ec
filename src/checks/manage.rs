//! Checks on the RFC 7592 conversation (`crate::manage`): each judges the steps it names,
//! comparing them with the registration and with earlier steps where the rule needs it.

use serde_json::Value;

use super::{short, Check, Kind, ManageContext, Out};
use crate::exec::Observation;
use crate::manage::{
    StepName, TokenAuth, CHOSEN_SECRET, FRAGMENT_REDIRECT_URI, REGISTERED_LOGO_URI,
    UPDATED_CLIENT_NAME,
};
use crate::spec::names::*;
use crate::spec::Severity;

fn status(obs: &Observation) -> Option<u16> {
    obs.response.as_ref().map(|r| r.status)
}

fn is_success(s: u16) -> bool {
    (200..300).contains(&s)
}

/// Answers that say a method is not offered on the configuration endpoint: RFC 7592 §2 asks
/// for "the appropriate error code" (§2.3: 405 for delete); OIDC Registration §4 defines reads
/// only, so many servers offer nothing else.
const NOT_OFFERED: &[u16] = &[404, 405, 501];

/// Whether the server answered the step's method as one it offers (or the step was not sent).
fn offered(ctx: &ManageContext, name: StepName) -> bool {
    ctx.conversation
        .step(name)
        .and_then(|s| status(&s.observation))
        .is_none_or(|s| !NOT_OFFERED.contains(&s))
}

const UPDATE_NOT_OFFERED: &str = "the server does not offer client update (PUT)";

/// The members a server may change between reads (RFC 7592 §2.1 lets it rotate the secret
/// and the token) or whose form it may vary.
const VOLATILE: &[&str] = &[
    CLIENT_SECRET,
    CLIENT_SECRET_EXPIRES_AT,
    REGISTRATION_ACCESS_TOKEN,
    REGISTRATION_CLIENT_URI,
];

pub const MANAGEMENT_CREDENTIALS_COME_TOGETHER: Check = Check {
    name: "management_credentials_come_together",
    requirements: &["R7592-3-a"],
    kind: Kind::Manage(management_credentials_come_together),
};

fn management_credentials_come_together(ctx: &ManageContext, out: &mut Out) {
    if ctx.step.name != StepName::Register {
        return;
    }
    let Some(body) = ctx.step.observation.success_body() else {
        return;
    };
    let present = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
    };
    match (
        present(REGISTRATION_CLIENT_URI),
        present(REGISTRATION_ACCESS_TOKEN),
    ) {
        (true, true) => {
            let uri = body
                .get(REGISTRATION_CLIENT_URI)
                .and_then(Value::as_str)
                .unwrap_or_default();
            if reqwest::Url::parse(uri).is_ok() {
                out.pass("R7592-3-a");
            } else {
                out.fail(
                    "R7592-3-a",
                    "registration_client_uri is not an absolute URL",
                    short(&Value::String(uri.into())),
                );
            }
        }
        (false, false) => {}
        (uri, _) => out.fail(
            "R7592-3-a",
            "registration_client_uri and registration_access_token do not come together",
            if uri {
                "registration_access_token is missing"
            } else {
                "registration_client_uri is missing"
            },
        ),
    }
}

pub const CLIENT_READ_RETURNS_ITS_METADATA: Check = Check {
    name: "client_read_returns_its_metadata",
    requirements: &["R7592-2.1-a"],
    kind: Kind::Manage(client_read_returns_its_metadata),
};

fn client_read_returns_its_metadata(ctx: &ManageContext, out: &mut Out) {
    const ROW: &str = "R7592-2.1-a";
    match ctx.step.name {
        StepName::Read => {}
        StepName::ReadAgain => return reads_agree(ctx, out),
        _ => return,
    }
    let obs = &ctx.step.observation;
    let Some(s) = status(obs) else {
        return;
    };
    if s == 403 {
        // RFC 7592 §2.1: a client without permission to read its record gets 403.
        out.flag(
            Severity::Info,
            ROW,
            "the server does not let clients read their registration (403)",
            "",
        );
        return;
    }
    if !is_success(s) {
        out.flag(
            Severity::Warn,
            ROW,
            "a read with the client's own registration access token was refused",
            format!("status {s}"),
        );
        return;
    }
    let Some(body) = obs.json_object() else {
        out.fail(
            ROW,
            "the client read answer is not a JSON object",
            format!(
                "status {s}, Content-Type: {}",
                obs.response
                    .as_ref()
                    .and_then(|r| r.header("content-type"))
                    .unwrap_or("absent")
            ),
        );
        return;
    };
    if s != 200 {
        out.flag(
            Severity::Warn,
            ROW,
            "a successful client read is not answered with 200",
            format!("status {s}"),
        );
    }
    let Some(registered) = ctx.conversation.success_body(StepName::Register) else {
        return;
    };
    for member in [CLIENT_ID, REDIRECT_URIS] {
        let (Some(was), now) = (registered.get(member), body.get(member)) else {
            continue;
        };
        if now != Some(was) {
            out.flag_kind(
                Severity::Fail,
                ROW,
                format!("read-differs-{member}"),
                format!("the client read answer does not return the registered {member}"),
                format!(
                    "registered {}, read {}",
                    short(was),
                    now.map_or_else(|| "nothing".into(), short)
                ),
            );
            return;
        }
    }
    out.pass(ROW);
}

/// A second read returns what the first did, up to a rotated secret or token.
fn reads_agree(ctx: &ManageContext, out: &mut Out) {
    const ROW: &str = "R7592-2.1-a";
    let (Some(first), Some(second)) = (
        ctx.conversation.success_body(StepName::Read),
        ctx.step.observation.success_body(),
    ) else {
        return;
    };
    let stable = |m: &serde_json::Map<String, Value>| {
        m.iter()
            .filter(|(k, _)| !VOLATILE.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<serde_json::Map<String, Value>>()
    };
    if stable(first) != stable(second) {
        let changed: Vec<&str> = first
            .keys()
            .chain(second.keys())
            .filter(|k| !VOLATILE.contains(&k.as_str()) && first.get(*k) != second.get(*k))
            .map(String::as_str)
            .collect();
        out.flag(
            Severity::Warn,
            ROW,
            "a second client read returned different metadata",
            format!("changed: {}", changed.join(", ")),
        );
        return;
    }
    let rotated: Vec<&str> = [CLIENT_SECRET, REGISTRATION_ACCESS_TOKEN]
        .into_iter()
        .filter(|k| first.get(*k) != second.get(*k))
        .collect();
    if rotated.is_empty() {
        out.pass(ROW);
    } else {
        // RFC 7592 §2.1 allows it; clients must then use the new values.
        out.flag(
            Severity::Info,
            ROW,
            "the server rotates credentials on a client read",
            format!("rotated: {}", rotated.join(", ")),
        );
    }
}

pub const CONFIGURATION_ENDPOINT_REQUIRES_THE_CLIENTS_TOKEN: Check = Check {
    name: "configuration_endpoint_requires_the_clients_token",
    requirements: &["R7592-2-a"],
    kind: Kind::Manage(configuration_endpoint_requires_the_clients_token),
};

fn configuration_endpoint_requires_the_clients_token(ctx: &ManageContext, out: &mut Out) {
    const ROW: &str = "R7592-2-a";
    let what = match ctx.step.name {
        StepName::ReadWithoutToken => "a read without a token",
        StepName::ReadWithWrongToken => "a read with a wrong token",
        StepName::ReadWithOtherClientsToken => "a read with another client's token",
        StepName::DeleteWithWrongToken if offered(ctx, StepName::Delete) => {
            "a delete with a wrong token"
        }
        _ => return,
    };
    let obs = &ctx.step.observation;
    let Some(s) = status(obs) else {
        return;
    };
    if is_success(s) {
        out.flag_kind(
            Severity::Fail,
            ROW,
            format!("served-{}", ctx.step.name.id()),
            format!("the client configuration endpoint served {what}"),
            format!("status {s}"),
        );
        return;
    }
    let other_client = ctx.step.name == StepName::ReadWithOtherClientsToken;
    match s {
        401 => {
            let challenge = obs
                .response
                .as_ref()
                .and_then(|r| r.header("www-authenticate"));
            if challenge.is_some_and(|c| c.trim_start().to_ascii_lowercase().starts_with("bearer"))
            {
                out.pass(ROW);
            } else {
                // RFC 6750 §3: a 401 from a protected resource carries the Bearer challenge.
                out.flag(
                    Severity::Warn,
                    ROW,
                    "the client configuration endpoint answers 401 without WWW-Authenticate: Bearer",
                    format!(
                        "{what}: WWW-Authenticate: {}",
                        challenge.unwrap_or("absent")
                    ),
                );
            }
        }
        403 if other_client => out.pass(ROW),
        _ => out.flag_kind(
            Severity::Warn,
            ROW,
            format!("status-{}", ctx.step.name.id()),
            format!("the client configuration endpoint refuses {what} without a 401"),
            format!("status {s}"),
        ),
    }
}

pub const UNKNOWN_CLIENT_GETS_401: Check = Check {
    name: "unknown_client_gets_401",
    requirements: &["R7592-2.1-b"],
    kind: Kind::Manage(unknown_client_gets_401),
};

fn unknown_client_gets_401(ctx: &ManageContext, out: &mut Out) {
    const ROW: &str = "R7592-2.1-b";
    let what = match ctx.step.name {
        StepName::ReadUnknownClient => "a client_id the server never issued",
        StepName::ReadAfterDelete => "a deleted client",
        _ => return,
    };
    let Some(s) = status(&ctx.step.observation) else {
        return;
    };
    match s {
        401 | 403 => out.pass(ROW),
        // The deleted-client success is the revocation check's finding.
        s if is_success(s) && ctx.step.name == StepName::ReadAfterDelete => {}
        s if is_success(s) => out.fail(
            ROW,
            "the client configuration endpoint serves a client_id the server never issued",
            format!("status {s} for the configuration URL with the client_id changed"),
        ),
        404 => out.flag(
            // The catalog grades 404 WARN under RFC 7592 alone and FAIL under OIDC.
            if ctx.profile.is_oidc() {
                Severity::Fail
            } else {
                Severity::Warn
            },
            ROW,
            "the client configuration endpoint answers 404 for an unknown client, not 401",
            format!("{what}: status 404"),
        ),
        s => out.flag(
            Severity::Warn,
            ROW,
            "the client configuration endpoint answers an unknown client without a 401",
            format!("{what}: status {s}"),
        ),
    }
}

pub const UPDATE_REPLACES_THE_METADATA: Check = Check {
    name: "update_replaces_the_metadata",
    requirements: &["R7592-2.2-a"],
    kind: Kind::Manage(update_replaces_the_metadata),
};

fn update_replaces_the_metadata(ctx: &ManageContext, out: &mut Out) {
    const ROW: &str = "R7592-2.2-a";
    if ctx.step.name != StepName::Update {
        return;
    }
    let obs = &ctx.step.observation;
    let Some(s) = status(obs) else {
        return;
    };
    if s == 403 {
        out.flag(
            Severity::Info,
            ROW,
            "the server does not let clients update their registration (403)",
            "",
        );
        return;
    }
    if NOT_OFFERED.contains(&s) {
        out.flag(
            Severity::Info,
            ROW,
            UPDATE_NOT_OFFERED,
            format!("PUT answered {s}"),
        );
        return;
    }
    let Some(body) = obs.success_body() else {
        out.flag(
            Severity::Warn,
            ROW,
            "a valid update of the full metadata was refused",
            format!(
                "status {s}: {}",
                short(&Value::String(
                    obs.response
                        .as_ref()
                        .map(|r| r.body_text())
                        .unwrap_or_default()
                ))
            ),
        );
        return;
    };
    if s != 200 {
        out.flag(
            Severity::Warn,
            ROW,
            "a successful update is not answered with 200",
            format!("status {s}"),
        );
    }
    if body.get(LOGO_URI).and_then(Value::as_str) == Some(REGISTERED_LOGO_URI) {
        out.flag(
            Severity::Warn,
            ROW,
            "an update merges into the registration instead of replacing it",
            "logo_uri was left out of the update and is still registered",
        );
        return;
    }
    if body.get(CLIENT_NAME).and_then(Value::as_str) != Some(UPDATED_CLIENT_NAME) {
        // RFC 7592 §2.2: the server may ignore any value, as at registration.
        out.flag(
            Severity::Info,
            ROW,
            "an update's new client_name was not applied",
            format!(
                "client_name now {}",
                body.get(CLIENT_NAME).map_or_else(|| "absent".into(), short)
            ),
        );
        return;
    }
    out.pass(ROW);
}

pub const UPDATE_KEEPS_SERVER_ISSUED_IDENTIFIERS: Check = Check {
    name: "update_keeps_server_issued_identifiers",
    requirements: &["R7592-2.2-b"],
    kind: Kind::Manage(update_keeps_server_issued_identifiers),
};

fn update_keeps_server_issued_identifiers(ctx: &ManageContext, out: &mut Out) {
    const ROW: &str = "R7592-2.2-b";
    let registered_id = ctx
        .conversation
        .success_body(StepName::Register)
        .and_then(|b| b.get(CLIENT_ID))
        .and_then(Value::as_str);
    let body = ctx.step.observation.success_body();
    if !offered(ctx, StepName::Update) {
        if ctx.step.name == StepName::UpdateWithChosenSecret {
            out.skip(ROW, UPDATE_NOT_OFFERED);
        }
        return;
    }
    match ctx.step.name {
        StepName::UpdateWithChosenSecret => {
            if body
                .and_then(|b| b.get(CLIENT_SECRET))
                .and_then(Value::as_str)
                == Some(CHOSEN_SECRET)
            {
                out.fail(
                    ROW,
                    "an update lets the client choose its own client_secret",
                    "the response carries the client_secret the update asked for",
                );
            } else {
                out.pass(ROW);
            }
        }
        StepName::UpdateWithOtherClientId | StepName::Update => {
            let now = body.and_then(|b| b.get(CLIENT_ID)).and_then(Value::as_str);
            match (registered_id, now) {
                (Some(was), Some(now)) if was != now => out.fail(
                    ROW,
                    "an update changes the client_id",
                    format!("registered {was:?}, now {now:?}"),
                ),
                _ => out.pass(ROW),
            }
        }
        _ => {}
    }
}

pub const UPDATE_CANNOT_SET_THE_REGISTRATION_TOKEN: Check = Check {
    name: "update_cannot_set_the_registration_token",
    requirements: &["R7592-2.2-c"],
    kind: Kind::Manage(update_cannot_set_the_registration_token),
};

fn update_cannot_set_the_registration_token(ctx: &ManageContext, out: &mut Out) {
    const ROW: &str = "R7592-2.2-c";
    if ctx.step.name != StepName::ReadWithMadeUpToken {
        return;
    }
    if !offered(ctx, StepName::Update) {
        out.skip(ROW, UPDATE_NOT_OFFERED);
        return;
    }
    match status(&ctx.step.observation) {
        Some(s) if is_success(s) => out.fail(
            ROW,
            "a registration_access_token sent in an update works as the client's token",
            format!("status {s} for a read with the token the update sent"),
        ),
        Some(_) => out.pass(ROW),
        None => {}
    }
}

pub const UPDATE_REFUSES_OR_REPLACES_INVALID_VALUES: Check = Check {
    name: "update_refuses_or_replaces_invalid_values",
    requirements: &["R7592-2.2-d"],
    kind: Kind::Manage(update_refuses_or_replaces_invalid_values),
};

fn has_fragment_redirect(body: &serde_json::Map<String, Value>) -> bool {
    body.get(REDIRECT_URIS)
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|u| u.as_str() == Some(FRAGMENT_REDIRECT_URI)))
}

fn update_refuses_or_replaces_invalid_values(ctx: &ManageContext, out: &mut Out) {
    const ROW: &str = "R7592-2.2-d";
    let obs = &ctx.step.observation;
    if !offered(ctx, StepName::Update) {
        if ctx.step.name == StepName::UpdateWithFragmentRedirect {
            out.skip(ROW, UPDATE_NOT_OFFERED);
        }
        return;
    }
    match ctx.step.name {
        StepName::UpdateWithFragmentRedirect => {
            let Some(s) = status(obs) else {
                return;
            };
            if let Some(body) = obs.success_body() {
                if has_fragment_redirect(body) {
                    out.flag(
                        Severity::Warn,
                        ROW,
                        "an update registers a redirect URI with a fragment",
                        FRAGMENT_REDIRECT_URI,
                    );
                } else {
                    out.pass_with(ROW, "the invalid redirect URI was replaced".into());
                }
                return;
            }
            let code = obs
                .json_object()
                .and_then(|b| b.get("error"))
                .and_then(Value::as_str);
            match (s, code) {
                (400, Some(INVALID_REDIRECT_URI | INVALID_CLIENT_METADATA)) => out.pass(ROW),
                _ => out.flag(
                    Severity::Warn,
                    ROW,
                    "an update with an invalid redirect URI is not refused with 400 invalid_redirect_uri or invalid_client_metadata",
                    format!("status {s}, error {}", code.unwrap_or("absent")),
                ),
            }
        }
        StepName::ReadAfterRefusedUpdate => {
            let refused = ctx
                .conversation
                .step(StepName::UpdateWithFragmentRedirect)
                .and_then(|s| status(&s.observation))
                .is_some_and(|s| !is_success(s));
            if let (true, Some(body)) = (refused, obs.success_body()) {
                if has_fragment_redirect(body) {
                    out.flag(
                        Severity::Warn,
                        ROW,
                        "a refused update was applied anyway",
                        "the redirect URI with a fragment is registered after the update was refused",
                    );
                }
            }
        }
        _ => {}
    }
}

pub const DELETE_ANSWERS_204: Check = Check {
    name: "delete_answers_204",
    requirements: &["R7592-2.3-a"],
    kind: Kind::Manage(delete_answers_204),
};

fn delete_answers_204(ctx: &ManageContext, out: &mut Out) {
    const ROW: &str = "R7592-2.3-a";
    if ctx.step.name != StepName::Delete {
        return;
    }
    match status(&ctx.step.observation) {
        Some(204) => out.pass(ROW),
        // RFC 7592 §2.3: a server without delete support answers 405.
        Some(405) => out.pass_with(ROW, "delete is not supported (405)".into()),
        Some(s) if NOT_OFFERED.contains(&s) => out.flag(
            Severity::Warn,
            ROW,
            "the server does not offer client delete and answers DELETE without a 405",
            format!("status {s}"),
        ),
        Some(s) if is_success(s) => out.fail(
            ROW,
            "a successful client delete is not answered with 204 No Content",
            format!("status {s}"),
        ),
        Some(s) => out.flag(
            Severity::Warn,
            ROW,
            "a delete with the client's own registration access token was refused",
            format!("status {s}"),
        ),
        None => {}
    }
}

pub const DELETED_CLIENT_TOKEN_IS_REVOKED: Check = Check {
    name: "deleted_client_token_is_revoked",
    requirements: &["R7592-5-a"],
    kind: Kind::Manage(deleted_client_token_is_revoked),
};

fn deleted_client_token_is_revoked(ctx: &ManageContext, out: &mut Out) {
    const ROW: &str = "R7592-5-a";
    if ctx.step.name == StepName::Delete {
        if let Some(s) = status(&ctx.step.observation).filter(|s| !is_success(*s)) {
            out.skip(
                ROW,
                format!("the client was not deleted (DELETE answered {s})"),
            );
        }
        return;
    }
    if ctx.step.name != StepName::ReadAfterDelete {
        return;
    }
    match status(&ctx.step.observation) {
        Some(s) if is_success(s) => out.fail(
            ROW,
            "a deleted client can still be read with its registration access token",
            format!("status {s} after DELETE succeeded"),
        ),
        Some(_) => out.pass(ROW),
        None => {}
    }
}

pub const ISSUED_CREDENTIALS_WORK: Check = Check {
    name: "issued_credentials_work",
    requirements: &["R7591-3.2.1-k", "R7523-2.2-a"],
    kind: Kind::Manage(issued_credentials_work),
};

/// The `error` member of a JSON answer.
fn error_code(obs: &Observation) -> Option<&str> {
    obs.json_object()
        .and_then(|b| b.get("error"))
        .and_then(Value::as_str)
}

/// The rows a method's token requests prove: that the right credential works, and that a
/// wrong one is refused.
fn credential_rows(auth: TokenAuth) -> (&'static str, &'static str) {
    match auth {
        TokenAuth::PrivateKeyJwt => ("R7523-2.2-a", "R7523-3-a"),
        _ => ("R7591-3.2.1-k", "R6749-5.2-a"),
    }
}

fn issued_credentials_work(ctx: &ManageContext, out: &mut Out) {
    if let StepName::RegisterForToken(auth) = ctx.step.name {
        if ctx
            .conversation
            .step(StepName::TokenWithIssuedSecret(auth))
            .is_none()
        {
            let why = match auth {
                TokenAuth::PrivateKeyJwt => "the server did not register a client_credentials client for private_key_jwt with the run's jwks".to_string(),
                _ => format!(
                    "the server did not register a client_credentials client with a {} secret",
                    auth.method()
                ),
            };
            let (works, wrong) = credential_rows(auth);
            out.skip(works, why.clone());
            if auth.uses_secret() {
                out.skip("R7591-3.2.1-l", why.clone());
            }
            out.skip(wrong, why);
        }
        return;
    }
    let StepName::TokenWithIssuedSecret(auth) = ctx.step.name else {
        return;
    };
    let (row, _) = credential_rows(auth);
    let credential = match auth {
        TokenAuth::PrivateKeyJwt => "a client assertion signed with the registered key",
        _ => "the issued client_secret",
    };
    let obs = &ctx.step.observation;
    let Some(s) = status(obs) else {
        return;
    };
    let code = error_code(obs);
    let has_token = obs
        .json_object()
        .and_then(|b| b.get("access_token"))
        .and_then(Value::as_str)
        .is_some_and(|t| !t.is_empty());
    let method = auth.method();
    match (s, code) {
        (200, _) if has_token => out.pass(row),
        (_, Some("invalid_client")) | (401, _) => out.flag_kind(
            Severity::Fail,
            row,
            format!("refused-{method}"),
            format!("{credential} is refused at the token endpoint"),
            format!("{method}: status {s}, error {}", code.unwrap_or("absent")),
        ),
        (s, _) if is_success(s) => out.flag(
            Severity::Warn,
            row,
            "a client_credentials token request succeeded without an access_token",
            format!("{method}: status {s}"),
        ),
        // The request was well formed for the registered method: a server that cannot parse
        // it does not support the method it registered (RFC 6749 §2.3.1: Basic is a MUST).
        (_, Some("invalid_request")) => out.flag_kind(
            Severity::Warn,
            row,
            format!("invalid-request-{method}"),
            "the token endpoint does not understand the authentication method it registered",
            format!("{method}: status {s}, error invalid_request"),
        ),
        (s, _) if s >= 500 => out.flag(
            Severity::Warn,
            row,
            "the token endpoint fails with a server error for the issued credentials",
            format!("{method}: status {s}"),
        ),
        // unauthorized_client, invalid_scope, ...: the server's policy for this client.
        (s, code) => out.flag(
            Severity::Info,
            row,
            "the token endpoint refuses client_credentials for the registered client",
            format!("{method}: status {s}, error {}", code.unwrap_or("absent")),
        ),
    }
}

pub const EXPIRED_SECRET_IS_REFUSED: Check = Check {
    name: "expired_secret_is_refused",
    requirements: &["R7591-3.2.1-l"],
    kind: Kind::Manage(expired_secret_is_refused),
};

/// A secret the server said would expire no longer works once that time has passed.
fn expired_secret_is_refused(ctx: &ManageContext, out: &mut Out) {
    const ROW: &str = "R7591-3.2.1-l";
    match ctx.step.name {
        StepName::TokenWithIssuedSecret(auth) if auth.uses_secret() => {
            let tried = ctx
                .conversation
                .steps
                .iter()
                .any(|s| matches!(s.name, StepName::TokenWithExpiredSecret(_)));
            if !tried {
                out.skip(
                    ROW,
                    format!(
                        "no issued secret that worked expires within {} s (client_secret_expires_at is 0 or later)",
                        crate::manage::EXPIRY_WAIT_LIMIT.as_secs()
                    ),
                );
            }
        }
        StepName::TokenWithExpiredSecret(auth) => {
            let Some(s) = status(&ctx.step.observation) else {
                return;
            };
            if is_success(s) {
                out.flag(
                    Severity::Warn,
                    ROW,
                    "a client_secret still works after its client_secret_expires_at",
                    format!(
                        "{}: status {s} one second after the secret expired",
                        auth.method()
                    ),
                );
            } else {
                out.pass(ROW);
            }
        }
        _ => {}
    }
}

pub const WRONG_CLIENT_SECRET_IS_REFUSED: Check = Check {
    name: "wrong_client_secret_is_refused",
    requirements: &["R6749-5.2-a", "R7523-3-a"],
    kind: Kind::Manage(wrong_client_secret_is_refused),
};

fn wrong_client_secret_is_refused(ctx: &ManageContext, out: &mut Out) {
    let StepName::TokenWithWrongSecret(auth) = ctx.step.name else {
        return;
    };
    let (_, row) = credential_rows(auth);
    let wrong = match auth {
        TokenAuth::PrivateKeyJwt => "a client assertion whose signature does not verify",
        _ => "a wrong client_secret",
    };
    let obs = &ctx.step.observation;
    let Some(s) = status(obs) else {
        return;
    };
    let method = auth.method();
    if is_success(s) {
        out.flag_kind(
            Severity::Fail,
            row,
            format!("accepted-{method}"),
            format!("the token endpoint accepts {wrong}"),
            format!("{method}: status {s} for {wrong}"),
        );
        return;
    }
    // A refusal says something about the secret only if the issued one got a token.
    let issued_worked = ctx
        .conversation
        .step(StepName::TokenWithIssuedSecret(auth))
        .and_then(|s| s.observation.success_body())
        .is_some_and(|b| b.get("access_token").is_some());
    if !issued_worked {
        out.skip(
            row,
            format!("{method}: the right credential got no token either, so refusing {wrong} shows nothing"),
        );
        return;
    }
    let code = error_code(obs);
    let basic = auth == TokenAuth::Basic;
    let challenge = obs
        .response
        .as_ref()
        .and_then(|r| r.header("www-authenticate"));
    match (s, code) {
        (401, Some("invalid_client")) if basic && challenge.is_none() => out.flag(
            Severity::Warn,
            row,
            "a wrong Basic client secret is refused without WWW-Authenticate",
            "RFC 6749 §5.2: the 401 includes the WWW-Authenticate header matching the scheme used",
        ),
        (401, Some("invalid_client")) => out.pass(row),
        (400, Some("invalid_client")) if !basic => out.pass(row),
        (s, code) => out.flag_kind(
            Severity::Warn,
            row,
            format!("status-{method}"),
            format!("{wrong} is not refused with invalid_client as RFC 6749 §5.2 says"),
            format!("{method}: status {s}, error {}", code.unwrap_or("absent")),
        ),
    }
}
