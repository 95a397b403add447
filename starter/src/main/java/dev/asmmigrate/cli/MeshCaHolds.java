package dev.asmmigrate.cli;

import dev.asmmigrate.activities.meshca.MeshCaActivitiesImpl;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The worker's holds in configure-mesh-ca: how long proxies get to take up new roots. */
final class MeshCaHolds {
  @Option(
      names = "--proxy-cert-pickup",
      defaultValue = "75s",
      description =
          "configure-mesh-ca on add-on 1.4: how long proxies get to re-read their refreshed root"
              + " bundle once every namespace has it (default: ${DEFAULT-VALUE}).")
  Duration proxyCertPickup;

  @Option(
      names = "--root-cert-trigger-hold",
      defaultValue = "15s",
      description =
          "configure-mesh-ca on add-on 1.6: how long EnvoyFilter trigger-root-cert stays so that"
              + " every proxy fetches the new roots (default: ${DEFAULT-VALUE}).")
  Duration rootCertTriggerHold;

  /** The Mesh CA step's settings with these holds; checked before anything starts. */
  MeshCaActivitiesImpl.Settings settings() {
    if (proxyCertPickup.isNegative() || rootCertTriggerHold.isNegative()) {
      throw new UserError(
          ExitCodes.USAGE, "--proxy-cert-pickup and --root-cert-trigger-hold must not be negative");
    }
    return MeshCaActivitiesImpl.Settings.defaults().withHolds(proxyCertPickup, rootCertTriggerHold);
  }
}
