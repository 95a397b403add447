package dev.asmmigrate.activities.workloads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.asmmigrate.workflows.model.AddonVersion;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The verdicts of verification on hand-built snapshots: each way a namespace waits or fails. */
class VerificationTest {
  static final String ASM = "gcr.io/gke-release/asm/proxyv2:1.11.5-asm.3";
  static final String ADDON = "gke.gcr.io/istio/proxyv2:1.4.10-gke.8";
  static final ExpectedProxy MANAGED = ExpectedProxy.managed("asm-managed");

  static Deployment deployment(long generation, long observed, String revision) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName("web")
        .withUid("d-uid")
        .withGeneration(generation)
        .addToAnnotations(Verification.DEPLOYMENT_REVISION, revision)
        .endMetadata()
        .withNewSpec()
        .withReplicas(1)
        .endSpec()
        .withNewStatus()
        .withObservedGeneration(observed)
        .withReplicas(1)
        .withUpdatedReplicas(1)
        .withAvailableReplicas(1)
        .endStatus()
        .build();
  }

  static ReplicaSet replicaSet(String name, String revision) {
    return new ReplicaSetBuilder()
        .withNewMetadata()
        .withName(name)
        .withUid(name + "-uid")
        .addToAnnotations(Verification.DEPLOYMENT_REVISION, revision)
        .addNewOwnerReference()
        .withKind("Deployment")
        .withName("web")
        .withUid("d-uid")
        .withController(true)
        .endOwnerReference()
        .endMetadata()
        .build();
  }

  static PodBuilder pod(String name, String ownerUid, String proxyImage, String revision) {
    PodBuilder b =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .addToLabels("istio.io/rev", revision)
            .addNewOwnerReference()
            .withKind("ReplicaSet")
            .withUid(ownerUid)
            .withController(true)
            .endOwnerReference()
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("app")
            .withImage("app:1")
            .endContainer()
            .addNewContainer()
            .withName("istio-proxy")
            .withImage(proxyImage)
            .endContainer()
            .endSpec()
            .withNewStatus()
            .withPhase("Running")
            .addNewCondition()
            .withType("Ready")
            .withStatus("True")
            .endCondition()
            .addNewContainerStatus()
            .withName("app")
            .withReady(true)
            .withRestartCount(0)
            .endContainerStatus()
            .addNewContainerStatus()
            .withName("istio-proxy")
            .withReady(true)
            .withRestartCount(0)
            .endContainerStatus()
            .endStatus();
    return b;
  }

  static Verification.Verdict judge(List<Deployment> d, List<ReplicaSet> rs, List<Pod> pods) {
    return Verification.evaluate(
        "shop", new Verification.Snapshot(d, rs, List.of(), List.of(), List.of(), pods), MANAGED);
  }

  @Test
  void givenEveryCurrentPodOnTheManagedProxy_whenJudged_itShouldBeDone() {
    Verification.Verdict v =
        judge(
            List.of(deployment(2, 2, "2")),
            List.of(replicaSet("web-old", "1"), replicaSet("web-new", "2")),
            List.of(pod("web-new-a", "web-new-uid", ASM, "asm-managed").build()));

    assertThat(v.done()).isTrue();
    assertThat(v.failure()).isNull();
    assertThat(v.podsReady()).isEqualTo(1);
    assertThat(v.workloads()).isEqualTo(1);
  }

  @Test
  void givenARolloutItsStatusCallsDoneButWhosePodsAreNotSeenYet_whenJudged_itShouldWait() {
    // the Deployment's watch ran ahead of the pods' watch (a delayed or throttled reconnect)
    Verification.Verdict v =
        judge(
            List.of(deployment(2, 2, "2")),
            List.of(replicaSet("web-old", "1"), replicaSet("web-new", "2")),
            List.of(
                pod("web-old-a", "web-old-uid", ADDON, "istio-1611")
                    .editMetadata()
                    .withDeletionTimestamp("2024-05-01T10:00:00Z")
                    .endMetadata()
                    .build()));

    assertThat(v.done()).isFalse();
    assertThat(v.failure()).isNull();
    assertThat(v.podsReady()).isZero();
    assertThat(v.missing())
        .containsExactly("Deployment/web: 0 of 1 pods of the current revision seen");
  }

  @Test
  void givenAnOldRevisionPodOnTheAddonProxyDuringTheRollout_whenJudged_itShouldWaitNotFail() {
    Deployment rolling = deployment(2, 2, "2");
    rolling.getStatus().setReplicas(2);
    Verification.Verdict v =
        judge(
            List.of(rolling),
            List.of(replicaSet("web-old", "1"), replicaSet("web-new", "2")),
            List.of(
                pod("web-old-a", "web-old-uid", ADDON, null).build(),
                pod("web-new-a", "web-new-uid", ASM, "asm-managed").build()));

    assertThat(v.done()).isFalse();
    assertThat(v.failure()).isNull();
    assertThat(v.missing()).containsExactly("Deployment web: 1 old replicas pending termination");
  }

  @Test
  void givenANotYetObservedRestart_whenJudged_itShouldNotJudgeTheOldReplicaSetsPods() {
    Verification.Verdict v =
        judge(
            List.of(deployment(3, 2, "2")),
            List.of(replicaSet("web-old", "2")),
            List.of(pod("web-old-a", "web-old-uid", ADDON, null).build()));

    assertThat(v.done()).isFalse();
    assertThat(v.failure()).isNull();
    assertThat(v.missing())
        .containsExactly("Deployment web: the controller has not observed its latest spec yet");
  }

  @Test
  void givenACrashLoopingCurrentPod_whenJudged_itShouldFailNamingNamespaceWorkloadPodAndReason() {
    Pod crashing =
        pod("web-new-a", "web-new-uid", ASM, "asm-managed")
            .editStatus()
            .editFirstContainerStatus()
            .withReady(false)
            .withRestartCount(3)
            .withNewState()
            .withNewWaiting()
            .withReason("CrashLoopBackOff")
            .endWaiting()
            .endState()
            .withNewLastState()
            .withNewTerminated()
            .withReason("Error")
            .withExitCode(1)
            .endTerminated()
            .endLastState()
            .endContainerStatus()
            .endStatus()
            .build();

    Verification.Verdict v =
        judge(
            List.of(deployment(2, 2, "2")), List.of(replicaSet("web-new", "2")), List.of(crashing));

    assertThat(v.failure())
        .isEqualTo(
            "namespace shop Deployment/web pod web-new-a: container app is in CrashLoopBackOff"
                + " (last exit: Error, code 1)");
  }

  @Test
  void givenACurrentPodInjectedByAnotherRevision_whenJudged_itShouldFailNamingTheRevision() {
    Verification.Verdict v =
        judge(
            List.of(deployment(2, 2, "2")),
            List.of(replicaSet("web-new", "2")),
            List.of(pod("web-new-a", "web-new-uid", ASM, "asm-managed-rapid").build()));

    assertThat(v.failure())
        .isEqualTo(
            "namespace shop Deployment/web pod web-new-a: was injected by revision"
                + " asm-managed-rapid, not asm-managed");
  }

  @Test
  void givenAPodThatOptedOutOfInjection_whenJudged_itShouldOnlyNeedToBeHealthy() {
    Pod optedOut =
        new PodBuilder()
            .withNewMetadata()
            .withName("web-new-a")
            .addToAnnotations("sidecar.istio.io/inject", "false")
            .addNewOwnerReference()
            .withKind("ReplicaSet")
            .withUid("web-new-uid")
            .withController(true)
            .endOwnerReference()
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("app")
            .withImage("app:1")
            .endContainer()
            .endSpec()
            .withNewStatus()
            .withPhase("Running")
            .addNewCondition()
            .withType("Ready")
            .withStatus("True")
            .endCondition()
            .addNewContainerStatus()
            .withName("app")
            .withReady(true)
            .withRestartCount(0)
            .endContainerStatus()
            .endStatus()
            .build();

    Verification.Verdict v =
        judge(
            List.of(deployment(2, 2, "2")), List.of(replicaSet("web-new", "2")), List.of(optedOut));

    assertThat(v.done()).isTrue();
  }

  @Test
  void givenAStatefulSetWhosePodIsBeingReplaced_whenJudged_itShouldWaitForIt() {
    StatefulSet set =
        new StatefulSetBuilder()
            .withNewMetadata()
            .withName("db")
            .withUid("s-uid")
            .withGeneration(2L)
            .endMetadata()
            .withNewSpec()
            .withReplicas(1)
            .endSpec()
            .withNewStatus()
            .withObservedGeneration(2L)
            .withReadyReplicas(0)
            .withCurrentRevision("db-1")
            .withUpdateRevision("db-2")
            .endStatus()
            .build();

    Verification.Verdict v =
        Verification.evaluate(
            "shop",
            new Verification.Snapshot(
                List.of(), List.of(), List.of(set), List.of(), List.of(), List.of()),
            MANAGED);

    assertThat(v.done()).isFalse();
    assertThat(v.workloads()).isEqualTo(1);
    assertThat(v.missing()).containsExactly("StatefulSet db: 0 of 1 pods ready");
  }

  @Test
  void givenAProgressDeadlineExceeded_whenJudged_itShouldFail() {
    Deployment stuck = deployment(2, 2, "2");
    stuck.getStatus().setUpdatedReplicas(0);
    stuck
        .getStatus()
        .setConditions(
            List.of(
                new io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder()
                    .withType("Progressing")
                    .withStatus("False")
                    .withReason("ProgressDeadlineExceeded")
                    .withMessage("ReplicaSet \"web-new\" has timed out progressing.")
                    .build()));

    assertThat(RolloutStatus.of(stuck).failure())
        .isEqualTo(
            "Deployment web exceeded its progress deadline: ReplicaSet \"web-new\" has timed out"
                + " progressing.");
  }

  @Test
  void givenInjectorValues_whenReadingTheAddonProxyImage_itShouldFollowTheTemplatesRule() {
    assertThat(
            ExpectedProxy.addonImage(
                "{\"global\":{\"hub\":\"gke.gcr.io/istio\",\"tag\":\"1.4.10-gke.8\","
                    + "\"proxy\":{\"image\":\"proxyv2\"}}}"))
        .isEqualTo(ADDON);
    assertThat(
            ExpectedProxy.addonImage(
                "{\"global\":{\"hub\":\"h\",\"tag\":\"t\",\"proxy\":{\"image\":\"r.io/p/proxy:9\"}}}"))
        .isEqualTo("r.io/p/proxy:9");
    assertThatThrownBy(() -> ExpectedProxy.addonImage("{\"global\":{}}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("global.hub");
    assertThat(ExpectedProxy.addon(AddonVersion.V1_4, ADDON).describe())
        .isEqualTo("the add-on 1.4 proxy " + ADDON);
  }
}
