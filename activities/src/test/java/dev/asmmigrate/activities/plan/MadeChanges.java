package dev.asmmigrate.activities.plan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.kube.StepChanges;
import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.google.GoogleCall;
import dev.asmmigrate.sandbox.http.RequestLog;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * What an activity changed in a sandbox since {@link #watch}, compared with the changes its step
 * planned: each successful mutating Kubernetes request of the worker's client (user agent
 * asm-migrate, not the sandbox's controllers), in order, as {@code verb resource namespace/name} (a
 * create names no object: it is a POST to the collection), and each successful mutating Google API
 * call as {@code call Method resource}. Left out: the migration's backups in its own namespace
 * asm-migrate-system (and that namespace's creation), server-side dry runs and
 * SelfSubjectAccessReviews, which persist nothing.
 */
public final class MadeChanges {
  private static final Set<String> MUTATING = Set.of("create", "update", "patch", "delete");
  private static final String BACKUPS = "asm-migrate-system";

  private final Sandbox sandbox;
  private final long after;
  private final int googleCallsBefore;

  private MadeChanges(Sandbox sandbox) {
    this.sandbox = sandbox;
    List<RequestLog.Entry> all = sandbox.apiServer().requestLog().entries();
    this.after = all.isEmpty() ? 0 : all.get(all.size() - 1).seq();
    this.googleCallsBefore = sandbox.googleApis().calls().size();
  }

  /** Starts watching the changes made from now on. */
  public static MadeChanges watch(Sandbox sandbox) {
    return new MadeChanges(sandbox);
  }

  /** The changes made since {@link #watch}, in the form of {@link #described}. */
  public List<String> made() {
    List<String> out = new ArrayList<>();
    for (RequestLog.Entry e : sandbox.apiServer().requestLog().entries()) {
      if (e.seq() <= after
          || !e.userAgent().startsWith("asm-migrate")
          || e.userAgent().startsWith("asm-migrate-sandbox")
          || !MUTATING.contains(e.verb())
          || e.code() / 100 != 2
          || e.dryRun()
          || e.resource().equals("selfsubjectaccessreviews")
          || e.namespace().equals(BACKUPS)
          || (e.resource().equals("namespaces") && e.verb().equals("create"))) {
        continue;
      }
      out.add(key(e.verb(), e.resource(), e.namespace(), e.name()));
    }
    List<GoogleCall> calls = sandbox.googleApis().calls();
    for (GoogleCall call : calls.subList(googleCallsBefore, calls.size())) {
      String m = call.shortMethod();
      if (call.code() == Status.Code.OK
          && (m.startsWith("Create") || m.startsWith("Update") || m.startsWith("Delete"))) {
        out.add("call " + m + " " + call.resource());
      }
    }
    return out;
  }

  /** The planned changes as {@link #made} lists them: Kubernetes requests first, then calls. */
  public static List<String> described(List<PlannedChange> planned) {
    List<String> out = new ArrayList<>();
    for (PlannedChange c : planned) {
      if (!c.googleCall()) {
        out.add(
            key(
                c.verb(),
                plural(c.kind()),
                c.namespace(),
                c.verb().equals("create") ? "" : c.name()));
      }
    }
    for (PlannedChange c : planned) {
      if (c.googleCall()) {
        out.add("call " + c.kind() + " " + c.name());
      }
    }
    return out;
  }

  /**
   * The activity made exactly the {@code planned} changes, in order, and each object planned to be
   * created or written by an update is now in the cluster with the planned content (fields the API
   * server sets or defaults aside).
   */
  public void assertMadeExactly(List<PlannedChange> planned) {
    assertThat(made())
        .as("the changes the activity made, against the planned ones")
        .containsExactlyElementsOf(described(planned));
    for (PlannedChange c : planned) {
      if ((c.verb().equals("create") || c.verb().equals("update")) && c.body() != null) {
        ObjectNode want = c.body().deepCopy();
        if (want.get("metadata") instanceof ObjectNode meta) {
          meta.retain("name", "namespace", "labels", "annotations");
        }
        want.remove("status");
        pruneEmpty(want);
        Optional<ObjectNode> have = stored(c);
        assertThat(have).as("%s exists after the step", c.describe()).isPresent();
        assertThat(StepChanges.covers(have.get(), want))
            .as("%s in the cluster as planned: %s", c.describe(), have.get())
            .isTrue();
      }
    }
  }

  /** Leaves out empty lists and maps, which the API server stores as absent. */
  private static void pruneEmpty(JsonNode node) {
    if (node instanceof ObjectNode o) {
      o.fields().forEachRemaining(e -> pruneEmpty(e.getValue()));
      o.properties().removeIf(e -> e.getValue().isContainerNode() && e.getValue().isEmpty());
    } else if (node.isArray()) {
      node.forEach(MadeChanges::pruneEmpty);
    }
  }

  private Optional<ObjectNode> stored(PlannedChange c) {
    String apiVersion = c.apiVersion();
    int slash = apiVersion.indexOf('/');
    String group = slash < 0 ? "" : apiVersion.substring(0, slash);
    String version = apiVersion.substring(slash + 1);
    return sandbox
        .store()
        .registry()
        .find(group, version, plural(c.kind()))
        .flatMap(
            t -> sandbox.store().get(t, c.namespace().isEmpty() ? null : c.namespace(), c.name()));
  }

  private static String key(String verb, String resource, String namespace, String name) {
    return verb + " " + resource + " " + (namespace.isEmpty() ? "" : namespace + "/") + name;
  }

  /** The REST resource of a kind: lower case, plural. */
  static String plural(String kind) {
    String k = kind.toLowerCase(Locale.ROOT);
    return k.endsWith("y") ? k.substring(0, k.length() - 1) + "ies" : k + "s";
  }
}
