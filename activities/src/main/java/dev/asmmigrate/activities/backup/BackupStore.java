package dev.asmmigrate.activities.backup;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.workflows.model.BackupRef;
import java.util.List;
import java.util.Optional;

/**
 * Where a migration keeps the objects it changes, as they were before its first change. Survives
 * worker crashes and Temporal's own state: the first backup of an object for a migration is the one
 * kept; later saves of the same object return the existing reference and never overwrite it, so a
 * resumed or repeated step never replaces the pre-migration copy with an already-changed one.
 *
 * <p>References carry a key and a SHA-256 of the content, never the content, so no Secret data
 * enters workflow history or logs.
 */
public interface BackupStore {

  /**
   * Saves {@code object} (null: the object does not exist, so undo must delete it) for {@code
   * migrationId}, unless a backup of this key exists for it already.
   *
   * @param step the step id that backs it up, for listing
   * @return the reference of the backup kept (the existing one if any)
   */
  BackupRef save(String migrationId, String step, ObjectKey key, ObjectNode object);

  /** The backup of {@code key} for {@code migrationId}, if any. */
  Optional<Backup> load(String migrationId, ObjectKey key);

  /** Every backup of a migration taken by a step ({@code step} null: by any step), oldest first. */
  List<Backup> list(String migrationId, String step);
}
