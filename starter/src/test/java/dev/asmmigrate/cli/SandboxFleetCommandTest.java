package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asmmigrate.sandbox.SandboxFleet;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.api.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code sandbox --clusters N} and {@code --clusters-file FILE}: the fleet the flags and files
 * describe, the fleet file written for the served clusters, and each kind of mistake refused with
 * exit 2 naming the line, before anything is served.
 */
class SandboxFleetCommandTest {
  @TempDir Path dir;

  @Test
  void givenClusters3_theFleetShouldBeThreeClustersOfTheFlags_canaryFirst() {
    SandboxFleet.Settings s = settings("--clusters", "3", "--app", "online-boutique");
    assertThat(s.members())
        .extracting(SandboxFleet.Member::name)
        .containsExactly("cluster-1", "cluster-2", "cluster-3");
    assertThat(s.members())
        .extracting(m -> m.labels().get("wave"))
        .containsExactly("canary", "rest", "rest");
    assertThat(s.members())
        .allSatisfy(
            m -> {
              assertThat(m.settings().base()).isEqualTo(SandboxSettings.Base.ADDON_1_4);
              assertThat(m.settings().apps()).containsExactly("online-boutique");
              assertThat(m.settings().project()).isEqualTo("sandbox-project");
              assertThat(m.registered()).isFalse();
            });
    assertThat(s.members()).extracting(m -> m.settings().location()).doesNotHaveDuplicates();
    assertThat(s.fleetProject()).isEqualTo("sandbox-project");

    SandboxFleet.Settings both = settings("--clusters", "2", "--base", "both", "--registered");
    assertThat(both.members())
        .extracting(m -> m.settings().base())
        .containsExactly(SandboxSettings.Base.ADDON_1_4, SandboxSettings.Base.ADDON_1_6);
    assertThat(both.members()).allMatch(SandboxFleet.Member::registered);
  }

  @Test
  void givenAFleet_theFleetFileShouldListItsClusters_canaryWave_thenTheRestBySelector() {
    JsonNode file =
        Json.readYamlDocuments(SandboxFleetRun.fleetFile(settings("--clusters", "3"))).get(0);
    assertThat(file.path("name").asText()).isEqualTo("sandbox-fleet");
    assertThat(file.path("clusters")).hasSize(3);
    JsonNode first = file.path("clusters").get(0);
    assertThat(first.path("project").asText()).isEqualTo("sandbox-project");
    assertThat(first.path("location").asText()).isEqualTo("us-central1-a");
    assertThat(first.path("name").asText()).isEqualTo("cluster-1");
    assertThat(first.path("context").asText()).isEqualTo("cluster-1");
    assertThat(first.path("labels").path("wave").asText()).isEqualTo("canary");
    assertThat(file.path("clusters").get(2).path("labels").path("wave").asText()).isEqualTo("rest");
    JsonNode canary = file.path("waves").get(0);
    assertThat(canary.path("name").asText()).isEqualTo("canary");
    assertThat(canary.path("clusters").get(0).asText()).isEqualTo("cluster-1");
    assertThat(canary.path("soak").asText()).isEqualTo("30s");
    JsonNode rest = file.path("waves").get(1);
    assertThat(rest.path("selector").asText()).isEqualTo("wave=rest");
    assertThat(rest.path("maxConcurrent").asInt()).isEqualTo(2);
    assertThat(file.path("failureBudget").asInt()).isZero();
    assertThat(file.path("onHalt").asText()).isEqualTo("rollBack");
    assertThat(file.path("migration").path("concurrency").asInt()).isEqualTo(4);
    assertThat(file.path("migration").path("approvePointOfNoReturn").asText()).isEqualTo("none");
  }

  @Test
  void givenAClustersFile_eachClusterShouldHaveItsOwnSettings() throws Exception {
    Files.createDirectories(dir.resolve("extra"));
    Path file =
        write(
            """
            fleetProject: fleet-host-project
            clusters:
              - name: east
                base: "1.4"
                app: online-boutique
                location: us-east1-b
                labels: {wave: canary, tier: gold}
                registered: true
              - name: west
                base: addon-1.6
                project: other-project
                fixtures: [extra]
                masterVersion: 1.20.4-gke.400
            """);
    SandboxFleet.Settings s = settings("--clusters-file", file.toString());
    assertThat(s.fleetProject()).isEqualTo("fleet-host-project");
    SandboxFleet.Member east = s.members().get(0);
    SandboxFleet.Member west = s.members().get(1);
    assertThat(east.settings().base()).isEqualTo(SandboxSettings.Base.ADDON_1_4);
    assertThat(east.settings().apps()).containsExactly("online-boutique");
    assertThat(east.settings().location()).isEqualTo("us-east1-b");
    assertThat(east.labels()).isEqualTo(Map.of("wave", "canary", "tier", "gold"));
    assertThat(east.registered()).isTrue();
    assertThat(west.settings().base()).isEqualTo(SandboxSettings.Base.ADDON_1_6);
    assertThat(west.settings().project()).isEqualTo("other-project");
    assertThat(west.settings().fixtureDirs()).containsExactly(dir.resolve("extra"));
    assertThat(west.settings().masterVersion()).isEqualTo("1.20.4-gke.400");
    assertThat(west.registered()).isFalse();
  }

  @Test
  void givenEachKindOfMistake_theSandboxShouldBeRefusedWithExit2AndTheLine() throws Exception {
    record Case(String yaml, String why) {}
    List<Case> cases =
        List.of(
            new Case("clusters: []\n", ":1: 'clusters' must be a non-empty list"),
            new Case("clusterz:\n  - name: a\n", ":1: unknown key 'clusterz'"),
            new Case(
                "clusters:\n  - name: a\n    bsae: addon-1.4\n",
                ":3: unknown key 'bsae': expected one of app, apps, base"),
            new Case("clusters:\n  - base: addon-1.4\n", ":2: a cluster needs a 'name:'"),
            new Case(
                "clusters:\n  - name: a\n  - name: b\n  - name: a\n",
                ":4: cluster name 'a' is used twice"),
            new Case(
                "clusters:\n  - name: a\n    base: addon-1.5\n", ":3: unknown base 'addon-1.5'"),
            new Case("clusters:\n  - name: a\n    app: bookinfo\n", ":3: unknown app 'bookinfo'"),
            new Case(
                "clusters:\n  - name: Cluster_A\n", ":2: cluster name 'Cluster_A' is not a GKE"),
            new Case(
                "clusters:\n  - name: a\n    fixtures: [nowhere]\n",
                ":3: fixture directory " + dir.resolve("nowhere") + " does not exist"),
            new Case(
                "clusters:\n  - name: a\n    labels: {Wave: x}\n",
                ":3: label 'Wave: x' is not a GKE Hub label"),
            new Case(
                "clusters:\n  - name: a\n    registered: yes please\n",
                ":3: 'registered' must be true or false"),
            new Case("clusters:\n  - name: a\n    location: mars\n", ":3: location 'mars'"),
            new Case("clusters: [name: a\n", ": not YAML"));
    for (Case c : cases) {
      Path file = write(c.yaml());
      CliRun run = CliRun.of("sandbox", "--clusters-file", file.toString());
      assertThat(run.code()).as(c.yaml()).isEqualTo(ExitCodes.USAGE);
      assertThat(run.err()).as(c.yaml()).contains(c.why());
      assertThat(run.out()).as(c.yaml()).doesNotContain("kubernetes api");
    }
  }

  @Test
  void givenBadFleetFlags_theSandboxShouldBeRefusedWithExit2() {
    assertRefused("--clusters must be between 1 and 20, got 0", "--clusters", "0");
    assertRefused(
        "give --clusters or --clusters-file, not both",
        "--clusters",
        "2",
        "--clusters-file",
        "f.yaml");
    assertRefused("--port names one cluster", "--clusters", "2", "--port", "8080");
    assertRefused("--cluster names one cluster", "--clusters", "2", "--cluster", "x");
    assertRefused(
        "--clusters-file " + dir.resolve("missing.yaml") + " does not exist",
        "--clusters-file",
        dir.resolve("missing.yaml").toString());
    assertRefused("unknown base 'addon-2.0'", "--clusters", "2", "--base", "addon-2.0");
  }

  private void assertRefused(String why, String... flags) {
    String[] args = new String[flags.length + 1];
    args[0] = "sandbox";
    System.arraycopy(flags, 0, args, 1, flags.length);
    CliRun run = CliRun.of(args);
    assertThat(run.code()).as(String.join(" ", args)).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).as(String.join(" ", args)).contains(why);
    assertThat(run.out()).doesNotContain("kubernetes api");
  }

  private Path write(String yaml) throws Exception {
    Path file = Files.createTempFile(dir, "clusters", ".yaml");
    Files.writeString(file, yaml);
    return file;
  }

  private static SandboxFleet.Settings settings(String... flags) {
    String[] args = new String[flags.length + 1];
    args[0] = "sandbox";
    System.arraycopy(flags, 0, args, 1, flags.length);
    CommandLine cl = Main.commandLine();
    cl.parseArgs(args);
    CommandLine sub = cl.getSubcommands().get("sandbox");
    SandboxCommand command = (SandboxCommand) sub.getCommand();
    return new SandboxFleetRun(command, sub.getCommandSpec()).settings();
  }
}
