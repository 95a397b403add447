package dev.asmmigrate.sandbox.http;

import static dev.asmmigrate.sandbox.http.HttpIo.bodyOrEmpty;
import static dev.asmmigrate.sandbox.http.HttpIo.filter;
import static dev.asmmigrate.sandbox.http.HttpIo.includeObject;
import static dev.asmmigrate.sandbox.http.HttpIo.objectBody;
import static dev.asmmigrate.sandbox.http.HttpIo.readBody;
import static dev.asmmigrate.sandbox.http.HttpIo.send;
import static dev.asmmigrate.sandbox.http.HttpIo.statusSuccess;
import static dev.asmmigrate.sandbox.http.HttpIo.wantsTable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.asmmigrate.sandbox.api.ApiException;
import dev.asmmigrate.sandbox.api.Json;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.sandbox.api.ResourceType;
import dev.asmmigrate.sandbox.api.Selectors;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The verbs on resources: get, list, create (and the eviction and binding subresources), update,
 * delete and deletecollection here; patch and watch in {@link PatchVerb} and {@link WatchVerb}.
 */
record ResourceVerbs(
    ObjectStore store,
    TablePrinter tables,
    Conversions conversions,
    PatchVerb patches,
    WatchVerb watches,
    AccessReview accessReview) {
  int dispatch(HttpExchange ex, Target t, String verb, Map<String, String> query, boolean dryRun)
      throws IOException {
    ResourceType type = t.type();
    if (type.equals(ResourceRegistry.SELF_SUBJECT_ACCESS_REVIEWS)) {
      if (!verb.equals("create")) {
        throw new ApiException(
            405, "MethodNotAllowed", "only create is allowed on selfsubjectaccessreviews");
      }
      return send(ex, 201, accessReview.review(readBody(ex)));
    }
    String sub = t.subresource();
    if (sub != null && !Set.of("status", "scale", "eviction", "binding").contains(sub)) {
      throw new ApiException(404, "NotFound", "the server could not find the requested resource");
    }
    if (("status".equals(sub) && !type.statusSubresource())
        || ("scale".equals(sub) && !type.scaleSubresource())) {
      throw new ApiException(404, "NotFound", "the server could not find the requested resource");
    }
    String ns = t.namespace();
    switch (verb) {
      case "get" -> {
        ObjectNode o = store.require(type, ns, t.name());
        if ("scale".equals(sub)) {
          return send(ex, 200, conversions.scaleOf(type, o));
        }
        if (wantsTable(ex)) {
          return send(
              ex,
              200,
              tables.table(
                  type,
                  List.of(conversions.render(type, o)),
                  o.path("metadata").path("resourceVersion").asText(),
                  includeObject(query)));
        }
        return send(ex, 200, conversions.render(type, o));
      }
      case "list" -> {
        Predicate<JsonNode> filter = filter(query);
        ObjectStore.Snapshot snap = store.snapshotAndSubscribe(type, ns, filter, null);
        List<JsonNode> items = new ArrayList<>();
        snap.items().forEach(o -> items.add(conversions.render(type, o)));
        if (wantsTable(ex)) {
          return send(
              ex,
              200,
              tables.table(
                  type, items, Long.toString(snap.resourceVersion()), includeObject(query)));
        }
        ObjectNode list = Json.object();
        list.put("kind", type.kind() + "List");
        list.put("apiVersion", type.apiVersion());
        list.putObject("metadata").put("resourceVersion", Long.toString(snap.resourceVersion()));
        ArrayNode arr = list.putArray("items");
        items.forEach(arr::add);
        return send(ex, 200, list);
      }
      case "watch" -> {
        watches.watch(ex, type, ns, query);
        return 200;
      }
      case "create" -> {
        if ("eviction".equals(sub)) {
          return send(ex, 201, evict(ns, t.name(), dryRun));
        }
        if ("binding".equals(sub)) {
          JsonNode binding = readBody(ex);
          String node = binding.path("target").path("name").asText();
          store.mutate(type, ns, t.name(), o -> bind(type, t.name(), o, node), "binding", dryRun);
          return send(ex, 201, statusSuccess());
        }
        if (t.name() != null) {
          throw new ApiException(
              405,
              "MethodNotAllowed",
              "the server does not allow this method on the requested resource");
        }
        ObjectNode body = objectBody(ex);
        conversions.checkKind(type, body);
        return send(
            ex,
            201,
            conversions.render(
                type, store.create(type, ns, conversions.convertIn(type, body), dryRun)));
      }
      case "update" -> {
        ObjectNode body = objectBody(ex);
        if ("scale".equals(sub)) {
          return send(ex, 200, conversions.scaleTo(t, body, dryRun));
        }
        conversions.checkKind(type, body);
        return send(
            ex,
            200,
            conversions.render(
                type,
                store.update(type, ns, t.name(), conversions.convertIn(type, body), sub, dryRun)));
      }
      case "patch" -> {
        return patches.patch(ex, t, query, dryRun);
      }
      case "delete" -> {
        JsonNode opts = bodyOrEmpty(ex);
        Long grace =
            query.containsKey("gracePeriodSeconds")
                ? Long.valueOf(query.get("gracePeriodSeconds"))
                : opts.has("gracePeriodSeconds") ? opts.get("gracePeriodSeconds").asLong() : null;
        String propagation =
            query.getOrDefault(
                "propagationPolicy", opts.path("propagationPolicy").asText("Background"));
        boolean bodyDryRun =
            dryRun
                || (opts.path("dryRun").isArray()
                    && opts.path("dryRun").toString().contains("All"));
        return send(
            ex,
            200,
            conversions.render(
                type, store.delete(type, ns, t.name(), grace, propagation, bodyDryRun)));
      }
      case "deletecollection" -> {
        Predicate<JsonNode> filter = filter(query);
        ObjectNode list = Json.object();
        list.put("kind", type.kind() + "List");
        list.put("apiVersion", type.apiVersion());
        ArrayNode arr = list.putArray("items");
        for (ObjectNode o : store.list(type, ns, filter)) {
          try {
            arr.add(
                conversions.render(
                    type,
                    store.delete(
                        type,
                        o.path("metadata").path("namespace").asText(null),
                        o.path("metadata").path("name").asText(),
                        null,
                        "Background",
                        dryRun)));
          } catch (ApiException e) {
            if (e.code() != 404) throw e;
          }
        }
        list.putObject("metadata").put("resourceVersion", Long.toString(store.resourceVersion()));
        return send(ex, 200, list);
      }
      default ->
          throw new ApiException(
              405,
              "MethodNotAllowed",
              "the server does not allow this method on the requested resource");
    }
  }

  private ObjectNode evict(String ns, String podName, boolean dryRun) {
    ObjectNode pod = store.require(ResourceRegistry.PODS, ns, podName);
    Map<String, String> labels = Selectors.labels(pod);
    for (ObjectNode pdb : store.list(ResourceRegistry.PDBS, ns)) {
      if (!Selectors.matches(pdb.path("spec").path("selector"), labels)) {
        continue;
      }
      long allowed = pdb.path("status").path("disruptionsAllowed").asLong(0);
      if (allowed <= 0) {
        throw new ApiException(
            429,
            "TooManyRequests",
            "Cannot evict pod as it would violate the pod's disruption budget.");
      }
      if (!dryRun) {
        store.mutate(
            ResourceRegistry.PDBS,
            ns,
            pdb.path("metadata").path("name").asText(),
            p -> {
              ObjectNode status = Json.with(p, "status");
              status.put("disruptionsAllowed", allowed - 1);
              Json.with(status, "disruptedPods")
                  .put(podName, Json.timestamp(java.time.Instant.now()));
              return p;
            },
            "status",
            false);
      }
    }
    store.delete(ResourceRegistry.PODS, ns, podName, null, "Background", dryRun);
    return statusSuccess();
  }

  /**
   * The registry's binding of a pod to a node: refused (409) when the pod is being deleted or
   * already has a node; else spec.nodeName and the PodScheduled condition (True) in one write.
   */
  private static ObjectNode bind(ResourceType type, String name, ObjectNode pod, String node) {
    if (pod.path("metadata").has("deletionTimestamp")) {
      throw ApiException.conflict(
          type, name, "pod " + name + " is being deleted, cannot be assigned to a host");
    }
    String assigned = pod.path("spec").path("nodeName").asText("");
    if (!assigned.isEmpty()) {
      throw ApiException.conflict(
          type, name, "pod " + name + " is already assigned to node \"" + assigned + "\"");
    }
    Json.with(pod, "spec").put("nodeName", node);
    ObjectNode status = Json.with(pod, "status");
    ArrayNode conditions =
        status.path("conditions").isArray()
            ? (ArrayNode) status.get("conditions")
            : status.putArray("conditions");
    for (JsonNode c : conditions) {
      if ("PodScheduled".equals(c.path("type").asText())) {
        ObjectNode condition = (ObjectNode) c;
        if (!"True".equals(condition.path("status").asText())) {
          condition.put("status", "True");
          condition.put("lastTransitionTime", Json.timestamp(java.time.Instant.now()));
          condition.remove("reason");
          condition.remove("message");
        }
        return pod;
      }
    }
    ObjectNode condition = conditions.addObject();
    condition.put("type", "PodScheduled");
    condition.put("status", "True");
    condition.put("lastTransitionTime", Json.timestamp(java.time.Instant.now()));
    return pod;
  }
}
