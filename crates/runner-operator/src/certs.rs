//! The webhook's certificates, made and rotated by the operator itself and kept in ONE Secret
//! in its namespace.
//!
//! ```text
//!  every replica, at start and then hourly:
//!    GET Secret ──▶ plan(now, what it holds) ──Keep──▶ serve its tls.crt, patch caBundle
//!                        │ NewServing / NewCa
//!                        ▼
//!                  issue() ──▶ create (404 before) / replace at the read resourceVersion
//!                                 └── 409: another replica won ──▶ GET again, use its certs
//! ```
//!
//! The CA lives five years and is replaced a year before it ends; the serving certificate
//! lives 90 days and is replaced 30 days before it ends (or as soon as the Service's DNS names
//! change). A replaced CA stays in `ca-previous.crt`, and in the caBundle while it is valid, so
//! a replica still serving a certificate of the old CA is trusted until it reloads. Both
//! replicas may race to write the Secret: writes carry the `resourceVersion` they read, so one
//! wins and the other adopts its certificates.
//!
//! Over 400 lines: one lifecycle (make, check, rotate, store) of two certificates, easier to
//! review whole.

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use kube::Api;
use kube::api::PostParams;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use std::collections::BTreeMap;

use crate::{Error, Result};

/// How long a CA is valid.
pub const CA_LIFETIME: SignedDuration = SignedDuration::from_hours(5 * 365 * 24);
/// A CA with less than this left is replaced (its serving certificates live 90 days at most).
pub const CA_RENEW_BEFORE: SignedDuration = SignedDuration::from_hours(365 * 24);
/// How long a serving certificate is valid.
pub const SERVING_LIFETIME: SignedDuration = SignedDuration::from_hours(90 * 24);
/// A serving certificate with less than this left is replaced.
pub const SERVING_RENEW_BEFORE: SignedDuration = SignedDuration::from_hours(30 * 24);
/// Certificates start this long before they are made, for clocks a little behind.
const BACKDATE: SignedDuration = SignedDuration::from_mins(5);
/// Common name of the CA; a replacement CA has the same one.
const CA_NAME: &str = "runner-operator webhook CA";

/// Who makes the webhook's certificates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum CertSource {
    /// The operator: it makes and renews its own CA and serving certificate in the Secret
    /// ([`ensure`]) and keeps the webhook configuration's `caBundle` current. Needs `get` and
    /// `update` on the Secret and `get`/`patch` on the MutatingWebhookConfiguration.
    #[default]
    Operator,
    /// Someone else (cert-manager) writes `tls.crt` and `tls.key` into the Secret and the
    /// `caBundle` (cert-manager's CA injector). The operator only reads the Secret: `get`, and
    /// nothing on the webhook configuration.
    External,
}

/// A serving certificate and its key, as the TLS server loads them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Serving {
    /// Certificate chain (PEM), leaf first.
    pub cert_pem: String,
    /// Private key (PEM).
    pub key_pem: String,
}

impl Serving {
    /// `tls.crt` and `tls.key` of `secret`, as cert-manager (or any `kubernetes.io/tls`
    /// writer) stores them; `None` while either is missing or empty (not issued yet).
    pub fn from_secret(secret: &Secret) -> Option<Serving> {
        let text = |key| text(secret, key);
        Some(Serving {
            cert_pem: text(keys::TLS_CRT)?,
            key_pem: text(keys::TLS_KEY)?,
        })
    }

    /// When the leaf certificate (the first of the chain) ends, read from the certificate
    /// itself: the same for the operator's certificates and cert-manager's.
    pub fn not_after(&self) -> Result<Timestamp> {
        let invalid = |e: &dyn std::fmt::Display| {
            Error::Certificate(format!("reading the serving certificate's end: {e}"))
        };
        let (_, pem) =
            x509_parser::pem::parse_x509_pem(self.cert_pem.as_bytes()).map_err(|e| invalid(&e))?;
        let cert = pem.parse_x509().map_err(|e| invalid(&e))?;
        Timestamp::from_second(cert.validity().not_after.timestamp()).map_err(|e| invalid(&e))
    }
}

/// Keys of the Secret (type `kubernetes.io/tls` when the operator creates it).
pub mod keys {
    /// The serving certificate (PEM).
    pub const TLS_CRT: &str = "tls.crt";
    /// The serving key (PKCS#8 PEM).
    pub const TLS_KEY: &str = "tls.key";
    /// The CA certificate (PEM).
    pub const CA_CRT: &str = "ca.crt";
    /// The CA key (PKCS#8 PEM).
    pub const CA_KEY: &str = "ca.key";
    /// The CA replaced last (PEM), trusted until it ends.
    pub const CA_PREVIOUS_CRT: &str = "ca-previous.crt";
    /// Annotation: when the CA ends (RFC 3339).
    pub const CA_NOT_AFTER: &str = "sandbox.runner.dev/ca-not-after";
    /// Annotation: when the previous CA ends (RFC 3339).
    pub const CA_PREVIOUS_NOT_AFTER: &str = "sandbox.runner.dev/ca-previous-not-after";
    /// Annotation: when the serving certificate ends (RFC 3339).
    pub const SERVING_NOT_AFTER: &str = "sandbox.runner.dev/serving-not-after";
    /// Annotation: the DNS names of the serving certificate, comma-separated.
    pub const SERVING_NAMES: &str = "sandbox.runner.dev/serving-names";
}

/// The DNS names the API server may use for the webhook Service `service` in `namespace`.
pub fn dns_names(service: &str, namespace: &str) -> Vec<String> {
    vec![
        service.to_string(),
        format!("{service}.{namespace}"),
        format!("{service}.{namespace}.svc"),
        format!("{service}.{namespace}.svc.cluster.local"),
    ]
}

/// A CA certificate kept for trust after it was replaced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreviousCa {
    /// Its certificate (PEM).
    pub cert_pem: String,
    /// When it ends.
    pub not_after: Timestamp,
}

/// What the Secret holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bundle {
    /// CA certificate (PEM).
    pub ca_cert_pem: String,
    /// CA key (PKCS#8 PEM).
    pub ca_key_pem: String,
    /// When the CA ends.
    pub ca_not_after: Timestamp,
    /// The CA before this one, while it may still sign a served certificate.
    pub previous_ca: Option<PreviousCa>,
    /// Serving certificate (PEM).
    pub cert_pem: String,
    /// Serving key (PKCS#8 PEM).
    pub key_pem: String,
    /// When the serving certificate ends.
    pub not_after: Timestamp,
    /// DNS names of the serving certificate.
    pub dns_names: Vec<String>,
}

/// What to do with the Secret's certificates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    /// They are good for a while yet.
    Keep,
    /// A new serving certificate from the same CA.
    NewServing,
    /// A new CA (the old one kept as previous) and a new serving certificate.
    NewCa,
}

/// What to do at `now` with `current` (`None`: no Secret, or one that holds no usable
/// certificates) for a webhook reached by `dns_names`.
pub fn plan(now: Timestamp, current: Option<&Bundle>, dns_names: &[String]) -> Plan {
    let Some(current) = current else {
        return Plan::NewCa;
    };
    if current.ca_not_after.duration_since(now) < CA_RENEW_BEFORE {
        Plan::NewCa
    } else if current.not_after.duration_since(now) < SERVING_RENEW_BEFORE
        || current.dns_names != dns_names
    {
        Plan::NewServing
    } else {
        Plan::Keep
    }
}

/// Makes the certificates `plan` asks for at `now`, keeping from `current` what it does not
/// replace. `Plan::Keep` with a current bundle returns it unchanged.
pub fn issue(
    plan: Plan,
    now: Timestamp,
    current: Option<&Bundle>,
    dns_names: &[String],
) -> Result<Bundle> {
    let (ca_cert_pem, ca_key_pem, ca_not_after, previous_ca) = match (plan, current) {
        (Plan::Keep, Some(current)) => return Ok(current.clone()),
        (Plan::NewServing, Some(current)) => (
            current.ca_cert_pem.clone(),
            current.ca_key_pem.clone(),
            current.ca_not_after,
            current.previous_ca.clone(),
        ),
        (_, current) => {
            let key = KeyPair::generate().map_err(cert_error("generating the CA key"))?;
            let not_after = now + CA_LIFETIME;
            let cert = ca_params(now, not_after)?
                .self_signed(&key)
                .map_err(cert_error("signing the CA"))?;
            let previous = current.map(|c| PreviousCa {
                cert_pem: c.ca_cert_pem.clone(),
                not_after: c.ca_not_after,
            });
            (cert.pem(), key.serialize_pem(), not_after, previous)
        }
    };

    let ca_key = KeyPair::from_pem(&ca_key_pem).map_err(cert_error("reading the CA key"))?;
    // The issuer needs the CA's name and key, both kept, not its validity.
    let ca_params = ca_params(now, ca_not_after)?;
    let issuer = Issuer::from_params(&ca_params, &ca_key);
    let key = KeyPair::generate().map_err(cert_error("generating the serving key"))?;
    // Never outlive the CA that signs it.
    let not_after = (now + SERVING_LIFETIME).min(ca_not_after);
    let mut params = CertificateParams::new(dns_names.to_vec())
        .map_err(cert_error("the webhook's DNS names"))?;
    params.distinguished_name = name(dns_names.first().map_or("runner-operator", |n| n));
    params.not_before = offset(now - BACKDATE)?;
    params.not_after = offset(not_after)?;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    let cert = params
        .signed_by(&key, &issuer)
        .map_err(cert_error("signing the serving certificate"))?;

    Ok(Bundle {
        ca_cert_pem,
        ca_key_pem,
        ca_not_after,
        previous_ca,
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
        not_after,
        dns_names: dns_names.to_vec(),
    })
}

impl Bundle {
    /// The serving certificate and key.
    pub fn serving(&self) -> Serving {
        Serving {
            cert_pem: self.cert_pem.clone(),
            key_pem: self.key_pem.clone(),
        }
    }

    /// The CAs the API server should trust at `now`, as the webhook's `caBundle` (PEM): the
    /// current one, and the previous one while it is valid.
    pub fn ca_bundle(&self, now: Timestamp) -> String {
        let mut bundle = self.ca_cert_pem.clone();
        if let Some(previous) = self.previous_ca.as_ref().filter(|p| p.not_after > now) {
            bundle.push_str(&previous.cert_pem);
        }
        bundle
    }

    /// The bundle as the Secret `name` in `namespace`.
    pub fn to_secret(&self, name: &str, namespace: &str) -> Secret {
        let mut data = BTreeMap::from([
            (keys::TLS_CRT, &self.cert_pem),
            (keys::TLS_KEY, &self.key_pem),
            (keys::CA_CRT, &self.ca_cert_pem),
            (keys::CA_KEY, &self.ca_key_pem),
        ]);
        let mut annotations = BTreeMap::from([
            (keys::CA_NOT_AFTER, self.ca_not_after.to_string()),
            (keys::SERVING_NOT_AFTER, self.not_after.to_string()),
            (keys::SERVING_NAMES, self.dns_names.join(",")),
        ]);
        if let Some(previous) = &self.previous_ca {
            data.insert(keys::CA_PREVIOUS_CRT, &previous.cert_pem);
            annotations.insert(keys::CA_PREVIOUS_NOT_AFTER, previous.not_after.to_string());
        }
        Secret {
            metadata: ObjectMeta {
                name: Some(name.into()),
                namespace: Some(namespace.into()),
                annotations: Some(
                    annotations
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect(),
                ),
                labels: Some(BTreeMap::from([(
                    crate::resources::labels::MANAGED_BY.to_string(),
                    crate::FIELD_MANAGER.to_string(),
                )])),
                ..ObjectMeta::default()
            },
            type_: Some("kubernetes.io/tls".into()),
            data: Some(
                data.into_iter()
                    .map(|(k, v)| (k.to_string(), ByteString(v.clone().into_bytes())))
                    .collect(),
            ),
            ..Secret::default()
        }
    }

    /// The bundle the Secret holds; `None` when any part is missing or unreadable (an empty
    /// Secret made by the chart, a hand edit): the plan is then a new CA.
    pub fn from_secret(secret: &Secret) -> Option<Bundle> {
        let text = |key| text(secret, key);
        let annotations = secret.metadata.annotations.as_ref()?;
        let time = |key: &str| annotations.get(key)?.parse::<Timestamp>().ok();
        let previous_ca = match (
            text(keys::CA_PREVIOUS_CRT),
            time(keys::CA_PREVIOUS_NOT_AFTER),
        ) {
            (Some(cert_pem), Some(not_after)) => Some(PreviousCa {
                cert_pem,
                not_after,
            }),
            _ => None,
        };
        Some(Bundle {
            ca_cert_pem: text(keys::CA_CRT)?,
            ca_key_pem: text(keys::CA_KEY)?,
            ca_not_after: time(keys::CA_NOT_AFTER)?,
            previous_ca,
            cert_pem: text(keys::TLS_CRT)?,
            key_pem: text(keys::TLS_KEY)?,
            not_after: time(keys::SERVING_NOT_AFTER)?,
            dns_names: annotations
                .get(keys::SERVING_NAMES)?
                .split(',')
                .map(str::to_string)
                .collect(),
        })
    }
}

/// How many times [`ensure`] re-reads after losing a write race before it gives up.
const WRITE_ATTEMPTS: usize = 5;

/// Reads the Secret `name`, replaces what [`plan`] says is due, and returns the certificates
/// it then holds. Safe with several replicas: a write that loses the race (409) re-reads and
/// adopts the winner's certificates.
pub async fn ensure(
    secrets: &Api<Secret>,
    name: &str,
    namespace: &str,
    dns_names: &[String],
    now: Timestamp,
) -> Result<Bundle> {
    for _ in 0..WRITE_ATTEMPTS {
        let existing = secrets
            .get_opt(name)
            .await
            .map_err(Error::kube(format!("get Secret {name}")))?;
        let current = existing.as_ref().and_then(Bundle::from_secret);
        let plan = plan(now, current.as_ref(), dns_names);
        if let (Plan::Keep, Some(current)) = (plan, &current) {
            return Ok(current.clone());
        }
        let next = issue(plan, now, current.as_ref(), dns_names)?;
        let mut secret = next.to_secret(name, namespace);
        let written = match existing {
            None => secrets.create(&PostParams::default(), &secret).await,
            Some(existing) => {
                // Optimistic concurrency: the write fails if anyone wrote since the read.
                secret.metadata.resource_version = existing.metadata.resource_version.clone();
                keep_foreign_metadata(&mut secret, existing);
                secrets.replace(name, &PostParams::default(), &secret).await
            }
        };
        match written {
            Ok(_) => {
                tracing::info!(secret = name, ?plan, not_after = %next.not_after, "webhook certificates written");
                return Ok(next);
            }
            Err(kube::Error::Api(status)) if status.code == 409 => {
                tracing::debug!(
                    secret = name,
                    "another replica wrote the certificates first"
                );
            }
            Err(e) => return Err(Error::kube(format!("write Secret {name}"))(e)),
        }
    }
    Err(Error::Certificate(format!(
        "Secret {name} kept changing under {WRITE_ATTEMPTS} writes in a row"
    )))
}

/// The text under `key` in `secret`'s data; `None` when missing, not UTF-8, or blank.
fn text(secret: &Secret, key: &str) -> Option<String> {
    let bytes = secret.data.as_ref()?.get(key)?;
    String::from_utf8(bytes.0.clone())
        .ok()
        .filter(|s| !s.trim().is_empty())
}

/// A replace must not drop what others put on the Secret: the chart's labels (its
/// `managed-by` too: the chart made the Secret) and Helm's ownership annotations stay, the
/// operator's own annotations are updated, and the type stays, as the API server never lets
/// it change (the chart makes the Secret `Opaque`).
fn keep_foreign_metadata(secret: &mut Secret, existing: Secret) {
    let meta = &mut secret.metadata;
    let mut labels = meta.labels.take().unwrap_or_default();
    labels.extend(existing.metadata.labels.unwrap_or_default());
    meta.labels = Some(labels);
    let mut annotations = existing.metadata.annotations.unwrap_or_default();
    annotations.extend(meta.annotations.take().unwrap_or_default());
    meta.annotations = Some(annotations);
    if existing.type_.is_some() {
        secret.type_ = existing.type_;
    }
}

/// Reads the serving certificate someone else keeps in the Secret `name` ([`CertSource::External`]).
/// Never writes. Fails while the Secret is missing or holds no `tls.crt`/`tls.key` yet.
pub async fn read_external(secrets: &Api<Secret>, name: &str) -> Result<Serving> {
    let secret = secrets
        .get_opt(name)
        .await
        .map_err(Error::kube(format!("get Secret {name}")))?;
    secret
        .as_ref()
        .and_then(Serving::from_secret)
        .ok_or_else(|| {
            Error::Certificate(format!(
                "Secret {name} holds no tls.crt and tls.key yet (is cert-manager installed and its \
             Certificate Ready?)"
            ))
        })
}

fn ca_params(now: Timestamp, not_after: Timestamp) -> Result<CertificateParams> {
    let mut params = CertificateParams::default();
    params.distinguished_name = name(CA_NAME);
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before = offset(now - BACKDATE)?;
    params.not_after = offset(not_after)?;
    Ok(params)
}

fn name(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    name
}

fn offset(at: Timestamp) -> Result<time::OffsetDateTime> {
    time::OffsetDateTime::from_unix_timestamp(at.as_second())
        .map_err(|e| Error::Certificate(format!("time {at} out of range: {e}")))
}

fn cert_error(what: &'static str) -> impl FnOnce(rcgen::Error) -> Error {
    move |e| Error::Certificate(format!("{what}: {e}"))
}
