//! Transport checks: the registration endpoint is served over TLS, insists on it, speaks
//! TLS 1.2, and discovery advertises it as an https URL (RFC 7591 §3 and §5, OpenID Connect
//! Registration §9, OpenID Connect Core §15.2). They judge what `exec` recorded in
//! [`TransportProbes`](crate::exec::TransportProbes); they send nothing themselves.
//!
//! A plain-http target on a loopback host (a development server, the test suite) cannot show
//! any of this, so these rows SKIP there with that reason rather than FAIL. Nor can an https
//! target reached with `--insecure`: its certificate was never checked, so its TLS rows SKIP
//! with [`INSECURE`].

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

/// Why the TLS rows of an https target are not judged under `--insecure`.
pub const INSECURE: &str =
    "--insecure: the server's certificate was not verified, so the TLS handshakes show nothing about the server";

/// The target is https and its certificate was not verified: every TLS handshake of the run
/// may have been with someone else (an intercepting proxy is a common reason for
/// `--insecure`), and plain http to the same host says nothing about the https side either.
fn unverified(ctx: &RunContext) -> bool {
    ctx.probes.insecure && ctx.probes.target.scheme() == "https"
}

/// Whether a URL's host is loopback: `localhost` (and `*.localhost`), 127.0.0.0/8 or `::1`.
pub fn is_loopback(url: &reqwest::Url) -> bool {
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

/// What the TLS 1.2 probe offered, for details: the suite names and what they have in
/// common, so a server that only has other TLS 1.2 suites is not told it lacks TLS 1.2.
fn offered_suites(suites: &[String]) -> String {
    if suites.is_empty() {
        return "rustls' TLS 1.2 cipher suites".into();
    }
    let mut traits = Vec::new();
    if suites.iter().all(|s| s.starts_with("TLS_ECDHE_")) {
        traits.push("ECDHE key exchange only, no RSA key exchange");
    }
    if suites
        .iter()
        .all(|s| s.contains("_GCM_") || s.contains("_CHACHA20_POLY1305"))
    {
        traits.push("AES-GCM or ChaCha20-Poly1305 only, no CBC");
    }
    let list = suites.join(", ");
    if traits.is_empty() {
        list
    } else {
        format!("{list} ({})", traits.join("; "))
    }
}

pub const ENDPOINT_REQUIRES_TLS: Check = Check {
    name: "endpoint_requires_tls",
    requirements: &[TLS_ROW, OIDC_TLS_ROW],
    kind: Kind::Run(endpoint_requires_tls),
};

/// The endpoint is https, and plain http to the same host and path, on the same port and on
/// port 80, registers nothing.
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
    if unverified(ctx) {
        for row in rows {
            out.skip(row, INSECURE);
        }
        return;
    }
    // The same port, then port 80: a server may answer plain http on either.
    let sent: Vec<&Observation> = [&ctx.probes.plaintext, &ctx.probes.plaintext_port80]
        .into_iter()
        .flatten()
        .collect();
    if sent.is_empty() {
        for row in rows {
            out.skip(row, "the plain-http probe was not sent");
        }
        return;
    }
    let registered: Vec<String> = sent
        .iter()
        .filter(|obs| obs.success_without_error())
        .map(|obs| {
            format!(
                "B0 sent to {} over plain http got {}",
                obs.request.url,
                outcome(obs)
            )
        })
        .collect();
    if !registered.is_empty() {
        for row in rows {
            out.fail(
                row,
                "registration endpoint also accepts plain http",
                registered.join("; "),
            );
        }
        return;
    }
    // Refused for lack of the token it was not given: the probe cannot tell.
    let refused_for_token = sent.iter().copied().find(|obs| {
        ctx.probes.token_withheld
            && obs
                .response
                .as_ref()
                .is_some_and(|r| matches!(r.status, 401 | 403))
    });
    if let Some(obs) = refused_for_token {
        for row in rows {
            out.skip(
                row,
                format!(
                    "the plain-http probe is sent without the initial access token (never sent in clear) and {} refused it for lack of it",
                    obs.request.url
                ),
            );
        }
        return;
    }
    let seen: Vec<String> = sent
        .iter()
        .map(|obs| format!("{}: {}", obs.request.url, outcome(obs)))
        .collect();
    for row in rows {
        out.pass_with(
            row,
            format!(
                "B0 over plain http registered nothing ({})",
                seen.join("; ")
            ),
        );
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
    if unverified(ctx) {
        for row in rows {
            out.skip(row, INSECURE);
        }
        return;
    }
    let offered = offered_suites(&ctx.probes.tls12_suites);
    for row in rows {
        if obs.response.is_some() {
            out.pass_with(
                row,
                format!(
                    "GET {} with a TLS-1.2-only client offering {offered}: {}",
                    obs.request.url,
                    outcome(obs)
                ),
            );
        } else {
            out.fail(
                row,
                "TLS 1.2 handshake fails with the cipher suites offered",
                format!(
                    "GET {} with a TLS-1.2-only client that offered only {offered}: {}; a server whose TLS 1.2 has only other suites (for example TLS_RSA_WITH_AES_128_GCM_SHA256) fails this probe too",
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
    // The document's content is still judged for OIDC Core §15.2; what it says about TLS
    // protection is not, since the TLS it came over was not verified.
    let insecure = unverified(ctx);
    if insecure {
        out.skip(TLS_ROW, INSECURE);
    }
    let tls_row = |out: &mut Out, reason: String| {
        if !insecure {
            out.skip(TLS_ROW, reason);
        }
    };
    let Some(probe) = &ctx.probes.discovery else {
        let reason = if target.scheme() != "https" && is_loopback(target) {
            PLAIN_LOOPBACK
        } else {
            "no discovery document: pass --discovery URL"
        };
        tls_row(out, reason.to_string());
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
        tls_row(out, reason.clone());
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
            tls_row(
                out,
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
    let rows: &[&'static str] = if insecure {
        &[DISCOVERY_ROW]
    } else {
        &[TLS_ROW, DISCOVERY_ROW]
    };
    for &row in rows {
        if https {
            out.pass_with(row, format!("{url}: registration_endpoint is {endpoint:?}"));
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
            response: status.map(|status| {
                Response::new(
                    status,
                    vec![("content-type".into(), "application/json".into())],
                    body.as_bytes().to_vec(),
                    false,
                )
            }),
            transport_error: status.is_none().then(|| TransportError {
                kind: TransportErrorKind::Connect,
                message: "handshake failure".into(),
            }),
            elapsed_ms: 1,
            rate_limited: 0,
        }
    }

    /// Verdicts of the run-wide checks on `probes` alone (no exchanges), under oidc.
    fn run_verdicts(probes: &TransportProbes) -> Vec<crate::checks::Verdict> {
        judge_run(&RunContext {
            policy: crate::checks::Policy::default(),
            profile: Profile::Oidc,
            ledger: &crate::checks::Ledger::default(),
            probes,
            metadata: probes.discovery.as_ref(),
        })
    }

    /// Verdicts of the transport checks on `probes`, as (row, outcome).
    fn judge(probes: &TransportProbes) -> Vec<(&'static str, Outcome)> {
        run_verdicts(probes)
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

    /// What a well-configured https endpoint shows: no plaintext answer on its port, a
    /// TLS 1.2 handshake, and a discovery document naming an https registration endpoint.
    fn clean_https_probes() -> TransportProbes {
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
        p
    }

    #[test]
    fn https_probes_are_judged() {
        let mut p = clean_https_probes();
        let v = judge(&p);
        assert!(v.iter().all(|(_, o)| *o == Outcome::Pass), "{v:?}");

        p.plaintext = Some(obs("http://as.example.com:443/register", Some(201), "{}"));
        p.tls12 = Some(obs("https://as.example.com/register", None, ""));
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

    /// Details of the transport checks' verdicts on one row, as (outcome, detail).
    fn details(probes: &TransportProbes, row: &str) -> Vec<(Outcome, String)> {
        run_verdicts(probes)
            .into_iter()
            .filter(|v| v.requirement == row && v.check.contains("tls"))
            .map(|v| (v.outcome, v.detail))
            .collect()
    }

    #[test]
    fn plain_http_on_port_80_is_probed_too() {
        let target = "https://as.example.com:8443/register";
        let mut p = TransportProbes::none(url(target));
        p.plaintext = Some(obs("http://as.example.com:8443/register", None, ""));
        // Nothing listens on port 80: a pass for that probe.
        p.plaintext_port80 = Some(obs("http://as.example.com/register", None, ""));
        let v = details(&p, TLS_ROW);
        assert!(v.iter().all(|(o, _)| *o == Outcome::Pass), "{v:?}");

        p.plaintext_port80 = Some(obs(
            "http://as.example.com/register",
            Some(201),
            r#"{"client_id":"c"}"#,
        ));
        let v = details(&p, OIDC_TLS_ROW);
        let (outcome, detail) = &v[0];
        assert_eq!(*outcome, FAIL, "{v:?}");
        assert!(
            detail.contains("http://as.example.com/register") && !detail.contains(":8443"),
            "{detail}"
        );

        // An error object with 200 is not a registration.
        p.plaintext_port80 = Some(obs(
            "http://as.example.com/register",
            Some(200),
            r#"{"error":"invalid_request"}"#,
        ));
        let v = details(&p, TLS_ROW);
        assert!(v.iter().all(|(o, _)| *o == Outcome::Pass), "{v:?}");
    }

    #[test]
    fn a_failed_tls12_handshake_says_which_suites_were_offered() {
        let target = "https://as.example.com/register";
        let mut p = TransportProbes::none(url(target));
        p.tls12 = Some(obs(target, None, ""));
        p.tls12_suites = crate::exec::tls12_cipher_suites();
        let v = details(&p, TLS12_ROW);
        let (outcome, detail) = &v[0];
        assert_eq!(*outcome, FAIL);
        for suite in &p.tls12_suites {
            assert!(detail.contains(suite.as_str()), "{suite}: {detail}");
        }
        assert!(detail.contains("offered only"), "{detail}");
        assert!(detail.contains("no RSA key exchange"), "{detail}");
        assert!(detail.contains("no CBC"), "{detail}");

        p.tls12 = Some(obs(target, Some(405), ""));
        let v = details(&p, TLS12_ROW);
        assert_eq!(v[0].0, Outcome::Pass);
        assert!(
            v[0].1.contains("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
            "{v:?}"
        );
    }

    /// Under `--insecure` an https target's TLS rows skip, whatever the probes saw, and the
    /// discovery document is still judged on what it says; a plain-http target is judged as
    /// without the flag (there was no certificate to verify).
    #[test]
    fn insecure_https_skips_the_tls_rows_and_still_judges_the_document() {
        let mut p = clean_https_probes();
        p.insecure = true;
        let verdicts = run_verdicts(&p);
        for row in [TLS_ROW, TLS12_ROW, OIDC_TLS_ROW] {
            let on_row: Vec<_> = verdicts
                .iter()
                .filter(|v| v.requirement == row)
                .filter(|v| v.check.contains("tls") || v.check.starts_with("discovery"))
                .collect();
            assert!(!on_row.is_empty(), "{row}");
            for v in on_row {
                assert_eq!(v.outcome, Outcome::Skip, "{row}: {v:?}");
                assert_eq!(v.title, INSECURE, "{row}");
            }
        }
        assert!(judge(&p).contains(&(DISCOVERY_ROW, Outcome::Pass)));

        // Even a plain-http registration does not make the row judged: the row is skipped.
        p.plaintext = Some(obs("http://as.example.com:443/register", Some(201), "{}"));
        assert!(!judge(&p).contains(&(TLS_ROW, FAIL)));

        let mut plain = TransportProbes::none(url("http://as.example.com/register"));
        plain.insecure = true;
        assert!(judge(&plain).contains(&(TLS_ROW, FAIL)));
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
