//! Transport checks: the registration endpoint is served over TLS, insists on it, speaks
//! TLS 1.2, and discovery advertises it as an https URL (RFC 7591 §3 and §5, OpenID Connect
//! Registration §9, OpenID Connect Core §15.2). They judge what `exec` recorded in
//! [`TransportProbes`](crate::exec::TransportProbes); they send nothing themselves.
//!
//! A plain-http target on a loopback host (a development server, the test suite) cannot show
//! any of this, so these rows SKIP there with that reason rather than FAIL.

use serde_json::Value;

use super::{short, Check, Kind, Out, RunContext};
use crate::exec::Observation;

const TLS_ROW: &str = "R7591-3-c";
const TLS12_ROW: &str = "R7591-5-a";
const OIDC_TLS_ROW: &str = "OIDCR-9-a";
const DISCOVERY_ROW: &str = "OIDC-Core-15.2";

/// Why a plain-http loopback target skips the TLS rows.
pub const PLAIN_LOOPBACK: &str =
    "plain-http loopback target: TLS rows need an https target (for example `dcrcheck serve --tls` and `run --ca-cert`)";

/// Whether a URL's host is loopback: `localhost` (and `*.localhost`), 127.0.0.0/8 or `::1`.
fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// How a probe ended, for details: the status, or the transport error.
fn outcome(obs: &Observation) -> String {
    match (&obs.response, &obs.transport_error) {
        (Some(r), _) => format!("status {}", r.status),
        (None, Some(e)) => format!("no response ({})", e.message),
        (None, None) => "no response".into(),
    }
}

pub const ENDPOINT_REQUIRES_TLS: Check = Check {
    name: "endpoint_requires_tls",
    requirements: &[TLS_ROW, OIDC_TLS_ROW],
    kind: Kind::Run(endpoint_requires_tls),
};

/// The endpoint is https, and the same host, port and path over plain http registers nothing.
fn endpoint_requires_tls(ctx: &RunContext, out: &mut Out) {
    let rows = [TLS_ROW, OIDC_TLS_ROW];
    let target = &ctx.probes.target;
    if target.scheme() != "https" {
        for row in rows {
            if is_loopback(target) {
                out.skip(row, PLAIN_LOOPBACK);
            } else {
                out.fail(
                    row,
                    "registration endpoint is served over plain http",
                    format!("target {target} is not https"),
                );
            }
        }
        return;
    }
    let Some(obs) = &ctx.probes.plaintext else {
        for row in rows {
            out.skip(row, "the plain-http probe was not sent");
        }
        return;
    };
    let status = obs.response.as_ref().map(|r| r.status);
    if ctx.probes.token_withheld && matches!(status, Some(401 | 403)) {
        for row in rows {
            out.skip(
                row,
                "the plain-http probe is sent without the initial access token (never sent in clear) and was refused for lack of it",
            );
        }
        return;
    }
    let registered = obs.success_without_error();
    for row in rows {
        if registered {
            out.fail(
                row,
                "registration endpoint also accepts plain http",
                format!(
                    "B0 sent to {} over plain http got {}",
                    obs.request.url,
                    outcome(obs)
                ),
            );
        } else {
            out.pass(row);
        }
    }
}

pub const TLS12_HANDSHAKE_SUCCEEDS: Check = Check {
    name: "tls12_handshake_succeeds",
    requirements: &[TLS12_ROW, OIDC_TLS_ROW],
    kind: Kind::Run(tls12_handshake_succeeds),
};

/// A client that offers TLS 1.2 and nothing else gets an HTTP answer (any status).
fn tls12_handshake_succeeds(ctx: &RunContext, out: &mut Out) {
    let rows = [TLS12_ROW, OIDC_TLS_ROW];
    let target = &ctx.probes.target;
    let Some(obs) = &ctx.probes.tls12 else {
        let reason = if target.scheme() != "https" && is_loopback(target) {
            PLAIN_LOOPBACK
        } else {
            "target is not https: no TLS handshake to test"
        };
        for row in rows {
            out.skip(row, reason);
        }
        return;
    };
    for row in rows {
        if obs.response.is_some() {
            out.pass(row);
        } else {
            out.fail(
                row,
                "TLS 1.2 handshake fails",
                format!(
                    "GET {} with a TLS-1.2-only client: {}",
                    obs.request.url,
                    outcome(obs)
                ),
            );
        }
    }
}

pub const DISCOVERY_ADVERTISES_HTTPS_REGISTRATION_ENDPOINT: Check = Check {
    name: "discovery_advertises_https_registration_endpoint",
    requirements: &[TLS_ROW, DISCOVERY_ROW],
    kind: Kind::Run(discovery_advertises_https_registration_endpoint),
};

/// The discovery document is a JSON object whose `registration_endpoint` is an https URL
/// (the OIDF suite's `CheckDiscEndpointRegistrationEndpoint`).
fn discovery_advertises_https_registration_endpoint(ctx: &RunContext, out: &mut Out) {
    let target = &ctx.probes.target;
    let Some(probe) = &ctx.probes.discovery else {
        let reason = if target.scheme() != "https" && is_loopback(target) {
            PLAIN_LOOPBACK
        } else {
            "no discovery document: pass --discovery URL"
        };
        out.skip(TLS_ROW, reason);
        out.skip(DISCOVERY_ROW, reason);
        return;
    };
    let obs = &probe.observation;
    let url = &obs.request.url;
    let document = obs
        .response
        .as_ref()
        .filter(|r| r.status == 200)
        .and_then(|_| obs.json_object());
    let Some(document) = document else {
        let reason = format!("no discovery document at {url} ({})", outcome(obs));
        out.skip(TLS_ROW, reason.clone());
        if probe.explicit {
            out.fail(
                DISCOVERY_ROW,
                "discovery document is unavailable",
                format!("GET {url}: {}, not a 200 JSON object", outcome(obs)),
            );
        } else {
            out.skip(DISCOVERY_ROW, format!("{reason}; pass --discovery URL"));
        }
        return;
    };
    let endpoint = match document.get("registration_endpoint") {
        Some(Value::String(s)) => s.as_str(),
        other => {
            out.skip(
                TLS_ROW,
                format!("discovery document {url} names no registration_endpoint"),
            );
            out.fail(
                DISCOVERY_ROW,
                "discovery document advertises no registration_endpoint",
                format!(
                    "{url}: registration_endpoint is {}",
                    other.map_or_else(|| "absent".to_string(), short)
                ),
            );
            return;
        }
    };
    let https = reqwest::Url::parse(endpoint).is_ok_and(|u| u.scheme() == "https");
    for row in [TLS_ROW, DISCOVERY_ROW] {
        if https {
            out.pass(row);
        } else {
            out.fail(
                row,
                "discovery advertises a registration_endpoint that is not https",
                format!("{url}: registration_endpoint is {endpoint:?}"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{judge_run, Outcome};
    use crate::exec::{
        DiscoveryProbe, Response, SentRequest, TransportError, TransportErrorKind, TransportProbes,
    };
    use crate::profile::Profile;
    use crate::spec::Severity;

    fn obs(url: &str, status: Option<u16>, body: &str) -> Observation {
        Observation {
            request: SentRequest {
                method: "GET",
                url: url.into(),
                headers: Vec::new(),
            },
            response: status.map(|status| Response {
                status,
                headers: vec![("content-type".into(), "application/json".into())],
                body: body.as_bytes().to_vec(),
                truncated: false,
            }),
            transport_error: status.is_none().then(|| TransportError {
                kind: TransportErrorKind::Connect,
                message: "handshake failure".into(),
            }),
            elapsed_ms: 1,
        }
    }

    /// Verdicts of the transport checks on `probes`, as (row, outcome).
    fn judge(probes: &TransportProbes) -> Vec<(&'static str, Outcome)> {
        let ctx = RunContext {
            profile: Profile::Oidc,
            exchanges: &[],
            probes,
        };
        judge_run(&ctx)
            .into_iter()
            .filter(|v| v.check.contains("tls") || v.check.starts_with("discovery"))
            .map(|v| (v.requirement, v.outcome))
            .collect()
    }

    fn url(u: &str) -> reqwest::Url {
        reqwest::Url::parse(u).expect("url")
    }

    const FAIL: Outcome = Outcome::Flag(Severity::Fail);

    #[test]
    fn plain_http_on_a_public_host_fails_and_on_loopback_skips() {
        let v = judge(&TransportProbes::none(url(
            "http://as.example.com/register",
        )));
        assert!(
            v.contains(&(TLS_ROW, FAIL)) && v.contains(&(OIDC_TLS_ROW, FAIL)),
            "{v:?}"
        );
        let v = judge(&TransportProbes::none(url("http://127.0.0.1:9/register")));
        assert!(v.iter().all(|(_, o)| *o == Outcome::Skip), "{v:?}");
    }

    #[test]
    fn https_probes_are_judged() {
        let target = "https://as.example.com/register";
        let mut p = TransportProbes::none(url(target));
        p.plaintext = Some(obs("http://as.example.com:443/register", None, ""));
        p.tls12 = Some(obs(target, Some(405), ""));
        p.discovery = Some(DiscoveryProbe {
            explicit: false,
            attempts: 1,
            observation: obs(
                "https://as.example.com/.well-known/openid-configuration",
                Some(200),
                r#"{"registration_endpoint":"https://as.example.com/register"}"#,
            ),
        });
        let v = judge(&p);
        assert!(v.iter().all(|(_, o)| *o == Outcome::Pass), "{v:?}");

        p.plaintext = Some(obs("http://as.example.com:443/register", Some(201), "{}"));
        p.tls12 = Some(obs(target, None, ""));
        let v = judge(&p);
        assert!(v.contains(&(TLS_ROW, FAIL)), "{v:?}");
        assert!(v.contains(&(TLS12_ROW, FAIL)), "{v:?}");

        // A derived document that is missing skips; an explicit one fails OIDC Core §15.2.
        let missing = obs("https://as.example.com/.well-known/x", Some(404), "{}");
        for explicit in [false, true] {
            p.discovery = Some(DiscoveryProbe {
                explicit,
                attempts: 1,
                observation: missing.clone(),
            });
            let v = judge(&p);
            let want = if explicit { FAIL } else { Outcome::Skip };
            assert!(v.contains(&(DISCOVERY_ROW, want)), "{explicit}: {v:?}");
        }
    }

    #[test]
    fn loopback_hosts() {
        for u in [
            "http://127.0.0.1:3000/r",
            "http://127.1.2.3/r",
            "http://localhost/r",
            "http://api.localhost/r",
            "http://[::1]:8/r",
        ] {
            assert!(is_loopback(&reqwest::Url::parse(u).expect("url")), "{u}");
        }
        for u in [
            "http://example.com/r",
            "http://10.0.0.1/r",
            "http://localhost.example/r",
        ] {
            assert!(!is_loopback(&reqwest::Url::parse(u).expect("url")), "{u}");
        }
    }
}
