package dev.asmmigrate.activities.plan;

import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.google.GoogleCall;
import dev.asmmigrate.sandbox.http.RequestLog;
import io.grpc.Status;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * What an activity changed in a sandbox, in the form {@code plan} lists changes, so that a test can
 * assert that a step made exactly its planned changes: each mutating Kubernetes request of the
 * activities (user agent asm-migrate, not the sandbox's controllers) as {@code verb resource
 * namespace/name} — a create names no object in the request log (a POST to the collection), so
 * creates are {@code create resource namespace/} on both sides — and each mutating Google call as
 * {@code call Method resource}. Left out: the backups in asm-migrate-system (and that namespace),
 * server-side dry runs and SelfSubjectAccessReviews.
 */
public final class MadeChanges {
  private static final Set<String> MUTATING = Set.of("create", "update", "patch", "delete");

  private MadeChanges() {}

  /** The last request's number: what is made is observed after it. */
  public static long mark(Sandbox sandbox) {
    List<RequestLog.Entry> all = sandbox.apiServer().requestLog().entries();
    sandbox.googleApis().clearCalls();
    return all.isEmpty() ? 0 : all.get(all.size() - 1).seq();
  }

  /** The changes the activities made since {@code mark}. */
  public static Set<String> since(Sandbox sandbox, long mark) {
    Set<String> made = new TreeSet<>();
    for (RequestLog.Entry e : sandbox.apiServer().requestLog().entries()) {
      if (e.seq() <= mark
          || !e.userAgent().startsWith("asm-migrate")
          || e.userAgent().startsWith("asm-migrate-sandbox")
          || !MUTATING.contains(e.verb())
          || e.dryRun()
          || e.resource().equals("selfsubjectaccessreviews")
          || e.namespace().equals("asm-migrate-system")
          // the one namespace a step creates: the backups' asm-migrate-system, at its first backup
          || (e.verb().equals("create") && e.resource().equals("namespaces"))
          || (e.verb().equals("create") && e.code() / 100 != 2)) {
        continue;
      }
      made.add(key(e.verb(), e.resource(), e.namespace(), e.name()));
    }
    for (GoogleCall call : sandbox.googleApis().calls()) {
      String m = call.shortMethod();
      if (call.code() == Status.Code.OK
          && (m.startsWith("Create") || m.startsWith("Update") || m.startsWith("Delete"))) {
        made.add("call " + m + " " + call.resource());
      }
    }
    return made;
  }

  /** {@code planned} in the form of {@link #since}. */
  public static Set<String> of(List<PlannedChange> planned) {
    Set<String> out = new TreeSet<>();
    for (PlannedChange c : planned) {
      if (c.googleCall()) {
        out.add("call " + c.kind() + " " + c.name());
      } else {
        String resource = c.kind().toLowerCase(Locale.ROOT);
        resource =
            resource.endsWith("y")
                ? resource.substring(0, resource.length() - 1) + "ies"
                : resource + "s";
        out.add(key(c.verb(), resource, c.namespace(), c.verb().equals("create") ? "" : c.name()));
      }
    }
    return out;
  }

  /** Each change as {@link PlannedChange#describe}, in the plan's order. */
  public static List<String> described(List<PlannedChange> planned) {
    return planned.stream().map(PlannedChange::describe).toList();
  }

  private static String key(String verb, String resource, String namespace, String name) {
    return verb + " " + resource + " " + (namespace.isEmpty() ? "" : namespace + "/") + name;
  }
}
