package dev.asmmigrate.activities.backup;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.workflows.model.BackupRef;

/**
 * A stored backup: its reference, and the object as it was before the migration first changed it,
 * or null when the object did not exist then.
 */
public record Backup(BackupRef ref, ObjectKey key, ObjectNode object) {
  public boolean absent() {
    return object == null;
  }
}
