package dev.asmmigrate.sandbox.api;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resource quantities in the canonical form a real API server stores and returns them in
 * (Kubernetes' {@code resource.Quantity}): the value is parsed, rounded up to a nano, and written
 * back with the largest suffix that keeps it exact, in the family the input used. Binary suffixes
 * stay binary ({@code 2048Mi} is {@code 2Gi}) unless the value is below 1024 or fractional, decimal
 * suffixes stay decimal ({@code 1000m} is {@code 1}, {@code 0.5} is {@code 500m}), and an {@code e}
 * exponent stays an exponent, a multiple of three ({@code 1e3} stays {@code 1e3}, {@code 0.5e0} is
 * {@code 500e-3}).
 */
public final class Quantities {
  private static final Pattern FORM =
      Pattern.compile("([+-]?)([0-9]*)(?:\\.([0-9]*))?([eEinumkKMGTP]*[-+]?[0-9]*)");
  private static final Map<String, Integer> DECIMAL_SUFFIX =
      Map.of("n", -9, "u", -6, "m", -3, "", 0, "k", 3, "M", 6, "G", 9, "T", 12, "P", 15, "E", 18);
  private static final Map<String, Integer> BINARY_SUFFIX =
      Map.of("Ki", 10, "Mi", 20, "Gi", 30, "Ti", 40, "Pi", 50, "Ei", 60);
  private static final String[] BINARY_BY_POWER = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
  private static final BigInteger KI = BigInteger.valueOf(1024);
  private static final BigDecimal MAX = BigDecimal.valueOf(Long.MAX_VALUE);

  private enum Format {
    DECIMAL_SI,
    BINARY_SI,
    DECIMAL_EXPONENT
  }

  private Quantities() {}

  /**
   * The canonical form of a quantity.
   *
   * @throws IllegalArgumentException when the text is not a quantity (the server's message)
   */
  public static String canonical(String text) {
    if (text.equals("0")) {
      return "0";
    }
    Matcher m = FORM.matcher(text);
    if (text.isEmpty() || !m.matches()) {
      throw wrong();
    }
    boolean negative = m.group(1).equals("-");
    String whole = m.group(2);
    String fraction = m.group(3) == null ? "" : m.group(3);
    String suffix = m.group(4);
    if (whole.isEmpty() && m.group(3) == null) {
      throw wrong();
    }
    BigDecimal amount = new BigDecimal((whole.isEmpty() ? "0" : whole) + "." + fraction + "0");
    Format format;
    if (DECIMAL_SUFFIX.containsKey(suffix)) {
      format = Format.DECIMAL_SI;
      amount = amount.scaleByPowerOfTen(DECIMAL_SUFFIX.get(suffix));
    } else if (BINARY_SUFFIX.containsKey(suffix)) {
      format = Format.BINARY_SI;
      amount = amount.multiply(new BigDecimal(BigInteger.ONE.shiftLeft(BINARY_SUFFIX.get(suffix))));
    } else if (suffix.matches("[eE][-+]?[0-9]+")) {
      format = Format.DECIMAL_EXPONENT;
      amount = amount.scaleByPowerOfTen(Integer.parseInt(suffix.substring(1)));
    } else {
      throw new IllegalArgumentException("unable to parse quantity's suffix");
    }
    // what is asked for is granted: anything finer than a nano rounds up to the next nano
    if (amount.signum() != 0 && amount.scale() > 9) {
      amount = amount.setScale(9, RoundingMode.UP);
    }
    if (format == Format.BINARY_SI && amount.compareTo(MAX) > 0) {
      amount = MAX;
    }
    if (format == Format.BINARY_SI && amount.compareTo(BigDecimal.ONE) < 0) {
      format = Format.DECIMAL_SI;
    }
    if (negative) {
      amount = amount.negate();
    }
    return format(amount, format);
  }

  private static String format(BigDecimal amount, Format format) {
    if (amount.signum() == 0) {
      return "0";
    }
    if (format == Format.BINARY_SI) {
      boolean small = amount.abs().compareTo(BigDecimal.valueOf(1024)) < 0;
      boolean whole = amount.stripTrailingZeros().scale() <= 0;
      if (small || !whole) {
        format = Format.DECIMAL_SI;
      } else {
        BigInteger n = amount.toBigIntegerExact();
        int power = 0;
        while (power < BINARY_BY_POWER.length - 1 && n.mod(KI).signum() == 0) {
          n = n.divide(KI);
          power++;
        }
        return n + BINARY_BY_POWER[power];
      }
    }
    // a mantissa without trailing zeros, then the exponent brought down to a multiple of three
    BigDecimal stripped = amount.stripTrailingZeros();
    BigInteger mantissa = stripped.unscaledValue();
    int exponent = -stripped.scale();
    int excess = Math.floorMod(exponent, 3);
    mantissa = mantissa.multiply(BigInteger.TEN.pow(excess));
    exponent -= excess;
    String suffix = null;
    if (format == Format.DECIMAL_SI) {
      for (Map.Entry<String, Integer> e : DECIMAL_SUFFIX.entrySet()) {
        if (e.getValue() == exponent) {
          suffix = e.getKey();
        }
      }
    }
    if (suffix == null) {
      suffix = exponent == 0 ? "" : "e" + exponent;
    }
    return mantissa + suffix;
  }

  private static IllegalArgumentException wrong() {
    return new IllegalArgumentException(
        "quantities must match the regular expression"
            + " '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  }
}
