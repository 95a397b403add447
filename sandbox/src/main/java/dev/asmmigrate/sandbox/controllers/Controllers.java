package dev.asmmigrate.sandbox.controllers;

import dev.asmmigrate.sandbox.SandboxContext;
import java.util.List;

/** The workload controllers of the simulated cluster, in start order. */
public final class Controllers {
  private Controllers() {}

  public static List<Controller> all(SandboxContext ctx) {
    return List.of();
  }
}
