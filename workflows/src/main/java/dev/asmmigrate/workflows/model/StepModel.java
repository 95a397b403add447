package dev.asmmigrate.workflows.model;

import java.time.Duration;

/**
 * Pre-flight's model of how long a disturbing step other than the workload phase's should take on
 * this cluster, from what it restarts and waits for as seen in the cluster (the rollouts of the
 * Deployments it restarts or creates: replicas, strategy, readiness probe and the time their pods
 * took to become Ready; the configured holds): the maintenance windows' estimate of the step before
 * the run has measured it ({@code model.window.Estimates#step}). Its undo restarts the same things,
 * so the same figure.
 *
 * @param step the step's id ({@link Step#id()})
 * @param work how long the step should take
 * @param basis what the figure is made of, in words (status and the plan calendar show it)
 */
public record StepModel(String step, Duration work, String basis) {}
