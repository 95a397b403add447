package dev.asmmigrate.activities.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asmmigrate.activities.backup.SandboxHarness;
import dev.asmmigrate.activities.google.GoogleClients;
import dev.asmmigrate.activities.kube.TestActivities;
import dev.asmmigrate.activities.preflight.PreflightActivitiesImpl;
import dev.asmmigrate.activities.workloads.WorkloadActivitiesImpl;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.workflows.activities.PreflightActivities;
import dev.asmmigrate.workflows.activities.PreflightActivities.PreflightRequest;
import dev.asmmigrate.workflows.activities.WorkloadActivities;
import dev.asmmigrate.workflows.activities.WorkloadActivities.Direction;
import dev.asmmigrate.workflows.activities.WorkloadActivities.RemainingRequest;
import dev.asmmigrate.workflows.activities.WorkloadActivities.RestartRequest;
import dev.asmmigrate.workflows.activities.WorkloadActivities.RestartResult;
import dev.asmmigrate.workflows.activities.WorkloadActivities.VerifyRequest;
import dev.asmmigrate.workflows.activities.WorkloadActivities.VerifyResult;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.NamespacePlan;
import dev.asmmigrate.workflows.model.PodToRecreate;
import dev.asmmigrate.workflows.model.PreflightReport;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One cluster holding every case on which pre-flight and the workload phase once classified
 * differently, and every step reading it alike: pre-flight's report (what {@code plan} shows), the
 * namespaces left for migrate-remaining-workloads, the restart's pods no restart replaces, and the
 * verification's pods with a sidecar.
 *
 * <p>The cases: a StatefulSet and a bare pod whose {@code istio-proxy} is a native sidecar (an init
 * container); {@code istio-operator} and {@code asm-migrate-system} labelled for injection; a pod
 * opted out with {@code sidecar.istio.io/inject=false}; a bare pod and a Job's pod with a sidecar;
 * a namespace labelled {@code istio.io/rev=istio-1611} on a 1.4-only cluster; a namespace labelled
 * {@code istio-injection=disabled} whose old pod still runs the add-on proxy; an unlabelled one.
 */
class OneClassificationTest {
  static final String APPS = "apps";

  static SandboxHarness h;
  static TestActivities activities;
  static GoogleClients google;
  static PreflightActivities preflight;
  static WorkloadActivities workloads;
  static String addonProxy;

  @BeforeAll
  static void start() {
    h =
        SandboxHarness.start(
                SandboxSettings.builder()
                    .base(SandboxSettings.Base.ADDON_1_4)
                    .apps(List.of())
                    .podReadyDelay(Duration.ofMillis(100)))
            .settle();
    activities = new TestActivities();
    google = new GoogleClients();
    preflight =
        activities.stub(
            PreflightActivities.class, new PreflightActivitiesImpl(h.clients, h.backups, google));
    workloads =
        activities.stub(WorkloadActivities.class, new WorkloadActivitiesImpl(h.clients, h.backups));
    KubernetesClient c = h.sandbox.client("test");

    namespace(c, APPS, Map.of("istio-injection", "enabled"));
    c.apps().deployments().inNamespace(APPS).resource(deployment("web")).create();
    // learn the add-on's proxy image from a pod its injector injected
    addonProxy =
        Awaitility.await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    c.pods().inNamespace(APPS).list().getItems().stream()
                        .flatMap(p -> p.getSpec().getContainers().stream())
                        .filter(k -> "istio-proxy".equals(k.getName()))
                        .map(Container::getImage)
                        .findFirst()
                        .orElse(null),
                image -> image != null);
    c.apps().statefulSets().inNamespace(APPS).resource(nativeSidecarSet("native-db")).create();
    c.pods().inNamespace(APPS).resource(pod("debug", plainSpec(), false)).create();
    c.pods().inNamespace(APPS).resource(pod("native-debug", nativeSpec(), true)).create();
    Pod optedOut = pod("opted-out", plainSpec(), false);
    optedOut.getMetadata().setAnnotations(Map.of("sidecar.istio.io/inject", "false"));
    c.pods().inNamespace(APPS).resource(optedOut).create();
    c.batch()
        .v1()
        .jobs()
        .inNamespace(APPS)
        .resource(
            new JobBuilder()
                .withNewMetadata()
                .withName("once")
                .endMetadata()
                .withNewSpec()
                .withNewTemplate()
                .withSpec(new PodSpecBuilder(plainSpec()).withRestartPolicy("Never").build())
                .endTemplate()
                .endSpec()
                .build())
        .create();

    // the control plane's and asm-migrate's namespaces, labelled as an application's would be
    namespace(c, "istio-operator", Map.of("istio-injection", "enabled"));
    c.apps().deployments().inNamespace("istio-operator").resource(deployment("operator")).create();
    namespace(c, "asm-migrate-system", Map.of("istio-injection", "enabled"));
    c.apps()
        .deployments()
        .inNamespace("asm-migrate-system")
        .resource(deployment("helper"))
        .create();
    // labelled for add-on 1.6, which does not run here
    namespace(c, "rev16", Map.of("istio.io/rev", "istio-1611"));
    c.apps().deployments().inNamespace("rev16").resource(deployment("svc")).create();
    // opted out, its pod injected before that
    namespace(c, "disabled", Map.of("istio-injection", "disabled"));
    c.pods().inNamespace("disabled").resource(pod("old", addonSpec(), true)).create();
    namespace(c, "plain", Map.of());
    c.apps().deployments().inNamespace("plain").resource(deployment("svc")).create();
    h.settle();
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> c.pods().inNamespace(APPS).list().getItems().size() == 6);
  }

  @AfterAll
  static void stop() {
    activities.close();
    google.close();
    h.close();
  }

  @Test
  void givenEveryCaseTheRulesOnceDifferedOn_whenEachStepReadsTheCluster_itShouldSeeTheSameMesh() {
    MigrationContext ctx = h.context();
    NamespacePlan apps = new NamespacePlan(APPS, AddonVersion.V1_4, 2, 3);

    PreflightReport report = preflight.preflight(new PreflightRequest(ctx, List.of()));
    List<NamespacePlan> remaining = workloads.remainingNamespaces(new RemainingRequest(ctx, null));

    // pre-flight (and so plan) and migrate-remaining-workloads: one namespace, the same numbers
    assertThat(report.namespaces()).containsExactly(apps);
    assertThat(remaining).containsExactly(apps);
    assertThat(report.podsToRecreate())
        .extracting(PodToRecreate::name, PodToRecreate::kind)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("debug", PodToRecreate.BARE),
            org.assertj.core.groups.Tuple.tuple("native-debug", PodToRecreate.BARE),
            org.assertj.core.groups.Tuple.tuple(jobPod(), PodToRecreate.JOB));

    // the restart: the same workloads, the same pods left on their proxy
    RestartResult restarted =
        workloads.restartWorkloads(
            RestartRequest.migrate(ctx, APPS, "asm-migrate/one-classification", true));
    assertThat(restarted.workloads())
        .containsExactlyInAnyOrder("Deployment/web", "StatefulSet/native-db");
    assertThat(restarted.unmanagedPods())
        .hasSize(apps.unmanagedPods())
        .containsExactly(
            "debug (no controller)", "native-debug (no controller)", jobPod() + " (Job once)");

    // verification: the same workloads judged, each pod's proxy the add-on's (native one too)
    VerifyResult verified =
        workloads.verifyNamespace(
            new VerifyRequest(
                ctx, APPS, Direction.ROLL_BACK, AddonVersion.V1_4, Duration.ofSeconds(60), true));
    assertThat(verified.workloads()).isEqualTo(apps.workloads());
    assertThat(verified.podsVerified()).isEqualTo(2);
  }

  @Test
  void givenTheSameCluster_whenTheInventoryReadsIt_itShouldPlaceEveryNamespaceAsTheStepsDo() {
    MeshInventory inventory = InventoryReads.cluster(h.client());

    assertThat(inventory.injections(List.of(AddonVersion.V1_4), "asm-managed"))
        .filteredOn(i -> !i.namespace().startsWith("kube-") && !i.namespace().equals("default"))
        .extracting(MeshInventory.Injection::namespace, MeshInventory.Injection::standing)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(APPS, MeshInventory.Standing.ON_ADDON),
            org.assertj.core.groups.Tuple.tuple(
                "asm-migrate-system", MeshInventory.Standing.NEVER_TOUCHED),
            org.assertj.core.groups.Tuple.tuple("disabled", MeshInventory.Standing.OUTSIDE),
            org.assertj.core.groups.Tuple.tuple(
                "istio-operator", MeshInventory.Standing.NEVER_TOUCHED),
            org.assertj.core.groups.Tuple.tuple(
                "istio-system", MeshInventory.Standing.NEVER_TOUCHED),
            org.assertj.core.groups.Tuple.tuple("plain", MeshInventory.Standing.OUTSIDE),
            org.assertj.core.groups.Tuple.tuple("rev16", MeshInventory.Standing.ADDON_NOT_RUNNING));
    assertThat(inventory.plan(APPS, AddonVersion.V1_4))
        .isEqualTo(new NamespacePlan(APPS, AddonVersion.V1_4, 2, 3));
  }

  static String jobPod() {
    return h.client().pods().inNamespace(APPS).list().getItems().stream()
        .map(p -> p.getMetadata().getName())
        .filter(n -> n.startsWith("once-"))
        .findFirst()
        .orElseThrow();
  }

  static void namespace(KubernetesClient c, String name, Map<String, String> labels) {
    var ns =
        new NamespaceBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata();
    if (c.namespaces().withName(name).get() == null) {
      c.namespaces().resource(ns.build()).create();
    } else {
      c.namespaces().withName(name).edit(n -> ns.build());
    }
  }

  static io.fabric8.kubernetes.api.model.apps.Deployment deployment(String name) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withReplicas(1)
        .withNewSelector()
        .addToMatchLabels("app", name)
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .addToLabels("app", name)
        .endMetadata()
        .withSpec(plainSpec())
        .endTemplate()
        .endSpec()
        .build();
  }

  /** A StatefulSet whose pods carry the add-on's proxy as a native sidecar (an init container). */
  static io.fabric8.kubernetes.api.model.apps.StatefulSet nativeSidecarSet(String name) {
    return new StatefulSetBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withReplicas(1)
        .withServiceName(name)
        .withNewSelector()
        .addToMatchLabels("app", name)
        .endSelector()
        .withNewTemplate()
        .withMetadata(injectedMeta(name))
        .withSpec(nativeSpec())
        .endTemplate()
        .endSpec()
        .build();
  }

  static Pod pod(String name, PodSpec spec, boolean injected) {
    ObjectMeta meta = injected ? injectedMeta(name) : new ObjectMeta();
    meta.setName(name);
    return new PodBuilder().withMetadata(meta).withSpec(spec).build();
  }

  /** Metadata of a pod injected already: the injector's status, so it is not injected twice. */
  static ObjectMeta injectedMeta(String app) {
    ObjectMeta meta = new ObjectMeta();
    meta.setLabels(Map.of("app", app));
    meta.setAnnotations(
        Map.of(
            "sidecar.istio.io/status",
            "{\"initContainers\":[\"istio-init\"],\"containers\":[\"istio-proxy\"]}"));
    return meta;
  }

  static PodSpec plainSpec() {
    return new PodSpecBuilder().addToContainers(app()).build();
  }

  /** The add-on's proxy as a native sidecar: an init container that runs on (restartPolicy). */
  static PodSpec nativeSpec() {
    return new PodSpecBuilder()
        .addToInitContainers(
            new ContainerBuilder()
                .withName("istio-proxy")
                .withImage(addonProxy)
                .withRestartPolicy("Always")
                .build())
        .addToContainers(app())
        .build();
  }

  /** A pod the add-on injected the classic way. */
  static PodSpec addonSpec() {
    return new PodSpecBuilder()
        .addToContainers(app())
        .addToContainers(
            new ContainerBuilder().withName("istio-proxy").withImage(addonProxy).build())
        .build();
  }

  static Container app() {
    return new ContainerBuilder().withName("app").withImage("busybox").build();
  }
}
