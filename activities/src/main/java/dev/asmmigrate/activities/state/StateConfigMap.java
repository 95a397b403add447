package dev.asmmigrate.activities.state;

import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.IstioNames;
import dev.asmmigrate.workflows.model.MigrationState;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ConfigMap {@code istio-system/asm-addon-migration-state}, the marker Google's script writes:
 * {@code data.migrationStatus} (so {@code kubectl get cm/asm-addon-migration-state -n istio-system
 * -ojsonpath={.data}} keeps working for existing tooling), plus {@code migrationId} and {@code
 * step} so that a new run can resume with the same backups.
 */
public final class StateConfigMap {
  public static final String NAMESPACE = IstioNames.ISTIO_SYSTEM;
  public static final String NAME = "asm-addon-migration-state";
  public static final String KEY_STATUS = "migrationStatus";
  public static final String KEY_MIGRATION_ID = "migrationId";
  public static final String KEY_STEP = "step";

  /**
   * Why the migration ended as it did (an operator's abort, the failure rolled back); while it runs
   * absent, except while it waits for a maintenance window (migrationStatus {@code
   * WAITING_FOR_WINDOW}): {@code WAITING_FOR_WINDOW until <local time> (<zone>): <why>}.
   */
  public static final String KEY_REASON = "reason";

  private static final int MAX_CONFLICTS = 5;
  private static final Logger log = LoggerFactory.getLogger(StateConfigMap.class);

  /** What the ConfigMap says. {@code state} is null when its status is not one of ours. */
  public record Current(
      String migrationId, String status, MigrationState state, String step, String reason) {
    public Current(String migrationId, String status, MigrationState state, String step) {
      this(migrationId, status, state, step, null);
    }
  }

  private final KubernetesClient client;

  public StateConfigMap(KubernetesClient client) {
    this.client = client;
  }

  /** The ConfigMap's content, if it exists. */
  public Optional<Current> read() {
    ConfigMap cm;
    try {
      cm = client.configMaps().inNamespace(NAMESPACE).withName(NAME).get();
    } catch (KubernetesClientException e) {
      throw Failures.kubernetes("get configmap " + NAMESPACE + "/" + NAME, e);
    }
    if (cm == null) {
      return Optional.empty();
    }
    Map<String, String> data = cm.getData() == null ? Map.of() : cm.getData();
    String status = data.get(KEY_STATUS);
    MigrationState state = null;
    if (status != null) {
      try {
        state = MigrationState.valueOf(status);
        // an outcome of the workflow, never written here: no migration wrote it
        state = state == MigrationState.REFUSED ? null : state;
      } catch (IllegalArgumentException e) {
        state = null;
      }
    }
    return Optional.of(
        new Current(
            data.get(KEY_MIGRATION_ID), status, state, data.get(KEY_STEP), data.get(KEY_REASON)));
  }

  /** The ConfigMap as {@link #write} creates it. */
  public static ConfigMap created(Map<String, String> data) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(NAME)
        .withNamespace(NAMESPACE)
        .addToLabels("app.kubernetes.io/managed-by", "asm-migrate")
        .endMetadata()
        .withData(data)
        .build();
  }

  /** The data {@link #write} sets. */
  public static Map<String, String> data(String migrationId, MigrationState state, String step) {
    Map<String, String> wanted = new LinkedHashMap<>();
    wanted.put(KEY_STATUS, state.name());
    wanted.put(KEY_MIGRATION_ID, migrationId);
    if (step != null) {
      wanted.put(KEY_STEP, step);
    }
    return wanted;
  }

  /**
   * Sets the state, migration ID and step, creating the ConfigMap if needed; other keys are kept.
   *
   * @return whether anything changed
   */
  public boolean write(String migrationId, MigrationState state, String step) {
    return write(migrationId, state, step, null);
  }

  /**
   * As {@link #write(String, MigrationState, String)}, with why the migration ended so ({@code
   * reason}, kept under {@value #KEY_REASON}); a null reason removes an earlier one.
   */
  public boolean write(String migrationId, MigrationState state, String step, String reason) {
    Map<String, String> wanted = data(migrationId, state, step);
    if (reason != null) {
      wanted.put(KEY_REASON, reason);
    }
    KubernetesClientException conflict = null;
    for (int attempt = 1; attempt <= MAX_CONFLICTS; attempt++) {
      try {
        ConfigMap cm = client.configMaps().inNamespace(NAMESPACE).withName(NAME).get();
        if (cm == null) {
          client.configMaps().inNamespace(NAMESPACE).resource(created(wanted)).create();
          log.info(
              "created configmap {}/{}: migrationStatus={} migrationId={} step={}",
              NAMESPACE,
              NAME,
              state,
              migrationId,
              step);
          return true;
        }
        Map<String, String> data = cm.getData() == null ? new LinkedHashMap<>() : cm.getData();
        Map<String, String> next = new LinkedHashMap<>(data);
        next.putAll(wanted);
        if (reason == null) {
          next.remove(KEY_REASON);
        }
        if (next.equals(data)) {
          return false;
        }
        cm.setData(next);
        client.configMaps().inNamespace(NAMESPACE).resource(cm).update();
        log.info(
            "updated configmap {}/{}: migrationStatus {} -> {}, migrationId={} step={}",
            NAMESPACE,
            NAME,
            data.get(KEY_STATUS),
            state,
            migrationId,
            step);
        return true;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 409) {
          conflict = e;
          continue;
        }
        if (e.getCode() == 404) {
          throw Failures.permanent(
              FailureType.NOT_FOUND,
              "cannot write configmap "
                  + NAMESPACE
                  + "/"
                  + NAME
                  + ": namespace "
                  + NAMESPACE
                  + " does not exist");
        }
        throw Failures.kubernetes("write configmap " + NAMESPACE + "/" + NAME, e);
      }
    }
    throw conflict;
  }
}
