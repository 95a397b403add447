package dev.asmmigrate.activities.backup;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.workflows.model.BackupRef;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.IstioNames;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backups kept in the cluster itself, in namespace {@value #NAMESPACE}: one ConfigMap per backed-up
 * object, or one Secret (type Opaque) when the object is a Secret, so that Secret data stays under
 * Secret RBAC. Named from hashes of the migration ID and the object's key; labelled with the
 * migration and step for listing; annotated with the object's identity, the content's SHA-256, an
 * {@code absent} flag and the time. First write wins: a backup is only ever created, never updated.
 */
public final class ClusterBackupStore implements BackupStore {
  public static final String NAMESPACE = IstioNames.ASM_MIGRATE_SYSTEM;
  public static final String CONTENT_KEY = "object.json";

  public static final String LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String MANAGED_BY = "asm-migrate";
  public static final String LABEL_MIGRATION = "asm-migrate.dev/migration-id";
  public static final String LABEL_STEP = "asm-migrate.dev/step";
  public static final String LABEL_BACKUP = "asm-migrate.dev/backup";

  public static final String ANN_MIGRATION = "asm-migrate.dev/migration-id";
  public static final String ANN_STEP = "asm-migrate.dev/step";
  public static final String ANN_API_VERSION = "asm-migrate.dev/api-version";
  public static final String ANN_KIND = "asm-migrate.dev/kind";
  public static final String ANN_NAMESPACE = "asm-migrate.dev/namespace";
  public static final String ANN_NAME = "asm-migrate.dev/name";
  public static final String ANN_SHA256 = "asm-migrate.dev/sha256";
  public static final String ANN_ABSENT = "asm-migrate.dev/absent";
  public static final String ANN_TIME = "asm-migrate.dev/backed-up-at";

  private static final Logger log = LoggerFactory.getLogger(ClusterBackupStore.class);

  private final KubernetesClient client;
  private volatile boolean namespaceReady;

  public ClusterBackupStore(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public BackupRef save(String migrationId, String step, ObjectKey key, ObjectNode object) {
    ObjectNode content = BackupContent.strip(object);
    String json = BackupContent.json(content);
    String sha = BackupContent.sha256(json);
    String name = BackupContent.backupName(migrationId, key);
    boolean secret = isSecret(key);
    ObjectMeta meta = metadata(name, migrationId, step, key, sha, content == null);
    HasMetadata backup =
        secret
            ? new SecretBuilder()
                .withMetadata(meta)
                .withType("Opaque")
                .withData(
                    Map.of(
                        CONTENT_KEY,
                        Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8))))
                .build()
            : new ConfigMapBuilder().withMetadata(meta).withData(Map.of(CONTENT_KEY, json)).build();
    for (int attempt = 1; ; attempt++) {
      ensureNamespace();
      try {
        create(backup);
        break;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404 && attempt == 1) {
          namespaceReady = false; // the namespace was deleted under us: create it again
          continue;
        }
        if (e.getCode() == 409) {
          Optional<Backup> existing = load(migrationId, key);
          if (existing.isPresent()) {
            log.info(
                "backup of {} for migration {} exists already as {} {}/{} (sha256 {}): kept",
                key,
                migrationId,
                secret ? "Secret" : "ConfigMap",
                NAMESPACE,
                name,
                BackupContent.shortHash(existing.get().ref().sha256()));
            return existing.get().ref();
          }
        }
        throw Failures.kubernetes(what("create", secret, name), e);
      }
    }
    log.info(
        "backed up {} ({}) for migration {} step {} as {} {}/{} (sha256 {})",
        key,
        content == null ? "absent" : "present",
        migrationId,
        step,
        secret ? "Secret" : "ConfigMap",
        NAMESPACE,
        name,
        BackupContent.shortHash(sha));
    return new BackupRef(name, key.kind(), key.namespace(), key.name(), sha, content == null);
  }

  @Override
  public Optional<Backup> load(String migrationId, ObjectKey key) {
    String name = BackupContent.backupName(migrationId, key);
    boolean secret = isSecret(key);
    HasMetadata found;
    try {
      found =
          secret
              ? client.secrets().inNamespace(NAMESPACE).withName(name).get()
              : client.configMaps().inNamespace(NAMESPACE).withName(name).get();
    } catch (KubernetesClientException e) {
      throw Failures.kubernetes(what("get", secret, name), e);
    }
    return found == null ? Optional.empty() : Optional.of(decode(found));
  }

  @Override
  public List<Backup> list(String migrationId, String step) {
    Map<String, String> selector = new HashMap<>();
    selector.put(LABEL_MIGRATION, BackupContent.migrationLabel(migrationId));
    selector.put(LABEL_BACKUP, "true");
    if (step != null) {
      selector.put(LABEL_STEP, step);
    }
    List<HasMetadata> found = new ArrayList<>();
    try {
      found.addAll(
          client.configMaps().inNamespace(NAMESPACE).withLabels(selector).list().getItems());
      found.addAll(client.secrets().inNamespace(NAMESPACE).withLabels(selector).list().getItems());
    } catch (KubernetesClientException e) {
      throw Failures.kubernetes("list backups in namespace " + NAMESPACE, e);
    }
    List<Backup> backups = new ArrayList<>();
    for (HasMetadata item : found) {
      Map<String, String> ann = annotations(item);
      if (!migrationId.equals(ann.get(ANN_MIGRATION))) {
        continue; // another migration whose ID hashes to the same label value
      }
      backups.add(decode(item));
    }
    Map<String, Instant> times = new HashMap<>();
    for (HasMetadata item : found) {
      times.put(item.getMetadata().getName(), time(annotations(item).get(ANN_TIME)));
    }
    backups.sort(
        Comparator.comparing((Backup b) -> times.getOrDefault(b.ref().key(), Instant.EPOCH))
            .thenComparing(b -> b.ref().key()));
    return backups;
  }

  // --- internals ---------------------------------------------------------------------------------

  private void create(HasMetadata backup) {
    if (backup instanceof Secret s) {
      client.secrets().inNamespace(NAMESPACE).resource(s).create();
    } else {
      client.configMaps().inNamespace(NAMESPACE).resource((ConfigMap) backup).create();
    }
  }

  private void ensureNamespace() {
    if (namespaceReady) {
      return;
    }
    try {
      if (client.namespaces().withName(NAMESPACE).get() == null) {
        client
            .namespaces()
            .resource(
                new NamespaceBuilder()
                    .withNewMetadata()
                    .withName(NAMESPACE)
                    .addToLabels(LABEL_MANAGED_BY, MANAGED_BY)
                    .endMetadata()
                    .build())
            .create();
        log.info("created namespace {} for backups", NAMESPACE);
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw Failures.kubernetes("create namespace " + NAMESPACE, e);
      }
    }
    namespaceReady = true;
  }

  private static ObjectMeta metadata(
      String name, String migrationId, String step, ObjectKey key, String sha, boolean absent) {
    ObjectMetaBuilder meta =
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace(NAMESPACE)
            .addToLabels(LABEL_MANAGED_BY, MANAGED_BY)
            .addToLabels(LABEL_BACKUP, "true")
            .addToLabels(LABEL_MIGRATION, BackupContent.migrationLabel(migrationId))
            .addToAnnotations(ANN_MIGRATION, migrationId)
            .addToAnnotations(ANN_API_VERSION, key.apiVersion())
            .addToAnnotations(ANN_KIND, key.kind())
            .addToAnnotations(ANN_NAME, key.name())
            .addToAnnotations(ANN_SHA256, sha)
            .addToAnnotations(ANN_ABSENT, Boolean.toString(absent))
            .addToAnnotations(ANN_TIME, Instant.now().toString());
    if (key.namespace() != null) {
      meta.addToAnnotations(ANN_NAMESPACE, key.namespace());
    }
    if (step != null) {
      meta.addToLabels(LABEL_STEP, BackupContent.migrationLabel(step));
      meta.addToAnnotations(ANN_STEP, step);
    }
    return meta.build();
  }

  private static Backup decode(HasMetadata item) {
    Map<String, String> ann = annotations(item);
    String name = item.getMetadata().getName();
    String json;
    if (item instanceof Secret s) {
      String encoded = s.getData() == null ? null : s.getData().get(CONTENT_KEY);
      json =
          encoded == null
              ? null
              : new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
    } else {
      ConfigMap cm = (ConfigMap) item;
      json = cm.getData() == null ? null : cm.getData().get(CONTENT_KEY);
    }
    if (json == null) {
      throw Failures.permanent(
          FailureType.BACKUP_CONFLICT,
          "backup " + NAMESPACE + "/" + name + " has no " + CONTENT_KEY + ": it was tampered with");
    }
    String sha = BackupContent.sha256(json);
    if (!sha.equals(ann.get(ANN_SHA256))) {
      throw Failures.permanent(
          FailureType.BACKUP_CONFLICT,
          "backup "
              + NAMESPACE
              + "/"
              + name
              + " does not match its recorded SHA-256: it was changed after it was taken");
    }
    ObjectKey key =
        new ObjectKey(
            ann.get(ANN_API_VERSION), ann.get(ANN_KIND), ann.get(ANN_NAMESPACE), ann.get(ANN_NAME));
    ObjectNode object = BackupContent.parse(json);
    return new Backup(
        new BackupRef(name, key.kind(), key.namespace(), key.name(), sha, object == null),
        key,
        object);
  }

  private static Map<String, String> annotations(HasMetadata item) {
    Map<String, String> ann = item.getMetadata().getAnnotations();
    return ann == null ? Map.of() : ann;
  }

  private static Instant time(String text) {
    try {
      return text == null ? Instant.EPOCH : Instant.parse(text);
    } catch (DateTimeParseException e) {
      return Instant.EPOCH;
    }
  }

  private static boolean isSecret(ObjectKey key) {
    return "Secret".equals(key.kind()) && "v1".equals(key.apiVersion());
  }

  private static String what(String verb, boolean secret, String name) {
    return verb + " backup " + (secret ? "Secret " : "ConfigMap ") + NAMESPACE + "/" + name;
  }
}
