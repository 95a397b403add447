package dev.asmmigrate.activities.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.asmmigrate.activities.backup.Backup;
import dev.asmmigrate.activities.backup.BackupStore;
import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.activities.backup.Restorer;
import dev.asmmigrate.workflows.model.BackupRef;
import dev.asmmigrate.workflows.model.KeptObject;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.StepResult;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of one mutating step against one cluster: backs objects up before their first change
 * (through the migration's {@link BackupStore}, first backup wins), records what changed for the
 * {@link StepResult} and the log, and restores from backups for the step's undo. Results carry
 * backup references only, never object content.
 */
public final class StepChanges {
  private static final Logger log = LoggerFactory.getLogger(StepChanges.class);
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final KubernetesClient client;
  private final BackupStore store;
  private final String migrationId;
  private final String step;
  private final Restorer restorer;
  private final List<BackupRef> backups = new ArrayList<>();
  private final List<String> changes = new ArrayList<>();
  private final List<KeptObject> kept = new ArrayList<>();

  public StepChanges(
      KubernetesClient client, BackupStore store, MigrationContext ctx, String step) {
    this.client = client;
    this.store = store;
    this.migrationId = ctx.migrationId();
    this.step = step;
    this.restorer = new Restorer(client);
  }

  public KubernetesClient client() {
    return client;
  }

  /**
   * Backs up {@code current} (null: the object does not exist, so undo deletes it) unless this
   * migration already holds a backup of {@code key}; the first backup is the one kept.
   */
  public BackupRef backup(ObjectKey key, HasMetadata current) {
    return backupTree(key, current == null ? null : Restorer.toTree(current));
  }

  /** {@link #backup} of a Jackson tree. */
  public BackupRef backupTree(ObjectKey key, ObjectNode current) {
    BackupRef ref = store.save(migrationId, step, key, current);
    if (backups.stream().noneMatch(b -> b.key().equals(ref.key()))) {
      backups.add(ref);
    }
    log.info(
        "{}: backup of {} is {} ({}{})",
        step,
        key,
        ref.key(),
        ref.absent() ? "absent before the migration" : "sha256 ",
        ref.absent() ? "" : ref.sha256().substring(0, Math.min(12, ref.sha256().length())));
    return ref;
  }

  /**
   * Lists, in the result, the backup this migration already holds of {@code key} (an object an
   * earlier run of the step changed and that needs no backup now, e.g. one it deleted).
   */
  public Optional<Backup> recordExisting(ObjectKey key) {
    Optional<Backup> backup = original(key);
    backup.ifPresent(
        b -> {
          if (backups.stream().noneMatch(r -> r.key().equals(b.ref().key()))) {
            backups.add(b.ref());
          }
        });
    return backup;
  }

  /** The backup this migration holds of {@code key}, if any. */
  public Optional<Backup> original(ObjectKey key) {
    return store.load(migrationId, key);
  }

  /** Records and logs a change this step made. */
  public void changed(String line) {
    changes.add(line);
    log.info("{}: {}", step, line);
  }

  /** Logs that an object already was as this step wants it. */
  public void unchanged(String line) {
    log.info("{}: unchanged: {}", step, line);
  }

  /** Records and logs an object this step deliberately left in place. */
  public void kept(KeptObject object) {
    kept.add(object);
    log.info(
        "{}: kept {}: {}; delete by hand: {}",
        step,
        object.name(),
        object.reason(),
        object.deleteCommand());
  }

  public StepResult result() {
    return new StepResult(backups, changes, kept);
  }

  /**
   * Puts {@code key} back as this migration's backup says (absent: deleted), or does nothing when
   * there is no backup (the step never reached that object).
   *
   * @return what was done, or empty without a backup
   */
  public Optional<Restorer.Action> restore(ObjectKey key) {
    Optional<Backup> backup = original(key);
    if (backup.isEmpty()) {
      log.info("{} undo: no backup of {}; it was never changed", step, key);
      return Optional.empty();
    }
    Restorer.Action action = restorer.restore(backup.get());
    if (action != Restorer.Action.UNCHANGED && action != Restorer.Action.ALREADY_ABSENT) {
      changes.add("restored " + key + ": " + action.name().toLowerCase());
    }
    log.info("{} undo: {} {}", step, key, action.name().toLowerCase());
    return Optional.of(action);
  }

  /** Runs one API call, classifying its failure (see {@link Failures#kubernetes}). */
  public static <T> T call(String what, Supplier<T> op) {
    try {
      return op.get();
    } catch (KubernetesClientException e) {
      throw Failures.kubernetes(what, e);
    }
  }

  /**
   * How many times a write that meets a 409 is read and applied again before the activity fails.
   */
  public static final int CONFLICT_ATTEMPTS = 5;

  /**
   * Runs a read-decide-write {@code attempt} (it reads the object, decides, then creates, updates
   * or patches it) and, when its write meets a 409 — Conflict: another writer changed the object
   * since it was read; AlreadyExists: another created it — runs it again from its read, up to
   * {@value #CONFLICT_ATTEMPTS} times. The attempt must be idempotent (backups are first-wins, a
   * re-read finds what is done). A conflict that persists is rethrown, transient, for Temporal to
   * retry the activity.
   */
  public static void rereadOnConflict(String what, Runnable attempt) {
    for (int i = 1; ; i++) {
      try {
        attempt.run();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || i >= CONFLICT_ATTEMPTS) {
          throw e;
        }
        log.info("{}: conflict ({}), reading it again (attempt {})", what, reason(e), i + 1);
      }
    }
  }

  /**
   * {@link #call} of a patch that carries no resourceVersion (merge or strategic merge): the API
   * server applies it to the object as it is then, so a 409 (its own retries against concurrent
   * writers ran out) is answered by sending it again, up to {@value #CONFLICT_ATTEMPTS} times.
   */
  public static <T> T patch(String what, Supplier<T> op) {
    for (int i = 1; ; i++) {
      try {
        return op.get();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || i >= CONFLICT_ATTEMPTS) {
          throw Failures.kubernetes(what, e);
        }
        log.info("{}: conflict ({}), sending it again (attempt {})", what, reason(e), i + 1);
      }
    }
  }

  private static String reason(KubernetesClientException e) {
    return e.getStatus() != null && e.getStatus().getReason() != null
        ? e.getStatus().getReason()
        : "409";
  }

  /** {@link #call} of a call without a result. */
  public static void run(String what, Runnable op) {
    call(
        what,
        () -> {
          op.run();
          return null;
        });
  }

  /**
   * Whether {@code have} has every field of {@code want} with an equal value (objects: recursively;
   * arrays: same length, element by element), so fields the API server defaulted do not count as a
   * difference.
   */
  public static boolean covers(JsonNode have, JsonNode want) {
    if (want.isObject()) {
      if (!have.isObject()) {
        return false;
      }
      var fields = want.fields();
      while (fields.hasNext()) {
        var e = fields.next();
        if (!have.has(e.getKey()) || !covers(have.get(e.getKey()), e.getValue())) {
          return false;
        }
      }
      return true;
    }
    if (want.isArray()) {
      if (!have.isArray() || have.size() != want.size()) {
        return false;
      }
      for (int i = 0; i < want.size(); i++) {
        if (!covers(have.get(i), want.get(i))) {
          return false;
        }
      }
      return true;
    }
    return want.equals(have);
  }

  /** A YAML template from the classpath (a single document) as a Jackson tree. */
  public static ObjectNode template(String resource) {
    try (InputStream in = StepChanges.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + resource);
      }
      JsonNode node = YAML.readTree(in);
      if (!(node instanceof ObjectNode o)) {
        throw new IllegalStateException("resource " + resource + " is not a YAML mapping");
      }
      return o;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read resource " + resource, e);
    }
  }
}
