package dev.asmmigrate.activities.fleetmigration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.cloud.gkehub.v1.CreateMembershipRequest;
import com.google.cloud.gkehub.v1.GkeCluster;
import com.google.cloud.gkehub.v1.ListMembershipsRequest;
import com.google.cloud.gkehub.v1.Membership;
import com.google.cloud.gkehub.v1.MembershipEndpoint;
import dev.asmmigrate.activities.backup.SandboxHarness;
import dev.asmmigrate.activities.google.GoogleClients;
import dev.asmmigrate.activities.kube.TestActivities;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.workflows.activities.FleetMigrationActivities;
import dev.asmmigrate.workflows.model.ClusterRef;
import dev.asmmigrate.workflows.model.fleet.FleetCluster;
import dev.asmmigrate.workflows.model.fleet.SoakCheck;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fleet's activities against one sandbox: its fake GKE Hub and ClusterManager for discovery,
 * its Kubernetes API for the soak checks. The namespaces are migrated-like fixtures: pods with the
 * managed revision's proxy, as the workload phase leaves them.
 */
class FleetMigrationActivitiesImplTest {
  static final String ASM_PROXY = "gcr.io/gke-release/asm/proxyv2:1.11.5-asm.3";
  static final String ADDON_PROXY = "gke.gcr.io/istio/proxyv2:1.4.10-gke.8";
  static final String STATUS = "{\"revision\":\"asm-managed\"}";

  static SandboxHarness h;
  static TestActivities activities;
  static GoogleClients google;
  static FleetMigrationActivities fleet;
  static ClusterRef cluster;
  static String project;

  @BeforeAll
  static void start() {
    h =
        SandboxHarness.start(
            SandboxSettings.builder()
                .base(SandboxSettings.Base.NONE)
                .podReadyDelay(Duration.ofMillis(100)));
    activities = new TestActivities();
    google = new GoogleClients();
    fleet =
        activities.stub(
            FleetMigrationActivities.class, new FleetMigrationActivitiesImpl(h.clients, google));
    var s = h.sandbox.settings();
    project = s.project();
    cluster = new ClusterRef(s.project(), s.location(), s.cluster());
    for (String ns : List.of("soak-held", "soak-bad", "soak-crash")) {
      h.client()
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .create();
      deployment(ns, "web", 2);
    }
    h.settle();
    // after settling, which waits for every pod: one never scheduled, one on the add-on's proxy
    pod("soak-bad", "unschedulable", ASM_PROXY, Map.of("no-such-node", "true"));
    pod("soak-bad", "old-proxy", ADDON_PROXY, Map.of());
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> ready("soak-bad", "old-proxy"));
  }

  @AfterAll
  static void stop() {
    activities.close();
    google.close();
    h.close();
  }

  @AfterEach
  void reset() {
    h.sandbox.faults().googleApiFault = "";
  }

  static PodSpec spec(String proxy, Map<String, String> nodeSelector) {
    return new PodSpecBuilder()
        .withNodeSelector(nodeSelector)
        .addNewContainer()
        .withName("app")
        .withImage("nginx:1.25")
        .endContainer()
        .addNewContainer()
        .withName("istio-proxy")
        .withImage(proxy)
        .endContainer()
        .build();
  }

  static void deployment(String ns, String name, int replicas) {
    h.client()
        .apps()
        .deployments()
        .inNamespace(ns)
        .resource(
            new DeploymentBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withNewSpec()
                .withReplicas(replicas)
                .withNewSelector()
                .addToMatchLabels("app", name)
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels("app", name)
                .addToAnnotations("sidecar.istio.io/status", STATUS)
                .endMetadata()
                .withSpec(spec(ASM_PROXY, Map.of()))
                .endTemplate()
                .endSpec()
                .build())
        .create();
  }

  static void pod(String ns, String name, String proxy, Map<String, String> nodeSelector) {
    h.client()
        .pods()
        .inNamespace(ns)
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .addToAnnotations("sidecar.istio.io/status", STATUS)
                .endMetadata()
                .withSpec(spec(proxy, nodeSelector))
                .build())
        .create();
  }

  static boolean ready(String ns, String name) {
    Pod p = h.client().pods().inNamespace(ns).withName(name).get();
    return p != null
        && p.getStatus() != null
        && p.getStatus().getConditions().stream()
            .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
  }

  static List<String> webPods(String ns) {
    return h.client().pods().inNamespace(ns).withLabel("app", "web").list().getItems().stream()
        .map(p -> p.getMetadata().getName())
        .toList();
  }

  // --- soak --------------------------------------------------------------------------------------

  @Test
  void givenAMigratedNamespace_whenSoakChecked_itShouldHold() {
    SoakCheck check =
        fleet.soakCheck(
            cluster,
            h.connection,
            "asm-managed",
            List.of("soak-held"),
            System.currentTimeMillis() - 60_000);

    assertThat(check.problems()).isEmpty();
    assertThat(check.held()).isTrue();
    assertThat(check.pods()).isEqualTo(2);
    assertThat(check.cluster()).isEqualTo(cluster);
  }

  @Test
  void givenAPodNotReadyAndOneOnTheAddonProxy_whenSoakChecked_itShouldNameBoth() {
    SoakCheck check =
        fleet.soakCheck(
            cluster,
            h.connection,
            "asm-managed",
            List.of("soak-held", "soak-bad"),
            System.currentTimeMillis() - 60_000);

    assertThat(check.held()).isFalse();
    assertThat(check.pods()).isEqualTo(6);
    assertThat(check.problems())
        .containsExactly(
            "soak-bad/old-proxy: runs proxy "
                + ADDON_PROXY
                + ", not the asm-managed proxy (repository */asm/proxyv2)",
            "soak-bad/unschedulable: not Ready (Pending)");
  }

  @Test
  void givenAPodThatStartsCrashingDuringTheSoak_whenSoakChecked_itShouldReportItsRestart() {
    long since = System.currentTimeMillis();
    assertThat(
            fleet
                .soakCheck(cluster, h.connection, "asm-managed", List.of("soak-crash"), since)
                .held())
        .isTrue();
    String victim = webPods("soak-crash").get(0);

    h.sandbox.faults().crashLoopNamespaces.add("soak-crash");
    try {
      h.client().pods().inNamespace("soak-crash").withName(victim).delete();
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () ->
                  fleet
                      .soakCheck(cluster, h.connection, "asm-managed", List.of("soak-crash"), since)
                      .problems()
                      .stream()
                      .anyMatch(p -> p.contains("container app restarted at")));
      SoakCheck check =
          fleet.soakCheck(cluster, h.connection, "asm-managed", List.of("soak-crash"), since);
      String replacement =
          webPods("soak-crash").stream().filter(n -> !n.equals(victim)).toList().stream()
              .filter(n -> check.problems().stream().anyMatch(p -> p.startsWith("soak-crash/" + n)))
              .findFirst()
              .orElseThrow();
      assertThat(check.held()).isFalse();
      assertThat(check.problems())
          .allMatch(p -> p.startsWith("soak-crash/" + replacement + ": "))
          .anyMatch(p -> p.contains("not Ready"))
          .anyMatch(
              p ->
                  p.matches(
                      ".*container app restarted at .* \\(Error, exit code 1; \\d+ restarts\\)"));
      // the same restarts, counted from after they happened: only the loop itself remains
      SoakCheck later =
          fleet.soakCheck(
              cluster,
              h.connection,
              "asm-managed",
              List.of("soak-crash"),
              System.currentTimeMillis() + 3_600_000);
      assertThat(later.problems()).noneMatch(p -> p.contains("restarted at"));
    } finally {
      h.sandbox.faults().crashLoopNamespaces.remove("soak-crash");
    }
  }

  @Test
  void givenTheApiServerDeniesPods_whenSoakChecked_itShouldFailPermanentlyNamingTheNamespace() {
    h.sandbox.faults().denied.add("list /pods");
    try {
      assertThatThrownBy(
              () -> fleet.soakCheck(cluster, h.connection, "asm-managed", List.of("soak-held"), 0L))
          .satisfies(
              t -> {
                var f = TestActivities.applicationFailure(t);
                assertThat(f.getType()).isEqualTo("PERMISSION_DENIED");
                assertThat(f.getOriginalMessage()).contains("list pods in soak-held");
              });
    } finally {
      h.sandbox.faults().denied.remove("list /pods");
    }
  }

  // --- discovery ---------------------------------------------------------------------------------

  @Test
  void givenARegisteredClusterWithTheAddon_whenDiscovered_itShouldBeFoundWithItsLabels()
      throws Exception {
    assertThat(fleet.discoverClusters(project, h.connection)).isEmpty();
    var hub = google.gkeHub(h.connection);
    String parent = "projects/" + project + "/locations/global";
    hub.createMembershipAsync(
            CreateMembershipRequest.newBuilder()
                .setParent(parent)
                .setMembershipId("prod-1")
                .setResource(
                    Membership.newBuilder()
                        .putLabels("env", "prod")
                        .setEndpoint(
                            MembershipEndpoint.newBuilder()
                                .setGkeCluster(
                                    GkeCluster.newBuilder()
                                        .setResourceLink(
                                            "//container.googleapis.com/"
                                                + cluster.resourceName()))))
                .build())
        .get();
    // two more: one whose GKE cluster is gone, one that is no GKE cluster
    h.sandbox
        .googleApis()
        .addOtherMembership(
            "gone",
            "//container.googleapis.com/projects/"
                + project
                + "/locations/europe-west1/clusters/gone");
    h.sandbox.googleApis().addOtherMembership("on-prem", "");
    h.sandbox.googleApis().cluster().setIstioAddonEnabled(true);
    try {
      List<FleetCluster> found = fleet.discoverClusters(project, h.connection);

      assertThat(found).hasSize(1);
      FleetCluster c = found.get(0);
      assertThat(c.cluster()).isEqualTo(cluster);
      assertThat(c.labels()).isEqualTo(Map.of("env", "prod"));
      assertThat(c.connection()).isEqualTo(h.connection);
      assertThat(c.fleetProject()).isEqualTo(project);
      assertThat(h.logLines())
          .anyMatch(
              l ->
                  l.contains(project + "/europe-west1/gone")
                      && l.contains("memberships/gone is gone; left out"))
          .anyMatch(l -> l.contains("memberships/on-prem is not a GKE cluster; left out"));

      // the add-on disabled: the cluster is left out, named in the log
      h.sandbox.googleApis().cluster().setIstioAddonEnabled(false);
      assertThat(fleet.discoverClusters(project, h.connection)).isEmpty();
      assertThat(h.logLines())
          .anyMatch(
              l ->
                  l.contains(cluster.toString())
                      && l.contains("does not run the Istio add-on; left out"));
    } finally {
      h.sandbox.googleApis().cluster().setIstioAddonEnabled(false);
      for (String id : List.of("prod-1", "gone", "on-prem")) {
        hub.deleteMembershipAsync(parent + "/memberships/" + id).get();
      }
      assertThat(
              hub.listMembershipsCallable()
                  .call(ListMembershipsRequest.newBuilder().setParent(parent).build())
                  .getResourcesList())
          .isEmpty();
    }
  }

  @Test
  void givenGoogleDeniesPermission_whenDiscovered_itShouldFailPermanentlyNamingThePermission() {
    h.sandbox.faults().googleApiFault = "permission-denied";

    assertThatThrownBy(() -> fleet.discoverClusters(project, h.connection))
        .satisfies(
            t -> {
              var f = TestActivities.applicationFailure(t);
              assertThat(f.getType()).isEqualTo("PERMISSION_DENIED");
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage()).contains("needs gkehub.memberships.list");
            });
  }

  @Test
  void givenAnUnknownFleetProject_whenDiscovered_itShouldFailPermanentlyWithNotFound() {
    assertThatThrownBy(() -> fleet.discoverClusters("no-such-project", h.connection))
        .satisfies(
            t -> {
              var f = TestActivities.applicationFailure(t);
              assertThat(f.getType()).isEqualTo("NOT_FOUND");
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage())
                  .contains("fleet project no-such-project not found");
            });
  }
}
