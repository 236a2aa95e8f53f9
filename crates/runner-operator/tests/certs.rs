//! The webhook's certificates: when they are renewed (pure), that they work (a real TLS
//! handshake and a real AdmissionReview over loopback), and how replicas share the one Secret
//! (the in-memory API).
//!
//! Over 400 lines: one scenario per test, each a certificate's life step.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use common::{FakeApi, pool, settings};
use http_body_util::{BodyExt, Full};
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use kube::Api;
use runner_operator::certs::{self, Bundle, CertSource, Plan};
use runner_operator::rbac;
use runner_operator::webhook::WebhookConfig;
use runner_operator::webhook_server::{self, CertResolver};
use rustls::RootCertStore;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::net::{TcpListener, TcpStream};

const SECRET: &str = "runner-operator-webhook-tls";
const NAMESPACE: &str = "apps";

fn names() -> Vec<String> {
    certs::dns_names("runner-operator-webhook", NAMESPACE)
}

fn now() -> Timestamp {
    "2026-01-01T00:00:00Z".parse().unwrap()
}

fn days(n: i64) -> SignedDuration {
    SignedDuration::from_hours(24 * n)
}

fn fresh() -> Bundle {
    certs::issue(Plan::NewCa, now(), None, &names()).expect("certificates")
}

// === When to renew ===

#[test]
fn renewal_is_planned_ahead_of_expiry() {
    let bundle = fresh();
    assert_eq!(certs::plan(now(), None, &names()), Plan::NewCa);
    assert_eq!(certs::plan(now(), Some(&bundle), &names()), Plan::Keep);
    // The serving certificate lives 90 days and is renewed in its last 30.
    assert_eq!(
        certs::plan(now() + days(59), Some(&bundle), &names()),
        Plan::Keep
    );
    assert_eq!(
        certs::plan(now() + days(61), Some(&bundle), &names()),
        Plan::NewServing
    );
    // The CA lives five years and is renewed in its last one.
    let mut old_ca = bundle.clone();
    old_ca.not_after = old_ca.ca_not_after;
    assert_eq!(
        certs::plan(now() + days(4 * 365 - 1), Some(&old_ca), &names()),
        Plan::Keep
    );
    assert_eq!(
        certs::plan(now() + days(4 * 365 + 1), Some(&old_ca), &names()),
        Plan::NewCa
    );
    // A renamed Service needs a certificate for its new names.
    let renamed = certs::dns_names("other", NAMESPACE);
    assert_eq!(
        certs::plan(now(), Some(&bundle), &renamed),
        Plan::NewServing
    );
}

#[test]
fn a_new_serving_certificate_keeps_the_ca_and_a_new_ca_keeps_the_old_one_trusted() {
    let first = fresh();
    let later = now() + days(61);
    let serving = certs::issue(Plan::NewServing, later, Some(&first), &names()).unwrap();
    assert_eq!(serving.ca_cert_pem, first.ca_cert_pem);
    assert_ne!(serving.cert_pem, first.cert_pem);
    assert_eq!(serving.not_after, later + certs::SERVING_LIFETIME);
    assert_eq!(serving.ca_bundle(later), first.ca_cert_pem);

    let rotated = certs::issue(Plan::NewCa, later, Some(&first), &names()).unwrap();
    assert_ne!(rotated.ca_cert_pem, first.ca_cert_pem);
    let bundle = rotated.ca_bundle(later);
    assert!(bundle.starts_with(&rotated.ca_cert_pem) && bundle.ends_with(&first.ca_cert_pem));
    // Once the old CA has ended it leaves the bundle.
    let after = first.ca_not_after + days(1);
    assert_eq!(rotated.ca_bundle(after), rotated.ca_cert_pem);
}

#[test]
fn the_served_certificate_says_when_it_ends_for_the_end_metric() {
    let first = fresh();
    let serving = first.serving();
    assert_eq!(serving.not_after().unwrap(), first.not_after);
    // A renewal 61 days on: the new leaf's end, read from the PEM, not from the annotation.
    let later = now() + days(61);
    let renewed = certs::issue(Plan::NewServing, later, Some(&first), &names()).unwrap();
    assert_eq!(
        renewed.serving().not_after().unwrap(),
        later + certs::SERVING_LIFETIME
    );
    let broken = certs::Serving {
        cert_pem: "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"
            .into(),
        key_pem: serving.key_pem,
    };
    let error = broken.not_after().unwrap_err().to_string();
    assert!(error.contains("serving certificate's end"), "{error}");
}

#[test]
fn the_secret_holds_the_bundle_and_an_empty_one_means_start_over() {
    let bundle = certs::issue(Plan::NewCa, now() + days(1), Some(&fresh()), &names()).unwrap();
    let secret = bundle.to_secret(SECRET, NAMESPACE);
    assert_eq!(secret.type_.as_deref(), Some("kubernetes.io/tls"));
    assert_eq!(Bundle::from_secret(&secret), Some(bundle));
    // The chart may create the Secret empty so RBAC can name it; that plans a new CA.
    let empty = Secret::default();
    assert_eq!(Bundle::from_secret(&empty), None);
}

// === The certificates at work ===

/// Certificates valid on the real clock, which a TLS handshake checks.
fn live() -> Bundle {
    certs::issue(Plan::NewCa, Timestamp::now(), None, &names()).expect("certificates")
}

/// The webhook server on a loopback port with `bundle`'s certificate and the `team-a` pool.
async fn serve(bundle: &Bundle) -> (std::net::SocketAddr, Arc<CertResolver>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let resolver = Arc::new(CertResolver::new(&bundle.serving()).unwrap());
    let acceptor = webhook_server::acceptor(resolver.clone()).unwrap();
    let pool = pool("team-a").build();
    let pools: BTreeMap<_, _> = [(("apps".to_string(), "team-a".to_string()), pool)].into();
    let config = WebhookConfig::new(settings(), Some("runner-system"));
    tokio::spawn(webhook_server::serve(
        listener,
        acceptor,
        Arc::new(pools),
        Arc::new(config),
    ));
    (addr, resolver)
}

/// POSTs `body` to `/mutate` as the API server would: TLS, trusting `ca_bundle` only, for
/// the Service's DNS name. Returns the HTTP status and the JSON body, or the TLS error.
async fn post(
    addr: std::net::SocketAddr,
    ca_bundle: &str,
    body: Vec<u8>,
) -> Result<(u16, serde_json::Value), String> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_bundle.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = ServerName::try_from(names()[2].clone()).unwrap();
    let tls = connector
        .connect(name, tcp)
        .await
        .map_err(|e| e.to_string())?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls))
            .await
            .unwrap();
    tokio::spawn(connection);
    let request = http::Request::post(webhook_server::PATH)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Ok((status, serde_json::from_slice(&bytes).unwrap()))
}

fn plain_review() -> Vec<u8> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/webhook/plain.json"
    );
    std::fs::read(path).unwrap()
}

#[tokio::test]
async fn the_api_server_reaches_the_webhook_over_tls_with_the_ca_bundle() {
    let bundle = live();
    let (addr, _) = serve(&bundle).await;
    let (status, review) = post(addr, &bundle.ca_bundle(Timestamp::now()), plain_review())
        .await
        .expect("TLS handshake");
    assert_eq!(status, 200);
    assert_eq!(review["kind"], "AdmissionReview");
    assert_eq!(review["response"]["allowed"], true);
    assert_eq!(review["response"]["patchType"], "JSONPatch");

    let (status, review) = post(addr, &bundle.ca_bundle(Timestamp::now()), b"{".to_vec())
        .await
        .unwrap();
    assert_eq!(status, 400);
    assert_eq!(review["response"]["allowed"], false);

    // A client that trusts another CA refuses the server.
    let stranger = live();
    let refused = post(addr, &stranger.ca_bundle(Timestamp::now()), plain_review()).await;
    assert!(refused.is_err(), "{refused:?}");
}

#[tokio::test]
async fn a_replica_still_serving_the_old_ca_is_trusted_after_rotation_and_reloads() {
    let first = live();
    let (addr, resolver) = serve(&first).await;
    // The rotation the CA's last year brings, made now: a handshake checks the real clock.
    let later = Timestamp::now();
    let rotated = certs::issue(Plan::NewCa, later, Some(&first), &names()).unwrap();
    // The caBundle the operator patches in trusts both CAs.
    let bundle = rotated.ca_bundle(later);
    assert!(post(addr, &bundle, plain_review()).await.is_ok());
    // After the replica's next check it serves the new certificate, which the new CA alone
    // trusts.
    resolver.set(&rotated.serving()).unwrap();
    assert!(
        post(addr, &rotated.ca_cert_pem, plain_review())
            .await
            .is_ok()
    );
    assert!(
        post(addr, &first.ca_cert_pem, plain_review())
            .await
            .is_err()
    );
}

// === One Secret, several replicas ===

/// The Secret in the in-memory API, as the replicas of one operator see it.
struct Store {
    api: FakeApi,
    secrets: Api<Secret>,
}

impl Store {
    fn new() -> Self {
        let api = FakeApi::start();
        let secrets = Api::namespaced(api.client(), NAMESPACE);
        Store { api, secrets }
    }

    /// A store holding `secret` (as the chart or cert-manager left it) under [`SECRET`].
    fn with(secret: serde_json::Value) -> Self {
        let store = Store::new();
        store.api.insert_raw(&format!("secrets/{SECRET}"), secret);
        store
    }

    /// One replica's check at `at`.
    async fn ensure(&self, at: Timestamp) -> Bundle {
        certs::ensure(&self.secrets, SECRET, NAMESPACE, &names(), at)
            .await
            .expect("certificates")
    }

    /// The requests made since the last call, each checked against the webhook's Role.
    fn requests(&self, certificates: CertSource) -> Vec<String> {
        let log = self.api.take_log();
        let role = rbac::webhook_role(NAMESPACE, &webhook_rbac(certificates));
        let rules = role.rules.unwrap();
        for entry in &log {
            let verb = match entry.split(' ').next().unwrap() {
                "GET" => "get",
                "PUT" => "update",
                _ => "create",
            };
            assert!(
                rbac::allows_named(&rules, "secrets", SECRET, verb),
                "{entry} is not allowed by the webhook Role ({certificates:?})"
            );
        }
        log
    }

    fn stored(&self) -> Secret {
        serde_json::from_value(self.api.get(&format!("secrets/{SECRET}")).unwrap()).unwrap()
    }

    fn bundle(&self) -> Bundle {
        Bundle::from_secret(&self.stored()).expect("a complete bundle")
    }
}

fn webhook_rbac(certificates: CertSource) -> rbac::Webhook {
    rbac::Webhook {
        secret: SECRET.into(),
        configuration: "runner-operator-webhook".into(),
        certificates,
    }
}

fn get() -> String {
    format!("GET secrets/{SECRET}")
}

fn put() -> String {
    format!("PUT secrets/{SECRET}")
}

/// The Secret the chart makes: `Opaque` and without data (a `kubernetes.io/tls` Secret must
/// hold `tls.crt`, which Helm would then reset on every upgrade), with Helm's metadata.
fn chart_secret() -> serde_json::Value {
    serde_json::json!({
        "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {
            "name": SECRET, "namespace": NAMESPACE,
            "labels": {"app.kubernetes.io/managed-by": "Helm"},
            "annotations": {"meta.helm.sh/release-name": "sandbox"},
        },
    })
}

#[tokio::test]
async fn the_chart_secret_is_filled_in_place_and_keeps_its_type_and_helm_metadata() {
    let store = Store::with(chart_secret());
    let made = store.ensure(now()).await;
    assert_eq!(store.requests(CertSource::Operator), [get(), put()]);
    assert_eq!(store.bundle(), made);
    let secret = store.stored();
    assert_eq!(secret.type_.as_deref(), Some("Opaque"));
    let labels = secret.metadata.labels.unwrap();
    assert_eq!(labels["app.kubernetes.io/managed-by"], "Helm");
    let annotations = secret.metadata.annotations.unwrap();
    assert_eq!(annotations["meta.helm.sh/release-name"], "sandbox");
    assert!(annotations.contains_key(certs::keys::CA_NOT_AFTER));

    // Read at the next check; replaced at the resourceVersion read once renewal is due.
    assert_eq!(store.ensure(now() + days(1)).await, made);
    assert_eq!(store.requests(CertSource::Operator), [get()]);
    let renewed = store.ensure(now() + days(61)).await;
    assert_eq!(renewed.ca_cert_pem, made.ca_cert_pem);
    assert_ne!(renewed.cert_pem, made.cert_pem);
    assert_eq!(store.requests(CertSource::Operator), [get(), put()]);
    assert_eq!(store.bundle(), renewed);
}

#[tokio::test]
async fn without_the_chart_the_operator_creates_a_tls_secret_which_its_role_does_not_allow() {
    let store = Store::new();
    let made = store.ensure(now()).await;
    assert_eq!(store.api.take_log(), [get(), "POST secrets".to_string()]);
    assert_eq!(store.bundle(), made);
    assert_eq!(store.stored().type_.as_deref(), Some("kubernetes.io/tls"));
    // `create` cannot be limited by name, so the Role leaves it out: without the chart, make
    // the Secret first (docs/sidecar.md) or grant it.
    let role = rbac::webhook_role(NAMESPACE, &webhook_rbac(CertSource::Operator));
    assert!(!rbac::allows(&role.rules.unwrap(), "secrets", "create"));
}

#[tokio::test]
async fn a_replica_that_loses_the_write_race_reads_again() {
    let store = Store::with(chart_secret());
    store.ensure(now()).await;
    store.api.take_log();
    // Someone wrote between this replica's read and its write.
    store.api.fail_once(&put(), 409);
    let renewed = store.ensure(now() + days(61)).await;
    assert_eq!(
        store.requests(CertSource::Operator),
        [get(), put(), get(), put()]
    );
    assert_eq!(store.bundle(), renewed);
}

#[tokio::test]
async fn two_replicas_starting_together_serve_the_same_certificates() {
    let store = Store::with(chart_secret());
    let (a, b) = tokio::join!(store.ensure(now()), store.ensure(now()));
    assert_eq!(a, b);
    assert_eq!(store.bundle(), a);
}

// === cert-manager makes them ===

#[tokio::test]
async fn with_external_certificates_the_secret_is_only_read() {
    // Not issued yet: a clear error, which `start` retries for a while.
    let store = Store::new();
    let error = certs::read_external(&store.secrets, SECRET)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains(SECRET) && error.contains("cert-manager"),
        "{error}"
    );
    assert_eq!(store.requests(CertSource::External), [get()]);

    // As cert-manager writes it: tls.crt, tls.key, ca.crt.
    let issued = live();
    let mut secret = issued.to_secret(SECRET, NAMESPACE);
    secret.metadata.annotations = None;
    let store = Store::with(serde_json::to_value(&secret).unwrap());
    let serving = certs::read_external(&store.secrets, SECRET).await.unwrap();
    assert_eq!(serving, issued.serving());
    assert_eq!(store.requests(CertSource::External), [get()]);
    // The read-only Role has `get` and nothing else; no ClusterRole for the configuration.
    let rules = rbac::webhook_role(NAMESPACE, &webhook_rbac(CertSource::External))
        .rules
        .unwrap();
    assert!(!rbac::allows(&rules, "secrets", "update"));
    assert!(rbac::webhook_cluster_role(&webhook_rbac(CertSource::External)).is_none());

    // The certificate serves the webhook as the operator's own does.
    let (addr, _) = serve(&issued).await;
    let (status, _) = post(addr, &issued.ca_cert_pem, plain_review())
        .await
        .expect("TLS handshake");
    assert_eq!(status, 200);
}
