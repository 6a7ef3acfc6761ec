//! Registered clients (in memory, bounded) and the credentials issued to them.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::RngCore;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::defects::{Defect, DefectSet};

/// Bytes of stored records (as JSON) kept at most: with the client cap this bounds the
/// store's memory whatever the records hold (each body may be up to the server's 256 KiB
/// body limit, so the client cap alone would allow tens of gigabytes).
pub(crate) const MAX_STORED_BYTES: usize = 256 * 1024 * 1024;

/// What `shared-client-id` and `shared-secret` hand to everyone.
const SHARED_CLIENT_ID: &str = "dcrcheck-shared-client";
const SHARED_SECRET: &str = "dcrcheck-shared-secret-6d2f0c1a9b8e7d5c4b3a2f1e0d9c8b7a";

/// Credentials for one new client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Issued {
    pub client_id: String,
    /// Seconds since the Unix epoch.
    pub client_id_issued_at: u64,
    pub client_secret: Option<String>,
}

#[derive(Debug)]
pub(crate) struct ClientStore {
    inner: Mutex<Inner>,
    /// Clients kept; the oldest are forgotten beyond it ([`super::ServerConfig::max_clients`]).
    cap: usize,
}

impl Default for ClientStore {
    fn default() -> Self {
        ClientStore::with_cap(super::DEFAULT_MAX_CLIENTS)
    }
}

#[derive(Debug, Default)]
struct Inner {
    /// Each record with its size in bytes (as JSON), counted against [`MAX_STORED_BYTES`].
    clients: HashMap<String, (Map<String, Value>, usize)>,
    /// The sum of the stored records' sizes.
    bytes: usize,
    order: VecDeque<String>,
    /// Request digest → client_id, kept only under `reuse-client-id-for-same-request`.
    by_request: HashMap<[u8; 32], String>,
}

impl ClientStore {
    /// An empty store that keeps at most `cap` clients.
    pub(crate) fn with_cap(cap: usize) -> Self {
        ClientStore {
            inner: Mutex::default(),
            cap,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere cannot leave the map half-updated in a way that matters here.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Chooses credentials for a new client. `requested_id` is the request's own `client_id`,
    /// used only under the `honour-client-id` defect; `request_digest` (SHA-256 of the
    /// request body) only under `reuse-client-id-for-same-request` and
    /// `secret-derived-from-request`.
    pub(crate) fn issue(
        &self,
        needs_secret: bool,
        requested_id: Option<&str>,
        request_digest: [u8; 32],
        defects: &DefectSet,
    ) -> Issued {
        let client_id = match requested_id {
            Some(id) if defects.has(Defect::HonourClientId) && !id.is_empty() => id.to_owned(),
            _ if defects.has(Defect::SharedClientId) => SHARED_CLIENT_ID.to_owned(),
            _ if defects.has(Defect::ReuseClientIdForSameRequest) => {
                let fresh = self.fresh_client_id();
                let mut inner = self.lock();
                if inner.by_request.len() >= self.cap {
                    inner.by_request.clear();
                }
                inner
                    .by_request
                    .entry(request_digest)
                    .or_insert(fresh)
                    .clone()
            }
            _ => self.fresh_client_id(),
        };
        let client_secret = needs_secret.then(|| {
            if defects.has(Defect::SharedSecret) {
                SHARED_SECRET.to_owned()
            } else if defects.has(Defect::ShortSecret) {
                random_token(6)
            } else if defects.has(Defect::SecretDerivedFromRequest) {
                let mut hasher = Sha256::new();
                hasher.update(b"dcrcheck-client-secret");
                hasher.update(request_digest);
                URL_SAFE_NO_PAD.encode(hasher.finalize())
            } else {
                random_token(32)
            }
        });
        Issued {
            client_id,
            client_id_issued_at: now_secs(),
            client_secret,
        }
    }

    /// Keeps the registered record (the clean response body) under its client_id; the
    /// oldest records go once more than the cap of clients, or of [`MAX_STORED_BYTES`], is
    /// held (the newest record always stays).
    pub(crate) fn insert(&self, client_id: String, record: Map<String, Value>) {
        self.insert_within(client_id, record, MAX_STORED_BYTES);
    }

    fn insert_within(&self, client_id: String, record: Map<String, Value>, max_bytes: usize) {
        let size = client_id.len() + Value::Object(record.clone()).to_string().len();
        let mut inner = self.lock();
        inner.bytes += size;
        match inner.clients.insert(client_id.clone(), (record, size)) {
            Some((_, old)) => inner.bytes -= old,
            None => inner.order.push_back(client_id),
        }
        while inner.order.len() > self.cap || (inner.bytes > max_bytes && inner.order.len() > 1) {
            let Some(old) = inner.order.pop_front() else {
                break;
            };
            if let Some((_, size)) = inner.clients.remove(&old) {
                inner.bytes -= size;
            }
        }
    }

    /// Every stored record, oldest first.
    pub(crate) fn all(&self) -> Vec<Value> {
        let inner = self.lock();
        inner
            .order
            .iter()
            .filter_map(|id| inner.clients.get(id))
            .map(|(m, _)| Value::Object(m.clone()))
            .collect()
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().clients.len()
    }

    /// 144 random bits, base64url; redrawn in the (astronomically unlikely) case of a clash.
    fn fresh_client_id(&self) -> String {
        let inner = self.lock();
        loop {
            let id = random_token(18);
            if !inner.clients.contains_key(&id) {
                return id;
            }
        }
    }
}

/// `bytes` random bytes from the thread-local CSPRNG, base64url without padding.
pub(crate) fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_random_and_long_enough() {
        let store = ClientStore::default();
        let clean = DefectSet::default();
        let a = store.issue(true, Some("mine"), [1; 32], &clean);
        let b = store.issue(true, None, [1; 32], &clean);
        assert_ne!(a.client_id, "mine", "a client-chosen id is ignored");
        assert_ne!(a.client_id, b.client_id);
        assert_ne!(a.client_secret, b.client_secret);
        assert_eq!(a.client_id.len(), 24, "144 bits in base64url");
        assert_eq!(a.client_secret.as_deref().map(str::len), Some(43));
        assert!(store
            .issue(false, None, [1; 32], &clean)
            .client_secret
            .is_none());
        assert!(a.client_id_issued_at > 1_600_000_000);
    }

    #[test]
    fn store_is_bounded_and_ordered() {
        let store = ClientStore::default();
        for i in 0..3 {
            store.insert(format!("c{i}"), Map::new());
        }
        store.insert("c1".to_owned(), Map::new());
        assert_eq!(store.len(), 3);
        assert_eq!(store.all().len(), 3);
    }

    #[test]
    fn the_store_keeps_its_bytes_bounded_and_the_newest_record() {
        let store = ClientStore::with_cap(1_000);
        let record = |n: usize| {
            let mut m = Map::new();
            m.insert("client_name".into(), Value::String("x".repeat(n)));
            m
        };
        for i in 0..50 {
            store.insert_within(format!("c{i:02}"), record(1_000), 10_000);
        }
        let kept = store.all();
        assert!((8..=10).contains(&kept.len()), "{} kept", kept.len());
        assert!(store.lock().bytes <= 10_000);
        assert_eq!(store.lock().order.back().map(String::as_str), Some("c49"));
        // Replacing a record counts its new size, not both.
        store.insert_within("c49".into(), record(10), 10_000);
        let total: usize = store.lock().clients.values().map(|(_, s)| s).sum();
        assert_eq!(store.lock().bytes, total);
        // One record larger than the budget is still kept: the newest always stays.
        store.insert_within("big".into(), record(50_000), 10_000);
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn security_defects_change_credentials() {
        let store = ClientStore::default();
        let shared = DefectSet::new(&[Defect::SharedClientId, Defect::SharedSecret]);
        let a = store.issue(true, None, [1; 32], &shared);
        let b = store.issue(true, None, [2; 32], &shared);
        assert_eq!(a.client_id, b.client_id);
        assert_eq!(a.client_secret, b.client_secret);
        let short = store.issue(true, None, [1; 32], &DefectSet::new(&[Defect::ShortSecret]));
        assert_eq!(short.client_secret.map(|s| s.len()), Some(8));
        let honour = DefectSet::new(&[Defect::HonourClientId]);
        assert_eq!(
            store.issue(false, Some("mine"), [1; 32], &honour).client_id,
            "mine"
        );
        let reuse = DefectSet::new(&[Defect::ReuseClientIdForSameRequest]);
        let a = store.issue(true, None, [3; 32], &reuse);
        let b = store.issue(true, None, [3; 32], &reuse);
        let c = store.issue(true, None, [4; 32], &reuse);
        assert_eq!(a.client_id, b.client_id);
        assert_ne!(a.client_id, c.client_id);
        assert_ne!(a.client_secret, b.client_secret, "only the id is reused");
        let derived = DefectSet::new(&[Defect::SecretDerivedFromRequest]);
        let a = store.issue(true, None, [5; 32], &derived);
        let b = store.issue(true, None, [5; 32], &derived);
        let c = store.issue(true, None, [6; 32], &derived);
        assert_eq!(a.client_secret, b.client_secret);
        assert_ne!(a.client_secret, c.client_secret);
        assert_ne!(a.client_id, b.client_id, "only the secret repeats");
        assert_eq!(a.client_secret.map(|s| s.len()), Some(43), "256 bits");
    }
}
