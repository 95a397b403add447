package dev.asmmigrate.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.workflows.model.ConfigFinding;
import dev.asmmigrate.workflows.model.KeptObject;
import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.MigrationStatus;
import dev.asmmigrate.workflows.model.NamespaceStatus;
import dev.asmmigrate.workflows.model.PodToRecreate;
import dev.asmmigrate.workflows.model.Step;
import dev.asmmigrate.workflows.model.StepTiming;
import dev.asmmigrate.workflows.model.window.WindowStatus;
import dev.asmmigrate.workflows.model.window.WindowWait;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One look at a migration: its status (from the workflow's memo, or its status query), the
 * workflow's execution status, the live pod counts of namespaces being verified (from the verify
 * activities' heartbeats), the activities Temporal retries (attempt, last failure) and whether a
 * worker polls the task queue (null: not asked, the workflow ended).
 */
record StatusView(
    String workflowId,
    String workflowStatus,
    MigrationStatus status,
    Map<String, int[]> livePods,
    List<Retry> retries,
    Migrations.Workers workers) {

  /**
   * An activity Temporal retries: its current attempt (of at most {@code maximumAttempts}, 0: no
   * bound), the failure of the attempt before, whether the attempt runs or waits for its turn.
   */
  record Retry(
      String activity,
      int attempt,
      int maximumAttempts,
      String lastFailure,
      String state,
      Long lastHeartbeatAt) {
    /** "registerFleet attempt 4/20 (scheduled): attempt 3 failed: cannot reach ...". */
    String line() {
      return activity
          + " attempt "
          + attempt
          + (maximumAttempts > 0 ? "/" + maximumAttempts : "")
          + " ("
          + state
          + ")"
          + (lastFailure == null ? "" : ": attempt " + (attempt - 1) + " failed: " + lastFailure);
    }
  }

  static StatusView of(
      String workflowId, DescribeWorkflowExecutionResponse described, MigrationStatus status) {
    return of(workflowId, described, status, null, Failure::getMessage);
  }

  // java.time for the maintenance windows (durations, local start times, instants), in ISO form
  static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
          .enable(SerializationFeature.INDENT_OUTPUT);
  private static final Pattern VERIFY_HEARTBEAT =
      Pattern.compile("\"?([a-z0-9.-]+): (\\d+)/(\\d+) pods verified\"?");

  static StatusView of(
      String workflowId,
      DescribeWorkflowExecutionResponse described,
      MigrationStatus status,
      Migrations.Workers workers,
      Function<Failure, String> words) {
    List<Retry> retries = new ArrayList<>();
    for (PendingActivityInfo a : described.getPendingActivitiesList()) {
      if (a.getAttempt() <= 1 && !a.hasLastFailure()) {
        continue;
      }
      retries.add(
          new Retry(
              a.getActivityType().getName(),
              a.getAttempt(),
              a.getMaximumAttempts(),
              a.hasLastFailure() ? words.apply(a.getLastFailure()) : null,
              a.getState().name().replace("PENDING_ACTIVITY_STATE_", "").toLowerCase(Locale.ROOT),
              a.hasLastHeartbeatTime() ? millis(a.getLastHeartbeatTime()) : null));
    }
    Map<String, int[]> live = new LinkedHashMap<>();
    for (PendingActivityInfo a : described.getPendingActivitiesList()) {
      // the verification heartbeats its progress, alone or inside a namespace's one activity
      String type = a.getActivityType().getName();
      if (!(type.equalsIgnoreCase("verifyNamespace") || type.equalsIgnoreCase("migrateNamespace"))
          || a.getHeartbeatDetails().getPayloadsCount() == 0) {
        continue;
      }
      String detail = a.getHeartbeatDetails().getPayloads(0).getData().toStringUtf8();
      Matcher m = VERIFY_HEARTBEAT.matcher(detail);
      if (m.matches()) {
        live.put(
            m.group(1), new int[] {Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))});
      }
    }
    String execution =
        described
            .getWorkflowExecutionInfo()
            .getStatus()
            .name()
            .replace("WORKFLOW_EXECUTION_STATUS_", "");
    return new StatusView(workflowId, execution, status, live, List.copyOf(retries), workers);
  }

  private static long millis(com.google.protobuf.Timestamp t) {
    return t.getSeconds() * 1000 + t.getNanos() / 1_000_000;
  }

  boolean ended() {
    return !"RUNNING".equals(workflowStatus);
  }

  /** The JSON of {@code status -o json}: the status query's fields plus the workflow's own. */
  String json() {
    ObjectNode node = JSON.createObjectNode();
    node.put("workflowId", workflowId);
    node.put("workflowStatus", workflowStatus);
    node.setAll((ObjectNode) JSON.valueToTree(status));
    ObjectNode pods = node.putObject("livePods");
    livePods.forEach((ns, c) -> pods.putObject(ns).put("ready", c[0]).put("total", c[1]));
    node.set("retries", JSON.valueToTree(retries));
    if (workers != null) {
      ObjectNode w = node.putObject("workers");
      if (workers.polling() == null) {
        w.putNull("polling");
      } else {
        w.put("polling", workers.polling());
      }
      w.put("detail", workers.detail());
    }
    try {
      return JSON.writeValueAsString(node);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The text of {@code status}: phase, bars, the namespace table. */
  String text(long nowMillis) {
    MigrationStatus s = status;
    StringBuilder b = new StringBuilder();
    b.append("migration  ")
        .append(workflowId)
        .append(" (workflow ")
        .append(workflowStatus)
        .append(")\n");
    b.append("cluster    ")
        .append(s.cluster())
        .append("   id ")
        .append(s.migrationId())
        .append('\n');
    b.append("phase      ")
        .append(phase(s))
        .append("   state ")
        .append(s.state())
        .append("   step ")
        .append(s.step())
        .append(s.pauseRequested() && !"PAUSED".equals(s.phase()) ? "   (pause requested)" : "")
        .append('\n');
    if (!title(s.step()).isEmpty()) {
      b.append("           ").append(title(s.step())).append('\n');
    }
    int totalSteps = Step.values().length;
    b.append("steps      ")
        .append(Times.bar(s.completedSteps().size(), totalSteps, 30))
        .append(' ')
        .append(s.completedSteps().size())
        .append('/')
        .append(totalSteps)
        .append('\n');
    long verified = s.namespaces().stream().filter(n -> n.phase().equals("VERIFIED")).count();
    if (!s.namespaces().isEmpty()) {
      b.append("namespaces ")
          .append(Times.bar(verified, s.namespaces().size(), 30))
          .append(' ')
          .append(verified)
          .append('/')
          .append(s.namespaces().size())
          .append(" verified\n");
    }
    StepTiming current = currentStep();
    if (current != null && s.stepBoundMillis() != null && !ended()) {
      long elapsed = Math.max(0, nowMillis - current.startedAt());
      b.append("waiting    ")
          .append(Times.bar(Math.min(elapsed, s.stepBoundMillis()), s.stepBoundMillis(), 30))
          .append(' ')
          .append(current.step())
          .append(": ")
          .append(Times.duration(Duration.ofMillis(elapsed)))
          .append(" of at most ")
          .append(Times.duration(Duration.ofMillis(s.stepBoundMillis())))
          .append('\n');
    }
    if (s.approvedBy() != null) {
      b.append("approved   by ")
          .append(s.approvedBy())
          .append(" at ")
          .append(Times.instant(s.approvedAt()))
          .append('\n');
    }
    for (Retry r : retries) {
      b.append("retrying   ").append(r.line()).append('\n');
    }
    if (workers != null && !Boolean.TRUE.equals(workers.polling())) {
      b.append("workers    ").append(workers.detail()).append('\n');
    }
    if (s.error() != null) {
      b.append("error      ").append(s.error().replace("\n", "\n           ")).append('\n');
    }
    if (s.state() == MigrationState.ROLLBACK_FAILED) {
      b.append("next       ")
          .append(rollbackFailedAdvice(s.migrationId(), s.backups()).replace("\n", "\n           "))
          .append('\n');
    }
    if (s.state() == MigrationState.FINISH_FAILED) {
      b.append("next       ")
          .append(finishFailedAdvice(s.step()).replace("\n", "\n           "))
          .append('\n');
    }
    windowLines(s).forEach((k, v) -> b.append(String.format("%-11s", k)).append(v).append('\n'));
    switch (s.phase()) {
      case "WAITING_FOR_APPROVAL" ->
          b.append("next       asm-migrate approve --by NAME   (or rollback)\n");
      case "WAITING_FOR_RECHECK" ->
          b.append("next       fix the blocking findings, then asm-migrate recheck   (or abort)\n");
      case "PAUSED" -> b.append("next       asm-migrate resume\n");
      default -> {}
    }
    if (s.state() == dev.asmmigrate.workflows.model.MigrationState.REFUSED) {
      b.append(
          "next       nothing was changed: fix what pre-flight found (asm-migrate plan lists it),"
              + " then start again\n");
    }
    if (!s.namespaces().isEmpty()) {
      int width =
          Math.max(9, s.namespaces().stream().mapToInt(n -> n.name().length()).max().orElse(9));
      b.append('\n')
          .append(
              String.format(
                  "%-" + width + "s  %-6s  %-11s  %-19s  %s%n",
                  "NAMESPACE",
                  "ADD-ON",
                  "PHASE",
                  "PODS",
                  "MESSAGE"));
      for (NamespaceStatus ns : s.namespaces()) {
        int[] pods = livePods.getOrDefault(ns.name(), new int[] {ns.podsReady(), ns.podsTotal()});
        String podCol =
            pods[1] == 0 ? "-" : Times.bar(pods[0], pods[1], 10) + " " + pods[0] + "/" + pods[1];
        b.append(
            String.format(
                "%-" + width + "s  %-6s  %-11s  %-19s  %s%n",
                ns.name(),
                ns.version() == null ? "-" : ns.version().display(),
                ns.phase(),
                podCol,
                ns.message() == null ? "" : ns.message()));
      }
    }
    // after a rollback every pod is on the add-on proxy again, as it should be: nothing to do
    if (!s.podsToRecreate().isEmpty() && s.state() != MigrationState.ROLLED_BACK) {
      b.append('\n');
      podsToRecreate(b, s.podsToRecreate());
    }
    long blocking = s.findings().stream().filter(f -> f.blocking()).count();
    if (!s.findings().isEmpty()) {
      b.append('\n')
          .append("findings   ")
          .append(s.findings().size())
          .append(" (")
          .append(blocking)
          .append(" blocking)\n");
      s.findings()
          .forEach(
              f ->
                  b.append("  ")
                      .append(f.blocking() ? "BLOCKING " : "info     ")
                      .append(finding(f))
                      .append('\n'));
    }
    if (!s.kept().isEmpty()) {
      b.append('\n')
          .append("kept       ")
          .append(s.kept().size())
          .append(" object(s) cleanup did not delete (not proven to be the add-on's)\n");
      for (KeptObject k : s.kept()) {
        b.append("  ").append(kept(k)).append('\n');
        b.append("    delete by hand: ").append(k.deleteCommand()).append('\n');
      }
    }
    return b.toString();
  }

  /** A kept object on one line, as status and the report show it: {@code Kind ns/name: why}. */
  static String kept(KeptObject k) {
    return k.kind()
        + ' '
        + (k.namespace() == null ? "" : k.namespace() + "/")
        + k.name()
        + ": "
        + k.reason();
  }

  /**
   * The injected pods no restart of the migration moves to the new proxy, one per line with its
   * owner and what to do about it; nothing when there are none. {@code plan} shows the same list.
   */
  static void podsToRecreate(StringBuilder b, List<PodToRecreate> pods) {
    if (pods.isEmpty()) {
      return;
    }
    b.append("pods to recreate once their namespace is migrated (")
        .append(pods.size())
        .append("): no restart of the migration replaces them; until recreated they keep the")
        .append(" add-on proxy\n");
    for (PodToRecreate p : pods) {
      b.append("  ")
          .append(p.namespace())
          .append('/')
          .append(p.name())
          .append(" (")
          .append(p.owner())
          .append("): ")
          .append(p.action())
          .append('\n');
    }
  }

  /** The line start --wait and demo end with: the outcome, and the failed step's error if any. */
  static String outcomeLine(MigrationResult result) {
    return "migration: "
        + result.state()
        + (result.error() == null ? "" : " (" + result.failedStep() + ": " + result.error() + ")");
  }

  /**
   * What a person must do after a rollback that did not complete (state ROLLBACK_FAILED): what to
   * look at, where the backups are, how to finish and start again.
   *
   * @param backups where the backups are kept, or null when not known
   */
  /**
   * The phase as status shows it: {@code WAITING_FOR_WINDOW until Sat 2026-12-12 02:00
   * (Europe/Berlin)} while the run waits for a maintenance window, else the phase.
   */
  static String phase(MigrationStatus s) {
    WindowStatus w = s.windows();
    if ("WAITING_FOR_WINDOW".equals(s.phase()) && w != null && w.waiting() != null) {
      return s.phase() + " until " + w.waiting().untilText();
    }
    return s.phase();
  }

  /**
   * The maintenance windows' lines of status and report: why the run waits, an override and its
   * reason, and (with {@code all}) every wait of the run; empty for a run without windows.
   */
  static Map<String, String> windowLines(MigrationStatus s) {
    return windowLines(s, false);
  }

  static Map<String, String> windowLines(MigrationStatus s, boolean all) {
    Map<String, String> lines = new java.util.LinkedHashMap<>();
    WindowStatus w = s.windows();
    if (w == null) {
      return lines;
    }
    lines.put(
        "windows",
        w.windows().isAnyTime()
            ? "any time"
            : w.windows().windows().size()
                + " window(s)"
                + (w.windows().exclusions().isEmpty()
                    ? ""
                    : ", " + w.windows().exclusions().size() + " exclusion(s)")
                + ", margin "
                + dev.asmmigrate.workflows.model.window.Estimates.text(w.windows().margin()));
    if (w.overrideReason() != null) {
      lines.put("override", "windows ignored: " + w.overrideReason());
    }
    if (w.waiting() != null) {
      lines.put(
          "waiting",
          w.waiting().what() + " until " + w.waiting().untilText() + ": " + w.waiting().why());
    }
    if (all) {
      int n = 0;
      for (WindowWait wait : w.waits()) {
        lines.put("wait " + ++n, waitLine(wait));
      }
    }
    return lines;
  }

  /** One wait for a window: from, until, what waited and why. */
  static String waitLine(WindowWait w) {
    String zone = w.zone();
    return WindowWait.local(w.from(), zone)
        + " → "
        + (w.endedAt() != null ? WindowWait.local(w.endedAt(), zone) : w.untilText() + " (waiting)")
        + ": "
        + w.what()
        + "; "
        + w.why();
  }

  /**
   * What a migration that ended FINISH_FAILED did and did not do, and how to finish it: migrated,
   * the finishing step {@code step} failed, nothing rolled back, start again.
   */
  static String finishFailedAdvice(String step) {
    return "migrated to managed ASM (every namespace on the managed proxy; the state ConfigMap"
        + " says SUCCESS), but finishing failed at "
        + step
        + ": "
        + (Step.DISABLE_ADDON.id().equals(step)
            ? "the Istio add-on is still enabled and its objects remain"
            : "the add-on's objects remain")
        + "; nothing was rolled back.\n"
        + "remove the cause (the error above), then run the same 'asm-migrate start' again: it"
        + " resumes this migration at its SUCCESS marker and runs the finishing steps again";
  }

  static String rollbackFailedAdvice(String migrationId, String backups) {
    return "the rollback did not complete: the cluster is neither migrated nor back on the add-on.\n"
        + "1. look at what each failed undo above left: the namespaces it names (kubectl get pods:"
        + " which proxy, which are not Ready and why), the objects of the step it names\n"
        + "2. the backups of migration "
        + migrationId
        + " are kept"
        + (backups == null ? "" : ", in " + backups)
        + "; nothing deletes them\n"
        + "3. remove the cause (e.g. the crash-looping workload), then finish the undo by hand"
        + " (kubectl rollout restart of the namespaces' Deployments once their labels are the"
        + " add-on's again)\n"
        + "4. mark it done: kubectl -n istio-system patch configmap asm-addon-migration-state"
        + " --type merge -p '{\"data\":{\"migrationStatus\":\"ROLLED_BACK\"}}'; until then"
        + " 'asm-migrate start' refuses the cluster\n"
        + "5. then 'asm-migrate start' migrates it again, with a new migration ID";
  }

  private StepTiming currentStep() {
    for (int i = status.steps().size() - 1; i >= 0; i--) {
      StepTiming t = status.steps().get(i);
      if (t.endedAt() == null && t.step().equals(status.step())) {
        return t;
      }
    }
    return null;
  }

  /** A finding on one line, as status and the report show it: {@code [rule] Kind ns/name: why}. */
  static String finding(ConfigFinding f) {
    return "["
        + f.rule()
        + "] "
        + f.kind()
        + ' '
        + (f.namespace() == null ? "" : f.namespace() + "/")
        + f.name()
        + ": "
        + f.message();
  }

  /** The title the runbook ({@link Step}) gives a step id; empty for another id (rollback). */
  static String title(String stepId) {
    return stepId == null ? "" : Step.fromId(stepId).map(Step::title).orElse("");
  }
}
