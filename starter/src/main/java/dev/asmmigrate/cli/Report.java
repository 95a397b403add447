package dev.asmmigrate.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.workflows.model.ConfigFinding;
import dev.asmmigrate.workflows.model.KeptObject;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.MigrationStatus;
import dev.asmmigrate.workflows.model.NamespaceStatus;
import dev.asmmigrate.workflows.model.StepTiming;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A migration's report from its status: Markdown, JSON, or a self-contained HTML page (XHTML, so
 * XML parsers read it) with inline SVG timelines of the steps and of the namespaces.
 */
final class Report {
  /** Phases of a namespace's timeline, in order, with the segment each one ends. */
  private static final List<String[]> SEGMENTS =
      List.of(
          new String[] {"STARTED", "RELABELLED", "relabel"},
          new String[] {"RELABELLED", "RESTARTED", "restart"},
          new String[] {"RESTARTED", "VERIFIED", "verify"});

  private static final Map<String, String> COLOURS =
      Map.of(
          "relabel", "#90caf9",
          "restart", "#42a5f5",
          "verify", "#2e7d32",
          "failed", "#c62828",
          "rollback", "#ef6c00",
          "DONE", "#2e7d32",
          "SKIPPED", "#9e9e9e",
          "FAILED", "#c62828",
          "RUNNING", "#1565c0");

  private final StatusView view;
  private final long generatedAt;

  Report(StatusView view, long generatedAt) {
    this.view = view;
    this.generatedAt = generatedAt;
  }

  private MigrationStatus s() {
    return view.status();
  }

  private long start() {
    return s().startedAt() == null ? generatedAt : s().startedAt();
  }

  /** The right end of the timelines: the end of the migration, or now while it runs. */
  private long end() {
    long end = s().endedAt() != null ? s().endedAt() : Math.max(generatedAt, start());
    for (StepTiming t : s().steps()) {
      end = Math.max(end, t.endedAt() == null ? t.startedAt() : t.endedAt());
    }
    for (NamespaceStatus ns : s().namespaces()) {
      for (Long t : ns.times().values()) {
        end = Math.max(end, t);
      }
    }
    return end;
  }

  // --- JSON --------------------------------------------------------------------------------------

  String json() {
    ObjectNode node = StatusView.JSON.createObjectNode();
    node.put("workflowId", view.workflowId());
    node.put("workflowStatus", view.workflowStatus());
    node.put("generatedAt", Times.instant(generatedAt));
    node.put(
        "durationMillis",
        s().startedAt() == null
            ? null
            : (s().endedAt() == null ? generatedAt : s().endedAt()) - s().startedAt());
    node.setAll((ObjectNode) StatusView.JSON.valueToTree(s()));
    ArrayNode steps = (ArrayNode) node.get("steps");
    for (int i = 0; i < steps.size(); i++) {
      StepTiming t = s().steps().get(i);
      ((ObjectNode) steps.get(i)).put("title", StatusView.title(t.step()));
      if (t.endedAt() != null) {
        ((ObjectNode) steps.get(i)).put("durationMillis", t.endedAt() - t.startedAt());
      }
    }
    try {
      return StatusView.JSON.writeValueAsString(node);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  // --- Markdown ----------------------------------------------------------------------------------

  String markdown() {
    MigrationStatus s = s();
    StringBuilder b = new StringBuilder();
    b.append("# Migration of ").append(s.cluster()).append(" to managed ASM\n\n");
    b.append("| | |\n|---|---|\n");
    row(b, "workflow", "`" + view.workflowId() + "` (" + view.workflowStatus() + ")");
    row(b, "migration id", s.migrationId());
    row(
        b,
        "state",
        "**"
            + s.state()
            + "**"
            + (s.error() == null ? "" : " — " + s.error().replace("\n", "<br>")));
    row(b, "phase", StatusView.phase(s) + " (step " + s.step() + ")");
    runRows(s).forEach((k, v) -> row(b, k, v));
    if (!s.rollbackFailures().isEmpty()) {
      b.append("\n## Rollback failed\n\n");
      for (String f : s.rollbackFailures()) {
        b.append("- ").append(f).append('\n');
      }
      b.append("\n**What to do next:**\n\n```\n")
          .append(StatusView.rollbackFailedAdvice(s.migrationId(), s.backups()))
          .append("\n```\n");
    }
    if (s.state() == MigrationState.FINISH_FAILED) {
      b.append("\n## Finishing failed\n\n```\n")
          .append(StatusView.finishFailedAdvice(s.step()))
          .append("\n```\n");
    }
    b.append(
        "\n## Steps\n\n| step | title | started | duration | outcome |\n|---|---|---|---|---|\n");
    for (StepTiming t : s.steps()) {
      b.append("| ")
          .append(t.step())
          .append(" | ")
          .append(StatusView.title(t.step()))
          .append(" | ")
          .append(Times.instant(t.startedAt()))
          .append(" | ")
          .append(Times.duration(t.startedAt(), t.endedAt()))
          .append(" | ")
          .append(t.outcome())
          .append(" |\n");
    }
    b.append("\n## Namespaces\n\n")
        .append(
            "| namespace | add-on | phase | pods | relabelled | restarted | verified | duration | message |\n")
        .append("|---|---|---|---|---|---|---|---|---|\n");
    for (NamespaceStatus ns : s.namespaces()) {
      Map<String, Long> t = ns.times();
      Long last = t.isEmpty() ? null : List.copyOf(t.values()).get(t.size() - 1);
      b.append("| ")
          .append(ns.name())
          .append(" | ")
          .append(ns.version() == null ? "-" : ns.version().display())
          .append(" | ")
          .append(ns.phase())
          .append(" | ")
          .append(ns.podsTotal() == 0 ? "-" : ns.podsReady() + "/" + ns.podsTotal())
          .append(" | ")
          .append(Times.instant(t.get("RELABELLED")))
          .append(" | ")
          .append(Times.instant(t.get("RESTARTED")))
          .append(" | ")
          .append(Times.instant(t.get("VERIFIED")))
          .append(" | ")
          .append(Times.duration(t.get("STARTED"), last))
          .append(" | ")
          .append(ns.message() == null ? "" : ns.message().replace("|", "\\|"))
          .append(" |\n");
    }
    if (!s.findings().isEmpty()) {
      b.append("\n## Findings\n\n");
      for (ConfigFinding f : s.findings()) {
        b.append("- ")
            .append(f.blocking() ? "**blocking** " : "")
            .append(StatusView.finding(f))
            .append('\n');
      }
    }
    if (!s.kept().isEmpty()) {
      b.append("\n## Kept by cleanup\n\n");
      b.append("Not proven to be the add-on's own, so cleanup left them in place:\n\n");
      for (KeptObject k : s.kept()) {
        b.append("- ")
            .append(StatusView.kept(k))
            .append("  \n  delete by hand: `")
            .append(k.deleteCommand())
            .append("`\n");
      }
    }
    b.append("\n_Generated ")
        .append(Times.instant(generatedAt))
        .append(" by asm-migrate report._\n");
    return b.toString();
  }

  /**
   * The summary rows both formats show after the state: when it ran, who approved, and the
   * operator's reasons to abort or roll back where given.
   */
  private Map<String, String> runRows(MigrationStatus s) {
    Map<String, String> rows = new LinkedHashMap<>();
    rows.put("started", Times.instant(s.startedAt()));
    rows.put("ended", Times.instant(s.endedAt()));
    rows.put(
        "duration", Times.duration(s.startedAt(), s.endedAt() == null ? generatedAt : s.endedAt()));
    rows.put(
        "approved",
        s.approvedBy() == null ? "-" : s.approvedBy() + " at " + Times.instant(s.approvedAt()));
    if (s.abortReason() != null) {
      rows.put("aborted", s.abortReason());
    }
    if (s.rollbackReason() != null) {
      rows.put("rollback asked", s.rollbackReason());
    }
    // the maintenance windows: an override with its reason, and each wait for a window
    StatusView.windowLines(s, true)
        .forEach((k, v) -> rows.put(k.equals("waiting") ? "waiting now" : k, v));
    return rows;
  }

  private static void row(StringBuilder b, String k, String v) {
    b.append("| ")
        .append(k)
        .append(" | ")
        .append(v == null ? "-" : v.replace("|", "\\|"))
        .append(" |\n");
  }

  // --- HTML --------------------------------------------------------------------------------------

  String html() {
    MigrationStatus s = s();
    StringBuilder b = new StringBuilder();
    b.append("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n")
        .append("<meta charset=\"utf-8\"/>\n<title>")
        .append(esc("asm-migrate report: " + s.cluster()))
        .append("</title>\n<style>\n")
        .append("body{font-family:system-ui,sans-serif;margin:2em;color:#212121}")
        .append("table{border-collapse:collapse;margin:.5em 0 1.5em}")
        .append("td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;font-size:.9em}")
        .append("th{background:#f5f5f5}.state{font-weight:bold}")
        .append(
            ".SUCCESS{color:#2e7d32}.ROLLED_BACK,.FAILED,.CONTROLPLANE_PROVISION_ERROR,.ROLLBACK_FAILED,.FINISH_FAILED{color:#c62828}")
        .append("svg text{font-size:12px;font-family:system-ui,sans-serif}")
        .append("\n</style>\n</head>\n<body>\n");
    b.append("<h1>Migration of ")
        .append(esc(String.valueOf(s.cluster())))
        .append(" to managed ASM</h1>\n");
    b.append("<table class=\"summary\">\n");
    tr(b, "workflow", view.workflowId() + " (" + view.workflowStatus() + ")");
    b.append("<tr><th>state</th><td class=\"state ")
        .append(esc(s.state().name()))
        .append("\">")
        .append(esc(s.state().name()))
        .append("</td></tr>\n");
    if (s.error() != null) {
      tr(b, "error", s.error());
    }
    tr(b, "phase", StatusView.phase(s) + " (step " + s.step() + ")");
    tr(b, "migration id", s.migrationId());
    runRows(s).forEach((k, v) -> tr(b, k, v));
    b.append("</table>\n");
    if (!s.rollbackFailures().isEmpty()) {
      b.append("<h2>Rollback failed</h2>\n<ul>\n");
      for (String f : s.rollbackFailures()) {
        b.append("<li>").append(esc(f)).append("</li>\n");
      }
      b.append("</ul>\n<p><b>What to do next:</b></p>\n<pre>")
          .append(esc(StatusView.rollbackFailedAdvice(s.migrationId(), s.backups())))
          .append("</pre>\n");
    }
    if (s.state() == MigrationState.FINISH_FAILED) {
      b.append("<h2>Finishing failed</h2>\n<pre>")
          .append(esc(StatusView.finishFailedAdvice(s.step())))
          .append("</pre>\n");
    }
    b.append("<h2>Steps</h2>\n").append(stepsSvg());
    b.append("<h2>Namespaces</h2>\n").append(namespacesSvg());
    b.append("<table class=\"namespaces\">\n<tr><th>namespace</th><th>add-on</th><th>phase</th>")
        .append(
            "<th>pods</th><th>relabelled</th><th>restarted</th><th>verified</th><th>message</th></tr>\n");
    for (NamespaceStatus ns : s.namespaces()) {
      b.append("<tr><td>")
          .append(esc(ns.name()))
          .append("</td><td>")
          .append(ns.version() == null ? "-" : esc(ns.version().display()))
          .append("</td><td class=\"")
          .append(esc(ns.phase()))
          .append("\">")
          .append(esc(ns.phase()))
          .append("</td><td>")
          .append(ns.podsTotal() == 0 ? "-" : ns.podsReady() + "/" + ns.podsTotal())
          .append("</td><td>")
          .append(Times.instant(ns.times().get("RELABELLED")))
          .append("</td><td>")
          .append(Times.instant(ns.times().get("RESTARTED")))
          .append("</td><td>")
          .append(Times.instant(ns.times().get("VERIFIED")))
          .append("</td><td>")
          .append(esc(ns.message() == null ? "" : ns.message()))
          .append("</td></tr>\n");
    }
    b.append("</table>\n");
    if (!s.findings().isEmpty()) {
      b.append("<h2>Findings</h2>\n<ul>\n");
      for (ConfigFinding f : s.findings()) {
        b.append("<li>")
            .append(f.blocking() ? "<strong>blocking</strong> " : "")
            .append(esc(StatusView.finding(f)))
            .append("</li>\n");
      }
      b.append("</ul>\n");
    }
    if (!s.kept().isEmpty()) {
      b.append("<h2>Kept by cleanup</h2>\n");
      b.append("<p>Not proven to be the add-on's own, so cleanup left them in place:</p>\n<ul>\n");
      for (KeptObject k : s.kept()) {
        b.append("<li>")
            .append(esc(StatusView.kept(k)))
            .append("<br/>delete by hand: <code>")
            .append(esc(k.deleteCommand()))
            .append("</code></li>\n");
      }
      b.append("</ul>\n");
    }
    b.append("<p><small>Generated ")
        .append(Times.instant(generatedAt))
        .append(" by asm-migrate report.</small></p>\n</body>\n</html>\n");
    return b.toString();
  }

  private static final int LABEL = 230;
  private static final int WIDTH = 960;
  private static final int ROW = 24;

  private double x(long t) {
    long span = Math.max(1, end() - start());
    return LABEL + (WIDTH - LABEL - 20) * (double) (t - start()) / span;
  }

  private String stepsSvg() {
    List<StepTiming> steps = s().steps();
    int height = ROW * steps.size() + 40;
    StringBuilder b = svgOpen("steps-timeline", height, "Steps over time");
    int y = 10;
    for (StepTiming t : steps) {
      long to = t.endedAt() == null ? end() : t.endedAt();
      b.append("<g class=\"step-row\" data-step=\"").append(esc(t.step())).append("\">");
      label(b, y, t.step());
      bar(
          b,
          x(t.startedAt()),
          x(to),
          y,
          COLOURS.getOrDefault(t.outcome(), "#616161"),
          t.step()
              + (StatusView.title(t.step()).isEmpty()
                  ? ""
                  : " (" + StatusView.title(t.step()) + ")")
              + ": "
              + t.outcome()
              + ", "
              + Times.duration(t.startedAt(), to));
      b.append("</g>\n");
      y += ROW;
    }
    axis(b, y);
    legend(b, y + 18, List.of("DONE", "SKIPPED", "FAILED", "RUNNING"));
    return b.append("</svg>\n").toString();
  }

  private String namespacesSvg() {
    List<NamespaceStatus> namespaces = s().namespaces();
    int height = ROW * Math.max(1, namespaces.size()) + 40;
    StringBuilder b = svgOpen("namespace-timeline", height, "Namespaces over time");
    int y = 10;
    for (NamespaceStatus ns : namespaces) {
      b.append("<g class=\"namespace-row\" data-namespace=\"")
          .append(esc(ns.name()))
          .append("\" data-phase=\"")
          .append(esc(ns.phase()))
          .append("\">");
      label(b, y, ns.name() + (ns.version() == null ? "" : " (" + ns.version().display() + ")"));
      Map<String, Long> t = ns.times();
      for (String[] seg : SEGMENTS) {
        if (t.containsKey(seg[0]) && t.containsKey(seg[1])) {
          bar(
              b,
              x(t.get(seg[0])),
              x(t.get(seg[1])),
              y,
              COLOURS.get(seg[2]),
              ns.name() + ": " + seg[2] + " " + Times.duration(t.get(seg[0]), t.get(seg[1])));
        }
      }
      if (t.containsKey("FAILED")) {
        Long from = lastBefore(t, "FAILED");
        bar(
            b,
            x(from),
            x(t.get("FAILED")),
            y,
            COLOURS.get("failed"),
            ns.name() + ": failed: " + (ns.message() == null ? "" : ns.message()));
        if (t.containsKey("ROLLED_BACK")) {
          bar(
              b,
              x(t.get("FAILED")),
              x(t.get("ROLLED_BACK")),
              y,
              COLOURS.get("rollback"),
              ns.name()
                  + ": rolled back in "
                  + Times.duration(t.get("FAILED"), t.get("ROLLED_BACK")));
        }
      } else if (!t.containsKey("VERIFIED") && t.containsKey("STARTED")) {
        // still running: a bar from its last phase to the right end
        Long from = List.copyOf(t.values()).get(t.size() - 1);
        bar(b, x(from), x(end()), y, COLOURS.get("RUNNING"), ns.name() + ": " + ns.phase());
      }
      if (t.isEmpty()) {
        b.append("<text x=\"")
            .append(LABEL)
            .append("\" y=\"")
            .append(y + 14)
            .append("\" fill=\"#757575\">")
            .append(esc(ns.phase().toLowerCase()))
            .append("</text>");
      }
      b.append("</g>\n");
      y += ROW;
    }
    axis(b, y);
    legend(b, y + 18, List.of("relabel", "restart", "verify", "failed", "rollback"));
    return b.append("</svg>\n").toString();
  }

  private static Long lastBefore(Map<String, Long> times, String phase) {
    Long last = null;
    for (Map.Entry<String, Long> e : times.entrySet()) {
      if (e.getKey().equals(phase)) {
        break;
      }
      last = e.getValue();
    }
    return last == null ? times.get(phase) : last;
  }

  private static StringBuilder svgOpen(String id, int height, String title) {
    return new StringBuilder()
        .append("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"")
        .append(id)
        .append("\" width=\"")
        .append(WIDTH)
        .append("\" height=\"")
        .append(height + 20)
        .append("\" viewBox=\"0 0 ")
        .append(WIDTH)
        .append(' ')
        .append(height + 20)
        .append("\" role=\"img\"><title>")
        .append(esc(title))
        .append("</title>\n");
  }

  private static void label(StringBuilder b, int y, String text) {
    b.append("<text x=\"4\" y=\"").append(y + 14).append("\">").append(esc(text)).append("</text>");
  }

  private static void bar(StringBuilder b, double x0, double x1, int y, String colour, String tip) {
    double w = Math.max(2, x1 - x0);
    b.append(
            String.format(
                java.util.Locale.ROOT,
                "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"16\" rx=\"2\" fill=\"%s\"><title>",
                x0,
                y + 2,
                w,
                colour))
        .append(esc(tip))
        .append("</title></rect>");
  }

  private void axis(StringBuilder b, int y) {
    b.append(
        String.format(
            java.util.Locale.ROOT,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#9e9e9e\"/>",
            LABEL,
            y,
            WIDTH - 20,
            y));
    List<String> ticks = new ArrayList<>();
    for (int i = 0; i <= 4; i++) {
      long t = start() + (end() - start()) * i / 4;
      ticks.add(
          String.format(
              java.util.Locale.ROOT,
              "<text x=\"%.1f\" y=\"%d\" fill=\"#616161\" text-anchor=\"%s\">+%s</text>",
              x(t),
              y + 14,
              i == 4 ? "end" : "middle",
              esc(Times.duration(start(), t))));
    }
    ticks.forEach(b::append);
    b.append('\n');
  }

  private static void legend(StringBuilder b, int y, List<String> keys) {
    int x = 4;
    for (String k : keys) {
      b.append(
          String.format(
              java.util.Locale.ROOT,
              "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s</text>",
              x,
              y + 2,
              COLOURS.get(k),
              x + 16,
              y + 12,
              esc(k.toLowerCase())));
      x += 100;
    }
    b.append('\n');
  }

  private static void tr(StringBuilder b, String k, String v) {
    b.append("<tr><th>")
        .append(esc(k))
        .append("</th><td>")
        .append(esc(v == null ? "-" : v))
        .append("</td></tr>\n");
  }

  static String esc(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;")
        .replace("'", "&#39;");
  }
}
