package dev.asmmigrate.worker;

import dev.asmmigrate.activities.addon.AddonActivitiesImpl;
import dev.asmmigrate.activities.backup.BackupStores;
import dev.asmmigrate.activities.configs.ConfigActivitiesImpl;
import dev.asmmigrate.activities.controlplane.ControlPlaneActivitiesImpl;
import dev.asmmigrate.activities.fleet.FleetActivitiesImpl;
import dev.asmmigrate.activities.fleetmigration.FleetMigrationActivitiesImpl;
import dev.asmmigrate.activities.galley.GalleyActivitiesImpl;
import dev.asmmigrate.activities.gateway.GatewayActivitiesImpl;
import dev.asmmigrate.activities.google.GoogleClients;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.meshca.MeshCaActivitiesImpl;
import dev.asmmigrate.activities.preflight.PreflightActivitiesImpl;
import dev.asmmigrate.activities.state.StateActivitiesImpl;
import dev.asmmigrate.activities.webhook.WebhookActivitiesImpl;
import dev.asmmigrate.activities.window.WindowActivitiesImpl;
import dev.asmmigrate.activities.workloads.WorkloadActivitiesImpl;
import java.util.List;

/**
 * Every activity implementation of the migration and of a fleet's migration, wired to one set of
 * clients. The fleet's activities get the worker's Temporal client when {@link MigrationWorker}
 * registers them.
 */
public final class Activities {
  private Activities() {}

  public static List<Object> create(KubeClients clients) {
    return create(clients, new GoogleClients());
  }

  public static List<Object> create(KubeClients clients, GoogleClients google) {
    return create(clients, google, MeshCaActivitiesImpl.Settings.defaults());
  }

  /**
   * As {@link #create(KubeClients, GoogleClients)}, with the Mesh CA step's bounds and holds: the
   * worker's {@code --proxy-cert-pickup} and {@code --root-cert-trigger-hold}, or holds matched to
   * a sandbox whose proxies pick new roots up at once.
   */
  public static List<Object> create(
      KubeClients clients, GoogleClients google, MeshCaActivitiesImpl.Settings meshCa) {
    BackupStores backups = new BackupStores(clients);
    return List.of(
        new PreflightActivitiesImpl(clients, backups, google, meshCa),
        new StateActivitiesImpl(clients, backups),
        new FleetActivitiesImpl(clients, backups, google),
        new ControlPlaneActivitiesImpl(clients, backups),
        new ConfigActivitiesImpl(clients, backups),
        new GalleyActivitiesImpl(clients, backups),
        new MeshCaActivitiesImpl(clients, backups, meshCa),
        new WorkloadActivitiesImpl(clients, backups),
        new GatewayActivitiesImpl(clients, backups),
        new WebhookActivitiesImpl(clients, backups),
        new AddonActivitiesImpl(clients, backups, google),
        new FleetMigrationActivitiesImpl(clients, google),
        new WindowActivitiesImpl(google));
  }
}
