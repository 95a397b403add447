package dev.asmmigrate.workflows.model;

/**
 * When a step ran and how it ended, in workflow time (epoch milliseconds), for status and reports.
 *
 * @param step the step id, or {@code rollback} for the compensation of the whole migration
 * @param startedAt when it started
 * @param endedAt when it ended, or null while it runs
 * @param outcome RUNNING, DONE, SKIPPED or FAILED
 */
public record StepTiming(String step, Long startedAt, Long endedAt, String outcome) {}
