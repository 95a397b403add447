package dev.asmmigrate.cli;

import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A timeout or an interval: a duration as {@link DurationConverter} reads it, and more than 0 (a
 * zero timeout can only fail, after whatever ran before it).
 */
public final class PositiveDurationConverter implements ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    Duration d = DurationConverter.parse(value);
    if (d.isZero()) {
      throw new TypeConversionException(
          "'" + value + "' must be more than 0 (examples: 500ms, 2s, 5m, 1h30m)");
    }
    return d;
  }
}
