package dev.asmmigrate.activities.preflight;

import dev.asmmigrate.workflows.model.ConfigFinding;
import dev.asmmigrate.workflows.model.PodToRecreate;
import java.util.ArrayList;
import java.util.List;

/** Warnings for the report and findings for {@code plan}, collected together. */
final class Notes {
  final List<String> warnings = new ArrayList<>();
  final List<ConfigFinding> findings = new ArrayList<>();
  final List<PodToRecreate> podsToRecreate = new ArrayList<>();

  /** A warning about one object: a message and its informational finding. */
  void warn(String rule, String kind, String namespace, String name, String message) {
    warnings.add(message);
    finding(rule, kind, namespace, name, message);
  }

  void finding(String rule, String kind, String namespace, String name, String message) {
    findings.add(new ConfigFinding(rule, false, kind, namespace, name, message));
  }
}
