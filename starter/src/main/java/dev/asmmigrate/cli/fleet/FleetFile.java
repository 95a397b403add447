package dev.asmmigrate.cli.fleet;

import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.preflight.PreflightActivitiesImpl;
import dev.asmmigrate.cli.DurationConverter;
import dev.asmmigrate.cli.ExitCodes;
import dev.asmmigrate.cli.UserError;
import dev.asmmigrate.cli.WindowSpecs;
import dev.asmmigrate.workflows.model.ClusterRef;
import dev.asmmigrate.workflows.model.Connection;
import dev.asmmigrate.workflows.model.Step;
import dev.asmmigrate.workflows.model.fleet.Amount;
import dev.asmmigrate.workflows.model.fleet.ApprovalScope;
import dev.asmmigrate.workflows.model.fleet.FleetCluster;
import dev.asmmigrate.workflows.model.fleet.FleetRequest;
import dev.asmmigrate.workflows.model.fleet.FleetWave;
import dev.asmmigrate.workflows.model.fleet.HaltAction;
import dev.asmmigrate.workflows.model.fleet.LabelSelector;
import dev.asmmigrate.workflows.model.fleet.MigrationOptions;
import dev.asmmigrate.workflows.model.window.Exclusion;
import dev.asmmigrate.workflows.model.window.MaintenanceWindows;
import dev.asmmigrate.workflows.model.window.RecurringWindow;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * A fleet file (YAML) read into a {@link FleetRequest}, every mistake refused before anything runs:
 * each error names {@code FILE:LINE} and what is wrong, all of them at once, as a {@link UserError}
 * with exit code {@link ExitCodes#USAGE}. The keys are documented in README's "Fleets" section.
 */
public final class FleetFile {
  private static final String GCP_NAME = "[a-z0-9]([a-z0-9-]*[a-z0-9])?";
  private static final String DNS_LABEL = "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?";
  private static final List<String> CHANNELS = List.of("regular", "rapid", "stable");

  private static final List<String> FILE_KEYS =
      List.of(
          "name",
          "fromFleet",
          "clusters",
          "waves",
          "failureBudget",
          "onHalt",
          "migration",
          "windows");
  private static final List<String> CLUSTER_KEYS =
      List.of(
          "project",
          "location",
          "name",
          "context",
          "kubeconfig",
          "labels",
          "fleetProject",
          "windows");
  private static final List<String> WINDOWS_KEYS =
      List.of("recurring", "exclusions", "fromCluster", "margin");
  private static final List<String> WINDOW_KEYS = List.of("rrule", "start", "duration", "zone");
  private static final List<String> EXCLUSION_KEYS = List.of("name", "from", "to", "zone");

  /** How the calendar names a window or exclusion it refuses: {@code window 2 (...)}. */
  private static final Pattern WINDOW_REFERENCE = Pattern.compile("(window|exclusion) (\\d+)");

  private static final List<String> WAVE_KEYS =
      List.of("name", "clusters", "selector", "maxConcurrent", "soak", "approval", "failureBudget");
  private static final List<String> MIGRATION_KEYS =
      List.of(
          "channel",
          "canary",
          "concurrency",
          "approvePointOfNoReturn",
          "continueOnNamespaceFailure",
          "restartStatefulSetsAndDaemonSets");

  /** The step a {@code --fail-cluster NAME} without {@code :STEP} fails at. */
  public static final String DEFAULT_FAIL_STEP = "migrate-workloads";

  /**
   * What the command line adds to the file.
   *
   * @param kubeconfig the kubeconfig of clusters that name none, or null for the worker's default
   * @param googleEndpoint plaintext Google APIs endpoint (the sandbox's fakes), or null for Google
   * @param failClusters {@code NAME[:STEP]}: rehearsal failures to inject
   * @param googleCredentials a service account key file on the worker's machine for Google (and the
   *     clusters reached through it), or null for application default credentials
   */
  public record Options(
      Path kubeconfig, String googleEndpoint, List<String> failClusters, Path googleCredentials) {
    public Options {
      failClusters = failClusters == null ? List.of() : List.copyOf(failClusters);
    }

    /** Options with application default credentials. */
    public Options(Path kubeconfig, String googleEndpoint, List<String> failClusters) {
      this(kubeconfig, googleEndpoint, failClusters, null);
    }

    /** The key file's absolute path as the worker reads it, or null. */
    String credentialsFile() {
      return googleCredentials == null ? null : googleCredentials.toAbsolutePath().toString();
    }

    public static Options none() {
      return new Options(null, null, List.of());
    }
  }

  private final String file;
  private final Path dir;
  private final Options options;
  private final List<String> errors = new ArrayList<>();

  /** Every cluster name the file lists, also of entries refused, so one mistake makes one error. */
  private final Set<String> listed = new HashSet<>();

  private FleetFile(String file, Path dir, Options options) {
    this.file = file;
    this.dir = dir;
    this.options = options;
  }

  /** Reads and checks {@code path}. */
  public static FleetRequest read(Path path, Options options) {
    String text;
    try {
      text = Files.readString(path, StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      throw new UserError(ExitCodes.USAGE, "fleet file " + path + ": cannot read it (" + e + ")");
    }
    Path dir = path.toAbsolutePath().getParent();
    return parse(path.toString(), dir, text, options);
  }

  /**
   * Reads and checks a fleet file's {@code text}; {@code name} is the file's name in errors, {@code
   * dir} the directory relative kubeconfig paths are read from.
   */
  public static FleetRequest parse(String name, Path dir, String text, Options options) {
    FleetFile f = new FleetFile(name, dir, options);
    FleetRequest request = f.parse(text);
    if (!f.errors.isEmpty()) {
      // in the file's order; the command line's mistakes (no line) last
      f.errors.sort(java.util.Comparator.comparingInt(e -> lineOf(name, e)));
      throw new UserError(
          ExitCodes.USAGE,
          "fleet file "
              + name
              + " refused, nothing was started:\n  "
              + String.join("\n  ", f.errors));
    }
    return request;
  }

  private FleetRequest parse(String text) {
    Node root;
    try (Reader r = new StringReader(text)) {
      LoaderOptions loader = new LoaderOptions();
      loader.setAllowDuplicateKeys(false);
      root = new Yaml(loader).compose(r);
    } catch (MarkedYAMLException e) {
      int line = e.getProblemMark() == null ? 1 : e.getProblemMark().getLine() + 1;
      errors.add(file + ":" + line + ": not valid YAML: " + e.getProblem());
      return null;
    } catch (YAMLException | IOException e) {
      errors.add(file + ": not valid YAML: " + e.getMessage());
      return null;
    }
    if (root == null) {
      errors.add(file + ":1: the fleet file is empty");
      return null;
    }
    Node top = root;
    Map<String, Node> keys = keys(top, "fleet file", FILE_KEYS);
    if (keys == null) {
      return null;
    }

    String name = scalar(keys, "name", top, true);
    if (name != null && !(name.length() <= 63 && name.matches(DNS_LABEL))) {
      error(
          keys.get("name"),
          "name '"
              + name
              + "' must be a DNS label (lowercase letters, digits and '-', at most 63): it"
              + " makes the workflow ID asm-fleet/<name>");
    }
    String fromFleet = scalar(keys, "fromFleet", top, false);
    if (fromFleet != null && !fromFleet.matches(GCP_NAME)) {
      error(keys.get("fromFleet"), "fromFleet '" + fromFleet + "' is not a GCP project ID");
    }

    MaintenanceWindows defaultWindows =
        keys.containsKey("windows") ? windows(keys.get("windows"), "windows") : null;
    if (defaultWindows != null && fromFleet != null) {
      // the clusters fromFleet finds are built by the fleet workflow, which has no defaults yet
      error(
          keys.get("windows"),
          "windows: the file's default windows would not reach the clusters fromFleet finds"
              + " (they would migrate any time): give each cluster listed under clusters: its own"
              + " windows:, or list the clusters instead of fromFleet");
    }

    Map<String, FleetCluster> clusters = new LinkedHashMap<>();
    Map<String, Node> clusterNodes = new LinkedHashMap<>();
    Node clustersNode = keys.get("clusters");
    if (clustersNode != null) {
      for (Node c : sequence(clustersNode, "clusters")) {
        FleetCluster fc = cluster(c, defaultWindows);
        if (fc == null) {
          continue;
        }
        if (clusters.containsKey(fc.name())) {
          error(
              c,
              "duplicate cluster '"
                  + fc.name()
                  + "' (first at line "
                  + line(clusterNodes.get(fc.name()))
                  + "): waves, --retry and --skip name clusters by their name, which must be"
                  + " unique");
          continue;
        }
        clusters.put(fc.name(), fc);
        clusterNodes.put(fc.name(), c);
      }
    }
    if (clusters.isEmpty() && fromFleet == null && errors.isEmpty()) {
      error(top, "no clusters: list them under clusters:, or name a GKE Hub project in fromFleet:");
    }

    List<FleetWave> waves = new ArrayList<>();
    Node wavesNode = keys.get("waves");
    if (wavesNode == null) {
      error(top, "missing key 'waves': at least one wave (the first is the canary)");
    } else {
      List<Node> items = sequence(wavesNode, "waves");
      if (items.isEmpty() && wavesNode instanceof SequenceNode) {
        error(wavesNode, "waves is empty: at least one wave (the first is the canary)");
      }
      Set<String> waveNames = new HashSet<>();
      Map<String, String> taken = new LinkedHashMap<>();
      boolean allRead = true;
      for (Node w : items) {
        FleetWave wave = wave(w, clusters, fromFleet != null, taken);
        if (wave == null) {
          allRead = false;
          continue;
        }
        if (!waveNames.add(wave.name())) {
          error(w, "duplicate wave '" + wave.name() + "'");
        }
        waves.add(wave);
      }
      if (!items.isEmpty() && allRead) { // a wave refused may be the one meant to take them
        for (Map.Entry<String, FleetCluster> c : clusters.entrySet()) {
          if (!taken.containsKey(c.getKey())) {
            error(
                clusterNodes.get(c.getKey()),
                "cluster '"
                    + c.getKey()
                    + "' is in no wave: name it in a wave's clusters: or give it labels a wave's"
                    + " selector matches");
          }
        }
      }
    }

    Amount fleetBudget = amount(keys.get("failureBudget"), "failureBudget", false);
    HaltAction onHalt = HaltAction.FINISH;
    Node onHaltNode = keys.get("onHalt");
    if (onHaltNode != null) {
      String v = text(onHaltNode, "onHalt");
      if (v != null) {
        switch (v.toLowerCase(Locale.ROOT)) {
          case "rollback" -> onHalt = HaltAction.ROLL_BACK;
          case "finish" -> onHalt = HaltAction.FINISH;
          default -> error(onHaltNode, "onHalt must be rollBack or finish, got '" + v + "'");
        }
      }
    }
    ApprovalScope[] scope = {ApprovalScope.NONE};
    MigrationOptions migration = migration(keys.get("migration"), scope);

    Map<String, String> failAt = failAt(clusters, fromFleet != null);
    Connection google =
        new Connection(null, null, options.googleEndpoint(), null, options.credentialsFile());
    if (!errors.isEmpty()) {
      return null;
    }
    return new FleetRequest(
        name,
        List.copyOf(clusters.values()),
        fromFleet,
        google,
        waves,
        fleetBudget,
        onHalt,
        migration,
        scope[0],
        failAt,
        null);
  }

  // --- clusters ----------------------------------------------------------------------------------

  private FleetCluster cluster(Node m, MaintenanceWindows defaultWindows) {
    Map<String, Node> keys = keys(m, "cluster", CLUSTER_KEYS);
    if (keys == null) {
      return null;
    }
    int before = errors.size();
    String project = gcpName(keys, "project", m);
    String location = gcpName(keys, "location", m);
    String name = gcpName(keys, "name", m);
    if (name != null) {
      listed.add(name);
    }
    String fleetProject = gcpNameOptional(keys, "fleetProject");
    String context = scalar(keys, "context", m, false);
    String kubeconfig = scalar(keys, "kubeconfig", m, false);
    Map<String, String> labels = new LinkedHashMap<>();
    Node labelsNode = keys.get("labels");
    if (labelsNode != null) {
      if (labelsNode instanceof MappingNode lm) {
        for (NodeTuple t : lm.getValue()) {
          String k = text(t.getKeyNode(), "a label's key");
          String v = text(t.getValueNode(), "label " + k);
          if (k == null || v == null) {
            continue;
          }
          try {
            // a label is valid when the selector "k=v" it makes is
            LabelSelector.parse(k + "=" + v);
            labels.put(k, v);
          } catch (IllegalArgumentException e) {
            error(t.getKeyNode(), "label " + k + ": " + v + " is not a Kubernetes label");
          }
        }
      } else {
        error(labelsNode, "labels is a mapping ({env: prod, tier: web})");
      }
    }
    MaintenanceWindows windows =
        keys.containsKey("windows")
            ? windows(keys.get("windows"), "cluster " + name + "'s windows")
            : defaultWindows;
    if (errors.size() > before) {
      return null;
    }
    ClusterRef ref = new ClusterRef(project, location, name);
    Connection connection = connection(m, ref, kubeconfig, context);
    if (connection == null) {
      return null;
    }
    return new FleetCluster(ref, connection, labels, fleetProject, windows);
  }

  // --- windows -----------------------------------------------------------------------------------

  /**
   * A {@code windows:} block (the file's default for every cluster, or a cluster's own, which
   * replaces it): {@code recurring} windows, each {@code RRULE START DURATION ZONE} as {@code
   * --window} takes it or a mapping {rrule, start, duration, zone}; {@code exclusions}, each {@code
   * NAME=FROM/TO [ZONE]} as {@code --exclusion} takes it or a mapping {name, from, to, zone};
   * {@code fromCluster} and {@code margin}. Checked as the workflow will use them (a window that
   * cannot be used is refused at its line); null after an error.
   */
  private MaintenanceWindows windows(Node node, String what) {
    Map<String, Node> keys = keys(node, "windows block", WINDOWS_KEYS);
    if (keys == null) {
      return null;
    }
    int before = errors.size();
    Instant now = Instant.now();
    List<RecurringWindow> recurring = new ArrayList<>();
    List<Node> recurringNodes = new ArrayList<>();
    Node rn = keys.get("recurring");
    if (rn != null) {
      for (Node w : sequence(rn, "recurring")) {
        RecurringWindow window = recurringWindow(w, now);
        if (window != null) {
          recurring.add(window);
          recurringNodes.add(w);
        }
      }
    }
    List<Exclusion> exclusions = new ArrayList<>();
    List<Node> exclusionNodes = new ArrayList<>();
    Node en = keys.get("exclusions");
    if (en != null) {
      for (Node x : sequence(en, "exclusions")) {
        Exclusion exclusion = exclusion(x, WindowSpecs.defaultZone(recurring));
        if (exclusion != null) {
          exclusions.add(exclusion);
          exclusionNodes.add(x);
        }
      }
    }
    boolean fromCluster = bool(keys.get("fromCluster"), "fromCluster", false);
    Duration margin = null;
    Node mn = keys.get("margin");
    if (mn != null) {
      String v = text(mn, "margin");
      if (v != null) {
        try {
          margin = DurationConverter.parse(v);
        } catch (RuntimeException e) {
          error(mn, "margin: " + e.getMessage());
        }
      }
    }
    if (errors.size() > before) {
      return null;
    }
    MaintenanceWindows windows = new MaintenanceWindows(recurring, exclusions, fromCluster, margin);
    try {
      return WindowSpecs.validate(windows, now);
    } catch (IllegalArgumentException e) {
      String message = e.getMessage();
      Node at = node;
      Matcher m = WINDOW_REFERENCE.matcher(message);
      if (m.lookingAt()) {
        List<Node> nodes = m.group(1).equals("window") ? recurringNodes : exclusionNodes;
        int index = Integer.parseInt(m.group(2)) - 1;
        if (index < nodes.size()) {
          at = nodes.get(index);
        }
      }
      error(at, what + " refused: " + message);
      return null;
    }
  }

  private RecurringWindow recurringWindow(Node w, Instant now) {
    return lineOrParts(
        w,
        "window",
        WINDOW_KEYS,
        WINDOW_KEYS.size(),
        line -> WindowSpecs.window(line, now),
        p -> WindowSpecs.window(p.get(0), p.get(1), p.get(2), p.get(3), now));
  }

  private Exclusion exclusion(Node x, String defaultZone) {
    return lineOrParts(
        x,
        "exclusion",
        EXCLUSION_KEYS,
        3,
        line -> WindowSpecs.exclusion(line, defaultZone),
        p ->
            WindowSpecs.exclusion(
                p.get(0), p.get(1), p.get(2), p.get(3) == null ? defaultZone : p.get(3)));
  }

  /**
   * A list item written on one line as the command line takes it, or as a mapping of its parts
   * ({@code keys}, the first {@code required} of them required, in that order); null after an
   * error.
   */
  private <T> T lineOrParts(
      Node n,
      String what,
      List<String> keys,
      int required,
      Function<String, T> line,
      Function<List<String>, T> parts) {
    try {
      if (n instanceof ScalarNode s) {
        return line.apply(s.getValue());
      }
      Map<String, Node> given = keys(n, what, keys);
      if (given == null) {
        return null;
      }
      List<String> values = new ArrayList<>();
      boolean missing = false;
      for (int i = 0; i < keys.size(); i++) {
        String v = scalar(given, keys.get(i), n, i < required);
        missing |= v == null && i < required;
        values.add(v);
      }
      return missing ? null : parts.apply(values);
    } catch (IllegalArgumentException e) {
      error(n, what + ": " + e.getMessage());
      return null;
    }
  }

  /**
   * The cluster's connection as {@code start} builds it: its kubeconfig (relative to the fleet
   * file) or the command's {@code --kubeconfig}, its context, and the command's Google endpoint and
   * credentials; a kubeconfig or context given is read here, so that a wrong one is refused before
   * anything runs. A cluster with neither (and no {@code --kubeconfig}) is reached through Google,
   * as {@code start --gke-access} reaches one: its endpoint and CA from GKE, a token from the
   * credentials.
   */
  private Connection connection(Node at, ClusterRef ref, String kubeconfig, String context) {
    Path kc = null;
    if (kubeconfig != null) {
      kc = dir == null ? Path.of(kubeconfig) : dir.resolve(kubeconfig);
    } else if (options.kubeconfig() != null) {
      kc = options.kubeconfig();
    }
    if (kc != null && !Files.isReadable(kc)) {
      error(at, "kubeconfig " + kc + " does not exist or is not readable");
      return null;
    }
    if (kc == null && context == null) {
      return Connection.viaGoogle(ref, options.googleEndpoint(), options.credentialsFile());
    }
    Connection c =
        new Connection(
            kc == null ? null : kc.toAbsolutePath().normalize().toString(),
            context,
            options.googleEndpoint(),
            null,
            options.credentialsFile());
    try {
      KubeClients.build(c).close();
    } catch (ApplicationFailure e) {
      error(at, e.getOriginalMessage());
      return null;
    } catch (RuntimeException e) {
      error(at, "cannot use kubeconfig " + kc + " / context " + context + ": " + e.getMessage());
      return null;
    }
    return c;
  }

  // --- waves -------------------------------------------------------------------------------------

  private FleetWave wave(
      Node m, Map<String, FleetCluster> clusters, boolean discovering, Map<String, String> taken) {
    Map<String, Node> keys = keys(m, "wave", WAVE_KEYS);
    if (keys == null) {
      return null;
    }
    int before = errors.size();
    String name = scalar(keys, "name", m, true);
    List<String> names = new ArrayList<>();
    Node namesNode = keys.get("clusters");
    if (namesNode != null) {
      for (Node n : sequence(namesNode, "a wave's clusters")) {
        String c = text(n, "a wave's cluster");
        if (c == null) {
          continue;
        }
        if (!clusters.containsKey(c) && listed.contains(c)) {
          continue; // refused above
        }
        if (!clusters.containsKey(c) && !discovering) {
          error(
              n,
              "unknown cluster '"
                  + c
                  + "' in wave "
                  + name
                  + (clusters.isEmpty()
                      ? ""
                      : " (the clusters: " + String.join(", ", clusters.keySet()) + ")"));
        } else if (taken.containsKey(c)) {
          error(n, "cluster '" + c + "' is already in wave " + taken.get(c));
        } else {
          names.add(c);
          taken.put(c, name);
        }
      }
    }
    LabelSelector selector = null;
    Node selectorNode = keys.get("selector");
    if (selectorNode != null) {
      String s = text(selectorNode, "selector");
      if (s != null) {
        try {
          selector = LabelSelector.parse(s);
        } catch (IllegalArgumentException e) {
          error(selectorNode, "bad selector \"" + s + "\": " + e.getMessage());
        }
      }
    }
    if (namesNode == null && selectorNode == null) {
      error(m, "wave " + name + " takes no cluster: give it clusters:, a selector:, or both");
    }
    if (selector != null) {
      for (FleetCluster c : clusters.values()) {
        if (!taken.containsKey(c.name()) && selector.matches(c.labels())) {
          taken.put(c.name(), name);
        }
      }
    }
    Amount max = amount(keys.get("maxConcurrent"), "maxConcurrent", true);
    Duration soak = null;
    Node soakNode = keys.get("soak");
    if (soakNode != null) {
      String s = text(soakNode, "soak");
      if (s != null) {
        try {
          soak = DurationConverter.parse(s);
        } catch (RuntimeException e) {
          error(soakNode, "soak: " + e.getMessage());
        }
      }
    }
    boolean approval = bool(keys.get("approval"), "approval", false);
    Amount budget = amount(keys.get("failureBudget"), "failureBudget", false);
    if (errors.size() > before) {
      return null;
    }
    return new FleetWave(
        name, names, selector == null ? null : selector.text(), max, soak, approval, budget);
  }

  // --- migration ---------------------------------------------------------------------------------

  private MigrationOptions migration(Node node, ApprovalScope[] scope) {
    if (node == null) {
      return new MigrationOptions("regular", List.of(), 4, false, true, null);
    }
    Map<String, Node> keys = keys(node, "migration", MIGRATION_KEYS);
    if (keys == null) {
      return null;
    }
    String channel = "regular";
    Node ch = keys.get("channel");
    if (ch != null) {
      String v = text(ch, "channel");
      if (v != null && !CHANNELS.contains(v)) {
        error(ch, "channel must be regular, rapid or stable, got '" + v + "'");
      } else if (v != null) {
        channel = v;
      }
    }
    List<String> canary = new ArrayList<>();
    Node canaryNode = keys.get("canary");
    if (canaryNode != null) {
      Set<String> seen = new HashSet<>();
      for (Node n : sequence(canaryNode, "canary")) {
        String ns = text(n, "a canary namespace");
        if (ns == null) {
          continue;
        }
        if (ns.length() > 63 || !ns.matches(DNS_LABEL)) {
          error(n, "canary '" + ns + "' is not a namespace name");
        } else if (PreflightActivitiesImpl.SYSTEM_NAMESPACES.contains(ns)) {
          error(n, "canary '" + ns + "' is a system namespace, never migrated");
        } else if (!seen.add(ns)) {
          error(n, "canary names '" + ns + "' twice");
        } else {
          canary.add(ns);
        }
      }
    }
    int concurrency = 4;
    Node cc = keys.get("concurrency");
    if (cc != null) {
      String v = text(cc, "concurrency");
      if (v != null) {
        if (!v.matches("[0-9]{1,4}") || Integer.parseInt(v) < 1) {
          error(cc, "concurrency must be a whole number, at least 1, got '" + v + "'");
        } else {
          concurrency = Integer.parseInt(v);
        }
      }
    }
    Node pnr = keys.get("approvePointOfNoReturn");
    if (pnr != null) {
      String v = text(pnr, "approvePointOfNoReturn");
      if (v != null) {
        try {
          scope[0] = ApprovalScope.valueOf(v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
          error(
              pnr, "approvePointOfNoReturn must be none, cluster, wave or fleet, got '" + v + "'");
        }
      }
    }
    boolean continueOn =
        bool(keys.get("continueOnNamespaceFailure"), "continueOnNamespaceFailure", false);
    boolean restartSets =
        bool(
            keys.get("restartStatefulSetsAndDaemonSets"), "restartStatefulSetsAndDaemonSets", true);
    return new MigrationOptions(channel, canary, concurrency, continueOn, restartSets, null);
  }

  // --- --fail-cluster ----------------------------------------------------------------------------

  private Map<String, String> failAt(Map<String, FleetCluster> clusters, boolean discovering) {
    Map<String, String> failAt = new LinkedHashMap<>();
    for (String spec : options.failClusters()) {
      int colon = spec.indexOf(':');
      String cluster = colon < 0 ? spec : spec.substring(0, colon);
      String step = colon < 0 ? DEFAULT_FAIL_STEP : spec.substring(colon + 1);
      if (!clusters.containsKey(cluster) && !(discovering && cluster.matches(GCP_NAME))) {
        errors.add("--fail-cluster " + spec + ": no cluster '" + cluster + "' in the file " + file);
      } else if (Step.fromId(step).filter(Step::reversible).filter(Step::mutating).isEmpty()) {
        errors.add(
            "--fail-cluster "
                + spec
                + ": the step must be one of "
                + Step.rollbackable().stream().map(Step::id).toList());
      } else if (failAt.put(cluster, step) != null) {
        errors.add("--fail-cluster names '" + cluster + "' twice");
      }
    }
    return failAt;
  }

  // --- nodes -------------------------------------------------------------------------------------

  /**
   * The keys of {@code node}, a mapping, each unknown or repeated one an error; null (an error)
   * when it is no mapping.
   */
  private Map<String, Node> keys(Node node, String what, List<String> known) {
    if (!(node instanceof MappingNode m)) {
      error(
          node,
          "a " + what + " is a mapping (" + String.join(":, ", known.subList(0, 3)) + ":, ...)");
      return null;
    }
    Map<String, Node> keys = new LinkedHashMap<>();
    for (NodeTuple t : m.getValue()) {
      String k = t.getKeyNode() instanceof ScalarNode s ? s.getValue() : null;
      if (k == null || !known.contains(k)) {
        error(
            t.getKeyNode(),
            "unknown key '"
                + (k == null ? "?" : k)
                + "' in "
                + what
                + " (known: "
                + String.join(", ", known.stream().sorted().toList())
                + ")");
      } else if (keys.put(k, t.getValueNode()) != null) {
        error(t.getKeyNode(), "key '" + k + "' given twice in " + what);
      }
    }
    return keys;
  }

  private String scalar(Map<String, Node> keys, String key, Node parent, boolean required) {
    Node n = keys.get(key);
    if (n == null) {
      if (required) {
        error(parent, "missing key '" + key + "'");
      }
      return null;
    }
    String v = text(n, key);
    if (v != null && v.isBlank()) {
      error(n, key + " is empty");
      return null;
    }
    return v;
  }

  private String gcpName(Map<String, Node> keys, String key, Node parent) {
    String v = scalar(keys, key, parent, true);
    if (v != null && !v.matches(GCP_NAME)) {
      error(
          keys.get(key),
          key
              + " '"
              + v
              + "' is not a valid GCP name (lowercase letters, digits and '-', not at either"
              + " end)");
      return null;
    }
    return v;
  }

  private String gcpNameOptional(Map<String, Node> keys, String key) {
    return keys.containsKey(key) ? gcpName(keys, key, null) : null;
  }

  private String text(Node n, String what) {
    if (n instanceof ScalarNode s) {
      return s.getValue();
    }
    error(n, what + " must be a single value");
    return null;
  }

  private List<Node> sequence(Node n, String what) {
    if (n instanceof SequenceNode s) {
      return s.getValue();
    }
    if (n instanceof ScalarNode s && s.getValue().isEmpty()) {
      return List.of();
    }
    error(n, what + " must be a list");
    return List.of();
  }

  private boolean bool(Node n, String what, boolean otherwise) {
    if (n == null) {
      return otherwise;
    }
    String v = text(n, what);
    if ("true".equals(v) || "false".equals(v)) {
      return Boolean.parseBoolean(v);
    }
    if (v != null) {
      error(n, what + " must be true or false, got '" + v + "'");
    }
    return otherwise;
  }

  /**
   * A count or a percentage; {@code atLeastOne} for a concurrency, which 0 would make a wave that
   * never starts a cluster.
   */
  private Amount amount(Node n, String what, boolean atLeastOne) {
    if (n == null) {
      return null;
    }
    String v = text(n, what);
    if (v == null) {
      return null;
    }
    Amount a;
    try {
      a = Amount.parse(v);
    } catch (IllegalArgumentException e) {
      error(n, what + ": " + e.getMessage());
      return null;
    }
    if (atLeastOne && a.value() == 0) {
      error(n, what + " must be at least 1 (or 1%): 0 would never start a cluster");
      return null;
    }
    return a;
  }

  /** The line an error names, or MAX_VALUE for one about the command line. */
  private static int lineOf(String file, String error) {
    if (!error.startsWith(file + ":")) {
      return Integer.MAX_VALUE;
    }
    String rest = error.substring(file.length() + 1);
    int colon = rest.indexOf(':');
    return colon > 0 && rest.substring(0, colon).matches("[0-9]+")
        ? Integer.parseInt(rest.substring(0, colon))
        : Integer.MAX_VALUE;
  }

  private static int line(Node n) {
    return n.getStartMark().getLine() + 1;
  }

  private void error(Node at, String message) {
    errors.add(file + (at == null ? "" : ":" + line(at)) + ": " + message);
  }
}
