package dev.asmmigrate.workflows.model;

/** The Istio on GKE add-on versions the migration takes. */
public enum AddonVersion {
  /** Istio 1.4 add-on: namespaces labelled {@code istio-injection=enabled}. */
  V1_4("1.4", "istio-injection", "enabled"),
  /**
   * Istio 1.6 add-on (revision istio-1611): namespaces labelled {@code istio.io/rev=istio-1611}.
   */
  V1_6("1.6", "istio.io/rev", "istio-1611");

  private final String display;
  private final String injectionLabel;
  private final String injectionValue;

  AddonVersion(String display, String injectionLabel, String injectionValue) {
    this.display = display;
    this.injectionLabel = injectionLabel;
    this.injectionValue = injectionValue;
  }

  public String display() {
    return display;
  }

  /** The namespace label that selects this add-on's injector. */
  public String injectionLabel() {
    return injectionLabel;
  }

  public String injectionValue() {
    return injectionValue;
  }
}
