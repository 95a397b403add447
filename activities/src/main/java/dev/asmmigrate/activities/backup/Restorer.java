package dev.asmmigrate.activities.backup;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.activities.kube.GenericResources;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts objects back as their backups say, for any kind (through fabric8's generic resources, which
 * find the resource of an apiVersion and kind by discovery). Idempotent: restoring twice does what
 * restoring once does, and the second time reports {@link Action#UNCHANGED} or {@link
 * Action#ALREADY_ABSENT}.
 *
 * <p>fabric8 8 serialises with Jackson 3; the activities use Jackson 2 trees. Conversion goes
 * through JSON text ({@link #toTree}, {@link #fromTree}), which keeps Secret data byte for byte.
 */
public final class Restorer {
  /** What a restore did. */
  public enum Action {
    /** The object did not exist; it was created from the backup. */
    CREATED,
    /** The object existed with other content; it was replaced by the backup's. */
    REPLACED,
    /** The backup says the object did not exist; it was deleted. */
    DELETED,
    /** The object already equals its backup. */
    UNCHANGED,
    /** The backup says the object did not exist, and it does not. */
    ALREADY_ABSENT
  }

  private static final int MAX_CONFLICTS = 5;
  private static final Logger log = LoggerFactory.getLogger(Restorer.class);

  private final KubernetesClient client;

  public Restorer(KubernetesClient client) {
    this.client = client;
  }

  /**
   * Restores one object from its backup. An absent backup deletes the object (not found is
   * success); a present one replaces the live object's content (optimistically, on the live
   * resourceVersion, re-reading on conflict) or creates it.
   *
   * @throws KubernetesClientException transient API failures, and a conflict that persisted over
   *     {@value #MAX_CONFLICTS} re-reads; permanent ones as {@code ApplicationFailure}
   */
  public Action restore(Backup backup) {
    ObjectKey key = backup.key();
    if (backup.absent()) {
      return delete(key);
    }
    ObjectNode desired = BackupContent.strip(backup.object());
    KubernetesClientException lastConflict = null;
    for (int attempt = 1; attempt <= MAX_CONFLICTS; attempt++) {
      ObjectNode live = read(key);
      try {
        if (live == null) {
          resource(key, operation(key)).resource(fromTree(desired)).create();
          log.info("restored {}: created from backup {}", key, backup.ref().key());
          return Action.CREATED;
        }
        if (BackupContent.strip(live).equals(desired)) {
          log.info("restored {}: already equal to backup {}", key, backup.ref().key());
          return Action.UNCHANGED;
        }
        ObjectNode replacement = desired.deepCopy();
        JsonNode rv = live.path("metadata").path("resourceVersion");
        ((ObjectNode) replacement.with("metadata")).put("resourceVersion", rv.asText());
        resource(key, operation(key)).resource(fromTree(replacement)).update();
        log.info("restored {}: replaced with backup {}", key, backup.ref().key());
        return Action.REPLACED;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw Failures.kubernetes("restore " + key, e);
        }
        lastConflict = e;
        log.info("restore {}: conflict on attempt {}, re-reading", key, attempt);
      }
    }
    throw lastConflict;
  }

  /** The live object as a Jackson 2 tree, or null when it (or its resource type) does not exist. */
  public ObjectNode read(ObjectKey key) {
    MixedOperation<
            GenericKubernetesResource,
            GenericKubernetesResourceList,
            Resource<GenericKubernetesResource>>
        op;
    try {
      op = operation(key);
    } catch (UnknownType e) {
      return null;
    }
    try {
      GenericKubernetesResource found = resource(key, op).withName(key.name()).get();
      return found == null ? null : toTree(found);
    } catch (KubernetesClientException e) {
      if (GenericResources.typeNotServed(e)) {
        return null;
      }
      throw Failures.kubernetes("get " + key, e);
    }
  }

  private Action delete(ObjectKey key) {
    MixedOperation<
            GenericKubernetesResource,
            GenericKubernetesResourceList,
            Resource<GenericKubernetesResource>>
        op;
    try {
      op = operation(key);
    } catch (UnknownType e) {
      log.info("restored {}: absent before the migration, and its type is not served", key);
      return Action.ALREADY_ABSENT;
    }
    try {
      var details = resource(key, op).withName(key.name()).delete();
      if (details == null || details.isEmpty()) {
        log.info("restored {}: absent before the migration, and absent", key);
        return Action.ALREADY_ABSENT;
      }
      log.info("restored {}: absent before the migration, deleted", key);
      return Action.DELETED;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return Action.ALREADY_ABSENT;
      }
      throw Failures.kubernetes("delete " + key, e);
    }
  }

  private static NonNamespaceOperation<
          GenericKubernetesResource,
          GenericKubernetesResourceList,
          Resource<GenericKubernetesResource>>
      resource(
          ObjectKey key,
          MixedOperation<
                  GenericKubernetesResource,
                  GenericKubernetesResourceList,
                  Resource<GenericKubernetesResource>>
              op) {
    return key.namespace() == null ? op : op.inNamespace(key.namespace());
  }

  private MixedOperation<
          GenericKubernetesResource,
          GenericKubernetesResourceList,
          Resource<GenericKubernetesResource>>
      operation(ObjectKey key) {
    return GenericResources.served(client, key.apiVersion(), key.kind())
        .orElseThrow(UnknownType::new);
  }

  private static final class UnknownType extends RuntimeException {
    UnknownType() {
      super(null, null, false, false);
    }
  }

  /** A fabric8 object (Jackson 3 model) as a Jackson 2 tree, through its JSON text. */
  public static ObjectNode toTree(HasMetadata object) {
    if (object == null) {
      return null;
    }
    try {
      JsonNode node = BackupContent.MAPPER.readTree(Serialization.asJson(object));
      return (ObjectNode) node;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot read fabric8's JSON of " + object.getKind(), e);
    }
  }

  /** A Jackson 2 tree as a fabric8 generic resource, through its JSON text. */
  public static GenericKubernetesResource fromTree(ObjectNode tree) {
    return fromTree(tree, GenericKubernetesResource.class);
  }

  /** A Jackson 2 tree as a typed fabric8 object, through its JSON text. */
  public static <T> T fromTree(ObjectNode tree, Class<T> type) {
    return Serialization.unmarshal(BackupContent.json(tree), type);
  }
}
