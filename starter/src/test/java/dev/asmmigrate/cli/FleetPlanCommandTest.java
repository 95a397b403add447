package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.http.RequestLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fleet plan} against one sandbox: a fleet of the sandbox's cluster and of a cluster Google
 * does not know (same kubeconfig context) is blocked, naming that cluster, exit 3; the sandbox's
 * cluster can be migrated; the plan only reads; a Google permission the caller lacks blocks the
 * cluster in {@code fleet plan} and {@code plan}, named; help is everywhere.
 */
class FleetPlanCommandTest {
  @TempDir Path dir;

  @Test
  void everyClusterIsPlannedAndTheBlockedOneIsNamed() throws Exception {
    try (Sandbox sandbox =
        Sandbox.start(
            SandboxSettings.builder()
                .base(SandboxSettings.Base.ADDON_1_4)
                .app("online-boutique")
                .podReadyDelay(Duration.ofMillis(100))
                .build())) {
      assertThat(sandbox.awaitSettled(Duration.ofMinutes(3))).isTrue();
      Path kubeconfig = sandbox.writeKubeconfig(dir.resolve("sandbox.kubeconfig"));
      var s = sandbox.settings();
      Path file = dir.resolve("fleet.yaml");
      Files.writeString(
          file,
          """
          name: planned
          clusters:
            - {project: %s, location: %s, name: %s, context: sandbox}
            - {project: %s, location: %s, name: ghost, context: sandbox}
          waves:
            - {name: canary, clusters: [%s]}
            - {name: rest, clusters: [ghost]}
          """
              .formatted(
                  s.project(), s.location(), s.cluster(), s.project(), s.location(), s.cluster()));
      long before = PlanCommandTest.lastSeq(sandbox);

      CliRun r =
          CliRun.of(
              "fleet",
              "plan",
              file.toString(),
              "--kubeconfig",
              kubeconfig.toString(),
              "--google-endpoint",
              sandbox.googleEndpoint());

      assertThat(r.code()).as(r.out() + r.err()).isEqualTo(ExitCodes.BLOCKED);
      assertThat(r.out())
          .contains(
              "cluster "
                  + s.project()
                  + "/"
                  + s.location()
                  + "/"
                  + s.cluster()
                  + " ("
                  + s.cluster()
                  + "):")
          .contains("  can be migrated (")
          .containsPattern("result: blocked: ghost \\(.+\\)\n$");
      assertThat(r.out()).doesNotContain("blocked: " + s.cluster());
      List<RequestLog.Entry> ours = PlanCommandTest.ours(sandbox, before);
      assertThat(ours).isNotEmpty();
      assertThat(ours)
          .allSatisfy(
              e ->
                  assertThat(
                          List.of("get", "list", "watch").contains(e.verb())
                              || (e.verb().equals("create")
                                  && e.resource().equals("selfsubjectaccessreviews")))
                      .as("%s %s %s/%s", e.verb(), e.resource(), e.namespace(), e.name())
                      .isTrue());

      // a Google permission of the fleet-registration step taken away from the caller: plan and
      // fleet plan name it and the cluster, exit 3, and write nothing, here or at Google
      sandbox.googleApis().iam().deny(s.project(), "gkehub.features.update");
      String missing = "gkehub.features.update on projects/" + s.project();
      Path one = dir.resolve("one.yaml");
      Files.writeString(
          one,
          """
          name: one
          clusters:
            - {project: %s, location: %s, name: %s, context: sandbox}
          waves:
            - {name: all, clusters: [%s]}
          """
              .formatted(s.project(), s.location(), s.cluster(), s.cluster()));
      long beforeDenied = PlanCommandTest.lastSeq(sandbox);
      int googleCalls = sandbox.googleApis().calls().size();

      CliRun fleetPlan =
          CliRun.of(
              "fleet",
              "plan",
              one.toString(),
              "--kubeconfig",
              kubeconfig.toString(),
              "--google-endpoint",
              sandbox.googleEndpoint());
      assertThat(fleetPlan.code()).as(fleetPlan.out() + fleetPlan.err()).isEqualTo(3);
      assertThat(fleetPlan.out())
          .contains("BLOCKING      [preflight-permission-denied] Cluster ")
          .contains(
              s.cluster()
                  + ": the migration's Google-side steps need 1 IAM permission the caller"
                  + " lacks: "
                  + missing)
          .containsPattern("result: blocked: " + s.cluster() + " \\(1 blocking.*\\)\n$");
      List<String> planArgs = new java.util.ArrayList<>(List.of("plan"));
      planArgs.addAll(PlanCommandTest.clusterArgs(sandbox, kubeconfig));
      PlanCommandTest.Run plan = PlanCommandTest.run(planArgs);
      assertThat(plan.code()).as(plan.out() + plan.err()).isEqualTo(ExitCodes.BLOCKED);
      assertThat(plan.out()).contains(missing);
      assertThat(PlanCommandTest.ours(sandbox, beforeDenied))
          .isNotEmpty()
          .allSatisfy(
              e ->
                  assertThat(
                          List.of("get", "list", "watch").contains(e.verb())
                              || e.resource().equals("selfsubjectaccessreviews"))
                      .as("%s %s %s/%s", e.verb(), e.resource(), e.namespace(), e.name())
                      .isTrue());
      assertThat(
              sandbox
                  .googleApis()
                  .calls()
                  .subList(googleCalls, sandbox.googleApis().calls().size()))
          .extracting(c -> c.shortMethod())
          .contains("TestIamPermissions")
          .allMatch(m -> m.startsWith("Get") || m.startsWith("List") || m.startsWith("Test"));
    }
  }

  @Test
  void everyFleetCommandHasHelp() {
    for (String sub :
        List.of("start", "plan", "status", "approve", "pause", "resume", "abort", "report")) {
      CliRun r = CliRun.of("fleet", sub, "--help");
      assertThat(r.code()).as(sub).isZero();
      assertThat(r.out()).as(sub).contains("Usage: asm-migrate fleet " + sub);
    }
    CliRun fleet = CliRun.of("fleet", "--help");
    assertThat(fleet.out())
        .contains("6   the fleet ended HALTED")
        .contains("7   the fleet ended ABORTED");
  }
}
