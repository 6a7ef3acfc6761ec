//! Target expectations: the normalised observation of a target for each fixture, recorded
//! once and compared later, so a server's behaviour drift fails a vendor's CI.
//!
//! Owns: normalisation (volatile values replaced by placeholders after their shape is
//! checked), the snapshot files, comparison and update modes. Must not: judge conformance
//! (that is `checks`) or send anything itself (it is handed observations).

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::exec::Observation;
use crate::generate::fixtures::Fixture;
use crate::sanitize::Sanitizer;
use crate::spec::names::*;

/// Headers whose value is part of a target's contract.
const KEPT_HEADERS: &[&str] = &[
    "content-type",
    "cache-control",
    "pragma",
    "www-authenticate",
    "access-control-allow-origin",
    "location",
    "allow",
];

/// Members whose values change on every registration: replaced after their shape is checked.
const VOLATILE_STRINGS: &[&str] = &[CLIENT_ID, CLIENT_SECRET, REGISTRATION_ACCESS_TOKEN];

/// How `verify` writes what it saw when it differs (like insta's `INSTA_UPDATE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateMode {
    /// Write nothing.
    No,
    /// Write `<name>.json.new` next to the recorded file, for review.
    New,
    /// Overwrite the recorded file.
    Always,
}

impl UpdateMode {
    /// `new` locally, `no` when the `CI` environment variable is set (and not `false`/`0`).
    pub fn auto() -> Self {
        if is_ci() {
            UpdateMode::No
        } else {
            UpdateMode::New
        }
    }
}

/// Whether this process runs under CI, where nothing is ever written (the one reading of
/// `CI` dcrcheck has: [`crate::cli::is_ci`]).
pub fn is_ci() -> bool {
    crate::cli::is_ci(std::env::var("CI").ok().as_deref())
}

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("cannot read {path}: {message}")]
    Read { path: String, message: String },
    #[error("cannot write {path}: {message}")]
    Write { path: String, message: String },
    #[error("{path} is not a snapshot: {message}")]
    Parse { path: String, message: String },
}

/// The comparable form of one exchange.
pub fn normalise(observation: &Observation, now: u64) -> Value {
    normalise_masked(observation, now, &Sanitizer::new(false))
}

/// [`normalise`], masking the secrets `known` holds and those of this response wherever
/// they appear in a string (an `error_description` or any member that echoes one).
pub fn normalise_masked(observation: &Observation, now: u64, known: &Sanitizer) -> Value {
    let mut sanitizer = known.clone();
    if let Some(v) = observation.response.as_ref().and_then(|r| r.json()) {
        sanitizer.learn_from(v);
    }
    let mut value = normalise_unmasked(observation, now);
    sanitizer.strings(&mut value);
    value
}

fn normalise_unmasked(observation: &Observation, now: u64) -> Value {
    let mut out = Map::new();
    match &observation.response {
        None => {
            let kind = observation
                .transport_error
                .as_ref()
                .map(|e| format!("{:?}", e.kind).to_lowercase())
                .unwrap_or_else(|| "unknown".into());
            out.insert("transport_error".into(), Value::String(kind));
        }
        Some(resp) => {
            out.insert("status".into(), Value::from(resp.status));
            let mut headers = Map::new();
            for name in KEPT_HEADERS {
                if let Some(v) = resp.header(name) {
                    headers.insert((*name).to_string(), Value::String(header_value(name, v)));
                }
            }
            out.insert("headers".into(), Value::Object(headers));
            let body = match resp.json() {
                Some(v) => normalise_body(v.clone(), now),
                None if resp.body.is_empty() => Value::Null,
                None => Value::String(format!("[non-JSON body of {} bytes]", resp.body.len())),
            };
            out.insert("body".into(), body);
        }
    }
    sorted(Value::Object(out))
}

/// Header values as they matter: media types without parameters, challenge schemes.
fn header_value(name: &str, value: &str) -> String {
    match name {
        "content-type" => value
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase(),
        "www-authenticate" => {
            let scheme = value.split_whitespace().next().unwrap_or("");
            let error = value
                .split("error=")
                .nth(1)
                .map(|e| format!(" error={}", e.split(',').next().unwrap_or("").trim()))
                .unwrap_or_default();
            format!("{scheme}{error}")
        }
        _ => value.to_string(),
    }
}

fn normalise_body(body: Value, now: u64) -> Value {
    let Value::Object(mut m) = body else {
        return body;
    };
    for member in VOLATILE_STRINGS {
        if let Some(v) = m.get_mut(*member) {
            let shape = match &*v {
                Value::String(s) if !s.is_empty() => format!("[{member}]"),
                other => format!("[{member}: not a non-empty string but {other}]"),
            };
            *v = Value::String(shape);
        }
    }
    if let Some(v) = m.get_mut(CLIENT_ID_ISSUED_AT) {
        let shape = match v.as_u64() {
            Some(t) if t.abs_diff(now) <= 300 => "[seconds, now]".into(),
            Some(t) if t > 100_000_000_000 => "[milliseconds]".into(),
            Some(_) => "[seconds, not now]".into(),
            None => format!("[not a number: {v}]"),
        };
        *v = Value::String(shape);
    }
    if let Some(v) = m.get_mut(CLIENT_SECRET_EXPIRES_AT) {
        let shape = match v.as_u64() {
            Some(0) => Value::from(0),
            Some(t) if t > now => Value::String("[seconds, future]".into()),
            Some(_) => Value::String("[seconds, past]".into()),
            None => Value::String(format!("[not a number: {v}]")),
        };
        *v = shape;
    }
    if let Some(v) = m.get_mut(REGISTRATION_CLIENT_URI) {
        let shape = match v.as_str() {
            Some(s) if s.starts_with("https://") => "[https uri]".into(),
            Some(s) if s.starts_with("http://") => "[http uri]".into(),
            _ => format!("[not a URI: {v}]"),
        };
        *v = Value::String(shape);
    }
    Value::Object(m)
}

/// Keys sorted at every level, so files diff cleanly.
fn sorted(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut pairs: Vec<(String, Value)> = m.into_iter().collect();
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(pairs.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// The file a fixture's snapshot lives in.
pub fn path_for(dir: &Path, fixture: &Fixture) -> PathBuf {
    dir.join(format!("{}.json", fixture.name))
}

fn render(fixture: &Fixture, normalised: &Value) -> String {
    let doc = serde_json::json!({
        "fixture": fixture.name,
        "title": fixture.title,
        "observed": normalised,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

/// Writes one snapshot.
pub fn write(dir: &Path, fixture: &Fixture, normalised: &Value) -> Result<PathBuf, SnapshotError> {
    std::fs::create_dir_all(dir).map_err(|e| SnapshotError::Write {
        path: dir.display().to_string(),
        message: e.to_string(),
    })?;
    let path = path_for(dir, fixture);
    std::fs::write(&path, render(fixture, normalised)).map_err(|e| SnapshotError::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    Ok(path)
}

/// What comparing one fixture found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Comparison {
    Same,
    /// Nothing recorded for this fixture.
    Missing,
    /// A unified diff from recorded to observed.
    Drift(String),
}

/// Compares an observation with the recorded snapshot; with drift or a missing file, writes
/// the observation as `mode` says (never under CI).
pub fn compare(
    dir: &Path,
    fixture: &Fixture,
    normalised: &Value,
    mode: UpdateMode,
) -> Result<Comparison, SnapshotError> {
    let path = path_for(dir, fixture);
    let observed = render(fixture, normalised);
    let comparison = match std::fs::read_to_string(&path) {
        Ok(recorded) => {
            // Parse first so a hand-reformatted file is still comparable.
            let recorded_value: Value =
                serde_json::from_str(&recorded).map_err(|e| SnapshotError::Parse {
                    path: path.display().to_string(),
                    message: e.to_string(),
                })?;
            let recorded = serde_json::to_string_pretty(&recorded_value).unwrap_or_default() + "\n";
            if recorded == observed {
                Comparison::Same
            } else {
                let diff = similar::TextDiff::from_lines(&recorded, &observed)
                    .unified_diff()
                    .context_radius(2)
                    .header("recorded", "observed")
                    .to_string();
                Comparison::Drift(diff)
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Comparison::Missing,
        Err(e) => {
            return Err(SnapshotError::Read {
                path: path.display().to_string(),
                message: e.to_string(),
            })
        }
    };
    if comparison != Comparison::Same && !is_ci() {
        let target = match mode {
            UpdateMode::No => None,
            UpdateMode::New => Some(path.with_extension("json.new")),
            UpdateMode::Always => Some(path.clone()),
        };
        if let Some(target) = target {
            std::fs::write(&target, &observed).map_err(|e| SnapshotError::Write {
                path: target.display().to_string(),
                message: e.to_string(),
            })?;
        }
    }
    Ok(comparison)
}
