package dev.asmmigrate.activities.configs;

import static dev.asmmigrate.activities.configs.ConfigChanges.keyOf;
import static dev.asmmigrate.activities.configs.ConfigChanges.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.backup.Backup;
import dev.asmmigrate.activities.backup.BackupStore;
import dev.asmmigrate.activities.backup.BackupStores;
import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.activities.configs.ClusterObjects.Type;
import dev.asmmigrate.activities.configs.ConfigChanges.Observed;
import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.config.Finding;
import dev.asmmigrate.config.check.ConfigCheck;
import dev.asmmigrate.config.check.ConfigCheckResult;
import dev.asmmigrate.config.convert.ConversionResult;
import dev.asmmigrate.config.convert.PolicyConverter;
import dev.asmmigrate.workflows.activities.ConfigActivities;
import dev.asmmigrate.workflows.model.BackupRef;
import dev.asmmigrate.workflows.model.ConfigReport;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.StepResult;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * config-check and migrate-configs against the cluster. config-check reads every object its rules
 * look at and hands them to {@link ConfigCheck}; migrate-configs creates the converted policies
 * after a server-side dry run of each, recording the absence of each one first so that its undo
 * deletes exactly what it created.
 */
public final class ConfigActivitiesImpl implements ConfigActivities {
  static final String STEP = ConfigChanges.STEP;

  static final Type ENVOY_FILTERS =
      new Type("networking.istio.io", "v1alpha3", "EnvoyFilter", "envoyfilters", true);
  static final Type VIRTUAL_SERVICES =
      new Type("networking.istio.io", "v1alpha3", "VirtualService", "virtualservices", true);
  static final Type POLICIES =
      new Type("authentication.istio.io", "v1alpha1", "Policy", "policies", true);
  static final Type MESH_POLICIES =
      new Type("authentication.istio.io", "v1alpha1", "MeshPolicy", "meshpolicies", false);
  static final List<Type> RBAC =
      List.of(
          new Type("rbac.istio.io", "v1alpha1", "RbacConfig", "rbacconfigs", true),
          new Type("rbac.istio.io", "v1alpha1", "ClusterRbacConfig", "clusterrbacconfigs", false),
          new Type("rbac.istio.io", "v1alpha1", "ServiceRole", "serviceroles", true),
          new Type("rbac.istio.io", "v1alpha1", "ServiceRoleBinding", "servicerolebindings", true));
  static final List<Type> MIXER =
      List.of(
          new Type("config.istio.io", "v1alpha2", "handler", "handlers", true),
          new Type("config.istio.io", "v1alpha2", "rule", "rules", true),
          new Type("config.istio.io", "v1alpha2", "instance", "instances", true),
          new Type("config.istio.io", "v1alpha2", "attributemanifest", "attributemanifests", true));
  static final Type SERVICES = new Type("", "v1", "Service", "services", true);
  static final Type PODS = new Type("", "v1", "Pod", "pods", true);
  static final Type SECRETS = new Type("", "v1", "Secret", "secrets", true);
  static final Type CONFIG_MAPS = new Type("", "v1", "ConfigMap", "configmaps", true);
  static final List<Type> WORKLOADS =
      List.of(
          new Type("apps", "v1", "Deployment", "deployments", true),
          new Type("apps", "v1", "StatefulSet", "statefulsets", true),
          new Type("apps", "v1", "DaemonSet", "daemonsets", true));

  private static final Logger log = LoggerFactory.getLogger(ConfigActivitiesImpl.class);

  private final KubeClients clients;
  private final BackupStores backups;

  public ConfigActivitiesImpl(KubeClients clients, BackupStores backups) {
    this.clients = clients;
    this.backups = backups;
  }

  @Override
  public ConfigReport checkConfigs(ConfigRequest request) {
    ConfigCheckResult result = check(request.context());
    for (Finding f : result.findings()) {
      log.info(
          "config-check: {} {} [{}]: {}", f.severity(), f.objectRef(), f.ruleId(), f.message());
    }
    log.info(
        "config-check: {} findings, {} blocking; {} converted policies to apply",
        result.findings().size(),
        result.blocking(),
        result.conversion().converted().size());
    return result.toReport();
  }

  /** Reads what config-check needs and runs it; for the activity and for {@code plan}. */
  public ConfigCheckResult check(MigrationContext ctx) {
    List<ObjectNode> objects = read(new ClusterObjects(clients.client(ctx.connection())));
    try {
      return ConfigCheck.check(objects);
    } catch (IllegalArgumentException e) {
      throw Failures.permanent(FailureType.INVALID_INPUT, "config-check: " + e.getMessage());
    }
  }

  private static List<ObjectNode> read(ClusterObjects cluster) {
    List<ObjectNode> objects = new ArrayList<>();
    objects.addAll(cluster.listAll(ENVOY_FILTERS));
    objects.addAll(cluster.listAll(VIRTUAL_SERVICES));
    objects.addAll(cluster.listAll(POLICIES));
    objects.addAll(cluster.listAll(MESH_POLICIES));
    RBAC.forEach(t -> objects.addAll(cluster.listAll(t)));
    MIXER.forEach(t -> objects.addAll(cluster.listAll(t)));
    objects.addAll(conversionContext(cluster));
    // Only the Secret's identity matters to config-check: its data never leaves this method.
    cluster
        .get(SECRETS, ConfigCheck.SYSTEM_NAMESPACE, "cacerts")
        .ifPresent(secret -> objects.add(identityOnly(secret, SECRETS)));
    return objects;
  }

  /** Services, workloads and the mesh configs: what the converter resolves policies against. */
  private static List<ObjectNode> conversionContext(ClusterObjects cluster) {
    List<ObjectNode> objects = new ArrayList<>(cluster.listAll(SERVICES));
    WORKLOADS.forEach(t -> objects.addAll(cluster.listAll(t)));
    // Pods of controllers are covered by their controller's template; bare pods are not.
    for (ObjectNode pod : cluster.listAll(PODS)) {
      if (!pod.path("metadata").path("ownerReferences").elements().hasNext()) {
        objects.add(pod);
      }
    }
    for (String name : List.of("istio", "istio-istio-1611")) {
      cluster
          .get(CONFIG_MAPS, ConfigCheck.SYSTEM_NAMESPACE, name)
          .ifPresent(
              cm -> {
                cm.put("apiVersion", "v1");
                cm.put("kind", "ConfigMap");
                objects.add(cm);
              });
    }
    return objects;
  }

  private static ObjectNode identityOnly(ObjectNode object, Type type) {
    ObjectNode out = ClusterObjects.MAPPER.createObjectNode();
    out.put("apiVersion", type.apiVersion());
    out.put("kind", type.kind());
    ObjectNode metadata = out.putObject("metadata");
    metadata.set("namespace", object.path("metadata").path("namespace"));
    metadata.set("name", object.path("metadata").path("name"));
    return out;
  }

  @Override
  public StepResult migrateConfigs(ConfigRequest request) {
    MigrationContext ctx = request.context();
    ClusterObjects cluster = new ClusterObjects(clients.client(ctx.connection()));
    List<ObjectNode> objects = new ArrayList<>(cluster.listAll(POLICIES));
    objects.addAll(cluster.listAll(MESH_POLICIES));
    objects.addAll(conversionContext(cluster));
    ConversionResult conversion;
    try {
      conversion = PolicyConverter.convert(ConfigCheck.conversionInput(objects));
    } catch (IllegalArgumentException e) {
      throw Failures.permanent(FailureType.INVALID_INPUT, "migrate-configs: " + e.getMessage());
    }
    if (conversion.hasBlockingFindings()) {
      throw Failures.permanent(
          FailureType.BLOCKING_CONFIG,
          "migrate-configs: alpha policies cannot be converted: "
              + conversion.findings().stream()
                  .filter(f -> f.severity().blocks())
                  .map(Finding::objectRef)
                  .distinct()
                  .toList());
    }
    BackupStore store = backups.forContext(ctx);
    Observed observed = observe(cluster, conversion.converted());
    List<PlannedChange> desired = ConfigChanges.desired(observed);

    // Objects already there as converted (created by an earlier attempt, or identical by hand).
    List<BackupRef> refs = new ArrayList<>();
    List<String> changes = new ArrayList<>();
    for (ObjectKey key : observed.existing().keySet()) {
      Optional<Backup> ours = store.load(ctx.migrationId(), key);
      if (ours.isPresent() && ours.get().absent()) {
        refs.add(ours.get().ref());
        changes.add("already created " + key);
      } else {
        changes.add("left " + key + " as it is: an identical object exists");
      }
      log.info("migrate-configs: {} already exists as converted; unchanged", key);
    }
    List<ObjectNode> toCreate = desired.stream().map(c -> (ObjectNode) c.body()).toList();

    // Validate everything before changing anything.
    for (ObjectNode converted : toCreate) {
      dryRunCreate(cluster, converted);
    }

    for (ObjectNode converted : toCreate) {
      ObjectKey key = keyOf(converted);
      BackupRef ref = store.save(ctx.migrationId(), STEP, key, null);
      refs.add(ref);
      create(cluster, converted);
      changes.add("created " + key + " from " + source(converted));
      log.info("migrate-configs: created {} (converted from {})", key, source(converted));
    }
    log.info("migrate-configs: {} converted objects, {} created now", refs.size(), toCreate.size());
    return new StepResult(refs, changes);
  }

  private static void dryRunCreate(ClusterObjects cluster, ObjectNode converted) {
    Type type = typeOf(converted);
    ObjectKey key = keyOf(converted);
    try {
      cluster
          .operation(type)
          .inNamespace(key.namespace())
          .resource(ClusterObjects.resource(converted))
          .dryRun()
          .create();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 400 || e.getCode() == 422) {
        throw Failures.permanent(
            FailureType.BLOCKING_CONFIG,
            "migrate-configs: the API server rejects "
                + key
                + " (converted from "
                + source(converted)
                + ") in a dry run: "
                + message(e));
      }
      if (e.getCode() == 409) {
        // Created meanwhile by someone else: the real create below decides.
        return;
      }
      throw Failures.kubernetes("dry-run create " + key, e);
    }
  }

  private static void create(ClusterObjects cluster, ObjectNode converted) {
    Type type = typeOf(converted);
    ObjectKey key = keyOf(converted);
    try {
      cluster
          .operation(type)
          .inNamespace(key.namespace())
          .resource(ClusterObjects.resource(converted))
          .create();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        Optional<ObjectNode> now = cluster.get(type, key.namespace(), key.name());
        if (now.isPresent() && ConfigChanges.sameConversion(now.get(), converted)) {
          // An earlier attempt's create landed after all.
          return;
        }
        throw Failures.permanent(
            FailureType.BLOCKING_CONFIG,
            "migrate-configs: " + key + " was created meanwhile with other content");
      }
      throw Failures.kubernetes("create " + key, e);
    }
  }

  /** Each converted object as it exists in the cluster, by its key. */
  private static Observed observe(ClusterObjects cluster, List<ObjectNode> converted) {
    Map<ObjectKey, ObjectNode> existing = new LinkedHashMap<>();
    for (ObjectNode object : converted) {
      ObjectKey key = keyOf(object);
      cluster.get(typeOf(object), key.namespace(), key.name()).ifPresent(o -> existing.put(key, o));
    }
    return new Observed(converted, existing);
  }

  /**
   * What {@link #migrateConfigs} will do with the conversion config-check ran, read only: {@link
   * ConfigChanges#desired}, each create after a server-side dry run, which changes nothing. An
   * object in the way makes the step fail, which {@code plan} reports as a note on the step.
   */
  public List<PlannedChange> plan(MigrationContext ctx, ConversionResult conversion) {
    ClusterObjects cluster = new ClusterObjects(clients.client(ctx.connection()));
    return ConfigChanges.desired(observe(cluster, conversion.converted()));
  }

  @Override
  public void removeMigratedConfigs(ConfigRequest request) {
    MigrationContext ctx = request.context();
    ClusterObjects cluster = new ClusterObjects(clients.client(ctx.connection()));
    List<Backup> created = backups.forContext(ctx).list(ctx.migrationId(), STEP);
    int deleted = 0;
    for (Backup backup : created) {
      if (!backup.absent()) {
        // migrate-configs only creates; a backup of an existing object is not its to delete.
        continue;
      }
      ObjectKey key = backup.key();
      Type type = typeOf(key);
      try {
        List<?> gone =
            cluster.operation(type).inNamespace(key.namespace()).withName(key.name()).delete();
        if (!gone.isEmpty()) {
          deleted++;
          log.info("migrate-configs undo: deleted {}", key);
        } else {
          log.info("migrate-configs undo: {} already gone", key);
        }
      } catch (KubernetesClientException e) {
        if (e.getCode() != 404) {
          throw Failures.kubernetes("delete " + key, e);
        }
      }
    }
    log.info("migrate-configs undo: {} of {} created objects deleted", deleted, created.size());
  }

  // --- helpers -----------------------------------------------------------------------------------

  static Type typeOf(JsonNode object) {
    return typeOf(keyOf(object));
  }

  static Type typeOf(ObjectKey key) {
    String apiVersion = key.apiVersion();
    int slash = apiVersion.indexOf('/');
    String group = slash < 0 ? "" : apiVersion.substring(0, slash);
    String version = slash < 0 ? apiVersion : apiVersion.substring(slash + 1);
    String plural =
        switch (key.kind()) {
          case "PeerAuthentication" -> "peerauthentications";
          case "RequestAuthentication" -> "requestauthentications";
          case "AuthorizationPolicy" -> "authorizationpolicies";
          default ->
              throw new IllegalArgumentException("migrate-configs does not create " + key.kind());
        };
    return new Type(group, version, key.kind(), plural, true);
  }

  private static String message(KubernetesClientException e) {
    return e.getStatus() != null && e.getStatus().getMessage() != null
        ? e.getStatus().getMessage()
        : e.getMessage();
  }
}
