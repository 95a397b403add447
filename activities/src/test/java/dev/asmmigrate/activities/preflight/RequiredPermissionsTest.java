package dev.asmmigrate.activities.preflight;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asmmigrate.activities.addon.AddonActivitiesImpl;
import dev.asmmigrate.activities.backup.SandboxHarness;
import dev.asmmigrate.activities.configs.ConfigActivitiesImpl;
import dev.asmmigrate.activities.controlplane.ControlPlaneActivitiesImpl;
import dev.asmmigrate.activities.fleet.FleetActivitiesImpl;
import dev.asmmigrate.activities.galley.GalleyActivitiesImpl;
import dev.asmmigrate.activities.gateway.GatewayActivitiesImpl;
import dev.asmmigrate.activities.google.GoogleClients;
import dev.asmmigrate.activities.meshca.MeshCaActivitiesImpl;
import dev.asmmigrate.activities.state.StateActivitiesImpl;
import dev.asmmigrate.activities.webhook.WebhookActivitiesImpl;
import dev.asmmigrate.activities.workloads.WorkloadActivitiesImpl;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.http.RequestLog;
import dev.asmmigrate.workflows.MigrationWorkflow;
import dev.asmmigrate.workflows.WorkflowTypes;
import dev.asmmigrate.workflows.model.ClusterRef;
import dev.asmmigrate.workflows.model.MigrationRequest;
import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.Timeouts;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Least privilege, checked three ways against one whole migration and one whole rollback on the
 * sandbox (the add-on 1.6 base, which carries the 1.4 add-on too, so both paths run):
 *
 * <ul>
 *   <li>every Kubernetes request the activities sent is granted by the worker's RBAC in {@code
 *       deploy/} (ClusterRole and Role, with their resourceNames and namespaces);
 *   <li>every permission that RBAC grants was used by those runs, but for the {@link
 *       #GRANTED_UNUSED exceptions} below, each justified;
 *   <li>{@link RequiredPermissions}, which pre-flight checks with SelfSubjectAccessReviews, is
 *       exactly what that RBAC grants, so pre-flight passes under it and fails without it;
 *   <li>{@link RequiredGooglePermissions}, which pre-flight asks Google about, is exactly the IAM
 *       permissions the Google calls of those runs needed.
 * </ul>
 */
class RequiredPermissionsTest {
  private static final Logger log = LoggerFactory.getLogger(RequiredPermissionsTest.class);

  /**
   * Granted though these runs do not use them (keep in step with the comments in deploy/rbac.yaml).
   */
  static final Map<String, String> GRANTED_UNUSED = new TreeMap<>();

  static {
    String sets =
        "the workload step restarts injected StatefulSets/DaemonSets; the sandbox has none";
    exception("patch apps/statefulsets", sets);
    exception("patch apps/daemonsets", sets);
    String hpa =
        "replace-gateway sets minReplicas 1 when it is more, its undo restores the HPA; the"
            + " sandbox's HPA has 1 already";
    exception("update autoscaling/horizontalpodautoscalers istio-ingressgateway", hpa);
    exception("patch autoscaling/horizontalpodautoscalers istio-ingressgateway", hpa);
    String jwt = "migrate-configs converts alpha JWT origins; the sandbox's policies have none";
    for (String verb : List.of("get", "create", "delete")) {
      exception(verb + " security.istio.io/requestauthentications", jwt);
      exception(verb + " security.istio.io/authorizationpolicies", jwt);
    }
    String gateway =
        "replace-gateway replaces a pre-existing asm-ingressgateway Role/RoleBinding that differs"
            + " from its template";
    exception("update rbac.authorization.k8s.io/roles", gateway);
    exception("update rbac.authorization.k8s.io/rolebindings", gateway);
    for (String channel : List.of("asm-managed-rapid", "asm-managed-stable")) {
      String other = "the other release channels (--channel rapid|stable)";
      for (String verb : List.of("get", "patch", "delete")) {
        exception(verb + " mesh.cloud.google.com/controlplanerevisions " + channel, other);
      }
      exception(
          "get admissionregistration.k8s.io/mutatingwebhookconfigurations istiod-" + channel,
          other);
    }
    exception(
        "patch mesh.cloud.google.com/controlplanerevisions asm-managed",
        "an existing revision with another spec is patched to the wanted one");
    exception(
        "delete secrets cacerts",
        "cleanup deletes a user's plugin CA when there is one; the add-on fixtures have none");
  }

  private static void exception(String permission, String why) {
    GRANTED_UNUSED.put(permission, why);
  }

  @Test
  void givenAFullMigrationAndAFullRollback_whenTheirRequestsAreComparedWithDeploy_itShouldBeLeast()
      throws IOException {
    DeployRbac rbac = DeployRbac.load(RepositoryRoot.find().resolve("deploy"));
    assertThat(rbac.rules).isNotEmpty();
    try (SandboxHarness h =
            SandboxHarness.start(
                    SandboxSettings.builder()
                        .base(SandboxSettings.Base.ADDON_1_6)
                        .app("online-boutique")
                        .podReadyDelay(Duration.ofMillis(100))
                        .controlPlaneProvisionDelay(Duration.ofMillis(500))
                        .rootDistributionDelay(Duration.ofMillis(500)))
                .settle();
        GoogleClients google = new GoogleClients();
        TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      Worker worker = env.newWorker(MigrationWorkflow.TASK_QUEUE);
      worker.registerWorkflowImplementationTypes(WorkflowTypes.all());
      var backups = h.backups;
      var clients = h.clients;
      worker.registerActivitiesImplementations(
          new PreflightActivitiesImpl(clients, backups, google),
          new StateActivitiesImpl(clients, backups),
          new FleetActivitiesImpl(clients, backups, google),
          new ControlPlaneActivitiesImpl(clients, backups),
          new ConfigActivitiesImpl(clients, backups),
          new GalleyActivitiesImpl(clients, backups),
          // no pauses: proxies' pickup and the trigger filter's hold are real time, not checked
          // here
          new MeshCaActivitiesImpl(
              clients,
              backups,
              new MeshCaActivitiesImpl.Settings(
                  Duration.ofMinutes(3), Duration.ofMillis(200), Duration.ZERO, Duration.ZERO)),
          new WorkloadActivitiesImpl(clients, backups),
          new GatewayActivitiesImpl(clients, backups),
          new WebhookActivitiesImpl(clients, backups),
          new AddonActivitiesImpl(clients, backups, google));
      env.start();
      // Google's operations take a while: the activities poll them (gkehub.operations.get,
      // container.operations.get), as they must against Google
      h.sandbox.faults().googleOperationDelay = Duration.ofMillis(300);

      MigrationResult rolledBack = migrate(env, h, "write-marker");
      assertThat(rolledBack.state())
          .as(String.valueOf(rolledBack.error()))
          .isEqualTo(MigrationState.ROLLED_BACK);
      MigrationResult done = migrate(env, h, null);
      assertThat(done.state()).as(String.valueOf(done.error())).isEqualTo(MigrationState.SUCCESS);
      assertThat(done.completedSteps()).contains("configure-mesh-ca", "cleanup");

      List<RequestLog.Entry> requests = new ArrayList<>();
      for (RequestLog.Entry e : h.sandbox.apiServer().requestLog().entries()) {
        String agent = e.userAgent() == null ? "" : e.userAgent();
        if (!agent.startsWith("asm-migrate") || agent.startsWith("asm-migrate-sandbox")) {
          continue;
        }
        if ("selfsubjectaccessreviews".equals(e.resource())) {
          continue; // every authenticated user may ask what it may do (system:basic-user)
        }
        requests.add(e);
      }
      assertThat(requests).hasSizeGreaterThan(100);

      // 1. every request is granted
      Set<String> denied = new TreeSet<>();
      Map<String, Set<String>> used = new TreeMap<>();
      for (RequestLog.Entry e : requests) {
        String resource = resource(e);
        String name = nameForRbac(e);
        if (!rbac.allows(e.verb(), e.group(), resource, e.namespace(), name)) {
          denied.add(describe(e));
        }
        used.computeIfAbsent(
                e.verb() + " " + (e.group().isEmpty() ? "" : e.group() + "/") + resource,
                k -> new TreeSet<>())
            .add((e.namespace().isEmpty() ? "" : e.namespace() + "/") + name);
      }
      StringBuilder usage = new StringBuilder();
      used.forEach((k, v) -> usage.append(k).append(' ').append(v).append('\n'));
      Files.writeString(Path.of("target", "required-permissions-used.txt"), usage.toString());
      log.info("requests of the migration by permission:\n{}", usage);
      assertThat(denied).as("requests the deploy/ RBAC does not grant").isEmpty();

      // 2. every grant is used, but for the justified exceptions
      Set<String> unused = new TreeSet<>();
      for (RequiredPermissions.Permission g : rbac.grants()) {
        boolean isUsed =
            requests.stream()
                .anyMatch(
                    e ->
                        e.verb().equals(g.verb())
                            && e.group().equals(g.group())
                            && resource(e).equals(g.resource())
                            && (g.namespace() == null || g.namespace().equals(e.namespace()))
                            && (g.name() == null || g.name().equals(nameForRbac(e))));
        if (!isUsed) {
          unused.add(g.toString());
        }
      }
      log.info("granted, unused by these runs: {}", unused);
      assertThat(unused)
          .as("granted by deploy/ but used by neither run; not among the justified exceptions")
          .isSubsetOf(GRANTED_UNUSED.keySet());
      assertThat(rbac.grants().stream().map(Object::toString).toList())
          .as("every justified exception is still granted")
          .containsAll(GRANTED_UNUSED.keySet());

      // 4. Google: every call of the two runs needs one of the permissions pre-flight asks Google
      // about, and each of those was needed (the fake logs each call's permission)
      Set<String> googleUsed = new TreeSet<>();
      for (var call : h.sandbox.googleApis().calls()) {
        if (!call.permission().isEmpty()) {
          googleUsed.add(call.permission());
        }
      }
      assertThat(googleUsed)
          .as("the permissions of the Google calls of a migration and a rollback")
          .containsExactlyInAnyOrderElementsOf(
              RequiredGooglePermissions.all().stream()
                  .map(RequiredGooglePermissions.Permission::name)
                  .toList());
    }
  }

  /** 3. Pre-flight's SelfSubjectAccessReviews ask for exactly what deploy/ grants. */
  @Test
  void givenDeploy_whenComparedWithRequiredPermissions_itShouldGrantExactlyThem() {
    DeployRbac rbac = DeployRbac.load(RepositoryRoot.find().resolve("deploy"));

    assertThat(rbac.serviceAccount).isEqualTo("asm-migrate-worker");
    assertThat(rbac.serviceAccountNamespace).isEqualTo("asm-migrate-system");
    assertThat(new LinkedHashSet<>(RequiredPermissions.all()))
        .containsExactlyInAnyOrderElementsOf(rbac.grants());
    // a few least-privilege properties that must not regress
    assertThat(rbac.allows("delete", "rbac.authorization.k8s.io", "clusterroles", "", "admin"))
        .isFalse();
    assertThat(rbac.allows("create", "", "secrets", "kube-system", "")).isFalse();
    assertThat(rbac.allows("get", "", "secrets", "kube-system", "some-token")).isFalse();
    assertThat(rbac.allows("create", "", "secrets", "asm-migrate-system", "")).isTrue();
    assertThat(
            rbac.allows(
                "delete",
                "admissionregistration.k8s.io",
                "validatingwebhookconfigurations",
                "",
                "gatekeeper"))
        .isFalse();
  }

  private static String resource(RequestLog.Entry e) {
    return e.resource() + (e.subresource().isEmpty() ? "" : "/" + e.subresource());
  }

  /** The name RBAC sees: none for collections (list, watch, create, deletecollection). */
  private static String nameForRbac(RequestLog.Entry e) {
    return switch (e.verb()) {
      case "list", "watch", "create", "deletecollection" -> "";
      default -> e.name();
    };
  }

  private static String describe(RequestLog.Entry e) {
    return e.verb()
        + " "
        + (e.group().isEmpty() ? "" : e.group() + "/")
        + resource(e)
        + (e.name().isEmpty() ? "" : " " + e.name())
        + (e.namespace().isEmpty() ? "" : " in " + e.namespace());
  }

  static MigrationResult migrate(TestWorkflowEnvironment env, SandboxHarness h, String failAt) {
    var s = h.sandbox.settings();
    ClusterRef cluster = new ClusterRef(s.project(), s.location(), s.cluster());
    MigrationRequest request =
        new MigrationRequest(
            cluster,
            h.connection,
            null,
            "regular",
            List.of(),
            List.of(),
            4,
            true,
            false,
            true,
            null,
            failAt,
            new Timeouts(
                Duration.ofMinutes(2),
                Duration.ofMinutes(2),
                Duration.ofMinutes(3),
                Duration.ofMinutes(2)),
            null);
    MigrationWorkflow workflow =
        env.getWorkflowClient()
            .newWorkflowStub(
                MigrationWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
                    .setWorkflowId(cluster.workflowId())
                    .setWorkflowExecutionTimeout(Duration.ofMinutes(20))
                    .build());
    return workflow.migrate(request);
  }

  /** The repository root: the directory above the module holding the reactor's pom.xml. */
  static final class RepositoryRoot {
    static Path find() {
      Path dir = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
      for (Path d = dir.toAbsolutePath().normalize(); d != null; d = d.getParent()) {
        if (Files.isDirectory(d.resolve("deploy")) && Files.isRegularFile(d.resolve("pom.xml"))) {
          return d;
        }
      }
      throw new IllegalStateException("no deploy/ directory above " + dir);
    }
  }
}
