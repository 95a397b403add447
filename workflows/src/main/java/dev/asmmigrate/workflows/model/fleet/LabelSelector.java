package dev.asmmigrate.workflows.model.fleet;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A Kubernetes label selector, as a fleet file's wave writes it to choose clusters by their labels:
 * requirements separated by commas, all of which must hold.
 *
 * <ul>
 *   <li>{@code key=value}, {@code key==value}: the label is set to that value;
 *   <li>{@code key!=value}: the label is not set to that value (or not set at all);
 *   <li>{@code key in (a,b)}: the label is set to one of the values;
 *   <li>{@code key notin (a,b)}: the label is not set to one of them (or not set at all);
 *   <li>{@code key}: the label is set; {@code !key}: it is not.
 * </ul>
 *
 * Keys and values are checked as Kubernetes checks them: a key is an optional DNS-subdomain prefix
 * of at most 253 characters and a slash, then a name of at most 63 characters (alphanumerics,
 * {@code -}, {@code _}, {@code .}, beginning and ending alphanumeric); a value is empty or such a
 * name. The empty selector matches everything.
 *
 * @param text the selector as written
 * @param requirements what it requires, in order
 */
public record LabelSelector(String text, List<Requirement> requirements) {

  private static final Pattern NAME =
      Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  public LabelSelector {
    requirements = List.copyOf(requirements);
  }

  /** What a requirement asks of a label. */
  public enum Operator {
    EQUALS,
    NOT_EQUALS,
    IN,
    NOT_IN,
    EXISTS,
    DOES_NOT_EXIST
  }

  /**
   * One requirement of a selector.
   *
   * @param key the label's key
   * @param operator what it asks
   * @param values the values it names (one for = and !=, none for existence)
   */
  public record Requirement(String key, Operator operator, Set<String> values) {
    public Requirement {
      values = Set.copyOf(values);
    }

    /** Whether {@code labels} meet it. */
    public boolean matches(Map<String, String> labels) {
      String v = labels.get(key);
      return switch (operator) {
        case EQUALS, IN -> v != null && values.contains(v);
        case NOT_EQUALS, NOT_IN -> v == null || !values.contains(v);
        case EXISTS -> v != null;
        case DOES_NOT_EXIST -> v == null;
      };
    }
  }

  /** Whether {@code labels} meet every requirement. */
  public boolean matches(Map<String, String> labels) {
    Map<String, String> l = labels == null ? Map.of() : labels;
    return requirements.stream().allMatch(r -> r.matches(l));
  }

  @Override
  public String toString() {
    return text;
  }

  /**
   * Parses a selector.
   *
   * @throws IllegalArgumentException naming the position (1-based character) and what is wrong
   */
  public static LabelSelector parse(String text) {
    String t = text == null ? "" : text;
    return new LabelSelector(t, new Parser(t).requirements());
  }

  /** A recursive-descent parser over the selector's characters, which knows its position. */
  private static final class Parser {
    private final String s;
    private int pos;

    Parser(String s) {
      this.s = s;
    }

    List<Requirement> requirements() {
      List<Requirement> out = new ArrayList<>();
      skipSpaces();
      if (pos == s.length()) {
        return out;
      }
      while (true) {
        out.add(requirement());
        skipSpaces();
        if (pos == s.length()) {
          return out;
        }
        if (s.charAt(pos) != ',') {
          throw error("expected ',' between requirements, found " + found());
        }
        pos++;
        skipSpaces();
        if (pos == s.length()) {
          throw error("expected a requirement after ','");
        }
      }
    }

    private Requirement requirement() {
      if (s.charAt(pos) == '!') {
        pos++;
        skipSpaces();
        String key = key();
        skipSpaces();
        if (pos < s.length() && s.charAt(pos) != ',') {
          throw error("'!" + key + "' takes no operator or value, found " + found());
        }
        return new Requirement(key, Operator.DOES_NOT_EXIST, Set.of());
      }
      String key = key();
      skipSpaces();
      if (pos == s.length() || s.charAt(pos) == ',') {
        return new Requirement(key, Operator.EXISTS, Set.of());
      }
      if (s.startsWith("==", pos)) {
        pos += 2;
        return new Requirement(key, Operator.EQUALS, Set.of(value()));
      }
      if (s.startsWith("!=", pos)) {
        pos += 2;
        return new Requirement(key, Operator.NOT_EQUALS, Set.of(value()));
      }
      if (s.charAt(pos) == '=') {
        pos++;
        return new Requirement(key, Operator.EQUALS, Set.of(value()));
      }
      int wordStart = pos;
      String word = word();
      if (word.equals("in") || word.equals("notin")) {
        return new Requirement(key, word.equals("in") ? Operator.IN : Operator.NOT_IN, valueSet());
      }
      pos = wordStart;
      throw error(
          "expected an operator (=, ==, !=, in, notin) or ',' after key '"
              + key
              + "', found "
              + found());
    }

    /** {@code (a, b)}: at least one value. */
    private Set<String> valueSet() {
      skipSpaces();
      if (pos == s.length() || s.charAt(pos) != '(') {
        throw error("expected '(' to open the set of values, found " + found());
      }
      int open = pos++;
      List<String> values = new ArrayList<>();
      while (true) {
        skipSpaces();
        int at = pos;
        String v = word();
        checkValue(v, at);
        values.add(v);
        skipSpaces();
        if (pos == s.length()) {
          throw error("expected ')' to close the set of values");
        }
        char c = s.charAt(pos++);
        if (c == ')') {
          break;
        }
        if (c != ',') {
          pos--;
          throw error("expected ',' or ')' in the set of values, found " + found());
        }
      }
      if (values.size() == 1 && values.get(0).isEmpty()) {
        throw errorAt(open, "the set of values is empty");
      }
      return Set.copyOf(values);
    }

    private String key() {
      int at = pos;
      String k = word();
      if (k.isEmpty()) {
        throw error("expected a label key, found " + found());
      }
      String prefix = null;
      String name = k;
      int slash = k.indexOf('/');
      if (slash >= 0) {
        prefix = k.substring(0, slash);
        name = k.substring(slash + 1);
        if (name.contains("/")) {
          throw errorAt(at, "label key '" + k + "' has more than one '/'");
        }
        if (prefix.isEmpty() || prefix.length() > 253 || !dnsSubdomain(prefix)) {
          throw errorAt(
              at,
              "label key prefix '"
                  + prefix
                  + "' must be a DNS subdomain (lower-case alphanumerics, '-' and '.', at most"
                  + " 253 characters)");
        }
      }
      if (name.length() > 63 || !NAME.matcher(name).matches()) {
        throw errorAt(
            at,
            "label key '"
                + k
                + "' must be at most 63 characters of alphanumerics, '-', '_' and '.', beginning"
                + " and ending with an alphanumeric"
                + (prefix == null ? "" : " after its prefix"));
      }
      return k;
    }

    private String value() {
      skipSpaces();
      int at = pos;
      String v = word();
      checkValue(v, at);
      return v;
    }

    private void checkValue(String v, int at) {
      if (!v.isEmpty() && (v.length() > 63 || !NAME.matcher(v).matches())) {
        throw errorAt(
            at,
            "label value '"
                + v
                + "' must be empty or at most 63 characters of alphanumerics, '-', '_' and '.',"
                + " beginning and ending with an alphanumeric");
      }
    }

    private static boolean dnsSubdomain(String p) {
      for (String label : p.split("\\.", -1)) {
        if (!DNS_LABEL.matcher(label).matches()) {
          return false;
        }
      }
      return true;
    }

    /** The characters up to a space, an operator, a comma or a parenthesis. */
    private String word() {
      int start = pos;
      while (pos < s.length() && " \t\n\r=!,()".indexOf(s.charAt(pos)) < 0) {
        pos++;
      }
      return s.substring(start, pos);
    }

    private void skipSpaces() {
      while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
        pos++;
      }
    }

    private String found() {
      return pos >= s.length() ? "the end" : "'" + s.charAt(pos) + "'";
    }

    private IllegalArgumentException error(String what) {
      return errorAt(pos, what);
    }

    private IllegalArgumentException errorAt(int at, String what) {
      return new IllegalArgumentException(
          "label selector \"" + s + "\", at character " + (at + 1) + ": " + what);
    }
  }
}
