package dev.asmmigrate.sandbox.controllers;

import dev.asmmigrate.sandbox.SandboxContext;
import java.util.List;

/** The workload controllers of the simulated cluster, in start order. */
public final class Controllers {
  private Controllers() {}

  public static List<Controller> all(SandboxContext ctx) {
    return List.of(
        new NodeController(ctx),
        new SchedulerAndKubelet(ctx),
        new DeploymentController(ctx),
        new ReplicaSetController(ctx),
        new StatefulSetController(ctx),
        new DaemonSetController(ctx),
        new JobController(ctx),
        new EndpointsController(ctx),
        new ServiceLoadBalancerController(ctx),
        new HorizontalPodAutoscalerController(ctx),
        new PodDisruptionBudgetController(ctx));
  }
}
