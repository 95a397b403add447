package dev.asmmigrate.sandbox.controllers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Job controller against a running sandbox, whose kubelet completes Job pods (but for an
 * injected one's sidecar, which runs on).
 */
class JobControllerTest extends ControllerSandboxTest {

  @BeforeAll
  static void serve() {
    serve("job-test", settings());
  }

  @Override
  String namespacePrefix() {
    return "job";
  }

  @Test
  void job_runsParallelismPodsAtATime_untilCompletionsSucceed_thenIsComplete() {
    Job job = job("migrate");
    job.getSpec().setCompletions(3);
    job.getSpec().setParallelism(2);
    try (SetEventLog log = new SetEventLog().watch(client.pods().inNamespace(ns))) {
      Job created = client.batch().v1().jobs().inNamespace(ns).resource(job).create();

      Job done = awaitCondition("migrate", "Complete");

      assertThat(done.getStatus().getSucceeded()).isEqualTo(3);
      assertThat(done.getStatus().getActive()).isNull();
      assertThat(done.getStatus().getFailed()).isNull();
      assertThat(done.getStatus().getStartTime()).isNotNull();
      assertThat(done.getStatus().getCompletionTime()).isNotNull();
      assertThat(SetPods.parseTime(done.getStatus().getCompletionTime()))
          .isAfterOrEqualTo(SetPods.parseTime(done.getStatus().getStartTime()));

      List<Pod> pods = client.pods().inNamespace(ns).list().getItems();
      assertThat(pods).hasSize(3);
      for (Pod p : pods) {
        assertThat(SetPods.phase(p)).isEqualTo("Succeeded");
        assertThat(p.getMetadata().getName()).matches("migrate-[a-z0-9]{5}");
        assertThat(p.getMetadata().getLabels())
            .containsEntry("job-name", "migrate")
            .containsEntry("batch.kubernetes.io/job-name", "migrate")
            .containsEntry("batch.kubernetes.io/controller-uid", created.getMetadata().getUid())
            .containsKey("controller-uid");
        assertThat(p.getMetadata().getOwnerReferences())
            .singleElement()
            .satisfies(
                r -> {
                  assertThat(r.getKind()).isEqualTo("Job");
                  assertThat(r.getUid()).isEqualTo(created.getMetadata().getUid());
                  assertThat(r.getController()).isTrue();
                });
      }

      // never more than `parallelism` pods running at once
      Map<String, Pod> state = new HashMap<>();
      int maxActive = 0;
      for (SetEventLog.Event e : log.events()) {
        Pod pod = (Pod) e.object();
        state.put(pod.getMetadata().getName(), pod);
        long active = state.values().stream().filter(p -> !SetPods.isTerminal(p)).count();
        maxActive = Math.max(maxActive, (int) active);
      }
      assertThat(maxActive).isEqualTo(2);
    }
  }

  @Test
  void job_whosePodsFail_beyondBackoffLimit_isFailed() {
    sandbox.faults().crashLoopNamespaces.add(ns);
    try {
      Job job = job("doomed");
      job.getSpec().setBackoffLimit(0);
      client.batch().v1().jobs().inNamespace(ns).resource(job).create();

      Job failed = awaitCondition("doomed", "Failed");

      JobCondition c = condition(failed, "Failed");
      assertThat(c.getReason()).isEqualTo("BackoffLimitExceeded");
      assertThat(c.getMessage()).isEqualTo("Job has reached the specified backoff limit");
      assertThat(failed.getStatus().getFailed()).isEqualTo(1);
      assertThat(failed.getStatus().getSucceeded()).isNull();
      assertThat(condition(failed, "Complete")).isNull();
      // no replacement is started for a failed Job
      await()
          .during(Duration.ofSeconds(1))
          .atMost(Duration.ofSeconds(3))
          .until(() -> client.pods().inNamespace(ns).list().getItems().size() == 1);
    } finally {
      sandbox.faults().crashLoopNamespaces.remove(ns);
    }
  }

  @Test
  void jobWithASidecar_keepsItsPodRunningAfterTheApplicationExits_andNeverCompletes() {
    Job job = job("meshed");
    job.getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .add(
            new io.fabric8.kubernetes.api.model.ContainerBuilder()
                .withName("istio-proxy")
                .withImage("gke.gcr.io/istio/proxyv2:1.4.10-gke.8")
                .build());
    client.batch().v1().jobs().inNamespace(ns).resource(job).create();

    // the application exits; Istio's proxy does not, and holds the pod Running, not Ready
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                client.pods().inNamespace(ns).list().getItems().stream()
                    .anyMatch(
                        p ->
                            p.getStatus().getContainerStatuses().stream()
                                .anyMatch(
                                    c ->
                                        c.getName().equals("main")
                                            && c.getState().getTerminated() != null)));
    Pod pod = client.pods().inNamespace(ns).list().getItems().get(0);
    assertThat(SetPods.phase(pod)).isEqualTo("Running");
    assertThat(pod.getStatus().getContainerStatuses())
        .anySatisfy(
            c -> {
              assertThat(c.getName()).isEqualTo("istio-proxy");
              assertThat(c.getState().getRunning()).isNotNull();
              assertThat(c.getReady()).isTrue();
            })
        .anySatisfy(
            c -> {
              assertThat(c.getName()).isEqualTo("main");
              assertThat(c.getState().getTerminated().getExitCode()).isZero();
            });
    Job running = client.batch().v1().jobs().inNamespace(ns).withName("meshed").get();
    assertThat(running.getStatus().getActive()).isEqualTo(1);
    assertThat(condition(running, "Complete")).isNull();
    assertThat(client.pods().inNamespace(ns).list().getItems()).hasSize(1);
  }

  @Test
  void suspendedJob_startsNoPod_untilResumed() {
    Job job = job("later");
    job.getSpec().setSuspend(true);
    client.batch().v1().jobs().inNamespace(ns).resource(job).create();

    Job suspended = awaitCondition("later", "Suspended");
    assertThat(condition(suspended, "Suspended").getReason()).isEqualTo("JobSuspended");
    assertThat(suspended.getStatus().getStartTime()).isNull();
    assertThat(client.pods().inNamespace(ns).list().getItems()).isEmpty();

    client
        .batch()
        .v1()
        .jobs()
        .inNamespace(ns)
        .withName("later")
        .edit(
            j -> {
              j.getSpec().setSuspend(false);
              return j;
            });
    Job done = awaitCondition("later", "Complete");
    assertThat(condition(done, "Suspended").getStatus()).isEqualTo("False");
    assertThat(done.getStatus().getSucceeded()).isEqualTo(1);
  }

  // ---------------------------------------------------------------------------------------------

  private static Job job(String name) {
    return new JobBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withNewTemplate()
        .withNewSpec()
        .withRestartPolicy("Never")
        .addNewContainer()
        .withName("main")
        .withImage("registry.example/" + name + ":1")
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  /** As {@code kubectl wait --for=condition=<type>}: the condition's status is True. */
  private Job awaitCondition(String name, String type) {
    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              JobCondition c =
                  condition(client.batch().v1().jobs().inNamespace(ns).withName(name).get(), type);
              return c != null && "True".equals(c.getStatus());
            });
    return client.batch().v1().jobs().inNamespace(ns).withName(name).get();
  }

  private static JobCondition condition(Job job, String type) {
    if (job == null || job.getStatus() == null || job.getStatus().getConditions() == null) {
      return null;
    }
    return job.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .orElse(null);
  }
}
