package dev.asmmigrate.workflows.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asmmigrate.workflows.model.Step.Declaration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * README's "The runbook" is the declaration ({@link Step}) as a table, so it cannot drift from it.
 * After changing a declaration, regenerate it: {@code mvn -o -pl workflows test
 * -Dtest=ReadmeRunbookTest -Drunbook.readme.write=true}.
 */
class ReadmeRunbookTest {
  static final Path README = Path.of("..", "README.md");
  static final String BEGIN = "<!-- runbook: generated from Step by ReadmeRunbookTest -->\n";
  static final String END = "<!-- /runbook -->\n";

  @Test
  void theReadmesRunbook_shouldListEveryDeclaredStepAsDeclared() throws IOException {
    String readme = Files.readString(README);
    int begin = readme.indexOf(BEGIN);
    int end = readme.indexOf(END);
    assertThat(begin).as("README has the generated runbook section").isNotNegative();
    assertThat(end).isGreaterThan(begin);
    String expected = table();
    if (Boolean.getBoolean("runbook.readme.write")) {
      readme = readme.substring(0, begin + BEGIN.length()) + expected + readme.substring(end);
      Files.writeString(README, readme);
      return;
    }
    assertThat(readme.substring(begin + BEGIN.length(), end)).isEqualTo(expected);
  }

  static String table() {
    StringBuilder b = new StringBuilder();
    b.append(
        "| # | step | what it does | SPEC.md | add-on | disturbs traffic | undo | takes at most |\n");
    b.append("|---|---|---|---|---|---|---|---|\n");
    for (Step s : Step.values()) {
      Declaration d = s.declaration();
      b.append("| ")
          .append(s.ordinal())
          .append(" | `")
          .append(d.id())
          .append("` | ")
          .append(d.title())
          .append(" | ")
          .append(d.spec())
          .append(" | ")
          .append(versions(d.applies()))
          .append(" | ")
          .append(d.disruption().disturbsTraffic() ? "**yes**: " : "no: ")
          .append(d.disruption().how())
          .append(" | ")
          .append(undo(d.undo()))
          .append(" | ")
          .append(d.duration().describe())
          .append(" |\n");
    }
    return b.toString().replace("<", "&lt;").replace(">", "&gt;");
  }

  private static String versions(Step.Applies applies) {
    String list =
        applies.versions().stream()
            .sorted()
            .map(AddonVersion::display)
            .collect(Collectors.joining(", "));
    return applies.otherwise() == null
        ? list
        : list + " (else skipped: " + applies.otherwise() + ")";
  }

  private static String undo(Step.Undo undo) {
    return switch (undo.kind()) {
      case REGISTERED -> "registered before it acts: " + undo.description();
      case BY_ROLLBACK -> "by the rollback: " + undo.description();
      case NOTHING -> "nothing to undo: " + undo.description();
      case IRREVERSIBLE -> "**cannot be undone**: " + undo.description();
    };
  }
}
