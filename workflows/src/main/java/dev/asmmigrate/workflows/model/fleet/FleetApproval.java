package dev.asmmigrate.workflows.model.fleet;

/**
 * An approval an operator gave a fleet, for the report's "who approved what".
 *
 * @param what {@code "wave <name>"} for a wave's start, {@code "point of no return: ..."} for the
 *     clusters' disable-addon and cleanup
 * @param by who approved
 * @param atMillis when (epoch ms)
 */
public record FleetApproval(String what, String by, long atMillis) {}
