package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.SandboxSettings;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code plan}'s calendar for a sandbox cluster (add-on 1.4, eight injected namespaces {@code
 * shop-N} of one Deployment each, one replica whose readiness probe first succeeds after 350 s, so
 * pre-flight's rollout model of each is 6m: a pod start, 10 s, and the probe) with weekly windows,
 * Saturdays 02:00-02:50 in Berlin, planned on Friday 11 Dec 2026 at 13:00 there. Laid out by hand
 * from the estimates a run starts from, margin 5m: a wave of namespaces takes 6m and needs 17m left
 * (itself, its undo, the margin); the other disturbing steps pre-flight's model of them on this
 * cluster (issue 14: no longer the runbook's bounds): the policies 2s (writes only; need 5m4s),
 * Mesh CA 1m46s (the add-on's istio-pilot rollout 20s - a pod start and its 5s + 5s readiness probe
 * -, istio-citadel's 10s - no probe, its pods Ready within the second -, a 1s poll of the root's
 * distribution and the default 75s hold; needs 8m32s), the gateway 15s (a pod start, its 1s + 2s
 * probe and the switch's writes; needs 5m30s).
 */
class PlanCalendarCliTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String SATURDAYS = "FREQ=WEEKLY;BYDAY=SA 2026-12-12T02:00 50m Europe/Berlin";
  static final Instant FRIDAY = Instant.parse("2026-12-11T12:00:00Z");

  @TempDir static Path dir;
  static Sandbox sandbox;
  static Path kubeconfig;

  @BeforeAll
  static void start() throws IOException {
    sandbox =
        Sandbox.start(
            SandboxSettings.builder()
                .base(SandboxSettings.Base.ADDON_1_4)
                .podReadyDelay(Duration.ofMillis(100))
                .build());
    KubernetesClient client = sandbox.client("test");
    for (int i = 1; i <= 8; i++) {
      String ns = "shop-" + i;
      client
          .namespaces()
          .resource(
              new NamespaceBuilder()
                  .withNewMetadata()
                  .withName(ns)
                  .addToLabels("istio-injection", "enabled")
                  .endMetadata()
                  .build())
          .create();
      Deployment shop = DemoRun.hello("shop", 1);
      shop.getSpec()
          .getTemplate()
          .getSpec()
          .getContainers()
          .get(0)
          .setReadinessProbe(
              new ProbeBuilder()
                  .withNewHttpGet()
                  .withPath("/")
                  .withPort(new IntOrString(8080))
                  .endHttpGet()
                  .withInitialDelaySeconds(340)
                  .withPeriodSeconds(10)
                  .build());
      client.apps().deployments().inNamespace(ns).resource(shop).create();
    }
    assertThat(sandbox.awaitSettled(Duration.ofMinutes(2))).isTrue();
    kubeconfig = sandbox.writeKubeconfig(dir.resolve("sandbox.kubeconfig"));
  }

  @AfterAll
  static void stop() {
    if (sandbox != null) {
      sandbox.close();
    }
  }

  static PlanCommandTest.Run plan(String... extra) {
    List<String> args = new ArrayList<>(PlanCommandTest.clusterArgs(sandbox, kubeconfig));
    args.addAll(List.of(extra));
    PlanCommand command = new PlanCommand();
    command.clock = Clock.fixed(FRIDAY, ZoneOffset.UTC);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.configure(new CommandLine(command));
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args.toArray(String[]::new));
    return new PlanCommandTest.Run(code, out.toString(), err.toString());
  }

  @Test
  void thePlanShowsWhichWindowsTheMigrationUses_andWhenItShouldEnd() {
    PlanCommandTest.Run r = plan("--window", SATURDAYS, "--concurrency", "1");

    // Sat 12: the policies 02:00:00-02:00:02, Mesh CA to 02:01:48, a namespace every 6m while one
    // starts by 02:33 (02:50 - 17m): 02:01:48, 02:07:48, ... 02:31:48; the seventh (02:37:48)
    // waits. Sat 19: two more to 02:12, then the gateway (15s: it fits), the webhook (30s) and the
    // marker (10s): 02:12:55. (With the runbook's bounds, Mesh CA took to 02:13 and the gateway
    // needed 27m: four namespaces, four more, then the gateway on Sat 26.)
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains(
            """
            calendar (maintenance windows, with the estimates the run starts from):
              outside the windows, from Fri 11 Dec 13:00 Europe/Berlin: pre-flight, fleet registration, control plane, config-check, Galley webhook off
              Sat 12 Dec 02:00-02:50 Europe/Berlin: authentication policies, Mesh CA, 6 of 8 namespaces
              Sat 19 Dec 02:00-02:50 Europe/Berlin: 2 of 8 namespaces, ingress gateway, injection webhook, SUCCESS marker
              should end: Sat 19 Dec 02:12 Europe/Berlin; then it waits for an approval before add-on disabled, cleanup

            result: the cluster can be migrated
            """);
  }

  @Test
  void asJson_eachWindowWithItsWork_andTheEnd() throws IOException {
    PlanCommandTest.Run r =
        plan("--window", SATURDAYS, "--concurrency", "8", "--auto-approve", "-o", "json");

    assertThat(r.code()).as(r.err()).isZero();
    JsonNode calendar = JSON.readTree(r.out()).path("calendar");
    // the policies to 02:00:02, Mesh CA to 02:01:48, one wave of eight to 02:07:48, the gateway
    // (pre-flight's model, 15s) to 02:08:03; the webhook, the marker and, auto-approved,
    // disable-addon (10m) and cleanup (4m) follow: 02:08:33, 02:08:43, 02:18:43, 02:22:43 (a
    // second later when istio-citadel's pods were seen to take a second to be Ready)
    assertThat(calendar.path("slots").findValuesAsText("text"))
        .containsExactly(
            "outside the windows, from Fri 11 Dec 13:00 Europe/Berlin: pre-flight, fleet"
                + " registration, control plane, config-check, Galley webhook off",
            "Sat 12 Dec 02:00-02:50 Europe/Berlin: authentication policies, Mesh CA, 8 of 8"
                + " namespaces, ingress gateway, injection webhook, SUCCESS marker, add-on"
                + " disabled, cleanup");
    assertThat(calendar.path("slots").get(1).path("namespaces").asInt()).isEqualTo(8);
    assertThat(calendar.path("slots").get(1).path("window").asBoolean()).isTrue();
    assertThat(calendar.path("slots").get(1).path("start").asText())
        .isEqualTo("2026-12-12T01:00:00Z");
    assertThat(calendar.path("end").asText()).isIn("2026-12-12T01:22:43Z", "2026-12-12T01:22:44Z");
    assertThat(calendar.path("afterApproval")).isEmpty();
  }

  @Test
  void fleetPlan_givesEachClustersCalendarInItsWave_andTheFleetsEnd() throws IOException {
    var s = sandbox.settings();
    Path file = dir.resolve("fleet.yaml");
    Files.writeString(
        file,
        """
        name: weekend
        windows:
          recurring: ['%s']
        clusters:
          - {project: %s, location: %s, name: %s, context: sandbox}
          - {project: %s, location: %s, name: ghost, context: sandbox}
        waves:
          - {name: canary, clusters: [%s], soak: 30m}
          - {name: rest, clusters: [ghost], approval: true}
        migration:
          concurrency: 4
        """
            .formatted(
                SATURDAYS,
                s.project(),
                s.location(),
                s.cluster(),
                s.project(),
                s.location(),
                s.cluster()));
    FleetCommand.Plan command = new FleetCommand.Plan();
    command.clock = Clock.fixed(FRIDAY, ZoneOffset.UTC);
    StringWriter out = new StringWriter();
    CommandLine cl = Main.configure(new CommandLine(command));
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(new StringWriter(), true));
    int code =
        cl.execute(
            file.toString(),
            "--kubeconfig",
            kubeconfig.toString(),
            "--google-endpoint",
            sandbox.googleEndpoint());

    // ghost is unknown to Google: blocked, not planned; the sandbox's cluster as plan lays it out
    // with four namespaces a wave (02:01:48-02:07:48, -02:13:48), the gateway to 02:14:03 (it now
    // fits Sat 12: pre-flight's model, not the runbook's 11m), webhook and marker to 02:14:43, then
    // (no point-of-no-return approval in the file) disable-addon and cleanup: 02:24:43, 02:28:43;
    // its wave's soak ends 02:58:43
    assertThat(code).isEqualTo(ExitCodes.BLOCKED);
    assertThat(out.toString())
        .contains(
            """
            calendar (maintenance windows, with the estimates each run starts from):
              wave canary, from Fri 11 Dec 13:00 Europe/Berlin, 1 cluster at once, soak 30m:
                %s:
                  outside the windows, from Fri 11 Dec 13:00 Europe/Berlin: pre-flight, fleet registration, control plane, config-check, Galley webhook off
                  Sat 12 Dec 02:00-02:50 Europe/Berlin: authentication policies, Mesh CA, 8 of 8 namespaces, ingress gateway, injection webhook, SUCCESS marker, add-on disabled, cleanup
                  should end: Sat 12 Dec 02:28 Europe/Berlin
              wave rest, from Sat 12 Dec 02:58 Europe/Berlin (once approved), 1 cluster at once:
                ghost: not planned: """
                .formatted(s.cluster()))
        .contains("  fleet: no end: cluster ghost was not planned\nresult: blocked: ghost (");
  }

  @Test
  void withoutWindows_thePlanHasNoCalendar() {
    PlanCommandTest.Run r = plan();
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).doesNotContain("calendar");
  }
}
