//! What serves and scales the runners: the Deployment or DaemonSet, the Service, the
//! PodDisruptionBudget and the HorizontalPodAutoscaler.

use k8s_openapi::api::apps::v1::{DaemonSet, DaemonSetSpec, Deployment, DeploymentSpec};
use k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec,
    MetricIdentifier, MetricSpec, MetricTarget, PodsMetricSource, ResourceMetricSource,
};
use k8s_openapi::api::core::v1::{PodTemplateSpec, Service, ServicePort, ServiceSpec};
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use runner_api::pool::{PoolMode, PythonSandboxPoolSpec};

use super::{Meta, Workload, layout, selector_labels, wanted_replicas};

/// The Deployment (mode `Deployment`) or DaemonSet (mode `PerNode`) running `template`.
pub(super) fn workload(
    meta: &Meta<'_>,
    spec: &PythonSandboxPoolSpec,
    template: PodTemplateSpec,
    selector: &LabelSelector,
) -> Workload {
    let name = meta.name;
    match spec.mode {
        PoolMode::Deployment => Workload::Deployment(Box::new(Deployment {
            metadata: meta.object(name),
            spec: Some(DeploymentSpec {
                // With autoscaling the HPA owns the count: leaving it out of the applied object
                // releases the field, so the operator never fights the autoscaler.
                replicas: if spec.autoscaling.is_some() {
                    None
                } else {
                    wanted_replicas(spec)
                },
                selector: selector.clone(),
                template,
                ..DeploymentSpec::default()
            }),
            status: None,
        })),
        PoolMode::PerNode => Workload::DaemonSet(Box::new(DaemonSet {
            metadata: meta.object(name),
            spec: Some(DaemonSetSpec {
                selector: selector.clone(),
                template,
                ..DaemonSetSpec::default()
            }),
            status: None,
        })),
    }
}

/// The Service in front of the runners; with PerNode, each caller reaches its own node's.
pub(super) fn service(meta: &Meta<'_>, spec: &PythonSandboxPoolSpec) -> Service {
    let name = meta.name;
    Service {
        metadata: meta.object(name),
        spec: Some(ServiceSpec {
            selector: Some(selector_labels(name)),
            ports: Some(vec![ServicePort {
                name: Some("http".into()),
                port: layout::HTTP_PORT,
                target_port: Some(IntOrString::String("http".into())),
                protocol: Some("TCP".into()),
                ..ServicePort::default()
            }]),
            // PerNode: a caller reaches the runner on its own node, never crossing nodes.
            internal_traffic_policy: (spec.mode == PoolMode::PerNode).then(|| "Local".into()),
            ..ServiceSpec::default()
        }),
        status: None,
    }
}

/// A PodDisruptionBudget when the pool wants more than one replica.
pub(super) fn pdb(
    meta: &Meta<'_>,
    spec: &PythonSandboxPoolSpec,
    selector: &LabelSelector,
) -> Option<PodDisruptionBudget> {
    let name = meta.name;
    match wanted_replicas(spec) {
        Some(replicas) if replicas > 1 => Some(PodDisruptionBudget {
            metadata: meta.object(name),
            spec: Some(PodDisruptionBudgetSpec {
                max_unavailable: Some(IntOrString::Int(1)),
                selector: Some(selector.clone()),
                // A pod that is not ready serves nobody; letting it go keeps drains moving.
                unhealthy_pod_eviction_policy: Some("AlwaysAllow".into()),
                ..PodDisruptionBudgetSpec::default()
            }),
            status: None,
        }),
        _ => None,
    }
}

/// The HorizontalPodAutoscaler of a pool with `autoscaling`.
pub(super) fn hpa(
    meta: &Meta<'_>,
    spec: &PythonSandboxPoolSpec,
) -> Option<HorizontalPodAutoscaler> {
    let name = meta.name;
    spec.autoscaling.as_ref().map(|a| {
        let mut metrics = vec![MetricSpec {
            type_: "Resource".into(),
            resource: Some(ResourceMetricSource {
                name: "cpu".into(),
                target: MetricTarget {
                    type_: "Utilization".into(),
                    average_utilization: Some(a.target_cpu_utilization_percent),
                    ..MetricTarget::default()
                },
            }),
            ..MetricSpec::default()
        }];
        if let Some(runs) = a.target_runs_in_flight {
            metrics.push(MetricSpec {
                type_: "Pods".into(),
                pods: Some(PodsMetricSource {
                    metric: MetricIdentifier {
                        name: "runner_runs_in_flight".into(),
                        selector: None,
                    },
                    target: MetricTarget {
                        type_: "AverageValue".into(),
                        average_value: Some(Quantity(runs.to_string())),
                        ..MetricTarget::default()
                    },
                }),
                ..MetricSpec::default()
            });
        }
        HorizontalPodAutoscaler {
            metadata: meta.object(name),
            spec: Some(HorizontalPodAutoscalerSpec {
                scale_target_ref: CrossVersionObjectReference {
                    api_version: Some("apps/v1".into()),
                    kind: "Deployment".into(),
                    name: name.to_string(),
                },
                min_replicas: Some(a.min_replicas),
                max_replicas: a.max_replicas,
                metrics: Some(metrics),
                behavior: None,
            }),
            status: None,
        }
    })
}
