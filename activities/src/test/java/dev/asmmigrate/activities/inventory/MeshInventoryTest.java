package dev.asmmigrate.activities.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asmmigrate.activities.inventory.MeshInventory.Standing;
import dev.asmmigrate.workflows.model.AddonVersion;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** MeshInventory's rules on objects built in memory: no cluster. */
class MeshInventoryTest {
  static final List<AddonVersion> ONLY_14 = List.of(AddonVersion.V1_4);

  @Test
  void givenNamespaceLabels_whenClassified_itShouldPlaceEachByItsLabelAndTheRunningAddons() {
    assertThat(standing("app", Map.of("istio-injection", "enabled"))).isEqualTo(Standing.ON_ADDON);
    assertThat(standing("istio-operator", Map.of("istio-injection", "enabled")))
        .isEqualTo(Standing.NEVER_TOUCHED);
    assertThat(standing("asm-migrate-system", Map.of("istio-injection", "enabled")))
        .isEqualTo(Standing.NEVER_TOUCHED);
    assertThat(standing("app", Map.of("istio.io/rev", "istio-1611")))
        .isEqualTo(Standing.ADDON_NOT_RUNNING);
    assertThat(standing("app", Map.of("istio-injection", "disabled"))).isEqualTo(Standing.OUTSIDE);
    assertThat(standing("app", Map.of("istio.io/rev", "asm-managed")))
        .isEqualTo(Standing.RELABELLED);
    assertThat(standing("app", Map.of())).isEqualTo(Standing.OUTSIDE);

    MeshInventory.Injection both =
        MeshInventory.injection(
            ns("app", Map.of("istio-injection", "enabled", "istio.io/rev", "istio-1611")),
            List.of(AddonVersion.V1_4, AddonVersion.V1_6),
            "asm-managed");
    assertThat(both.version()).isEqualTo(AddonVersion.V1_4);
    assertThat(both.bothAddons()).isTrue();
    assertThat(MeshInventory.revision(Map.of("istio-injection", "enabled"))).isEqualTo("default");
    assertThat(MeshInventory.revision(Map.of("istio.io/rev", "istio-1611")))
        .isEqualTo("istio-1611");
  }

  @Test
  void givenPods_whenAskedForTheirSidecar_itShouldFindItAmongContainersAndInitContainers() {
    Pod classic = pod("classic", null, "istio-proxy", "app");
    Pod nativeSidecar = pod("native", "istio-proxy", "app");
    Pod initOnly = pod("init-only", "istio-init", "app");
    Pod none = pod("none", null, "app");

    assertThat(MeshInventory.carriesSidecar(classic)).isTrue();
    assertThat(MeshInventory.carriesSidecar(nativeSidecar)).isTrue();
    assertThat(MeshInventory.proxyImage(nativeSidecar)).isEqualTo("proxy:istio-proxy");
    assertThat(MeshInventory.carriesSidecar(initOnly)).isFalse();
    assertThat(MeshInventory.carriesSidecar(none)).isFalse();
  }

  @Test
  void givenPodsOfEveryOwner_whenListingPodsNoRestartReplaces_itShouldNameBareJobAndOrphanOnes() {
    ReplicaSet ofDeployment = replicaSet("web-1", "rs-1", "Deployment");
    ReplicaSet orphan = replicaSet("lone", "rs-2", null);
    Pod web = owned(pod("web-1-a", "istio-proxy", "app"), "ReplicaSet", "web-1", "rs-1");
    Pod lone = owned(pod("lone-a", null, "istio-proxy", "app"), "ReplicaSet", "lone", "rs-2");
    Pod job = owned(pod("once-a", null, "istio-proxy", "app"), "Job", "once", "j-1");
    Pod set = owned(pod("db-0", "istio-proxy", "app"), "StatefulSet", "db", "s-1");
    Pod bare = pod("debug", "istio-proxy", "app");
    Pod done = pod("finished", null, "istio-proxy", "app");
    done.setStatus(
        new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Succeeded").build());
    Pod optedOut = pod("opted-out", null, "app");

    assertThat(
            MeshInventory.unmanagedPods(
                List.of(web, lone, job, set, bare, done, optedOut), List.of(ofDeployment, orphan)))
        .containsExactly("debug (no controller)", "lone-a (ReplicaSet lone)", "once-a (Job once)");
  }

  @Test
  void givenTheWholeClustersLists_whenSplitByNamespace_itShouldGiveEachNamespaceItsOwnObjects() {
    Pod a1 = inNamespace(pod("a-1", null, "istio-proxy", "app"), "a");
    Pod b1 = inNamespace(pod("b-1", null, "istio-proxy", "app"), "b");
    Pod a2 = inNamespace(pod("a-2", null, "app"), "a");
    Pod gone = inNamespace(pod("x-1", null, "app"), "not-read");
    ReplicaSet rsB = replicaSet("b-rs", "rs-b", "Deployment");
    rsB.getMetadata().setNamespace("b");
    MeshInventory cluster =
        new MeshInventory(
            List.of(ns("a", Map.of()), ns("b", Map.of()), ns("empty", Map.of())),
            List.of(a1, b1, a2, gone),
            List.of(rsB),
            List.of(),
            List.of(),
            List.of(),
            List.of());

    Map<String, MeshInventory> split = cluster.byNamespace();

    assertThat(split).containsOnlyKeys("a", "b", "empty");
    assertThat(split.get("a").pods()).containsExactly(a1, a2);
    assertThat(split.get("a").replicaSets()).isEmpty();
    assertThat(split.get("a").namespaces())
        .extracting(n -> n.getMetadata().getName())
        .containsExactly("a");
    assertThat(split.get("b").pods()).containsExactly(b1);
    assertThat(split.get("b").replicaSets()).containsExactly(rsB);
    assertThat(split.get("empty").pods()).isEmpty();
    // the same answers as the whole cluster's lists filtered per namespace
    for (String name : List.of("a", "b", "empty")) {
      assertThat(split.get(name).unmanagedPods(name)).isEqualTo(cluster.unmanagedPods(name));
      assertThat(split.get(name).workloads(name)).isEqualTo(cluster.workloads(name));
    }
  }

  static Pod inNamespace(Pod pod, String namespace) {
    pod.getMetadata().setNamespace(namespace);
    return pod;
  }

  static Standing standing(String name, Map<String, String> labels) {
    return MeshInventory.injection(ns(name, labels), ONLY_14, "asm-managed").standing();
  }

  static Namespace ns(String name, Map<String, String> labels) {
    return new NamespaceBuilder()
        .withNewMetadata()
        .withName(name)
        .withLabels(labels)
        .endMetadata()
        .build();
  }

  /** A pod with {@code init} as its init container (if not null) and the given containers. */
  static Pod pod(String name, String init, String... containers) {
    PodBuilder b = new PodBuilder().withNewMetadata().withName(name).endMetadata();
    var spec = b.withNewSpec();
    if (init != null) {
      spec.addNewInitContainer().withName(init).withImage("proxy:" + init).endInitContainer();
    }
    for (String c : containers) {
      spec.addNewContainer().withName(c).withImage("proxy:" + c).endContainer();
    }
    return spec.endSpec().build();
  }

  static Pod owned(Pod pod, String kind, String name, String uid) {
    pod.getMetadata()
        .setOwnerReferences(
            List.of(
                new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder()
                    .withKind(kind)
                    .withName(name)
                    .withUid(uid)
                    .withController(true)
                    .build()));
    return pod;
  }

  static ReplicaSet replicaSet(String name, String uid, String ownerKind) {
    ReplicaSet rs =
        new ReplicaSetBuilder().withNewMetadata().withName(name).withUid(uid).endMetadata().build();
    if (ownerKind != null) {
      rs.getMetadata()
          .setOwnerReferences(
              List.of(
                  new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder()
                      .withKind(ownerKind)
                      .withName("web")
                      .withUid("d-1")
                      .withController(true)
                      .build()));
    }
    return rs;
  }
}
