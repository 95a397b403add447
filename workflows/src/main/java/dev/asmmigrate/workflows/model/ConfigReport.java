package dev.asmmigrate.workflows.model;

import java.util.List;

/**
 * The result of config-check: findings and how many converted policies migrate-configs will apply.
 */
public record ConfigReport(List<ConfigFinding> findings, int convertedPolicies) {
  public ConfigReport {
    findings = List.copyOf(findings);
  }

  public long blocking() {
    return findings.stream().filter(ConfigFinding::blocking).count();
  }
}
