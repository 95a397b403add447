package dev.asmmigrate.workflows.model.window;

import java.time.Instant;

/**
 * A time in which no window opens (a freeze), as GKE's maintenance exclusions have it: a window
 * occurrence that overlaps it is cut to what lies outside it.
 *
 * @param name what the exclusion is for, e.g. {@code year-end freeze}
 * @param start the first instant excluded
 * @param end the first instant no longer excluded
 */
public record Exclusion(String name, Instant start, Instant end) {}
