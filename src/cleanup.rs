//! The clients a run created: their ids for the report (so a user can remove them by hand), and
//! with `--cleanup` their deletion through the client configuration endpoint (RFC 7592 §2.3)
//! once the run is over.
//!
//! Owns: remembering registrations and sending the cleanup DELETEs. Must not: judge anything
//! (a failed cleanup is reported, never a verdict), or show a registration access token.

use futures_util::stream::{self, StreamExt};
use serde_json::Value;

use crate::exec::{Executor, Observation};
use crate::generate::{Auth, Body, Case, CaseKind, CaseRequest, ConfigurationEndpoint, Method};
use crate::model::Clients;
use crate::spec::names::{CLIENT_ID, REGISTRATION_ACCESS_TOKEN, REGISTRATION_CLIENT_URI};
use crate::spec::Severity;

/// Client ids listed in the report; beyond this many only the count grows, so a run of a
/// million cases keeps a bounded report.
pub const LISTED_CLIENT_IDS: usize = 10_000;

/// What the run has registered so far.
#[derive(Default)]
pub struct Created {
    cleanup: bool,
    created: usize,
    ids: Vec<String>,
    /// With `--cleanup`: each client's configuration endpoint and token (about 200 bytes a
    /// client, held until the run ends).
    pending: Vec<(String, ConfigurationEndpoint)>,
    /// With `--cleanup`: clients registered without a configuration endpoint.
    unmanaged: Vec<String>,
    unmanaged_count: usize,
    /// Clients deleted during the run (the RFC 7592 conversation deletes its own).
    deleted: usize,
}

impl Created {
    pub fn new(cleanup: bool) -> Self {
        Created {
            cleanup,
            ..Created::default()
        }
    }

    /// Remembers the client a successful registration answer created, if it did.
    pub fn record(&mut self, obs: &Observation) {
        let Some(body) = obs.registration_body() else {
            return;
        };
        let Some(id) = body.get(CLIENT_ID).and_then(Value::as_str) else {
            return;
        };
        self.created += 1;
        if self.ids.len() < LISTED_CLIENT_IDS {
            self.ids.push(id.to_string());
        }
        if !self.cleanup {
            return;
        }
        let get = |k: &str| {
            body.get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        match (get(REGISTRATION_CLIENT_URI), get(REGISTRATION_ACCESS_TOKEN)) {
            (Some(url), Some(token)) => self.pending.push((
                id.to_string(),
                ConfigurationEndpoint {
                    url: url.to_string(),
                    token: Some(token.to_string()),
                },
            )),
            _ => {
                self.unmanaged_count += 1;
                if self.unmanaged.len() < LISTED_CLIENT_IDS {
                    self.unmanaged.push(id.to_string());
                }
            }
        }
    }

    /// Counts a client the run deleted itself, and forgets its pending cleanup.
    pub fn record_deleted(&mut self, client_id: &str) {
        self.deleted += 1;
        self.pending.retain(|(id, _)| id != client_id);
    }

    /// Requests [`Created::finish`] will send.
    pub fn cleanup_requests(&self) -> usize {
        self.pending.len()
    }

    /// With `--cleanup`, deletes every client still pending, `concurrency` at a time; returns
    /// what the report says about the run's clients.
    pub async fn finish(self, executor: &Executor, concurrency: usize) -> Clients {
        let mut not_deleted = self.unmanaged;
        let mut not_deleted_count = self.unmanaged_count;
        let mut deleted = self.deleted;
        let results: Vec<(String, bool)> = stream::iter(self.pending)
            .map(|(id, endpoint)| async move {
                let obs = executor.send(&delete_case(endpoint)).await;
                // 204 is what RFC 7592 §2.3 asks for; any 2xx removed the client.
                let ok = obs
                    .response
                    .as_ref()
                    .is_some_and(|r| (200..300).contains(&r.status));
                (id, ok)
            })
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await;
        for (id, ok) in results {
            if ok {
                deleted += 1;
            } else {
                not_deleted_count += 1;
                if not_deleted.len() < LISTED_CLIENT_IDS {
                    not_deleted.push(id);
                }
            }
        }
        Clients {
            created: self.created,
            ids_truncated: self.created > self.ids.len(),
            ids: self.ids,
            cleanup: self.cleanup,
            deleted,
            not_deleted: if self.cleanup { not_deleted_count } else { 0 },
            not_deleted_ids: if self.cleanup {
                not_deleted
            } else {
                Vec::new()
            },
        }
    }
}

fn delete_case(endpoint: ConfigurationEndpoint) -> Case {
    Case {
        id: "cleanup-delete".into(),
        kind: CaseKind::Manage,
        title: "DELETE a client the run created (--cleanup)".into(),
        request: CaseRequest {
            method: Method::Delete,
            content_type: None,
            body: Body::Empty,
            auth: Auth::Registration,
            headers: Vec::new(),
            configuration: Some(endpoint),
        },
        expectation: crate::generate::Expectation::Observe,
        requirements: Vec::new(),
        severity: Severity::Info,
        invalid_at: None,
        mutation: None,
        trigger: Vec::new(),
    }
}
