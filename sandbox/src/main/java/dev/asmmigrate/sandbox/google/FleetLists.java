package dev.asmmigrate.sandbox.google;

import com.google.cloud.gkehub.v1.Membership;
import com.google.cloud.gkehub.v1beta.Feature;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** List answers of the fleet: paging and a small filter language. */
final class FleetLists {
  private static final Pattern FILTER_CLAUSE =
      Pattern.compile("\\s*([A-Za-z_][A-Za-z0-9_.\\-/]*)\\s*=\\s*(\"([^\"]*)\"|(\\S+))\\s*");

  private FleetLists() {}

  static <T> Fleet.Page<T> page(List<T> all, int pageSize, String pageToken) {
    int from = 0;
    if (!pageToken.isEmpty()) {
      try {
        from = Integer.parseInt(pageToken);
      } catch (NumberFormatException e) {
        from = -1;
      }
      if (from < 0 || from > all.size()) {
        throw Rpc.invalid("Invalid page_token '" + pageToken + "'.");
      }
    }
    if (pageSize < 0) {
      throw Rpc.invalid("page_size must not be negative.");
    }
    int to = pageSize == 0 ? all.size() : Math.min(all.size(), from + pageSize);
    String next = to < all.size() ? Integer.toString(to) : "";
    return new Fleet.Page<>(List.copyOf(all.subList(from, to)), next);
  }

  /** Parses {@code path = "value" [AND path = "value" ...]}; anything else is refused. */
  static List<String[]> filter(String filter) {
    List<String[]> clauses = new ArrayList<>();
    if (filter.isBlank()) {
      return clauses;
    }
    for (String clause : filter.split("\\s+AND\\s+")) {
      Matcher m = FILTER_CLAUSE.matcher(clause);
      if (!m.matches()) {
        throw Rpc.invalid(
            "Filter '"
                + filter
                + "' is not supported by the sandbox: use field = \"value\" clauses joined by AND.");
      }
      clauses.add(new String[] {m.group(1), m.group(3) != null ? m.group(3) : m.group(4)});
    }
    return clauses;
  }

  static boolean matches(
      List<String[]> clauses, java.util.function.Function<String, String> field) {
    for (String[] clause : clauses) {
      if (!clause[1].equals(field.apply(clause[0]))) {
        return false;
      }
    }
    return true;
  }

  static String membershipField(Membership m, String path) {
    if (path.startsWith("labels.")) {
      return m.getLabelsMap().get(path.substring("labels.".length()));
    }
    return switch (path) {
      case "name" -> m.getName();
      case "state.code" -> m.getState().getCode().name();
      case "endpoint.gkeCluster.resourceLink", "endpoint.gke_cluster.resource_link" ->
          m.getEndpoint().getGkeCluster().getResourceLink();
      case "externalId", "external_id" -> m.getExternalId();
      case "uniqueId", "unique_id" -> m.getUniqueId();
      default ->
          throw Rpc.invalid(
              "Filtering memberships on '" + path + "' is not supported by the sandbox.");
    };
  }

  static String featureField(Feature f, String path) {
    if (path.startsWith("labels.")) {
      return f.getLabelsMap().get(path.substring("labels.".length()));
    }
    if ("name".equals(path)) {
      return f.getName();
    }
    throw Rpc.invalid("Filtering features on '" + path + "' is not supported by the sandbox.");
  }
}
