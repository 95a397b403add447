package dev.asmmigrate.activities.kube;

import dev.asmmigrate.activities.kube.Waits.Check;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;

/** How far a Deployment's rollout is, judged as {@code kubectl rollout status} judges it. */
public final class Rollouts {
  private Rollouts() {}

  /**
   * Done when the controller has observed the current generation, every replica runs the current
   * template, no old replica is left, and every replica is available.
   */
  public static Check rolledOut(String name, Deployment d) {
    if (d == null) {
      return Check.waiting("Deployment " + name + " does not exist");
    }
    int want = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    DeploymentStatus st = d.getStatus();
    long generation = d.getMetadata().getGeneration() == null ? 0 : d.getMetadata().getGeneration();
    long observed =
        st == null || st.getObservedGeneration() == null ? 0 : st.getObservedGeneration();
    int updated = st == null ? 0 : value(st.getUpdatedReplicas());
    int total = st == null ? 0 : value(st.getReplicas());
    int available = st == null ? 0 : value(st.getAvailableReplicas());
    String progress =
        "Deployment "
            + name
            + ": "
            + updated
            + " updated, "
            + available
            + " available, "
            + total
            + " total of "
            + want
            + " desired";
    if (observed < generation) {
      return Check.waiting(progress + " (generation " + generation + " not observed yet)");
    }
    boolean done = updated >= want && total == want && available >= want;
    return done ? Check.done(progress) : Check.waiting(progress);
  }

  private static int value(Integer i) {
    return i == null ? 0 : i;
  }
}
