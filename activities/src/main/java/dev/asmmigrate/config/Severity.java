package dev.asmmigrate.config;

/** How much a configuration finding matters to the migration. */
public enum Severity {
  /** The migration must not change the cluster until this is fixed (or rewritten automatically). */
  BLOCKING,
  /** Worth knowing; the migration proceeds. */
  INFORMATIONAL;

  /** True when a finding of this severity stops the migration. */
  public boolean blocks() {
    return this == BLOCKING;
  }
}
