package dev.asmmigrate.workflows.model;

import java.util.List;

/**
 * What a mutating activity did: the objects it backed up before changing them, a line per change
 * for logs and the report, and the objects it deliberately left in place (cleanup: those not proven
 * to be the add-on's own).
 */
public record StepResult(List<BackupRef> backups, List<String> changes, List<KeptObject> kept) {
  public StepResult {
    backups = backups == null ? List.of() : List.copyOf(backups);
    changes = changes == null ? List.of() : List.copyOf(changes);
    kept = kept == null ? List.of() : List.copyOf(kept);
  }

  public StepResult(List<BackupRef> backups, List<String> changes) {
    this(backups, changes, List.of());
  }

  public static StepResult none() {
    return new StepResult(List.of(), List.of());
  }
}
