// Renders every overlay of deploy/kustomize with `kubectl kustomize` and
// checks each object (1) against the Kubernetes schemas (kubernetes-models;
// a strict schema in schemas/ for the one custom resource) and (2) against
// Parley's deployment rules (docs/DEPLOY.md): probes, drain timing,
// hardening, resources, pinned images, secrets by reference, workload
// identity, network policy, SSE-friendly ingress. Then it breaks a copy of
// the production objects one rule at a time and requires each break to be
// reported, so a rule that silently stopped checking fails the test.
//
//   node validate.mjs [--root <repo>] [--kubectl <path>]
// Exit 0 when everything holds; the problems are printed one per line.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const root = option('--root', path.resolve(here, '../..'));
const kubectl = option('--kubectl', 'kubectl');
const overlaysDir = path.join(root, 'deploy/kustomize/overlays');

// The server's drain: SIGTERM -> at most this long until exit (src/http/server.hpp).
const SHUTDOWN_GRACE_S = 25;
const REQUIRED_ENV = [
  'DATABASE_URL', 'AUTH_SECRET', 'AUTH_URL', 'AUTH_MICROSOFT_ENTRA_ID_ID',
  'AUTH_MICROSOFT_ENTRA_ID_ISSUER', 'AZURE_OPENAI_ENDPOINT', 'AZURE_OPENAI_DEPLOYMENT',
];
const SECRET_NAME = /SECRET|PASSWORD|API_KEY|TOKEN|DATABASE_URL|CONNECTION_STRING/;  // (a *_FILE variable names a path, not a secret)
const EGRESS_PORTS = new Set([53, 5432, 443]);

// ---------------------------------------------------------------- schemas

const crdSchemas = {
  'secrets-store.csi.x-k8s.io/v1/SecretProviderClass': 'secretproviderclass-v1.json',
};
const ajv = new Ajv({ allErrors: true, strict: true });
const crdValidators = Object.fromEntries(
  Object.entries(crdSchemas).map(([k, file]) => [
    k,
    ajv.compile(JSON.parse(readFileSync(path.join(here, 'schemas', file), 'utf8'))),
  ]),
);

async function schemaProblems(obj) {
  const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : [null, obj.apiVersion];
  const crd = crdValidators[`${obj.apiVersion}/${obj.kind}`];
  if (crd) {
    return crd(obj) ? [] : crd.errors.map((e) => `schema: ${e.instancePath || '/'} ${e.message}`);
  }
  let mod;
  try {
    mod = await import(`kubernetes-models/${group ? group + '/' : ''}${version}/${obj.kind}`);
  } catch {
    return [`schema: no schema for ${obj.apiVersion} ${obj.kind}`];
  }
  const Model = mod[obj.kind] ?? mod.default;
  try {
    new Model(structuredClone(obj)).validate();
    return [];
  } catch (e) {
    return [`schema: ${String(e.message).split('\n').slice(0, 5).join('; ')}`];
  }
}

// The JSON schemas in kubernetes-models allow fields they do not know, so a
// misspelt field (`readinesProbe`) would pass them and be dropped by the
// API server. The same package's TypeScript types do not: each object is
// type-checked as an object literal of its kind, where an unknown property
// is an error.
function unknownFieldProblems(objs) {
  const typed = objs.filter((o) => !crdValidators[`${o.apiVersion}/${o.kind}`]);
  const lines = [];
  typed.forEach((o, i) => {
    const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : [null, o.apiVersion];
    const from = `kubernetes-models/${group ? group + '/' : ''}${version}/${o.kind}`;
    lines.push(`import type { I${o.kind} as T${i} } from ${JSON.stringify(from)};`);
  });
  const starts = [];  // the line where each object's literal begins
  typed.forEach((o, i) => {
    starts.push(lines.join('\n').split('\n').length);
    lines.push(`export const o${i}: T${i} = ${JSON.stringify(o, null, 1)};`);
  });
  // Inside node_modules so that the package's types resolve; removed after.
  const dir = path.join(here, 'node_modules', '.parley-strict');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `objects-${process.pid}.ts`);
  writeFileSync(file, lines.join('\n'));
  try {
    const program = ts.createProgram([file], {
      strict: true, noEmit: true, skipLibCheck: true, types: [],
      module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler,
      target: ts.ScriptTarget.ES2022,
    });
    return ts.getPreEmitDiagnostics(program).map((d) => {
      const text = ts.flattenDiagnosticMessageText(d.messageText, ' ');
      const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
      const owner = typed[starts.filter((line) => line <= at).length - 1];
      return `${owner ? `${owner.kind}/${owner.metadata?.name}: ` : ''}schema: ${text.slice(0, 300)}`;
    });
  } finally {
    rmSync(file, { force: true });
  }
}

// ---------------------------------------------------------------- rules

const byKind = (objs, kind) => objs.filter((o) => o.kind === kind);
const matches = (selector, labels) =>
  Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);

function podTemplates(objs) {
  return [...byKind(objs, 'Deployment'), ...byKind(objs, 'Job')].map((o) => ({
    owner: `${o.kind}/${o.metadata.name}`,
    template: o.spec.template,
  }));
}

// The environment a container sees: its env plus the ConfigMaps it loads.
function environment(container, objs) {
  const env = new Map();
  for (const from of container.envFrom ?? []) {
    const cm = from.configMapRef && byKind(objs, 'ConfigMap').find((c) => c.metadata.name === from.configMapRef.name);
    for (const [k, v] of Object.entries(cm?.data ?? {})) env.set(k, { value: v, from: 'configmap' });
    if (from.secretRef) env.set(`<all of secret ${from.secretRef.name}>`, { from: 'secret' });
  }
  for (const e of container.env ?? []) {
    env.set(e.name, e.valueFrom ? { from: Object.keys(e.valueFrom)[0], ref: e.valueFrom } : { value: e.value, from: 'literal' });
  }
  return env;
}

function hardeningProblems(owner, spec) {
  const out = [];
  const pod = spec.securityContext ?? {};
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) out.push(`${owner}: host namespaces`);
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    const sc = c.securityContext ?? {};
    const where = `${owner} container ${c.name}`;
    const nonRoot = sc.runAsNonRoot ?? pod.runAsNonRoot;
    const uid = sc.runAsUser ?? pod.runAsUser;
    if (nonRoot !== true) out.push(`hardening: ${where}: runAsNonRoot is not true`);
    if (uid === undefined || uid === 0) out.push(`hardening: ${where}: runAsUser must be a non-zero uid (the image's 10001)`);
    if (sc.readOnlyRootFilesystem !== true) out.push(`hardening: ${where}: readOnlyRootFilesystem is not true`);
    if (sc.allowPrivilegeEscalation !== false) out.push(`hardening: ${where}: allowPrivilegeEscalation is not false`);
    if (sc.privileged) out.push(`hardening: ${where}: privileged`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) out.push(`hardening: ${where}: capabilities do not drop ALL`);
    if ((sc.capabilities?.add ?? []).length) out.push(`hardening: ${where}: capabilities added`);
    const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') out.push(`hardening: ${where}: seccomp profile is not RuntimeDefault`);
    const r = c.resources ?? {};
    if (!r.requests?.cpu || !r.requests?.memory) out.push(`resources: ${where}: cpu and memory requests are required`);
    if (!r.limits?.memory) out.push(`resources: ${where}: a memory limit is required`);
    const image = c.image ?? '';
    const pinned = /@sha256:[0-9a-f]{64}$/.test(image) || /:[\w][\w.-]{0,127}$/.test(image.split('/').pop());
    if (!pinned || /:latest$/.test(image)) out.push(`image: ${where}: "${image}" is not pinned by tag or digest`);
  }
  return out;
}

function secretProblems(objs) {
  const out = [];
  for (const s of byKind(objs, 'Secret')) {
    if (s.data || s.stringData) out.push(`secrets: Secret/${s.metadata.name} carries values in the manifests; reference it instead`);
  }
  for (const cm of byKind(objs, 'ConfigMap')) {
    for (const k of Object.keys(cm.data ?? {})) {
      if (SECRET_NAME.test(k) && !k.endsWith("_FILE")) out.push(`secrets: ConfigMap/${cm.metadata.name} holds ${k}`);
    }
  }
  for (const { owner, template } of podTemplates(objs)) {
    for (const c of template.spec.containers) {
      for (const e of c.env ?? []) {
        if (SECRET_NAME.test(e.name) && !e.name.endsWith('_FILE') && e.value !== undefined) {
          out.push(`secrets: ${owner} container ${c.name}: ${e.name} is a literal value`);
        }
      }
    }
  }
  return out;
}

function deploymentProblems(objs, overlay) {
  const out = [];
  const deployments = byKind(objs, 'Deployment');
  if (deployments.length !== 1) return [`workload: expected one Deployment, found ${deployments.length}`];
  const d = deployments[0];
  const spec = d.spec.template.spec;
  const labels = d.spec.template.metadata.labels ?? {};
  if (!matches(d.spec.selector.matchLabels, labels)) out.push('workload: the Deployment selector does not match its pods');
  if (d.spec.replicas !== undefined && byKind(objs, 'HorizontalPodAutoscaler').length) {
    out.push('workload: spec.replicas is set although an HPA owns the count (every apply would reset it)');
  }
  const ru = d.spec.strategy?.rollingUpdate;
  if (d.spec.strategy?.type !== 'RollingUpdate' || String(ru?.maxUnavailable) !== '0') {
    out.push('workload: rolling updates must keep every replica serving (maxUnavailable 0)');
  }
  const c = spec.containers.find((x) => x.name === 'parley');
  if (!c) return [...out, 'workload: no container named parley'];
  if (c.args?.[0] !== 'serve') out.push('workload: the parley container does not run `serve`');

  const port = (name) => c.ports?.find((p) => p.name === name);
  const probe = (p) => p?.httpGet && { path: p.httpGet.path, port: p.httpGet.port };
  if (probe(c.readinessProbe)?.path !== '/readyz') out.push('probes: readiness must be GET /readyz');
  if (probe(c.livenessProbe)?.path !== '/healthz') out.push('probes: liveness must be GET /healthz');
  if (!c.startupProbe?.httpGet) {
    out.push('probes: a startupProbe is required (migrations and the migration lock run before listening)');
  } else {
    const budget = (c.startupProbe.periodSeconds ?? 10) * (c.startupProbe.failureThreshold ?? 3);
    if (budget < 120) out.push(`probes: the startupProbe allows ${budget} s; migrations plus the lock need at least 120 s`);
  }
  for (const [name, p] of [['readiness', c.readinessProbe], ['liveness', c.livenessProbe], ['startup', c.startupProbe]]) {
    if (p?.httpGet && p.httpGet.port !== 'http' && p.httpGet.port !== port('http')?.containerPort) {
      out.push(`probes: ${name} probe is not on the http port`);
    }
  }
  if ((c.livenessProbe?.failureThreshold ?? 3) * (c.livenessProbe?.periodSeconds ?? 10) < 20) {
    out.push('probes: liveness would restart a busy replica after less than 20 s');
  }

  const preStop = c.lifecycle?.preStop;
  const preStopS = preStop?.sleep?.seconds ?? 0;
  if (!preStop) out.push('drain: a preStop hook is required (the pod leaves the endpoints before SIGTERM)');
  if (preStop?.exec) out.push('drain: preStop exec needs a shell or sleep binary, and the image has neither');
  const grace = spec.terminationGracePeriodSeconds ?? 30;
  if (grace < preStopS + SHUTDOWN_GRACE_S + 5) {
    out.push(`drain: terminationGracePeriodSeconds ${grace} < preStop ${preStopS} s + drain ${SHUTDOWN_GRACE_S} s + 5 s`);
  }

  const env = environment(c, objs);
  for (const name of REQUIRED_ENV) {
    if (!env.has(name)) out.push(`config: ${name} is not set`);
  }
  if (env.get('HOSTNAME')?.value !== '0.0.0.0' && env.get('HOSTNAME')?.value !== '::') {
    out.push('config: HOSTNAME must be set to a listen address (Kubernetes sets it to the pod name)');
  }
  const metricsPort = env.get('METRICS_PORT')?.value;
  if (!metricsPort || String(port('metrics')?.containerPort) !== metricsPort) {
    out.push('config: METRICS_PORT must be set and be the container port named metrics');
  }
  for (const [k, v] of env) {
    if (v.from === 'secret') out.push(`secrets: the container loads ${k} (name each secret key instead)`);
  }
  const authUrl = env.get('AUTH_URL')?.value ?? '';
  if (!authUrl.startsWith('https://')) out.push('config: AUTH_URL must be https outside loopback');
  if (env.get('AUTH_TRUST_HOST')?.value !== 'true') out.push('config: AUTH_TRUST_HOST=true (client IPs come from the ingress)');
  if (overlay === 'production') {
    if (env.get('AZURE_OPENAI_AUTH')?.value !== 'workload-identity') out.push('production: AZURE_OPENAI_AUTH must be workload-identity');
    for (const banned of ['AZURE_OPENAI_API_KEY', 'AZURE_CLIENT_SECRET', 'AUTH_MICROSOFT_ENTRA_ID_SECRET']) {
      if (env.has(banned)) out.push(`production: ${banned} is set (production signs in and calls the model without secrets)`);
    }
    if (!env.get('AUTH_MICROSOFT_ENTRA_ID_FEDERATED_TOKEN_FILE')?.value?.startsWith('/var/run/secrets/azure/tokens/')) {
      out.push('production: AUTH_MICROSOFT_ENTRA_ID_FEDERATED_TOKEN_FILE must name the projected service-account token (sign-in without a secret)');
    }
    if (!/@sha256:/.test(c.image)) out.push('production: the image must be pinned by digest');
  }

  // Workload identity: the pod label and an annotated service account.
  const sa = byKind(objs, 'ServiceAccount').find((s) => s.metadata.name === spec.serviceAccountName);
  if (!sa) out.push('identity: the pods do not run as a ServiceAccount of the overlay');
  else if (!/^[0-9a-f-]{36}$/.test(sa.metadata.annotations?.['azure.workload.identity/client-id'] ?? '')) {
    out.push('identity: the ServiceAccount lacks azure.workload.identity/client-id');
  }
  if (labels['azure.workload.identity/use'] !== 'true') out.push('identity: the pods lack the label azure.workload.identity/use=true');

  // What routes to the pods, and what may stop them.
  const svc = byKind(objs, 'Service').find((s) => matches(s.spec.selector, labels) && Object.keys(s.spec.selector ?? {}).length);
  if (!svc) out.push('routing: no Service selects the pods');
  const ing = byKind(objs, 'Ingress')[0];
  if (!ing) out.push('routing: no Ingress');
  else {
    const a = ing.metadata.annotations ?? {};
    if (a['nginx.ingress.kubernetes.io/proxy-buffering'] !== 'off') out.push('ingress: proxy-buffering must be off (answers stream)');
    if (Number(a['nginx.ingress.kubernetes.io/proxy-read-timeout'] ?? 60) < 300) out.push('ingress: proxy-read-timeout must exceed the longest answer (>= 300 s)');
    if (!ing.spec.tls?.length) out.push('ingress: TLS is required');
    for (const rule of ing.spec.rules ?? []) {
      for (const p of rule.http?.paths ?? []) {
        const b = p.backend.service;
        if (b.name !== svc?.metadata.name) out.push(`ingress: path ${p.path} routes to ${b.name}, not the Parley Service`);
        const sp = svc?.spec.ports.find((x) => x.name === b.port.name || x.port === b.port.number);
        if (!sp) out.push(`ingress: path ${p.path} names a port the Service lacks`);
        else if (sp.targetPort === 'metrics' || sp.targetPort === Number(metricsPort)) out.push('ingress: /metrics must not be reachable through the ingress');
      }
    }
  }
  const hpa = byKind(objs, 'HorizontalPodAutoscaler')[0];
  if (!hpa || hpa.spec.scaleTargetRef.kind !== 'Deployment' || hpa.spec.scaleTargetRef.name !== d.metadata.name) {
    out.push('scaling: no HorizontalPodAutoscaler targets the Deployment');
  } else if (hpa.spec.minReplicas > hpa.spec.maxReplicas) out.push('scaling: minReplicas > maxReplicas');
  else if (overlay === 'production' && (hpa.spec.minReplicas ?? 1) < 2) out.push('production: at least 2 replicas');
  const pdb = byKind(objs, 'PodDisruptionBudget')[0];
  if (!pdb || !matches(pdb.spec.selector.matchLabels, labels)) out.push('scaling: no PodDisruptionBudget selects the pods');
  return out;
}

function networkProblems(objs) {
  const out = [];
  const pods = podTemplates(objs);
  const policies = byKind(objs, 'NetworkPolicy');
  for (const { owner, template } of pods) {
    const mine = policies.filter((p) => matches(p.spec.podSelector.matchLabels, template.metadata?.labels));
    if (!mine.length) out.push(`network: no NetworkPolicy selects ${owner}`);
    for (const p of mine) {
      const types = p.spec.policyTypes ?? [];
      if (!types.includes('Ingress') || !types.includes('Egress')) out.push(`network: ${p.metadata.name} must restrict both Ingress and Egress`);
    }
  }
  for (const p of policies) {
    for (const rule of p.spec.ingress ?? []) {
      if (!rule.from?.length) out.push(`network: ${p.metadata.name} admits traffic from anywhere`);
    }
    for (const rule of p.spec.egress ?? []) {
      if (!rule.ports?.length) out.push(`network: ${p.metadata.name} has an egress rule without ports`);
      if (!rule.to?.length) out.push(`network: ${p.metadata.name} has an egress rule to anywhere`);
      for (const port of rule.ports ?? []) {
        if (!EGRESS_PORTS.has(port.port)) out.push(`network: egress to port ${port.port} (only DNS, PostgreSQL and HTTPS)`);
      }
      const dns = (rule.ports ?? []).some((x) => x.port === 53);
      for (const peer of rule.to ?? []) {
        if (dns) {
          const sel = peer.podSelector?.matchLabels ?? {};
          if (Object.keys(sel).length !== 1 || sel['k8s-app'] !== 'kube-dns') {
            out.push(`network: the DNS rule must select exactly k8s-app=kube-dns, got ${JSON.stringify(sel)}`);
          }
        }
        const block = peer.ipBlock;
        if (block?.cidr === '0.0.0.0/0') {
          for (const must of ['169.254.0.0/16', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']) {
            if (!(block.except ?? []).includes(must)) out.push(`network: egress to 0.0.0.0/0 must except ${must}`);
          }
          if ((rule.ports ?? []).some((x) => x.port !== 443)) out.push('network: only HTTPS may go to public addresses');
        }
      }
    }
  }
  return out;
}

function jobProblems(objs) {
  const out = [];
  for (const j of byKind(objs, 'Job')) {
    const s = j.spec.template.spec;
    if (!['Never', 'OnFailure'].includes(s.restartPolicy)) out.push(`job: ${j.metadata.name} restartPolicy`);
    if (j.spec.ttlSecondsAfterFinished === undefined) out.push(`job: ${j.metadata.name} needs ttlSecondsAfterFinished (its template cannot change on upgrade)`);
    if (s.containers[0]?.args?.[0] !== 'migrate') out.push(`job: ${j.metadata.name} does not run \`parley migrate\``);
  }
  return out;
}

function namespaceProblems(objs) {
  const namespaces = new Set(objs.map((o) => o.metadata.namespace));
  return namespaces.size === 1 && !namespaces.has(undefined)
    ? []
    : [`namespace: every object must be in the overlay's one namespace (found ${[...namespaces].join(', ')})`];
}

function ruleProblems(objs, overlay) {
  const out = [...namespaceProblems(objs), ...secretProblems(objs), ...deploymentProblems(objs, overlay),
    ...networkProblems(objs), ...jobProblems(objs)];
  for (const { owner, template } of podTemplates(objs)) {
    out.push(...hardeningProblems(owner, template.spec));
    if (template.spec.automountServiceAccountToken !== false) out.push(`identity: ${owner} mounts the Kubernetes API token`);
  }
  return out;
}

// ---------------------------------------------------------------- main

function render(overlay) {
  const text = execFileSync(kubectl, ['kustomize', path.join(overlaysDir, overlay)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return parseAllDocuments(text).map((d) => d.toJS()).filter(Boolean);
}

// Breaking one rule at a time must be reported (the checker checks).
const mutations = [
  ['hardening', (o) => { dep(o).containers[0].securityContext.readOnlyRootFilesystem = false; }],
  ['hardening', (o) => { delete dep(o).containers[0].securityContext.capabilities; }],
  ['hardening', (o) => { job(o).containers[0].securityContext.allowPrivilegeEscalation = true; }],
  ['probes', (o) => { delete dep(o).containers[0].startupProbe; }],
  ['probes', (o) => { dep(o).containers[0].readinessProbe.httpGet.path = '/healthz'; }],
  ['drain', (o) => { dep(o).terminationGracePeriodSeconds = 20; }],
  ['drain', (o) => { dep(o).containers[0].lifecycle.preStop = { exec: { command: ['/bin/sleep', '5'] } }; }],
  ['image', (o) => { dep(o).containers[0].image = 'parley:latest'; }],
  ['production', (o) => { dep(o).containers[0].image = 'parleyprod.azurecr.io/parley:0.1.0'; }],
  ['secrets', (o) => { dep(o).containers[0].env.push({ name: 'AUTH_SECRET_2', value: 'x'.repeat(40) }); }],
  ['secrets', (o) => { o.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'parley' }, stringData: { a: 'b' } }); }],
  ['resources', (o) => { delete dep(o).containers[0].resources.limits; }],
  ['network', (o) => { netpol(o).spec.egress[0].to[0].podSelector.matchLabels['app.kubernetes.io/name'] = 'parley'; }],
  ['network', (o) => { netpol(o).spec.egress.push({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 80, protocol: 'TCP' }] }); }],
  ['network', (o) => { netpol(o).spec.egress[3].to[0].ipBlock.except = ['10.0.0.0/8']; }],
  ['ingress', (o) => { delete find(o, 'Ingress').metadata.annotations['nginx.ingress.kubernetes.io/proxy-buffering']; }],
  ['ingress', (o) => { find(o, 'Ingress').metadata.annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'] = '60'; }],
  ['identity', (o) => { delete find(o, 'Deployment').spec.template.metadata.labels['azure.workload.identity/use']; }],
  ['config', (o) => { dep(o).containers[0].env = dep(o).containers[0].env.filter((e) => e.name !== 'HOSTNAME'); }],
  ['production', (o) => { dep(o).containers[0].env.push({ name: 'AZURE_OPENAI_API_KEY', valueFrom: { secretKeyRef: { name: 'parley-secrets', key: 'k' } } }); }],
  ['production', (o) => { dep(o).containers[0].env.push({ name: 'AUTH_MICROSOFT_ENTRA_ID_FEDERATED_TOKEN_FILE', value: '/tmp/token' }); }],
  ['schema', (o) => { dep(o).containers[0].ports[0].containerPort = 'http'; }],
  ['schema', (o) => { find(o, 'SecretProviderClass').spec.secretObject = []; }],
  ['schema', (o) => { dep(o).containers[0].readinesProbe = dep(o).containers[0].readinessProbe; }],
];
function find(objs, kind) { return objs.find((o) => o.kind === kind); }
function dep(objs) { return find(objs, 'Deployment').spec.template.spec; }
function job(objs) { return find(objs, 'Job').spec.template.spec; }
function netpol(objs) { return find(objs, 'NetworkPolicy'); }

async function problemsOf(objs, overlay, { strict = true } = {}) {
  const out = [];
  for (const o of objs) {
    for (const p of await schemaProblems(o)) out.push(`${o.kind}/${o.metadata?.name}: ${p}`);
  }
  if (strict) out.push(...unknownFieldProblems(objs));
  return [...out, ...ruleProblems(objs, overlay)];
}

const overlays = readdirSync(overlaysDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
let failed = 0;
const rendered = {};
for (const overlay of overlays) {
  let objs;
  try {
    objs = render(overlay);
  } catch (e) {
    console.log(`FAIL ${overlay}: kubectl kustomize failed: ${e.stderr || e.message}`);
    failed++;
    continue;
  }
  rendered[overlay] = objs;
  const problems = await problemsOf(objs, overlay);
  const kinds = objs.map((o) => o.kind).sort().join(', ');
  if (problems.length) {
    failed++;
    console.log(`FAIL ${overlay} (${objs.length} objects):`);
    for (const p of problems) console.log(`  ${p}`);
  } else {
    console.log(`ok   ${overlay}: ${objs.length} objects valid (${kinds})`);
  }
}
for (const want of ['dev', 'production']) {
  if (!overlays.includes(want)) { console.log(`FAIL overlay ${want} is missing`); failed++; }
}

if (rendered.production) {
  let caught = 0;
  for (const [rule, mutate] of mutations) {
    const objs = structuredClone(rendered.production);
    mutate(objs);
    const problems = await problemsOf(objs, 'production', { strict: mutate.toString().includes('readinesProbe') });
    if (problems.some((p) => p.startsWith(rule) || p.includes(`: ${rule}:`))) caught++;
    else {
      failed++;
      console.log(`FAIL a broken "${rule}" rule went unnoticed: ${mutate.toString()}`);
    }
  }
  console.log(`ok   ${caught} of ${mutations.length} deliberately broken copies were reported`);
}
console.log(failed ? `${failed} failed` : 'all deployment checks passed');
process.exit(failed ? 1 : 0);
