package dev.asmmigrate.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.workflows.model.MigrationStatus;
import dev.asmmigrate.workflows.model.fleet.ClusterOutcome;
import dev.asmmigrate.workflows.model.fleet.ClusterState;
import dev.asmmigrate.workflows.model.fleet.FleetApproval;
import dev.asmmigrate.workflows.model.fleet.FleetStatus;
import dev.asmmigrate.workflows.model.fleet.SoakCheck;
import java.util.ArrayList;
import java.util.List;

/**
 * A fleet's status for {@code fleet status} and {@code fleet report}: one row per cluster (wave,
 * state, the phase and step of its own migration, namespaces done, outcome), as text or JSON.
 */
final class FleetView {
  /**
   * One cluster's row.
   *
   * @param phase its migration's phase, "-" when it has none (not started, unreadable)
   * @param step its migration's step
   * @param namespacesDone namespaces verified on the managed proxy
   * @param namespacesTotal namespaces its migration holds
   * @param outcome how its migration ended (its MigrationState), "-" while it runs
   */
  record Row(
      ClusterOutcome cluster,
      String phase,
      String step,
      int namespacesDone,
      int namespacesTotal,
      String outcome,
      MigrationStatus migration) {
    String name() {
      return cluster.cluster().cluster();
    }
  }

  private final Fleets.Look look;
  private final List<Row> rows = new ArrayList<>();

  FleetView(Fleets.Look look) {
    this.look = look;
    for (ClusterOutcome c : look.status().clusters()) {
      MigrationStatus m =
          c.migrationWorkflowId() == null ? null : look.migrations().get(c.migrationWorkflowId());
      int done =
          m == null
              ? 0
              : (int) m.namespaces().stream().filter(n -> n.phase().equals("VERIFIED")).count();
      String outcome =
          c.migration() != null
              ? c.migration().name()
              : m != null && m.endedAt() != null ? m.state().name() : "-";
      rows.add(
          new Row(
              c,
              m == null ? "-" : m.phase(),
              m == null || m.step() == null ? "-" : m.step(),
              done,
              m == null ? 0 : m.namespaces().size(),
              outcome,
              m));
    }
  }

  Fleets.Look look() {
    return look;
  }

  List<Row> rows() {
    return rows;
  }

  FleetStatus status() {
    return look.status();
  }

  /** "3/3 clusters" succeeded (skipped ones said apart). */
  String tally() {
    List<ClusterOutcome> cs = status().clusters();
    long ok = cs.stream().filter(c -> c.state() == ClusterState.SUCCEEDED).count();
    long skipped = cs.stream().filter(c -> c.state() == ClusterState.SKIPPED).count();
    return ok
        + "/"
        + cs.size()
        + " clusters"
        + (skipped == 0 ? "" : ", " + skipped + " skipped by an operator");
  }

  String text() {
    FleetStatus s = status();
    StringBuilder b = new StringBuilder();
    b.append("fleet: ")
        .append(look.workflowId())
        .append(" (workflow ")
        .append(look.workflowStatus())
        .append(", from its ")
        .append(look.source())
        .append(")\n");
    b.append("state: ").append(s.state()).append("  phase: ").append(s.phase());
    if (s.wave() != null) {
      b.append("  wave: ").append(s.wave());
    }
    b.append("  (").append(tally()).append(" succeeded)\n");
    if (s.waitingFor() != null) {
      b.append("waiting for: ").append(s.waitingFor()).append('\n');
    }
    if (s.reason() != null) {
      b.append("reason: ").append(s.reason()).append('\n');
    }
    List<String[]> table = new ArrayList<>();
    table.add(new String[] {"CLUSTER", "WAVE", "STATE", "PHASE", "STEP", "NAMESPACES", "OUTCOME"});
    for (Row r : rows) {
      table.add(
          new String[] {
            r.cluster().cluster().toString(),
            r.cluster().wave() == null ? "-" : r.cluster().wave(),
            r.cluster().state().name(),
            r.phase(),
            r.step(),
            r.namespacesTotal() == 0 ? "-" : r.namespacesDone() + "/" + r.namespacesTotal(),
            r.outcome() + (r.cluster().detail() == null ? "" : ": " + r.cluster().detail())
          });
    }
    int[] width = new int[7];
    for (String[] row : table) {
      for (int i = 0; i < row.length; i++) {
        width[i] = Math.max(width[i], row[i].length());
      }
    }
    for (String[] row : table) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        line.append(i == row.length - 1 ? row[i] : String.format("%-" + width[i] + "s  ", row[i]));
      }
      b.append(line.toString().stripTrailing()).append('\n');
    }
    if (!s.approvals().isEmpty()) {
      b.append("approvals:\n");
      for (FleetApproval a : s.approvals()) {
        b.append("  ")
            .append(a.what())
            .append(" by ")
            .append(a.by())
            .append(" at ")
            .append(Times.instant(a.atMillis()))
            .append('\n');
      }
    }
    long failedChecks = s.soakChecks().stream().filter(c -> !c.held()).count();
    if (!s.soakChecks().isEmpty()) {
      b.append("soak checks: ")
          .append(s.soakChecks().size())
          .append(", ")
          .append(failedChecks)
          .append(" failed\n");
    }
    return b.toString();
  }

  ObjectNode json() {
    FleetStatus s = status();
    ObjectNode node = StatusView.JSON.createObjectNode();
    node.put("workflowId", look.workflowId());
    node.put("workflowStatus", look.workflowStatus());
    node.put("source", look.source());
    node.put("state", s.state().name());
    node.put("phase", s.phase());
    node.put("wave", s.wave());
    node.put("waitingFor", s.waitingFor());
    node.put("reason", s.reason());
    ArrayNode clusters = node.putArray("clusters");
    for (Row r : rows) {
      ClusterOutcome c = r.cluster();
      ObjectNode o = clusters.addObject();
      o.put("name", r.name());
      o.put("project", c.cluster().project());
      o.put("location", c.cluster().location());
      o.put("wave", c.wave());
      o.put("state", c.state().name());
      o.put("migrationWorkflowId", c.migrationWorkflowId());
      o.put("phase", r.phase());
      o.put("step", r.step());
      o.put("namespacesDone", r.namespacesDone());
      o.put("namespacesTotal", r.namespacesTotal());
      o.put("outcome", r.outcome());
      o.put("detail", c.detail());
      o.put("startedMillis", c.startedMillis());
      o.put("endedMillis", c.endedMillis());
    }
    ArrayNode approvals = node.putArray("approvals");
    for (FleetApproval a : s.approvals()) {
      approvals.addObject().put("what", a.what()).put("by", a.by()).put("atMillis", a.atMillis());
    }
    ArrayNode soak = node.putArray("soakChecks");
    for (SoakCheck c : s.soakChecks()) {
      ObjectNode o = soak.addObject();
      o.put("cluster", c.cluster().toString());
      o.put("atMillis", c.atMillis());
      o.put("pods", c.pods());
      o.put("held", c.held());
      ArrayNode problems = o.putArray("problems");
      c.problems().forEach(problems::add);
    }
    return node;
  }

  static String write(ObjectNode node) {
    try {
      return StatusView.JSON.writeValueAsString(node);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
