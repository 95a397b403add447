package dev.asmmigrate.sandbox.controllers;

/**
 * A simulated control loop. Like the real controllers it is a client of the API server (a fabric8
 * client over HTTP with the sandbox's own user agent), never a reader of the store's internals.
 */
public interface Controller extends AutoCloseable {
  /** Starts watching and reconciling; returns promptly. */
  void start();

  /** Stops every watch and timer; idempotent. */
  @Override
  void close();
}
