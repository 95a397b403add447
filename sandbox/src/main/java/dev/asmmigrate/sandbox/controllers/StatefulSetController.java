package dev.asmmigrate.sandbox.controllers;

import dev.asmmigrate.sandbox.SandboxContext;

/** Placeholder until implemented. */
public final class StatefulSetController implements Controller {
  private final SandboxContext ctx;

  public StatefulSetController(SandboxContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void start() {}

  @Override
  public void close() {}
}
