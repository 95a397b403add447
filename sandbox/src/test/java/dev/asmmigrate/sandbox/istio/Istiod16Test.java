package dev.asmmigrate.sandbox.istio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.api.Json;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** istiod 1.6 distributing {@code istio-ca-root-cert}, through the API. */
class Istiod16Test {
  static final Duration WAIT = Duration.ofSeconds(30);
  IstioTestCluster cluster;

  @AfterEach
  void close() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void givenIstiodRuns_itShouldFillIstioCaRootCertInEveryNamespace() {
    cluster = IstioTestCluster.addon16();
    cluster.addOnRunning();
    cluster.namespace("shop", "istio.io/rev", "istio-1611");
    cluster.start(new Istiod16(cluster.serve()));
    String addOn = Pem.firstFingerprint(caCert());

    for (String ns : List.of("default", "istio-system", "istio-operator", "shop")) {
      await().atMost(WAIT).until(() -> roots(ns).equals(Set.of(addOn)));
    }
    assertThat(
            cluster
                .store
                .require(ResourceRegistry.CONFIGMAPS, "shop", "istio-ca-root-cert")
                .path("metadata")
                .path("labels")
                .path("istio.io/config")
                .asText())
        .isEqualTo("true");
  }

  @Test
  void givenTheMeshCaRootAppendedToTheCaSecret_itShouldBeDistributedOnlyAfterIstiodRestarts() {
    cluster = IstioTestCluster.addon16();
    cluster.addOnRunning();
    cluster.start(new Istiod16(cluster.serve()));
    String addOn = Pem.firstFingerprint(caCert());
    await().atMost(WAIT).until(() -> roots("default").equals(Set.of(addOn)));

    // configure_mesh_ca_16: append the Mesh CA root to ca-cert.pem ...
    String appended = caCert() + " " + MeshCa.ROOT_PEM;
    cluster.store.mutate(
        ResourceRegistry.SECRETS,
        "istio-system",
        "istio-ca-secret",
        s -> {
          ((ObjectNode) s.get("data"))
              .put(
                  "ca-cert.pem",
                  Base64.getEncoder().encodeToString(appended.getBytes(StandardCharsets.UTF_8)));
          return s;
        },
        null,
        false);
    // ... which a running istiod does not read
    await()
        .during(Duration.ofMillis(1200))
        .atMost(Duration.ofSeconds(5))
        .until(() -> roots("default").equals(Set.of(addOn)));

    // ... until it restarts (kubectl rollout restart)
    cluster.store.mutate(
        ResourceRegistry.DEPLOYMENTS,
        "istio-system",
        "istiod-istio-1611",
        d -> {
          Json.with(d, "spec", "template", "metadata", "annotations")
              .put("kubectl.kubernetes.io/restartedAt", "2026-01-01T00:00:00Z");
          return d;
        },
        null,
        false);
    await()
        .atMost(WAIT)
        .until(() -> roots("default").equals(Set.of(addOn, MeshTrust.meshCaRoot())));
    assertThat(configMapRootCert("default")).isEqualTo(appended); // ca-cert.pem as istiod read it
  }

  private String caCert() {
    return Pem.secretValue(
        cluster.store.require(ResourceRegistry.SECRETS, "istio-system", "istio-ca-secret"),
        "ca-cert.pem");
  }

  private String configMapRootCert(String ns) {
    return cluster
        .store
        .get(ResourceRegistry.CONFIGMAPS, ns, "istio-ca-root-cert")
        .map(cm -> cm.path("data").path("root-cert.pem").asText())
        .orElse(null);
  }

  private Set<String> roots(String ns) {
    return Pem.certificateFingerprints(configMapRootCert(ns));
  }
}
