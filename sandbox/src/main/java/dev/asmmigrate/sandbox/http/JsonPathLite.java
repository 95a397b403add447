package dev.asmmigrate.sandbox.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSONPath subset CRDs' additionalPrinterColumns use: {@code .a.b}, {@code .a[0].b} and {@code
 * .a[?(@.type=="X")].b}.
 */
final class JsonPathLite {
  private JsonPathLite() {}

  static String eval(JsonNode root, String path) {
    List<JsonNode> current = List.of(root);
    String p = path.startsWith("$") ? path.substring(1) : path;
    int i = 0;
    while (i < p.length()) {
      char c = p.charAt(i);
      if (c == '.') {
        int end = i + 1;
        while (end < p.length() && p.charAt(end) != '.' && p.charAt(end) != '[') end++;
        String field = p.substring(i + 1, end);
        List<JsonNode> next = new ArrayList<>();
        current.forEach(
            n -> {
              if (n.has(field)) next.add(n.get(field));
            });
        current = next;
        i = end;
      } else if (c == '[') {
        int end = p.indexOf(']', i);
        String inner = p.substring(i + 1, end);
        List<JsonNode> next = new ArrayList<>();
        if (inner.startsWith("?(@.")) {
          String cond = inner.substring(4, inner.length() - 1);
          String[] kv = cond.split("==", 2);
          String value = kv[1].replace("\"", "").replace("'", "");
          current.forEach(
              n ->
                  n.forEach(
                      el -> {
                        if (el.path(kv[0]).asText().equals(value)) next.add(el);
                      }));
        } else if (inner.equals("*")) {
          current.forEach(n -> n.forEach(next::add));
        } else {
          int idx = Integer.parseInt(inner);
          current.forEach(
              n -> {
                if (n.isArray() && n.size() > idx) next.add(n.get(idx));
              });
        }
        current = next;
        i = end + 1;
      } else {
        i++;
      }
    }
    List<String> out = new ArrayList<>();
    current.forEach(n -> out.add(n.isValueNode() ? n.asText() : n.toString()));
    return out.isEmpty() ? "" : String.join(",", out);
  }
}
