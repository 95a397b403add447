package dev.asmmigrate.workflows;

import dev.asmmigrate.workflows.model.ClusterRef;
import dev.asmmigrate.workflows.model.ConfigFinding;
import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.MigrationStatus;
import dev.asmmigrate.workflows.model.NamespacePlan;
import dev.asmmigrate.workflows.model.NamespaceStatus;
import dev.asmmigrate.workflows.model.Step;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the workflow knows about its own progress, and what operators asked of it: the source of the
 * status query and the result. Workflow code only, so plain fields suffice.
 */
final class Progress {
  static final String RUNNING = "RUNNING";
  static final String WAITING_FOR_RECHECK = "WAITING_FOR_RECHECK";
  static final String WAITING_FOR_APPROVAL = "WAITING_FOR_APPROVAL";
  static final String PAUSED = "PAUSED";
  static final String ROLLING_BACK = "ROLLING_BACK";
  static final String DONE = "DONE";

  private String migrationId;
  private ClusterRef cluster;
  private String phase = RUNNING;
  private MigrationState state = MigrationState.PENDING;
  private Step step = Step.PREFLIGHT;
  private final List<String> completed = new ArrayList<>();
  private final Map<String, NamespaceStatus> namespaces = new LinkedHashMap<>();
  private List<ConfigFinding> findings = List.of();
  private String approvedBy;
  private boolean recheck;
  private String abortReason;
  private String rollbackReason;
  private boolean paused;
  private String error;

  void start(String id, ClusterRef c) {
    migrationId = id;
    cluster = c;
  }

  void migrationId(String id) {
    migrationId = id;
  }

  void plan(List<NamespacePlan> plans) {
    for (NamespacePlan p : plans) {
      namespaces.putIfAbsent(
          p.name(), new NamespaceStatus(p.name(), p.version(), "PENDING", 0, 0, ""));
    }
  }

  void namespace(NamespacePlan p, String nsPhase, int ready, int total, String message) {
    namespaces.put(
        p.name(), new NamespaceStatus(p.name(), p.version(), nsPhase, ready, total, message));
  }

  NamespaceStatus namespace(String name) {
    return namespaces.get(name);
  }

  List<String> migratedNamespaces() {
    return namespaces.values().stream()
        .filter(n -> !n.phase().equals("PENDING"))
        .map(NamespaceStatus::name)
        .toList();
  }

  void step(Step s) {
    step = s;
  }

  Step step() {
    return step;
  }

  void completed(Step s) {
    if (!completed.contains(s.id())) {
      completed.add(s.id());
    }
  }

  List<String> completedSteps() {
    return completed;
  }

  void phase(String p) {
    phase = p;
  }

  void state(MigrationState s) {
    state = s;
  }

  MigrationState state() {
    return state;
  }

  void findings(List<ConfigFinding> f) {
    findings = List.copyOf(f);
  }

  void approve(String by) {
    if (approvedBy == null) {
      approvedBy = by;
    }
  }

  String approvedBy() {
    return approvedBy;
  }

  void requestRecheck() {
    recheck = true;
  }

  boolean recheckRequested() {
    return recheck;
  }

  void clearRecheck() {
    recheck = false;
  }

  void abort(String reason) {
    if (abortReason == null) {
      abortReason = reason;
    }
  }

  String abortReason() {
    return abortReason;
  }

  void requestRollback(String reason) {
    if (rollbackReason == null) {
      rollbackReason = reason;
    }
  }

  String rollbackReason() {
    return rollbackReason;
  }

  void pause(boolean p) {
    paused = p;
  }

  boolean paused() {
    return paused;
  }

  void fail(Step s, String message) {
    step = s;
    error = message;
  }

  void done() {
    phase = DONE;
  }

  MigrationStatus status() {
    return new MigrationStatus(
        migrationId,
        cluster,
        phase,
        state,
        step.id(),
        List.copyOf(completed),
        List.copyOf(namespaces.values()),
        findings,
        approvedBy,
        error);
  }

  MigrationResult result(String failedStep) {
    return new MigrationResult(
        migrationId,
        state,
        List.copyOf(completed),
        List.copyOf(namespaces.values()),
        failedStep,
        error);
  }
}
