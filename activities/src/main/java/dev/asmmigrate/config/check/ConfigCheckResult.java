package dev.asmmigrate.config.check;

import dev.asmmigrate.config.Finding;
import dev.asmmigrate.config.convert.ConversionResult;
import dev.asmmigrate.workflows.model.ConfigFinding;
import dev.asmmigrate.workflows.model.ConfigReport;
import java.util.List;

/**
 * What config-check found.
 *
 * @param findings every finding, grouped by rule in the order {@link ConfigCheck} runs them, each
 *     group sorted by object
 * @param conversion the alpha-policy conversion config-check ran (its findings are in {@code
 *     findings} too); {@code converted()} is what migrate-configs will create
 */
public record ConfigCheckResult(List<Finding> findings, ConversionResult conversion) {

  public ConfigCheckResult {
    findings = List.copyOf(findings);
  }

  public long blocking() {
    return findings.stream().filter(f -> f.severity().blocks()).count();
  }

  /** The report as it travels through workflow history: no object content, no rewrites. */
  public ConfigReport toReport() {
    return new ConfigReport(
        findings.stream().map(ConfigCheckResult::toConfigFinding).toList(),
        conversion.converted().size());
  }

  public static ConfigFinding toConfigFinding(Finding f) {
    String message =
        f.rewrite().isPresent()
            ? f.message() + " (config-check offers the exact rewrite)"
            : f.message();
    return new ConfigFinding(
        f.ruleId(), f.severity().blocks(), f.kind(), f.namespace(), f.name(), message);
  }
}
