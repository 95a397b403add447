package dev.asmmigrate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.asmmigrate.activities.google.GoogleClients;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.plan.MigrationPlan;
import dev.asmmigrate.activities.plan.MigrationPlanner;
import dev.asmmigrate.activities.plan.PlanCalendar;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.activities.window.WindowActivitiesImpl;
import dev.asmmigrate.config.Finding;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.ConfigFinding;
import dev.asmmigrate.workflows.model.Connection;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.NamespacePlan;
import dev.asmmigrate.workflows.model.PodToRecreate;
import dev.asmmigrate.workflows.model.window.MaintenanceWindows;
import dev.asmmigrate.workflows.model.window.WindowPolicy;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code asm-migrate plan}: pre-flight, config-check, the converted policies and every change each
 * step of the migration will make, read from the cluster without changing it.
 *
 * <p>{@code -o json} writes one object, schema {@value #SCHEMA}: {@code cluster} (project,
 * location, cluster), {@code revision}, {@code masterVersion}, {@code addonVersions}, {@code
 * namespaces} ([{name, addonVersion, workloads, unmanagedPods}]), {@code podsToRecreate} (injected
 * pods no restart moves to the new proxy: [{namespace, name, kind bare | Job, job, cronJob,
 * action}]), {@code canMigrate}, {@code blocking} (count), {@code preflight} and {@code findings}
 * ([{rule, severity BLOCKING | INFORMATIONAL, kind, namespace, name, message}], findings also
 * {@code rewrite}: the rewritten object or null), {@code converted} (objects), {@code steps}
 * ([{step, skipped, failure, changes}]) and {@code state} (changes), where a change is {verb create
 * | update | patch | delete | call, apiVersion, kind, namespace, name, patchType json | merge |
 * strategic | null, body, note}. With maintenance windows ({@code --window}, {@code
 * --windows-from-cluster}) it also has {@code calendar} ({@link #calendarJson}): which windows the
 * migration uses and what it does in each, and when it should end ({@link PlanCalendar}).
 */
@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "Shows, without changing anything, whether the cluster can be migrated (pre-flight and"
            + " config-check findings), the converted authentication policies, and every object each"
            + " step of the migration will create, patch or delete.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the cluster can be migrated",
      "1:something unexpected failed (e.g. the cluster is unreachable)",
      "2:usage error",
      "3:blocking findings: the migration would refuse the cluster as it is"
    })
final class PlanCommand implements Callable<Integer> {
  static final String SCHEMA = "asm-migrate.dev/plan/v1";

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final ObjectMapper YAML =
      new ObjectMapper(
          new YAMLFactory()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

  @Spec CommandSpec spec;

  @ArgGroup(exclusive = false, multiplicity = "1", heading = "%nCluster:%n")
  ClusterOptions cluster;

  @Mixin MeshOptions mesh;

  @Mixin WindowOptions windows;

  @Mixin RunOptions run;

  @Option(
      names = {"-o", "--output"},
      defaultValue = "text",
      paramLabel = "FORMAT",
      description = "text (default), json (for scripts) or yaml.")
  String output;

  @Option(
      names = "--converted",
      description =
          "With -o yaml: write only the converted security.istio.io/v1beta1 objects, as a"
              + " multi-document YAML, for review.")
  boolean converted;

  @Option(
      names = "--out",
      paramLabel = "FILE",
      description = "Write the output to FILE instead of standard output.")
  Path out;

  /** The calendar's "now"; tests fix it. */
  Clock clock = Clock.systemUTC();

  @Override
  public Integer call() {
    if (!List.of("text", "json", "yaml").contains(output)) {
      throw new UserError(ExitCodes.USAGE, "-o must be text, json or yaml, got '" + output + "'");
    }
    if (converted && !output.equals("yaml")) {
      throw new UserError(ExitCodes.USAGE, "--converted goes with -o yaml");
    }
    // bad windows are refused before the cluster is read (the plan's calendar is drawn from them)
    Instant now = clock.instant();
    MaintenanceWindows given = windows.windows(now);
    mesh.validate();
    run.validate(mesh);
    if (out != null && out.getParent() != null && !Files.isDirectory(out.getParent())) {
      throw new UserError(
          ExitCodes.USAGE, "--out: directory " + out.getParent() + " does not exist");
    }
    Connection connection = cluster.connection();
    MigrationContext ctx =
        new MigrationContext(
            MigrationPlanner.MIGRATION_ID, cluster.clusterRef(), connection, mesh.revision(), null);
    MigrationPlan plan;
    PlanCalendar.Result calendar = null;
    try (KubeClients clients = new KubeClients();
        GoogleClients google = new GoogleClients()) {
      plan =
          new MigrationPlanner(clients, google)
              .plan(
                  new MigrationPlanner.Request(
                      ctx, mesh.channel, mesh.fleetProject, mesh.namespaces, mesh.restartSets));
      if (!given.isAnyTime() && !plan.addonVersions().isEmpty()) {
        MaintenanceWindows used =
            given.fromCluster()
                ? PlanCalendar.withCluster(
                    given,
                    new WindowActivitiesImpl(google)
                        .clusterMaintenanceWindows(ctx.cluster(), connection))
                : given;
        calendar =
            PlanCalendar.of(
                PlanCalendar.request(
                    plan,
                    new WindowPolicy(used, null, null),
                    now,
                    run.canary,
                    run.concurrency.value(),
                    run.timeouts(),
                    run.autoApprove));
      }
    } catch (ApplicationFailure e) {
      throw new UserError(
          e.isNonRetryable() ? ExitCodes.BLOCKED : ExitCodes.UNEXPECTED,
          "plan: " + e.getType() + ": " + e.getOriginalMessage());
    } catch (KubernetesClientException e) {
      throw new UserError(ExitCodes.UNEXPECTED, "plan: cannot read the cluster: " + rootMessage(e));
    }

    String text =
        switch (output) {
          case "json" -> write(JSON, toJson(plan, calendar)) + "\n";
          case "yaml" -> converted ? convertedYaml(plan) : write(YAML, toJson(plan, calendar));
          default -> text(plan, calendar);
        };
    if (out == null) {
      PrintWriter w = spec.commandLine().getOut();
      w.print(text);
      w.flush();
    } else {
      try {
        Files.writeString(out, text);
      } catch (IOException e) {
        throw new UserError(ExitCodes.UNEXPECTED, "cannot write " + out + ": " + e.getMessage());
      }
    }
    return plan.canMigrate() ? ExitCodes.OK : ExitCodes.BLOCKED;
  }

  // --- JSON ------------------------------------------------------------------------------------

  static ObjectNode toJson(MigrationPlan plan) {
    return toJson(plan, null);
  }

  /** The plan as JSON, with its {@code calendar} when the migration has maintenance windows. */
  static ObjectNode toJson(MigrationPlan plan, PlanCalendar.Result calendar) {
    ObjectNode root = JSON.createObjectNode();
    root.put("schema", SCHEMA);
    ObjectNode c = root.putObject("cluster");
    c.put("project", plan.cluster().project());
    c.put("location", plan.cluster().location());
    c.put("cluster", plan.cluster().cluster());
    root.put("revision", plan.revision());
    root.put("masterVersion", plan.masterVersion());
    ArrayNode versions = root.putArray("addonVersions");
    plan.addonVersions().forEach(v -> versions.add(v.display()));
    ArrayNode namespaces = root.putArray("namespaces");
    for (NamespacePlan ns : plan.namespaces()) {
      ObjectNode n = namespaces.addObject();
      n.put("name", ns.name());
      n.put("addonVersion", ns.version().display());
      n.put("workloads", ns.workloads());
      n.put("unmanagedPods", ns.unmanagedPods());
    }
    ArrayNode recreate = root.putArray("podsToRecreate");
    for (PodToRecreate p : plan.podsToRecreate()) {
      ObjectNode o = recreate.addObject();
      o.put("namespace", p.namespace());
      o.put("name", p.name());
      o.put("kind", p.kind());
      o.put("job", p.job());
      o.put("cronJob", p.cronJob());
      o.put("action", p.action());
    }
    if (calendar != null) {
      root.set("calendar", calendarJson(calendar));
    }
    root.put("canMigrate", plan.canMigrate());
    root.put("blocking", plan.blocking());
    ArrayNode preflight = root.putArray("preflight");
    for (ConfigFinding f : plan.preflight()) {
      finding(
          preflight.addObject(),
          f.rule(),
          f.blocking(),
          f.kind(),
          f.namespace(),
          f.name(),
          f.message());
    }
    ArrayNode findings = root.putArray("findings");
    for (Finding f : plan.findings()) {
      ObjectNode o = findings.addObject();
      finding(o, f.ruleId(), f.severity().blocks(), f.kind(), f.namespace(), f.name(), f.message());
      o.set("rewrite", f.rewrite().<JsonNode>map(JsonNode::deepCopy).orElse(null));
    }
    ArrayNode conv = root.putArray("converted");
    plan.converted().forEach(o -> conv.add(o.deepCopy()));
    ArrayNode steps = root.putArray("steps");
    for (MigrationPlan.StepPlan s : plan.steps()) {
      ObjectNode o = steps.addObject();
      o.put("step", s.step());
      o.put("title", s.title());
      o.put("skipped", s.skipped());
      o.put("failure", s.failure());
      ArrayNode changes = o.putArray("changes");
      s.changes().forEach(ch -> changes.add(change(ch)));
    }
    ArrayNode state = root.putArray("state");
    plan.state().forEach(ch -> state.add(change(ch)));
    return root;
  }

  private static void finding(
      ObjectNode o,
      String rule,
      boolean blocking,
      String kind,
      String namespace,
      String name,
      String message) {
    o.put("rule", rule);
    o.put("severity", blocking ? "BLOCKING" : "INFORMATIONAL");
    o.put("kind", kind);
    o.put("namespace", namespace == null ? "" : namespace);
    o.put("name", name);
    o.put("message", message);
  }

  private static ObjectNode change(PlannedChange c) {
    ObjectNode o = JSON.createObjectNode();
    o.put("verb", c.verb());
    o.put("apiVersion", c.apiVersion());
    o.put("kind", c.kind());
    o.put("namespace", c.namespace());
    o.put("name", c.name());
    o.put("patchType", c.patchType());
    o.set("body", c.body() == null ? null : c.body().deepCopy());
    o.put("note", c.note());
    return o;
  }

  // --- YAML ------------------------------------------------------------------------------------

  static String convertedYaml(MigrationPlan plan) {
    StringBuilder b = new StringBuilder();
    for (JsonNode o : plan.converted()) {
      b.append("---\n").append(write(YAML, o));
    }
    return b.toString();
  }

  private static String write(ObjectMapper mapper, JsonNode node) {
    try {
      return mapper.writeValueAsString(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A calendar as JSON: {@code slots} ([{window, start, end, zone, text, work, steps,
   * namespaces}]), {@code end} (an instant, or null), {@code endText}, {@code afterApproval},
   * {@code unplaced}.
   */
  static ObjectNode calendarJson(PlanCalendar.Result r) {
    ObjectNode n = JSON.createObjectNode();
    ArrayNode slots = n.putArray("slots");
    for (PlanCalendar.Slot s : r.slots()) {
      ObjectNode o = slots.addObject();
      o.put("window", s.window());
      o.put("start", s.start().toString());
      o.put("end", s.end().toString());
      o.put("zone", s.zone());
      o.put("text", s.describe());
      s.work().forEach(o.putArray("work")::add);
      s.steps().forEach(o.putArray("steps")::add);
      o.put("namespaces", s.namespaces());
    }
    n.put("end", r.end() == null ? null : r.end().toString());
    n.put("endText", r.endText());
    r.afterApproval().forEach(n.putArray("afterApproval")::add);
    n.put("unplaced", r.unplaced());
    return n;
  }

  // --- text ------------------------------------------------------------------------------------

  static String text(MigrationPlan plan) {
    return text(plan, null);
  }

  /** The plan as text, with its calendar before the result when it has one. */
  static String text(MigrationPlan plan, PlanCalendar.Result calendar) {
    StringBuilder b = new StringBuilder();
    b.append("cluster: ").append(plan.cluster()).append('\n');
    b.append("  GKE master version: ")
        .append(plan.masterVersion() == null ? "-" : plan.masterVersion())
        .append('\n');
    b.append("  add-on: ")
        .append(
            plan.addonVersions().isEmpty()
                ? "-"
                : String.join(
                    ", ", plan.addonVersions().stream().map(AddonVersion::display).toList()))
        .append('\n');
    b.append("  target revision: ").append(plan.revision()).append('\n');
    b.append("  namespaces to migrate: ");
    b.append(
            plan.namespaces().isEmpty()
                ? "-"
                : String.join(
                    ", ",
                    plan.namespaces().stream()
                        .map(
                            n ->
                                n.name()
                                    + " ("
                                    + n.version().display()
                                    + ", "
                                    + n.workloads()
                                    + " workloads)")
                        .toList()))
        .append("\n\n");

    if (!plan.podsToRecreate().isEmpty()) {
      StatusView.podsToRecreate(b, plan.podsToRecreate());
      b.append('\n');
    }
    b.append("pre-flight:");
    if (plan.preflight().isEmpty()) {
      b.append(" passed, no warnings\n");
    } else {
      b.append('\n');
      for (ConfigFinding f : plan.preflight()) {
        line(b, f.blocking(), f.rule(), f.kind(), f.namespace(), f.name(), f.message());
      }
    }
    b.append('\n');

    b.append("findings:");
    if (plan.findings().isEmpty()) {
      b.append(" none\n");
    } else {
      b.append('\n');
      for (Finding f : plan.findings()) {
        line(b, f.severity().blocks(), f.ruleId(), f.kind(), f.namespace(), f.name(), f.message());
        if (f.rewrite().isPresent()) {
          b.append("      rewrite offered (see -o json or -o yaml)\n");
        }
      }
    }
    b.append('\n');

    b.append("converted policies: ").append(plan.converted().size());
    b.append(plan.converted().isEmpty() ? "\n" : " (review them with -o yaml --converted)\n");
    for (JsonNode o : plan.converted()) {
      JsonNode m = o.path("metadata");
      b.append("  ")
          .append(o.path("kind").asText())
          .append(' ')
          .append(m.path("namespace").asText())
          .append('/')
          .append(m.path("name").asText())
          .append('\n');
    }
    b.append('\n');

    b.append("steps:");
    if (plan.steps().isEmpty()) {
      b.append(" not planned: pre-flight refused the cluster\n");
    } else {
      b.append('\n');
      for (MigrationPlan.StepPlan s : plan.steps()) {
        b.append("  # ").append(s.title()).append('\n');
        b.append("  ").append(s.step());
        if (s.failure() != null) {
          b.append(": WOULD FAIL: ").append(s.failure()).append('\n');
          continue;
        }
        if (s.changes().isEmpty()) {
          b.append(": ").append(s.skipped()).append('\n');
          continue;
        }
        b.append(": ")
            .append(s.changes().size())
            .append(" change")
            .append(s.changes().size() == 1 ? "" : "s")
            .append('\n');
        s.changes().forEach(c -> change(b, c));
      }
      b.append("  state (ConfigMap istio-system/asm-addon-migration-state):\n");
      plan.state().forEach(c -> change(b, c));
    }
    b.append('\n');
    if (calendar != null) {
      b.append("calendar (maintenance windows, with the estimates the run starts from):\n");
      PlanCalendar.lines(calendar).forEach(l -> b.append("  ").append(l).append('\n'));
      b.append('\n');
    }
    long blocking = plan.blocking();
    int failing = plan.failingSteps().size();
    b.append(
        plan.canMigrate()
            ? "result: the cluster can be migrated\n"
            : "result: the migration would refuse this cluster: "
                + blocking
                + " blocking finding"
                + (blocking == 1 ? "" : "s")
                + (failing == 0
                    ? ""
                    : ", " + failing + " step" + (failing == 1 ? "" : "s") + " would fail")
                + "; fix them, then plan again\n");
    return b.toString();
  }

  private static void line(
      StringBuilder b,
      boolean blocking,
      String rule,
      String kind,
      String namespace,
      String name,
      String message) {
    b.append("  ")
        .append(blocking ? "BLOCKING      " : "INFORMATIONAL ")
        .append(rule)
        .append(": ")
        .append(kind)
        .append(' ')
        .append(namespace == null || namespace.isEmpty() ? "" : namespace + "/")
        .append(name)
        .append('\n')
        .append("      ")
        .append(message)
        .append('\n');
  }

  private static void change(StringBuilder b, PlannedChange c) {
    b.append("    ").append(c.describe());
    if (c.patchType() != null) {
      b.append(" (").append(c.patchType()).append(" patch)");
    }
    if (c.note() != null) {
      b.append(": ").append(c.note());
    }
    b.append('\n');
    if (c.body() != null && c.verb().equals("patch")) {
      b.append("        ").append(c.body().toString()).append('\n');
    }
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    String m = c.getMessage() == null ? c.toString() : c.getMessage();
    return t == c || t.getMessage() == null ? m : t.getMessage() + " (" + m + ")";
  }
}
