package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.backup.ClusterBackupStore;
import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.sandbox.api.ResourceType;
import dev.asmmigrate.sandbox.http.RequestLog;
import dev.asmmigrate.workflows.model.MigrationResult;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The whole add-on 1.4 migration while 10% of the product's API requests fail with 500, 409 or 429
 * as a real API server fails them (the sandbox's own controllers are spared): reads get 500 or 429
 * with Retry-After, conditional writes also 409 Conflict, and half of the 500s on writes come after
 * the write was applied. Retried by the client, re-read on conflict and retried by Temporal, it
 * must still end SUCCESS in the state the fault-free migration reaches, checked object by object
 * ({@link MigratedCluster}), with no change made twice.
 */
class MigrationUnderApiFaultsTest {
  static final String BOUTIQUE = "online-boutique";
  static final String RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";

  @Test
  void
      givenTenPercentOfRequestsFailing_whenMigrated_itShouldEndAsWithoutFaultsAndChangeNothingTwice()
          throws Exception {
    long started = System.nanoTime();
    long migrating = 0;
    long migrated = 0;
    try (DemoRun run = DemoRun.prepare("1.4", 0, Duration.ofMillis(100))) {
      Sandbox sandbox = run.sandbox();
      ObjectStore store = sandbox.store();
      MigratedCluster.Before before = MigratedCluster.capture(sandbox);
      Map<String, Integer> revisionsBefore = deploymentRevisions(store, BOUTIQUE);
      Map<String, Set<String>> duplicatesBefore = duplicateEntries(store);
      StringWriter progress = new StringWriter();

      sandbox.faults().apiErrorCodes.clear();
      sandbox.faults().apiErrorCodes.addAll(List.of(500, 409, 429));
      sandbox.faults().apiErrorAppliedFraction = 0.5;
      sandbox.faults().apiErrorRate.put("*", 0.10);
      MigrationResult result;
      migrating = System.nanoTime();
      try {
        result = run.migrate(null, 4, new PrintWriter(progress, true));
      } finally {
        sandbox.faults().apiErrorRate.clear();
        migrated = System.nanoTime();
      }

      // the faults were there: a tenth of the product's requests, of every kind
      List<RequestLog.Entry> product =
          sandbox.apiServer().requestLog().entries().stream()
              .filter(e -> !e.userAgent().startsWith(Sandbox.USER_AGENT_PREFIX))
              .toList();
      List<RequestLog.Entry> faulted =
          product.stream().filter(e -> e.fault() != RequestLog.Fault.NONE).toList();
      Map<String, Long> kinds =
          faulted.stream()
              .collect(
                  Collectors.groupingBy(
                      e -> e.code() + (e.fault() == RequestLog.Fault.APPLIED ? " applied" : ""),
                      TreeMap::new,
                      Collectors.counting()));
      System.out.printf(
          "MigrationUnderApiFaultsTest: %d requests, %d faulted: %s%n",
          product.size(), faulted.size(), kinds);
      assertThat(faulted.size())
          .as("faulted requests of %d: %s", product.size(), kinds)
          .isGreaterThan(Math.max(20, product.size() / 20));
      assertThat(faulted)
          .as("reads are never answered 409")
          .noneMatch(e -> e.code() == 409 && Set.of("get", "list", "watch").contains(e.verb()));
      assertThat(kinds.keySet()).as("%s", kinds).contains("500", "429");

      assertThat(sandbox.awaitSettled(Duration.ofMinutes(2))).isTrue();
      MigratedCluster.assertMigrated(sandbox, before, result);
      assertThat(progress.toString()).contains("step cleanup: done");

      // each Deployment rolled exactly once: one new ReplicaSet, one new revision, one restartedAt
      Map<String, Integer> replicaSetsAfter = MigratedCluster.replicaSets(store, BOUTIQUE);
      assertThat(replicaSetsAfter.keySet()).hasSize(12);
      replicaSetsAfter.forEach(
          (d, n) ->
              assertThat(n).as("ReplicaSets of %s", d).isEqualTo(before.replicaSets().get(d) + 1));
      deploymentRevisions(store, BOUTIQUE)
          .forEach(
              (d, rev) ->
                  assertThat(rev).as("revision of %s", d).isEqualTo(revisionsBefore.get(d) + 1));
      Map<String, String> restartedAt = new TreeMap<>();
      for (ObjectNode d : store.list(ResourceRegistry.DEPLOYMENTS, BOUTIQUE)) {
        restartedAt.put(
            MigratedCluster.name(d),
            d.path("spec")
                .path("template")
                .path("metadata")
                .path("annotations")
                .path(RESTARTED_AT)
                .asText(""));
      }
      assertThat(restartedAt).hasSize(12);
      assertThat(Set.copyOf(restartedAt.values()))
          .as("one restartedAt value for the namespace's restart: %s", restartedAt)
          .hasSize(1)
          .doesNotContain("");

      // every backup written once: as many creates took effect (a 201, or a create answered 500
      // after it was applied) as there are backups, one backup per object, and none of them was
      // updated, patched or deleted afterwards
      long backupCreates =
          product.stream()
              .filter(e -> e.namespace().equals(ClusterBackupStore.NAMESPACE))
              .filter(e -> e.verb().equals("create"))
              .filter(MigrationUnderApiFaultsTest::tookEffect)
              .count();
      List<String> backupObjects = backupsInCluster(store);
      assertThat(backupObjects).isNotEmpty();
      assertThat(backupCreates)
          .as("backup creates that took effect")
          .isEqualTo(backupObjects.size());
      assertThat(MigratedCluster.backups(store))
          .as("one backup per backed-up object")
          .hasSize(backupObjects.size());
      assertThat(
              product.stream()
                  .filter(e -> e.namespace().equals(ClusterBackupStore.NAMESPACE))
                  .filter(MigrationUnderApiFaultsTest::tookEffect)
                  .filter(e -> List.of("update", "patch", "delete").contains(e.verb()))
                  .map(e -> e.verb() + " " + e.resource() + "/" + e.name())
                  .toList())
          .as("backups changed after they were written")
          .isEmpty();

      // no object deleted twice, no pod evicted twice by the product: a delete or an eviction that
      // took effect is never repeated for the same object (a retry of one answered 500 after it
      // was applied must find it done, 404, not a second effect). Creates name their object in
      // the body, not the URL the log keeps: the backups' are counted above.
      Map<String, Long> effective =
          product.stream()
              .filter(e -> List.of("create", "delete").contains(e.verb()))
              .filter(e -> !e.name().isEmpty())
              .filter(MigrationUnderApiFaultsTest::tookEffect)
              .collect(
                  Collectors.groupingBy(
                      e ->
                          e.verb()
                              + " "
                              + e.resource()
                              + (e.subresource().isEmpty() ? "" : "/" + e.subresource())
                              + " "
                              + e.namespace()
                              + "/"
                              + e.name(),
                      TreeMap::new,
                      Collectors.counting()));
      assertThat(effective).as("deletes that took effect").isNotEmpty();
      assertThat(effective.entrySet().stream().filter(e -> e.getValue() > 1).toList())
          .as("objects deleted (pods evicted) more than once")
          .isEmpty();

      // no list entry (container, env var, arg, volume, webhook, rule, label selector term...)
      // appears twice where it did not before the migration
      Map<String, Set<String>> duplicatesAfter = duplicateEntries(store);
      duplicatesAfter.forEach(
          (object, entries) ->
              assertThat(entries)
                  .as("entries twice in %s", object)
                  .isSubsetOf(duplicatesBefore.getOrDefault(object, Set.of())));
    } finally {
      long now = System.nanoTime();
      System.out.printf(
          "MigrationUnderApiFaultsTest: %d s (migration %d s)%n",
          Duration.ofNanos(now - started).toSeconds(),
          migrating == 0
              ? 0
              : Duration.ofNanos((migrated == 0 ? now : migrated) - migrating).toSeconds());
    }
  }

  /** A request whose change happened: answered 2xx, or answered 500 after it was applied. */
  static boolean tookEffect(RequestLog.Entry e) {
    return (e.code() >= 200 && e.code() < 300 && !e.dryRun())
        || e.fault() == RequestLog.Fault.APPLIED;
  }

  private static List<String> backupsInCluster(ObjectStore store) {
    List<String> out = new java.util.ArrayList<>();
    for (ObjectNode s : store.list(ResourceRegistry.SECRETS, ClusterBackupStore.NAMESPACE)) {
      if (s.path("metadata").path("annotations").has(ClusterBackupStore.ANN_SHA256)) {
        out.add("secrets/" + MigratedCluster.name(s));
      }
    }
    for (ObjectNode c : store.list(ResourceRegistry.CONFIGMAPS, ClusterBackupStore.NAMESPACE)) {
      if (c.path("metadata").path("annotations").has(ClusterBackupStore.ANN_SHA256)) {
        out.add("configmaps/" + MigratedCluster.name(c));
      }
    }
    return out;
  }

  static Map<String, Integer> deploymentRevisions(ObjectStore store, String ns) {
    Map<String, Integer> out = new TreeMap<>();
    for (ObjectNode d : store.list(ResourceRegistry.DEPLOYMENTS, ns)) {
      out.put(
          ns + "/" + MigratedCluster.name(d),
          d.path("metadata")
              .path("annotations")
              .path("deployment.kubernetes.io/revision")
              .asInt(0));
    }
    return out;
  }

  /**
   * Per object ({@code kind namespace/name}), the list entries that appear twice in it: equal
   * elements of one list, or elements of one list with the same {@code name}; each as {@code path:
   * entry}. Events are left out (the sandbox's controllers write them).
   */
  static Map<String, Set<String>> duplicateEntries(ObjectStore store) {
    Map<String, Set<String>> out = new TreeMap<>();
    for (ResourceType type : store.registry().all()) {
      if (type.kind().equals("Event") || !store.registry().storageType(type).equals(type)) {
        continue;
      }
      for (ObjectNode o : store.list(type, null)) {
        Set<String> found = new TreeSet<>();
        duplicates("", o, found);
        if (!found.isEmpty()) {
          out.put(
              type.kind()
                  + " "
                  + o.path("metadata").path("namespace").asText("")
                  + "/"
                  + MigratedCluster.name(o),
              found);
        }
      }
    }
    return out;
  }

  private static void duplicates(String path, JsonNode node, Set<String> found) {
    if (node.isObject()) {
      node.properties().forEach(e -> duplicates(path + "." + e.getKey(), e.getValue(), found));
    } else if (node.isArray() && (path.endsWith(".args") || path.endsWith(".command"))) {
      return; // argv is positional: a value may rightly appear twice (istio-init's -i "*" -x "*")
    } else if (node.isArray()) {
      Set<JsonNode> seen = new java.util.HashSet<>();
      Set<String> names = new TreeSet<>();
      for (int i = 0; i < node.size(); i++) {
        JsonNode element = node.get(i);
        if (!seen.add(element)) {
          found.add(path + ": " + element);
        }
        String name = element.path("name").asText("");
        if (!name.isEmpty() && !names.add(name)) {
          found.add(path + ": name " + name);
        }
        duplicates(path + "[]", element, found);
      }
    }
  }
}
