package dev.asmmigrate.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.workflows.model.fleet.ClusterOutcome;
import dev.asmmigrate.workflows.model.fleet.ClusterState;
import dev.asmmigrate.workflows.model.fleet.FleetApproval;
import dev.asmmigrate.workflows.model.fleet.FleetStatus;
import dev.asmmigrate.workflows.model.fleet.SoakCheck;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A fleet's report, in the style of a migration's {@link Report}: a timeline per cluster grouped by
 * wave, the soak checks, who approved what; Markdown, JSON, or a self-contained XHTML page with an
 * SVG timeline.
 */
final class FleetReport {
  /** A cluster's bar: green succeeded, red failed, orange rolled back, blue moving, grey else. */
  private static String colour(ClusterState state) {
    return switch (state) {
      case SUCCEEDED -> "#2e7d32";
      case FAILED, SOAK_FAILED -> "#c62828";
      case HALTED_ROLLED_BACK -> "#ef6c00";
      case RUNNING, FOLLOWING -> "#1565c0";
      case SOAKING -> "#90caf9";
      default -> "#9e9e9e";
    };
  }

  private final FleetView view;
  private final long generatedAt;

  FleetReport(FleetView view, long generatedAt) {
    this.view = view;
    this.generatedAt = generatedAt;
  }

  private FleetStatus s() {
    return view.status();
  }

  /** The clusters' rows by wave, in wave order. */
  private Map<String, List<FleetView.Row>> byWave() {
    Map<String, List<FleetView.Row>> waves = new LinkedHashMap<>();
    for (FleetView.Row r : view.rows()) {
      String w = r.cluster().wave() == null ? "-" : r.cluster().wave();
      waves.computeIfAbsent(w, k -> new ArrayList<>()).add(r);
    }
    return waves;
  }

  String json() {
    ObjectNode node = view.json();
    node.put("generatedAt", Times.instant(generatedAt));
    ObjectNode timings = node.putObject("clusterSteps");
    for (FleetView.Row r : view.rows()) {
      if (r.migration() != null) {
        timings.set(r.name(), StatusView.JSON.valueToTree(r.migration().steps()));
      }
    }
    return FleetView.write(node) + "\n";
  }

  String markdown() {
    FleetStatus s = s();
    StringBuilder b = new StringBuilder();
    b.append("# Fleet ")
        .append(view.look().workflowId().substring("asm-fleet/".length()))
        .append(" to managed ASM\n\n| | |\n|---|---|\n");
    row(b, "workflow", "`" + view.look().workflowId() + "` (" + view.look().workflowStatus() + ")");
    row(b, "state", "**" + s.state() + "** (" + view.tally() + " succeeded)");
    row(b, "phase", s.phase());
    if (s.reason() != null) {
      row(b, "reason", s.reason());
    }
    for (Map.Entry<String, List<FleetView.Row>> w : byWave().entrySet()) {
      b.append("\n## Wave ").append(w.getKey()).append("\n\n");
      b.append(
          "| cluster | state | started | ended | duration | phase | step | namespaces | outcome |\n");
      b.append("|---|---|---|---|---|---|---|---|---|\n");
      for (FleetView.Row r : w.getValue()) {
        ClusterOutcome c = r.cluster();
        b.append("| ")
            .append(c.cluster())
            .append(" | ")
            .append(c.state())
            .append(" | ")
            .append(Times.instant(millis(c.startedMillis())))
            .append(" | ")
            .append(Times.instant(millis(c.endedMillis())))
            .append(" | ")
            .append(
                c.startedMillis() == 0
                    ? "-"
                    : Times.duration(c.startedMillis(), end(c.endedMillis())))
            .append(" | ")
            .append(r.phase())
            .append(" | ")
            .append(r.step())
            .append(" | ")
            .append(r.namespacesTotal() == 0 ? "-" : r.namespacesDone() + "/" + r.namespacesTotal())
            .append(" | ")
            .append(
                (r.outcome() + (c.detail() == null ? "" : ": " + c.detail())).replace("|", "\\|"))
            .append(" |\n");
      }
    }
    b.append("\n## Soak checks\n\n");
    if (s.soakChecks().isEmpty()) {
      b.append("None.\n");
    } else {
      b.append("| cluster | at | pods | result |\n|---|---|---|---|\n");
      for (SoakCheck c : s.soakChecks()) {
        b.append("| ")
            .append(c.cluster())
            .append(" | ")
            .append(Times.instant(c.atMillis()))
            .append(" | ")
            .append(c.pods())
            .append(" | ")
            .append(c.held() ? "held" : String.join("; ", c.problems()).replace("|", "\\|"))
            .append(" |\n");
      }
    }
    b.append("\n## Approvals\n\n");
    if (s.approvals().isEmpty()) {
      b.append("None.\n");
    } else {
      b.append("| what | by | at |\n|---|---|---|\n");
      for (FleetApproval a : s.approvals()) {
        b.append("| ")
            .append(a.what())
            .append(" | ")
            .append(a.by())
            .append(" | ")
            .append(Times.instant(a.atMillis()))
            .append(" |\n");
      }
    }
    b.append("\n_Generated ")
        .append(Times.instant(generatedAt))
        .append(" by asm-migrate fleet report._\n");
    return b.toString();
  }

  private static Long millis(long t) {
    return t == 0 ? null : t;
  }

  private long end(long endedMillis) {
    return endedMillis == 0 ? generatedAt : endedMillis;
  }

  private static void row(StringBuilder b, String k, String v) {
    b.append("| ").append(k).append(" | ").append(v.replace("|", "\\|")).append(" |\n");
  }

  // --- HTML --------------------------------------------------------------------------------------

  private static final int LABEL = 260;
  private static final int WIDTH = 960;
  private static final int ROW = 24;

  String html() {
    FleetStatus s = s();
    String title = "asm-migrate fleet report: " + view.look().workflowId();
    StringBuilder b = new StringBuilder();
    b.append("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n")
        .append("<meta charset=\"utf-8\"/>\n<title>")
        .append(Report.esc(title))
        .append("</title>\n<style>\n")
        .append("body{font-family:system-ui,sans-serif;margin:2em;color:#212121}")
        .append("table{border-collapse:collapse;margin:.5em 0 1.5em}")
        .append("td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;font-size:.9em}")
        .append("th{background:#f5f5f5}.state{font-weight:bold}")
        .append(".SUCCESS{color:#2e7d32}.HALTED,.ABORTED{color:#c62828}")
        .append("svg text{font-size:12px;font-family:system-ui,sans-serif}")
        .append("\n</style>\n</head>\n<body>\n<h1>")
        .append(Report.esc(title))
        .append("</h1>\n<table class=\"summary\">\n");
    tr(b, "workflow", view.look().workflowId() + " (" + view.look().workflowStatus() + ")");
    b.append("<tr><th>state</th><td class=\"state ")
        .append(s.state().name())
        .append("\">")
        .append(s.state().name())
        .append(" (")
        .append(Report.esc(view.tally()))
        .append(" succeeded)</td></tr>\n");
    tr(b, "phase", s.phase());
    if (s.reason() != null) {
      tr(b, "reason", s.reason());
    }
    b.append("</table>\n<h2>Clusters by wave</h2>\n").append(timeline());
    b.append("<table class=\"clusters\">\n<tr><th>wave</th><th>cluster</th><th>state</th>")
        .append("<th>started</th><th>duration</th><th>step</th><th>namespaces</th>")
        .append("<th>outcome</th></tr>\n");
    for (FleetView.Row r : view.rows()) {
      ClusterOutcome c = r.cluster();
      b.append("<tr data-cluster=\"")
          .append(Report.esc(r.name()))
          .append("\"><td>")
          .append(Report.esc(String.valueOf(c.wave())))
          .append("</td><td>")
          .append(Report.esc(c.cluster().toString()))
          .append("</td><td>")
          .append(c.state())
          .append("</td><td>")
          .append(Times.instant(millis(c.startedMillis())))
          .append("</td><td>")
          .append(
              c.startedMillis() == 0
                  ? "-"
                  : Times.duration(c.startedMillis(), end(c.endedMillis())))
          .append("</td><td>")
          .append(Report.esc(r.step()))
          .append("</td><td>")
          .append(r.namespacesTotal() == 0 ? "-" : r.namespacesDone() + "/" + r.namespacesTotal())
          .append("</td><td>")
          .append(Report.esc(r.outcome() + (c.detail() == null ? "" : ": " + c.detail())))
          .append("</td></tr>\n");
    }
    b.append("</table>\n<h2>Soak checks</h2>\n");
    if (s.soakChecks().isEmpty()) {
      b.append("<p>None.</p>\n");
    } else {
      b.append("<table class=\"soak\">\n<tr><th>cluster</th><th>at</th><th>pods</th>")
          .append("<th>result</th></tr>\n");
      for (SoakCheck c : s.soakChecks()) {
        b.append("<tr><td>")
            .append(Report.esc(c.cluster().toString()))
            .append("</td><td>")
            .append(Times.instant(c.atMillis()))
            .append("</td><td>")
            .append(c.pods())
            .append("</td><td>")
            .append(Report.esc(c.held() ? "held" : String.join("; ", c.problems())))
            .append("</td></tr>\n");
      }
      b.append("</table>\n");
    }
    b.append("<h2>Approvals</h2>\n");
    if (s.approvals().isEmpty()) {
      b.append("<p>None.</p>\n");
    } else {
      b.append("<table class=\"approvals\">\n<tr><th>what</th><th>by</th><th>at</th></tr>\n");
      for (FleetApproval a : s.approvals()) {
        b.append("<tr><td>")
            .append(Report.esc(a.what()))
            .append("</td><td>")
            .append(Report.esc(a.by()))
            .append("</td><td>")
            .append(Times.instant(a.atMillis()))
            .append("</td></tr>\n");
      }
      b.append("</table>\n");
    }
    b.append("<p><small>Generated ")
        .append(Times.instant(generatedAt))
        .append(" by asm-migrate fleet report.</small></p>\n</body>\n</html>\n");
    return b.toString();
  }

  /** One bar per cluster from its start to its end (or now), under a heading row per wave. */
  private String timeline() {
    long start = Long.MAX_VALUE;
    long end = generatedAt;
    for (FleetView.Row r : view.rows()) {
      if (r.cluster().startedMillis() > 0) {
        start = Math.min(start, r.cluster().startedMillis());
        end = Math.max(end, end(r.cluster().endedMillis()));
      }
    }
    if (start == Long.MAX_VALUE) {
      start = generatedAt;
    }
    Map<String, List<FleetView.Row>> waves = byWave();
    int height = ROW * (view.rows().size() + waves.size()) + 20;
    StringBuilder b =
        new StringBuilder()
            .append("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"fleet-timeline\" width=\"")
            .append(WIDTH)
            .append("\" height=\"")
            .append(height)
            .append("\" role=\"img\"><title>Clusters over time, by wave</title>\n");
    int y = 4;
    long span = Math.max(1, end - start);
    for (Map.Entry<String, List<FleetView.Row>> w : waves.entrySet()) {
      b.append("<g class=\"wave\" data-wave=\"")
          .append(Report.esc(w.getKey()))
          .append("\"><text x=\"4\" y=\"")
          .append(y + 14)
          .append("\" font-weight=\"bold\">wave ")
          .append(Report.esc(w.getKey()))
          .append("</text>\n");
      y += ROW;
      for (FleetView.Row r : w.getValue()) {
        ClusterOutcome c = r.cluster();
        b.append("<g class=\"cluster-row\" data-cluster=\"")
            .append(Report.esc(r.name()))
            .append("\" data-state=\"")
            .append(c.state())
            .append("\"><text x=\"16\" y=\"")
            .append(y + 14)
            .append("\">")
            .append(Report.esc(r.name()))
            .append("</text>");
        if (c.startedMillis() > 0) {
          double x0 = LABEL + (WIDTH - LABEL - 20) * (double) (c.startedMillis() - start) / span;
          double x1 = LABEL + (WIDTH - LABEL - 20) * (double) (end(c.endedMillis()) - start) / span;
          b.append(
                  String.format(
                      Locale.ROOT,
                      "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"16\" rx=\"2\""
                          + " fill=\"%s\"><title>",
                      x0,
                      y + 2,
                      Math.max(2, x1 - x0),
                      colour(c.state())))
              .append(
                  Report.esc(
                      r.name()
                          + ": "
                          + c.state()
                          + ", "
                          + Times.duration(c.startedMillis(), end(c.endedMillis()))))
              .append("</title></rect>");
        } else {
          b.append("<text x=\"")
              .append(LABEL)
              .append("\" y=\"")
              .append(y + 14)
              .append("\" fill=\"#757575\">")
              .append(c.state().name().toLowerCase(Locale.ROOT))
              .append("</text>");
        }
        b.append("</g>\n");
        y += ROW;
      }
      b.append("</g>\n");
    }
    return b.append("</svg>\n").toString();
  }

  private static void tr(StringBuilder b, String k, String v) {
    b.append("<tr><th>")
        .append(Report.esc(k))
        .append("</th><td>")
        .append(Report.esc(v == null ? "-" : v))
        .append("</td></tr>\n");
  }
}
