package dev.asmmigrate.workflows.model;

/**
 * An injected pod the migration cannot move to the new proxy, because no controller it restarts
 * replaces it: it keeps the add-on's proxy until it is recreated, and what recreates it is up to
 * its owner. Found by pre-flight in every injected namespace; listed by {@code plan} and {@code
 * status}.
 *
 * @param namespace the pod's namespace
 * @param name the pod's name
 * @param kind {@code bare} (no controller) or {@code Job}
 * @param job the Job that owns the pod, or null
 * @param cronJob the CronJob that owns that Job, or null
 * @param action what to do about it, with the command
 */
public record PodToRecreate(
    String namespace, String name, String kind, String job, String cronJob, String action) {
  public static final String BARE = "bare";
  public static final String JOB = "Job";

  /** A pod no controller owns: only whoever created it can create it again. */
  public static PodToRecreate bare(String namespace, String name) {
    return new PodToRecreate(
        namespace,
        name,
        BARE,
        null,
        null,
        "no controller recreates it: delete it (kubectl delete pod -n "
            + namespace
            + " "
            + name
            + ") and create it again from its manifest; the new pod gets the new proxy");
  }

  /** A pod of a Job (of a CronJob when {@code cronJob} is not null). */
  public static PodToRecreate ofJob(String namespace, String name, String job, String cronJob) {
    String action =
        cronJob != null
            ? "the next run of CronJob "
                + cronJob
                + " gets the new proxy; this run keeps the add-on proxy until it ends (kubectl"
                + " delete job -n "
                + namespace
                + " "
                + job
                + " ends it now)"
            : "re-run the Job to get the new proxy: kubectl delete job -n "
                + namespace
                + " "
                + job
                + ", then create it again from its manifest";
    return new PodToRecreate(namespace, name, JOB, job, cronJob, action);
  }

  /** {@code bare}, {@code Job NAME} or {@code Job NAME (CronJob NAME)}. */
  public String owner() {
    if (job == null) {
      return kind;
    }
    return kind + " " + job + (cronJob == null ? "" : " (CronJob " + cronJob + ")");
  }
}
