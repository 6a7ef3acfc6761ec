//! TLS for the reference server: a throwaway CA and a leaf certificate for `localhost`,
//! `127.0.0.1` and `::1`, generated when the server starts, and a listener that runs each
//! handshake in its own task so one slow client cannot hold up the accept loop.
//!
//! The clean server speaks TLS 1.2 and 1.3 and nothing else on its port. The `tls13-only`
//! defect drops TLS 1.2; `plaintext-on-tls-port` serves a connection whose first byte is not a
//! TLS handshake record as plain HTTP on the same port.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// First byte of a TLS record carrying a handshake message (a ClientHello opens with it).
const TLS_HANDSHAKE_RECORD: u8 = 0x16;
/// How long a client may take to send its first byte and finish the handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections handshaken but not yet picked up by the HTTP server.
const PENDING: usize = 128;

/// The generated certificates and the acceptor built from them.
pub(crate) struct TlsSetup {
    /// The CA certificate a client has to trust, PEM.
    pub(crate) ca_pem: String,
    acceptor: TlsAcceptor,
}

fn other(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("cannot set up TLS: {e}"))
}

/// Generates a CA and a loopback leaf certificate and builds the server's TLS configuration:
/// TLS 1.2 and 1.3, or TLS 1.3 alone when `tls13_only`. With `client_ca_pem`, a handshake
/// succeeds only with a client certificate issued by one of the CAs in it (mutual TLS).
pub(crate) fn setup(tls13_only: bool, client_ca_pem: Option<&str>) -> io::Result<TlsSetup> {
    let ca_key = KeyPair::generate().map_err(other)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(other)?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "dcrcheck reference server CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params.self_signed(&ca_key).map_err(other)?;
    let issuer = Issuer::new(ca_params, ca_key);

    let leaf_key = KeyPair::generate().map_err(other)?;
    let mut leaf_params = CertificateParams::new(vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ])
    .map_err(other)?;
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf_params.use_authority_key_identifier_extension = true;
    leaf_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_cert = leaf_params.signed_by(&leaf_key, &issuer).map_err(other)?;

    let versions: &[&'static rustls::SupportedProtocolVersion] = if tls13_only {
        &[&rustls::version::TLS13]
    } else {
        &[&rustls::version::TLS12, &rustls::version::TLS13]
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let builder = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(versions)
        .map_err(other)?;
    let builder = match client_ca_pem {
        None => builder.with_no_client_auth(),
        Some(pem) => builder.with_client_cert_verifier(client_verifier(pem, provider)?),
    };
    let mut config = builder
        .with_single_cert(vec![leaf_cert.der().clone(), ca_cert.der().clone()], key)
        .map_err(other)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsSetup {
        ca_pem: ca_cert.pem(),
        acceptor: TlsAcceptor::from(Arc::new(config)),
    })
}

/// A verifier that requires a client certificate chaining to a CA in `pem` (anonymous
/// clients are refused, not let through unauthenticated).
fn client_verifier(
    pem: &str,
    provider: Arc<rustls::crypto::CryptoProvider>,
) -> io::Result<Arc<dyn rustls::server::danger::ClientCertVerifier>> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;

    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
        roots.add(cert.map_err(other)?).map_err(other)?;
    }
    if roots.is_empty() {
        return Err(other("the client CA PEM holds no certificate"));
    }
    rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .map_err(other)
}

/// One accepted connection: TLS, or plain TCP under `plaintext-on-tls-port`.
pub(crate) enum Conn {
    Tls(Box<TlsStream<TcpStream>>),
    Plain(TcpStream),
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
            Conn::Plain(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
            Conn::Plain(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
            Conn::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Conn::Tls(s) => s.is_write_vectored(),
            Conn::Plain(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            Conn::Plain(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            Conn::Plain(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

/// A listener for `axum::serve` that hands over connections once their handshake is done.
pub(crate) struct TlsListener {
    ready: mpsc::Receiver<(Conn, SocketAddr)>,
    local: SocketAddr,
    accept_task: JoinHandle<()>,
}

impl TlsListener {
    /// Starts accepting on `listener`. With `plaintext_too`, a connection that does not open
    /// with a TLS handshake record is served as plain HTTP (the `plaintext-on-tls-port` defect).
    pub(crate) fn new(
        listener: TcpListener,
        setup: TlsSetup,
        plaintext_too: bool,
    ) -> io::Result<Self> {
        let local = listener.local_addr()?;
        let (tx, ready) = mpsc::channel(PENDING);
        let accept_task = tokio::spawn(accept_loop(listener, setup.acceptor, plaintext_too, tx));
        Ok(TlsListener {
            ready,
            local,
            accept_task,
        })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.accept_task.abort();
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = Conn;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Conn, SocketAddr) {
        match self.ready.recv().await {
            Some(conn) => conn,
            // The accept loop is gone (it only ends when this listener is dropped).
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.local)
    }
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    plaintext_too: bool,
    ready: mpsc::Sender<(Conn, SocketAddr)>,
) {
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            // Out of file descriptors and the like: back off instead of spinning.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        if ready.is_closed() {
            return;
        }
        // Small request/response exchanges: do not wait for Nagle.
        let _ = tcp.set_nodelay(true);
        let (acceptor, ready) = (acceptor.clone(), ready.clone());
        tokio::spawn(async move {
            let handshake = handshake(tcp, &acceptor, plaintext_too);
            if let Ok(Some(conn)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await {
                let _ = ready.send((conn, peer)).await;
            }
        });
    }
}

/// A failed handshake (plain HTTP on the clean server, a TLS 1.2 ClientHello under
/// `tls13-only`) closes the connection: rustls has already sent its alert.
async fn handshake(tcp: TcpStream, acceptor: &TlsAcceptor, plaintext_too: bool) -> Option<Conn> {
    if plaintext_too {
        let mut first = [0u8; 1];
        let n = tcp.peek(&mut first).await.ok()?;
        if n == 1 && first[0] != TLS_HANDSHAKE_RECORD {
            return Some(Conn::Plain(tcp));
        }
    }
    acceptor
        .accept(tcp)
        .await
        .ok()
        .map(|s| Conn::Tls(Box::new(s)))
}
