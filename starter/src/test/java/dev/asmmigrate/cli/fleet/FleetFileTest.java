package dev.asmmigrate.cli.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.asmmigrate.cli.ExitCodes;
import dev.asmmigrate.cli.TestKubeconfig;
import dev.asmmigrate.cli.UserError;
import dev.asmmigrate.workflows.model.ClusterRef;
import dev.asmmigrate.workflows.model.Connection;
import dev.asmmigrate.workflows.model.fleet.Amount;
import dev.asmmigrate.workflows.model.fleet.ApprovalScope;
import dev.asmmigrate.workflows.model.fleet.FleetCluster;
import dev.asmmigrate.workflows.model.fleet.FleetRequest;
import dev.asmmigrate.workflows.model.fleet.FleetWave;
import dev.asmmigrate.workflows.model.fleet.HaltAction;
import dev.asmmigrate.workflows.model.fleet.MigrationOptions;
import dev.asmmigrate.workflows.model.window.Exclusion;
import dev.asmmigrate.workflows.model.window.MaintenanceWindows;
import dev.asmmigrate.workflows.model.window.RecurringWindow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The fleet file read into a FleetRequest, and each kind of mistake refused with its line. */
class FleetFileTest {
  @TempDir static Path dir;

  /** The README's example, with the kubeconfig beside it. */
  static final String VALID =
      """
      name: prod-fleet
      fromFleet: my-fleet-project
      clusters:
        - project: p1
          location: us-central1
          name: c1
          context: ctx-c1
          kubeconfig: kubeconfig
          labels: {env: canary}
        - project: p1
          location: us-central1
          name: c2
          labels: {env: prod, tier: web}
        - project: p2
          location: europe-west1-b
          name: c3
          labels: {env: prod}
          fleetProject: hub-project
      waves:
        - name: canary
          clusters: [c1]
          maxConcurrent: 1
          soak: 30m
        - name: prod
          selector: "env=prod"
          maxConcurrent: 50%
          soak: 1h30m
          approval: true
          failureBudget: 1
      failureBudget: 10%
      onHalt: rollBack
      migration:
        channel: rapid
        canary: [ns-a]
        concurrency: 8
        approvePointOfNoReturn: wave
        continueOnNamespaceFailure: true
        restartStatefulSetsAndDaemonSets: false
      """;

  @BeforeAll
  static void kubeconfig() throws IOException {
    TestKubeconfig.unreachable(dir.resolve("kubeconfig"), "ctx-c1");
  }

  static FleetRequest parse(String text, FleetFile.Options options) {
    return FleetFile.parse("fleet.yaml", dir, text, options);
  }

  static String refusal(String text) {
    return refusal(text, FleetFile.Options.none());
  }

  static String refusal(String text, FleetFile.Options options) {
    try {
      parse(text, options);
    } catch (UserError e) {
      assertThat(e.exitCode()).isEqualTo(ExitCodes.USAGE);
      return e.getMessage();
    }
    throw new AssertionError("accepted:\n" + text);
  }

  @Test
  void aValidFileIsTheExpectedRequest() {
    FleetRequest r =
        parse(
            VALID,
            new FleetFile.Options(null, "127.0.0.1:9000", List.of("c2", "c3:migrate-configs")));
    String kc = dir.resolve("kubeconfig").toAbsolutePath().normalize().toString();
    FleetRequest expected =
        new FleetRequest(
            "prod-fleet",
            List.of(
                new FleetCluster(
                    new ClusterRef("p1", "us-central1", "c1"),
                    new Connection(kc, "ctx-c1", "127.0.0.1:9000"),
                    Map.of("env", "canary"),
                    null,
                    null),
                new FleetCluster(
                    new ClusterRef("p1", "us-central1", "c2"),
                    Connection.viaGoogle(
                        new ClusterRef("p1", "us-central1", "c2"), "127.0.0.1:9000", null),
                    Map.of("env", "prod", "tier", "web"),
                    null,
                    null),
                new FleetCluster(
                    new ClusterRef("p2", "europe-west1-b", "c3"),
                    Connection.viaGoogle(
                        new ClusterRef("p2", "europe-west1-b", "c3"), "127.0.0.1:9000", null),
                    Map.of("env", "prod"),
                    "hub-project",
                    null)),
            "my-fleet-project",
            new Connection(null, null, "127.0.0.1:9000"),
            List.of(
                new FleetWave(
                    "canary",
                    List.of("c1"),
                    null,
                    Amount.count(1),
                    Duration.ofMinutes(30),
                    false,
                    Amount.count(0)),
                new FleetWave(
                    "prod",
                    List.of(),
                    "env=prod",
                    Amount.percent(50),
                    Duration.ofMinutes(90),
                    true,
                    Amount.count(1))),
            Amount.percent(10),
            HaltAction.ROLL_BACK,
            new MigrationOptions("rapid", List.of("ns-a"), 8, true, false, null),
            ApprovalScope.WAVE,
            Map.of("c2", "migrate-workloads", "c3", "migrate-configs"),
            null);
    assertThat(r).isEqualTo(expected);
    assertThat(r.workflowId()).isEqualTo("asm-fleet/prod-fleet");
  }

  /**
   * A cluster whose entry names neither kubeconfig nor context (and no --kubeconfig) is reached
   * through Google with the command's key file; one naming a context keeps its kubeconfig.
   */
  @Test
  void aClusterWithoutKubeconfigOrContextIsReachedThroughGoogle() throws IOException {
    Path key = Files.writeString(dir.resolve("key.json"), "{}");
    String text =
        """
        name: mixed
        clusters:
          - {project: p1, location: l1, name: a, kubeconfig: kubeconfig, context: ctx-c1}
          - {project: p2, location: l2, name: b}
        waves:
          - {name: all, clusters: [a, b]}
        """;
    FleetRequest r = parse(text, new FleetFile.Options(null, "127.0.0.1:9000", List.of(), key));
    String keyFile = key.toAbsolutePath().toString();
    String kc = dir.resolve("kubeconfig").toAbsolutePath().normalize().toString();
    assertThat(r.clusters().get(0).connection())
        .isEqualTo(new Connection(kc, "ctx-c1", "127.0.0.1:9000", null, keyFile));
    assertThat(r.clusters().get(0).connection().throughGoogle()).isFalse();
    assertThat(r.clusters().get(1).connection())
        .isEqualTo(
            Connection.viaGoogle(new ClusterRef("p2", "l2", "b"), "127.0.0.1:9000", keyFile));
    assertThat(r.google()).isEqualTo(new Connection(null, null, "127.0.0.1:9000", null, keyFile));

    // the command's --kubeconfig still serves a cluster that names none
    FleetRequest withKubeconfig =
        parse(text, new FleetFile.Options(dir.resolve("kubeconfig"), null, List.of()));
    assertThat(withKubeconfig.clusters().get(1).connection().throughGoogle()).isFalse();
    assertThat(withKubeconfig.clusters().get(1).connection().kubeconfig()).isEqualTo(kc);
  }

  /** README's example of a fleet file is one this reader accepts, as documented. */
  @Test
  void readmesExampleIsAccepted() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    int section = readme.indexOf("\n## Fleets\n");
    assertThat(section).as("README has a Fleets section").isPositive();
    int begin = readme.indexOf("```yaml\n", section) + "```yaml\n".length();
    String example = readme.substring(begin, readme.indexOf("```\n", begin));
    Path kubeconfig = dir.resolve("readme-kubeconfig");
    Files.writeString(
        kubeconfig,
        Files.readString(dir.resolve("kubeconfig")).replace("ctx-c1", "gke_p1_us-central1_c1"));
    FleetRequest r = parse(example, new FleetFile.Options(kubeconfig, null, List.of("c2")));
    assertThat(r.name()).isEqualTo("prod-fleet");
    assertThat(r.fromFleet()).isEqualTo("my-fleet-project");
    assertThat(r.clusters()).extracting(FleetCluster::name).containsExactly("c1", "c2", "c3");
    assertThat(r.clusters().get(0).connection().context()).isEqualTo("gke_p1_us-central1_c1");
    assertThat(r.clusters().get(2).fleetProject()).isEqualTo("hub-project");
    assertThat(r.waves()).extracting(FleetWave::name).containsExactly("canary", "prod");
    assertThat(r.waves().get(1).maxConcurrent()).isEqualTo(Amount.percent(50));
    assertThat(r.waves().get(1).approval()).isTrue();
    assertThat(r.failureBudget()).isEqualTo(Amount.percent(10));
    assertThat(r.onHalt()).isEqualTo(HaltAction.ROLL_BACK);
    assertThat(r.pointOfNoReturn()).isEqualTo(ApprovalScope.FLEET);
    assertThat(r.migration())
        .isEqualTo(new MigrationOptions("regular", List.of("ns-a"), 4, false, true, null));
    assertThat(r.failAt()).containsEntry("c2", "migrate-workloads");
  }

  /**
   * The shape {@code sandbox --clusters N} writes (i13-sandbox's SandboxFleetRun.fleetFile, Jackson
   * YAML: a document marker, quoted strings, numbers): one canary wave by name, the rest by
   * selector.
   */
  @Test
  void theSandboxFleetsFileIsAccepted() throws IOException {
    var yaml =
        new com.fasterxml.jackson.databind.ObjectMapper(
            new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
    var root = yaml.createObjectNode().put("name", "sandbox-fleet");
    var clusters = root.putArray("clusters");
    for (int i = 1; i <= 3; i++) {
      var c =
          clusters
              .addObject()
              .put("project", "sandbox-project")
              .put("location", "us-central1-c")
              .put("name", "cluster-" + i)
              .put("context", "ctx-c1");
      c.putObject("labels").put("wave", i == 1 ? "canary" : "rest");
    }
    var waves = root.putArray("waves");
    var canary = waves.addObject().put("name", "canary");
    canary.putArray("clusters").add("cluster-1");
    canary.put("soak", "30s");
    waves.addObject().put("name", "rest").put("selector", "wave=rest").put("maxConcurrent", 2);
    root.put("failureBudget", 0);
    root.put("onHalt", "rollBack");
    root.putObject("migration").put("concurrency", 4).put("approvePointOfNoReturn", "none");
    String text = yaml.writeValueAsString(root);
    assertThat(text).startsWith("---");

    FleetRequest r =
        parse(text, new FleetFile.Options(dir.resolve("kubeconfig"), "127.0.0.1:1", List.of()));
    assertThat(r.clusters())
        .extracting(FleetCluster::name)
        .containsExactly("cluster-1", "cluster-2", "cluster-3");
    assertThat(r.waves().get(1).selector()).isEqualTo("wave=rest");
    assertThat(r.waves().get(1).maxConcurrent()).isEqualTo(Amount.count(2));
    assertThat(r.onHalt()).isEqualTo(HaltAction.ROLL_BACK);
    assertThat(r.pointOfNoReturn()).isEqualTo(ApprovalScope.NONE);
  }

  @Test
  void defaultsAreStartsAndTheContracts() {
    FleetRequest r =
        parse(
            """
            name: small
            clusters:
              - {project: p, location: l, name: a}
            waves:
              - {name: all, clusters: [a]}
            """,
            FleetFile.Options.none());
    assertThat(r.failureBudget()).isEqualTo(Amount.count(0));
    assertThat(r.onHalt()).isEqualTo(HaltAction.FINISH);
    assertThat(r.pointOfNoReturn()).isEqualTo(ApprovalScope.NONE);
    // start's defaults: concurrency 4, StatefulSets and DaemonSets restarted
    assertThat(r.migration())
        .isEqualTo(new MigrationOptions("regular", List.of(), 4, false, true, null));
    assertThat(r.waves().get(0).maxConcurrent()).isEqualTo(Amount.count(1));
    assertThat(r.waves().get(0).soak()).isEqualTo(Duration.ZERO);
    assertThat(r.failAt()).isEmpty();
  }

  /** Each mistake replaces one line of a good file; the error names the line of the mistake. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      textBlock =
          """
          unknown key               | 5  | `    zone: x`                          | 5  | unknown key 'zone' in cluster
          missing project           | 3  | `  - {location: l, name: a}`           | 3  | missing key 'project'
          missing location          | 3  | `  - {project: p, name: a}`            | 3  | missing key 'location'
          duplicate cluster         | 6  | `    name: a`                          | 4  | duplicate cluster 'a' (first at line 3)
          unknown cluster in a wave | 11 | `    clusters: [a, zz]`                | 11 | unknown cluster 'zz' in wave first
          bad selector              | 12 | `    selector: "env in (prod"`         | 12 | bad selector "env in (prod"
          maxConcurrent 0           | 13 | `    maxConcurrent: 0`                 | 13 | maxConcurrent must be at least 1
          maxConcurrent 0%          | 13 | `    maxConcurrent: 0%`                | 13 | maxConcurrent must be at least 1
          budget over 100%          | 14 | `    failureBudget: 120%`              | 14 | failureBudget: a percentage must be at most 100%: 120%
          fleet budget over 100%    | 19 | `failureBudget: 101%`                  | 19 | failureBudget: a percentage must be at most 100%: 101%
          bad budget                | 14 | `    failureBudget: some`              | 14 | failureBudget: expected a count (3) or a percentage (25%)
          bad duration              | 15 | `    soak: 30 minutes`                 | 15 | soak: '30 minutes' is not a duration
          bad approval              | 16 | `    approval: maybe`                  | 16 | approval must be true or false, got 'maybe'
          bad onHalt                | 20 | `onHalt: explode`                      | 20 | onHalt must be rollBack or finish, got 'explode'
          bad point of no return    | 22 | `  approvePointOfNoReturn: team`       | 22 | approvePointOfNoReturn must be none, cluster, wave or fleet, got 'team'
          bad project name          | 3  | `  - {project: P_1, location: l, name: a}` | 3 | project 'P_1' is not a valid GCP name
          bad label                 | 7  | `    labels: {env: "no way"}`          | 7  | label env: no way is not a Kubernetes label
          bad channel               | 22 | `  channel: beta`                      | 22 | channel must be regular, rapid or stable
          """)
  void aMistakeIsRefusedWithItsLine(
      String kind, int line, String replacement, int expectedLine, String message) {
    String refusal = refusal(withLine(line, replacement));
    assertThat(refusal).as(kind).contains("fleet.yaml:" + expectedLine + ": " + message);
    assertThat(refusal).as(kind).contains("nothing was started");
  }

  /** A good file of 22 lines, its line {@code n} (1-based) replaced. */
  static String withLine(int n, String replacement) {
    String[] lines =
        """
        name: f
        clusters:
          - {project: p, location: l, name: a}
          - project: p
            location: l
            name: b
            labels: {env: prod}
        waves:
          # the canary
          - name: first
            clusters: [a]
            selector: "env=none"
            maxConcurrent: 1
            failureBudget: 0
            soak: 30m
            approval: false
          - name: rest
            selector: "env=prod"
        failureBudget: 10%
        onHalt: finish
        migration:
          approvePointOfNoReturn: fleet
        """
            .split("\n");
    lines[n - 1] = replacement.stripTrailing();
    return String.join("\n", lines) + "\n";
  }

  @Test
  void theGoodFileIsGood() {
    assertThat(parse(withLine(20, "onHalt: finish"), FleetFile.Options.none()).clusters())
        .hasSize(2);
  }

  @Test
  void aWaveThatNamesNoClusterIsRefused() {
    assertThat(
            refusal(
                """
                name: f
                clusters:
                  - {project: p, location: l, name: a}
                waves:
                  - {name: w, clusters: [a]}
                  - name: empty
                    soak: 1m
                """))
        .contains("fleet.yaml:6: wave empty takes no cluster");
  }

  @Test
  void aClusterNoWaveTakesIsRefused() {
    String refusal = refusal(withLine(18, "    selector: \"env=other\""));
    assertThat(refusal).contains("fleet.yaml:4: cluster 'b' is in no wave");
  }

  @Test
  void emptyOrMissingWavesAreRefused() {
    assertThat(
            refusal(
                """
                name: f
                clusters:
                  - {project: p, location: l, name: a}
                waves: []
                """))
        .contains("fleet.yaml:4: waves is empty");
    assertThat(
            refusal(
                """
                name: f
                clusters:
                  - {project: p, location: l, name: a}
                """))
        .contains("fleet.yaml:1: missing key 'waves'");
  }

  @Test
  void missingNameAndEveryMistakeAreAllListed() {
    String refusal =
        refusal(
            """
            clusters:
              - {project: p, location: l, name: a, color: red}
            waves:
              - {name: w, clusters: [a], maxConcurrent: 0}
            onHalt: later
            """,
            new FleetFile.Options(null, null, List.of("zz")));
    assertThat(refusal)
        .contains("fleet.yaml:1: missing key 'name'")
        .contains("fleet.yaml:2: unknown key 'color' in cluster")
        .contains("fleet.yaml:4: maxConcurrent must be at least 1")
        .contains("fleet.yaml:5: onHalt must be rollBack or finish");
    // in the file's order, the command line's mistakes last
    assertThat(refusal)
        .containsSubsequence(
            "fleet.yaml:1:",
            "fleet.yaml:2:",
            "fleet.yaml:4:",
            "fleet.yaml:5:",
            "--fail-cluster zz");
  }

  @Test
  void notYamlNamesTheLine() {
    assertThat(refusal("name: f\nclusters: [\n  - a\n")).contains("fleet.yaml:").contains("YAML");
    assertThat(refusal("name: f\nname: g\nwaves: []\n")).contains("fleet.yaml:2:");
  }

  @Test
  void failClusterNamesAListedClusterAndARollbackableStep() {
    String good = withLine(20, "onHalt: finish");
    assertThat(refusal(good, new FleetFile.Options(null, null, List.of("zz"))))
        .contains("--fail-cluster zz: no cluster 'zz'");
    assertThat(refusal(good, new FleetFile.Options(null, null, List.of("a:pre-flight"))))
        .contains("--fail-cluster a:pre-flight: the step must be one of");
    assertThat(parse(good, new FleetFile.Options(null, null, List.of("a"))).failAt())
        .isEqualTo(Map.of("a", "migrate-workloads"));
  }

  @Test
  void aKubeconfigOrContextThatCannotBeUsedIsRefusedAtTheCluster() {
    String text =
        """
        name: f
        clusters:
          - {project: p, location: l, name: a, kubeconfig: missing.yaml}
          - {project: p, location: l, name: b, kubeconfig: kubeconfig, context: nope}
        waves:
          - {name: w, clusters: [a, b]}
        """;
    String refusal = refusal(text);
    assertThat(refusal).contains("fleet.yaml:3: kubeconfig ").contains("missing.yaml");
    assertThat(refusal).contains("fleet.yaml:4: ").contains("nope");
    assertThatThrownBy(() -> FleetFile.read(dir.resolve("none.yaml"), FleetFile.Options.none()))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("cannot read it");
  }

  static final String WINDOWED =
      """
      name: f
      windows:
        recurring:
          - FREQ=WEEKLY;BYDAY=SA 02:00 4h Europe/Berlin
          - rrule: FREQ=WEEKLY;BYDAY=SU
            start: 2026-12-06T03:00
            duration: 2h
            zone: Europe/Berlin
        exclusions:
          - year-end=2026-12-20/2027-01-03
          - {name: release, from: 2027-02-01T08:00, to: 2027-02-01T12:00, zone: UTC}
        margin: 10m
      clusters:
        - {project: p, location: l, name: a}
        - project: p
          location: l
          name: b
          windows:
            recurring: ["FREQ=DAILY 22:00 3h UTC"]
            fromCluster: true
      waves:
        - {name: w, clusters: [a, b]}
      """;

  @Test
  void windowsOfTheFileAreEachClustersUnlessItHasItsOwn() {
    FleetRequest r = parse(WINDOWED, FleetFile.Options.none());

    MaintenanceWindows a = r.clusters().get(0).windows();
    assertThat(a.windows()).hasSize(2);
    assertThat(a.windows().get(0).rrule()).isEqualTo("FREQ=WEEKLY;BYDAY=SA");
    assertThat(a.windows().get(0).firstStart().toLocalTime()).hasToString("02:00");
    assertThat(a.windows().get(1))
        .isEqualTo(
            new RecurringWindow(
                "FREQ=WEEKLY;BYDAY=SU",
                LocalDateTime.parse("2026-12-06T03:00"),
                Duration.ofHours(2),
                "Europe/Berlin"));
    assertThat(a.exclusions())
        .containsExactly(
            new Exclusion(
                "year-end",
                Instant.parse("2026-12-19T23:00:00Z"),
                Instant.parse("2027-01-03T23:00:00Z")),
            new Exclusion(
                "release",
                Instant.parse("2027-02-01T08:00:00Z"),
                Instant.parse("2027-02-01T12:00:00Z")));
    assertThat(a.margin()).isEqualTo(Duration.ofMinutes(10));
    assertThat(a.fromCluster()).isFalse();

    MaintenanceWindows b = r.clusters().get(1).windows();
    assertThat(b.windows()).hasSize(1);
    assertThat(b.windows().get(0).rrule()).isEqualTo("FREQ=DAILY");
    assertThat(b.exclusions()).isEmpty();
    assertThat(b.fromCluster()).isTrue();
    assertThat(b.margin()).isEqualTo(MaintenanceWindows.DEFAULT_MARGIN);
    // and each cluster's migration gets its own
    assertThat(r.migration().requestFor(r.clusters().get(1), false, null).windows().windows())
        .isEqualTo(b);
  }

  @Test
  void defaultWindowsWithFromFleetAreRefusedRatherThanLeftOffTheClustersItFinds() {
    String refusal = refusal(WINDOWED.replace("name: f\n", "name: f\nfromFleet: hub\n"));
    assertThat(refusal)
        .contains("fleet.yaml:4: windows: the file's default windows would not reach the clusters");
  }

  @Test
  void aFileWithoutWindowsMigratesAnyTime() {
    FleetRequest r = parse(withLine(1, "name: f"), FleetFile.Options.none());
    assertThat(r.clusters()).allSatisfy(c -> assertThat(c.windows().isAnyTime()).isTrue());
  }

  static Stream<Arguments> badWindows() {
    return Stream.of(
        Arguments.of(
            "invalid RRULE",
            4,
            "    - FREQ=WEEKLY;BYDAY=XX 02:00 4h Europe/Berlin",
            4,
            "windows refused: window 1 (FREQ=WEEKLY;BYDAY=XX): invalid RRULE"),
        Arguments.of(
            "unknown zone",
            8,
            "      zone: Mars/Olympus",
            5,
            "windows refused: window 2 (FREQ=WEEKLY;BYDAY=SU): unknown time zone 'Mars/Olympus'"),
        Arguments.of(
            "zero duration",
            7,
            "      duration: 0m",
            5,
            "windows refused: window 2 (FREQ=WEEKLY;BYDAY=SU): its duration PT0S is not positive"),
        Arguments.of(
            "never in the next year",
            5,
            "    - rrule: FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
            5,
            "windows refused: window 2 (FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30): never opens in the"
                + " year after"),
        Arguments.of(
            "unreadable window",
            4,
            "    - FREQ=WEEKLY;BYDAY=SA 02:00 Europe/Berlin",
            4,
            "window: expected RRULE START DURATION ZONE"),
        Arguments.of(
            "unreadable exclusion",
            10,
            "    - year-end=2026-12-20",
            10,
            "exclusion: expected NAME=FROM/TO"),
        Arguments.of(
            "exclusion ending first",
            10,
            "    - year-end=2027-01-03T00:00Z/2026-12-20T00:00Z",
            10,
            "windows refused: exclusion 1 (year-end): its end"),
        Arguments.of("bad margin", 12, "  margin: soon", 12, "margin: 'soon' is not a duration"),
        Arguments.of(
            "unknown key", 12, "  marginn: 5m", 12, "unknown key 'marginn' in windows block"),
        Arguments.of(
            "a cluster's own",
            19,
            "      recurring: [\"FREQ=DAILY 22:00 3h Mars/Olympus\"]",
            19,
            "cluster b's windows refused: window 1 (FREQ=DAILY): unknown time zone"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badWindows")
  void badWindowsAreRefusedAtTheirLine(
      String kind, int line, String replacement, int expectedLine, String message) {
    String[] lines = WINDOWED.split("\n", -1);
    lines[line - 1] = replacement;
    String refusal = refusal(String.join("\n", lines));
    assertThat(refusal).as(kind).contains("fleet.yaml:" + expectedLine + ": " + message);
    assertThat(refusal).as(kind).contains("nothing was started");
  }
}
