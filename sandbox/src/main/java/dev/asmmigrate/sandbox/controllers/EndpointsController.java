package dev.asmmigrate.sandbox.controllers;

import dev.asmmigrate.sandbox.SandboxContext;

/** Placeholder until implemented. */
public final class EndpointsController implements Controller {
  private final SandboxContext ctx;

  public EndpointsController(SandboxContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void start() {}

  @Override
  public void close() {}
}
