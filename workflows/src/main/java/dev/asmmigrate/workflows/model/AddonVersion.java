package dev.asmmigrate.workflows.model;

/** The Istio on GKE add-on versions the migration takes. */
public enum AddonVersion {
  /** Istio 1.4 add-on: namespaces labelled {@code istio-injection=enabled}. */
  V1_4("1.4", IstioNames.INJECTION_LABEL, IstioNames.INJECTION_ENABLED),
  /**
   * Istio 1.6 add-on (revision istio-1611): namespaces labelled {@code istio.io/rev=istio-1611}.
   */
  V1_6("1.6", IstioNames.REV_LABEL, IstioNames.ADDON_16_REVISION);

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
