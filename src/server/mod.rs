//! The embedded reference server: an OAuth 2.0 Dynamic Client Registration endpoint (RFC 7591,
//! read together with OpenID Connect Registration 1.0, the strictest way both allow) that the
//! harness can be pointed at, plus deliberate [`Defect`]s that break one catalog requirement
//! each so the harness can prove it notices them.
//!
//! Owns: `POST /register`, the vendor `seed-v3` endpoint
//! (`POST /v3/modules/{module}/setups/{setup_id}/clients`), the RFC 7592 client configuration
//! endpoint (`GET`/`PUT`/`DELETE /register/{client_id}`, always on: every registration
//! response carries `registration_client_uri` and `registration_access_token`), a minimal
//! token endpoint (`POST /token`, client_credentials only, RFC 6749, clients authenticating
//! with their secret or a `private_key_jwt` assertion, RFC 7523), the discovery
//! documents (`/.well-known/openid-configuration`, `/.well-known/oauth-authorization-server`),
//! an MCP endpoint (`/mcp`, always on) that answers every request with a 401 challenge
//! pointing at its OAuth 2.0 protected resource metadata (RFC 9728), an in-memory client store, and starting and stopping the server on a loopback port, over
//! plain HTTP or over TLS with a certificate generated at start.
//!
//! Must not: use anything from `crate::checks` or `crate::generate`. The server is an
//! independent implementation of the RFC; sharing validation code with the checks would let one
//! misreading hide on both sides. Only the `crate::spec` vocabulary is shared. It must not
//! panic or answer 5xx for any input (except where a defect says so).
//!
//! Files: `endpoint` (HTTP handling of the registration endpoints), `manage` (the client
//! configuration endpoint), `token` (the token endpoint), `assertion` (`private_key_jwt`
//! client assertions), `statement` (software statements), `jws` (compact JWS parsing and
//! signature checks), `validate` (request rules → typed registration), `uri` and `jwks`
//! (value checks), `response` (bodies and response-shape defects), `store` (clients and
//! credentials), `defects` (the defect catalog), `tls` (certificates and the TLS listener),
//! `mcp` (the MCP endpoint and its protected resource metadata).

mod assertion;
mod authorize;
mod defects;
mod endpoint;
mod jwks;
mod jws;
mod manage;
mod mcp;
mod response;
mod statement;
mod store;
mod tls;
mod token;
mod uri;
mod validate;

#[cfg(test)]
mod tests;

use std::fmt;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::routing::any;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use defects::{Defect, DefectSeverity, UnknownDefect, MCP_DEFECT_TOKEN};
pub use statement::TrustedStatementIssuer;

/// Path of the RFC 7591 registration endpoint.
pub const REGISTER_PATH: &str = "/register";
/// Path of the OAuth 2.0 token endpoint (RFC 6749 §3.2): the client credentials grant only.
pub const TOKEN_PATH: &str = "/token";
/// The seed-v3 path for module `dcrcheck`, setup `default` (any module and setup work).
pub const SEED_V3_PATH: &str = "/v3/modules/dcrcheck/setups/default/clients";
/// Route of the RFC 7592 client configuration endpoint: `registration_client_uri` is
/// `{scheme}://{host}/register/{client_id}` (the client_id percent-encoded as one segment).
pub const CLIENT_CONFIGURATION_ROUTE: &str = "/register/{client_id}";
/// OpenID Connect Discovery 1.0 §4.
pub const OPENID_CONFIGURATION_PATH: &str = "/.well-known/openid-configuration";
/// RFC 8414 §3.
pub const OAUTH_SERVER_METADATA_PATH: &str = "/.well-known/oauth-authorization-server";
/// The `authorization_endpoint` the discovery documents advertise (RFC 6749 §3.1). Nothing
/// serves it yet: a request there gets the 404 of any unknown path.
pub const AUTHORIZATION_PATH: &str = "/authorize";
/// The MCP endpoint (MCP Streamable HTTP transport). It accepts no token: every request gets
/// a 401 whose challenge names [`MCP_RESOURCE_METADATA_PATH`].
pub const MCP_PATH: &str = "/mcp";
/// RFC 9728 §3: the protected resource metadata of [`MCP_PATH`], the well-known suffix
/// inserted before the resource's path. The same document is served at the root,
/// [`PROTECTED_RESOURCE_METADATA_PATH`].
pub const MCP_RESOURCE_METADATA_PATH: &str = "/.well-known/oauth-protected-resource/mcp";
/// RFC 9728 §3 at the root, where some MCP clients look when the path-inserted URI fails.
pub const PROTECTED_RESOURCE_METADATA_PATH: &str = "/.well-known/oauth-protected-resource";

/// How long [`RunningServer::shutdown`] waits for open connections to finish.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// How to run the reference server.
#[derive(Clone)]
pub struct ServerConfig {
    /// If set, every POST needs `Authorization: Bearer <token>`.
    pub initial_access_token: Option<String>,
    /// Deliberate violations to commit; empty for the clean server.
    pub defects: Vec<Defect>,
    /// Largest accepted request body in bytes; larger bodies get a 413.
    pub body_limit: usize,
    /// Serve HTTPS (TLS 1.2 and 1.3) with a CA and certificate generated at start, instead of
    /// plain HTTP. [`RunningServer::ca_cert_pem`] gives the CA to trust.
    pub tls: bool,
    /// With `tls`: CA certificates (PEM) that a client certificate must chain to. Set, every
    /// handshake needs a valid client certificate (mutual TLS); a client without one, or with
    /// one from another CA, is refused during the handshake. Without `tls`, [`start`] refuses
    /// it.
    pub client_ca_pem: Option<String>,
    /// `(requests, window)`: once `requests` registration POSTs arrived in the current
    /// window (fixed, starting at the first request), further ones get `429` with
    /// `Retry-After: 1` and `{"error":"too_many_requests"}` until the window ends. `None`:
    /// no limit.
    pub rate_limit: Option<(u32, Duration)>,
    /// Registered clients kept in memory (what `list-clients-on-get` lists). Beyond this many
    /// the oldest registration is forgotten as each new one is stored, so a server that takes
    /// millions of registrations keeps a bounded store. Default [`DEFAULT_MAX_CLIENTS`].
    pub max_clients: usize,
    /// The software statement issuer the server trusts (RFC 7591 §2.3). Set, a registration's
    /// `software_statement` must be a JWS from it, and its claims take precedence over the
    /// plain JSON members; `None`: statements are ignored (RFC 7591 §3.1.1 allows that).
    pub trusted_statement: Option<TrustedStatementIssuer>,
    /// How long an issued client secret lives (RFC 7591 §3.2.1). Set, every secret issued (at
    /// registration, or freshly drawn in an RFC 7592 update) gets `client_secret_expires_at`
    /// = issue time + this, rounded up to a whole second, and the token endpoint refuses it
    /// from then on; `None`: secrets never expire (`client_secret_expires_at` 0), except that
    /// `token-accepts-expired-secret` then uses 2 seconds.
    pub secret_lifetime: Option<Duration>,
}

/// Default of [`ServerConfig::max_clients`].
pub const DEFAULT_MAX_CLIENTS: usize = 100_000;

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            initial_access_token: None,
            defects: Vec::new(),
            body_limit: 256 * 1024,
            tls: false,
            client_ca_pem: None,
            rate_limit: None,
            max_clients: DEFAULT_MAX_CLIENTS,
            trusted_statement: None,
            secret_lifetime: None,
        }
    }
}

// Hand-written so the initial access token never reaches a log line.
impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field(
                "initial_access_token",
                &self.initial_access_token.as_ref().map(|_| "***"),
            )
            .field("defects", &self.defects)
            .field("body_limit", &self.body_limit)
            .field("tls", &self.tls)
            .field("client_ca_pem", &self.client_ca_pem.as_ref().map(|_| "PEM"))
            .field("rate_limit", &self.rate_limit)
            .field("max_clients", &self.max_clients)
            .field("trusted_statement", &self.trusted_statement)
            .field("secret_lifetime", &self.secret_lifetime)
            .finish()
    }
}

/// The server's routes, ready to be served by axum.
pub fn router(config: ServerConfig) -> Router {
    router_at(config, None)
}

/// [`router`] for a server known to listen on `local` (an address clients reach it at), which
/// `mcp-other-issuer` calls its own origin; `None` takes 127.0.0.1 on the request's port.
fn router_at(config: ServerConfig, local: Option<SocketAddr>) -> Router {
    let cors = !config.defects.contains(&Defect::NoCors);
    let state = Arc::new(endpoint::AppState::new(config, local));
    let router = mcp::routes(Router::new(), &state.defects)
        .route(REGISTER_PATH, any(endpoint::register))
        .route(CLIENT_CONFIGURATION_ROUTE, any(manage::configuration))
        .route(TOKEN_PATH, any(token::token))
        .route(AUTHORIZATION_PATH, axum::routing::get(authorize::authorize))
        .route(
            "/v3/modules/{module}/setups/{setup_id}/clients",
            any(endpoint::seed_v3),
        )
        .route(OPENID_CONFIGURATION_PATH, any(endpoint::discovery))
        .route(OAUTH_SERVER_METADATA_PATH, any(endpoint::discovery))
        .route(MCP_PATH, any(mcp::endpoint))
        .route(MCP_RESOURCE_METADATA_PATH, any(mcp::resource_metadata))
        .route(
            PROTECTED_RESOURCE_METADATA_PATH,
            any(mcp::resource_metadata),
        )
        .fallback(endpoint::not_found);
    let router = if cors {
        router.layer(axum::middleware::map_response(response::allow_any_origin))
    } else {
        router
    };
    router.with_state(state)
}

/// A server started by [`start`]. Dropping it also stops the server (without waiting).
#[derive(Debug)]
pub struct RunningServer {
    addr: SocketAddr,
    /// The CA certificate (PEM) in TLS mode.
    ca_pem: Option<String>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
}

impl RunningServer {
    /// The bound address (the real port when started on port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `https` in TLS mode, `http` otherwise.
    pub fn scheme(&self) -> &'static str {
        if self.ca_pem.is_some() {
            "https"
        } else {
            "http"
        }
    }

    /// `http://127.0.0.1:PORT` (`https://` in TLS mode), no trailing slash.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme(), self.client_addr())
    }

    /// `http://127.0.0.1:PORT/register` (`https://` in TLS mode).
    pub fn registration_url(&self) -> String {
        format!("{}{REGISTER_PATH}", self.base_url())
    }

    /// `http://127.0.0.1:PORT/v3/modules/dcrcheck/setups/default/clients`.
    pub fn seed_v3_url(&self) -> String {
        format!("{}{SEED_V3_PATH}", self.base_url())
    }

    /// `http://127.0.0.1:PORT/.well-known/openid-configuration` (`https://` in TLS mode).
    pub fn discovery_url(&self) -> String {
        format!("{}{OPENID_CONFIGURATION_PATH}", self.base_url())
    }

    /// `http://127.0.0.1:PORT/mcp` (`https://` in TLS mode).
    pub fn mcp_url(&self) -> String {
        format!("{}{MCP_PATH}", self.base_url())
    }

    /// The generated CA certificate, PEM, that a client must trust in TLS mode; `None` for
    /// plain HTTP. The server certificate is issued by it for `localhost`, `127.0.0.1` and
    /// `::1`.
    pub fn ca_cert_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// Stops accepting connections, lets open ones finish, and waits for the server task.
    /// A connection still open after [`SHUTDOWN_GRACE`] (a client that stalls mid-request)
    /// is cut off, so shutdown always ends.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(mut task) = self.task.take() {
            // The task's own result only reports errors that already ended serving.
            if tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
                .await
                .is_err()
            {
                task.abort();
                let _ = task.await;
            }
        }
    }

    fn client_addr(&self) -> SocketAddr {
        client_addr(self.addr)
    }
}

/// An address a client can connect to: a wildcard bind is reached over loopback.
fn client_addr(bound: SocketAddr) -> SocketAddr {
    let ip = match bound.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, bound.port())
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Binds `addr` (port 0 picks a free port), spawns the server and returns at once. In TLS
/// mode the certificates are generated first.
pub async fn start(addr: SocketAddr, config: ServerConfig) -> io::Result<RunningServer> {
    if config.client_ca_pem.is_some() && !config.tls {
        // Plain HTTP has no handshake to ask for a certificate in: refuse rather than serve
        // without the authentication the caller asked for.
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a client CA needs TLS",
        ));
    }
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    let stop = async move {
        // A dropped sender means the handle is gone: stop as well.
        let _ = rx.await;
    };
    let (task, ca_pem) = if config.tls {
        let setup = tls::setup(
            config.defects.contains(&Defect::Tls13Only),
            config.client_ca_pem.as_deref(),
        )?;
        let ca_pem = setup.ca_pem.clone();
        let plaintext_too = config.defects.contains(&Defect::PlaintextOnTlsPort);
        let listener = tls::TlsListener::new(listener, setup, plaintext_too)?;
        (
            tokio::spawn(serve(listener, config, addr, stop)),
            Some(ca_pem),
        )
    } else {
        (tokio::spawn(serve(listener, config, addr, stop)), None)
    };
    Ok(RunningServer {
        addr,
        ca_pem,
        shutdown: Some(tx),
        task: Some(task),
    })
}

/// Serves on `addr` until Ctrl-C (for `dcrcheck serve`). `on_ready` sees the running server
/// first (its URLs and, in TLS mode, its CA certificate); an error from it stops the server.
pub async fn serve_forever(
    addr: SocketAddr,
    config: ServerConfig,
    on_ready: impl FnOnce(&RunningServer) -> io::Result<()>,
) -> io::Result<()> {
    let server = start(addr, config).await?;
    if let Err(e) = on_ready(&server) {
        server.shutdown().await;
        return Err(e);
    }
    if tokio::signal::ctrl_c().await.is_err() {
        // No signal handling available: run until the process is killed.
        std::future::pending::<()>().await;
    }
    server.shutdown().await;
    Ok(())
}

async fn serve<L>(
    listener: L,
    config: ServerConfig,
    bound: SocketAddr,
    stop: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()>
where
    L: axum::serve::Listener,
    L::Addr: fmt::Debug,
{
    axum::serve(listener, router_at(config, Some(client_addr(bound))))
        .with_graceful_shutdown(stop)
        .await
}
