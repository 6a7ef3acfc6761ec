//! Client certificates and `--insecure`: the reference server requiring a client certificate
//! (mutual TLS, its CA and the client certificates generated here with rcgen) refuses a run
//! without `--cert`/`--key` and one with a certificate of another CA, and a clean one passes
//! with them; `--insecure` reaches a server whose CA is not trusted and every output says so;
//! bad `--cert`/`--key` inputs are one-line usage errors.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use dcrcheck::exec::ClientIdentity;
use dcrcheck::profile::Profile;
use dcrcheck::run::{RunConfig, RunError, TargetSpec};
use dcrcheck::server::{self, RunningServer, ServerConfig};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

use crate::support::{bin, dcrcheck};

/// The rows whose verdict rests on the server's certificate having been verified.
const CERT_ROWS: &[&str] = &["R7591-3-c", "R7591-5-a", "OIDCR-9-a"];

/// A CA and one client certificate it issued, as PEM.
struct Pki {
    ca_pem: String,
    client_cert_pem: String,
    client_key_pem: String,
}

fn pki(name: &str) -> Pki {
    let ca_key = KeyPair::generate().expect("ca key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, format!("{name} client CA"));
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca.self_signed(&ca_key).expect("ca cert");
    let issuer = Issuer::new(ca, ca_key);

    let client_key = KeyPair::generate().expect("client key");
    let mut client = CertificateParams::new(Vec::<String>::new()).expect("client params");
    client
        .distinguished_name
        .push(DnType::CommonName, format!("{name} dcrcheck client"));
    client.use_authority_key_identifier_extension = true;
    client.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    client.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let client_cert = client.signed_by(&client_key, &issuer).expect("client cert");
    Pki {
        ca_pem: ca_cert.pem(),
        client_cert_pem: client_cert.pem(),
        client_key_pem: client_key.serialize_pem(),
    }
}

/// A fresh folder for one test's files.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dcrcheck-mtls-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Writes `text` to `dir/name` and returns the path as a string.
fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path.to_str().expect("utf-8").to_string()
}

/// The reference server over TLS, requiring a client certificate of `client_ca` when given.
async fn tls_server(client_ca: Option<&Pki>) -> RunningServer {
    server::start(
        ([127, 0, 0, 1], 0).into(),
        ServerConfig {
            tls: true,
            client_ca_pem: client_ca.map(|p| p.ca_pem.clone()),
            ..Default::default()
        },
    )
    .await
    .expect("server")
}

/// A short run against `server`, trusting its CA, offering `identity`.
fn config(server: &RunningServer, identity: Option<ClientIdentity>) -> RunConfig {
    let mut config = RunConfig::new(Profile::Rfc7591, 3);
    config.cases = 10;
    config.target = TargetSpec::Url(server.registration_url().parse().expect("url"));
    config.ca_cert = server.ca_cert_pem().map(|p| p.as_bytes().to_vec());
    config.client_identity = identity;
    config
}

fn identity(p: &Pki) -> ClientIdentity {
    ClientIdentity::from_pem(p.client_cert_pem.as_bytes(), p.client_key_pem.as_bytes())
        .expect("identity")
}

fn verdict(report: &serde_json::Value, id: &str) -> (String, String) {
    let row = report["requirements"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("row {id}"));
    (
        row["verdict"].as_str().unwrap_or_default().to_string(),
        row["reason"].as_str().unwrap_or_default().to_string(),
    )
}

fn read_json(path: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("report")).expect("json")
}

/// The run cannot start without a client certificate, and says why; with the certificate of
/// the CA the server trusts it completes.
#[tokio::test]
async fn a_server_requiring_a_client_certificate_refuses_a_run_without_one() {
    let ours = pki("ours");
    let s = tls_server(Some(&ours)).await;
    let err = dcrcheck::run::run(&config(&s, None), &mut |_| {})
        .await
        .expect_err("no client certificate");
    assert!(matches!(err, RunError::Unreachable { .. }), "{err}");
    assert_eq!(err.exit_code(), 3, "{err}");
    assert!(err.to_string().contains("--cert"), "{err}");

    let report = dcrcheck::run::run(&config(&s, Some(identity(&ours))), &mut |_| {})
        .await
        .expect("the right client certificate gets through");
    assert_eq!(report.summary.fail, 0, "{:#?}", report.findings);
    assert_eq!(report.summary.transport_errors, 0);
    assert!(!report.insecure);
    s.shutdown().await;
}

#[tokio::test]
async fn a_client_certificate_of_another_ca_is_refused() {
    let (ours, theirs) = (pki("ours"), pki("theirs"));
    let s = tls_server(Some(&ours)).await;
    let err = dcrcheck::run::run(&config(&s, Some(identity(&theirs))), &mut |_| {})
        .await
        .expect_err("a certificate the server's CA did not issue");
    assert!(matches!(err, RunError::Unreachable { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("the server did not accept the client certificate"),
        "{err}"
    );
    s.shutdown().await;
}

/// From the command line: `serve --tls --client-ca` requires the certificate; `run --cert
/// --key` against it completes with no FAIL and judges the TLS rows (the TLS 1.2 probe
/// offers the certificate too); without them the run is exit 3, and so is `snapshot`.
#[test]
fn serve_client_ca_and_run_cert_key_from_the_command_line() {
    let dir = temp_dir("cli");
    let ours = pki("ours");
    let client_ca = write(&dir, "client-ca.pem", &ours.ca_pem);
    let cert = write(&dir, "client.pem", &ours.client_cert_pem);
    let key = write(&dir, "client.key", &ours.client_key_pem);
    let server_ca = dir.join("server-ca.pem");
    let json = dir.join("report.json");
    let json = json.to_str().expect("utf-8");
    let mut child = Command::new(bin())
        .args(["serve", "--tls", "--port", "0", "--client-ca", &client_ca])
        .arg("--ca-cert-out")
        .arg(&server_ca)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve");
    let stderr = child.stderr.take().expect("stderr");
    let mut url = None;
    for line in BufReader::new(stderr).lines().take(4) {
        let line = line.expect("line");
        if let Some(start) = line.find("https://") {
            url = url.or(line[start..].split_whitespace().next().map(str::to_string));
        }
        if line.starts_with("CA certificate: ") {
            break;
        }
    }
    let url = url.expect("serve prints its https URL");
    let server_ca = server_ca.to_str().expect("utf-8");
    let common = [
        "run",
        "--target",
        &url,
        "--ca-cert",
        server_ca,
        "--cases",
        "20",
        "--seed",
        "5",
    ];

    let (without, _, without_err) = dcrcheck(&common);
    let with_args: Vec<&str> = common
        .iter()
        .copied()
        .chain(["--cert", &cert, "--key", &key, "--report-json", json])
        .collect();
    let (with, out, err) = dcrcheck(&with_args);
    let snapshots = dir.join("snapshots");
    let snapshots = snapshots.to_str().expect("utf-8");
    let snapshot = |extra: &[&str]| {
        let mut args = vec![
            "snapshot",
            "record",
            "--target",
            &url,
            "--ca-cert",
            server_ca,
            "--dir",
            snapshots,
        ];
        args.extend_from_slice(extra);
        dcrcheck(&args)
    };
    let (snap_without, _, snap_err) = snapshot(&[]);
    let (snap_with, _, snap_with_err) = snapshot(&["--cert", &cert, "--key", &key]);
    let _ = child.kill();
    let _ = child.wait();

    assert_eq!(without, 3, "{without_err}");
    let errors: Vec<&str> = without_err
        .lines()
        .filter(|l| l.starts_with("dcrcheck: error: "))
        .collect();
    assert_eq!(errors.len(), 1, "{without_err:?}");
    assert!(errors[0].contains("could not be reached"), "{without_err}");
    assert!(
        errors[0].contains("requires a client certificate (--cert and --key)"),
        "{without_err}"
    );
    assert_eq!(with, 0, "{out}\n{err}");
    assert!(!out.contains("WARNING"), "{out}");
    let report = read_json(json);
    assert_eq!(report["summary"]["fail"], 0, "{}", report["findings"]);
    assert_eq!(report["summary"]["transport_errors"], 0);
    assert_eq!(report["insecure"], false);
    for id in ["R7591-3-c", "R7591-5-a"] {
        assert_eq!(verdict(&report, id).0, "pass", "{id}");
    }
    assert_eq!(snap_without, 3, "{snap_err}");
    assert_eq!(snap_with, 0, "{snap_with_err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--insecure` reaches a TLS server whose CA was not given (a verified run cannot), every
/// output carries the warning, and the rows that rest on the certificate are SKIP.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insecure_is_loud_in_every_output_and_skips_the_certificate_rows() {
    let s = tls_server(None).await;
    let url = s.registration_url();
    let dir = temp_dir("insecure");
    let path = |name: &str| dir.join(name).to_str().expect("utf-8").to_string();
    let (json, junit, html, md) = (path("r.json"), path("r.xml"), path("r.html"), path("r.md"));
    let common = [
        "run",
        "--target",
        &url,
        "--profile",
        "oidc",
        "--cases",
        "20",
    ];
    let run = |args: Vec<String>| {
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            dcrcheck(&args)
        })
    };
    let owned = |extra: &[&str]| -> Vec<String> {
        common.iter().chain(extra).map(|s| s.to_string()).collect()
    };
    let (verified, _, verified_err) = run(owned(&[])).await.expect("join");
    let (code, out, err) = run(owned(&[
        "--insecure",
        "--report-json",
        &json,
        "--report-junit",
        &junit,
        "--report-html",
        &html,
        "--report-markdown",
        &md,
    ]))
    .await
    .expect("join");
    s.shutdown().await;

    assert_eq!(
        verified, 3,
        "the server's CA is not trusted: {verified_err}"
    );
    assert!(!verified_err.contains("WARNING"), "{verified_err}");
    assert_eq!(code, 0, "{out}\n{err}");
    let warning =
        "WARNING: --insecure: the server's certificate was not verified; TLS rows are not judged";
    assert!(
        err.lines().any(|l| l == format!("dcrcheck: {warning}")),
        "stderr: {err}"
    );
    assert_eq!(out.lines().next(), Some(warning), "human report: {out}");

    let report = read_json(&json);
    assert_eq!(report["insecure"], true);
    let schema: serde_json::Value =
        serde_json::from_str(dcrcheck::report::json::SCHEMA).expect("schema json");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let broken: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| e.to_string())
        .collect();
    assert!(broken.is_empty(), "{broken:?}");
    for id in CERT_ROWS {
        let (v, reason) = verdict(&report, id);
        assert_eq!(v, "skip", "{id}: {reason}");
        assert!(reason.starts_with("--insecure"), "{id}: {reason}");
    }
    // The discovery document is still judged on what it says.
    assert_eq!(verdict(&report, "OIDC-Core-15.2").0, "pass");

    let junit = std::fs::read_to_string(&junit).expect("junit");
    assert!(
        junit.contains(r#"<property name="insecure" value="true"/>"#),
        "{junit}"
    );
    assert!(junit.contains("WARNING: --insecure"), "{junit}");
    let html = std::fs::read_to_string(&html).expect("html");
    let banner = r#"<div class="banner" id="insecure" role="alert">WARNING: --insecure: "#;
    assert!(html.contains(banner), "{html}");
    assert!(
        html.contains("the server&#39;s certificate was not verified"),
        "{html}"
    );
    let md = std::fs::read_to_string(&md).expect("markdown");
    assert!(
        md.contains(
            "**--insecure: the server's certificate was not verified; TLS rows are not judged**"
        ),
        "{md}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Each bad input is exit 2 with one line on stderr, before anything is sent.
#[test]
fn bad_cert_and_key_inputs_are_one_line_usage_errors() {
    let dir = temp_dir("bad");
    let (ours, theirs) = (pki("ours"), pki("theirs"));
    let cert = write(&dir, "client.pem", &ours.client_cert_pem);
    let key = write(&dir, "client.key", &ours.client_key_pem);
    let other_key = write(&dir, "other.key", &theirs.client_key_pem);
    let missing = dir.join("missing.pem");
    let missing = missing.to_str().expect("utf-8");
    let garbage = write(&dir, "garbage.pem", "not PEM at all\n");
    let target = "https://127.0.0.1:9/register";
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["run", "--target", target, "--cert", &cert], "--key"),
        (vec!["run", "--target", target, "--key", &key], "--cert"),
        (
            vec!["run", "--target", target, "--cert", missing, "--key", &key],
            "cannot read --cert",
        ),
        (
            vec!["run", "--target", target, "--cert", &cert, "--key", missing],
            "cannot read --key",
        ),
        // A key where the certificate should be, and the other way round.
        (
            vec!["run", "--target", target, "--cert", &key, "--key", &key],
            "holds no PEM certificate",
        ),
        (
            vec!["run", "--target", target, "--cert", &cert, "--key", &cert],
            "holds no unencrypted PEM private key",
        ),
        (
            vec!["run", "--target", target, "--cert", &garbage, "--key", &key],
            "holds no PEM certificate",
        ),
        (
            vec![
                "run", "--target", target, "--cert", &cert, "--key", &other_key,
            ],
            "does not match the certificate",
        ),
        (
            vec![
                "snapshot", "record", "--target", target, "--dir", missing, "--cert", &cert,
                "--key", &other_key,
            ],
            "does not match the certificate",
        ),
        (vec!["replay", missing, "--key", &key], "--cert"),
        (vec!["serve", "--port", "0", "--client-ca", &cert], "--tls"),
    ];
    for (args, needle) in cases {
        let (code, out, err) = dcrcheck(&args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err:?}");
        assert!(err.starts_with("dcrcheck: error: "), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Plain HTTP has no handshake to ask for a certificate in: the server refuses to start
/// rather than serve without the authentication asked for.
#[tokio::test]
async fn a_client_ca_without_tls_is_refused() {
    let err = server::start(
        ([127, 0, 0, 1], 0).into(),
        ServerConfig {
            client_ca_pem: Some(pki("ours").ca_pem),
            ..Default::default()
        },
    )
    .await
    .expect_err("a client CA over plain http");
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{err}");
}
