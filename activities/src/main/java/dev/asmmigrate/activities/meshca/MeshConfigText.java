package dev.asmmigrate.activities.meshca;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.StringReader;
import java.util.Objects;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Adds a trust domain alias to a mesh config's text without rewriting it: the add-on's {@code
 * istio} ConfigMap carries a commented mesh config, and an edit must leave its comments, key order
 * and every other value byte for byte. The text is composed into SnakeYAML's node tree (which knows
 * where each node starts and ends), the alias is spliced in at the exact position, and the result
 * is parsed again to prove that the only change in meaning is the alias.
 *
 * <p>Where it goes: a {@code trustDomainAliases} list gets one more item in its own style (block: a
 * {@code - alias} line at the items' indentation; flow: {@code , alias} before the {@code ]}); an
 * empty key (as the add-on writes it, {@code trustDomainAliases:} with no value) gets a block list
 * at the key's indentation; a mesh without the key gets it appended after its last entry.
 */
final class MeshConfigText {
  /** An edit that cannot be made in place. */
  static final class NotEditable extends RuntimeException {
    NotEditable(String message) {
      super(message);
    }
  }

  static final String KEY = "trustDomainAliases";
  private static final ObjectMapper YAML =
      new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());

  private MeshConfigText() {}

  /**
   * The mesh config text with {@code alias} added to its trust domain aliases, or null when it is
   * there already.
   *
   * @throws NotEditable when the text is not a YAML mapping (or not YAML), or the aliases are not a
   *     list of strings
   */
  static String withAlias(String mesh, String alias) {
    String text = mesh == null ? "" : mesh;
    Node root = compose(text);
    String edited;
    if (root == null) {
      edited = text + (text.isEmpty() || text.endsWith("\n") ? "" : "\n") + blockKey("", alias);
    } else if (!(root instanceof MappingNode map)) {
      throw new NotEditable("mesh is not a YAML mapping");
    } else {
      NodeTuple entry = null;
      for (NodeTuple t : map.getValue()) {
        if (t.getKeyNode() instanceof ScalarNode k && KEY.equals(k.getValue())) {
          entry = t;
        }
      }
      if (entry == null) {
        edited = appendKey(text, map, alias);
      } else {
        Node value = entry.getValueNode();
        if (value instanceof SequenceNode seq) {
          for (Node item : seq.getValue()) {
            if (!(item instanceof ScalarNode s)) {
              throw new NotEditable(KEY + " holds something other than strings");
            }
            if (s.getValue().equals(alias)) {
              return null;
            }
          }
          edited = appendItem(text, entry, seq, alias);
        } else if (value instanceof ScalarNode s && s.getTag().equals(Tag.NULL)) {
          edited = fillEmpty(text, map, entry, s, alias);
        } else {
          throw new NotEditable(KEY + " is not a list");
        }
      }
    }
    verify(text, edited, alias);
    return edited;
  }

  private static Node compose(String text) {
    try {
      LoaderOptions options = new LoaderOptions();
      options.setAllowDuplicateKeys(false);
      return new Yaml(options).compose(new StringReader(text));
    } catch (YAMLException e) {
      throw new NotEditable("mesh is not valid YAML (" + firstLine(e.getMessage()) + ")");
    }
  }

  /** A mesh without the key: {@code trustDomainAliases:} appended after the root's last entry. */
  private static String appendKey(String text, MappingNode map, String alias) {
    if (map.getFlowStyle() == DumperOptions.FlowStyle.FLOW) {
      int close = map.getEndMark().getIndex() - 1;
      requireChar(text, close, '}');
      String sep = map.getValue().isEmpty() ? "" : ", ";
      return text.substring(0, close)
          + sep
          + KEY
          + ": ["
          + scalar(alias)
          + "]"
          + text.substring(close);
    }
    if (map.getValue().isEmpty()) {
      throw new NotEditable("mesh is an empty block mapping");
    }
    NodeTuple last = map.getValue().get(map.getValue().size() - 1);
    String indent = " ".repeat(last.getKeyNode().getStartMark().getColumn());
    int at = afterLastContentLine(text, last.getValueNode().getEndMark().getIndex());
    String before = text.substring(0, at);
    if (!before.endsWith("\n")) {
      before = before + "\n";
    }
    String rest = text.substring(at);
    String added = blockKey(indent, alias);
    if (rest.isEmpty() && !text.endsWith("\n")) {
      added = added.substring(0, added.length() - 1); // keep "no final newline" as it was
    }
    return before + added + rest;
  }

  /** {@code trustDomainAliases:} with no value: a block list at the key's indentation. */
  private static String fillEmpty(
      String text, MappingNode map, NodeTuple entry, ScalarNode empty, String alias) {
    int at = empty.getStartMark().getIndex();
    if (empty.getEndMark().getIndex() != at || map.getFlowStyle() == DumperOptions.FlowStyle.FLOW) {
      // an explicit null (null, ~) replaced by the list, or an empty value in a flow mapping
      // given one, in flow style on the same line
      return text.substring(0, at)
          + (empty.getEndMark().getIndex() == at ? " [" : "[")
          + scalar(alias)
          + "]"
          + text.substring(empty.getEndMark().getIndex());
    }
    // after what else the key's line holds (spaces, a comment), so that the line stays as it is
    int lineEnd = text.indexOf('\n', at);
    lineEnd = lineEnd < 0 ? text.length() : lineEnd;
    String restOfLine = text.substring(at, lineEnd).strip();
    if (restOfLine.isEmpty() || restOfLine.startsWith("#")) {
      at = lineEnd;
    }
    String indent = " ".repeat(entry.getKeyNode().getStartMark().getColumn());
    return text.substring(0, at) + "\n" + indent + "- " + scalar(alias) + text.substring(at);
  }

  /** One more item in the list's own style. */
  private static String appendItem(String text, NodeTuple entry, SequenceNode seq, String alias) {
    if (seq.getFlowStyle() == DumperOptions.FlowStyle.FLOW) {
      int close = seq.getEndMark().getIndex() - 1;
      requireChar(text, close, ']');
      String sep = seq.getValue().isEmpty() ? "" : ", ";
      return text.substring(0, close) + sep + scalar(alias) + text.substring(close);
    }
    Node lastItem = seq.getValue().get(seq.getValue().size() - 1);
    int itemStart = seq.getValue().get(0).getStartMark().getIndex();
    int dash = text.lastIndexOf('-', itemStart);
    int lineStart = text.lastIndexOf('\n', dash) + 1;
    String indent = text.substring(lineStart, dash);
    if (!indent.isBlank()) {
      throw new NotEditable(KEY + " is a list whose first item does not start its line");
    }
    String gap = text.substring(dash + 1, itemStart);
    int at = afterLastContentLine(text, lastItem.getEndMark().getIndex());
    String before = text.substring(0, at);
    String rest = text.substring(at);
    String line = indent + "-" + gap + scalar(alias);
    if (!before.endsWith("\n")) {
      return before + "\n" + line + rest;
    }
    return before + line + (rest.isEmpty() && !text.endsWith("\n") ? "" : "\n") + rest;
  }

  /**
   * The index after the line holding {@code end - 1} (the last character of a node), or {@code end}
   * when a node ends at a line's start (block nodes end where the next token begins, past blank and
   * comment lines: those stay after the insertion).
   */
  private static int afterLastContentLine(String text, int end) {
    int i = Math.min(end, text.length());
    // back over trailing blank and comment-only lines a block node's end mark may include
    while (i > 0) {
      int lineStart = text.lastIndexOf('\n', i - 1) + 1;
      String line = text.substring(lineStart, i);
      String trimmed = line.strip();
      if (i == lineStart || trimmed.isEmpty() || trimmed.startsWith("#")) {
        if (lineStart == 0) {
          break;
        }
        i = lineStart - 1; // the newline ending the previous line
        continue;
      }
      break;
    }
    int nl = text.indexOf('\n', i);
    return nl < 0 ? text.length() : nl + 1;
  }

  private static String blockKey(String indent, String alias) {
    return indent + KEY + ":\n" + indent + "- " + scalar(alias) + "\n";
  }

  /** A plain scalar where YAML reads it back as the same string, else double-quoted. */
  static String scalar(String value) {
    try {
      JsonNode back = YAML.readTree("v: " + value);
      if (back != null && back.path("v").isTextual() && back.path("v").asText().equals(value)) {
        return value;
      }
    } catch (JsonProcessingException e) {
      // quoted below
    }
    StringBuilder quoted = new StringBuilder("\"");
    for (char c : value.toCharArray()) {
      switch (c) {
        case '"' -> quoted.append("\\\"");
        case '\\' -> quoted.append("\\\\");
        default -> {
          if (c < 0x20) {
            quoted.append(String.format("\\x%02x", (int) c));
          } else {
            quoted.append(c);
          }
        }
      }
    }
    return quoted.append('"').toString();
  }

  private static void requireChar(String text, int index, char expected) {
    if (index < 0 || index >= text.length() || text.charAt(index) != expected) {
      throw new NotEditable("cannot find the closing '" + expected + "' of a flow collection");
    }
  }

  /** The edit changed nothing but the aliases, which gained exactly {@code alias}. */
  private static void verify(String before, String after, String alias) {
    ObjectNode was = tree(before);
    ObjectNode is = tree(after);
    JsonNode oldAliases = was.remove(KEY);
    JsonNode newAliases = is.remove(KEY);
    ArrayNode expected = YAML.createArrayNode();
    if (oldAliases != null && oldAliases.isArray()) {
      expected.addAll((ArrayNode) oldAliases);
    }
    expected.add(alias);
    if (!was.equals(is) || !Objects.equals(expected, newAliases)) {
      throw new NotEditable("mesh cannot be edited in place without changing more than " + KEY);
    }
  }

  private static ObjectNode tree(String text) {
    try {
      JsonNode n = text.isBlank() ? null : YAML.readTree(text);
      return n instanceof ObjectNode o ? o : YAML.createObjectNode();
    } catch (JsonProcessingException e) {
      throw new NotEditable("mesh cannot be edited in place: the edit does not parse");
    }
  }

  private static String firstLine(String s) {
    String m = String.valueOf(s);
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
