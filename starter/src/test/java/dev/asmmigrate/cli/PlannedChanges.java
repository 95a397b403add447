package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.sandbox.google.GoogleCall;
import dev.asmmigrate.sandbox.http.RequestLog;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What keeps {@code plan} honest, checked on a real migration ({@link MigrationEndToEndTest}): on a
 * clean cluster {@code plan -o json} exits 0 ({@link #plan}); after the migration, every change it
 * made — each mutating Kubernetes request, each mutating Google API call — is one the plan listed
 * (verb, kind, namespace, name), and every listed change happened ({@link #assertMadeExactly}).
 * Left out on both sides: the migration's backups in its own namespace asm-migrate-system,
 * server-side dry runs and SelfSubjectAccessReviews (which persist nothing).
 */
final class PlannedChanges {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> MUTATING = Set.of("create", "update", "patch", "delete");

  private final Set<String> planned = new LinkedHashSet<>();
  private final Set<String> plannedGoogle = new LinkedHashSet<>();
  private final List<JsonNode> changes = new ArrayList<>();
  private final long requestsBefore;

  private PlannedChanges(JsonNode plan, long requestsBefore) {
    this.requestsBefore = requestsBefore;
    plan.path("steps").forEach(s -> s.path("changes").forEach(changes::add));
    plan.path("state").forEach(changes::add);
    for (JsonNode c : changes) {
      if (c.path("verb").asText().equals("call")) {
        plannedGoogle.add(c.path("kind").asText() + " " + c.path("name").asText());
      } else {
        planned.add(
            key(
                c.path("verb").asText(),
                plural(c.path("kind").asText()),
                c.path("namespace").asText(),
                c.path("name").asText()));
      }
    }
  }

  /**
   * Runs {@code plan -o json} against the sandbox, which must say the cluster can be migrated, and
   * starts watching the changes made from now on.
   */
  static PlannedChanges plan(Sandbox sandbox, Path kubeconfig) throws IOException {
    List<String> args = new ArrayList<>(List.of("plan", "-o", "json"));
    args.addAll(PlanCommandTest.clusterArgs(sandbox, kubeconfig));

    PlanCommandTest.Run r = PlanCommandTest.run(args);

    assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.OK);
    JsonNode plan = JSON.readTree(r.out());
    assertThat(plan.path("canMigrate").asBoolean()).isTrue();
    PlannedChanges changes = new PlannedChanges(plan, PlanCommandTest.lastSeq(sandbox));
    assertThat(changes.planned).hasSizeGreaterThan(100);
    assertThat(changes.plannedGoogle)
        .containsExactly(
            "CreateMembership projects/sandbox-project/locations/global/memberships/sandbox-cluster",
            "CreateFeature projects/sandbox-project/locations/global/features/servicemesh",
            "UpdateFeature projects/sandbox-project/locations/global/features/servicemesh",
            "UpdateCluster projects/sandbox-project/locations/us-central1-c/clusters/sandbox-cluster");
    sandbox.googleApis().clearCalls();
    return changes;
  }

  /** The migration that ran since {@link #plan} made exactly the planned changes. */
  void assertMadeExactly(Sandbox sandbox) {
    Set<String> made = new TreeSet<>();
    // the request log names no object on a create (a POST to the collection): creates are
    // compared by count per resource and namespace, and by the objects found afterwards
    Map<String, Integer> creates = new TreeMap<>();
    for (RequestLog.Entry e : PlanCommandTest.ours(sandbox, requestsBefore)) {
      if (!MUTATING.contains(e.verb())
          || e.dryRun()
          || e.resource().equals("selfsubjectaccessreviews")
          || e.namespace().equals("asm-migrate-system")
          || (e.resource().equals("namespaces") && e.name().equals("asm-migrate-system"))) {
        continue;
      }
      if (e.verb().equals("create") && e.name().isEmpty()) {
        if (e.code() / 100 == 2) {
          creates.merge(e.resource() + " " + e.namespace(), 1, Integer::sum);
        }
        continue;
      }
      made.add(key(e.verb(), e.resource(), e.namespace(), e.name()));
    }
    // the backup store's namespace is the one namespace the migration creates
    assertThat(creates.remove("namespaces ")).isIn(null, 1);
    assertThat(sandbox.store().get(ResourceRegistry.NAMESPACES, null, "asm-migrate-system"))
        .isPresent();
    Map<String, Integer> plannedCreates = new TreeMap<>();
    for (JsonNode c : changes) {
      if (c.path("verb").asText().equals("create")) {
        plannedCreates.merge(
            plural(c.path("kind").asText()) + " " + c.path("namespace").asText(), 1, Integer::sum);
        String ns = c.path("namespace").asText();
        assertThat(
                sandbox
                    .store()
                    .registry()
                    .find(
                        group(c.path("apiVersion").asText()),
                        version(c.path("apiVersion").asText()),
                        plural(c.path("kind").asText()))
                    .flatMap(
                        t ->
                            sandbox
                                .store()
                                .get(t, ns.isEmpty() ? null : ns, c.path("name").asText())))
            .as("planned %s exists after the migration", c.path("name").asText())
            .isPresent();
      }
    }
    assertThat(creates).isEqualTo(plannedCreates);
    Set<String> plannedOthers = new TreeSet<>(planned);
    plannedOthers.removeIf(k -> k.startsWith("create "));
    Set<String> madeGoogle = new TreeSet<>();
    for (GoogleCall call : sandbox.googleApis().calls()) {
      String m = call.shortMethod();
      if (call.code() == Status.Code.OK
          && (m.startsWith("Create") || m.startsWith("Update") || m.startsWith("Delete"))) {
        madeGoogle.add(m + " " + call.resource());
      }
    }
    Set<String> unplanned = new TreeSet<>(made);
    unplanned.removeAll(plannedOthers);
    Set<String> notMade = new TreeSet<>(plannedOthers);
    notMade.removeAll(made);
    assertThat(unplanned).as("changes the migration made that plan did not list").isEmpty();
    assertThat(notMade).as("changes plan listed that the migration did not make").isEmpty();
    assertThat(madeGoogle).containsExactlyInAnyOrderElementsOf(plannedGoogle);
  }

  static String group(String apiVersion) {
    int slash = apiVersion.indexOf('/');
    return slash < 0 ? "" : apiVersion.substring(0, slash);
  }

  static String version(String apiVersion) {
    return apiVersion.substring(apiVersion.indexOf('/') + 1);
  }

  static String key(String verb, String resource, String namespace, String name) {
    return verb + " " + resource + " " + (namespace.isEmpty() ? "" : namespace + "/") + name;
  }

  /** The REST resource of a kind: lower case, plural. */
  static String plural(String kind) {
    String k = kind.toLowerCase(Locale.ROOT);
    return k.endsWith("y") ? k.substring(0, k.length() - 1) + "ies" : k + "s";
  }
}
