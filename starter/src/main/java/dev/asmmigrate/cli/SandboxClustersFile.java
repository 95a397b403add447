package dev.asmmigrate.cli;

import dev.asmmigrate.sandbox.SandboxFleet;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.fixtures.FixtureLoader;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * The file of {@code sandbox --clusters-file}: the simulated clusters of a fleet sandbox, each with
 * its own base, apps, fixtures, project, location, name and labels. A mistake is refused with exit
 * 2, naming the file and line, before anything starts.
 *
 * <pre>
 * fleetProject: sandbox-project    # optional: the GKE Hub project (default: the first cluster's)
 * clusters:
 *   - name: cluster-1              # required, unique: also its kubeconfig context
 *     base: addon-1.4              # addon-1.4 (1.4), addon-1.6 (1.6) or none; default --base
 *     app: online-boutique         # or apps: [online-boutique]
 *     fixtures: [extra/]           # directories, relative to this file
 *     project: sandbox-project     # default --project
 *     location: us-central1-a      # default us-central1-a, -b, -c, -f in turn
 *     masterVersion: 1.19.8-gke.1600
 *     labels: {wave: canary}
 *     registered: true             # already a member of the fleet project, with the labels
 * </pre>
 */
final class SandboxClustersFile {
  private static final Set<String> ROOT_KEYS = Set.of("fleetProject", "clusters");
  private static final Set<String> CLUSTER_KEYS =
      Set.of(
          "name",
          "base",
          "app",
          "apps",
          "fixtures",
          "project",
          "location",
          "masterVersion",
          "labels",
          "registered");
  private static final Pattern NAME = Pattern.compile("[a-z]([-a-z0-9]{0,38}[a-z0-9])?");
  private static final Pattern PROJECT = Pattern.compile("[a-z][-a-z0-9]{4,28}[a-z0-9]");
  private static final Pattern LOCATION = Pattern.compile("[a-z]+-[a-z]+[0-9]+(-[a-z])?");
  private static final Pattern LABEL = Pattern.compile("[a-z]([-_a-z0-9]{0,61}[a-z0-9])?|");

  private final Path file;

  private SandboxClustersFile(Path file) {
    this.file = file;
  }

  /**
   * The fleet the file describes, each cluster's unset settings taken from {@code template}.
   *
   * @throws UserError (exit 2) naming the line of the first mistake
   */
  static SandboxFleet.Settings read(Path file, SandboxSettings template) {
    return new SandboxClustersFile(file).parse(template);
  }

  private SandboxFleet.Settings parse(SandboxSettings template) {
    Node root;
    try (Reader in = Files.newBufferedReader(file)) {
      root = new Yaml().compose(in);
    } catch (IOException e) {
      throw new UserError(ExitCodes.USAGE, "cannot read --clusters-file " + file + ": " + e);
    } catch (RuntimeException e) {
      throw new UserError(
          ExitCodes.USAGE, file + ": not YAML: " + e.getMessage().replace('\n', ' '));
    }
    if (!(root instanceof MappingNode)) {
      throw error(root, "expected a mapping with 'clusters:' (a list of clusters)");
    }
    Map<String, Node> top = entries((MappingNode) root, ROOT_KEYS);
    Node clustersNode = top.get("clusters");
    if (!(clustersNode instanceof SequenceNode seq) || seq.getValue().isEmpty()) {
      throw error(
          clustersNode == null ? root : clustersNode,
          "'clusters' must be a non-empty list of clusters");
    }
    List<SandboxFleet.Member> members = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (Node c : seq.getValue()) {
      SandboxFleet.Member m = cluster(c, template, members.size());
      if (!names.add(m.name())) {
        throw error(c, "cluster name '" + m.name() + "' is used twice: each needs its own");
      }
      members.add(m);
    }
    String fleetProject =
        top.containsKey("fleetProject")
            ? project(top.get("fleetProject"))
            : members.get(0).settings().project();
    return new SandboxFleet.Settings(members, fleetProject, template.googlePort());
  }

  private SandboxFleet.Member cluster(Node node, SandboxSettings template, int index) {
    if (!(node instanceof MappingNode mapping)) {
      throw error(node, "a cluster must be a mapping with at least 'name:'");
    }
    Map<String, Node> e = entries(mapping, CLUSTER_KEYS);
    if (!e.containsKey("name")) {
      throw error(node, "a cluster needs a 'name:'");
    }
    String name = scalar(e.get("name"), "name");
    if (!NAME.matcher(name).matches()) {
      throw error(
          e.get("name"),
          "cluster name '"
              + name
              + "' is not a GKE cluster name: lower case letters, digits and '-', starting with a"
              + " letter, at most 40 characters");
    }
    SandboxSettings.Builder b =
        SandboxFleet.copy(template)
            .cluster(name)
            .port(0)
            .location("us-central1-" + "abcf".charAt(index % 4));
    if (e.containsKey("base")) {
      b.base(base(e.get("base")));
    }
    if (e.containsKey("app") && e.containsKey("apps")) {
      throw error(e.get("apps"), "give 'app:' or 'apps:', not both");
    }
    if (e.containsKey("app")) {
      b.apps(List.of(app(e.get("app"))));
    }
    if (e.containsKey("apps")) {
      List<String> apps = new ArrayList<>();
      for (Node a : list(e.get("apps"), "apps")) {
        apps.add(app(a));
      }
      b.apps(apps);
    }
    if (e.containsKey("fixtures")) {
      List<Path> dirs = new ArrayList<>();
      for (Node d : list(e.get("fixtures"), "fixtures")) {
        Path dir = resolve(scalar(d, "fixtures"));
        if (!Files.isDirectory(dir)) {
          throw error(d, "fixture directory " + dir + " does not exist");
        }
        dirs.add(dir);
      }
      b.fixtureDirs(dirs);
    }
    if (e.containsKey("project")) {
      b.project(project(e.get("project")));
    }
    if (e.containsKey("location")) {
      String location = scalar(e.get("location"), "location");
      if (!LOCATION.matcher(location).matches()) {
        throw error(
            e.get("location"),
            "location '" + location + "' is not a GKE zone or region, e.g. us-central1-a");
      }
      b.location(location);
    }
    if (e.containsKey("masterVersion")) {
      b.masterVersion(scalar(e.get("masterVersion"), "masterVersion"));
    }
    Map<String, String> labels = e.containsKey("labels") ? labels(e.get("labels")) : Map.of();
    boolean registered = false;
    if (e.containsKey("registered")) {
      String v = scalar(e.get("registered"), "registered");
      if (!v.equals("true") && !v.equals("false")) {
        throw error(e.get("registered"), "'registered' must be true or false, not '" + v + "'");
      }
      registered = Boolean.parseBoolean(v);
    }
    return new SandboxFleet.Member(b.build(), labels, registered);
  }

  private SandboxSettings.Base base(Node node) {
    String v = scalar(node, "base");
    String id = v.equals("1.4") || v.equals("1.6") ? "addon-" + v : v;
    try {
      return SandboxSettings.Base.fromId(id);
    } catch (IllegalArgumentException ex) {
      throw error(node, "unknown base '" + v + "': expected addon-1.4, addon-1.6 or none");
    }
  }

  private String app(Node node) {
    String app = scalar(node, "app");
    if (!new FixtureLoader(null).hasSet(app) || app.endsWith("-1.6")) {
      throw error(node, "unknown app '" + app + "': expected online-boutique");
    }
    return app;
  }

  private String project(Node node) {
    String project = scalar(node, "project");
    if (!PROJECT.matcher(project).matches()) {
      throw error(
          node,
          "'"
              + project
              + "' is not a GCP project id: 6 to 30 lower case letters, digits and '-', starting"
              + " with a letter");
    }
    return project;
  }

  private Map<String, String> labels(Node node) {
    if (!(node instanceof MappingNode mapping)) {
      throw error(node, "'labels' must be a mapping, e.g. {wave: canary}");
    }
    Map<String, String> labels = new LinkedHashMap<>();
    for (NodeTuple t : mapping.getValue()) {
      String key = scalar(t.getKeyNode(), "label key");
      String value = scalar(t.getValueNode(), "label " + key);
      if (key.isEmpty() || !LABEL.matcher(key).matches() || !LABEL.matcher(value).matches()) {
        throw error(
            t.getKeyNode(),
            "label '"
                + key
                + ": "
                + value
                + "' is not a GKE Hub label: lower case letters, digits, '-' and '_', at most"
                + " 63 characters");
      }
      labels.put(key, value);
    }
    return labels;
  }

  private Map<String, Node> entries(MappingNode mapping, Set<String> allowed) {
    Map<String, Node> out = new LinkedHashMap<>();
    for (NodeTuple t : mapping.getValue()) {
      String key = scalar(t.getKeyNode(), "key");
      if (!allowed.contains(key)) {
        throw error(
            t.getKeyNode(),
            "unknown key '" + key + "': expected one of " + String.join(", ", sorted(allowed)));
      }
      if (out.put(key, t.getValueNode()) != null) {
        throw error(t.getKeyNode(), "key '" + key + "' is given twice");
      }
    }
    return out;
  }

  private List<Node> list(Node node, String what) {
    if (node instanceof SequenceNode seq) {
      return seq.getValue();
    }
    throw error(node, "'" + what + "' must be a list");
  }

  private String scalar(Node node, String what) {
    if (node instanceof ScalarNode s) {
      return s.getValue();
    }
    throw error(node, "'" + what + "' must be a single value");
  }

  private Path resolve(String dir) {
    Path p = Path.of(dir);
    Path base = file.toAbsolutePath().getParent();
    return p.isAbsolute() || base == null ? p : base.resolve(p).normalize();
  }

  private UserError error(Node node, String message) {
    return new UserError(
        ExitCodes.USAGE, file + ":" + (node.getStartMark().getLine() + 1) + ": " + message);
  }

  private static List<String> sorted(Set<String> keys) {
    return keys.stream().sorted().toList();
  }
}
