package dev.asmmigrate.sandbox.istio;

import dev.asmmigrate.sandbox.SandboxContext;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The add-on 1.4's Citadel: while Deployment {@code istio-citadel} has available replicas, every
 * namespace has Secret {@code istio.default} (and every other service account its {@code
 * istio.<name>}) with the CA's roots in {@code root-cert.pem} and a workload certificate issued by
 * the CA. The CA is Secret {@code istio-ca-secret}, read when Citadel (re)starts. Configured with
 * {@code --root-cert=<dir>/<file>} and a secret volume mounted at {@code <dir>} (the migration's
 * {@code meshca-root}), it distributes that root as well, after the distribution delay; configured
 * back, it stops. A namespace created while Citadel does not run gets no secret until Citadel runs
 * again.
 */
final class Citadel extends SimulatedComponent {
  static final String DEPLOYMENT = "istio-citadel";
  static final String CA_SECRET = "istio-ca-secret";
  static final String WORKLOAD_SECRET = "istio.default";
  static final String WORKLOAD_SECRET_TYPE = "istio.io/key-and-cert";
  private static final long WORKLOAD_TTL_SECONDS = 90L * 24 * 3600;
  private static final Duration CACHE_LAG = Duration.ofSeconds(10);

  private SharedIndexInformer<Deployment> deployments;
  private SharedIndexInformer<Secret> systemSecrets;
  private SharedIndexInformer<Namespace> namespaces;
  private SharedIndexInformer<ServiceAccount> serviceAccounts;
  private SharedIndexInformer<Secret> workloadSecrets;
  private final RootDistribution distribution = new RootDistribution();
  private long loadedGeneration = -1;
  private List<String> caRoots = List.of();
  private String caCert;
  private String caKey;

  /** Secrets this Citadel created that its cache may not show yet: never issue twice. */
  private final Map<String, Instant> created = new HashMap<>();

  Citadel(SandboxContext ctx) {
    super(ctx, "citadel");
  }

  @Override
  protected void setUp() {
    deployments = watch(client.apps().deployments().inNamespace(ControlPlane.SYSTEM_NAMESPACE));
    systemSecrets = watch(client.secrets().inNamespace(ControlPlane.SYSTEM_NAMESPACE));
    namespaces = watch(client.namespaces());
    serviceAccounts = watch(client.serviceAccounts().inAnyNamespace());
    workloadSecrets =
        watch(client.secrets().inAnyNamespace().withField("type", WORKLOAD_SECRET_TYPE));
  }

  @Override
  protected void reconcile() {
    Deployment citadel = deployments.getStore().getByKey(key(DEPLOYMENT));
    if (citadel == null || !available(citadel)) {
      loadedGeneration = -1; // a Citadel that starts again reads its CA again
      return;
    }
    long generation = generation(citadel);
    if (generation != loadedGeneration) {
      Secret ca = caSecretNow(client);
      if (ca == null) {
        return; // nothing to sign with: Citadel would fail to start
      }
      caCert = decode(ca, "ca-cert.pem");
      caKey = decode(ca, "ca-key.pem");
      caRoots = caCert == null || Pem.certificates(caCert).isEmpty() ? List.of() : List.of(caCert);
      loadedGeneration = generation;
    }
    // root-cert.pem is the CA's ca-cert.pem followed by the configured root file, as read
    List<String> desired = new ArrayList<>(caRoots);
    String extra = configuredRoot(citadel);
    if (extra != null
        && !RootDistribution.fingerprints(desired)
            .containsAll(Pem.certificateFingerprints(extra))) {
      desired.add(extra);
    }
    String rootCert = distribution.distribute(desired, caRoots, now(), ctx, this::triggerAt);
    if (rootCert == null) {
      return;
    }
    // encoded once: every reconcile (one per burst of namespace, service account or secret events)
    // compares it with every workload Secret's, and decodes a Secret's only when they differ
    String encodedRoot = encode(rootCert);
    Instant forgetBefore = now().minus(CACHE_LAG);
    created.values().removeIf(t -> t.isBefore(forgetBefore));
    Set<String> live = new HashSet<>();
    for (Namespace ns : namespaces.getStore().list()) {
      if (ns.getMetadata().getDeletionTimestamp() == null) {
        live.add(ns.getMetadata().getName());
        ensureSecret(ns.getMetadata().getName(), "default", rootCert, encodedRoot);
      }
    }
    for (ServiceAccount sa : serviceAccounts.getStore().list()) {
      String ns = sa.getMetadata().getNamespace();
      String name = sa.getMetadata().getName();
      if (live.contains(ns) && !name.equals("default")) {
        ensureSecret(ns, name, rootCert, encodedRoot);
      }
    }
    removeSecretsOfDeletedServiceAccounts(live);
  }

  /** As Citadel's secret controller: a service account's deletion deletes its istio.* Secret. */
  private void removeSecretsOfDeletedServiceAccounts(Set<String> liveNamespaces) {
    for (Secret secret : workloadSecrets.getStore().list()) {
      String ns = secret.getMetadata().getNamespace();
      Map<String, String> annotations = secret.getMetadata().getAnnotations();
      String sa = annotations == null ? null : annotations.get("istio.io/service-account.name");
      if (sa == null
          || sa.equals("default")
          || !liveNamespaces.contains(ns)
          || !WORKLOAD_SECRET_TYPE.equals(secret.getType())
          || serviceAccounts.getStore().getByKey(ns + "/" + sa) != null) {
        continue;
      }
      String key = ns + "/" + secret.getMetadata().getName();
      if (created.containsKey(key) && created.get(key).isAfter(now().minus(CACHE_LAG))) {
        continue; // the service account informer may not have caught up yet
      }
      try {
        client.secrets().inNamespace(ns).withName(secret.getMetadata().getName()).delete();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 404) {
          throw e;
        }
      }
    }
  }

  /** Secret {@code istio.<serviceAccount>}, as Citadel keeps one per service account. */
  private void ensureSecret(
      String namespace, String serviceAccount, String rootCert, String encoded) {
    String secretName = "istio." + serviceAccount;
    String key = namespace + "/" + secretName;
    Secret current = workloadSecrets.getStore().getByKey(key);
    if (current != null) {
      created.remove(key);
    } else if (created.containsKey(key) && created.get(key).isAfter(now().minus(CACHE_LAG))) {
      return; // created moments ago; the informer has not caught up
    }
    if (current == null) {
      Map<String, String> data = new LinkedHashMap<>();
      String spiffe = "spiffe://cluster.local/ns/" + namespace + "/sa/" + serviceAccount;
      Certificates.Issued leaf =
          Certificates.issueWorkload(caCert, caKey, spiffe, now(), WORKLOAD_TTL_SECONDS)
              .orElseGet(() -> Certificates.selfSignedRoot("cluster.local", now()));
      data.put("cert-chain.pem", encode(leaf.certificatePem()));
      data.put("key.pem", encode(leaf.privateKeyPem()));
      data.put("root-cert.pem", encoded);
      Secret secret =
          new SecretBuilder()
              .withNewMetadata()
              .withName(secretName)
              .withNamespace(namespace)
              .addToAnnotations("istio.io/service-account.name", serviceAccount)
              .endMetadata()
              .withType(WORKLOAD_SECRET_TYPE)
              .withData(data)
              .build();
      try {
        client.secrets().inNamespace(namespace).resource(secret).create();
        created.put(key, now());
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 && e.getCode() != 403 && e.getCode() != 404) {
          throw e; // 409: the cache lags; 403/404: the namespace is going away
        }
      }
      return;
    }
    String have = current.getData() == null ? null : current.getData().get("root-cert.pem");
    if (have != null && (have.equals(encoded) || rootCert.equals(decodeText(have)))) {
      return;
    }
    try {
      client
          .secrets()
          .inNamespace(namespace)
          .withName(secretName)
          .edit(
              s -> {
                Map<String, String> data =
                    s.getData() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(s.getData());
                data.put("root-cert.pem", encoded);
                s.setData(data);
                return s;
              });
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  /**
   * The extra root Citadel is configured with: the file named by {@code --root-cert}, read from the
   * secret volume mounted at its directory, when that secret exists in {@code istio-system}.
   */
  private String configuredRoot(Deployment citadel) {
    if (citadel.getSpec() == null || citadel.getSpec().getTemplate() == null) {
      return null;
    }
    PodSpec spec = citadel.getSpec().getTemplate().getSpec();
    if (spec == null) {
      return null;
    }
    for (Container c : spec.getContainers()) {
      String path = rootCertArg(c);
      if (path == null || !path.contains("/")) {
        continue;
      }
      String dir = trimSlash(path.substring(0, path.lastIndexOf('/')));
      String file = path.substring(path.lastIndexOf('/') + 1);
      for (VolumeMount m : c.getVolumeMounts()) {
        if (!trimSlash(m.getMountPath()).equals(dir)) {
          continue;
        }
        for (Volume v : spec.getVolumes()) {
          if (v.getName().equals(m.getName()) && v.getSecret() != null) {
            Secret s = systemSecrets.getStore().getByKey(key(v.getSecret().getSecretName()));
            String value = s == null ? null : decode(s, file);
            if (value != null && !Pem.certificates(value).isEmpty()) {
              return value;
            }
          }
        }
      }
    }
    return null;
  }

  private static String rootCertArg(Container c) {
    List<String> args = new ArrayList<>();
    if (c.getCommand() != null) {
      args.addAll(c.getCommand());
    }
    if (c.getArgs() != null) {
      args.addAll(c.getArgs());
    }
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.startsWith("--root-cert=")) {
        return a.substring("--root-cert=".length());
      }
      if (a.equals("--root-cert") && i + 1 < args.size()) {
        return args.get(i + 1);
      }
    }
    return null;
  }

  private static String trimSlash(String path) {
    String p = path == null ? "" : path;
    while (p.endsWith("/") && p.length() > 1) {
      p = p.substring(0, p.length() - 1);
    }
    return p;
  }

  /**
   * The CA Secret as the API server has it now, read when a new generation starts, as the real
   * component reads it when its new pod starts. Not from the Secrets' cache: that is a watch of its
   * own, and it can still lack the write that came just before the Deployment's (the migration
   * appends a root to the Secret, then restarts the Deployment), so the new generation would keep
   * the old roots for good.
   */
  static Secret caSecretNow(io.fabric8.kubernetes.client.KubernetesClient client) {
    return client.secrets().inNamespace(ControlPlane.SYSTEM_NAMESPACE).withName(CA_SECRET).get();
  }

  static String key(String name) {
    return ControlPlane.SYSTEM_NAMESPACE + "/" + name;
  }

  /**
   * Whether a running Citadel has issued every workload Secret it keeps: {@code istio.default} in
   * each namespace and {@code istio.<name>} for each other service account. True without a Citadel
   * (none, not available, or no CA to sign with): then it issues nothing.
   */
  static boolean caughtUp(ObjectStore store) {
    var citadel =
        store.get(ResourceRegistry.DEPLOYMENTS, ControlPlane.SYSTEM_NAMESPACE, DEPLOYMENT);
    if (citadel.isEmpty()
        || citadel.get().path("status").path("availableReplicas").asInt() < 1
        || store
            .get(ResourceRegistry.SECRETS, ControlPlane.SYSTEM_NAMESPACE, CA_SECRET)
            .isEmpty()) {
      return true;
    }
    Set<String> live = new HashSet<>();
    for (var ns : store.list(ResourceRegistry.NAMESPACES, null)) {
      if (!ns.path("metadata").has("deletionTimestamp")) {
        String name = ns.path("metadata").path("name").asText();
        live.add(name);
        if (store.get(ResourceRegistry.SECRETS, name, WORKLOAD_SECRET).isEmpty()) {
          return false;
        }
      }
    }
    for (var sa : store.list(ResourceRegistry.SERVICEACCOUNTS, null)) {
      String ns = sa.path("metadata").path("namespace").asText();
      String name = sa.path("metadata").path("name").asText();
      if (live.contains(ns)
          && !name.equals("default")
          && store.get(ResourceRegistry.SECRETS, ns, "istio." + name).isEmpty()) {
        return false;
      }
    }
    return true;
  }

  static boolean available(Deployment d) {
    return d.getStatus() != null
        && d.getStatus().getAvailableReplicas() != null
        && d.getStatus().getAvailableReplicas() > 0;
  }

  static long generation(Deployment d) {
    Long g = d.getMetadata().getGeneration();
    return g == null ? 0 : g;
  }

  static String decode(Secret s, String key) {
    if (s.getData() != null && s.getData().get(key) != null) {
      return decodeText(s.getData().get(key));
    }
    if (s.getStringData() != null) {
      return s.getStringData().get(key);
    }
    return null;
  }

  static String decodeText(String base64) {
    try {
      return new String(Base64.getMimeDecoder().decode(base64), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  static String encode(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
