//! Registered clients (in memory, bounded) and the credentials issued to them, with the
//! expiry of issued secrets ([`super::ServerConfig::secret_lifetime`]).

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::RngCore;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::defects::{Defect, DefectSet};
use super::validate::Endpoint;
use crate::spec::names::CLIENT_ID;

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
    /// Seconds since the Unix epoch; 0 when the secret never expires (and when there is
    /// none).
    pub client_secret_expires_at: u64,
}

/// One registered client as kept: what RFC 7592 reads, updates and deletes.
#[derive(Clone, PartialEq)]
pub(crate) struct StoredClient {
    /// The clean registration body: credentials and every registered member, without the
    /// management members (`registration_client_uri`, `registration_access_token`).
    pub record: Map<String, Value>,
    /// Where the client registered; an update follows that endpoint's rules.
    pub endpoint: Endpoint,
    /// SHA-256 of the registration access token: the token itself is never kept.
    pub token_digest: [u8; 32],
    /// The `registration_client_uri` handed out.
    pub uri: String,
}

// Hand-written so neither the secret in the record nor the token digest reaches a log line.
impl fmt::Debug for StoredClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredClient")
            .field("client_id", &self.record.get(CLIENT_ID))
            .field("members", &self.record.len())
            .field("endpoint", &self.endpoint)
            .field("token_digest", &"***")
            .field("uri", &self.uri)
            .finish()
    }
}

impl StoredClient {
    /// Bytes counted against [`MAX_STORED_BYTES`].
    fn size(&self, client_id: &str) -> usize {
        client_id.len()
            + Value::Object(self.record.clone()).to_string().len()
            + self.uri.len()
            + self.token_digest.len()
    }
}

#[derive(Debug)]
pub(crate) struct ClientStore {
    inner: Mutex<Inner>,
    /// Clients kept; the oldest are forgotten beyond it ([`super::ServerConfig::max_clients`]).
    cap: usize,
    /// How long an issued secret lives; `None`: forever.
    secret_lifetime: Option<Duration>,
}

impl Default for ClientStore {
    fn default() -> Self {
        ClientStore::with_cap(super::DEFAULT_MAX_CLIENTS)
    }
}

#[derive(Debug, Default)]
struct Inner {
    /// Each client with its size in bytes (record as JSON), counted against
    /// [`MAX_STORED_BYTES`].
    clients: HashMap<String, (StoredClient, usize)>,
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
            secret_lifetime: None,
        }
    }

    /// The same store, issuing secrets that live `lifetime` (`None`: forever).
    pub(crate) fn with_secret_lifetime(self, lifetime: Option<Duration>) -> Self {
        ClientStore {
            secret_lifetime: lifetime,
            ..self
        }
    }

    /// `client_secret_expires_at` for a secret issued at `issued`: `issued` plus the secret
    /// lifetime, rounded up to a whole second so the secret never dies early; 0 (never)
    /// without a lifetime.
    pub(crate) fn secret_expires_at(&self, issued: SystemTime) -> u64 {
        let Some(lifetime) = self.secret_lifetime else {
            return 0;
        };
        // A lifetime too long for the clock saturates: as good as never, but still non-zero.
        issued.checked_add(lifetime).map_or(u64::MAX, |expiry| {
            expiry.duration_since(UNIX_EPOCH).map_or(0, |d| {
                d.as_secs().saturating_add(u64::from(d.subsec_nanos() > 0))
            })
        })
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
        let now = SystemTime::now();
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
            client_id_issued_at: epoch_secs(now),
            client_secret_expires_at: match client_secret {
                Some(_) => self.secret_expires_at(now),
                None => 0,
            },
            client_secret,
        }
    }

    /// Keeps the registered client under its client_id (replacing one of the same id); the
    /// oldest clients go once more than the cap of clients, or of [`MAX_STORED_BYTES`], is
    /// held (the newest client always stays). A client forgotten this way is gone, as if
    /// deleted.
    pub(crate) fn insert(&self, client_id: String, client: StoredClient) {
        self.insert_within(client_id, client, MAX_STORED_BYTES);
    }

    fn insert_within(&self, client_id: String, client: StoredClient, max_bytes: usize) {
        let mut inner = self.lock();
        self.put(&mut inner, client_id, client, max_bytes);
    }

    fn put(&self, inner: &mut Inner, client_id: String, client: StoredClient, max_bytes: usize) {
        let size = client.size(&client_id);
        inner.bytes += size;
        match inner.clients.insert(client_id.clone(), (client, size)) {
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

    /// The client stored under `client_id`, if it is still there.
    pub(crate) fn get(&self, client_id: &str) -> Option<StoredClient> {
        self.lock().clients.get(client_id).map(|(c, _)| c.clone())
    }

    /// Whether any stored client has this registration access token digest
    /// (`management-token-any-client`).
    pub(crate) fn has_token(&self, digest: &[u8; 32]) -> bool {
        self.lock()
            .clients
            .values()
            .any(|(c, _)| super::endpoint::constant_time_eq(&c.token_digest, digest))
    }

    /// Replaces the client stored under `client_id` with `client`, kept under `new_id` (the
    /// same id, except under `update-changes-client-id`). `false`, and nothing stored, when
    /// the client is gone by now (deleted or forgotten meanwhile).
    pub(crate) fn replace(&self, client_id: &str, new_id: String, client: StoredClient) -> bool {
        let mut inner = self.lock();
        if !inner.clients.contains_key(client_id) {
            return false;
        }
        if new_id != client_id {
            Self::forget(&mut inner, client_id);
        }
        self.put(&mut inner, new_id, client, MAX_STORED_BYTES);
        true
    }

    /// Deletes the client; `false` when there was none.
    pub(crate) fn remove(&self, client_id: &str) -> bool {
        Self::forget(&mut self.lock(), client_id)
    }

    fn forget(inner: &mut Inner, client_id: &str) -> bool {
        let Some((_, size)) = inner.clients.remove(client_id) else {
            return false;
        };
        inner.bytes -= size;
        if let Some(at) = inner.order.iter().position(|id| id == client_id) {
            inner.order.remove(at);
        }
        true
    }

    /// Every stored record, oldest first.
    pub(crate) fn all(&self) -> Vec<Value> {
        let inner = self.lock();
        inner
            .order
            .iter()
            .filter_map(|id| inner.clients.get(id))
            .map(|(c, _)| Value::Object(c.record.clone()))
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

/// A fresh registration access token (RFC 7592 §3): 256 random bits, base64url.
pub(crate) fn registration_access_token() -> String {
    random_token(32)
}

/// `bytes` random bytes from the thread-local CSPRNG, base64url without padding.
pub(crate) fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

pub(crate) fn now_secs() -> u64 {
    epoch_secs(SystemTime::now())
}

/// Whole seconds since the Unix epoch, rounded down.
fn epoch_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(record: Map<String, Value>) -> StoredClient {
        StoredClient {
            record,
            endpoint: Endpoint::Register,
            token_digest: [7; 32],
            uri: "http://localhost/register/c".to_owned(),
        }
    }

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
    fn secrets_expire_a_lifetime_after_issue_rounded_up() {
        let at = |secs, nanos| UNIX_EPOCH + Duration::new(secs, nanos);
        let two = ClientStore::default().with_secret_lifetime(Some(Duration::from_secs(2)));
        assert_eq!(two.secret_expires_at(at(100, 0)), 102);
        assert_eq!(two.secret_expires_at(at(100, 1)), 103, "never early");
        let half = ClientStore::default().with_secret_lifetime(Some(Duration::from_millis(1500)));
        assert_eq!(half.secret_expires_at(at(100, 0)), 102);
        assert_eq!(half.secret_expires_at(at(100, 500_000_000)), 102);
        assert_eq!(ClientStore::default().secret_expires_at(at(100, 0)), 0);
        let forever = ClientStore::default().with_secret_lifetime(Some(Duration::MAX));
        assert_eq!(forever.secret_expires_at(at(100, 0)), u64::MAX);

        let clean = DefectSet::default();
        let a = two.issue(true, None, [1; 32], &clean);
        assert!(
            (a.client_id_issued_at + 2..=a.client_id_issued_at + 3)
                .contains(&a.client_secret_expires_at),
            "{a:?}"
        );
        assert_eq!(
            two.issue(false, None, [1; 32], &clean)
                .client_secret_expires_at,
            0
        );
        let never = ClientStore::default().issue(true, None, [1; 32], &clean);
        assert_eq!(never.client_secret_expires_at, 0);
    }

    #[test]
    fn store_is_bounded_and_ordered() {
        let store = ClientStore::default();
        for i in 0..3 {
            store.insert(format!("c{i}"), client(Map::new()));
        }
        store.insert("c1".to_owned(), client(Map::new()));
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
            store.insert_within(format!("c{i:02}"), client(record(1_000)), 10_000);
        }
        let kept = store.all();
        assert!((8..=10).contains(&kept.len()), "{} kept", kept.len());
        assert!(store.lock().bytes <= 10_000);
        assert_eq!(store.lock().order.back().map(String::as_str), Some("c49"));
        // Replacing a record counts its new size, not both.
        store.insert_within("c49".into(), client(record(10)), 10_000);
        let total: usize = store.lock().clients.values().map(|(_, s)| s).sum();
        assert_eq!(store.lock().bytes, total);
        // One record larger than the budget is still kept: the newest always stays.
        store.insert_within("big".into(), client(record(50_000)), 10_000);
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn clients_are_read_replaced_renamed_and_removed() {
        let store = ClientStore::with_cap(2);
        let named = |name: &str| {
            let mut m = Map::new();
            m.insert("client_name".into(), Value::String(name.to_owned()));
            client(m)
        };
        store.insert("a".into(), named("A"));
        store.insert("b".into(), named("B"));
        assert_eq!(store.get("a"), Some(named("A")));
        assert!(store.has_token(&[7; 32]) && !store.has_token(&[8; 32]));
        assert!(store.replace("a", "a".into(), named("A2")));
        assert_eq!(store.get("a"), Some(named("A2")));
        assert!(store.replace("a", "z".into(), named("Z")));
        assert_eq!(store.get("a"), None);
        assert_eq!(store.get("z"), Some(named("Z")));
        assert_eq!(store.len(), 2, "a rename keeps one entry");
        assert!(
            !store.replace("a", "a".into(), named("back")),
            "gone stays gone"
        );
        assert_eq!(store.get("a"), None);
        assert!(store.remove("b") && !store.remove("b"));
        assert_eq!(store.get("b"), None);
        // The order list follows removals, so the cap counts live clients only.
        store.insert("c".into(), named("C"));
        assert_eq!(store.len(), 2);
        assert_eq!(store.get("z"), Some(named("Z")));
        store.insert("d".into(), named("D"));
        assert_eq!(store.get("z"), None, "the oldest is forgotten at the cap");
        let total: usize = store.lock().clients.values().map(|(_, s)| s).sum();
        assert_eq!(store.lock().bytes, total);
        assert!(
            !format!("{:?}", named("A")).contains('7'),
            "no digest in Debug"
        );
    }

    #[test]
    fn registration_access_tokens_are_256_random_bits() {
        let (a, b) = (registration_access_token(), registration_access_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(URL_SAFE_NO_PAD.decode(&a).is_ok());
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
