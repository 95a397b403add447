package dev.asmmigrate.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Durations as people write them: {@code 500ms}, {@code 2s}, {@code 5m}, {@code 1h30m}, or
 * ISO-8601.
 */
public final class DurationConverter implements ITypeConverter<Duration> {
  private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");

  @Override
  public Duration convert(String value) {
    return parse(value);
  }

  public static Duration parse(String value) {
    String v = value.trim();
    if (v.startsWith("P") || v.startsWith("p")) {
      Duration d;
      try {
        d = Duration.parse(v);
      } catch (RuntimeException e) {
        throw new TypeConversionException("'" + value + "' is not a duration");
      }
      if (d.isNegative()) {
        throw new TypeConversionException("'" + value + "' is negative; a duration is 0 or more");
      }
      return d;
    }
    if (v.matches("\\d+")) {
      return Duration.ofSeconds(Long.parseLong(v));
    }
    Matcher m = PART.matcher(v);
    Duration total = Duration.ZERO;
    int end = 0;
    while (m.find()) {
      if (m.start() != end) {
        break;
      }
      long n = Long.parseLong(m.group(1));
      total =
          total.plus(
              switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
              });
      end = m.end();
    }
    if (end != v.length() || v.isEmpty()) {
      throw new TypeConversionException(
          "'" + value + "' is not a duration (examples: 500ms, 2s, 5m, 1h30m)");
    }
    return total;
  }
}
