package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.SandboxSettings;
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
 * {@code plan}'s calendar for a sandbox cluster (add-on 1.4, eight injected namespaces of three
 * Deployments each, nothing else) with weekly windows, Saturdays 02:00-03:00 in Berlin, planned on
 * Friday 11 Dec 2026 at 13:00 there. Laid out by hand from the estimates a run starts from (the
 * runbook's bounds with start's default timeouts, margin 5m; see PlanCalendarTest): on Sat 12 the
 * policies (02:00-02:01), Mesh CA (to 02:13, it needed 29m) and a first wave of four namespaces (it
 * needs 36m: 02:13-02:28:30); the second wave does not fit before 03:00, so it waits for Sat 19
 * (02:00-02:15:30), with the gateway (needs 27m, to 02:26:30), the webhook and the marker.
 */
class PlanCalendarCliTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String SATURDAYS = "FREQ=WEEKLY;BYDAY=SA 2026-12-12T02:00 1h Europe/Berlin";
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
    DemoRun.addNamespaces(sandbox, "1.4", 8);
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
    PlanCommandTest.Run r = plan("--window", SATURDAYS, "--concurrency", "4");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains(
            """
            calendar (maintenance windows, with the estimates the run starts from):
              outside the windows, from Fri 11 Dec 13:00 Europe/Berlin: pre-flight, fleet registration, control plane, config-check, Galley webhook off
              Sat 12 Dec 02:00-03:00 Europe/Berlin: authentication policies, Mesh CA, 4 of 8 namespaces
              Sat 19 Dec 02:00-03:00 Europe/Berlin: 4 of 8 namespaces, ingress gateway, injection webhook, SUCCESS marker
              should end: Sat 19 Dec 02:27 Europe/Berlin; then it waits for an approval before add-on disabled, cleanup

            result: the cluster can be migrated
            """);
  }

  @Test
  void asJson_eachWindowWithItsWork_andTheEnd() throws IOException {
    PlanCommandTest.Run r =
        plan("--window", SATURDAYS, "--concurrency", "8", "--auto-approve", "-o", "json");

    assertThat(r.code()).as(r.err()).isZero();
    JsonNode calendar = JSON.readTree(r.out()).path("calendar");
    // one wave of eight (02:13-02:28:30); the gateway needs 27m: by 02:55:30, it fits (to
    // 02:39:30); the webhook, the marker and, auto-approved, disable-addon (10m) and cleanup (4m)
    // follow: 02:40, 02:40:10, 02:50:10, 02:54:10
    assertThat(calendar.path("slots").findValuesAsText("text"))
        .containsExactly(
            "outside the windows, from Fri 11 Dec 13:00 Europe/Berlin: pre-flight, fleet"
                + " registration, control plane, config-check, Galley webhook off",
            "Sat 12 Dec 02:00-03:00 Europe/Berlin: authentication policies, Mesh CA, 8 of 8"
                + " namespaces, ingress gateway, injection webhook, SUCCESS marker, add-on"
                + " disabled, cleanup");
    assertThat(calendar.path("slots").get(1).path("namespaces").asInt()).isEqualTo(8);
    assertThat(calendar.path("slots").get(1).path("window").asBoolean()).isTrue();
    assertThat(calendar.path("slots").get(1).path("start").asText())
        .isEqualTo("2026-12-12T01:00:00Z");
    assertThat(calendar.path("end").asText()).isEqualTo("2026-12-12T01:54:10Z");
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
    // with four namespaces a wave, then (no point-of-no-return approval in the file) disable-addon
    // and cleanup: 02:27:10, 02:37:10, 02:41:10 on Sat 19; its wave's soak ends 03:11:10
    assertThat(code).isEqualTo(ExitCodes.BLOCKED);
    assertThat(out.toString())
        .contains(
            """
            calendar (maintenance windows, with the estimates each run starts from):
              wave canary, from Fri 11 Dec 13:00 Europe/Berlin, 1 cluster at once, soak 30m:
                %s:
                  outside the windows, from Fri 11 Dec 13:00 Europe/Berlin: pre-flight, fleet registration, control plane, config-check, Galley webhook off
                  Sat 12 Dec 02:00-03:00 Europe/Berlin: authentication policies, Mesh CA, 4 of 8 namespaces
                  Sat 19 Dec 02:00-03:00 Europe/Berlin: 4 of 8 namespaces, ingress gateway, injection webhook, SUCCESS marker, add-on disabled, cleanup
                  should end: Sat 19 Dec 02:41 Europe/Berlin
              wave rest, from Sat 19 Dec 03:11 Europe/Berlin (once approved), 1 cluster at once:
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
