package dev.asmmigrate.activities.workloads;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Judges a migrated namespace's pods again during a fleet wave's soak: each pod Ready, on the
 * managed proxy of the revision (the check of {@link ExpectedProxy.Managed}, as the workload phase
 * verifies a namespace), and none of its containers restarted since the soak began. Pure.
 */
public final class SoakPods {
  private SoakPods() {}

  /** Whether a pod is judged: not being deleted and not finished (a Job's pod that completed). */
  public static boolean judged(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return pod.getMetadata().getDeletionTimestamp() == null && !"Succeeded".equals(phase);
  }

  /**
   * What is wrong with {@code pod}, one line each ({@code "ns/pod: not Ready"}); empty when it
   * holds.
   *
   * @param revision the managed revision its sidecar must come from ({@code asm-managed})
   * @param since restarts before this are not counted (they happened before the soak)
   */
  public static List<String> problems(Pod pod, String revision, Instant since) {
    String ref = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    List<String> out = new ArrayList<>();
    if (!ready(pod)) {
      String phase =
          pod.getStatus() == null || pod.getStatus().getPhase() == null
              ? "Pending"
              : pod.getStatus().getPhase();
      out.add(ref + ": not Ready (" + phase + ")");
    }
    if (Verification.sidecarExpected(pod)) {
      Optional<String> mismatch = ExpectedProxy.managed(revision).mismatch(pod);
      mismatch.ifPresent(why -> out.add(ref + ": " + why));
    }
    List<ContainerStatus> statuses = new ArrayList<>();
    if (pod.getStatus() != null && pod.getStatus().getContainerStatuses() != null) {
      statuses.addAll(pod.getStatus().getContainerStatuses());
    }
    for (ContainerStatus cs : statuses) {
      restarted(cs, since).ifPresent(why -> out.add(ref + ": container " + cs.getName() + why));
    }
    return out;
  }

  private static boolean ready(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return false;
    }
    for (PodCondition c : pod.getStatus().getConditions()) {
      if ("Ready".equals(c.getType())) {
        return "True".equals(c.getStatus());
      }
    }
    return false;
  }

  /**
   * A restart since {@code since}: the last termination finished after it, or the container waits
   * in CrashLoopBackOff having restarted (still looping, whenever its last exit was).
   */
  private static Optional<String> restarted(ContainerStatus cs, Instant since) {
    int restarts = cs.getRestartCount() == null ? 0 : cs.getRestartCount();
    var terminated = cs.getLastState() == null ? null : cs.getLastState().getTerminated();
    Instant finished = terminated == null ? null : parse(terminated.getFinishedAt());
    if (finished != null && finished.isAfter(since)) {
      return Optional.of(
          " restarted at "
              + finished
              + " ("
              + (terminated.getReason() == null ? "" : terminated.getReason() + ", ")
              + "exit code "
              + terminated.getExitCode()
              + "; "
              + restarts
              + " restarts)");
    }
    boolean crashLoop =
        cs.getState() != null
            && cs.getState().getWaiting() != null
            && "CrashLoopBackOff".equals(cs.getState().getWaiting().getReason());
    if (crashLoop && restarts > 0) {
      return Optional.of(" is in CrashLoopBackOff (" + restarts + " restarts)");
    }
    return Optional.empty();
  }

  private static Instant parse(String time) {
    if (time == null || time.isBlank()) {
      return null;
    }
    try {
      return Instant.parse(time);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
