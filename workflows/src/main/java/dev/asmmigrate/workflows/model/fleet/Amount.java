package dev.asmmigrate.workflows.model.fleet;

/**
 * A count or a percentage of a total, as the fleet file writes a wave's {@code maxConcurrent} and
 * the failure budgets: {@code 3} or {@code "25%"}.
 *
 * @param value the count, or the percentage when {@code percent}
 * @param percent whether {@code value} is a percentage (0 to 100)
 */
public record Amount(int value, boolean percent) {

  public Amount {
    if (value < 0) {
      throw new IllegalArgumentException("must not be negative: " + value);
    }
    if (percent && value > 100) {
      throw new IllegalArgumentException("a percentage must be at most 100%: " + value + "%");
    }
  }

  public static Amount count(int n) {
    return new Amount(n, false);
  }

  public static Amount percent(int p) {
    return new Amount(p, true);
  }

  /**
   * Parses {@code "3"} or {@code "25%"}.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static Amount parse(String text) {
    String t = text == null ? "" : text.trim();
    boolean pct = t.endsWith("%");
    String digits = pct ? t.substring(0, t.length() - 1).trim() : t;
    if (!digits.matches("[0-9]{1,9}")) {
      throw new IllegalArgumentException(
          "expected a count (3) or a percentage (25%), not \"" + text + "\"");
    }
    return new Amount(Integer.parseInt(digits), pct);
  }

  /**
   * How many at once out of {@code total}, for a concurrency: a percentage rounds up, and the
   * answer is at least 1 when {@code total} is not 0.
   */
  public int concurrencyOf(int total) {
    int n = percent ? (int) Math.ceil(total * value / 100.0) : value;
    return total == 0 ? 0 : Math.max(1, Math.min(n, total));
  }

  /** How many failures out of {@code total} a budget tolerates: a percentage rounds down. */
  public int toleratedOf(int total) {
    return percent ? (int) Math.floor(total * value / 100.0) : value;
  }

  @Override
  public String toString() {
    return percent ? value + "%" : Integer.toString(value);
  }
}
