package dev.asmmigrate.config.convert;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/** The Services (and the workloads behind them) a policy's targets refer to. */
final class ServiceIndex {

  /** A target port resolved to the workload port, or why it could not be. */
  record PortLookup(int workloadPort, String error) {
    static PortLookup found(int port) {
      return new PortLookup(port, null);
    }

    static PortLookup failed(String error) {
      return new PortLookup(0, error);
    }

    boolean ok() {
      return error == null;
    }
  }

  private final Map<String, JsonNode> services = new HashMap<>();
  private final List<? extends JsonNode> workloads;

  ServiceIndex(List<? extends JsonNode> services, List<? extends JsonNode> workloads) {
    for (JsonNode service : services) {
      JsonNode metadata = service.path("metadata");
      this.services.put(
          key(metadata.path("namespace").asText(""), metadata.path("name").asText("")), service);
    }
    this.workloads = workloads;
  }

  Optional<JsonNode> service(String namespace, String name) {
    return Optional.ofNullable(services.get(key(namespace, name)));
  }

  /** The Service's {@code spec.selector}, keys sorted; empty when it has none. */
  static Map<String, String> selector(JsonNode service) {
    Map<String, String> labels = new TreeMap<>();
    JsonNode selector = service.path("spec").path("selector");
    for (Map.Entry<String, JsonNode> label : selector.properties()) {
      labels.put(label.getKey(), label.getValue().asText());
    }
    return labels;
  }

  /**
   * The workload (container) port behind the Service port that {@code portSelector} ({@code number}
   * or {@code name}) picks: its {@code targetPort}, or the port itself when the Service sets none.
   * A named targetPort is looked up in the containers of the workloads the Service selects.
   */
  PortLookup workloadPort(JsonNode service, JsonNode portSelector) {
    String wantedName = AlphaPolicy.text(portSelector, "name");
    int wantedNumber = AlphaPolicy.field(portSelector, "number").asInt(0);
    String namespace = service.path("metadata").path("namespace").asText("");
    String serviceRef = namespace + "/" + service.path("metadata").path("name").asText("");
    if (wantedName.isEmpty() && wantedNumber == 0) {
      return PortLookup.failed(
          "a port of Service " + serviceRef + " is selected by neither number nor name");
    }
    for (JsonNode port : service.path("spec").path("ports")) {
      boolean nameMatches =
          !wantedName.isEmpty() && port.path("name").asText("").equals(wantedName);
      boolean numberMatches = wantedNumber != 0 && port.path("port").asInt(0) == wantedNumber;
      if (!nameMatches && !numberMatches) {
        continue;
      }
      JsonNode targetPort = port.path("targetPort");
      if (targetPort.isMissingNode() || targetPort.isNull()) {
        return PortLookup.found(port.path("port").asInt());
      }
      if (targetPort.isNumber()) {
        int number = targetPort.asInt();
        return PortLookup.found(number == 0 ? port.path("port").asInt() : number);
      }
      String text = targetPort.asText("");
      if (text.isEmpty()) {
        return PortLookup.found(port.path("port").asInt());
      }
      if (text.chars().allMatch(Character::isDigit)) {
        return PortLookup.found(Integer.parseInt(text));
      }
      return resolveNamedPort(service, namespace, serviceRef, port, text);
    }
    return PortLookup.failed(
        "Service " + serviceRef + " has no port " + describe(wantedName, wantedNumber));
  }

  private PortLookup resolveNamedPort(
      JsonNode service, String namespace, String serviceRef, JsonNode port, String portName) {
    Map<String, String> selector = selector(service);
    TreeSet<Integer> candidates = new TreeSet<>();
    for (JsonNode workload : workloads) {
      if (!workload.path("metadata").path("namespace").asText("").equals(namespace)) {
        continue;
      }
      boolean isPod = workload.path("kind").asText().equals("Pod");
      JsonNode podMetadata =
          isPod ? workload.path("metadata") : template(workload).path("metadata");
      JsonNode podSpec = isPod ? workload.path("spec") : template(workload).path("spec");
      if (selector.isEmpty() || !matches(selector, podMetadata.path("labels"))) {
        continue;
      }
      for (JsonNode container : podSpec.path("containers")) {
        for (JsonNode containerPort : container.path("ports")) {
          if (containerPort.path("name").asText("").equals(portName)
              && containerPort.path("containerPort").asInt(0) != 0) {
            candidates.add(containerPort.path("containerPort").asInt());
          }
        }
      }
    }
    String servicePort = "port " + port.path("port").asInt() + " of Service " + serviceRef;
    if (candidates.isEmpty()) {
      return PortLookup.failed(
          servicePort
              + " has the named targetPort '"
              + portName
              + "', and no workload selected by the Service declares a container port of that"
              + " name");
    }
    if (candidates.size() > 1) {
      return PortLookup.failed(
          servicePort
              + " has the named targetPort '"
              + portName
              + "', which the selected workloads declare with different numbers "
              + new ArrayList<>(candidates));
    }
    return PortLookup.found(candidates.first());
  }

  private static JsonNode template(JsonNode workload) {
    return workload.path("spec").path("template");
  }

  private static boolean matches(Map<String, String> selector, JsonNode labels) {
    for (Map.Entry<String, String> wanted : selector.entrySet()) {
      JsonNode actual = labels.get(wanted.getKey());
      if (actual == null || !actual.asText().equals(wanted.getValue())) {
        return false;
      }
    }
    return true;
  }

  static String describe(String portName, int portNumber) {
    if (!portName.isEmpty() && portNumber != 0) {
      return portNumber + " (" + portName + ")";
    }
    return portName.isEmpty() ? String.valueOf(portNumber) : "'" + portName + "'";
  }

  private static String key(String namespace, String name) {
    return namespace + "/" + name;
  }
}
