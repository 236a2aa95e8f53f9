{{/*
The chart name, or nameOverride. Cut to 63 characters: Kubernetes names and label values
allow no more.
*/}}
{{- define "python-sandbox.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The prefix of every object name: fullnameOverride, else the release name followed by the chart
name unless the release name already holds it.
*/}}
{{- define "python-sandbox.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Labels on every object of the release.
*/}}
{{- define "python-sandbox.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "python-sandbox.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Labels that select the operator pods (the Deployment's immutable selector: never add to it).
*/}}
{{- define "python-sandbox.operatorSelectorLabels" -}}
app.kubernetes.io/name: {{ include "python-sandbox.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{/*
Labels of the operator's objects: the release labels plus the component.
*/}}
{{- define "python-sandbox.operatorLabels" -}}
{{ include "python-sandbox.labels" . }}
app.kubernetes.io/component: operator
{{- end }}

{{/*
Labels of the pods `helm test` starts (templates/tests), which the operator's NetworkPolicy
admits to its admin port.
*/}}
{{- define "python-sandbox.testSelectorLabels" -}}
app.kubernetes.io/name: {{ include "python-sandbox.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: test
{{- end }}

{{/*
Name of the operator's ServiceAccount.
*/}}
{{- define "python-sandbox.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "python-sandbox.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name must name an existing ServiceAccount when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
An image reference from {repository, tag, digest}: the digest pins it when set, else the tag,
else the chart's appVersion. Call with (dict "image" .Values.x.image "context" $).
*/}}
{{- define "python-sandbox.image" -}}
{{- if .image.digest }}
{{- printf "%s@%s" .image.repository .image.digest }}
{{- else }}
{{- printf "%s:%s" .image.repository (default (printf "%s%s" .context.Chart.AppVersion (.tagSuffix | default "")) .image.tag) }}
{{- end }}
{{- end }}

{{/*
Namespace of the default pool.
*/}}
{{- define "python-sandbox.defaultPoolNamespace" -}}
{{- default .Release.Namespace .Values.defaultPool.namespace }}
{{- end }}

{{/*
Name of the operator's leader-election Lease, which its Role names (resourceNames).
*/}}
{{- define "python-sandbox.leaseName" -}}
{{- include "python-sandbox.fullname" . }}
{{- end }}

{{/*
Labels of the webhook's objects: the release labels plus the component (not the operator's,
so the ServiceMonitor's selector never picks the webhook Service).
*/}}
{{- define "python-sandbox.webhookLabels" -}}
{{ include "python-sandbox.labels" . }}
app.kubernetes.io/component: webhook
{{- end }}

{{/*
Name of the webhook's Service, MutatingWebhookConfiguration, RBAC and cert-manager Certificate.
*/}}
{{- define "python-sandbox.webhookName" -}}
{{- include "python-sandbox.suffixedName" (list . "webhook") }}
{{- end }}

{{/*
Name of the Secret holding the webhook's serving certificate: made empty by the chart and
filled by the operator, or made by cert-manager.
*/}}
{{- define "python-sandbox.webhookSecretName" -}}
{{- include "python-sandbox.suffixedName" (list . "webhook-tls") }}
{{- end }}

{{/*
Namespaces whose pods the webhook never sees: the system ones, the release's own, and
webhook.excludeNamespaces. The operator is told the extra ones too (it excludes the system
ones and its own itself). A list, as JSON.
*/}}
{{- define "python-sandbox.webhookExcluded" -}}
{{- $system := list "kube-system" "kube-public" "kube-node-lease" .Release.Namespace }}
{{- concat $system .Values.webhook.excludeNamespaces | uniq | toJson }}
{{- end }}

{{/*
Settings that contradict each other fail the render with a message saying what to change.
*/}}
{{- define "python-sandbox.validate" -}}
{{- $watch := .Values.operator.watchNamespace }}
{{- $webhook := .Values.webhook }}
{{- if and $webhook.certManager.enabled (not $webhook.enabled) }}
{{- fail "webhook.certManager.enabled makes the certificate of a webhook that webhook.enabled=false turns off: turn both on, or both off." }}
{{- end }}
{{- if and $webhook.certManager.issuerRef (not $webhook.certManager.enabled) }}
{{- fail "webhook.certManager.issuerRef is set but webhook.certManager.enabled is false: nothing would use that issuer. Turn cert-manager on or clear the issuerRef." }}
{{- end }}
{{- if and $webhook.enabled $watch (has $watch (include "python-sandbox.webhookExcluded" . | fromJsonArray)) }}
{{- fail (printf "webhook.enabled would inject no pod: the operator watches only %s, which the webhook never touches (the release namespace, a system one, or in webhook.excludeNamespaces). Watch another namespace, or set webhook.enabled=false." $watch) }}
{{- end }}
{{- if and .Values.metrics.serviceMonitor.enabled .Values.operator.networkPolicy.enabled (not .Values.operator.networkPolicy.metricsFrom) }}
{{- fail "metrics.serviceMonitor.enabled, but the operator's NetworkPolicy admits no scraper: set operator.networkPolicy.metricsFrom to Prometheus' peers (such as a namespaceSelector of its namespace), or set operator.networkPolicy.enabled=false." }}
{{- end }}
{{- if and .Values.defaultPool.enabled $watch (ne $watch (include "python-sandbox.defaultPoolNamespace" .)) }}
{{- fail (printf "defaultPool.namespace (%s) is not watched: the operator watches only operator.watchNamespace (%s). Put the pool there or clear operator.watchNamespace." (include "python-sandbox.defaultPoolNamespace" .) $watch) }}
{{- end }}
{{- end }}

{{/*
The full name with a suffix, the full name cut so the whole stays within 63 characters. Call
with (list $ "lease").
*/}}
{{- define "python-sandbox.suffixedName" -}}
{{- $suffix := index . 1 }}
{{- printf "%s-%s" (include "python-sandbox.fullname" (index . 0) | trunc (int (sub 62 (len $suffix))) | trimSuffix "-") $suffix }}
{{- end }}

{{/*
The TCP port of operator.tracing.otlpEndpoint: the one in the URL, else the scheme's default
(80 for http, 443 for https), for the operator's egress rule to its collector.
*/}}
{{- define "python-sandbox.otlpPort" -}}
{{- $url := urlParse .Values.operator.tracing.otlpEndpoint -}}
{{- $hostPort := splitList ":" $url.host -}}
{{- if eq (len $hostPort) 2 -}}
{{ index $hostPort 1 }}
{{- else if eq $url.scheme "https" -}}
443
{{- else -}}
80
{{- end -}}
{{- end }}
