package dev.asmmigrate.activities.plan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asmmigrate.activities.backup.ObjectKey;

/**
 * One change a step of the migration will make, as {@code plan} lists it: a Kubernetes request
 * ({@code verb} create, update, patch or delete on an object) or a Google API call ({@code verb}
 * call, {@code kind} the API method). Built by each activity from the same functions it applies the
 * change with, so that the plan cannot drift from what runs.
 *
 * @param step the step id ({@code Step.id()})
 * @param verb create, update, patch, delete (Kubernetes verbs), or call (a Google API method)
 * @param apiVersion of the object (for a Google call: the API, e.g. {@code
 *     gkehub.googleapis.com/v1})
 * @param kind of the object, or the Google method
 * @param namespace the object's namespace; empty for cluster-scoped objects and Google calls
 * @param name the object's name, or the Google resource name
 * @param patchType json, merge or strategic for a patch; null otherwise
 * @param body the patch, the object created, or the replacement written by an update; null when the
 *     change carries no body worth showing (a delete) or holds secret data (then {@code note} says
 *     what changes, by key and hash)
 * @param note what the change does, in words
 */
public record PlannedChange(
    String step,
    String verb,
    String apiVersion,
    String kind,
    String namespace,
    String name,
    String patchType,
    JsonNode body,
    String note) {

  public PlannedChange {
    namespace = namespace == null ? "" : namespace;
  }

  public static PlannedChange create(String step, ObjectKey key, JsonNode object, String note) {
    return of(step, "create", key, null, object, note);
  }

  public static PlannedChange update(String step, ObjectKey key, JsonNode object, String note) {
    return of(step, "update", key, null, object, note);
  }

  public static PlannedChange patch(
      String step, ObjectKey key, String patchType, JsonNode patch, String note) {
    return of(step, "patch", key, patchType, patch, note);
  }

  public static PlannedChange delete(String step, ObjectKey key, String note) {
    return of(step, "delete", key, null, null, note);
  }

  /** A Google API call: {@code method} on resource {@code name} of {@code api}. */
  public static PlannedChange call(
      String step, String api, String method, String name, JsonNode body, String note) {
    return new PlannedChange(step, "call", api, method, "", name, null, body, note);
  }

  private static PlannedChange of(
      String step, String verb, ObjectKey key, String patchType, JsonNode body, String note) {
    return new PlannedChange(
        step,
        verb,
        key.apiVersion(),
        key.kind(),
        key.namespace(),
        key.name(),
        patchType,
        body,
        note);
  }

  /** Whether this is a Google API call rather than a Kubernetes request. */
  public boolean googleCall() {
    return "call".equals(verb);
  }

  /** {@code verb Kind namespace/name}. */
  public String describe() {
    if (googleCall()) {
      return "call " + apiVersion + " " + kind + " " + name;
    }
    return verb + " " + kind + " " + (namespace.isEmpty() ? "" : namespace + "/") + name;
  }
}
