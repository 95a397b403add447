package dev.asmmigrate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Renders what {@code kubectl get} shows, from the API server's own Table output, so that views
 * printed by asm-migrate match kubectl column for column.
 */
final class TableView {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String baseUrl;

  TableView(String baseUrl) {
    this.baseUrl = baseUrl;
  }

  /** E.g. {@code render("/api/v1/namespaces/istio-system/pods")}. */
  String render(String path) throws IOException, InterruptedException {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(baseUrl + path))
            .header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
            .header("User-Agent", "asm-migrate/table-view")
            .timeout(Duration.ofSeconds(10))
            .build();
    HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
    if (resp.statusCode() != 200) {
      throw new IOException("GET " + path + " answered " + resp.statusCode() + ": " + resp.body());
    }
    return format(JSON.readTree(resp.body()));
  }

  static String format(JsonNode table) {
    List<Integer> shown = new ArrayList<>();
    List<String> headers = new ArrayList<>();
    int i = 0;
    for (JsonNode c : table.path("columnDefinitions")) {
      if (c.path("priority").asInt() == 0) {
        shown.add(i);
        headers.add(c.path("name").asText().toUpperCase());
      }
      i++;
    }
    List<List<String>> rows = new ArrayList<>();
    rows.add(headers);
    for (JsonNode r : table.path("rows")) {
      List<String> cells = new ArrayList<>();
      for (int idx : shown) {
        cells.add(r.path("cells").path(idx).asText());
      }
      rows.add(cells);
    }
    if (rows.size() == 1) {
      return "No resources found.\n";
    }
    int[] widths = new int[headers.size()];
    for (List<String> row : rows) {
      for (int c = 0; c < row.size(); c++) {
        widths[c] = Math.max(widths[c], row.get(c).length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (List<String> row : rows) {
      StringBuilder line = new StringBuilder();
      for (int c = 0; c < row.size(); c++) {
        line.append(
            c == row.size() - 1
                ? row.get(c)
                : String.format("%-" + (widths[c] + 3) + "s", row.get(c)));
      }
      sb.append(line.toString().stripTrailing()).append('\n');
    }
    return sb.toString();
  }
}
