//! Who may reach the runners, and that they reach nothing (but a trace collector, when the
//! pool traces).

use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer,
    NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use runner_api::pool::{CallerRule, Collector, PythonSandboxPoolSpec, Tracing};

use super::{Meta, layout};

/// The pool's NetworkPolicy: callers and monitoring in, nothing out but traces.
pub(super) fn policy(
    meta: &Meta<'_>,
    spec: &PythonSandboxPoolSpec,
    collector: Option<(&Tracing, Collector)>,
    pod_selector: LabelSelector,
) -> NetworkPolicy {
    let port = |port: i32, protocol: &str| NetworkPolicyPort {
        port: Some(IntOrString::Int(port)),
        protocol: Some(protocol.into()),
        end_port: None,
    };
    let tcp = |number: i32| port(number, "TCP");
    let peers = |rules: &[CallerRule]| -> Vec<NetworkPolicyPeer> {
        rules
            .iter()
            .map(|r| NetworkPolicyPeer {
                namespace_selector: r.namespace_selector.clone(),
                pod_selector: r.pod_selector.clone(),
                ip_block: None,
            })
            .collect()
    };
    let callers = if spec.allowed_callers.is_empty() {
        // Secure default: the pool's own namespace only (an empty pod selector with no
        // namespace selector means "every pod of this namespace").
        vec![NetworkPolicyPeer {
            pod_selector: Some(LabelSelector::default()),
            ..NetworkPolicyPeer::default()
        }]
    } else {
        peers(&spec.allowed_callers)
    };
    let mut ingress = vec![NetworkPolicyIngressRule {
        from: Some(callers),
        ports: Some(vec![tcp(layout::HTTP_PORT)]),
    }];
    if !spec.monitoring.is_empty() {
        ingress.push(NetworkPolicyIngressRule {
            from: Some(peers(&spec.monitoring)),
            ports: Some(vec![tcp(layout::ADMIN_PORT)]),
        });
    }
    // Without tracing, egress is listed with no rules: the runners reach nothing, not even
    // DNS. With it, the collector's port (at its peers, when named) and, for a host name, DNS.
    let mut egress = Vec::new();
    if let Some((tracing, collector)) = collector {
        if collector.needs_dns {
            egress.push(NetworkPolicyEgressRule {
                ports: Some(vec![port(53, "UDP"), port(53, "TCP")]),
                to: None,
            });
        }
        egress.push(NetworkPolicyEgressRule {
            ports: Some(vec![tcp(i32::from(collector.port))]),
            to: (!tracing.collector_peers.is_empty()).then(|| tracing.collector_peers.clone()),
        });
    }
    NetworkPolicy {
        metadata: meta.object(meta.name),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(pod_selector),
            policy_types: Some(vec!["Ingress".into(), "Egress".into()]),
            ingress: Some(ingress),
            egress: Some(egress),
        }),
    }
}
