package dev.asmmigrate.sandbox.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.Faults;
import dev.asmmigrate.sandbox.api.ApiException;
import dev.asmmigrate.sandbox.api.Json;

/**
 * Access review as the sandbox's {@code --deny} faults decide it: SelfSubjectAccessReviews, and the
 * 403 of a denied request.
 */
final class AccessReview {
  private final Faults faults;

  AccessReview(Faults faults) {
    this.faults = faults;
  }

  ObjectNode review(JsonNode review) {
    JsonNode attrs = review.path("spec").path("resourceAttributes");
    String verb = attrs.path("verb").asText();
    String group = attrs.path("group").asText("");
    String resource = attrs.path("resource").asText();
    if (!attrs.path("subresource").asText("").isEmpty()) {
      resource = resource + "/" + attrs.path("subresource").asText();
    }
    boolean allowed = !faults.isDenied(verb, group, resource);
    ObjectNode out = review.isObject() ? ((ObjectNode) review).deepCopy() : Json.object();
    out.put("apiVersion", "authorization.k8s.io/v1");
    out.put("kind", "SelfSubjectAccessReview");
    Json.with(out, "metadata").put("creationTimestamp", (String) null);
    ObjectNode status = out.putObject("status");
    status.put("allowed", allowed);
    if (!allowed) {
      status.put(
          "reason", "the sandbox denies " + verb + " " + group + "/" + resource + " to this user");
    }
    return out;
  }

  void checkDenied(String verb, Target t) {
    String resource = t.type().plural() + (t.subresource() == null ? "" : "/" + t.subresource());
    if (faults.isDenied(verb, t.type().group(), resource)) {
      String where =
          t.namespace() == null
              ? "at the cluster scope"
              : "in the namespace \"" + t.namespace() + "\"";
      throw ApiException.forbidden(
          t.type().groupResource()
              + (t.name() == null ? "" : " \"" + t.name() + "\"")
              + " is forbidden: User \"sandbox-admin\" cannot "
              + verb
              + " resource \""
              + resource
              + "\" in API group \""
              + t.type().group()
              + "\" "
              + where);
    }
  }
}
