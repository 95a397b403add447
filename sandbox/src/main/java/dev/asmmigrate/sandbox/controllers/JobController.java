package dev.asmmigrate.sandbox.controllers;

import dev.asmmigrate.sandbox.SandboxContext;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The Job controller (k8s.io/kubernetes pkg/controller/job), as a client of the sandbox's API.
 *
 * <p>Runs {@code parallelism} pods at a time ({@code <job>-xxxxx}, labelled {@code controller-uid},
 * {@code job-name}, {@code batch.kubernetes.io/controller-uid} and {@code
 * batch.kubernetes.io/job-name}, with a controller reference) until {@code completions} of them
 * succeed (the kubelet marks Job pods Succeeded), replacing failed pods after an exponential
 * back-off (10 s doubling, at most 6 min) until {@code backoffLimit} failures or {@code
 * activeDeadlineSeconds} fail the Job. Status: {@code active}, {@code ready}, {@code succeeded},
 * {@code failed}, {@code startTime}, {@code completionTime}, conditions {@code Complete} or {@code
 * Failed} (what {@code kubectl wait --for=condition=complete} reads), {@code Suspended} for
 * suspended Jobs. A finished Job is left alone. Pods are counted from the pods that exist, as the
 * legacy tracking of GKE 1.19 did.
 */
public final class JobController extends SetControllerSupport {
  static final String CONTROLLER_UID = "controller-uid";
  static final String JOB_NAME = "job-name";
  static final String BATCH_CONTROLLER_UID = "batch.kubernetes.io/controller-uid";
  static final String BATCH_JOB_NAME = "batch.kubernetes.io/job-name";
  private static final Duration RESYNC = Duration.ofSeconds(30);
  private static final Duration BACKOFF_BASE = Duration.ofSeconds(10);
  private static final Duration BACKOFF_MAX = Duration.ofMinutes(6);

  private SharedIndexInformer<Job> jobs;

  public JobController(SandboxContext ctx) {
    super(ctx, "job-controller");
  }

  @Override
  protected void onStart() {
    jobs = inform(Job.class, RESYNC, j -> queue.add(SetPods.key(j)));
    inform(Pod.class, RESYNC, this::podChanged);
  }

  private void podChanged(Pod pod) {
    enqueueOwnerOrAdopters(
        pod, "Job", jobs, j -> j.getSpec() == null ? null : j.getSpec().getSelector());
  }

  @Override
  protected void reconcile(String key) {
    String ns = SetPods.namespaceOf(key);
    Job job = client.batch().v1().jobs().inNamespace(ns).withName(SetPods.nameOf(key)).get();
    if (job == null || job.getSpec() == null) {
      return;
    }
    JobStatus old = job.getStatus() == null ? new JobStatus() : job.getStatus();
    if (isFinished(old)) {
      return;
    }
    JobSpec spec = job.getSpec();
    Instant now = clock.instant();
    JobStatus status = copy(old);
    List<Pod> pods = claimPods(job, selectorOf(job), p -> true);
    List<Pod> active = new ArrayList<>();
    int succeeded = 0;
    int failed = 0;
    Instant lastFailure = null;
    for (Pod pod : pods) {
      String phase = SetPods.phase(pod);
      if ("Succeeded".equals(phase)) {
        succeeded++;
      } else if ("Failed".equals(phase)) {
        failed++;
        Instant at = finishedAt(pod);
        lastFailure = lastFailure == null || at.isAfter(lastFailure) ? at : lastFailure;
      } else if (!SetPods.isTerminating(pod)) {
        active.add(pod);
      }
    }
    boolean suspended = Boolean.TRUE.equals(spec.getSuspend());
    if (status.getStartTime() == null && !suspended) {
      status.setStartTime(SetPods.time(now));
    }
    int parallelism = spec.getParallelism() == null ? 1 : spec.getParallelism();
    int backoffLimit = spec.getBackoffLimit() == null ? 6 : spec.getBackoffLimit();
    Integer completions = spec.getCompletions();
    if (completions == null && spec.getParallelism() == null) {
      completions = 1;
    }

    String failureReason = null;
    String failureMessage = null;
    if (failed > backoffLimit || pastBackoffLimitOnFailure(spec, active, backoffLimit)) {
      failureReason = "BackoffLimitExceeded";
      failureMessage = "Job has reached the specified backoff limit";
    } else if (pastActiveDeadline(spec, status, now)) {
      failureReason = "DeadlineExceeded";
      failureMessage = "Job was active longer than specified deadline";
    }
    Duration recheck = null;
    if (failureReason != null) {
      for (Pod pod : active) {
        deletePod(pod, null);
      }
      failed += active.size();
      active.clear();
      setCondition(status, "Failed", "True", failureReason, failureMessage, now);
    } else if (suspended) {
      for (Pod pod : active) {
        deletePod(pod, null);
      }
      active.clear();
      setCondition(status, "Suspended", "True", "JobSuspended", "Job suspended", now);
    } else {
      if (condition(status, "Suspended") != null) {
        setCondition(status, "Suspended", "False", "JobResumed", "Job resumed", now);
      }
      // manageJob
      if (active.size() > parallelism) {
        active.sort(
            Comparator.comparing((Pod p) -> SetPods.isReady(p))
                .thenComparing(SetPods.BY_CREATION.reversed()));
        List<Pod> excess = new ArrayList<>(active.subList(0, active.size() - parallelism));
        for (Pod pod : excess) {
          deletePod(pod, null);
        }
        active.removeAll(excess);
      } else if (active.size() < parallelism) {
        int want;
        if (completions == null) {
          want = succeeded > 0 ? active.size() : parallelism;
        } else {
          want = Math.min(completions - succeeded, parallelism);
        }
        int diff = Math.max(0, want - active.size());
        if (diff > 0 && failed > 0 && lastFailure != null) {
          Duration wait = backoff(failed).minus(Duration.between(lastFailure, now));
          if (!wait.isNegative() && !wait.isZero()) {
            recheck = wait;
            diff = 0;
          }
        }
        for (int i = 0; i < diff; i++) {
          active.add(createPod(job));
        }
      }
      boolean complete =
          completions == null
              ? succeeded > 0 && active.isEmpty()
              : succeeded >= completions && active.isEmpty();
      if (complete) {
        setCondition(status, "Complete", "True", null, null, now);
        status.setCompletionTime(SetPods.time(now));
      }
    }
    if (spec.getActiveDeadlineSeconds() != null && failureReason == null && !suspended) {
      Instant start = SetPods.parseTime(status.getStartTime());
      if (start != null) {
        Duration left = Duration.between(now, start.plusSeconds(spec.getActiveDeadlineSeconds()));
        if (recheck == null || left.compareTo(recheck) < 0) {
          recheck = left.isNegative() ? Duration.ZERO : left;
        }
      }
    }

    status.setActive(omitZero(active.size()));
    status.setReady((int) active.stream().filter(SetPods::isReady).count());
    status.setSucceeded(omitZero(succeeded));
    status.setFailed(omitZero(failed));
    if (!sameJson(status, job.getStatus())) {
      job.setStatus(status);
      client.batch().v1().jobs().inNamespace(ns).resource(job).updateStatus();
    }
    if (recheck != null) {
      queue.addAfter(key, recheck.plusMillis(50));
    }
  }

  private Pod createPod(Job job) {
    Pod pod =
        SetPods.fromTemplate(job.getSpec().getTemplate(), job, client.getKubernetesSerialization());
    pod.getMetadata().setGenerateName(job.getMetadata().getName() + "-");
    Map<String, String> labels = pod.getMetadata().getLabels();
    labels.putIfAbsent(CONTROLLER_UID, job.getMetadata().getUid());
    labels.putIfAbsent(JOB_NAME, job.getMetadata().getName());
    labels.putIfAbsent(BATCH_CONTROLLER_UID, job.getMetadata().getUid());
    labels.putIfAbsent(BATCH_JOB_NAME, job.getMetadata().getName());
    return client.pods().inNamespace(job.getMetadata().getNamespace()).resource(pod).create();
  }

  /** The Job's selector; without one (not yet defaulted), its own controller-uid. */
  private static io.fabric8.kubernetes.api.model.LabelSelector selectorOf(Job job) {
    if (job.getSpec().getSelector() != null) {
      return job.getSpec().getSelector();
    }
    var selector = new io.fabric8.kubernetes.api.model.LabelSelector();
    selector.setMatchLabels(Map.of(CONTROLLER_UID, job.getMetadata().getUid()));
    return selector;
  }

  private static boolean pastBackoffLimitOnFailure(JobSpec spec, List<Pod> active, int limit) {
    if (spec.getTemplate() == null
        || spec.getTemplate().getSpec() == null
        || !"OnFailure".equals(spec.getTemplate().getSpec().getRestartPolicy())) {
      return false;
    }
    int restarts = 0;
    for (Pod pod : active) {
      if (pod.getStatus() == null) {
        continue;
      }
      for (List<ContainerStatus> statuses :
          List.of(
              nullToEmpty(pod.getStatus().getInitContainerStatuses()),
              nullToEmpty(pod.getStatus().getContainerStatuses()))) {
        for (ContainerStatus cs : statuses) {
          restarts += cs.getRestartCount() == null ? 0 : cs.getRestartCount();
        }
      }
    }
    return limit == 0 ? restarts > 0 : restarts >= limit;
  }

  private static boolean pastActiveDeadline(JobSpec spec, JobStatus status, Instant now) {
    if (spec.getActiveDeadlineSeconds() == null || status.getStartTime() == null) {
      return false;
    }
    Instant start = SetPods.parseTime(status.getStartTime());
    return start != null && !now.isBefore(start.plusSeconds(spec.getActiveDeadlineSeconds()));
  }

  private static Duration backoff(int failures) {
    Duration d = BACKOFF_BASE;
    for (int i = 1; i < failures && d.compareTo(BACKOFF_MAX) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(BACKOFF_MAX) > 0 ? BACKOFF_MAX : d;
  }

  /** When a pod's last container finished, else its last change we know of. */
  private static Instant finishedAt(Pod pod) {
    Instant latest = null;
    if (pod.getStatus() != null && pod.getStatus().getContainerStatuses() != null) {
      for (ContainerStatus cs : pod.getStatus().getContainerStatuses()) {
        if (cs.getState() != null && cs.getState().getTerminated() != null) {
          Instant t = SetPods.parseTime(cs.getState().getTerminated().getFinishedAt());
          if (t != null && (latest == null || t.isAfter(latest))) {
            latest = t;
          }
        }
      }
    }
    if (latest == null) {
      latest =
          SetPods.condition(pod, "Ready")
              .map(c -> SetPods.parseTime(c.getLastTransitionTime()))
              .orElse(null);
    }
    if (latest == null) {
      latest = SetPods.parseTime(pod.getMetadata().getCreationTimestamp());
    }
    return latest == null ? Instant.EPOCH : latest;
  }

  static boolean isFinished(JobStatus status) {
    JobCondition complete = condition(status, "Complete");
    JobCondition failed = condition(status, "Failed");
    return (complete != null && "True".equals(complete.getStatus()))
        || (failed != null && "True".equals(failed.getStatus()));
  }

  private static JobCondition condition(JobStatus status, String type) {
    if (status.getConditions() == null) {
      return null;
    }
    for (JobCondition c : status.getConditions()) {
      if (type.equals(c.getType())) {
        return c;
      }
    }
    return null;
  }

  private static void setCondition(
      JobStatus status, String type, String value, String reason, String message, Instant now) {
    List<JobCondition> conditions =
        status.getConditions() == null
            ? new ArrayList<>()
            : new ArrayList<>(status.getConditions());
    JobCondition existing = condition(status, type);
    if (existing != null
        && value.equals(existing.getStatus())
        && Objects.equals(reason, existing.getReason())
        && Objects.equals(message, existing.getMessage())) {
      return;
    }
    JobCondition c = new JobCondition();
    c.setType(type);
    c.setStatus(value);
    c.setReason(reason);
    c.setMessage(message);
    c.setLastProbeTime(SetPods.time(now));
    c.setLastTransitionTime(
        existing != null && value.equals(existing.getStatus())
            ? existing.getLastTransitionTime()
            : SetPods.time(now));
    conditions.removeIf(x -> type.equals(x.getType()));
    conditions.add(c);
    status.setConditions(conditions);
  }

  private JobStatus copy(JobStatus status) {
    return client.getKubernetesSerialization().clone(status);
  }

  private static <T> List<T> nullToEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }

  private static Integer omitZero(int n) {
    return n == 0 ? null : n;
  }
}
