package dev.asmmigrate.sandbox.controllers;

import dev.asmmigrate.sandbox.SandboxContext;

/** Placeholder until implemented. */
public final class NodeController implements Controller {
  private final SandboxContext ctx;

  public NodeController(SandboxContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void start() {}

  @Override
  public void close() {}
}
