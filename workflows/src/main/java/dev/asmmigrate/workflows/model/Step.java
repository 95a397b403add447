package dev.asmmigrate.workflows.model;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The steps of a migration (SPEC.md §2), in order. Their ids are used everywhere: logs, status,
 * reports and {@code --fail-at}.
 */
public enum Step {
  PREFLIGHT("preflight", false, true),
  FLEET_REGISTRATION("fleet-registration", true, true),
  CONTROL_PLANE("control-plane", true, true),
  CONFIG_CHECK("config-check", false, true),
  DISABLE_GALLEY_WEBHOOK("disable-galley-webhook", true, true),
  MIGRATE_CONFIGS("migrate-configs", true, true),
  CONFIGURE_MESH_CA("configure-mesh-ca", true, true),
  MIGRATE_WORKLOADS("migrate-workloads", true, true),
  REPLACE_GATEWAY("replace-gateway", true, true),
  REPLACE_WEBHOOK("replace-webhook", true, true),
  MIGRATE_REMAINING_WORKLOADS("migrate-remaining-workloads", true, true),
  WRITE_MARKER("write-marker", true, true),
  APPROVAL("approval", false, true),
  DISABLE_ADDON("disable-addon", true, false),
  CLEANUP("cleanup", true, false);

  private final String id;
  private final boolean mutating;
  private final boolean reversible;

  Step(String id, boolean mutating, boolean reversible) {
    this.id = id;
    this.mutating = mutating;
    this.reversible = reversible;
  }

  /** The stable id, e.g. {@code replace-gateway}. */
  public String id() {
    return id;
  }

  /** Whether the step changes the cluster or the fleet. */
  public boolean mutating() {
    return mutating;
  }

  /** Whether the step is before the point of no return, so a failure there rolls back. */
  public boolean reversible() {
    return reversible;
  }

  public static Optional<Step> fromId(String id) {
    return Arrays.stream(values()).filter(s -> s.id.equals(id)).findFirst();
  }

  /** The steps a failure can be injected at and rolled back from: mutating and reversible. */
  public static List<Step> rollbackable() {
    return Arrays.stream(values()).filter(s -> s.mutating && s.reversible).toList();
  }

  public static List<String> ids() {
    return Arrays.stream(values()).map(Step::id).toList();
  }
}
