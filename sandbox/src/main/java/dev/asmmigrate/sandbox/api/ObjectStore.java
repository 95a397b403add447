package dev.asmmigrate.sandbox.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * The sandbox's etcd and the generic part of its API server: objects as JSON trees, resource
 * versions, generations, admission, graceful and cascading deletion, and an ordered event stream
 * that watches are served from.
 *
 * <p>All reads and writes return deep copies; callers never share a tree with the store. A stored
 * tree is never changed in place: a write stores a new tree, so watch events can share them.
 */
public final class ObjectStore {
  private static final int HISTORY = 50_000;

  private final ResourceRegistry registry;
  private final Clock clock;
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<String, TreeMap<String, ObjectNode>> collections = new ConcurrentHashMap<>();

  /** The garbage collector's graph of owners (under the lock). */
  private final OwnerIndex owners = new OwnerIndex();

  private final Deque<WatchEvent> history = new ArrayDeque<>();
  private final List<Consumer<WatchEvent>> listeners = new CopyOnWriteArrayList<>();
  private final List<AdmissionPlugin> admission = new CopyOnWriteArrayList<>();
  private long resourceVersion = 1;

  public ObjectStore(ResourceRegistry registry, Clock clock) {
    this.registry = registry;
    this.clock = clock;
  }

  public ResourceRegistry registry() {
    return registry;
  }

  public Clock clock() {
    return clock;
  }

  public void addAdmissionPlugin(AdmissionPlugin plugin) {
    admission.add(plugin);
  }

  /** The store's current resource version, as a list would report it. */
  public long resourceVersion() {
    lock.lock();
    try {
      return resourceVersion;
    } finally {
      lock.unlock();
    }
  }

  public Optional<ObjectNode> get(ResourceType type, String namespace, String name) {
    lock.lock();
    try {
      ObjectNode o = collection(type).get(key(type, namespace, name));
      return Optional.ofNullable(o).map(ObjectNode::deepCopy);
    } finally {
      lock.unlock();
    }
  }

  public ObjectNode require(ResourceType type, String namespace, String name) {
    return get(type, namespace, name).orElseThrow(() -> ApiException.notFound(type, name));
  }

  /** Objects of a type, in one namespace or (namespace null) all, sorted by namespace and name. */
  public List<ObjectNode> list(ResourceType type, String namespace, Predicate<JsonNode> filter) {
    lock.lock();
    try {
      List<ObjectNode> out = new ArrayList<>();
      for (ObjectNode o : in(type, namespace)) {
        if ((namespace == null || namespace.equals(namespaceOf(o))) && filter.test(o)) {
          out.add(o.deepCopy());
        }
      }
      return out;
    } finally {
      lock.unlock();
    }
  }

  public List<ObjectNode> list(ResourceType type, String namespace) {
    return list(type, namespace, o -> true);
  }

  public ObjectNode create(
      ResourceType requested, String namespace, ObjectNode input, boolean dryRun) {
    ResourceType type = registry.storageType(requested);
    lock.lock();
    try {
      ObjectNode obj = input.deepCopy();
      ObjectNode meta = Json.with(obj, "metadata");
      obj.put("apiVersion", type.apiVersion());
      obj.put("kind", type.kind());
      String name = meta.path("name").asText("");
      if (name.isEmpty() && meta.hasNonNull("generateName")) {
        name = meta.get("generateName").asText() + randomSuffix();
        meta.put("name", name);
      }
      if (name.isEmpty()) {
        throw ApiException.invalid(
            type, "", "metadata.name: Required value: name or generateName is required");
      }
      type.validateName(name);
      if (type.namespaced()) {
        if (namespace == null || namespace.isEmpty()) {
          namespace = meta.path("namespace").asText("default");
        }
        String bodyNs = meta.path("namespace").asText(namespace);
        if (!bodyNs.equals(namespace)) {
          throw ApiException.badRequest(
              "the namespace of the provided object does not match the namespace sent on the request");
        }
        meta.put("namespace", namespace);
        ObjectNode ns =
            collection(ResourceRegistry.NAMESPACES)
                .get(key(ResourceRegistry.NAMESPACES, null, namespace));
        if (ns == null) {
          throw new ApiException(404, "NotFound", "namespaces \"" + namespace + "\" not found");
        }
        if (ns.path("metadata").has("deletionTimestamp")) {
          throw ApiException.forbidden(
              type.groupResource()
                  + " \""
                  + name
                  + "\" is forbidden: unable to create new content in namespace "
                  + namespace
                  + " because it is being terminated");
        }
      } else {
        meta.remove("namespace");
        namespace = null;
      }
      String key = key(type, namespace, name);
      if (collection(type).containsKey(key)) {
        throw ApiException.alreadyExists(type, name);
      }
      meta.remove("resourceVersion");
      meta.remove("deletionTimestamp");
      // the uid exists before admission, as in the real registry (the Job selector uses it)
      meta.put("uid", uuid());
      StoredForm.apply(type, obj); // as the request decodes into the Go type
      admit(
          new AdmissionRequest(
              AdmissionRequest.Operation.CREATE, type, namespace, obj, null, dryRun, this));
      StoredForm.apply(type, obj); // as the object is stored and read back
      meta.put("uid", uuid(meta));
      meta.put("creationTimestamp", Json.timestamp(now()));
      meta.put("generation", 1);
      if (dryRun) {
        meta.put("resourceVersion", Long.toString(resourceVersion));
        return obj;
      }
      long rv = ++resourceVersion;
      meta.put("resourceVersion", Long.toString(rv));
      collection(type).put(key, obj);
      owners.add(registry.storageType(type), key, obj);
      if (type.equals(ResourceRegistry.CRDS)) {
        registry.registerCrd(obj);
      }
      emit("ADDED", type, obj, null, rv);
      if (ownersGone(obj)) {
        // the garbage collector deletes a dependent none of whose owners exists, e.g. a pod that
        // a controller created from a cache that had not yet seen its ReplicaSet's deletion
        delete(type, namespace, name, null, "Background", false);
      }
      return obj.deepCopy();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Replaces an object (PUT). For resources with a status subresource, the main resource ignores
   * status changes and {@code subresource = "status"} takes only them. A resourceVersion in the
   * body must match the stored one.
   */
  public ObjectNode update(
      ResourceType requested,
      String namespace,
      String name,
      ObjectNode input,
      String subresource,
      boolean dryRun) {
    ResourceType type = registry.storageType(requested);
    lock.lock();
    try {
      ObjectNode current = stored(type, namespace, name);
      String bodyRv = input.path("metadata").path("resourceVersion").asText("");
      String currentRv = current.path("metadata").path("resourceVersion").asText();
      if (!bodyRv.isEmpty() && !bodyRv.equals(currentRv)) {
        throw ApiException.conflict(
            type,
            name,
            "the object has been modified; please apply your changes to the latest version and try again");
      }
      String bodyName = input.path("metadata").path("name").asText(name);
      if (!bodyName.equals(name)) {
        throw ApiException.badRequest(
            "the name of the object ("
                + bodyName
                + ") does not match the name on the URL ("
                + name
                + ")");
      }
      ObjectNode next;
      if ("binding".equals(subresource)) {
        next = input.deepCopy(); // the binding verb's change: spec.nodeName and one condition
      } else if ("status".equals(subresource)) {
        next = current.deepCopy();
        if (input.has("status")) {
          next.set("status", input.get("status").deepCopy());
        } else {
          next.remove("status");
        }
      } else {
        next = input.deepCopy();
        next.put("apiVersion", type.apiVersion());
        next.put("kind", type.kind());
        if (type.statusSubresource()) {
          if (current.has("status")) {
            next.set("status", current.get("status").deepCopy());
          } else {
            next.remove("status");
          }
        }
      }
      return replace(type, namespace, name, current, next, subresource == null, dryRun);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Moves an object to a new resourceVersion without changing it, as another writer's change would:
   * an update or patch that carries the old resourceVersion now conflicts. Emits MODIFIED.
   *
   * @return whether the object exists
   */
  public boolean touch(ResourceType requested, String namespace, String name) {
    ResourceType type = registry.storageType(requested);
    lock.lock();
    try {
      ObjectNode current = collection(type).get(key(type, namespace, name));
      if (current == null) {
        return false;
      }
      store(type, namespace, name, current, current.deepCopy(), true);
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Read-modify-write under the store's lock, as PATCH does. */
  public ObjectNode mutate(
      ResourceType requested,
      String namespace,
      String name,
      UnaryOperator<ObjectNode> change,
      String subresource,
      boolean dryRun) {
    ResourceType type = registry.storageType(requested);
    lock.lock();
    try {
      ObjectNode current = stored(type, namespace, name);
      ObjectNode changed = change.apply(current.deepCopy());
      if (!changed.path("metadata").path("name").asText(name).equals(name)) {
        throw ApiException.badRequest("metadata.name cannot be changed by a patch");
      }
      return update(type, namespace, name, changed, subresource, dryRun);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Deletes an object. Objects with finalizers, and pods given a grace period, are only marked
   * (deletionTimestamp); dependents (ownerReferences) are deleted or orphaned per {@code
   * propagation}; deleting a namespace deletes its contents.
   *
   * @param gracePeriodSeconds null for the object's default
   * @return the object as deleted (or as marked)
   */
  public ObjectNode delete(
      ResourceType requested,
      String namespace,
      String name,
      Long gracePeriodSeconds,
      String propagation,
      boolean dryRun) {
    ResourceType type = registry.storageType(requested);
    return locked(
        () -> {
          ObjectNode current = stored(type, namespace, name);
          if (dryRun) {
            return current.deepCopy();
          }
          ObjectNode meta = (ObjectNode) current.get("metadata");
          boolean hasFinalizers = meta.path("finalizers").size() > 0;
          long grace =
              gracePeriodSeconds != null ? gracePeriodSeconds : defaultGrace(type, current);
          boolean graceful =
              type == ResourceRegistry.PODS
                  && grace > 0
                  && current.path("spec").hasNonNull("nodeName");
          if (hasFinalizers || graceful) {
            if (meta.has("deletionTimestamp")) {
              return current.deepCopy();
            }
            ObjectNode next = current.deepCopy();
            ObjectNode nextMeta = (ObjectNode) next.get("metadata");
            nextMeta.put(
                "deletionTimestamp", Json.timestamp(now().plusSeconds(graceful ? grace : 0)));
            nextMeta.put("deletionGracePeriodSeconds", graceful ? grace : 0);
            ObjectNode stored = store(type, namespace, name, current, next, false);
            cascade(type, current, propagation);
            return stored;
          }
          return remove(type, namespace, name, current, propagation);
        });
  }

  /**
   * Registers a listener for every event, called in order under the store's lock: keep it quick.
   */
  public Runnable subscribe(Consumer<WatchEvent> listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /**
   * Subscribes a listener and returns the events after {@code sinceResourceVersion} it would have
   * missed, atomically, for resuming watches.
   *
   * @throws ApiException 410 Expired when the history no longer reaches back that far
   */
  public Resumed resume(long sinceResourceVersion, Consumer<WatchEvent> listener) {
    lock.lock();
    try {
      WatchEvent oldest = history.peekFirst();
      if (oldest != null
          && oldest.resourceVersion() > sinceResourceVersion + 1
          && history.size() >= HISTORY) {
        throw new ApiException(
            410,
            "Expired",
            "too old resource version: " + sinceResourceVersion + " (" + resourceVersion + ")");
      }
      List<WatchEvent> missed = new ArrayList<>();
      for (WatchEvent e : history) {
        if (e.resourceVersion() > sinceResourceVersion) {
          missed.add(e);
        }
      }
      return new Resumed(missed, subscribe(listener));
    } finally {
      lock.unlock();
    }
  }

  /** Events a resumed watch missed, and how to stop its subscription. */
  public record Resumed(List<WatchEvent> missed, Runnable unsubscribe) {}

  /** A consistent snapshot of a collection plus a subscription starting right after it. */
  public Snapshot snapshotAndSubscribe(
      ResourceType requested,
      String namespace,
      Predicate<JsonNode> filter,
      Consumer<WatchEvent> listener) {
    lock.lock();
    try {
      List<ObjectNode> items = list(requested, namespace, filter);
      Runnable unsubscribe = listener == null ? () -> {} : subscribe(listener);
      return new Snapshot(items, resourceVersion, unsubscribe);
    } finally {
      lock.unlock();
    }
  }

  /** Items of a list, the resource version they were read at, and how to stop the subscription. */
  public record Snapshot(List<ObjectNode> items, long resourceVersion, Runnable unsubscribe) {}

  // ---------------------------------------------------------------------------------------------

  private ObjectNode replace(
      ResourceType type,
      String namespace,
      String name,
      ObjectNode current,
      ObjectNode next,
      boolean mainResource,
      boolean dryRun) {
    ObjectNode meta = Json.with(next, "metadata");
    JsonNode curMeta = current.get("metadata");
    meta.put("name", name);
    if (namespace != null) {
      meta.put("namespace", namespace);
    } else {
      meta.remove("namespace");
    }
    for (String immutable :
        List.of("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds")) {
      if (curMeta.has(immutable)) {
        meta.set(immutable, curMeta.get(immutable));
      } else {
        meta.remove(immutable);
      }
    }
    meta.set("generation", curMeta.get("generation"));
    meta.put("resourceVersion", curMeta.path("resourceVersion").asText());
    StoredForm.apply(type, next);
    if (mainResource) {
      admit(
          new AdmissionRequest(
              AdmissionRequest.Operation.UPDATE,
              type,
              namespace,
              next,
              current, // a stored tree, never changed; admission only reads the old object
              dryRun,
              this));
      StoredForm.apply(type, next);
    }
    if (!equalButMetaAndStatus(current, next)) {
      meta.put("generation", curMeta.path("generation").asLong(1) + 1);
    }
    if (next.equals(current)) {
      return current.deepCopy(); // no-op: no new resource version, no event
    }
    if (dryRun) {
      return next;
    }
    // as the real registry: an update removes a marked object only once nothing holds it (no
    // finalizers) and its grace period is over (a terminating pod's kubelet still reports status)
    if (meta.has("deletionTimestamp")
        && meta.path("finalizers").size() == 0
        && meta.path("deletionGracePeriodSeconds").asLong(0) == 0) {
      return remove(type, namespace, name, current, "Background");
    }
    return store(type, namespace, name, current, next, true);
  }

  private ObjectNode store(
      ResourceType type,
      String namespace,
      String name,
      ObjectNode current,
      ObjectNode next,
      boolean unused) {
    long rv = ++resourceVersion;
    ((ObjectNode) next.get("metadata")).put("resourceVersion", Long.toString(rv));
    collection(type).put(key(type, namespace, name), next);
    owners.add(registry.storageType(type), key(type, namespace, name), next);
    if (type.equals(ResourceRegistry.CRDS)) {
      registry.registerCrd(next);
    }
    emit("MODIFIED", type, next, current, rv);
    return next.deepCopy();
  }

  private ObjectNode remove(
      ResourceType type, String namespace, String name, ObjectNode current, String propagation) {
    if (type.equals(ResourceRegistry.NAMESPACES)) {
      for (ResourceType t : registry.all()) {
        if (t.namespaced() && registry.storageType(t).equals(t)) {
          for (ObjectNode o : List.copyOf(in(t, name))) {
            remove(t, name, o.path("metadata").path("name").asText(), o, "Background");
          }
        }
      }
    }
    if (collection(type).remove(key(type, namespace, name)) == null) {
      return current.deepCopy();
    }
    owners.remove(registry.storageType(type), key(type, namespace, name), current);
    long rv = ++resourceVersion;
    ObjectNode gone = current.deepCopy();
    ((ObjectNode) gone.get("metadata")).put("resourceVersion", Long.toString(rv));
    if (type.equals(ResourceRegistry.CRDS)) {
      registry.unregisterCrd(current);
      String group = current.path("spec").path("group").asText();
      String plural = current.path("spec").path("names").path("plural").asText();
      collections.remove(plural + "." + group);
    }
    emit("DELETED", type, gone, current, rv);
    cascade(type, current, propagation);
    return gone.deepCopy();
  }

  /** The garbage collector: dependents of a deleted owner are deleted, or orphaned. */
  private void cascade(ResourceType ownerType, ObjectNode owner, String propagation) {
    String uid = owner.path("metadata").path("uid").asText();
    String ownerNs = namespaceOf(owner);
    // the dependents first (usually none), then act on them: acting changes the collections
    List<ResourceType> order =
        registry.all().stream().filter(t -> registry.storageType(t).equals(t)).toList();
    for (Map.Entry<ResourceType, List<ObjectNode>> e :
        owners.take(uid, ownerNs, (t, key) -> collection(t).get(key), order).entrySet()) {
      ResourceType t = e.getKey();
      for (ObjectNode listed : e.getValue()) {
        String ns = namespaceOf(listed);
        String n = listed.path("metadata").path("name").asText();
        // as stored now: acting on an earlier dependent may have deleted or changed this one
        ObjectNode o = collection(t).get(key(t, ns, n));
        if (o == null || !OwnerIndex.namesOwner(o, uid)) {
          continue;
        }
        if ("Orphan".equals(propagation)) {
          ObjectNode next = o.deepCopy();
          ArrayNode refs = ((ObjectNode) next.get("metadata")).putArray("ownerReferences");
          o.path("metadata")
              .path("ownerReferences")
              .forEach(
                  r -> {
                    if (!uid.equals(r.path("uid").asText())) refs.add(r);
                  });
          if (refs.isEmpty()) ((ObjectNode) next.get("metadata")).remove("ownerReferences");
          store(t, ns, n, o, next, false);
        } else if (!o.path("metadata").has("deletionTimestamp")) {
          delete(t, ns, n, null, "Background", false);
        }
      }
    }
  }

  /** Whether {@code obj} has owner references and none of them names an existing owner. */
  private boolean ownersGone(ObjectNode obj) {
    JsonNode refs = obj.path("metadata").path("ownerReferences");
    if (refs.size() == 0) {
      return false;
    }
    for (JsonNode ref : refs) {
      Optional<ResourceType> ownerType =
          registry.forKind(ref.path("apiVersion").asText(), ref.path("kind").asText());
      if (ownerType.isEmpty()) {
        return false; // a kind this cluster does not serve: not judged
      }
      ResourceType t = registry.storageType(ownerType.get());
      ObjectNode owner =
          collection(t)
              .get(key(t, t.namespaced() ? namespaceOf(obj) : null, ref.path("name").asText()));
      if (owner != null
          && owner.path("metadata").path("uid").asText().equals(ref.path("uid").asText())) {
        return false;
      }
    }
    return true;
  }

  private void admit(AdmissionRequest request) {
    for (AdmissionPlugin plugin : admission) {
      plugin.admit(request);
    }
  }

  /**
   * Records and hands out a change. The event holds the stored trees themselves, not copies: a
   * stored tree is never changed once stored (every write stores a new tree, and reads hand out
   * copies), and events are only read (a watch renders a copy of the object it sends).
   */
  private void emit(
      String eventType, ResourceType type, ObjectNode object, ObjectNode old, long rv) {
    WatchEvent event = new WatchEvent(eventType, type, object, old, rv);
    history.addLast(event);
    while (history.size() > HISTORY) {
      history.removeFirst();
    }
    for (Consumer<WatchEvent> l : listeners) {
      l.accept(event);
    }
  }

  private long defaultGrace(ResourceType type, ObjectNode obj) {
    if (type == ResourceRegistry.PODS) {
      return obj.path("spec").path("terminationGracePeriodSeconds").asLong(30);
    }
    return 0;
  }

  /** Whether two objects are equal but for metadata and status (no copies: updates call it). */
  private static boolean equalButMetaAndStatus(ObjectNode a, ObjectNode b) {
    return sameFieldsBut(a, b) && sameFieldsBut(b, a);
  }

  /** Whether every field of {@code a} but metadata and status is in {@code b}, equal. */
  private static boolean sameFieldsBut(ObjectNode a, ObjectNode b) {
    for (var it = a.fields(); it.hasNext(); ) {
      var e = it.next();
      String field = e.getKey();
      if (!field.equals("metadata")
          && !field.equals("status")
          && !e.getValue().equals(b.get(field))) {
        return false;
      }
    }
    return true;
  }

  static String namespaceOf(JsonNode o) {
    JsonNode ns = o.path("metadata").get("namespace");
    return ns == null || ns.isNull() ? null : ns.asText();
  }

  /** Runs {@code action} under the store's lock. */
  private <T> T locked(java.util.function.Supplier<T> action) {
    lock.lock();
    try {
      return action.get();
    } finally {
      lock.unlock();
    }
  }

  /** The stored tree itself (never handed out), under the lock; 404 when there is none. */
  private ObjectNode stored(ResourceType type, String namespace, String name) {
    ObjectNode current = collection(type).get(key(type, namespace, name));
    if (current == null) {
      throw ApiException.notFound(type, name);
    }
    return current;
  }

  /** The objects of a type in a namespace (all of them for null or a cluster-scoped type). */
  private java.util.Collection<ObjectNode> in(ResourceType type, String namespace) {
    TreeMap<String, ObjectNode> all = collection(type);
    // keys are namespace/name: one namespace's objects are one range of the sorted map
    return namespace == null || !registry.storageType(type).namespaced()
        ? all.values()
        : all.subMap(namespace + "/", namespace + "0").values();
  }

  private TreeMap<String, ObjectNode> collection(ResourceType type) {
    ResourceType storage = registry.storageType(type);
    return collections.computeIfAbsent(storage.groupResource(), k -> new TreeMap<>());
  }

  private static String key(ResourceType type, String namespace, String name) {
    return type.namespaced() ? namespace + "/" + name : name;
  }

  private Instant now() {
    return clock.instant();
  }

  /** The uid admission saw (plugins must not change it). */
  private static String uuid(ObjectNode meta) {
    String uid = meta.path("uid").asText("");
    return uid.isEmpty() ? uuid() : uid;
  }

  private static String uuid() {
    return UUID.randomUUID().toString();
  }

  private static final String ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
  private final java.util.Random random = new java.util.Random();

  private String randomSuffix() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return sb.toString();
  }
}
