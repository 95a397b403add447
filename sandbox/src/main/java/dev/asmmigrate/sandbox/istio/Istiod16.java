package dev.asmmigrate.sandbox.istio;

import dev.asmmigrate.sandbox.SandboxContext;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The add-on 1.6's istiod ({@code istiod-istio-1611}): while it has available replicas, every
 * namespace has ConfigMap {@code istio-ca-root-cert} whose {@code root-cert.pem} is the {@code
 * ca-cert.pem} of Secret {@code istio-ca-secret} as istiod read it when it (re)started: appending
 * the Mesh CA root to that secret reaches the namespaces only once istiod restarts, and then after
 * the distribution delay (never while distribution is stuck).
 */
final class Istiod16 extends SimulatedComponent {
  static final String ROOT_CONFIGMAP = "istio-ca-root-cert";

  private SharedIndexInformer<Deployment> deployments;
  private SharedIndexInformer<Secret> systemSecrets;
  private SharedIndexInformer<Namespace> namespaces;
  private SharedIndexInformer<ConfigMap> rootConfigMaps;
  private final RootDistribution distribution = new RootDistribution();
  private long loadedGeneration = -1;
  private List<String> caRoots = List.of();

  Istiod16(SandboxContext ctx) {
    super(ctx, "istiod-1611");
  }

  @Override
  protected void setUp() {
    deployments = watch(client.apps().deployments().inNamespace(ControlPlane.SYSTEM_NAMESPACE));
    // read through the API when a generation starts (Citadel.caSecretNow); watched so that a CA
    // Secret created after istiod wakes it
    systemSecrets = watch(client.secrets().inNamespace(ControlPlane.SYSTEM_NAMESPACE));
    namespaces = watch(client.namespaces());
    rootConfigMaps =
        watch(client.configMaps().inAnyNamespace().withField("metadata.name", ROOT_CONFIGMAP));
  }

  @Override
  protected void reconcile() {
    Deployment istiod = deployments.getStore().getByKey(Citadel.key(ControlPlane.ADDON_16_ISTIOD));
    if (istiod == null || !Citadel.available(istiod)) {
      loadedGeneration = -1;
      return;
    }
    long generation = Citadel.generation(istiod);
    if (generation != loadedGeneration) {
      Secret ca = Citadel.caSecretNow(client);
      if (ca == null) {
        return;
      }
      String caCert = Citadel.decode(ca, "ca-cert.pem");
      caRoots = caCert == null || Pem.certificates(caCert).isEmpty() ? List.of() : List.of(caCert);
      loadedGeneration = generation;
    }
    String rootCert = distribution.distribute(caRoots, caRoots, now(), ctx, this::triggerAt);
    if (rootCert == null) {
      return;
    }
    for (Namespace ns : namespaces.getStore().list()) {
      if (ns.getMetadata().getDeletionTimestamp() == null) {
        ensureConfigMap(ns.getMetadata().getName(), rootCert);
      }
    }
  }

  private void ensureConfigMap(String namespace, String rootCert) {
    ConfigMap current = rootConfigMaps.getStore().getByKey(namespace + "/" + ROOT_CONFIGMAP);
    try {
      if (current == null) {
        ConfigMap cm =
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(ROOT_CONFIGMAP)
                .withNamespace(namespace)
                .addToLabels("istio.io/config", "true")
                .endMetadata()
                .addToData("root-cert.pem", rootCert)
                .build();
        client.configMaps().inNamespace(namespace).resource(cm).create();
      } else if (current.getData() == null
          || !rootCert.equals(current.getData().get("root-cert.pem"))) {
        client
            .configMaps()
            .inNamespace(namespace)
            .withName(ROOT_CONFIGMAP)
            .edit(
                c -> {
                  Map<String, String> data =
                      c.getData() == null
                          ? new LinkedHashMap<>()
                          : new LinkedHashMap<>(c.getData());
                  data.put("root-cert.pem", rootCert);
                  c.setData(data);
                  return c;
                });
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409 && e.getCode() != 403 && e.getCode() != 404) {
        throw e;
      }
    }
  }
}
