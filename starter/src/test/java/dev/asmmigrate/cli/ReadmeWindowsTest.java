package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asmmigrate.cli.fleet.FleetFile;
import dev.asmmigrate.workflows.model.fleet.FleetRequest;
import dev.asmmigrate.workflows.model.window.MaintenanceWindows;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README's "Maintenance windows" says what the code does: its fleet file example is read as
 * documented, and every command its code blocks name exists (each answers {@code --help}).
 */
class ReadmeWindowsTest {
  @TempDir Path dir;

  static String section() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    int begin = readme.indexOf("\n## Maintenance windows\n");
    assertThat(begin).as("README has a Maintenance windows section").isPositive();
    int end = readme.indexOf("\n## ", begin + 1);
    return readme.substring(begin, end);
  }

  @Test
  void theFleetFileExampleIsReadAsDocumented() throws IOException {
    String section = section();
    int begin = section.indexOf("```yaml\n") + "```yaml\n".length();
    Path file = dir.resolve("fleet.yaml");
    Files.writeString(file, section.substring(begin, section.indexOf("```\n", begin)));

    FleetRequest r = FleetFile.read(file, FleetFile.Options.none());

    MaintenanceWindows c1 = r.clusters().get(0).windows();
    assertThat(c1.windows()).hasSize(2);
    assertThat(c1.windows().get(0).rrule()).isEqualTo("FREQ=WEEKLY;BYDAY=SA");
    assertThat(c1.windows().get(0).duration()).isEqualTo(Duration.ofHours(4));
    assertThat(c1.windows().get(0).zone()).isEqualTo("Europe/Berlin");
    assertThat(c1.exclusions())
        .singleElement()
        .satisfies(x -> assertThat(x.name()).isEqualTo("year-end"));
    assertThat(c1.margin()).isEqualTo(Duration.ofMinutes(10));
    MaintenanceWindows c2 = r.clusters().get(1).windows();
    assertThat(c2.windows())
        .singleElement()
        .satisfies(w -> assertThat(w.rrule()).isEqualTo("FREQ=DAILY"));
    assertThat(c2.fromCluster()).isTrue();
    assertThat(c2.exclusions()).isEmpty();
  }

  @Test
  void everyCommandTheSectionShowsExists() throws IOException {
    String section = section();
    for (List<String> command :
        List.of(
            List.of("start"),
            List.of("plan"),
            List.of("windows", "set"),
            List.of("schedule", "create"),
            List.of("schedule", "create-fleet"),
            List.of("schedule", "list"),
            List.of("schedule", "delete"),
            List.of("fleet", "plan"))) {
      assertThat(section).contains(String.join(" ", command));
      String[] args = new String[command.size() + 1];
      for (int i = 0; i < command.size(); i++) {
        args[i] = command.get(i);
      }
      args[command.size()] = "--help";
      CliRun r = CliRun.of(args);
      assertThat(r.code()).as(String.join(" ", command)).isZero();
    }
    for (String option :
        List.of(
            "--window",
            "--exclusion",
            "--windows-from-cluster",
            "--window-margin",
            "--not-before",
            "--override-window")) {
      assertThat(CliRun.of("start", "--help").out()).as(option).contains(option);
    }
    for (String option :
        List.of(
            "--cron",
            "--calendar",
            "--time-zone",
            "--paused",
            "--note",
            "--catchup-window",
            "--id")) {
      assertThat(CliRun.of("schedule", "create", "--help").out()).as(option).contains(option);
    }
  }
}
