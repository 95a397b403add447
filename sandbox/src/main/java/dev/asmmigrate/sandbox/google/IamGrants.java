package dev.asmmigrate.sandbox.google;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The IAM permissions the caller of the fake Google APIs holds, per project: every permission on
 * every project unless one is taken away ({@link #deny}). The fake has one caller (its plaintext
 * endpoint receives no credentials), so this is that caller's policy. Every call is checked against
 * it: a call needing a denied permission answers PERMISSION_DENIED naming it, as Google does; and
 * {@code Projects.TestIamPermissions} answers with the requested permissions not denied.
 * Thread-safe; read on every call.
 */
public final class IamGrants {
  /** A denial on this "project" applies to every project. */
  public static final String ANY_PROJECT = "*";

  private final Map<String, Set<String>> denied = new ConcurrentHashMap<>();

  /** Takes {@code permissions} away on {@code project} ({@link #ANY_PROJECT}: on every one). */
  public void deny(String project, String... permissions) {
    denied
        .computeIfAbsent(project, p -> ConcurrentHashMap.newKeySet())
        .addAll(List.of(permissions));
  }

  /** Grants everything again, everywhere. */
  public void grantAll() {
    denied.clear();
  }

  /** Whether the caller holds {@code permission} on {@code project}. */
  public boolean granted(String project, String permission) {
    return !denied.getOrDefault(project, Set.of()).contains(permission)
        && !denied.getOrDefault(ANY_PROJECT, Set.of()).contains(permission);
  }

  /** Those of {@code permissions} the caller holds on {@code project}, in their order. */
  public List<String> grantedOf(String project, Collection<String> permissions) {
    return permissions.stream().filter(p -> granted(project, p)).distinct().toList();
  }

  /** Every denial, by project (for the sandbox's faults endpoint). */
  public Map<String, Set<String>> denials() {
    Map<String, Set<String>> out = new java.util.TreeMap<>();
    denied.forEach((k, v) -> out.put(k, new TreeSet<>(v)));
    return out;
  }
}
