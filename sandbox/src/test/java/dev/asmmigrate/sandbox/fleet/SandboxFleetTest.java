package dev.asmmigrate.sandbox.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.gkehub.servicemesh.v1beta.MembershipSpec;
import com.google.cloud.gkehub.v1.GkeCluster;
import com.google.cloud.gkehub.v1.Membership;
import com.google.cloud.gkehub.v1.MembershipEndpoint;
import com.google.cloud.gkehub.v1beta.Feature;
import com.google.cloud.gkehub.v1beta.MembershipFeatureSpec;
import com.google.container.v1beta1.Cluster;
import com.google.container.v1beta1.GetClusterRequest;
import com.google.container.v1beta1.ListClustersRequest;
import com.google.protobuf.FieldMask;
import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.SandboxFleet;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.api.Json;
import dev.asmmigrate.sandbox.google.GoogleClients;
import dev.asmmigrate.sandbox.http.RequestLog;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fleet sandbox of two clusters, one add-on 1.4 cluster registered in the fleet with labels and
 * one add-on 1.6 cluster in another location, not registered, sharing one fake Google: each answers
 * the Kubernetes API on its own port with its own objects and its own request log; the shared
 * ClusterManager answers for each; the shared GKE Hub keeps one fleet, where both clusters'
 * memberships meet on one servicemesh feature. One fleet for every method.
 */
class SandboxFleetTest {
  private static final String PROJECT = "fleet-project";

  static SandboxFleet fleet;
  static GoogleClients google;

  @BeforeAll
  static void startFleet() throws Exception {
    SandboxSettings one =
        SandboxSettings.builder()
            .project(PROJECT)
            .location("us-central1-a")
            .cluster("cluster-1")
            .podReadyDelay(Duration.ofMillis(200))
            .build();
    SandboxSettings two =
        SandboxFleet.copy(one)
            .base(SandboxSettings.Base.ADDON_1_6)
            .location("europe-west1-b")
            .cluster("cluster-2")
            .masterVersion("1.20.4-gke.400")
            .build();
    fleet =
        SandboxFleet.start(
            new SandboxFleet.Settings(
                List.of(
                    new SandboxFleet.Member(one, Map.of("wave", "canary"), true),
                    new SandboxFleet.Member(two, Map.of("wave", "rest"), false)),
                PROJECT,
                0));
    google = GoogleClients.of(fleet.googleApis(), one);
  }

  @AfterAll
  static void stopFleet() throws Exception {
    if (google != null) {
      google.close();
    }
    if (fleet != null) {
      fleet.close();
    }
  }

  @Test
  void givenTwoClusters_eachShouldServeItsOwnObjectsOnItsOwnPort_andLogOnlyItsOwnRequests(
      @TempDir Path dir) throws Exception {
    Sandbox one = fleet.sandbox("cluster-1");
    Sandbox two = fleet.sandbox("cluster-2");
    assertThat(one.kubernetesUrl()).isNotEqualTo(two.kubernetesUrl());
    Path kubeconfig = fleet.writeKubeconfig(dir.resolve("fleet.kubeconfig"));
    JsonNode config = Json.readYamlDocuments(Files.readString(kubeconfig)).get(0);
    assertThat(config.path("contexts").findValuesAsText("name"))
        .containsExactly("cluster-1", "cluster-2");
    assertThat(config.path("clusters").findValuesAsText("server"))
        .containsExactly(one.kubernetesUrl(), two.kubernetesUrl());

    long oneBefore = lastSeq(one);
    long twoBefore = lastSeq(two);
    try (KubernetesClient c1 = client(kubeconfig, "cluster-1");
        KubernetesClient c2 = client(kubeconfig, "cluster-2")) {
      c1.configMaps()
          .inNamespace("default")
          .resource(
              new ConfigMapBuilder()
                  .withNewMetadata()
                  .withName("only-in-one")
                  .endMetadata()
                  .addToData("k", "v")
                  .build())
          .create();
      assertThat(c1.configMaps().inNamespace("default").withName("only-in-one").get()).isNotNull();
      assertThat(c2.configMaps().inNamespace("default").withName("only-in-one").get()).isNull();
      // each its own base: the 1.6 add-on's istiod only in cluster-2
      assertThat(c1.apps().deployments().inNamespace("istio-system").withName("istiod-istio-1611"))
          .satisfies(d -> assertThat(d.get()).isNull());
      assertThat(c2.apps().deployments().inNamespace("istio-system").list().getItems())
          .extracting(d -> d.getMetadata().getName())
          .anyMatch(n -> n.startsWith("istiod"));
      assertThat(c1.apps().deployments().inNamespace("istio-system").list().getItems())
          .extracting(d -> d.getMetadata().getName())
          .noneMatch(n -> n.startsWith("istiod"));
    }
    // each cluster's request log holds exactly the test's requests to it, none to the other
    assertThat(clientRequests(one, oneBefore))
        .containsExactly(
            "create configmaps 201",
            "get configmaps 200",
            "get deployments 404",
            "list deployments 200");
    assertThat(clientRequests(two, twoBefore))
        .containsExactly("get configmaps 404", "list deployments 200");
  }

  @Test
  void givenTwoClusters_theSharedClusterManagerShouldAnswerForEach() {
    Cluster one = getCluster(PROJECT + "/locations/us-central1-a/clusters/cluster-1");
    Cluster two = getCluster(PROJECT + "/locations/europe-west1-b/clusters/cluster-2");
    assertThat(one.getName()).isEqualTo("cluster-1");
    assertThat(one.getLocation()).isEqualTo("us-central1-a");
    assertThat(one.getCurrentMasterVersion()).isEqualTo("1.19.8-gke.1600");
    assertThat(two.getName()).isEqualTo("cluster-2");
    assertThat(two.getLocation()).isEqualTo("europe-west1-b");
    assertThat(two.getCurrentMasterVersion()).isEqualTo("1.20.4-gke.400");
    assertThat(one.getId()).isNotEqualTo(two.getId());

    var all =
        google.containerBeta.listClusters(
            ListClustersRequest.newBuilder()
                .setParent("projects/" + PROJECT + "/locations/-")
                .build());
    assertThat(all.getClustersList())
        .extracting(Cluster::getName)
        .containsExactly("cluster-1", "cluster-2");
    var inEurope =
        google.containerBeta.listClusters(
            ListClustersRequest.newBuilder()
                .setParent("projects/" + PROJECT + "/locations/europe-west1-b")
                .build());
    assertThat(inEurope.getClustersList())
        .extracting(Cluster::getName)
        .containsExactly("cluster-2");
    assertThatThrownBy(() -> getCluster(PROJECT + "/locations/us-central1-a/clusters/cluster-2"))
        .satisfies(
            e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.NOT_FOUND));

    // each cluster's add-on state is its own
    fleet.gkeCluster("cluster-2").setIstioAddonEnabled(false);
    try {
      assertThat(
              getCluster(PROJECT + "/locations/europe-west1-b/clusters/cluster-2")
                  .getAddonsConfig()
                  .getIstioConfig()
                  .getDisabled())
          .isTrue();
      assertThat(
              getCluster(PROJECT + "/locations/us-central1-a/clusters/cluster-1")
                  .getAddonsConfig()
                  .getIstioConfig()
                  .getDisabled())
          .isFalse();
    } finally {
      fleet.gkeCluster("cluster-2").setIstioAddonEnabled(true);
    }
  }

  @Test
  void givenTwoClusters_theSharedHubShouldKeepAMembershipEach_andOneServicemeshFeature()
      throws Exception {
    String parent = "projects/" + PROJECT + "/locations/global";
    Membership registered = google.hub.getMembership(parent + "/memberships/cluster-1");
    assertThat(registered.getLabelsMap()).isEqualTo(Map.of("wave", "canary"));
    assertThat(registered.getEndpoint().getGkeCluster().getResourceLink())
        .isEqualTo(fleet.gkeCluster("cluster-1").resourceLink());

    String link = fleet.gkeCluster("cluster-2").resourceLink();
    google
        .hub
        .createMembershipAsync(
            com.google.cloud.gkehub.v1.CreateMembershipRequest.newBuilder()
                .setParent(parent)
                .setMembershipId("cluster-2")
                .setResource(
                    Membership.newBuilder()
                        .setEndpoint(
                            MembershipEndpoint.newBuilder()
                                .setGkeCluster(GkeCluster.newBuilder().setResourceLink(link))))
                .build())
        .get();
    List<String> members = listMembershipLinks(parent);
    assertThat(members)
        .containsExactlyInAnyOrder(fleet.gkeCluster("cluster-1").resourceLink(), link);

    // two migrations enable the feature for their own membership; they meet on one feature
    long number = fleet.gkeCluster("cluster-1").projectNumber();
    google
        .hubBeta
        .createFeatureAsync(
            com.google.cloud.gkehub.v1beta.CreateFeatureRequest.newBuilder()
                .setParent(parent)
                .setFeatureId("servicemesh")
                .setResource(
                    Feature.newBuilder().putMembershipSpecs(key(number, "cluster-1"), mesh()))
                .build())
        .get();
    google
        .hubBeta
        .updateFeatureAsync(
            com.google.cloud.gkehub.v1beta.UpdateFeatureRequest.newBuilder()
                .setName(parent + "/features/servicemesh")
                .setUpdateMask(FieldMask.newBuilder().addPaths("membership_specs"))
                .setResource(
                    Feature.newBuilder().putMembershipSpecs(key(number, "cluster-2"), mesh()))
                .build())
        .get();
    var features = google.hubBeta.listFeatures(parent).iterateAll();
    assertThat(features).hasSize(1);
    Feature feature = features.iterator().next();
    assertThat(feature.getMembershipSpecsMap().keySet())
        .containsExactlyInAnyOrder(key(number, "cluster-1"), key(number, "cluster-2"));
    assertThat(feature.getMembershipStatesMap().keySet())
        .containsExactlyInAnyOrder(key(number, "cluster-1"), key(number, "cluster-2"));

    // an unknown cluster cannot be registered
    assertThatThrownBy(
            () ->
                google
                    .hub
                    .createMembershipAsync(
                        com.google.cloud.gkehub.v1.CreateMembershipRequest.newBuilder()
                            .setParent(parent)
                            .setMembershipId("cluster-3")
                            .setResource(
                                Membership.newBuilder()
                                    .setEndpoint(
                                        MembershipEndpoint.newBuilder()
                                            .setGkeCluster(
                                                GkeCluster.newBuilder()
                                                    .setResourceLink(
                                                        link.replace("cluster-2", "cluster-3")))))
                            .build())
                    .get())
        .hasRootCauseInstanceOf(StatusRuntimeException.class)
        .hasMessageContaining("NOT_FOUND");
  }

  @Test
  void givenTwoClustersOfOneName_theFleetShouldBeRefused_andSettingsOfNShouldNameThemInTurn() {
    SandboxSettings s = SandboxSettings.builder().build();
    assertThatThrownBy(
            () ->
                new SandboxFleet.Settings(
                    List.of(
                        new SandboxFleet.Member(s, Map.of(), false),
                        new SandboxFleet.Member(
                            SandboxFleet.copy(s).location("europe-west1-b").build(),
                            Map.of(),
                            false)),
                    PROJECT,
                    0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cluster name 'sandbox-cluster' is used twice");
    SandboxFleet.Settings three = SandboxFleet.Settings.of(3, s);
    assertThat(three.members())
        .extracting(SandboxFleet.Member::name)
        .containsExactly("cluster-1", "cluster-2", "cluster-3");
    assertThat(three.members())
        .extracting(m -> m.labels().get("wave"))
        .containsExactly("canary", "rest", "rest");
    assertThat(three.fleetProject()).isEqualTo(s.project());
  }

  private static List<String> listMembershipLinks(String parent) {
    List<String> links = new java.util.ArrayList<>();
    google
        .hub
        .listMemberships(parent)
        .iterateAll()
        .forEach(m -> links.add(m.getEndpoint().getGkeCluster().getResourceLink()));
    return links;
  }

  private static String key(long projectNumber, String id) {
    return "projects/" + projectNumber + "/locations/global/memberships/" + id;
  }

  private static MembershipFeatureSpec mesh() {
    return MembershipFeatureSpec.newBuilder()
        .setMesh(
            MembershipSpec.newBuilder()
                .setManagement(MembershipSpec.Management.MANAGEMENT_AUTOMATIC))
        .build();
  }

  private static Cluster getCluster(String nameAfterProjects) {
    return google.containerBeta.getCluster(
        GetClusterRequest.newBuilder().setName("projects/" + nameAfterProjects).build());
  }

  private static long lastSeq(Sandbox sandbox) {
    List<RequestLog.Entry> entries = sandbox.apiServer().requestLog().entries();
    return entries.isEmpty() ? 0 : entries.get(entries.size() - 1).seq();
  }

  /** The requests of clients other than the sandbox's own after {@code seq}: verb resource code. */
  private static List<String> clientRequests(Sandbox sandbox, long seq) {
    return sandbox.apiServer().requestLog().entries().stream()
        .filter(e -> e.seq() > seq && !e.userAgent().startsWith(Sandbox.USER_AGENT_PREFIX))
        .map(e -> e.verb() + " " + e.resource() + " " + e.code())
        .toList();
  }

  private static KubernetesClient client(Path kubeconfig, String context) throws Exception {
    Config config = Config.fromKubeconfig(context, Files.readString(kubeconfig), null);
    return new KubernetesClientBuilder().withConfig(config).build();
  }
}
