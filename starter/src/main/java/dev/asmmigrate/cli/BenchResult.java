package dev.asmmigrate.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.workflows.model.NamespaceStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code asm-migrate bench} measured: the figures, each with its unit, its meaning and, where
 * issue 12 sets one, its target and whether it holds.
 *
 * @param size what was measured
 * @param migrationState the migration's outcome (SUCCESS for a valid measurement)
 * @param checks whether the migrated sandbox and the manual loop's copy both ended with every pod
 *     Ready on the ASM proxy (a loop that did less would make the figures lie)
 * @param figures the figures, in the order of the table
 * @param notes how each figure was taken where the table cannot say it
 */
record BenchResult(
    BenchRun.Size size,
    String migrationState,
    boolean checks,
    List<Figure> figures,
    Map<String, Object> details,
    List<String> notes) {

  /**
   * One figure.
   *
   * @param name its key in the JSON
   * @param value its value (NaN when it could not be measured)
   * @param unit s, count, ratio, requests, events, MiB
   * @param meaning one line
   * @param target issue 12's target, or null
   * @param holds whether the target holds, or null when there is none (or not measurable here)
   */
  record Figure(
      String name, double value, String unit, String meaning, String target, Boolean holds) {
    /** A figure without a target. */
    static Figure of(String name, double value, String unit, String meaning) {
      return new Figure(name, value, unit, meaning, null, null);
    }
  }

  boolean ok() {
    return migrationState.equals("SUCCESS") && checks;
  }

  Figure figure(String name) {
    return figures.stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow();
  }

  ObjectNode toJson() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode root = f.objectNode();
    root.put("namespaces", size.namespaces());
    root.put("deployments", size.deployments());
    root.put("replicas", size.replicas());
    root.put("concurrency", size.concurrency());
    root.put("podReadyDelayMillis", size.podReadyDelay().toMillis());
    root.put("apiLatencyMillis", size.apiLatency().toMillis());
    root.put("migrationState", migrationState);
    root.put("checks", checks);
    putFigures(root, figures);
    root.set("details", new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(details));
    var notesNode = root.putArray("notes");
    notes.forEach(notesNode::add);
    return root;
  }

  String table() {
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            Locale.ROOT,
            "bench: %d namespaces x %d Deployments x %d pods, concurrency %d, pod-ready delay %d"
                + " ms, API latency %d ms; migration %s; checks %s%n%n",
            size.namespaces(),
            size.deployments(),
            size.replicas(),
            size.concurrency(),
            size.podReadyDelay().toMillis(),
            size.apiLatency().toMillis(),
            migrationState,
            checks ? "passed" : "FAILED"));
    appendFigures(b, figures, notes);
    return b.toString();
  }

  /** The figures as JSON fields of {@code root.figures}. */
  static void putFigures(ObjectNode root, List<Figure> figures) {
    ObjectNode figs = root.putObject("figures");
    for (Figure fig : figures) {
      ObjectNode n = figs.putObject(fig.name());
      if (Double.isNaN(fig.value())) {
        n.putNull("value");
      } else {
        n.put("value", round(fig.value()));
      }
      n.put("unit", fig.unit());
      n.put("meaning", fig.meaning());
      if (fig.target() != null) {
        n.put("target", fig.target());
        if (fig.holds() == null) {
          n.putNull("holds");
        } else {
          n.put("holds", fig.holds());
        }
      }
    }
  }

  /** The figures as table rows, then the notes. */
  static void appendFigures(StringBuilder b, List<Figure> figures, List<String> notes) {
    b.append(
        String.format(
            Locale.ROOT,
            "%-28s %12s %-9s %-28s %s%n",
            "FIGURE",
            "VALUE",
            "UNIT",
            "TARGET",
            "MEANING"));
    for (Figure fig : figures) {
      String target =
          fig.target() == null
              ? ""
              : fig.target()
                  + (fig.holds() == null ? " (n/a)" : fig.holds() ? " (holds)" : " (MISSED)");
      b.append(
          String.format(
              Locale.ROOT,
              "%-28s %12s %-9s %-28s %s%n",
              fig.name(),
              Double.isNaN(fig.value()) ? "-" : format(fig.value()),
              fig.unit(),
              target,
              fig.meaning()));
    }
    if (!notes.isEmpty()) {
      b.append(String.format("%n"));
      notes.forEach(n -> b.append("note: ").append(n).append(String.format("%n")));
    }
  }

  private static String format(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e12) {
      return String.format(Locale.ROOT, "%,d", (long) v);
    }
    return String.format(Locale.ROOT, "%,.2f", v);
  }

  private static double round(double v) {
    return Math.round(v * 1000.0) / 1000.0;
  }

  /**
   * Each wave (namespaces with the same STARTED time): when it started and when its slowest
   * namespace was verified, in seconds from the phase's start, so a reader sees where the phase's
   * time goes (inside the waves, or between them).
   */
  static List<Map<String, Object>> waveTimeline(List<NamespaceStatus> migrated, long phaseStart) {
    Map<Long, List<NamespaceStatus>> byStart = new TreeMap<>();
    for (NamespaceStatus ns : migrated) {
      byStart.computeIfAbsent(ns.times().get("STARTED"), k -> new ArrayList<>()).add(ns);
    }
    List<Map<String, Object>> waves = new ArrayList<>();
    for (Map.Entry<Long, List<NamespaceStatus>> e : byStart.entrySet()) {
      long end =
          e.getValue().stream()
              .map(ns -> ns.times().values().stream().max(Long::compare).orElse(e.getKey()))
              .max(Long::compare)
              .orElse(e.getKey());
      Map<String, Object> w = new LinkedHashMap<>();
      w.put("namespaces", e.getValue().size());
      w.put("startedS", (e.getKey() - phaseStart) / 1e3);
      w.put("endedS", (end - phaseStart) / 1e3);
      // the slowest namespace's marks (RELABELLED, RESTARTED, VERIFIED), from the wave's start
      Map<String, Double> marks = new LinkedHashMap<>();
      for (NamespaceStatus ns : e.getValue()) {
        ns.times()
            .forEach(
                (mark, at) -> {
                  if (!mark.equals("STARTED")) {
                    marks.merge(mark, (at - e.getKey()) / 1e3, Math::max);
                  }
                });
      }
      w.put("slowestMarksS", marks);
      waves.add(w);
    }
    return waves;
  }
}
