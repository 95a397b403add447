package dev.asmmigrate.sandbox.istio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.api.Json;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Citadel (add-on 1.4) distributing roots into {@code istio.default}, through the API. */
class CitadelTest {
  static final Duration WAIT = Duration.ofSeconds(30);
  IstioTestCluster cluster;

  @AfterEach
  void close() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void givenCitadelRuns_itShouldFillIstioDefaultInEveryNamespace_withTheAddonRootAndAnIssuedCert()
      throws Exception {
    cluster = IstioTestCluster.addon14();
    cluster.addOnRunning();
    cluster.namespace("shop", "istio-injection", "enabled");
    cluster.start(new Citadel(cluster.serve()));
    String addOnRoot = addOnRootPem();

    for (String ns : List.of("default", "kube-system", "istio-system", "shop")) {
      await().atMost(WAIT).until(() -> secretValue(ns, "istio.default", "root-cert.pem") != null);
      assertThat(roots(ns)).containsExactly(Pem.firstFingerprint(addOnRoot));
    }
    // a namespace created later gets its secret too
    cluster.namespace("late");
    await().atMost(WAIT).until(() -> secretValue("late", "istio.default", "root-cert.pem") != null);

    // the workload certificate is real and issued by the add-on root
    X509Certificate ca = Certificates.parse(Pem.blocks(addOnRoot).get(0).der());
    X509Certificate leaf =
        Certificates.parse(
            Pem.blocks(secretValue("shop", "istio.default", "cert-chain.pem")).get(0).der());
    leaf.verify(ca.getPublicKey());
    assertThat(leaf.getSubjectAlternativeNames().iterator().next().get(1))
        .isEqualTo("spiffe://cluster.local/ns/shop/sa/default");
    assertThat(Certificates.privateKey(secretValue("shop", "istio.default", "key.pem")))
        .isPresent();
    assertThat(
            cluster
                .store
                .require(ResourceRegistry.SECRETS, "shop", "istio.default")
                .path("type")
                .asText())
        .isEqualTo("istio.io/key-and-cert");
    // and every service account has its own secret, as Citadel 1.4 keeps them
    await()
        .atMost(WAIT)
        .until(
            () ->
                secretValue("istio-system", "istio.istio-citadel-service-account", "root-cert.pem")
                    != null);
  }

  @Test
  void
      givenCitadelConfiguredWithTheMeshCaRoot_itShouldAddItOnceAfterTheDelay_andDropItOnRollback() {
    cluster =
        IstioTestCluster.of(
            IstioTestCluster.fastSettings().rootDistributionDelay(Duration.ofSeconds(1)).build(),
            "base",
            "crds",
            "addon-1.4");
    cluster.addOnRunning();
    cluster.namespace("shop", "istio-injection", "enabled");
    cluster.start(new Citadel(cluster.serve()));
    String addOn = Pem.firstFingerprint(addOnRootPem());
    await().atMost(WAIT).until(() -> roots("shop").equals(Set.of(addOn)));

    createMeshCaRootSecret();
    configureCitadel(true);

    assertThat(roots("shop")).containsExactly(addOn); // not before the distribution delay
    String meshCa = MeshTrust.meshCaRoot();
    for (String ns : List.of("shop", "default", "istio-system")) {
      await().atMost(WAIT).until(() -> roots(ns).contains(meshCa));
      assertThat(Pem.certificates(secretValue(ns, "istio.default", "root-cert.pem")))
          .hasSize(2); // the add-on root and the Mesh CA root, each once
      assertThat(roots(ns)).containsExactly(addOn, meshCa);
    }
    // the text Google's script greps for is there, as Citadel appends the root file's text
    assertThat(secretValue("shop", "istio.default", "root-cert.pem"))
        .contains("8zyiCcMm1i2yVVphwE1kczFwunAh0JB896VaXGVxXeKEAMQoXHjgDdCYp8");

    configureCitadel(false); // rollback_mesh_ca: the original args and volumes
    await().atMost(WAIT).until(() -> roots("shop").equals(Set.of(addOn)));
  }

  @Test
  void givenRootDistributionStuck_whenCitadelIsConfigured_theMeshCaRootShouldNeverArrive() {
    cluster = IstioTestCluster.addon14();
    cluster.addOnRunning();
    cluster.start(new Citadel(cluster.serve()));
    String addOn = Pem.firstFingerprint(addOnRootPem());
    await().atMost(WAIT).until(() -> roots("default").equals(Set.of(addOn)));
    cluster.faults.rootDistributionStuck = true;

    createMeshCaRootSecret();
    configureCitadel(true);

    await()
        .during(Duration.ofMillis(1500))
        .atMost(Duration.ofSeconds(5))
        .until(() -> roots("default").equals(Set.of(addOn)));
    cluster.faults.rootDistributionStuck = false;
    await().atMost(WAIT).until(() -> roots("default").contains(MeshTrust.meshCaRoot()));
  }

  @Test
  void givenCitadelIsDown_aNewNamespaceShouldGetNoSecret_untilCitadelRunsAgain() {
    cluster = IstioTestCluster.addon14();
    cluster.addOnRunning();
    cluster.setAvailable("istio-system", "istio-citadel", 0);
    cluster.start(new Citadel(cluster.serve()));

    cluster.namespace("orphan");

    await()
        .during(Duration.ofMillis(1500))
        .atMost(Duration.ofSeconds(5))
        .until(
            () -> cluster.store.get(ResourceRegistry.SECRETS, "orphan", "istio.default").isEmpty());
    cluster.setAvailable("istio-system", "istio-citadel", 1);
    await()
        .atMost(WAIT)
        .until(() -> secretValue("orphan", "istio.default", "root-cert.pem") != null);
  }

  // ---------------------------------------------------------------------------------------------

  private String addOnRootPem() {
    return Pem.secretValue(
        cluster.store.require(ResourceRegistry.SECRETS, "istio-system", "istio-ca-secret"),
        "ca-cert.pem");
  }

  private String secretValue(String ns, String name, String key) {
    return cluster
        .store
        .get(ResourceRegistry.SECRETS, ns, name)
        .map(s -> Pem.secretValue(s, key))
        .orElse(null);
  }

  private Set<String> roots(String ns) {
    return Pem.certificateFingerprints(secretValue(ns, "istio.default", "root-cert.pem"));
  }

  private void createMeshCaRootSecret() {
    ObjectNode secret = Json.object();
    secret.put("apiVersion", "v1").put("kind", "Secret");
    secret.putObject("metadata").put("name", "meshca-root").put("namespace", "istio-system");
    secret
        .putObject("data")
        .put(
            "meshca-root.pem",
            Base64.getEncoder().encodeToString(MeshCa.ROOT_PEM.getBytes(StandardCharsets.UTF_8)));
    cluster.store.create(ResourceRegistry.SECRETS, "istio-system", secret, false);
  }

  /** What migrate-addon's configure_mesh_ca_14 patches into container citadel, or takes back. */
  private void configureCitadel(boolean meshCa) {
    cluster.store.mutate(
        ResourceRegistry.DEPLOYMENTS,
        "istio-system",
        "istio-citadel",
        d -> {
          ObjectNode spec = (ObjectNode) d.path("spec").path("template").path("spec");
          ObjectNode citadel = (ObjectNode) spec.path("containers").get(0);
          ArrayNode args = citadel.putArray("args");
          for (String a :
              List.of(
                  "--append-dns-names=true",
                  "--grpc-port=8060",
                  "--citadel-storage-namespace=istio-system",
                  "--custom-dns-names=istio-pilot-service-account.istio-system:istio-pilot.istio-system",
                  "--monitoring-port=15014",
                  "--self-signed-ca=true",
                  "--workload-cert-ttl=2160h")) {
            args.add(a);
          }
          if (meshCa) {
            args.add("--root-cert=/var/run/root-certs/meshca-root.pem");
            citadel
                .putArray("volumeMounts")
                .addObject()
                .put("mountPath", "/var/run/root-certs")
                .put("name", "meshca-root")
                .put("readOnly", true);
            spec.putArray("volumes")
                .addObject()
                .put("name", "meshca-root")
                .putObject("secret")
                .put("secretName", "meshca-root");
          } else {
            citadel.remove("volumeMounts");
            spec.remove("volumes");
          }
          return d;
        },
        null,
        false);
  }
}
