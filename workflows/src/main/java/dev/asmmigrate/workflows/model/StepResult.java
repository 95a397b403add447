package dev.asmmigrate.workflows.model;

import java.util.List;

/**
 * What a mutating activity did: the objects it backed up before changing them, and a line per
 * change for logs and the report.
 */
public record StepResult(List<BackupRef> backups, List<String> changes) {
  public StepResult {
    backups = backups == null ? List.of() : List.copyOf(backups);
    changes = changes == null ? List.of() : List.copyOf(changes);
  }

  public static StepResult none() {
    return new StepResult(List.of(), List.of());
  }
}
