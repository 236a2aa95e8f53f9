//! Serves the sidecar webhook ([`crate::webhook`]) over TLS: `POST /mutate`.
//!
//! Every replica serves it (the webhook Service picks any ready one), leader or not, and every
//! replica keeps the certificates current: [`certs::ensure`] at start and every
//! [`CERT_CHECK_PERIOD`], then the new certificate is served from the next handshake on and
//! the MutatingWebhookConfiguration's `caBundle` is patched when it differs. With
//! [`CertSource::External`] (cert-manager) a replica only reads the Secret, at the same times,
//! and touches nothing else.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use k8s_openapi::ByteString;
use k8s_openapi::api::admissionregistration::v1::MutatingWebhookConfiguration;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, Patch, PatchParams};
use rustls::crypto::ring::sign::any_supported_type;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tracing::{debug, warn};

use crate::certs::{self, CertSource, Serving};
use crate::metrics::Metrics;
use crate::webhook::{self, PoolLookup, WebhookConfig};
use crate::{Error, Result};

/// How often each replica re-reads the certificates (and renews them when due). Renewal is due
/// 30 days before the end, so a missed check or two changes nothing.
pub const CERT_CHECK_PERIOD: Duration = Duration::from_secs(3600);
/// Largest review body accepted: a pod and its old version fit many times over (etcd caps an
/// object at 1.5 MiB).
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// The webhook's path, as the MutatingWebhookConfiguration names it.
pub const PATH: &str = "/mutate";

/// Where the webhook's certificates live and who must trust them.
#[derive(Clone, Debug)]
pub struct WebhookOptions {
    /// Address to serve on.
    pub addr: SocketAddr,
    /// The operator's namespace, home of the Secret.
    pub namespace: String,
    /// The Secret holding the serving certificate (and, when the operator makes them, the CA).
    pub secret: String,
    /// The webhook Service's name (its DNS names go into the serving certificate).
    pub service: String,
    /// The MutatingWebhookConfiguration whose `caBundle` the operator keeps current (with
    /// [`CertSource::Operator`]; cert-manager's CA injector does it otherwise).
    pub configuration: String,
    /// Who makes the certificates.
    pub certificates: CertSource,
    /// What the injector needs.
    pub config: WebhookConfig,
}

/// How long a replica waits at start for cert-manager to fill the Secret
/// ([`CertSource::External`]) before it gives up and exits with the reason.
pub const EXTERNAL_CERT_WAIT: Duration = Duration::from_secs(120);
/// How often it looks while waiting.
const EXTERNAL_CERT_POLL: Duration = Duration::from_secs(2);

/// Serves the certificate the last check found, to every client.
#[derive(Debug)]
pub struct CertResolver(RwLock<Arc<CertifiedKey>>);

impl CertResolver {
    /// A resolver serving `serving`.
    pub fn new(serving: &Serving) -> Result<Self> {
        Ok(CertResolver(RwLock::new(Arc::new(certified_key(serving)?))))
    }

    /// Serves `serving` from the next handshake on.
    pub fn set(&self, serving: &Serving) -> Result<()> {
        let key = Arc::new(certified_key(serving)?);
        match self.0.write() {
            Ok(mut current) => *current = key,
            Err(poisoned) => *poisoned.into_inner() = key,
        }
        Ok(())
    }
}

impl ResolvesServerCert for CertResolver {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let current = match self.0.read() {
            Ok(current) => current,
            Err(poisoned) => poisoned.into_inner(),
        };
        Some(current.clone())
    }
}

fn certified_key(bundle: &Serving) -> Result<CertifiedKey> {
    let pem_error = |what: &str, e: rustls::pki_types::pem::Error| {
        Error::Certificate(format!("reading the serving {what}: {e}"))
    };
    let chain = CertificateDer::pem_slice_iter(bundle.cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error("certificate", e))?;
    let key = PrivateKeyDer::from_pem_slice(bundle.key_pem.as_bytes())
        .map_err(|e| pem_error("key", e))?;
    let signer = any_supported_type(&key)
        .map_err(|e| Error::Certificate(format!("the serving key: {e}")))?;
    Ok(CertifiedKey::new(chain, signer))
}

/// A TLS acceptor that serves whatever `resolver` holds (TLS 1.2 and 1.3, HTTP/1.1).
pub fn acceptor(resolver: Arc<CertResolver>) -> Result<TlsAcceptor> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Certificate(format!("TLS configuration: {e}")))?
        .with_no_client_auth()
        .with_cert_resolver(resolver);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Makes or reads the certificates, opens the port and patches the `caBundle`, then returns
/// a task that serves the webhook and keeps the certificates current until it is aborted.
/// Fails when the first certificates or the port cannot be had, so a replica that could
/// never answer the webhook stops with the reason instead of running without it. When the
/// served certificate ends goes to `metrics`, at start and after every check.
pub async fn start(
    client: kube::Client,
    options: WebhookOptions,
    metrics: Arc<Metrics>,
) -> Result<tokio::task::JoinHandle<()>> {
    let certificates = Certificates::new(&client, &options);
    let serving = match options.certificates {
        CertSource::Operator => certificates.refresh().await?,
        // cert-manager issues within seconds of the install; wait for it, boundedly.
        CertSource::External => {
            let deadline = tokio::time::Instant::now() + EXTERNAL_CERT_WAIT;
            loop {
                match certificates.refresh().await {
                    Ok(serving) => break serving,
                    Err(error) if tokio::time::Instant::now() < deadline => {
                        debug!(%error, "waiting for the webhook certificate");
                        tokio::time::sleep(EXTERNAL_CERT_POLL).await;
                    }
                    Err(error) => return Err(error),
                }
            }
        }
    };
    let resolver = Arc::new(CertResolver::new(&serving)?);
    let secret = options.secret.clone();
    let served = move |serving: &Serving| match serving.not_after() {
        Ok(not_after) => metrics.webhook_certificate(&secret, not_after),
        Err(error) => warn!(%error, "the webhook certificate's end is unknown"),
    };
    served(&serving);
    let listener = TcpListener::bind(options.addr)
        .await
        .map_err(|source| Error::Listen {
            addr: options.addr,
            source,
        })?;
    let server = serve(
        listener,
        acceptor(resolver.clone())?,
        Arc::new(client.clone()),
        Arc::new(options.config.clone()),
    );
    let refresh = async move {
        loop {
            tokio::time::sleep(CERT_CHECK_PERIOD).await;
            let refreshed = async {
                let serving = certificates.refresh().await?;
                resolver.set(&serving)?;
                served(&serving);
                Ok::<_, Error>(())
            };
            if let Err(error) = refreshed.await {
                // The certificates in use stay valid for weeks: retry at the next check.
                warn!(%error, "refreshing the webhook certificates");
            }
        }
    };
    tracing::info!(addr = %options.addr, certificates = ?options.certificates, "sidecar webhook serving");
    Ok(tokio::spawn(async move {
        tokio::join!(server, refresh);
    }))
}

/// Where one replica gets its serving certificate, at start and at every check.
struct Certificates {
    client: kube::Client,
    secrets: Api<Secret>,
    options: WebhookOptions,
    names: Vec<String>,
}

impl Certificates {
    fn new(client: &kube::Client, options: &WebhookOptions) -> Self {
        Certificates {
            client: client.clone(),
            secrets: Api::namespaced(client.clone(), &options.namespace),
            names: certs::dns_names(&options.service, &options.namespace),
            options: options.clone(),
        }
    }

    /// The certificate to serve now: made or renewed as due and its CA put in the `caBundle`
    /// ([`CertSource::Operator`]), or read as cert-manager left it ([`CertSource::External`]).
    async fn refresh(&self) -> Result<Serving> {
        let options = &self.options;
        match options.certificates {
            CertSource::External => certs::read_external(&self.secrets, &options.secret).await,
            CertSource::Operator => {
                let now = Timestamp::now();
                let bundle = certs::ensure(
                    &self.secrets,
                    &options.secret,
                    &options.namespace,
                    &self.names,
                    now,
                )
                .await?;
                patch_ca_bundle(&self.client, &options.configuration, &bundle.ca_bundle(now))
                    .await?;
                Ok(bundle.serving())
            }
        }
    }
}

/// Sets `ca_bundle` on every webhook of the MutatingWebhookConfiguration `name` that does not
/// have it yet (a strategic merge keyed by webhook name: other fields stay the chart's).
pub async fn patch_ca_bundle(client: &kube::Client, name: &str, ca_bundle: &str) -> Result<()> {
    let api: Api<MutatingWebhookConfiguration> = Api::all(client.clone());
    let current = api.get(name).await.map_err(Error::kube(format!(
        "get MutatingWebhookConfiguration {name}"
    )))?;
    let wanted = ByteString(ca_bundle.as_bytes().to_vec());
    let stale: Vec<_> = current
        .webhooks
        .iter()
        .flatten()
        .filter(|w| w.client_config.ca_bundle.as_ref() != Some(&wanted))
        .map(|w| {
            serde_json::json!({
                "name": w.name,
                "clientConfig": { "caBundle": wanted },
            })
        })
        .collect();
    if stale.is_empty() {
        return Ok(());
    }
    let patch = serde_json::json!({ "webhooks": stale });
    api.patch(name, &PatchParams::default(), &Patch::Strategic(patch))
        .await
        .map_err(Error::kube(format!(
            "patch caBundle of MutatingWebhookConfiguration {name}"
        )))?;
    tracing::info!(configuration = name, "webhook caBundle updated");
    Ok(())
}

/// Serves `POST /mutate` over TLS on `listener` until the task is dropped.
pub async fn serve<P: PoolLookup + Send + 'static>(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    pools: Arc<P>,
    config: Arc<WebhookConfig>,
) {
    let service = service_fn(move |request: Request<Incoming>| {
        let pools = pools.clone();
        let config = config.clone();
        async move { Ok::<_, Infallible>(route(request, &*pools, &config).await) }
    });
    let handshake = move |stream| acceptor.accept(stream);
    let forever = std::future::pending();
    runner_http::serve(
        listener,
        "webhook TLS",
        crate::HTTP_LIMITS,
        handshake,
        service,
        forever,
    )
    .await;
}

async fn route(
    request: Request<Incoming>,
    pools: &impl PoolLookup,
    config: &WebhookConfig,
) -> Response<Full<Bytes>> {
    if request.uri().path() != PATH {
        return respond(StatusCode::NOT_FOUND, "text/plain", "not found\n".into());
    }
    if request.method() != Method::POST {
        return respond(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain",
            "POST an AdmissionReview\n".into(),
        );
    }
    let reply = match Limited::new(request.into_body(), MAX_BODY_BYTES)
        .collect()
        .await
    {
        Ok(body) => webhook::review(&body.to_bytes(), pools, config).await,
        Err(error) => webhook::Reply::Malformed(format!(
            "reading the body (at most {MAX_BODY_BYTES} bytes): {error}"
        )),
    };
    let status = StatusCode::from_u16(reply.status()).unwrap_or(StatusCode::BAD_REQUEST);
    match serde_json::to_vec(&reply.into_review()) {
        Ok(body) => respond(status, "application/json", body),
        Err(error) => respond(
            StatusCode::INTERNAL_SERVER_ERROR,
            "text/plain",
            format!("serialising the response: {error}\n").into_bytes(),
        ),
    }
}

fn respond(status: StatusCode, content_type: &str, body: Vec<u8>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    if let Ok(value) = content_type.parse() {
        response
            .headers_mut()
            .insert(hyper::header::CONTENT_TYPE, value);
    }
    response
}
