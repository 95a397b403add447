package dev.asmmigrate.workflows;

import dev.asmmigrate.workflows.model.FailureType;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;

/** How the workflow raises its own failures and tells what a failure was. */
final class Failures {
  private Failures() {}

  static ApplicationFailure failure(FailureType type, String message) {
    return ApplicationFailure.newNonRetryableFailure(message, type.name());
  }

  static boolean isType(Throwable t, FailureType type) {
    for (Throwable cur = t; cur != null; cur = cur.getCause()) {
      if (cur instanceof ApplicationFailure af && type.name().equals(af.getType())) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code t} is, or was caused by, a cancellation (an operator's abort). */
  static boolean canceled(Throwable t) {
    for (Throwable cur = t; cur != null; cur = cur.getCause()) {
      if (cur instanceof CanceledFailure) {
        return true;
      }
    }
    return false;
  }

  static String describe(Throwable t) {
    Throwable cur = t;
    while (cur != null) {
      if (cur instanceof ApplicationFailure af) {
        return af.getType() + ": " + af.getOriginalMessage();
      }
      if (cur instanceof CanceledFailure) {
        return "canceled";
      }
      if (cur.getCause() == null && cur instanceof ActivityFailure af) {
        return af.getMessage();
      }
      cur = cur.getCause();
    }
    return t.getMessage();
  }

  static String firstLine(String s) {
    if (s == null) {
      return null;
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
